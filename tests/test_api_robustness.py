"""The served API keeps serving through any single request: a runaway query is stopped at the timeout
(its worker process killed, so the CPU is free) while other requests are answered; a crashed worker
costs one request; deep nesting is refused before the engine; bad input of every kind is a 4xx; the
graph never changes. No assertion here is about how long anything takes."""

import json
import os
import signal
import threading
import time
import urllib.parse

import pytest

from test_api_support import QUERY_TIMEOUT, api_server, request

ID = "https://w3id.org/smartcity-kg/id/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(dist):
    return api_server(dist)


def sparql(server, query, accept="text/csv", timeout=60):
    return request("GET", server.url("/sparql?" + urllib.parse.urlencode({"query": query})),
                   headers={"Accept": accept}, timeout=timeout)


def count_triples(server):
    status, _, body = sparql(server, COUNT)
    assert status == 200
    return int(body.split()[1])


def wait_for_workers(server, n=2, patience=30):
    deadline = time.monotonic() + patience
    while True:
        _, workers = server.worker_pids()
        if len(workers) == n:
            return workers
        assert time.monotonic() < deadline, f"{len(workers)} query workers instead of {n}"
        time.sleep(0.1)


def in_background(fn, *args):
    result = {}

    def run():
        result["value"] = fn(*args)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_runaway_query_times_out_while_others_are_served(server):
    before = count_triples(server)
    workers_before = set(wait_for_workers(server))
    thread, result = in_background(sparql, server, CARTESIAN)
    answered = []
    while thread.is_alive() or not answered:
        for path, accept in (("/sparql?query=" + urllib.parse.quote("SELECT ?b WHERE { ?b a sc:Batch }"), "*/*"),
                             ("/id/pilot/2014-wuhan-jiangxia", "text/html"), ("/api/batches", "application/json")):
            status, _, _ = request("GET", server.url(path), headers={"Accept": accept}, timeout=30)
            answered.append(status)
    thread.join()
    status, headers, body = result["value"]
    assert status == 422
    assert body.decode() == (f"422 Unprocessable Content: the query ran longer than this endpoint's limit of "
                             f"{QUERY_TIMEOUT:g} s and was stopped\n")
    assert answered and set(answered) == {200}
    # the worker that ran it was killed and replaced
    workers_after = set(wait_for_workers(server))
    assert workers_before - workers_after
    for pid in workers_before - workers_after:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split(")")[1][:3]
    assert count_triples(server) == before


def test_every_worker_stuck_then_the_service_recovers(server):
    threads = [in_background(sparql, server, CARTESIAN) for _ in range(3)]
    for thread, _ in threads:
        thread.join()
    statuses = sorted(result["value"][0] for _, result in threads)
    assert set(statuses) <= {422, 503} and 422 in statuses
    wait_for_workers(server)
    status, _, body = sparql(server, "SELECT ?b WHERE { ?b a sc:Batch }")
    assert status == 200 and body.count(b"/batch/") == 3


def test_a_crashed_worker_costs_one_request(server):
    workers = wait_for_workers(server)
    thread, result = in_background(sparql, server, CARTESIAN)
    time.sleep(0.5)  # let the query reach a worker
    for pid in workers:  # a segmentation fault in the engine, as pyoxigraph gives on pathological input
        os.kill(pid, signal.SIGSEGV)
    thread.join()
    status, _, body = result["value"]
    assert status == 422
    assert body.startswith(b"422 Unprocessable Content: the query ended the engine process evaluating it")
    wait_for_workers(server)
    status, _, _ = sparql(server, "SELECT ?b WHERE { ?b a sc:Batch }")
    assert status == 200


def test_a_query_costly_to_check_costs_its_own_worker_only(server):
    # a query that would make a naive lexical scan quadratic: checked in a worker, under the time limit,
    # while the server goes on answering
    slow = "ASK {} #\\u0041\n" + '\\"""\n' * 60000
    thread, result = in_background(lambda: request("POST", server.url("/sparql"), slow.encode(),
                                                   {"Content-Type": "application/sparql-query"}, timeout=60))
    time.sleep(0.2)
    started = time.monotonic()
    status, _, _ = request("GET", server.url("/api/batches"), headers={"Accept": "application/json"})
    assert status == 200 and time.monotonic() - started < 2
    thread.join()
    assert 400 <= result["value"][0] < 500


