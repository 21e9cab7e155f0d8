"""The one definition of treatment, shared by `smartcity-kg panel` and `smartcity-kg map`.

Everything is computed with SPARQL on the graph (two queries, `units_query` and
`treatment_query`, whose text the panel's companion file reproduces); Python
only groups the rows. docs/panel.md states the definitions in prose; in short:

Units (`level`)
    ``prefecture``: every prefecture-level record of 2012-2015
    (sc:PrefectureLevelUnit with an sc:existsAtYearEnd), plus the prefecture
    equivalents, flagged: the four municipalities (``kind`` "municipality") and
    the county-level units directly under a province, such as 济源市, 仙桃市 or
    石河子市 (``kind`` "province-administered"; drop them with
    ``equivalents=False``). ``county``: every county-level record of 2012-2015
    (``kind`` "county", "municipality" for the districts and counties of the
    four municipalities, "province-administered").

    A record renamed or re-coded within 2012-2015 continues the panel unit of
    the record before it (海东地区 2012 -> 海东市 2013): a later record B
    continues the earlier records A1, A2 ... when each Ai's only successor as
    of 2024 (sc:successor) is B, or the same unit B also ends in, and the
    records' years do not overlap. Where two earlier records overlap (a
    merger, as 北市区 and 南市区 into 莲池区) each keeps a unit of its own. A
    panel unit is keyed on the code of its earliest record (``code``).

Relations of a pilot's territory to a unit record
    ``own``: the territory is the record; ``within``: the territory lies in it
    via sc:parentUnit / sc:locatedIn at any depth (district, county, town,
    zone, expansion); ``covered``: the record lies in the territory (a county
    of a pilot prefecture).

Rules
    ``city``: treated from the first year a pilot's territory is the unit
    itself. ``any``: also through any pilot within it. ``covered`` counts (as
    ``city``) only with ``through_prefecture=True``, which at county level
    treats every county of a pilot prefecture; the default is not to, because
    the programme itself enlarged city pilots to further districts and
    counties by expansion pilots (武汉市 2012, 蔡甸区 2013, 江夏区 2014).
    ``partial`` is 1 when the unit is treated under ``any`` but never under
    ``city``: a pilot lies within it, but it is not itself one.

Year basis
    ``batch``: the batch's nominal year (sc:batchYear: 2012, 2013, 2014);
    ``announced``: the year of the batch's sc:announcementDate (2013, 2013,
    2015).

Reading
    ``preferred``: the graph as curated. ``alternative``: every
    sc:AlternativeReading applied (hypotheses H2, NMG, YUHUI): a pilot that
    is none under it is dropped, its batch and territory replaced, and a
    listing that is a pilot under it (成都市, H2) becomes one, its IRI standing
    for the pilot. A list of hypothesis notations applies only those.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

LEVELS = ("prefecture", "county")
RULES = ("city", "any")
YEAR_BASES = ("batch", "announced")
READINGS = ("preferred", "alternative")

SC = "https://w3id.org/smartcity-kg/def#"
ID = "https://w3id.org/smartcity-kg/id/"

PROLOGUE = """PREFIX sc: <https://w3id.org/smartcity-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# Which records are units of the panel, and of what kind. Binds ?unit and ?kind.
UNIT_SETS = {
    "prefecture": """  {
    ?unit a sc:PrefectureLevelUnit .
    BIND ("prefecture" AS ?kind)
  } UNION {
    ?unit a sc:Province ; sc:unitType sc:Municipality .
    BIND ("municipality" AS ?kind)
  } UNION {
    ?unit a sc:CountyLevelUnit ; sc:parentUnit ?directParent .
    ?directParent a sc:Province .
    FILTER NOT EXISTS { ?directParent sc:unitType sc:Municipality }
    BIND ("province-administered" AS ?kind)
  }
  FILTER EXISTS { ?unit sc:existsAtYearEnd ?someYear }""",
    "county": """  ?unit a sc:CountyLevelUnit ; sc:parentUnit ?directParent .
  FILTER EXISTS { ?unit sc:existsAtYearEnd ?someYear }
  BIND (IF(EXISTS { ?directParent sc:unitType sc:Municipality }, "municipality",
           IF(EXISTS { ?directParent a sc:Province }, "province-administered", "county")) AS ?kind)""",
}


