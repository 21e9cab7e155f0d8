"""The one definition of treatment (smartcity_kg.treatment) on the real graph: the cases easy to get wrong."""

from collections import Counter

import pytest

from conftest import select
from smartcity_kg import treatment as T
from smartcity_kg.resources import queries_dir

ID = "https://w3id.org/smartcity-kg/id/"

_CACHE = {}


@pytest.fixture
def table(store):
    """table(level, rule, year_basis, reading, **kw) -> {code: row}, computed once per argument set."""
    def get(level="prefecture", rule="city", year_basis="batch", reading="preferred", **kw):
        key = (level, rule, year_basis, str(reading), tuple(sorted(kw.items())))
        if key not in _CACHE:
            rows = T.treatment_table(level, rule, year_basis, reading, store, **kw)
            codes = [r["code"] for r in rows]
            assert len(codes) == len(set(codes)), "panel units are keyed on a unique code"
            _CACHE[key] = {r["code"]: r for r in rows}
        return _CACHE[key]
    return get


def pilots(row):
    return [p["pilot"].removeprefix(ID) for p in row["pilots"]]


def test_agrees_with_cq05_for_every_prefecture(store, table):
    """first_year under city = firstYearCity and under any = firstYearAny, for every prefecture-level record.

    A record renamed within 2012-2015 (林芝市 2015) belongs to the panel unit of the record before it
    (林芝地区), whose first year is the earliest of its records'.
    """
    cq05 = select(store, (queries_dir() / "cq05-treatment.rq").read_text(encoding="utf-8"))
    assert len(cq05) == 339
    for rule, column in (("city", "firstYearCity"), ("any", "firstYearAny")):
        units = table(rule=rule)
        unit_of = {}
        for code, row in units.items():
            for rec in row["records"]:
                unit_of[rec.split("-")[0]] = code
        expected = {}
        for r in cq05:
            code = unit_of[r["prefectureCode"]]  # every prefecture-level record is in exactly one panel unit
            if r[column] is not None:
                expected[code] = min(expected.get(code, 9999), int(r[column]))
        got = {code: row["first_year"] for code, row in units.items() if row["kind"] == "prefecture" or code in expected}
        assert {c: y for c, y in got.items() if y is not None} == expected, rule
        for code, row in units.items():
            assert row["first_year_" + rule] == row["first_year"]
        assert sum(len(row["records"]) for row in units.values() if row["kind"] == "prefecture") + 1 == len(cq05)
        # the +1: 儋州市's 2015 prefecture-level record continues the province-administered 儋州市 (469003)


def test_prefecture_counts_per_first_year(table):
    """Prefecture-level units (no municipalities, no province-administered units) first treated per batch year."""
    def counts(**kw):
        return Counter(r["first_year"] for r in table(**kw).values() if r["kind"] == "prefecture" and r["first_year"])
    assert counts(rule="city") == {2012: 35, 2013: 42, 2014: 28}
    assert counts(rule="any") == {2012: 65, 2013: 68, 2014: 42}
    assert counts(rule="city", year_basis="announced") == {2013: 77, 2015: 28}
    assert counts(rule="city", reading="alternative") == {2012: 35, 2013: 40, 2014: 30}  # +成都 -蚌埠, NMG 2013->2014


def test_prefecture_treated_only_through_a_county_pilot(table):
    """保定市: no pilot itself; 博野县 (2013) lies in it."""
    city, any_ = table(rule="city")["130600"], table(rule="any")["130600"]
    assert (city["first_year"], city["partial"], city["pilots"]) == (None, 1, [])
    assert (any_["first_year"], any_["batch"], any_["partial"]) == (2013, 2013, 1)
    assert pilots(any_) == ["pilot/2013-baoding-boye"]
    assert any_["pilots"][0]["relation"] == "within"
    # 唐山市: through 迁安市 from 2012, itself a pilot from 2014: not partial
    tangshan = table(rule="any")["130200"]
    assert (tangshan["first_year"], tangshan["first_year_city"], tangshan["partial"]) == (2012, 2014, 0)


def test_pilot_in_a_development_zone(table):
    """深圳市 is treated under any through the zone 坪山新区 (2012), never itself."""
    row = table(rule="any")["440300"]
    assert (row["first_year"], row["partial"], pilots(row)) == (2012, 1, ["pilot/2012-shenzhen-pingshan-xinqu"])
    assert table(rule="city")["440300"]["first_year"] is None


def test_expansion_pilot(table):
    """江夏区 is an expansion (2014) of 武汉市's pilot (2012): treated 2014 at county level, 武汉 from 2012."""
    for rule in ("city", "any"):
        jiangxia = table("county", rule)["420115"]
        assert (jiangxia["first_year"], jiangxia["batch"]) == (2014, 2014)
        assert pilots(jiangxia) == ["pilot/2014-wuhan-jiangxia"]
        assert jiangxia["prefecture_first_year"] == 2012 and jiangxia["prefecture_code"] == "420100"
    wuhan = table(rule="any")["420100"]
    assert wuhan["first_year"] == 2012 and "pilot/2014-wuhan-jiangxia" in pilots(wuhan)
    assert table(rule="city")["420100"]["first_year"] == 2012
    # through_prefecture: every county of a pilot prefecture is treated from the prefecture's year
    covered = table("county", "city", through_prefecture=True)["420115"]
    assert covered["first_year"] == 2012 and covered["pilots"][0]["relation"] == "covered"


