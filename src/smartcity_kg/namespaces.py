"""The namespaces of the graph, in one place."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

BASE = "https://w3id.org/smartcity-kg/"
SC = Namespace(BASE + "def#")
ID = Namespace(BASE + "id/")
ONTOLOGY = BASE + "def"
SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "sc": SC, "scid": ID, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
    "dcterms": DCTERMS, "prov": PROV, "org": ORG, "foaf": FOAF, "schema": SCHEMA,
    "void": VOID, "dcat": DCAT, "geo": GEO, "wd": WD,
}

# The prefixes every query may use without declaring them (the command line and the endpoint alike).
QUERY_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def bind_all(graph):
    """Bind the project's prefixes on an rdflib graph."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def sparql_prologue():
    """PREFIX lines for every namespace above, for queries written in code."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
