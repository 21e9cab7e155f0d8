"""Links of the graph's units to the web of data (Wikidata) and their point coordinates.

The curated table graph/data/wikidata.csv holds one row per linked unit, keyed by
the graph's unit id. It was derived once from a CC0 Wikidata extract (key
`wikidata` in sources.csv) under these rules, and nothing here decides a link:

- match `exact`: today's code AND name of the unit equal a row of the extract
  (skos:exactMatch);
- match `close`: the unit has exactly one successor (sc:successor), that
  successor did not coexist with it, no other coexisting unit passed into it,
  and the successor's code and name equal a row of the extract
  (skos:closeMatch: the Wikidata item describes today's unit; `via_successor`
  names it);
- merged or split units, and units the extract lacks, get no link.

Each linked unit also gets its approximate point (WGS84, as the extract gives it)
as a GeoSPARQL geometry with an IRI of its own (id/geometry/unit-{id}); zones,
pilots and units without a row get none.
"""

from collections import Counter
from decimal import Decimal

from rdflib import Literal
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from smartcity_kg.graph.tables import en, iri, read_table
from smartcity_kg.namespaces import GEO, SC, WD

TABLE = "wikidata.csv"
LEVELS = ("province", "prefecture", "county", "town")
MATCH = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch}
LEVEL_CLASS = {"province": SC.Province, "prefecture": SC.PrefectureLevelUnit,
               "county": SC.CountyLevelUnit, "town": SC.TownLevelUnit}


def geometry_iri(unit_id):
    """The IRI of a unit's point: id/geometry/unit-{unit id}."""
    return iri(f"geometry/unit-{unit_id}")


def wkt_point(lon, lat):
    """A GeoSPARQL WKT point in the default CRS (OGC CRS84: longitude first, WGS84 datum)."""
    for value in (lon, lat):
        if Decimal(value).is_nan() or "e" in value.lower():
            raise ValueError(f"not a plain decimal coordinate: {value!r}")
    return Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral)


def read_links():
    """Rows of graph/data/wikidata.csv."""
    return read_table(TABLE)


def table_link_counts(rows=None):
    """{level: number of linked units} from the table (equal to the graph's: add_links checks every row)."""
    counts = Counter(row["level"] for row in (read_links() if rows is None else rows))
    return {level: counts.get(level, 0) for level in LEVELS}


def graph_link_counts(g):
    """{level: number of units with a Wikidata link} counted in the graph itself."""
    counts = {}
    for level in LEVELS:
        units = set(g.subjects(RDF.type, LEVEL_CLASS[level]))
        linked = {u for u in units for p in MATCH.values()
                  for o in g.objects(u, p) if str(o).startswith(str(WD))}
        counts[level] = len(linked)
    return counts


def format_counts(counts):
    return "links: " + ", ".join(f"{level} {counts[level]}" for level in LEVELS)


def add_links(g):
    """Add skos:exactMatch / skos:closeMatch links and GeoSPARQL points to the units of `g`."""
    for row in read_links():
        unit = iri(f"unit/{row['unit']}")
        if (unit, RDF.type, LEVEL_CLASS[row["level"]]) not in g:
            raise ValueError(f"{TABLE}: {row['unit']} is not a {row['level']}-level unit of the graph")
        item = WD[row["wikidata"]]
        g.add((unit, MATCH[row["match"]], item))
        via = row["via_successor"]
        if row["match"] == "close":
            successor = iri(f"unit/{via}")
            if (unit, SC.successor, successor) not in g:
                raise ValueError(f"{TABLE}: {via} is not a successor of {row['unit']}")
            name = next((str(o) for o in g.objects(successor, SKOS.prefLabel) if o.language == "zh"), "")
            g.add((unit, SKOS.editorialNote, en(
                f"Linked to Wikidata {row['wikidata']} through its successor {name} (unit {via}): "
                "the item describes today's unit, hence skos:closeMatch.")))
        elif via:
            raise ValueError(f"{TABLE}: an exact match of {row['unit']} cannot go through a successor")
        if row["lat"] and row["lon"]:
            geom = geometry_iri(row["unit"])
            g.add((unit, GEO.hasGeometry, geom))
            g.add((geom, RDF.type, GEO.Geometry))
            g.add((geom, GEO.asWKT, wkt_point(row["lon"], row["lat"])))
            g.add((geom, PROV.wasDerivedFrom, iri(f"source/{row['source']}")))
            label = f"Approximate point of {row['name_zh']} ({row['unit']})"
            g.add((geom, RDFS.label, en(label)))
            g.add((geom, SKOS.prefLabel, en(label)))
            note = ("Approximate point (WGS84, OGC CRS84 order: longitude latitude) from Wikidata P625: "
                    "a seat of government or a rough centre, not a boundary or a centroid")
            if via:
                note += f"; it is the point of the successor unit {via}"
            g.add((geom, SKOS.editorialNote, en(note + ".")))
        g.add((unit, PROV.wasDerivedFrom, iri(f"source/{row['source']}")))
    return g

