"""Links of the units to Wikidata and their points: what the reference table supports, and nothing guessed.

graph/data/wikidata.csv was derived once from the CC0 Wikidata extract named in
sources.csv (key `wikidata`). Its coverage of the 2012-2015 unit records, by the
categories of that extract's notes:

| level | records 2012-2015 | A same code and name | B1 1:1 successor, same code | B2 1:1 successor, new code | C merged | D split | E successor absent | F absent |
|---|---|---|---|---|---|---|---|---|
| province | 34 | 31 | - | - | - | - | - | 3 (台湾, 香港, 澳门) |
| prefecture | 339 | 322 | - | 7 | 1 (莱芜市) | - | 1 (海东地区) | 8 |
| county | 2,989 | 2,539 | 4 | 208 | 52 | 20 | 32 | 134 |

The extract's own notes count 204 B2 and 56 C at county level: they count the
two records of 米林县 (542623-1983 until 2015, 540422-2015 from 2015) and of 平安县
(632121-1981 until 2013, 630221-2013 from 2013) as coexisting, because one ends
in the year the other starts. Year-end tables never hold both (the same county
re-coded twice, not a merger), so by the extract's own definition they are 1:1
successions (B2) and are linked here.

Beside the 2012-2015 records the graph holds the successor records of 2016-2024
(郫都区 510117-2016 …): 3 prefecture-level and 156 county-level, of which the
3 and 138 in the extract are linked exactly. Towns: 1 of 14 (东城街道, Dongguan).
"""

import csv
from collections import Counter, defaultdict

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, VOID

from smartcity_kg.graph.links import LEVELS, graph_link_counts, table_link_counts
from smartcity_kg.namespaces import GEO, ID, SC, WD
from smartcity_kg.resources import data_dir

EXPECTED = {"province": 31, "prefecture": 322 + 7 + 3, "county": 2539 + 4 + 208 + 138, "town": 1}
EXPECTED_CLOSE = {"province": 0, "prefecture": 7, "county": 4 + 208, "town": 0}


