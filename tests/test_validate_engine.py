"""How additions are checked fast gives the same answers as validating the whole graph.

An addition is checked on its focus nodes only (shape targets restricted to them, SPARQL bound to
each), the whole graph with every SPARQL constraint evaluated once and shared out by focus node.
Both must report the same problems for the nodes an addition touches.
"""

import pytest
from rdflib import Graph, Literal, URIRef

from conftest_validate import example_files, validator  # noqa: F401 (fixture)
from smartcity_kg.shapes.addition import AdditionError, BLANK_NODE_NS, format_for_path, read_addition
from smartcity_kg.shapes.engine import MirroredGraph
from smartcity_kg.shapes.validate import Validator

EXTRA = """@prefix sc: <https://w3id.org/smartcity-kg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@base <https://w3id.org/smartcity-kg/id/> .
<listing/linyi> a sc:Pilot .
<note/test-only-english> a sc:CurationNote ; rdfs:comment "only English here"@en ;
    sc:noteType sc:Inferred ; sc:noteAbout <pilot/2099-nowhere> .
<unit/420100-1981> sc:parentUnit <unit/420115-1995> .
"""


def key(result):
    return (result.severity, result.focus, result.constraint, result.component, result.value,
            result.message_zh, result.message_en)


def test_focus_validation_agrees_with_whole_graph_validation(graph, validator):
    """The graph plus every invalid example (and nested-shape, cycle and vocabulary breakers): whole-graph
    results about the additions' nodes are exactly what checking the additions reports."""
    additions = Graph()
    for path in example_files("invalid"):
        try:
            additions += read_addition(path.read_bytes(), format_for_path(path), validator.batch_dates)
        except AdditionError:
            continue
    additions += read_addition(EXTRA, "turtle")
    combined = Graph()
    combined += graph
    combined += additions
    v = Validator(graph=combined)
    whole = v.validate_graph()
    focused = v.validate_triples(additions)  # already in the graph: only the focus nodes are checked
    focus = {str(n) for n in v.focus_nodes(additions)}
    expected = {key(r) for r in whole.results if r.focus in focus}
    assert {key(r) for r in focused.results} == expected
    assert len(expected) > 30
    constraints = {r.constraint for r in focused.results}
    assert {"CurationNote-comment-zh", "NoteAboutExists", "ListingNotAPilot",
            "UnitHierarchyAcyclic"} <= constraints


def test_mirror_answers_sparql_like_rdflib():
    g = MirroredGraph()
    a, b, p = (URIRef(f"https://example.org/{x}") for x in "abp")
    g.add_triples([(a, p, b), (a, p, Literal("x", lang="zh")), (b, p, Literal("2013", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYear")))])
    q = "SELECT ?o WHERE { ?s <https://example.org/p> ?o }"
    assert sorted(map(str, (r.o for r in g.query(q)))) == sorted(map(str, (r.o for r in Graph.query(g, q))))
    assert [r.o for r in g.query("SELECT $this ?o WHERE { $this <https://example.org/p> ?o }",
                                 initBindings={"this": b})] == [Literal("2013", datatype=URIRef(
                                     "http://www.w3.org/2001/XMLSchema#gYear"))]
    g.remove_triples([(a, p, b)])
    assert len(g) == len(g.mirror) == 2


def test_batch_mode_shares_out_rows_and_falls_back_when_this_is_not_bound():
    g = MirroredGraph()
    a, b, p = (URIRef(f"https://example.org/{x}") for x in "abp")
    g.add_triples([(a, p, b)])
    bound_by_pattern = "SELECT $this ?o WHERE { $this <https://example.org/p> ?o }"
    not_bound = "SELECT $this ?x WHERE { BIND (1 AS ?x) }"
    with g.batch():
        assert [r.o for r in g.query(bound_by_pattern, initBindings={"this": a})] == [b]
        assert list(g.query(bound_by_pattern, initBindings={"this": b})) == []
        assert [r.this for r in g.query(not_bound, initBindings={"this": b})] == [b]
        assert g._batch[not_bound] is None  # rows without ?this: answered per focus node instead
        assert g._batch[bound_by_pattern] is not None


def test_targets_among_restricts_only_target_lookups():
    g = MirroredGraph()
    a, b, c, p, t = (URIRef(f"https://example.org/{x}") for x in "abcpt")
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    g.add_triples([(a, rdf_type, t), (b, rdf_type, t), (a, p, c), (b, p, c)])
    with g.targets_among({a}):
        assert set(g.subjects(rdf_type, t)) == {a}
        assert set(g.subjects(p, None)) == {a}
        assert set(g.subjects(p, c)) == {a, b}  # a lookup from a known node sees everything
        assert set(g.objects(b, p)) == {c}
    assert set(g.subjects(rdf_type, t)) == {a, b}


def test_blank_nodes_are_named_and_reported(validator):
    addition = """@prefix sc: <https://w3id.org/smartcity-kg/def#> .
    [] a sc:Zone ; sc:locatedIn <https://w3id.org/smartcity-kg/id/unit/420115-1995> ."""
    report = validator.validate_addition(addition, "turtle")
    bad = [r for r in report.results if r.constraint == "NamedResource"]
    assert bad and bad[0].focus.startswith(BLANK_NODE_NS)
    assert "<_:b1>" in bad[0].line()


@pytest.mark.parametrize("data,fmt,where", [
    ("<a> <b> <c> .\n<a> <b> \"unterminated .\n", "turtle", "line 2"),
    ('{"@id": "x", ', "json-ld", "line 1"),
    ('{"@context": "https://example.org/context.jsonld", "@id": "x"}', "json-ld", "remote JSON-LD contexts"),
    ('{"@context": [{"@import": "https://example.org/c.jsonld"}], "@id": "x"}', "json-ld", "@import"),
    ("id,batch,kind,colour\n", "csv", "unknown column(s) colour"),
    ("id,batch,kind,name_zh,confidence,sources\nx,2014,newish,某,high,seed003\n", "csv", "line 2: kind 'newish'"),
    ("id,batch,kind,name_zh,confidence,sources\nx,2014\n", "csv", "line 2: 2 fields where the header has 6"),
    ("<a b> <c> <d> .", "turtle", "not a valid IRI"),
    ("", "turtle", "empty"),
])
def test_unreadable_additions_say_where_and_why(validator, data, fmt, where):
    with pytest.raises(AdditionError) as err:
        validator.validate_addition(data, fmt)
    assert where in str(err.value)
