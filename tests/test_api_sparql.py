"""The SPARQL 1.1 Protocol at /sparql, against a real server, with real clients.

Statuses and messages are asserted exactly: 400 malformed (the parser's line:column), 403 read-only and
SERVICE, 406 format, 413 size, 415 content type; never a 500 for client input.
"""

import csv
import io
import json
import re
import urllib.parse

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from test_api_support import api_server, request

SC = "https://w3id.org/smartcity-kg/def#"
ID = "https://w3id.org/smartcity-kg/id/"
JIANGXIA = ID + "pilot/2014-wuhan-jiangxia"
WUHAN_PILOT = ID + "pilot/2012-wuhan"
EXPANSIONS = f"""PREFIX sc: <{SC}>
SELECT ?expansion WHERE {{ ?expansion sc:extends <{WUHAN_PILOT}> }} ORDER BY ?expansion"""
BASE_OF = f"SELECT ?base WHERE {{ <{JIANGXIA}> <{SC}extends> ?base }}"
CONSTRUCT = f"CONSTRUCT {{ <{JIANGXIA}> ?p ?o }} WHERE {{ <{JIANGXIA}> ?p ?o }}"


@pytest.fixture(scope="module")
def server(dist):
    return api_server(dist)


@pytest.fixture(scope="module")
def endpoint(server):
    return server.url("/sparql")


def get(endpoint, query, accept=None, **params):
    qs = urllib.parse.urlencode({"query": query, **params}, doseq=True)
    return request("GET", f"{endpoint}?{qs}", headers={"Accept": accept} if accept else {})


def test_get_json(endpoint):
    status, headers, body = get(endpoint, BASE_OF, "application/sparql-results+json")
    assert status == 200
    assert headers["Content-Type"] == "application/sparql-results+json"
    rows = json.loads(body)["results"]["bindings"]
    assert [r["base"]["value"] for r in rows] == [WUHAN_PILOT]


