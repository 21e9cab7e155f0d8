"""What a resource's HTML page shows, from the rows of one SELECT: its labels in zh and en, every
property and value, and the resources that link to it (e.g. the expansions of a pilot)."""

from smartcity_kg.api.linking import curie, local_href
from smartcity_kg.namespaces import RDF, RDFS, SKOS

RDF_TYPE = str(RDF.type)
LABELS = (str(SKOS.prefLabel), str(RDFS.label))
# Shown first, in this order; everything else follows by label.
FIRST = [RDF_TYPE, str(SKOS.prefLabel), str(RDFS.label), str(SKOS.altLabel)]
MAX_ROWS = 5000


def resource_query(iri):
    return f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?dir ?p ?o (SAMPLE(?zh0) AS ?zh) (SAMPLE(?en0) AS ?en) (SAMPLE(?any0) AS ?any) WHERE {{
  {{ {iri} ?p ?o . BIND("out" AS ?dir) }} UNION {{ ?o ?p {iri} . BIND("in" AS ?dir) }}
  OPTIONAL {{ ?o skos:prefLabel|rdfs:label|dcterms:title ?zh0 . FILTER(LANGMATCHES(LANG(?zh0), "zh")) }}
  OPTIONAL {{ ?o skos:prefLabel|rdfs:label|dcterms:title ?en0 . FILTER(LANGMATCHES(LANG(?en0), "en")) }}
  OPTIONAL {{ ?o skos:prefLabel|rdfs:label|dcterms:title ?any0 }}
}} GROUP BY ?dir ?p ?o LIMIT {MAX_ROWS}"""


def describe_query(iri):
    return (f"CONSTRUCT {{ {iri} ?p ?o . ?s ?q {iri} }} "
            f"WHERE {{ {{ {iri} ?p ?o }} UNION {{ ?s ?q {iri} }} }}")


def vocabulary_labels_query(graph):
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?t ?l WHERE {{ GRAPH <{graph}> {{ ?t rdfs:label ?l FILTER(isIRI(?t)) }} }}"""


def labels_by_iri(rows):
    labels = {}
    for row in rows:
        lit = row["l"]
        labels.setdefault(row["t"]["value"], {})[lit.get("xml:lang", "")] = lit["value"]
    return labels


def _term_view(term, zh, en, any_label, base):
    kind = term["type"]
    value = term["value"]
    if kind == "uri":
        label = zh or en or any_label
        return {"kind": "iri", "iri": value, "href": local_href(value, base), "curie": curie(value),
                "zh": zh, "en": en if en != zh else None, "label": label}
    if kind == "bnode":
        return {"kind": "bnode", "value": "_:" + value}
    datatype = term.get("datatype")
    return {"kind": "literal", "value": value, "lang": term.get("xml:lang"),
            "datatype": (curie(datatype) or datatype) if datatype else None}


def _property_view(iri, vocab, base):
    labels = vocab.get(iri, {})
    return {"iri": iri, "href": local_href(iri, base), "curie": curie(iri) or iri,
            "en": labels.get("en"), "zh": labels.get("zh")}


def _sort_key(prop):
    iri = prop["iri"]
    if iri in FIRST:
        return (0, FIRST.index(iri), "")
    return (1, 0, (prop["en"] or prop["curie"]).lower())


def build_view(iri, rows, vocab, base):
    """The page model: title, labels, types, properties out, links in."""
    out, incoming = {}, {}
    labels = {"zh": None, "en": None}
    types = []
    for row in rows:
        p = row["p"]["value"]
        o = row["o"]
        get = lambda name: row[name]["value"] if name in row else None  # noqa: E731
        term = _term_view(o, get("zh"), get("en"), get("any"), base)
        if row["dir"]["value"] == "out":
            out.setdefault(p, []).append(term)
            if p in LABELS and term["kind"] == "literal":
                lang = (term["lang"] or "").lower()
                for want in ("zh", "en"):
                    if lang.startswith(want) and not labels[want]:
                        labels[want] = term["value"]
            if p == RDF_TYPE and term["kind"] == "iri":
                types.append(term)
        else:
            incoming.setdefault(p, []).append(term)

    def group(table):
        props = []
        for p, values in table.items():
            prop = _property_view(p, vocab, base)
            prop["values"] = sorted(values, key=lambda v: (v["kind"], v.get("label") or v.get("value") or v.get("iri") or ""))
            props.append(prop)
        return sorted(props, key=_sort_key)

    title = labels["zh"] or labels["en"] or curie(iri) or iri
    return {"iri": iri, "title": title, "labels": labels, "types": types,
            "properties": group(out), "incoming": group(incoming),
            "truncated": len(rows) >= MAX_ROWS, "found": bool(rows)}
