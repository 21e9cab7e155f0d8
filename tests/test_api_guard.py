"""The checks before the engine and the content negotiation, as plain functions (no server)."""

import pytest

from smartcity_kg.api import guard, ipc
from smartcity_kg.api.negotiation import choose, sparql_formats


@pytest.mark.parametrize("query, targets", [
    ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
    ("SELECT * WHERE { service silent <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
    ("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }", [None]),
    ("SELECT * WHERE { ?s ?p ?o . }SERVICE<http://a.example/>{}", ["http://a.example/"]),
    ("SELECT * WHERE { ?s ?p 1SERVICE <http://a.example/> {} }", ["http://a.example/"]),
    ("SELECT * WHERE { ?s ?p ex:o.SERVICE <http://a.example/> {} }", ["http://a.example/"]),
    ("SELECT * WHERE { \\u0053ERVICE <http://a.example/> {} }", ["http://a.example/"]),
    ('SELECT ?service WHERE { ?service schema:serviceType "SERVICE <x>" } # SERVICE', []),
    ("SELECT * WHERE { <http://a.example/SERVICE> ?p ?o }", []),
    ("SELECT * WHERE { ?s ?p '''\nSERVICE <http://a.example/> {}\n''' }", []),
    # a `<` that compares, then a `>` in a comment: no IRI hides the SERVICE clause from the grammar
    ("SELECT * WHERE { FILTER(1<2)SERVICE#>\n<http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
    ("SELECT * WHERE { FILTER(?a<?b)SERVICE#>\n<http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
])
def test_service_targets(query, targets):
    assert guard.service_targets(query) == targets


def test_service_allow_list():
    allowed = ("https://query.wikidata.org/sparql",)
    guard.check("SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", 64, allowed)
    with pytest.raises(guard.Refused) as refused:
        guard.check("SELECT * WHERE { SERVICE <http://a.example/> { ?s ?p ?o } }", 64, allowed)
    assert refused.value.status == 403 and "not an allowed endpoint" in refused.value.message
    with pytest.raises(guard.Refused):
        guard.check("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }", 64, allowed)


def test_nesting_depth_ignores_strings_iris_and_comments():
    assert guard.nesting_depth(guard.skeleton('SELECT * WHERE { ?s ?p "{{{{((((" } # ((((\n')) == 1
    assert guard.nesting_depth(guard.skeleton("SELECT * WHERE { FILTER((1)) }")) == 3
    deep = "SELECT * WHERE " + "{" * 70 + "}" * 70
    with pytest.raises(guard.Refused) as refused:
        guard.check(deep, 64, ())
    assert refused.value.status == 400 and "nested 70 deep" in refused.value.message
    escaped = "SELECT * WHERE " + "\\u007B" * 70 + "\\u007D" * 70
    with pytest.raises(guard.Refused):
        guard.check(escaped, 64, ())
    guard.check("SELECT * WHERE " + "{" * 60 + "}" * 60, 64, ())


def test_the_scan_is_linear_on_unterminated_strings():
    # each line opens a long string that an escaped quote keeps from closing: a scan that retried at
    # every quote would take minutes on this (75 KB)
    import time

    query = "ASK {} #\\u0041\n" + '\\"""\n' * 15000
    start = time.process_time()
    guard.skeleton(query)
    guard.looks_like_update(query)
    assert time.process_time() - start < 5


@pytest.mark.parametrize("text, update", [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", True),
    ("PREFIX x: <http://x/>\nBASE <http://y/>\n  delete where { ?s ?p ?o }", True),
    ("# a comment\nLOAD <http://example.org/x>", True),
    ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("PREFIX insert: <http://x/> SELECT * WHERE { ?s insert:p ?o }", False),
])
def test_looks_like_update(text, update):
    assert guard.looks_like_update(text) is update


@pytest.mark.parametrize("accept, fmt, expected", [
    (None, None, (ipc.RESULTS_JSON, ipc.GRAPH_TURTLE)),
    ("*/*", None, (ipc.RESULTS_JSON, ipc.GRAPH_TURTLE)),
    ("text/csv, application/sparql-results+json", None, (ipc.RESULTS_CSV, 0)),
    ("application/sparql-results+json;q=0.5, text/tab-separated-values", None, (ipc.RESULTS_TSV, 0)),
    ("application/ld+json", None, (0, ipc.GRAPH_JSONLD)),
    ("application/json", None, (ipc.RESULTS_JSON, ipc.GRAPH_JSONLD)),
    ("text/*", None, (ipc.RESULTS_CSV, ipc.GRAPH_TURTLE)),
    ("image/png", None, (0, 0)),
    ("*/*, text/turtle;q=0", None, (ipc.RESULTS_JSON, ipc.GRAPH_NTRIPLES)),
    ("text/turtle", "json", (ipc.RESULTS_JSON, ipc.GRAPH_JSONLD)),
    (None, "n3", (0, ipc.GRAPH_TURTLE)),
    (None, "application/sparql-results+xml", (ipc.RESULTS_XML, 0)),
])
def test_sparql_formats(accept, fmt, expected):
    assert sparql_formats(accept, fmt) == expected


def test_choose():
    offers = ("text/html", "text/turtle", "application/ld+json")
    assert choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offers) == "text/html"
    assert choose("text/turtle;q=0.9, application/ld+json", offers) == "application/ld+json"
    assert choose("*/*", offers) == "text/html"
    assert choose("image/*", offers) is None