def test_post_form_and_post_query_body(endpoint):
    form = urllib.parse.urlencode({"query": EXPANSIONS}).encode()
    status, headers, body = request("POST", endpoint, form, {"Content-Type": "application/x-www-form-urlencoded",
                                                             "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert JIANGXIA in [r["expansion"] for r in rows]
    status, headers, body2 = request("POST", endpoint, EXPANSIONS.encode(), {"Content-Type": "application/sparql-query",
                                                                          "Accept": "text/csv"})
    assert status == 200 and body2 == body


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
])
def test_select_formats(endpoint, accept, media):
    status, headers, body = get(endpoint, BASE_OF, accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert WUHAN_PILOT.encode() in body
    assert "Accept" in headers["Vary"]


@pytest.mark.parametrize("accept, media, parse", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_formats(endpoint, accept, media, parse):
    status, headers, body = get(endpoint, CONSTRUCT, accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    g = rdflib.Graph().parse(data=body, format=parse)
    assert (rdflib.URIRef(JIANGXIA), rdflib.URIRef(SC + "extends"), rdflib.URIRef(WUHAN_PILOT)) in g


@pytest.mark.parametrize("fmt, media", [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
                                        ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter_for_clients_without_accept(endpoint, fmt, media):
    status, headers, _ = get(endpoint, BASE_OF, "text/turtle", format=fmt)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media


def test_ask_and_describe(endpoint):
    status, _, body = get(endpoint, f"ASK {{ <{JIANGXIA}> a <{SC}ExpansionPilot> }}", "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(endpoint, f"ASK {{ <{JIANGXIA}> a <{SC}ExpansionPilot> }}", "application/sparql-results+xml")
    assert status == 200 and b"<boolean>true</boolean>" in body
    status, headers, body = get(endpoint, f"DESCRIBE <{ID}unit/420100-1981>", "text/turtle")
    assert status == 200 and "武汉市".encode() in body


def test_predeclared_prefixes(endpoint):
    status, _, body = get(endpoint, "SELECT ?l WHERE { scid:unit\\/420100-1981 skos:prefLabel ?l }", "text/csv")
    assert status == 200, body
    status, _, body = get(endpoint, f"SELECT ?l WHERE {{ <{ID}unit/420100-1981> skos:prefLabel ?l FILTER(LANG(?l) = 'zh') }}",
                          "text/csv")
    assert status == 200 and body.decode().splitlines()[1] == "武汉市"


def test_not_acceptable(endpoint):
    status, headers, body = get(endpoint, BASE_OF, "text/turtle")
    assert status == 406
    assert body.decode().startswith("406 Not Acceptable: a SELECT or ASK result can be served as application/sparql-results+json")
    status, _, body = get(endpoint, CONSTRUCT, "text/csv")
    assert status == 406 and b"a CONSTRUCT or DESCRIBE result can be served as text/turtle" in body
    status, _, body = get(endpoint, BASE_OF, "image/png")
    assert status == 406 and b"none of the formats this endpoint writes is acceptable" in body
    status, _, _ = get(endpoint, BASE_OF, None, format="yaml")
    assert status == 406


def test_malformed_query_gets_the_parser_message_and_position(endpoint):
    status, headers, body = get(endpoint, "SELECT ?s WHERE {\n  ?s ?p ?o\n  FILTER(?o = )\n}")
    assert status == 400
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    # pyoxigraph's message: "error at LINE:COLUMN: expected one of …"
    assert re.match(r"400 Bad Request: malformed query: error at \d+:\d+: expected one of [A-Z]", body.decode())


def test_updates_are_refused_with_403(endpoint):
    insert = f'INSERT DATA {{ <{JIANGXIA}> <{SC}extends> <{ID}pilot/2012-shenyang> }}'
    message = b"403 Forbidden: this endpoint is read-only: SPARQL Update"
    for status, _, body in (
        request("POST", endpoint, urllib.parse.urlencode({"update": insert}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"}),
        request("POST", endpoint, insert.encode(), {"Content-Type": "application/sparql-update"}),
        get(endpoint, insert),
        get(endpoint, "LOAD <http://example.org/data.ttl>"),
        get(endpoint, "PREFIX sc: <https://w3id.org/smartcity-kg/def#>\nCLEAR ALL"),
        request("POST", endpoint, b"DROP ALL", {"Content-Type": "application/sparql-query"}),
    ):
        assert status == 403 and body.startswith(message)
    # and nothing changed
    status, _, body = get(endpoint, BASE_OF, "text/csv")
    assert body.decode().split() == ["base", WUHAN_PILOT]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y 1SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) service ?e { ?s ?p ?o } }",
])
def test_service_is_refused(endpoint, query):
    status, _, body = get(endpoint, query)
    assert status == 403
    assert body.startswith(b"403 Forbidden: query refused: SERVICE (federated query) is disabled on this endpoint")


def test_service_hidden_behind_a_comparison_is_refused(endpoint):
    status, _, body = request("POST", endpoint, b"SELECT * WHERE { FILTER(1<2)SERVICE#>\n<http://example.org/sparql> "
                              b"{ ?s ?p ?o } }", {"Content-Type": "application/sparql-query"})
    assert status == 403 and body.startswith(b"403 Forbidden: query refused: SERVICE")


def test_a_result_the_format_cannot_hold_is_4xx(endpoint):
    # pyoxigraph writes no RDF 1.2 triple terms as JSON-LD
    status, _, body = get(endpoint, "CONSTRUCT { <urn:s> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } WHERE {}",
                          "application/ld+json")
    assert status == 422 and body.startswith(b"422 Unprocessable Content: the query's result cannot be produced")


def test_no_malformed_xml_is_served(endpoint):
    # RDF/XML cannot name a predicate that ends in no name; XML 1.0 has no control characters
    status, _, body = get(endpoint, "CONSTRUCT { <urn:s> <http://example.org/> 1 } WHERE {}", "application/rdf+xml")
    assert status == 422 and b"cannot write this result as well-formed RDF/XML" in body
    status, _, body = get(endpoint, 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+xml")
    assert status == 422 and b"well-formed SPARQL XML" in body
    status, _, body = get(endpoint, 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+json")
    assert status == 200


def test_service_in_names_strings_and_comments_is_fine(endpoint):
    query = ('PREFIX schema: <https://schema.org/>\n# SERVICE in a comment\n'
             'SELECT ?service WHERE { BIND("SERVICE <http://example.org/>" AS ?service) '
             'OPTIONAL { ?x schema:serviceType ?y } } LIMIT 1')
    status, _, body = get(endpoint, query, "text/csv")
    assert status == 200, body


def test_dataset_parameters(endpoint):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    _, _, body = get(endpoint, count, "text/csv")
    total = int(body.split()[1])
    _, _, body = get(endpoint, count, "text/csv", **{"default-graph-uri": "https://w3id.org/smartcity-kg/def"})
    ontology = int(body.split()[1])
    assert 0 < ontology < total
    _, _, body = get(endpoint, count, "text/csv", **{"default-graph-uri": "http://example.org/none"})
    assert int(body.split()[1]) == 0
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    _, _, body = get(endpoint, named, "text/csv")
    assert body.decode().split() == ["g", "https://w3id.org/smartcity-kg/def", ID + "dataset"]
    _, _, body = get(endpoint, named, "text/csv", **{"named-graph-uri": ID + "dataset"})
    assert body.decode().split() == ["g", ID + "dataset"]
    # the protocol's dataset replaces the query's as a whole: named graphs alone leave the default graph empty
    _, _, body = get(endpoint, count, "text/csv", **{"named-graph-uri": ID + "dataset"})
    assert int(body.split()[1]) == 0
    from_def = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/smartcity-kg/def> WHERE { ?s ?p ?o }"
    assert int(get(endpoint, from_def, "text/csv")[2].split()[1]) == ontology
    _, _, body = get(endpoint, from_def, "text/csv", **{"named-graph-uri": ID + "dataset"})
    assert int(body.split()[1]) == 0
    status, _, body = get(endpoint, count, None, **{"default-graph-uri": "not an IRI"})
    assert status == 400 and b"default-graph-uri must be an absolute IRI" in body


def test_invalid_utf8_is_400_not_500(endpoint):
    status, _, body = request("GET", endpoint + "?query=SELECT%20%3Fs%20WHERE%20%7B%7D%FF")
    assert status == 400
    assert body.startswith(b"400 Bad Request: the query string is not valid UTF-8")
    status, _, body = request("POST", endpoint, b'SELECT * WHERE { ?s ?p "\xff\xfe" }',
                              {"Content-Type": "application/sparql-query"})
    assert status == 400 and body.startswith(b"400 Bad Request: the query is not valid UTF-8 (byte 0xff at offset 24)")
    status, _, body = request("POST", endpoint, b"query=ASK%7B%7D%C3", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"not valid UTF-8" in body


def test_size_limits_give_413(endpoint):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (300 * 1024)
    status, _, body = request("POST", endpoint, big.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 413 and body.startswith(b"413 Content Too Large: the query (")
    huge = b"query=" + b"x" * (1024 * 1024 + 10)
    status, _, body = request("POST", endpoint, huge, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"larger than the limit of 1048576 bytes" in body


def test_other_bad_requests(endpoint):
    status, _, body = request("POST", endpoint, b"ASK {}", {"Content-Type": "text/plain"})
    assert status == 415 and b"application/sparql-query" in body
    status, _, body = request("GET", endpoint + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400 and b"exactly one query parameter, not 2" in body
    status, _, body = request("POST", endpoint, b"format=json", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"the form carries no query parameter" in body
    status, _, body = get(endpoint, "SELECT (<http://example.org/f>(1) AS ?x) WHERE {}")
    assert status == 400 and b"the query cannot be evaluated" in body
    status, _, _ = request("PUT", endpoint, b"ASK {}")
    assert status == 405


def test_service_description(endpoint):
    status, headers, body = request("GET", endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(endpoint)
    assert (service, rdflib.RDF.type, sd.Service) in g
    assert (service, sd.endpoint, service) in g
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert len(set(g.objects(service, sd.resultFormat))) == 8
    names = {str(n) for n in g.objects(None, sd.name)}
    assert names == {"https://w3id.org/smartcity-kg/def", ID + "dataset"}
    status, headers, body = request("GET", endpoint, headers={"Accept": "application/ld+json"})
    assert status == 200 and len(rdflib.Graph().parse(data=body, format="json-ld")) == len(g)
    status, headers, body = request("GET", endpoint, headers={"Accept": "text/html"})
    assert status == 200 and b'id="yasgui"' in body


def test_cors(endpoint):
    status, headers, _ = request("OPTIONS", endpoint, headers={"Origin": "https://yasgui.example",
                                                               "Access-Control-Request-Method": "POST",
                                                               "Access-Control-Request-Headers": "content-type"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = get(endpoint, BASE_OF, "application/sparql-results+json")
    status, headers, _ = request("GET", endpoint + "?query=ASK%7B%7D", headers={"Origin": "https://yasgui.example"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"


# --- clients that know nothing of this project -----------------------------------------------

@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select(endpoint, fmt, method):
    w = SPARQLWrapper(endpoint)
    w.setMethod(method)
    w.setQuery(EXPANSIONS)
    w.setReturnFormat(fmt)
    result = w.query().convert()
    if fmt == JSON:
        values = [b["expansion"]["value"] for b in result["results"]["bindings"]]
    elif fmt == XML:
        values = [n.firstChild.firstChild.data for n in result.getElementsByTagName("binding")]
    else:
        delimiter = "," if fmt == CSV else "\t"
        values = [row[0].strip("<>") for row in csv.reader(io.StringIO(result.decode()), delimiter=delimiter)][1:]
    assert JIANGXIA in values


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML, XML])
def test_sparqlwrapper_construct(endpoint, fmt):
    w = SPARQLWrapper(endpoint)
    w.setQuery(CONSTRUCT)
    w.setReturnFormat(fmt)
    result = w.query().convert()
    g = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
    assert (rdflib.URIRef(JIANGXIA), rdflib.URIRef(SC + "extends"), rdflib.URIRef(WUHAN_PILOT)) in g


def test_sparqlwrapper_ask_and_error(endpoint):
    w = SPARQLWrapper(endpoint)
    w.setQuery(f"ASK {{ <{JIANGXIA}> <{SC}extends> <{WUHAN_PILOT}> }}")
    w.setReturnFormat(JSON)
    assert w.query().convert()["boolean"] is True
    w.setQuery("SELECT ?s WHERE { ?s ?p ")
    with pytest.raises(QueryBadFormed, match="malformed query: error at 1:"):
        w.query()


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore(endpoint, return_format):
    g = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat=return_format))
    rows = list(g.query(EXPANSIONS))
    assert rdflib.URIRef(JIANGXIA) in [r[0] for r in rows]
    if return_format in ("xml", "json"):  # the CSV and TSV results formats define no boolean
        assert g.query(f"ASK {{ <{JIANGXIA}> a <{SC}Pilot> }}").askAnswer is True


def test_rdflib_sparqlstore_graph_api(endpoint):
    g = rdflib.Graph(store=SPARQLStore(endpoint, method="POST"))
    pilot = rdflib.URIRef(JIANGXIA)
    assert g.value(pilot, rdflib.URIRef(SC + "extends")) == rdflib.URIRef(WUHAN_PILOT)
    labels = set(g.objects(pilot, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")))
    assert rdflib.Literal("武汉市江夏区", lang="zh") in labels
    constructed = g.query(CONSTRUCT).graph
    assert (pilot, rdflib.URIRef(SC + "expansionScope"), rdflib.URIRef(ID + "unit/420100-1981")) in constructed
    assert len(g) > 50000


def test_methods_of_the_endpoint(endpoint):
    status, headers, _ = request("OPTIONS", endpoint)
    assert status == 204 and headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    for method in ("PUT", "DELETE", "PATCH"):
        status, headers, body = request(method, endpoint, b"", {"Content-Type": "text/turtle"})
        assert status == 405 and headers["Allow"] == "GET, HEAD, POST, OPTIONS"
        assert body.startswith(f"405 Method Not Allowed: {method} is not a method".encode())
