"""IRIs as people see them: local links, compact names, labels.

The dataset's IRIs live under https://w3id.org/smartcity-kg/; this server answers for all of them, so
an IRI in that namespace becomes a local path (…/id/X -> /id/X, …/def#T -> /def#T) and a page works
without the public domain. Other IRIs stay as they are.
"""

import pyoxigraph as ox

from smartcity_kg.namespaces import QUERY_PREFIXES as PREFIX_MAP

# Longest namespace first, so scid: wins over a shorter match.
_BY_LENGTH = sorted(((ns, prefix) for prefix, ns in PREFIX_MAP.items()), key=lambda x: -len(x[0]))
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
MEDIA = {
    "text/turtle": "text/turtle; charset=utf-8",
    "application/ld+json": "application/ld+json",
    "application/n-triples": "application/n-triples",
    "application/rdf+xml": "application/rdf+xml",
    "text/html": "text/html; charset=utf-8",
}
FORMAT_PARAM = {"ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
                "json-ld": "application/ld+json", "json": "application/ld+json", "nt": "application/n-triples",
                "ntriples": "application/n-triples", "n-triples": "application/n-triples",
                "rdf": "application/rdf+xml", "rdfxml": "application/rdf+xml", "xml": "application/rdf+xml",
                "html": "text/html"}


def local_href(iri, base):
    """A server-relative link for an IRI in the dataset's namespace, the IRI itself otherwise."""
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return iri


def curie(iri):
    for ns, prefix in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            if all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
    return None


# Prefixes for the RDF the server writes: scid: aside, since instance IRIs (…/id/pilot/2012-wuhan)
# would need escaped slashes (scid:pilot\/2012-wuhan); written in full they read better.
OUTPUT_PREFIXES = {p: ns for p, ns in PREFIX_MAP.items() if p != "scid"}


def convert(ntriples, media):
    """N-Triples bytes re-serialised by the engine's serialisers, with the project's prefixes."""
    fmt = RDF_FORMATS[media]
    if fmt == ox.RdfFormat.N_TRIPLES:
        return ntriples
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=fmt, prefixes=OUTPUT_PREFIXES)