def _check(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def units_query(level="prefecture"):
    """The SPARQL query listing the unit records of a level: one row per record, year and successor."""
    _check("level", level, LEVELS)
    return PROLOGUE + f"""
# The unit records of the {level}-level panel, each year-end 2012-2015 they exist
# in, their parent, province and successors as of 2024.
SELECT ?unit ?kind ?code ?name ?nameEn ?unitType ?parent ?parentCode ?parentName
       ?province ?provinceCode ?provinceName ?year ?successor ?successorCode ?successorName WHERE {{
{UNIT_SETS[level]}
  ?unit sc:gbCode ?code ; skos:prefLabel ?name ; sc:unitType ?unitType ; sc:existsAtYearEnd ?year .
  FILTER (LANG(?name) = "zh")
  OPTIONAL {{ ?unit skos:prefLabel ?nameEn FILTER (LANG(?nameEn) = "en") }}
  OPTIONAL {{
    ?unit sc:parentUnit ?parent .
    ?parent sc:gbCode ?parentCode ; skos:prefLabel ?parentName .
    FILTER (LANG(?parentName) = "zh")
  }}
  ?unit sc:parentUnit* ?province .
  ?province a sc:Province ; sc:gbCode ?provinceCode ; skos:prefLabel ?provinceName .
  FILTER (LANG(?provinceName) = "zh")
  OPTIONAL {{
    ?unit sc:successor ?successor .
    ?successor sc:gbCode ?successorCode ; skos:prefLabel ?successorName .
    FILTER (LANG(?successorName) = "zh")
  }}
}}
ORDER BY ?code ?unit ?year ?successorCode
"""


def _hypotheses(reading):
    """The hypothesis notations a reading applies: none, all, or those listed."""
    if reading == "preferred":
        return ()
    if reading == "alternative":
        return None  # every reading of the graph
    if isinstance(reading, str):
        raise ValueError(f"reading must be preferred, alternative or a list of hypotheses, not {reading!r}")
    return tuple(sorted(set(reading)))


def treatment_query(level="prefecture", reading="preferred"):
    """The SPARQL query relating every pilot's territory to the unit records of a level.

    One row per (unit record, relation, pilot): ?relation is "own", "within" or
    "covered"; ?batchYear the nominal year of the pilot's batch, ?announcedYear
    the year the batch was announced; ?reading the alternative reading applied
    to the pilot, if any. `reading` is "preferred", "alternative" or a list of
    hypothesis notations (e.g. ["H2"]); it only changes the VALUES line.
    """
    _check("level", level, LEVELS)
    hyps = _hypotheses(reading)
    if hyps is None:
        values_line = "# reading: alternative (every sc:AlternativeReading of the graph)"
    elif not hyps:
        values_line = "VALUES ?hypothesis { }  # reading: preferred (no alternative reading applies)"
    else:
        values_line = "VALUES ?hypothesis { " + " ".join(f'"{h}"' for h in hyps) + " }"
    hyp_pattern = "?reading skos:notation ?hypothesis ."
    return PROLOGUE + f"""
# Every pilot (under the reading) related to the unit records of the {level}-level
# panel: "own" (its territory is the unit), "within" (its territory lies in the unit
# via sc:parentUnit / sc:locatedIn at any depth) or "covered" (the unit lies in it).
SELECT DISTINCT ?unit ?code ?relation ?pilot ?batchYear ?announcedYear ?reading WHERE {{
  {{
    ?pilot a sc:Pilot ; sc:batch ?curatedBatch ; sc:territory ?curatedTerritory .
    OPTIONAL {{
      {values_line}
      ?pilot sc:alternativeReading ?reading .
      {hyp_pattern}
      ?reading sc:alternativeIsPilot ?altIsPilot .
      OPTIONAL {{ ?reading sc:alternativeBatch ?altBatch }}
      OPTIONAL {{ ?reading sc:alternativeTerritory ?altTerritory }}
    }}
    FILTER (!BOUND(?altIsPilot) || ?altIsPilot)
    BIND (COALESCE(?altBatch, ?curatedBatch) AS ?batch)
    BIND (COALESCE(?altTerritory, ?curatedTerritory) AS ?territory)
  }} UNION {{
    {values_line}
    ?pilot a sc:Listing ; sc:alternativeReading ?reading .
    {hyp_pattern}
    ?reading sc:alternativeIsPilot true ; sc:alternativeBatch ?batch ; sc:alternativeTerritory ?territory .
  }}
  ?batch sc:batchYear ?nominal ; sc:announcementDate ?announced .
  BIND (xsd:integer(STR(?nominal)) AS ?batchYear)
  BIND (YEAR(?announced) AS ?announcedYear)
  {{
    ?territory (sc:parentUnit|sc:locatedIn)* ?unit .
    BIND (IF(?territory = ?unit, "own", "within") AS ?relation)
  }} UNION {{
    ?unit sc:parentUnit+ ?territory .
    BIND ("covered" AS ?relation)
  }}
{UNIT_SETS[level]}
  ?unit sc:gbCode ?code .
}}
ORDER BY ?code ?unit ?relation ?batchYear ?pilot
"""


# --- the store -------------------------------------------------------------------------

_STORES = {}


def default_store(dist="dist"):
    """The graph in a pyoxigraph store (smartcity_kg.query.load_store), loaded once per process."""
    key = str(Path(dist).resolve())
    if key not in _STORES:
        from smartcity_kg.query import load_store

        _STORES[key] = load_store(dist)
    return _STORES[key]


def as_store(graph_or_store=None, dist="dist"):
    """A pyoxigraph Store from a Store, an rdflib Graph, or None (the default store)."""
    if graph_or_store is None:
        return default_store(dist)
    if isinstance(graph_or_store, ox.Store):
        return graph_or_store
    if hasattr(graph_or_store, "serialize"):  # an rdflib Graph
        store = ox.Store()
        data = graph_or_store.serialize(format="nt")
        store.bulk_load(data.encode("utf-8") if isinstance(data, str) else data, format=ox.RdfFormat.N_TRIPLES)
        return store
    raise TypeError(f"expected a pyoxigraph Store or an rdflib Graph, not {type(graph_or_store).__name__}")


def graph_fingerprint(store):
    """{"triples": n, "sha256": ...}: the SHA-256 of the graph as sorted, deduplicated N-Triples lines.

    For the built graph it equals `sha256sum dist/smartcity.nt`.
    """
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8")
    lines = sorted({line for line in data.splitlines() if line.strip()})
    text = "\n".join(lines) + "\n"
    return {"triples": len(lines), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _rows(store, query):
    results = store.query(query)
    names = [v.value for v in results.variables]
    out = []
    for sol in results:
        out.append({n: (None if sol[n] is None else sol[n].value) for n in names})
    return out


def hypotheses(graph_or_store=None):
    """The hypotheses (skos:notation) of the graph's alternative readings, e.g. ["H2", "NMG", "YUHUI"]."""
    rows = _rows(as_store(graph_or_store), PROLOGUE + """
SELECT DISTINCT ?hypothesis WHERE { ?reading a sc:AlternativeReading ; skos:notation ?hypothesis }
ORDER BY ?hypothesis""")
    return [r["hypothesis"] for r in rows]


# --- units -----------------------------------------------------------------------------

def _local(iri):
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def unit_records(level="prefecture", graph_or_store=None):
    """{unit IRI: record} for the unit records of a level (see `units_query`)."""
    store = as_store(graph_or_store)
    records = {}
    for r in _rows(store, units_query(level)):
        rec = records.setdefault(r["unit"], {
            "iri": r["unit"], "id": _local(r["unit"]), "kind": r["kind"], "code": r["code"],
            "name": r["name"], "name_en": r["nameEn"] or "", "unit_type": _local(r["unitType"]),
            "parent_code": r["parentCode"] or "", "parent_name": r["parentName"] or "",
            "province_code": r["provinceCode"], "province": r["provinceName"],
            "years": set(), "successors": {}})
        rec["years"].add(int(r["year"]))
        if r["successor"]:
            rec["successors"][r["successor"]] = (r["successorCode"], r["successorName"])
    return records


def panel_units(records):
    """Group unit records into panel units: lists of records, earliest first (see the module doc)."""
    terminal = {}
    for iri, rec in records.items():
        succ = list(rec["successors"])
        terminal[iri] = succ[0] if len(succ) == 1 and succ[0] != iri else iri
    by_terminal = defaultdict(list)
    for iri in records:
        by_terminal[terminal[iri]].append(iri)

    def disjoint(group):
        return all(not (records[a]["years"] & records[b]["years"])
                   for i, a in enumerate(group) for b in group[i + 1:])

    groups = []
    for end, members in by_terminal.items():
        if len(members) == 1:
            groups.append(members)
            continue
        if disjoint(members):
            groups.append(members)
            continue
        if end in records:  # the terminal exists in 2012-2015: merge the records that precede it
            before = [m for m in members if m != end and not (records[m]["years"] & records[end]["years"])]
            if before and disjoint(before):
                groups.append(before + [end])
                groups.extend([m] for m in members if m not in before and m != end)
                continue
        groups.extend([m] for m in members)
    for g in groups:
        g.sort(key=lambda i: (min(records[i]["years"]), records[i]["code"]))
    groups.sort(key=lambda g: (records[g[0]]["code"], g[0]))
    return groups


# --- treatment -------------------------------------------------------------------------

def _years_of(pilots, relations, basis):
    years = [p[basis] for p in pilots if p["relation"] in relations]
    return min(years) if years else None


def treatment_table(level="prefecture", rule="city", year_basis="batch", reading="preferred",
                    graph_or_store=None, *, equivalents=True, through_prefecture=False):
    """One dict per panel unit of `level`: who is treated from when, and through which pilots.

    Parameters: `level` "prefecture" or "county"; `rule` "city" or "any";
    `year_basis` "batch" or "announced"; `reading` "preferred", "alternative"
    or a list of hypothesis notations (["H2"], ["NMG"], ["YUHUI"]);
    `graph_or_store` a pyoxigraph Store, an rdflib Graph or None (the graph of
    dist/, built in memory when absent or stale); `equivalents` keeps the
    prefecture equivalents (municipalities, province-administered county-level
    units) at prefecture level; `through_prefecture` also treats a unit from
    the year a unit containing it (its prefecture) is itself a pilot.

    Each dict: code, name, name_en (of the earliest record), province,
    province_code, prefecture_code and prefecture (the parent record; county
    level), kind ("prefecture", "municipality", "province-administered",
    "county"), unit_type (sc:UnitType local name, e.g. "PrefectureCity"),
    municipality and province_administered (0/1), records (unit ids, earliest
    first), unit_iri (earliest record), years (year-ends 2012-2015 the unit
    exists), successor_code and successor_name (";"-joined, "" when unchanged
    since), first_year (int or None, under rule and year basis), batch (the
    nominal batch year of that first treatment), partial (0/1),
    first_year_city, first_year_any, prefecture_first_year (first year a unit
    containing it is itself a pilot), and pilots: the pilots counted under the
    rule, each {"pilot": IRI, "batch": nominal year, "year": year under the
    basis, "relation": own|within|covered, "reading": IRI or None}, sorted by
    year then IRI; readings: the alternative readings among them.
    """
    _check("level", level, LEVELS)
    _check("rule", rule, RULES)
    _check("year_basis", year_basis, YEAR_BASES)
    hyps = _hypotheses(reading)
    store = as_store(graph_or_store)
    if hyps:
        known = hypotheses(store)
        unknown = sorted(set(hyps) - set(known))
        if unknown:
            raise ValueError(f"no alternative reading of hypothesis {', '.join(unknown)} in the graph "
                             f"(there are: {', '.join(known)})")
    records = unit_records(level, store)
    links = defaultdict(list)
    for r in _rows(store, treatment_query(level, reading)):
        links[r["unit"]].append({
            "pilot": r["pilot"], "batch": int(r["batchYear"]), "announced": int(r["announcedYear"]),
            "relation": r["relation"], "reading": r["reading"]})
    basis = "batch" if year_basis == "batch" else "announced"
    city_relations = {"own", "covered"} if through_prefecture else {"own"}
    any_relations = city_relations | {"within"}
    rule_relations = city_relations if rule == "city" else any_relations

    table = []
    for group in panel_units(records):
        first, last = records[group[0]], records[group[-1]]
        if not equivalents and level == "prefecture" and first["kind"] != "prefecture":
            continue
        pilots = {}
        for iri in group:
            for link in links.get(iri, []):
                key = (link["pilot"], link["relation"])
                pilots.setdefault(key, link)
        pilots = list(pilots.values())
        first_city = _years_of(pilots, city_relations, basis)
        first_any = _years_of(pilots, any_relations, basis)
        first_year = first_city if rule == "city" else first_any
        counted = {}
        for p in pilots:
            if p["relation"] in rule_relations:
                prev = counted.get(p["pilot"])
                if prev is None or (p[basis], p["relation"]) < (prev[basis], prev["relation"]):
                    counted[p["pilot"]] = p
        counted = sorted(counted.values(), key=lambda p: (p[basis], p["pilot"]))
        if last["successors"]:
            succ = sorted(last["successors"].values())
        elif last["iri"] != first["iri"]:
            succ = [(last["code"], last["name"])]
        else:
            succ = []
        table.append({
            "code": first["code"], "name": first["name"], "name_en": first["name_en"],
            "province": first["province"], "province_code": first["province_code"],
            "prefecture_code": first["parent_code"] if first["kind"] in ("county", "municipality") and level == "county" else "",
            "prefecture": first["parent_name"] if first["kind"] in ("county", "municipality") and level == "county" else "",
            "kind": first["kind"], "unit_type": first["unit_type"],
            "municipality": int(first["kind"] == "municipality"),
            "province_administered": int(first["kind"] == "province-administered"),
            "records": [records[i]["id"] for i in group], "unit_iri": first["iri"],
            "years": sorted(set().union(*(records[i]["years"] for i in group))),
            "successor_code": ";".join(c for c, _ in succ), "successor_name": ";".join(n for _, n in succ),
            "first_year": first_year,
            "batch": min((p["batch"] for p in counted), default=None),
            "partial": int(first_city is None and first_any is not None),
            "first_year_city": first_city, "first_year_any": first_any,
            "prefecture_first_year": _years_of(pilots, {"covered"}, basis),
            "pilots": [{"pilot": p["pilot"], "batch": p["batch"], "year": p[basis],
                        "relation": p["relation"], "reading": p["reading"]} for p in counted],
            "readings": sorted({p["reading"] for p in counted if p["reading"]}),
        })
    return table


def first_years(level="prefecture", rule="city", year_basis="batch", reading="preferred", graph_or_store=None, **kw):
    """{code: first year or None} for every panel unit: the shortest form of `treatment_table`, e.g. for a map."""
    return {row["code"]: row["first_year"] for row in treatment_table(level, rule, year_basis, reading, graph_or_store, **kw)}


def treatment_frame(*args, **kwargs):
    """`treatment_table` as a pandas DataFrame (needs pandas); list columns joined with ";"."""
    import pandas as pd

    rows = []
    for row in treatment_table(*args, **kwargs):
        row = dict(row)
        row["records"] = ";".join(row["records"])
        row["years"] = ";".join(str(y) for y in row["years"])
        row["pilots"] = ";".join(p["pilot"] for p in row["pilots"])
        row["readings"] = ";".join(row["readings"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in ("first_year", "batch", "first_year_city", "first_year_any", "prefecture_first_year"):
        frame[col] = frame[col].astype("Int64")
    return frame