def read(name):
    with open(data_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def links():
    return read("wikidata.csv")


@pytest.fixture(scope="module")
def units():
    return {row["id"]: row for row in read("units.csv")}


@pytest.fixture(scope="module")
def towns():
    return {row["id"]: row for row in read("towns.csv")}


def unit(uid):
    return ID[f"unit/{uid}"]


def period(row):
    return int(row["valid_from"]), int(row["valid_until"] or 9999)


def overlap(a, b):
    (a0, a1), (b0, b1) = period(a), period(b)
    return a0 < b1 and b0 < a1


def successors(row):
    return [s for s in row["successors"].split(";") if s]


# --- the table --------------------------------------------------------------------------

def test_table_is_sorted_one_row_per_unit(links):
    keys = [r["unit"] for r in links]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
    assert {r["match"] for r in links} <= {"exact", "close"}
    assert {r["source"] for r in links} == {"wikidata"}
    assert all(r["wikidata"][0] == "Q" and r["wikidata"][1:].isdigit() for r in links)


def test_link_counts_per_level_are_what_the_reference_supports(links, graph):
    assert table_link_counts(links) == EXPECTED
    assert graph_link_counts(graph) == EXPECTED
    close = Counter(r["level"] for r in links if r["match"] == "close")
    assert {level: close.get(level, 0) for level in LEVELS} == EXPECTED_CLOSE


def test_exact_links_agree_in_code_and_name(links, units, towns):
    for r in links:
        if r["match"] != "exact":
            continue
        row = units.get(r["unit"]) or towns.get(r["unit"])
        assert row is not None, r["unit"]
        assert (row["code"], row["name_zh"]) == (r["code"], r["name_zh"]), r["unit"]
        assert r["via_successor"] == ""
        assert (row.get("level") or "town") == r["level"]


def test_close_links_go_through_a_one_to_one_successor(links, units):
    """A close link: one successor, which did not coexist with the unit, took in no other unit that did,
    and is itself linked exactly to the same item with the same point."""
    by_unit = {r["unit"]: r for r in links}
    predecessors = defaultdict(list)
    for row in units.values():
        for s in successors(row):
            predecessors[s].append(row["id"])
    for r in links:
        if r["match"] != "close":
            continue
        row = units[r["unit"]]
        assert successors(row) == [r["via_successor"]], r["unit"]
        succ = units[r["via_successor"]]
        assert not overlap(row, succ), r["unit"]
        others = [units[o] for o in predecessors[succ["id"]] if o != row["id"]]
        assert not [o["id"] for o in others if overlap(o, row)], r["unit"]
        target = by_unit.get(succ["id"])
        assert target is not None and target["match"] == "exact", r["unit"]
        assert (target["wikidata"], target["lat"], target["lon"]) == (r["wikidata"], r["lat"], r["lon"])
        assert (row["code"], row["name_zh"]) == (r["code"], r["name_zh"])


def test_every_unit_whose_one_to_one_successor_is_linked_is_linked(links, units):
    """The rule applied everywhere: no 1:1 succession to a linked unit is left without its close link."""
    by_unit = {r["unit"]: r for r in links}
    predecessors = defaultdict(list)
    for row in units.values():
        for s in successors(row):
            predecessors[s].append(row["id"])
    missing = []
    for row in units.values():
        if row["id"] in by_unit or len(successors(row)) != 1:
            continue
        succ = units[successors(row)[0]]
        merged = overlap(row, succ) or any(overlap(units[o], row) for o in predecessors[succ["id"]] if o != row["id"])
        if not merged and by_unit.get(succ["id"], {}).get("match") == "exact":
            missing.append(row["id"])
    assert missing == []


def test_unlinked_units_by_reason(links, units):
    """The 2012-2015 records without a link, by reason: merged (C), split (D), successor absent (E), absent (F)."""
    linked = {r["unit"] for r in links}
    predecessors = defaultdict(list)
    for row in units.values():
        for s in successors(row):
            predecessors[s].append(row["id"])
    reasons = Counter()
    for row in units.values():
        if row["id"] in linked or not row["years"]:
            continue
        ss = successors(row)
        if not ss:
            reason = "F"
        elif len(ss) > 1:
            reason = "D"
        else:
            succ = units[ss[0]]
            merged = overlap(row, succ) or any(overlap(units[o], row) for o in predecessors[succ["id"]] if o != row["id"])
            reason = "C" if merged else "E"
        reasons[(row["level"], reason)] += 1
    assert reasons == {("province", "F"): 3, ("prefecture", "C"): 1, ("prefecture", "E"): 1, ("prefecture", "F"): 8,
                       ("county", "C"): 52, ("county", "D"): 20, ("county", "E"): 32, ("county", "F"): 134}


# --- known links ----------------------------------------------------------------------------

@pytest.mark.parametrize("uid, qid", [
    ("420100-1981", "Q11746"),     # 武汉市
    ("420102-1983", "Q1337154"),   # 江岸区
    ("420114-1992", "Q1025837"),   # 蔡甸区
    ("420115-1995", "Q1337329"),   # 江夏区
    ("110000-1981", "Q956"),       # 北京市
    ("510117-2016", "Q1027358"),   # 郫都区 (successor record)
    ("441900003000", "Q5295842"),  # 东城街道, 东莞市 (town)
])
def test_known_exact_links(graph, uid, qid):
    assert set(graph.objects(unit(uid), SKOS.exactMatch)) == {WD[qid]}
    assert not set(graph.objects(unit(uid), SKOS.closeMatch))


@pytest.mark.parametrize("uid, qid, via", [
    ("510124-1983", "Q1027358", "510117-2016"),  # 郫县 -> 郫都区 (B2)
    ("210112-1983", None, "210112-2014"),        # 东陵区 -> 浑南区 (B1, same code)
    ("542600-1983", None, "540400-2015"),        # 林芝地区 -> 林芝市 (B2, prefecture)
    ("542623-1983", None, "540481-2023"),        # 米林县, re-coded 2015 and again 2023: chain of 1:1 successions
])
def test_known_close_links_through_successors(graph, links, uid, qid, via):
    row = next(r for r in links if r["unit"] == uid)
    assert row["match"] == "close"
    assert row["via_successor"] == via
    items = set(graph.objects(unit(uid), SKOS.closeMatch))
    assert items == {WD[row["wikidata"]]}
    if qid:
        assert items == {WD[qid]}
    assert not set(graph.objects(unit(uid), SKOS.exactMatch))
    notes = [str(n) for n in graph.objects(unit(uid), SKOS.editorialNote)]
    assert any("through its successor" in n and row["via_successor"] in n for n in notes)


@pytest.mark.parametrize("uid", [
    "371200-1992",   # 莱芜市: merged into 济南市 (C)
    "440116-2005",   # 萝岗区: merged into 黄埔区 (C)
    "140202-1983",   # 大同市城区: split (D)
    "320829-2000",   # 洪泽县: successor 洪泽区 absent from the extract (E)
    "450300-1981",   # 桂林市: absent from the extract (F)
    "710000-1981",   # 台湾省 (F)
    "110111105000",  # 长阳镇: not in the extract's towns
])
def test_no_guessed_links(graph, uid):
    for p in (SKOS.exactMatch, SKOS.closeMatch, GEO.hasGeometry):
        assert not list(graph.objects(unit(uid), p)), (uid, p)


# --- points -------------------------------------------------------------------------------

def test_points_are_geosparql_with_provenance_and_an_iri(graph, links):
    geometries = list(graph.subject_objects(GEO.hasGeometry))
    assert len(geometries) == len(links)
    for subject, geom in geometries:
        assert isinstance(geom, URIRef)
        assert str(geom) == f"{ID}geometry/unit-{str(subject).rsplit('/', 1)[-1]}"
        assert (subject, RDF.type, SC.AdministrativeUnit) in graph
        assert (geom, RDF.type, GEO.Geometry) in graph
        assert (geom, PROV.wasDerivedFrom, ID["source/wikidata"]) in graph
        wkts = list(graph.objects(geom, GEO.asWKT))
        assert len(wkts) == 1 and isinstance(wkts[0], Literal) and wkts[0].datatype == GEO.wktLiteral
        lon, lat = (float(v) for v in str(wkts[0])[len("POINT("):-1].split())
        assert 73 <= lon <= 136 and 3 <= lat <= 54, (subject, lon, lat)  # CRS84: longitude first


def test_known_point_longitude_first(graph):
    wkt = graph.value(ID["geometry/unit-420100-1981"], GEO.asWKT)
    assert str(wkt) == "POINT(114.2975 30.595)"
    assert graph.value(unit("420100-1981"), GEO.hasGeometry) == ID["geometry/unit-420100-1981"]
    # a close link's point is its successor's, and says so
    assert str(graph.value(ID["geometry/unit-510124-1983"], GEO.asWKT)) == \
        str(graph.value(ID["geometry/unit-510117-2016"], GEO.asWKT))


def test_no_point_on_pilots_or_zones(graph):
    for cls in (SC.Pilot, SC.Zone, SC.Listing):
        for node in graph.subjects(RDF.type, cls):
            assert graph.value(node, GEO.hasGeometry) is None, node
            assert graph.value(node, SKOS.exactMatch) is None, node


def test_links_point_into_wikidata_entities_only(graph):
    for p in (SKOS.exactMatch, SKOS.closeMatch):
        for s, o in graph.subject_objects(p):
            assert str(o).startswith("http://www.wikidata.org/entity/Q"), (s, o)
            assert (s, RDF.type, SC.AdministrativeUnit) in graph


# --- VoID ---------------------------------------------------------------------------------

def test_void_describes_the_linkset(dist, graph):
    from rdflib import Graph

    void = Graph().parse(dist / "void.ttl", format="turtle")
    linkset = ID["dataset/linkset/wikidata"]
    assert (linkset, RDF.type, VOID.Linkset) in void
    assert (ID["dataset"], VOID.subset, linkset) in void
    targets = set(void.objects(linkset, VOID.target))
    assert targets == {ID["dataset"], URIRef("http://www.wikidata.org/entity/Q2013")}
    total = sum(EXPECTED.values())
    assert int(void.value(linkset, VOID.triples)) == total
    for kind, predicate in (("exact", SKOS.exactMatch), ("close", SKOS.closeMatch)):
        part = URIRef(f"{linkset}/{kind}")
        assert void.value(part, VOID.linkPredicate) == predicate
        assert int(void.value(part, VOID.triples)) == len(list(graph.subject_objects(predicate)))
    assert int(void.value(URIRef(f"{linkset}/close"), VOID.triples)) == sum(EXPECTED_CLOSE.values())


def test_build_prints_the_link_counts(capsys, tmp_path, monkeypatch):
    from smartcity_kg import cli

    monkeypatch.setattr("smartcity_kg.graph.build.build", lambda out, docs=True, maps=True: {})
    assert cli.main(["build", "--out", str(tmp_path), "--no-docs"]) == 0
    out = capsys.readouterr().out
    assert "links: province 31, prefecture 332, county 2889, town 1" in out