def test_units_renamed_since(table):
    """莱芜市 merged into 济南市 (2019); 郫县 became 郫都区 (2016); 林芝地区 became 林芝市 within the period."""
    laiwu = table(rule="city")["371200"]
    assert (laiwu["first_year"], laiwu["successor_code"], laiwu["successor_name"]) == (2014, "370100", "济南市")
    pixian = table("county", "city")["510124"]
    assert (pixian["first_year"], pixian["successor_code"], pixian["successor_name"]) == (2012, "510117", "郫都区")
    nyingchi = table(rule="city")["542600"]
    assert nyingchi["records"] == ["542600-1983", "540400-2015"]
    assert (nyingchi["name"], nyingchi["first_year"], nyingchi["successor_code"]) == ("林芝地区", 2013, "540400")
    assert nyingchi["years"] == [2012, 2013, 2014, 2015]
    assert "540400" not in table(rule="city")  # no second panel unit for the renamed record
    haidong = table(rule="city")["632100"]
    assert haidong["records"] == ["632100-1981", "630200-2013"] and haidong["first_year"] is None
    # a county re-coded twice (平安县 -> 平安县 of 海东市 -> 平安区) is one unit; a merger is not chained
    county = table("county", "city")
    assert county["632121"]["records"] == ["632121-1981", "630221-2013", "630203-2015"]
    assert county["130603"]["records"] == ["130603-1983"] and county["130606"]["records"] == ["130606-2015"]


def test_province_administered_county_level_cities(table):
    """仙桃市 (2014), 济源市 (2012), 石河子市 (2014): prefecture equivalents, flagged; dropped on request."""
    units = table(rule="city")
    for code, year in (("429004", 2014), ("419001", 2012), ("659001", 2014), ("659004", 2014), ("469006", 2012)):
        row = units[code]
        assert (row["first_year"], row["kind"], row["province_administered"]) == (year, "province-administered", 1)
        assert row["prefecture_code"] == ""
    assert units["429004"]["unit_type"] == "CountyCity" and units["429004"]["province"] == "湖北省"
    assert units["110000"]["kind"] == "municipality" and units["110000"]["municipality"] == 1
    assert table(rule="any")["110000"]["first_year"] == 2012  # through 东城区 and 朝阳区
    dropped = table(rule="city", equivalents=False)
    assert "429004" not in dropped and "110000" not in dropped and "420100" in dropped
    assert {r["kind"] for r in dropped.values()} == {"prefecture"}
    assert table("county", "city")["429004"]["first_year"] == 2014


def test_alternative_reading(table):
    """H2: 成都市 a 2012 pilot; YUHUI: 蚌埠's pilot is 禹会区; NMG: 呼伦贝尔, 鄂尔多斯, 石拐区 in 2014."""
    assert table(rule="city")["510100"]["first_year"] is None
    chengdu = table(rule="city", reading="alternative")["510100"]
    assert (chengdu["first_year"], chengdu["partial"], pilots(chengdu)) == (2012, 0, ["listing/chengdu"])
    assert chengdu["readings"] == [ID + "reading/h2-chengdu"]
    bengbu = table(rule="city", reading="alternative")["340300"]
    assert (bengbu["first_year"], bengbu["partial"]) == (None, 1)
    assert table(rule="any", reading="alternative")["340300"]["first_year"] == 2012
    for code in ("150700", "150600"):
        assert table(rule="city")[code]["first_year"] == 2013
        assert table(rule="city", reading="alternative")[code]["first_year"] == 2014
    # one hypothesis alone
    only_h2 = table(rule="city", reading=["H2"])
    assert only_h2["510100"]["first_year"] == 2012 and only_h2["150700"]["first_year"] == 2013


def test_year_of_announcement(table):
    """announced: the 2012 batch counts from 2013 (2013-01-29), the 2014 batch from 2015 (2015-04-07)."""
    wuhan = table(rule="city", year_basis="announced")["420100"]
    assert (wuhan["first_year"], wuhan["batch"]) == (2013, 2012)
    laiwu = table(rule="city", year_basis="announced")["371200"]
    assert (laiwu["first_year"], laiwu["batch"]) == (2015, 2014)
    assert table(rule="city", year_basis="announced")["542600"]["first_year"] == 2013


def test_every_record_in_exactly_one_unit(store, table):
    for level in ("prefecture", "county"):
        records = [rec for row in table(level).values() for rec in row["records"]]
        assert len(records) == len(set(records)) == len(T.unit_records(level, store))
    assert len(table()) == 366  # 333 prefecture-level + 4 municipalities + 29 province-administered


def test_the_query_is_the_definition(store):
    preferred = T.treatment_query("prefecture", "preferred")
    assert "VALUES ?hypothesis { }" in preferred
    assert 'VALUES ?hypothesis { "H2" }' in T.treatment_query("prefecture", ["H2"])
    rows = select(store, T.treatment_query("county", "preferred"))
    assert {r["relation"] for r in rows} == {"own", "within", "covered"}
    assert T.first_years(graph_or_store=store)["419001"] == 2012


def test_bad_arguments():
    for kw in ({"level": "town"}, {"rule": "all"}, {"year_basis": "year"}, {"reading": "other"}):
        with pytest.raises(ValueError):
            T.treatment_table(**kw)


def test_an_rdflib_graph_works_too(graph, store):
    assert len(T.as_store(graph)) == len(store)
    assert T.graph_fingerprint(store)["triples"] == len(store)


def test_hypotheses(store):
    assert T.hypotheses(store) == ["H2", "NMG", "YUHUI"]
    with pytest.raises(ValueError, match="XYZ"):
        T.treatment_table(reading=["XYZ"], graph_or_store=store)
