"""The shipped examples: the valid ones conform, each invalid one fails for its own reason and no other."""

import pytest
from rdflib import URIRef

from conftest_validate import example_files, expected_failure, validator  # noqa: F401 (fixture)
from smartcity_kg.shapes.addition import AdditionError, format_for_path
from smartcity_kg.shapes.validate import Validator

VALID = example_files("valid")
INVALID = example_files("invalid")


def test_there_are_examples():
    assert len(VALID) >= 4 and len(INVALID) >= 8
    assert {p.suffix for p in VALID} >= {".ttl", ".jsonld", ".csv"}


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_example_conforms(validator, path):
    report = validator.validate_path(path)
    assert report.conforms, report.to_text()
    assert report.exit_code == 0


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example_fails_for_its_reason_only(validator, path):
    reason = expected_failure(path)
    assert reason, f"{path.name} does not say in its first lines which constraint it must fail (# fails: …)"
    if reason == "read":
        with pytest.raises(AdditionError):
            validator.validate_path(path)
        return
    report = validator.validate_path(path)
    assert report.exit_code == 1
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations, report.to_text()
    names = [{r.constraint, r.source_shape.rsplit("#", 1)[-1]} for r in violations]
    assert all(reason in n for n in names), report.to_text()


def test_the_wuhan_expansions_conform_against_the_graph_without_them(graph):
    """As they happened: checked against the graph they joined, i.e. the graph without them."""
    ids = [URIRef(f"https://w3id.org/smartcity-kg/id/pilot/{p}") for p in ("2013-wuhan-caidian", "2014-wuhan-jiangxia")]
    before = graph.__class__()
    before += graph
    for pilot in ids:
        before.remove((pilot, None, None))
    v = Validator(graph=before)
    for name in ("wuhan-caidian-2013.ttl", "wuhan-jiangxia-2014.jsonld", "wuhan-expansions.csv"):
        report = v.validate_path(next(p for p in VALID if p.name == name))
        assert report.conforms, report.to_text()
        assert [r for r in report.results if r.focus in map(str, ids)] == []
        # with both back, the 2013 and 2014 expansion totals are those announced (9 and 13)
        if name == "wuhan-expansions.csv":
            assert not [r for r in report.results if r.focus.endswith("/count/expansion")]


def test_csv_rows_make_the_triples_the_build_makes(validator, graph):
    """A row of graph/data/pilots.csv read as a proposed addition gives the build's triples (sc:province,
    derived at build, aside)."""
    from smartcity_kg.graph.tables import read_table
    from smartcity_kg.namespaces import SC
    from smartcity_kg.shapes.addition import CSV_COLUMNS, add_pilot_row

    rows = read_table("pilots.csv")
    assert rows
    for row in rows:
        added = graph.__class__()
        node = add_pilot_row(added, {c: row.get(c, "") for c in CSV_COLUMNS}, validator.batch_dates)
        written = {p for _, p, _ in added} | {SC.evidence, SC.includes, SC.extends, SC.expansionScope,
                                               SC.listHeading, SC.seedLocation, SC.seedPassage}
        built = {(s, p, o) for s, p, o in graph.triples((node, None, None)) if p in written}
        assert set(added) == built, row["id"]


def test_format_of_an_example_comes_from_its_extension():
    assert {format_for_path(p) for p in VALID + INVALID} == {"turtle", "json-ld", "csv"}
