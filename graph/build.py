"""Build the graph from the curated sources, and write the dumps into dist/.

The same inputs give byte-identical outputs: every serialisation is sorted and
nothing depends on the clock.
"""

import json
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from smartcity_kg.graph import tables
from smartcity_kg.graph.describe import describe_dataset
from smartcity_kg.graph.geojson import write_geojson
from smartcity_kg.graph.links import add_links
from smartcity_kg.namespaces import SC, bind_all
from smartcity_kg.resources import data_dir, ontology_file

DUMP_NAME = "smartcity"


def load_graph(include_ontology=True):
    """The whole graph as an rdflib Graph: ontology, hand-written Turtle and the tables."""
    g = bind_all(Graph())
    if include_ontology:
        g.parse(ontology_file(), format="turtle")
    for ttl in sorted(data_dir().glob("*.ttl")):
        g.parse(ttl, format="turtle")
    batch_dates = {batch: date for batch, date in g.subject_objects(SC.announcementDate)
                   if (batch, RDF.type, SC.Batch) in g}
    tables.add_all(g, batch_dates)
    add_links(g)
    add_derived(g)
    return g


def province_of(g, node, seen=None):
    """The province a unit or zone lies in, following parents and hosts (None if there is none)."""
    seen = seen or set()
    if node in seen:
        return None
    seen.add(node)
    if (node, RDF.type, SC.Province) in g:
        return node
    for nxt in list(g.objects(node, SC.parentUnit)) + list(g.objects(node, SC.locatedIn)):
        found = province_of(g, nxt, seen)
        if found is not None:
            return found
    return None


def add_derived(g):
    """Facts computed from others at build: the province of each pilot."""
    for pilot in set(g.subjects(RDF.type, SC.Pilot)):
        for territory in g.objects(pilot, SC.territory):
            province = province_of(g, territory)
            if province is not None:
                g.add((pilot, SC.province, province))
                break


def sorted_ntriples(g):
    lines = g.serialize(format="nt").splitlines()
    return "\n".join(sorted({line for line in lines if line.strip()})) + "\n"


def canonical_jsonld(g):
    data = json.loads(g.serialize(format="json-ld"))
    nodes = data if isinstance(data, list) else data.get("@graph", [data])

    def sort_values(node):
        out = {}
        for key in sorted(node):
            value = node[key]
            if isinstance(value, list):
                value = sorted(value, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
            out[key] = value
        return out

    nodes = sorted((sort_values(n) for n in nodes), key=lambda n: n.get("@id", ""))
    return json.dumps(nodes, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_dumps(g, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    written["ttl"] = out / f"{DUMP_NAME}.ttl"
    written["ttl"].write_text(g.serialize(format="longturtle"), encoding="utf-8")
    written["nt"] = out / f"{DUMP_NAME}.nt"
    written["nt"].write_text(sorted_ntriples(g), encoding="utf-8")
    written["jsonld"] = out / f"{DUMP_NAME}.jsonld"
    written["jsonld"].write_text(canonical_jsonld(g), encoding="utf-8")
    written["ontology"] = out / "ontology.ttl"
    written["ontology"].write_bytes(ontology_file().read_bytes())
    geojson = write_geojson(g, out / f"{DUMP_NAME}.geojson")
    if geojson is not None:
        written["geojson"] = geojson
    void = describe_dataset(g, written)
    written["void"] = out / "void.ttl"
    written["void"].write_text(void.serialize(format="longturtle"), encoding="utf-8")
    return written


def build(out_dir="dist", docs=True, maps=True):
    """Build the graph and write every output; returns {name: path}.

    With `maps`, the landing page's maps (dist/map-en.svg, map-zh.svg) are drawn when the
    maps extra is installed; without it they are skipped with a note.
    """
    g = load_graph()
    written = write_dumps(g, out_dir)
    if maps:
        from smartcity_kg.maps import write_landing_map

        for lang, path in write_landing_map(out_dir, g).items():
            written[f"map-{lang}"] = path
    if docs:
        from smartcity_kg.graph.ontology_docs import write_ontology_html

        written["html"] = write_ontology_html(Path(out_dir) / "ontology.html")
    return written
