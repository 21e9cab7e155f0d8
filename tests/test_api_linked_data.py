"""Every IRI of the dataset resolves on the server: HTML for browsers, RDF by Accept; the ontology's IRIs
resolve to its documentation and Turtle; the dumps and the VoID description download."""

import json

import pytest
import rdflib

from test_api_support import api_server, request

ID = "https://w3id.org/smartcity-kg/id/"
SC = rdflib.Namespace("https://w3id.org/smartcity-kg/def#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
JIANGXIA = rdflib.URIRef(ID + "pilot/2014-wuhan-jiangxia")
WUHAN_PILOT = rdflib.URIRef(ID + "pilot/2012-wuhan")
WUHAN = rdflib.URIRef(ID + "unit/420100-1981")


@pytest.fixture(scope="module")
def server(dist):
    return api_server(dist)


def test_pilot_page_for_a_browser(server):
    status, headers, body = request("GET", server.url("/id/pilot/2012-wuhan"), headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    html = body.decode()
    assert '<span lang="zh" id="label-zh">武汉市</span>' in html
    assert '<span lang="en" class="en" id="label-en">Wuhan</span>' in html
    # its properties, linked to local pages, with labels
    assert 'href="/id/unit/420100-1981"' in html and 'href="/def#territory"' in html
    assert 'href="/id/batch/2012"' in html
    # incoming links: its expansions
    incoming = html.split('id="incoming"', 1)[1]
    assert 'href="/id/pilot/2014-wuhan-jiangxia"' in incoming and "武汉市江夏区" in incoming
    assert 'href="https://w3id.org/smartcity-kg/' not in html  # links stay on this server
    assert "Accept" in headers["Vary"]


def test_unit_page(server):
    status, _, body = request("GET", server.url("/id/unit/420100-1981"), headers={"Accept": "text/html"})
    html = body.decode()
    assert status == 200 and "武汉市" in html and "Wuhan" in html
    assert 'href="/id/unit/420000-1981"' in html  # its parent, Hubei
    assert 'href="/id/pilot/2012-wuhan"' in html.split('id="incoming"', 1)[1]  # the pilot on its territory


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_rdf_by_accept(server, accept, fmt):
    status, headers, body = request("GET", server.url("/id/pilot/2014-wuhan-jiangxia"), headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == accept
    g = rdflib.Graph().parse(data=body, format=fmt)
    assert (JIANGXIA, SC.extends, WUHAN_PILOT) in g
    assert (JIANGXIA, SC.expansionScope, WUHAN) in g
    assert (JIANGXIA, SKOS.prefLabel, rdflib.Literal("武汉市江夏区", lang="zh")) in g


def test_rdf_includes_incoming_links_and_format_parameter(server):
    status, headers, body = request("GET", server.url("/id/pilot/2012-wuhan?format=ttl"), headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert (JIANGXIA, SC.extends, WUHAN_PILOT) in g
    assert b"@prefix sc: <https://w3id.org/smartcity-kg/def#>" in body
    assert 'rel="alternate"; type="application/ld+json"' in headers["Link"]


def test_rdflib_can_load_an_iri_from_the_server(server):
    g = rdflib.Graph()
    g.parse(server.url("/id/unit/420100-1981"))  # rdflib sends its own Accept header
    assert (WUHAN, SKOS.prefLabel, rdflib.Literal("武汉市", lang="zh")) in g


def test_unknown_iri_is_404(server):
    status, _, body = request("GET", server.url("/id/pilot/2099-nowhere"), headers={"Accept": "text/html"})
    assert status == 404 and "no resource &lt;https://w3id.org/smartcity-kg/id/pilot/2099-nowhere&gt;" in body.decode()
    status, _, body = request("GET", server.url("/id/pilot/2099-nowhere"), headers={"Accept": "text/turtle"})
    assert status == 404 and body == b"404 Not Found: no resource <https://w3id.org/smartcity-kg/id/pilot/2099-nowhere> in this dataset\n"
    status, _, _ = request("GET", server.url("/id/pilot/2014-wuhan-jiangxia"), headers={"Accept": "image/png"})
    assert status == 406


def test_dataset_description_resolves(server):
    status, _, body = request("GET", server.url("/id/dataset"), headers={"Accept": "text/turtle"})
    assert status == 200
    g = rdflib.Graph().parse(data=body, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert (rdflib.URIRef(ID + "dataset"), rdflib.RDF.type, void.Dataset) in g
    status, headers, body = request("GET", server.url("/.well-known/void"), headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert (rdflib.URIRef(ID + "dataset"), void.sparqlEndpoint, None) in rdflib.Graph().parse(data=body, format="turtle")
    status, headers, _ = request("GET", server.url("/.well-known/void"), headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"] == "application/ld+json"


def test_ontology_resolves(server):
    status, headers, body = request("GET", server.url("/def"), headers={"Accept": "text/html"})
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for term in ("Pilot", "NewPilot", "ExpansionPilot", "extends", "territory"):
        assert f'id="{term}"' in html, term  # /def#Term lands on the term
    status, headers, body = request("GET", server.url("/def"), headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert (SC.ExpansionPilot, rdflib.RDFS.subClassOf, SC.Pilot) in g
    version = g.value(rdflib.URIRef("https://w3id.org/smartcity-kg/def"), rdflib.OWL.versionIRI)
    local = "/def/" + str(version).rsplit("/", 1)[1]
    status, _, _ = request("GET", server.url(local), headers={"Accept": "application/n-triples"})
    assert status == 200
    assert request("GET", server.url("/def/0.0.0-none"))[0] == 404


@pytest.mark.parametrize("name, media", [("smartcity.ttl", "text/turtle"), ("smartcity.nt", "application/n-triples"),
                                         ("smartcity.jsonld", "application/ld+json"), ("void.ttl", "text/turtle"),
                                         ("ontology.ttl", "text/turtle"), ("map-en.svg", "image/svg+xml"),
                                         ("map-zh.svg", "image/svg+xml")])
def test_dumps_download(server, dist, name, media):
    status, headers, body = request("GET", server.url(f"/dumps/{name}"))
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert body == (dist / name).read_bytes()


@pytest.mark.parametrize("path, media", [("/", "text/html"), ("/id/pilot/2012-wuhan", "text/html"),
                                         ("/dumps/smartcity.nt", "application/n-triples"),
                                         ("/.well-known/void", "text/turtle"), ("/sparql", "text/turtle")])
def test_head_answers_like_get_without_a_body(server, path, media):
    status, headers, body = request("HEAD", server.url(path))
    assert status == 200 and headers["Content-Type"].split(";")[0] == media and body == b""
    assert request("HEAD", server.url("/id/pilot/no-such-pilot"))[0] == 404


def test_void_download_urls_resolve_locally(server, dist):
    g = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    urls = [str(u) for u in g.objects(None, dcat.downloadURL)]
    assert urls
    for url in urls:
        local = "/" + url.split("https://w3id.org/smartcity-kg/", 1)[1]
        assert request("GET", server.url(local))[0] == 200, url
    assert request("GET", server.url("/dumps/secret.txt"))[0] == 404


def test_rest_lookups(server):
    status, headers, body = request("GET", server.url("/api/pilots?province=%E6%B9%96%E5%8C%97%E7%9C%81&batch=2014"))
    assert status == 200 and headers["Content-Type"] == "application/json"
    data = json.loads(body)
    ids = [p["id"] for p in data["pilots"]]
    assert data["count"] == len(ids) and "2014-wuhan-jiangxia" in ids
    assert all(p["batch"] == 2014 and p["province"]["code"] == "420000" for p in data["pilots"])
    jiangxia = next(p for p in data["pilots"] if p["id"] == "2014-wuhan-jiangxia")
    assert jiangxia["kind"] == "expansion" and jiangxia["extends"] == str(WUHAN_PILOT)
    assert jiangxia["page"] == "/id/pilot/2014-wuhan-jiangxia"
    same = json.loads(request("GET", server.url("/api/pilots?province=Hubei&batch=2014"))[2])
    assert same == data
    same = json.loads(request("GET", server.url("/api/pilots?province=420000&batch=2014"))[2])
    assert same == data
    expansions = json.loads(request("GET", server.url("/api/pilots?kind=expansion"))[2])
    assert expansions["count"] > 0 and {p["kind"] for p in expansions["pilots"]} == {"expansion"}


def test_rest_pilot_detail(server):
    status, _, body = request("GET", server.url("/api/pilots/2012-wuhan"))
    data = json.loads(body)
    assert status == 200 and data["name_zh"] == "武汉市" and data["kind"] == "new" and data["batch"] == 2012
    assert str(JIANGXIA) in [e["iri"] for e in data["expansions"]]
    assert data["territories"] == [{"iri": str(WUHAN), "name_zh": "武汉市", "name_en": "Wuhan", "code": "420100"}]
    assert data["sources"]


def test_rest_lists(server):
    batches = json.loads(request("GET", server.url("/api/batches"))[2])
    assert [b["year"] for b in batches] == [2012, 2013, 2014]
    assert sum(sum(b["pilots"].values()) for b in batches) > 250
    provinces = json.loads(request("GET", server.url("/api/provinces"))[2])
    hubei = next(p for p in provinces if p["code"] == "420000")
    assert hubei["name_zh"] == "湖北省" and hubei["pilots"]["2014"] > 0


def test_rest_errors(server):
    status, headers, body = request("GET", server.url("/api/pilots?batch=2011"))
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("invalid parameters: batch:")
    status, _, body = request("GET", server.url("/api/pilots?kind=pilot"))
    assert status == 400 and "kind:" in json.loads(body)["detail"]
    status, _, body = request("GET", server.url("/api/pilots?province=Atlantis"))
    assert status == 404 and json.loads(body)["detail"].startswith("no province matches 'Atlantis'")
    status, _, body = request("GET", server.url("/api/pilots/2099-nowhere"))
    assert status == 404 and json.loads(body)["detail"] == "no pilot '2099-nowhere' in this dataset"


def test_openapi_documents_every_surface(server):
    status, _, body = request("GET", server.url("/openapi.json"))
    paths = json.loads(body)["paths"]
    for path in ("/sparql", "/id/{path}", "/def", "/dumps/{name}", "/.well-known/void", "/api/pilots",
                 "/api/pilots/{pilot_id}", "/api/provinces", "/api/batches", "/validate"):
        assert path in paths, path
    assert set(paths["/sparql"]) == {"get", "post"}
    status, _, body = request("GET", server.url("/docs"))
    assert status == 200 and b"/static/swagger-ui/swagger-ui-bundle.js" in body and b"cdn." not in body
