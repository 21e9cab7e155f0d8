"""`smartcity-kg validate` as a curator runs it: the console script, its output and its exit codes.

0 when the addition (or the graph) conforms, 1 when it violates a shape, 2 when the input cannot be
read. Each run of the console script builds the graph (a few seconds), so the runs that need the
graph are few and each checks several things; unreadable input fails before the graph is built.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from conftest_validate import EXAMPLES

SCRIPT = Path(sys.executable).with_name("smartcity-kg")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [shutil.which("smartcity-kg") or "smartcity-kg"]


def run(*args, cwd=None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(COMMAND + ["validate", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=300, cwd=cwd, env=env)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
def test_whole_graph_conforms_with_the_standard_report_as_json():
    done = run("--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = Graph().parse(data=done.stdout, format="json-ld")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(True)
    severities = sorted(str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1]
                        for r in report.objects(node, SH.result))
    assert severities == ["Info"] * 8 + ["Warning"]
    messages = {(m.language, str(m)) for r in report.objects(node, SH.result) for m in report.objects(r, SH.resultMessage)}
    assert {lang for lang, _ in messages} == {"zh", "en"}


def test_a_district_of_another_city_exits_1_with_one_line_per_problem():
    path = EXAMPLES / "invalid" / "expansion-district-of-another-city.ttl"
    done = run(path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"smartcity-kg validate: {path} (turtle, with the graph it would join)")
    problem = next(line for line in lines if line.startswith("VIOLATION"))
    assert "武汉市岳麓区 / Yuelu District, Wuhan <scid:pilot/2014-wuhan-yuelu>" in problem
    assert "[ExpansionWithinBaseOrScope]" in problem
    assert "新增地域「岳麓区」既不在原试点「武汉市 (scid:pilot/2012-wuhan)」的地域之内" in problem
    assert " | The added territory “Yuelu District” lies neither within" in problem
    assert [line.split()[0] for line in lines[2:-1]] == ["VIOLATION", "WARNING", "WARNING"]
    assert lines[-1] == "NOT OK: 1 violation, 2 warnings, 0 infos: does not conform (exit 1)"


def test_the_standard_report_as_turtle_and_a_valid_csv_exits_0(tmp_path):
    invalid = run("--format", "turtle", EXAMPLES / "invalid" / "duplicate-expansion.csv")
    assert invalid.returncode == 1
    report = Graph().parse(data=invalid.stdout, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(False)
    shapes = {str(report.value(r, SH.sourceShape)) for r in report.objects(node, SH.result)
              if report.value(r, SH.resultSeverity) == SH.Violation}
    assert shapes == {"https://w3id.org/smartcity-kg/shapes#DuplicateTerritory"}

    copy = tmp_path / "wuhan.csv"
    copy.write_bytes((EXAMPLES / "valid" / "wuhan-expansions.csv").read_bytes())
    valid = run(copy)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert valid.stdout.splitlines()[-1].startswith("OK: 0 violations")


@pytest.mark.parametrize("name,where", [
    ("turtle-syntax-error.ttl", "line 11, column 29: Turtle syntax: newline found in string literal"),
    ("remote-context.jsonld", "remote JSON-LD contexts are not fetched: inline the @context (a JSON object) "
                              "instead of naming it by IRI"),
])
def test_unreadable_examples_exit_2_with_line_and_reason(name, where):
    path = EXAMPLES / "invalid" / name
    done = run(path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == f"smartcity-kg validate: {path}: {where}"
    assert "Traceback" not in done.stderr


def test_unreadable_inputs_exit_2(tmp_path):
    missing = run(tmp_path / "nothing-here.ttl")
    assert missing.returncode == 2 and "cannot read the file" in missing.stderr
    bad_csv = tmp_path / "rows.csv"
    bad_csv.write_text("id,batch,kind,name_zh,confidence,sources\n2014-x,2014,expansion,某,certain,seed003\n",
                       encoding="utf-8")
    done = run(bad_csv)
    assert done.returncode == 2
    assert "line 2: confidence 'certain' is none of high, medium, low" in done.stderr
    binary = tmp_path / "addition.ttl"
    binary.write_bytes(b"<a> <b> \xff\xfe .")
    done = run(binary)
    assert done.returncode == 2 and "line 1: not UTF-8 text" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_report_of_an_unreadable_input_is_no_report(tmp_path):
    broken = tmp_path / "broken.jsonld"
    broken.write_text('{"@id": "x",\n  "a": }', encoding="utf-8")
    done = run("--format", "json", broken)
    assert done.returncode == 2
    assert "line 2, column" in done.stderr and "JSON syntax" in done.stderr
    with pytest.raises(json.JSONDecodeError):
        json.loads(done.stdout)


def test_a_unit_the_graph_does_not_know_is_named_as_such(tmp_path):
    # 黄陂区 as unit/420116 (without the year its code took effect): reported as an unknown territory,
    # with the IRI form, and not as a district of another city
    pilots = Path(__file__).resolve().parents[1] / "graph" / "data" / "pilots.csv"
    header = pilots.read_text(encoding="utf-8").splitlines()[0]
    row = ('2014-wuhan-huangpi,2014,expansion,黄陂区,武汉市黄陂区,"Huangpi District, Wuhan",unit/420116,,2012-wuhan,'
           "unit/420100-1981,doc/list-2014,（二）扩大范围试点名单,,,medium,n2014,")
    addition = tmp_path / "huangpi.csv"
    addition.write_text(header + "\n" + row + "\n", encoding="utf-8")
    done = run(addition)
    assert done.returncode == 1, done.stdout + done.stderr
    violations = [line for line in done.stdout.splitlines() if line.startswith("VIOLATION")]
    assert len(violations) == 1 and "[Pilot-territory (class)]" in violations[0]
    assert "unit/CODE-YEAR" in violations[0] and "another city" not in done.stdout