@pytest.mark.parametrize("depth", [2000, 100])
def test_deeply_nested_subqueries_are_refused_before_the_engine(server, depth):
    workers = set(wait_for_workers(server))
    query = "SELECT * WHERE { " + "{ SELECT * WHERE { " * depth + "?s ?p ?o" + " } }" * depth + " } LIMIT 1"
    status, _, body = request("POST", server.url("/sparql"), query.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 400
    assert body.decode() == (f"400 Bad Request: query refused: brackets nested {2 * depth + 1} deep; this endpoint "
                             "evaluates at most 64 levels (groups, sub-queries and parentheses)\n")
    assert set(server.worker_pids()[1]) == workers


def test_nesting_within_the_limit_is_evaluated(server):
    depth = 30
    query = "SELECT * WHERE { " + "{ SELECT * WHERE { " * depth + "?s a sc:Batch" + " } }" * depth + " }"
    status, _, body = sparql(server, query)
    assert status == 200 and body.count(b"/batch/") == 3
    parens = "SELECT ?x WHERE { BIND(" + "(" * 60 + "1" + ")" * 60 + " AS ?x) }"
    assert sparql(server, parens)[0] == 200


def test_result_cap(server):
    status, _, body = sparql(server, "SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r } LIMIT 2000000",
                             "application/sparql-results+json")
    assert status == 422
    assert body.startswith(b"422 Unprocessable Content: the result is larger than this endpoint's limit of 16777216 bytes")
    status, headers, body = sparql(server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert status == 200 and body.count(b"\n") == count_triples(server)


BAD = [
    ("GET", "/sparql?query=%FF%FE", None, {}),
    ("GET", "/sparql?query=" + "%7B" * 5000 + "&x", None, {}),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%5Cu%22%20%7D", None, {}),
    ("GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT -1"), None, {}),
    ("GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999"), None, {}),
    ("GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <a b> }"), None, {}),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=%FF", None, {}),
    ("GET", "/sparql?query=ASK%7B%7D", None, {"Accept": ";;;,,q=x/y;q=abc"}),
    ("POST", "/sparql", b"\x00\x01\x02", {"Content-Type": "application/sparql-query"}),
    ("POST", "/sparql", b"query=%%%", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("POST", "/sparql", b"", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("POST", "/sparql", b"x" * 10, {"Content-Type": "application/sparql-query", "Content-Length": "abc"}),
    ("POST", "/sparql", b"ASK {}", {"Content-Type": "multipart/form-data; boundary=x"}),
    ("GET", "/id/%FF%FE", None, {"Accept": "text/html"}),
    ("GET", "/id/pilot/%3Cscript%3E", None, {"Accept": "text/turtle"}),
    ("GET", "/id/" + "a/" * 3000, None, {}),
    ("GET", "/id/pilot/2014-wuhan-jiangxia?format=%FF", None, {}),
    ("GET", "/def/%00", None, {}),
    ("GET", "/dumps/..%2F..%2Fetc%2Fpasswd", None, {}),
    ("GET", "/api/pilots?province=%FF", None, {}),
    ("GET", "/api/pilots?province=" + "x" * 5000, None, {}),
    ("GET", "/api/pilots?batch=abc&kind=%00", None, {}),
    ("GET", "/api/pilots/..%2F..", None, {}),
    ("GET", "/api/pilots/" + "%22" * 50, None, {}),
    ("POST", "/validate", b"\xff\xfe", {"Content-Type": "text/turtle"}),
    ("POST", "/validate", b'{"@context": "http://example.org/context.jsonld"}', {"Content-Type": "application/ld+json"}),
    ("POST", "/validate", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', {"Content-Type": "application/rdf+xml"}),
    ("POST", "/validate", b"[" * 100000, {"Content-Type": "application/ld+json"}),
    ("POST", "/validate", b"--x\r\nContent-Disposition: form-data; name=\"nofile\"\r\n\r\nv\r\n--x--\r\n",
     {"Content-Type": "multipart/form-data; boundary=x"}),
    ("POST", "/validate", b"x" * (9 * 1024 * 1024), {"Content-Type": "text/turtle"}),
    ("GET", "/nothing/here", None, {"Accept": "application/json"}),
    ("DELETE", "/sparql", None, {}),
    ("GET", "/id/%", None, {"Accept": "text/turtle"}),
    ("GET", "/id/pilot/%zz", None, {}),
    ("GET", "/sparql?query=ASK%7B%7D", None, {"X-Filler": "a" * 70000}),
    ("GET", "/id/pilot/2012-wuhan", None, {"Accept": "a/b," * 20000}),
    ("POST", "/validate", b'{"@id": "https://w3id.org/smartcity-kg/id/x", "http://example.org/p": ' + b"9" * 5000 + b"}",
     {"Content-Type": "application/ld+json"}),
    ("GET", "/sparql?format=jsonld&query=" + urllib.parse.quote(
        "CONSTRUCT { <urn:s> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } WHERE {}"), None, {}),
]


@pytest.mark.parametrize("method, path, body, headers", BAD, ids=range(len(BAD)))
def test_bad_input_gets_a_4xx_with_a_message(server, method, path, body, headers):
    status, resp_headers, text = request(method, server.url(path), body, headers)
    assert 400 <= status < 500, (status, text[:300])
    assert text.strip(), "an error needs a message"


def test_what_each_bad_request_line_gets(server):
    status, _, body = request("GET", server.url("/id/pilot/%FF"), headers={"Accept": "text/turtle"})
    assert (status, body) == (400, b"400 Bad Request: the path is not valid UTF-8 once percent-decoded "
                                   b"(invalid start byte at offset 10)\n")
    status, _, body = request("GET", server.url("/id/%"), headers={"Accept": "text/turtle"})
    assert (status, body) == (404, b"404 Not Found: no such resource\n")
    status, headers, body = request("GET", server.url("/api/pilots?province=%FF"))
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("the query string is not valid UTF-8 once percent-decoded")
    status, _, body = request("GET", server.url("/"), headers={"X-Filler": "a" * 70000})
    assert status == 431 and b"larger than the limit of 65536 bytes" in body


def test_nothing_is_fetched_for_a_query(server):
    for query in ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
                  "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"):
        status, _, body = sparql(server, query)
        assert status == 200 and len(body.split()) == 1  # only the header: FROM names a graph of the store, none
    status, _, body = sparql(server, "SELECT (1/0 AS ?x) WHERE {}")
    assert status == 200 and body.split() == [b"x"]  # an error in an expression leaves ?x unbound


def test_the_graph_is_unchanged_after_all_that(server, graph):
    # the store's default graph is the dump (the ontology included): as many triples as the graph built
    assert count_triples(server) == len(graph)
    status, _, body = request("GET", server.url("/api/pilots/2014-wuhan-jiangxia"))
    assert status == 200 and json.loads(body)["extends"] == ID + "pilot/2012-wuhan"
