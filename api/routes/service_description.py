"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

Served at GET /sparql with no query (and at /sparql/service-description), built as an RDF graph that
names the endpoint by the URL the client used, the formats, the dataset (the default graph and the
two named graphs) and the limits.
"""

from fastapi import APIRouter, Request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD
from starlette.responses import Response

from smartcity_kg import __version__
from smartcity_kg.api.httputil import text_error
from smartcity_kg.api.negotiation import choose
from smartcity_kg.api.worker import ONTOLOGY_GRAPH, VOID_GRAPH

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")

router = APIRouter(tags=["SPARQL"])

RDF_OFFERS = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
                  "application/rdf+xml": "xml"}
MEDIA = {"text/turtle": "text/turtle; charset=utf-8", "application/ld+json": "application/ld+json",
         "application/n-triples": "application/n-triples", "application/rdf+xml": "application/rdf+xml"}


def service_graph(endpoint, settings, quads=None):
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, DCTERMS.title, Literal("smartcity-kg SPARQL endpoint", lang="en")))
    g.add((service, DCTERMS.title, Literal("国家智慧城市试点知识图谱 SPARQL 查询端点", lang="zh")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((service, SD.resultFormat, FORMATS[fmt]))
    if settings.service_allow:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultEntailmentRegime, ENT.Simple))
    g.add((service, RDFS.comment, Literal(
        f"Read-only (SPARQL Update is refused with 403). Limits: a query runs at most {settings.query_timeout:g} s "
        f"(then 422); query text {settings.max_query_bytes} bytes and request body {settings.max_request_bytes} "
        f"bytes (413); result {settings.max_result_bytes} bytes (422); brackets nested {settings.max_nesting} deep "
        "(400). SERVICE " + ("is allowed to: " + " ".join(settings.service_allow) if settings.service_allow
                             else "is disabled (403)") + ".", lang="en")))
    g.add((service, DCTERMS.hasVersion, Literal(__version__)))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDFS.seeAlso, URIRef(VOID_GRAPH)))
    default = BNode("defaultGraph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal("the whole dump: ontology, curated data and derived facts", lang="en")))
    if quads is not None:
        g.add((default, VOID.triples, Literal(quads, datatype=XSD.integer)))
    for name, comment in ((ONTOLOGY_GRAPH, "the ontology alone"), (VOID_GRAPH, "the VoID and DCAT description")):
        named = BNode()
        graph = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, RDFS.comment, Literal(comment, lang="en")))
    return g


def service_description(request: Request, services):
    """The description in the format the request accepts (Turtle by default), or 406."""
    offer = choose(request.headers.get("accept"), RDF_OFFERS)
    if offer is None:
        return text_error(406, "the service description is available as " + ", ".join(RDF_OFFERS))
    endpoint = str(request.base_url).rstrip("/") + "/sparql"
    key = ("sd", endpoint, offer)
    body = services.memo.get(key)
    if body is None:
        g = service_graph(endpoint, services.settings)
        body = g.serialize(format=RDFLIB_FORMATS[offer]).encode("utf-8")
        services.memo[key] = body
    return Response(body, media_type=MEDIA[offer], headers={"Vary": "Accept"})


@router.get("/sparql/service-description", summary="The SPARQL 1.1 Service Description of /sparql",
            response_class=Response,
            responses={200: {"content": {m: {} for m in RDF_OFFERS}}, 406: {"description": "no acceptable format"}})
async def get_service_description(request: Request):
    return service_description(request, request.app.state.services)
