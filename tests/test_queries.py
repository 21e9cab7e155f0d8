"""The competency questions of queries/, each against hand-verified expectations, and the query command."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import select
from smartcity_kg.resources import queries_dir

ID = "https://w3id.org/smartcity-kg/id/"
REPO = Path(__file__).resolve().parents[1]

VARIABLES = {
    "cq01-batches.rq": ["batch", "kind", "announced", "counted"],
    "cq02-province.rq": ["pilot", "name", "batch", "kind"],
    "cq03-expansions.rq": ["expansion", "unitName", "baseName", "batch", "baseBatch", "within"],
    "cq04-hierarchy.rq": ["pilot", "name", "code", "prefecture", "prefectureCode", "province", "provinceCode"],
    "cq05-treatment.rq": ["prefectureCode", "prefecture", "province", "firstYearCity", "firstYearAny"],
    "cq06-documents.rq": ["doc", "number", "title", "issuer", "date"],
    "cq07-financing.rq": ["commitment", "lender", "partner", "amount", "currency", "start", "end"],
    "cq08-cases.rq": ["case", "pilotName", "indicator", "value", "unit"],
    "cq09-successors.rq": ["unit", "name", "code", "successorName", "successorCode", "year"],
    "cq10-scope.rq": ["pilot", "name", "includedName"],
}


def run(store, name):
    return select(store, (queries_dir() / name).read_text(encoding="utf-8"))


def test_the_ten_queries_exist_with_their_variables(store):
    assert sorted(p.name for p in queries_dir().glob("*.rq")) == sorted(VARIABLES)
    for name, variables in VARIABLES.items():
        results = store.query((queries_dir() / name).read_text(encoding="utf-8"))
        assert [v.value for v in results.variables] == variables, name


def test_cq01_batches(store):
    got = {(r["batch"], r["kind"]): (r["announced"], r["counted"]) for r in run(store, "cq01-batches.rq")}
    assert got == {
        ("2012", "new"): ("90", "90"),
        ("2013", "new"): ("103", "103"),
        ("2013", "expansion"): ("9", "9"),
        ("2014", "new"): ("84", "84"),
        ("2014", "expansion"): ("13", "13"),
        ("2014", "special"): ("41", "6"),
    }


def test_cq02_hubei(store):
    """Hubei: seed 001 names 五市二区 after two batches (武汉 襄阳 宜昌 咸宁 黄冈, 江岸区 蔡甸区); 2014 adds four and three expansions."""
    got = {(r["pilot"].removeprefix(ID + "pilot/"), r["batch"], r["kind"]) for r in run(store, "cq02-province.rq")}
    assert got == {
        ("2012-wuhan", "2012", "new"), ("2012-wuhan-jiangan", "2012", "new"),
        ("2013-huanggang", "2013", "new"), ("2013-xianning", "2013", "new"), ("2013-yichang", "2013", "new"),
        ("2013-xiangyang", "2013", "new"), ("2013-wuhan-caidian", "2013", "expansion"),
        ("2014-jingzhou", "2014", "new"), ("2014-xiantao", "2014", "new"),
        ("2014-wuhan-jiangxia", "2014", "expansion"), ("2014-huanggang-macheng", "2014", "expansion"),
        ("2014-xiangyang-laohekou", "2014", "expansion"),
    }


def test_cq02_other_province_by_editing_the_values_line(store):
    query = (queries_dir() / "cq02-province.rq").read_text(encoding="utf-8").replace('"湖北省"', '"Tibet Autonomous Region"')
    got = {r["name"] for r in select(store, query)}
    assert got == {"拉萨市", "林芝地区"}


def test_cq03_expansions(store):
    rows = run(store, "cq03-expansions.rq")
    assert len({r["expansion"] for r in rows}) == 22
    within = {(r["expansion"].removeprefix(ID + "pilot/"), r["unitName"]): r["within"] for r in rows}
    assert within[("2013-wuhan-caidian", "蔡甸区")] == "true"
    assert within[("2014-wuhan-jiangxia", "江夏区")] == "true"
    assert within[("2014-taizhou-jingji-jishu-kaifaqu", "泰州经济技术开发区")] == "true"
    # 沈阳's 2012 pilot is the zone 浑南新区: the districts added in 2013 lie in the city, not in the zone.
    assert within[("2013-shenyang-shenhe", "沈河区")] == "false"
    bases = {r["expansion"].removeprefix(ID + "pilot/"): (r["baseName"], r["baseBatch"]) for r in rows}
    assert bases["2014-liuzhou-luzhai"] == ("柳州市", "2013")


def test_cq04_hierarchy(store):
    rows = {r["pilot"].removeprefix(ID + "pilot/"): r for r in run(store, "cq04-hierarchy.rq")}
    assert len(rows) == 299  # pilots with a territory: all but the special projects
    j = rows["2014-wuhan-jiangxia"]
    assert (j["code"], j["prefecture"], j["prefectureCode"], j["province"], j["provinceCode"]) == (
        "420115", "武汉市", "420100", "湖北省", "420000")
    zone = rows["2012-shenzhen-pingshan-xinqu"]
    assert (zone["code"], zone["prefectureCode"], zone["provinceCode"]) == (None, "440300", "440000")
    town = rows["2013-fangshan-changyang"]
    assert (town["code"], town["prefecture"], town["provinceCode"]) == ("110111105000", None, "110000")
    xiantao = rows["2014-xiantao"]  # province-administered county-level city: no prefecture
    assert (xiantao["code"], xiantao["prefecture"], xiantao["province"]) == ("429004", None, "湖北省")


def test_cq05_treatment(store):
    rows = {(r["prefectureCode"], r["prefecture"]): r for r in run(store, "cq05-treatment.rq")}
    assert len(rows) == 339

    def years(code, name):
        r = rows[(code, name)]
        return r["firstYearCity"], r["firstYearAny"]

    assert years("420100", "武汉市") == ("2012", "2012")
    assert years("130200", "唐山市") == ("2014", "2012")  # 迁安市 (2012) lies in 唐山
    assert years("130600", "保定市") == (None, "2013")  # only through 博野县
    assert years("130500", "邢台市") == (None, None)
    assert years("371200", "莱芜市") == ("2014", "2014")  # merged into 济南 since
    assert years("440300", "深圳市") == (None, "2012")  # through the zone 坪山新区
    assert years("542600", "林芝地区") == ("2013", "2013")
    assert years("540400", "林芝市") == (None, None)  # the 2015 record of the renamed unit


def test_cq06_documents(store):
    rows = run(store, "cq06-documents.rq")
    by_number = {r["number"]: r for r in rows if r["number"]}
    assert by_number["建办科[2012]42号"]["date"] == "2012-12-05"
    assert "建办科函[2014]515号" in by_number and "发改高技[2014]1770号" in by_number
    hubei = [r for r in rows if r["doc"] == ID + "doc/hubei-notice-2014-04-04"]
    assert hubei and hubei[0]["date"] == "2014-04-04" and hubei[0]["issuer"] == "湖北省住房和城乡建设厅"


def test_cq07_financing(store):
    rows = run(store, "cq07-financing.rq")
    assert [(r["lender"], r["partner"], r["amount"], r["currency"], r["start"], r["end"]) for r in rows] == [
        ("国家开发银行", "住房和城乡建设部", "80000000000", "CNY", "2013", "2015")]


def test_cq08_cases(store):
    rows = run(store, "cq08-cases.rq")
    values = {(r["case"].removeprefix(ID + "case/"), r["value"], r["unit"]) for r in rows}
    assert ("shenyang-hunnan-utility-tunnel", "32", "km") in values
    assert ("qingdao-sino-german-ecopark-energy-network", "80.6", "%") in values
    assert ("changsha-dahexi-financial-platform", "42", "%") in values


def test_cq09_successors(store):
    rows = {(r["code"], r["successorCode"]): r for r in run(store, "cq09-successors.rq")}
    assert rows[("371200", "370100")]["year"] == "2018"  # 莱芜市 into 济南市
    assert rows[("510124", "510117")]["successorName"] == "郫都区"
    assert rows[("210112", "210112")]["successorName"] == "浑南区"  # renamed, same code


def test_cq10_scope(store):
    got = {}
    for r in run(store, "cq10-scope.rq"):
        got.setdefault(r["pilot"].removeprefix(ID + "pilot/"), set()).add(r["includedName"])
    assert got["2013-ningbo"] == {"海曙区", "梅山保税港区", "咸祥镇"}
    assert got["2014-changde"] == {"津市市", "澧县", "汉寿县"}
    assert len(got) == 10


def cli(*args):
    return subprocess.run([sys.executable, "-m", "smartcity_kg.cli", *args], cwd=REPO,
                          capture_output=True, timeout=300)


def test_query_command_prints_csv_from_the_repo_root():
    out = cli("query", "queries/cq01-batches.rq", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8"))))
    assert {"batch": "2012", "kind": "new", "announced": "90", "counted": "90"} in rows


@pytest.mark.parametrize("fmt", ["tsv", "json"])
def test_query_command_other_formats(fmt):
    out = cli("query", "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/smartcity-kg/def#ExpansionPilot> }",
              "--format", fmt)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("utf-8")
    if fmt == "json":
        assert json.loads(text)["results"]["bindings"][0]["n"]["value"] == "22"
    else:
        assert text.splitlines()[0] == "?n" and "22" in text.splitlines()[1]


def test_query_command_predeclares_the_prefixes_the_endpoint_does():
    out = cli("query", "SELECT (COUNT(*) AS ?n) WHERE { ?p a sc:ExpansionPilot ; sc:batch/sc:batchYear ?y . "
                       "FILTER (?y = xsd:gYear('2014')) }", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode("utf-8").splitlines() == ["n", "13"]


def test_query_command_rejects_a_malformed_query():
    out = cli("query", "SELECT ?x WHERE { ?x ", "--format", "csv")
    assert out.returncode == 2
    assert b"malformed query" in out.stderr


def test_query_command_rejects_a_missing_file():
    out = cli("query", "queries/no-such.rq")
    assert out.returncode == 2
    assert b"no such query file" in out.stderr
