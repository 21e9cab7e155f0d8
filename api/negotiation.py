"""Content negotiation: the Accept header (or a `format` parameter) to the formats the engine writes.

A SPARQL request is negotiated twice, once for a result set (SELECT, ASK) and once for a graph
(CONSTRUCT, DESCRIBE), because the form is only known once the engine has parsed the query.
"""

from functools import lru_cache

from smartcity_kg.api import ipc

# (media type, format code), in the server's order of preference.
RESULTS_TYPES = [
    ("application/sparql-results+json", ipc.RESULTS_JSON),
    ("application/sparql-results+xml", ipc.RESULTS_XML),
    ("text/csv", ipc.RESULTS_CSV),
    ("text/tab-separated-values", ipc.RESULTS_TSV),
    ("application/json", ipc.RESULTS_JSON),
    ("application/xml", ipc.RESULTS_XML),
    ("text/xml", ipc.RESULTS_XML),
    ("application/sparql-results+csv", ipc.RESULTS_CSV),
    ("application/sparql-results+tsv", ipc.RESULTS_TSV),
    ("text/json", ipc.RESULTS_JSON),
    ("application/javascript", ipc.RESULTS_JSON),
    ("text/javascript", ipc.RESULTS_JSON),
]
GRAPH_TYPES = [
    ("text/turtle", ipc.GRAPH_TURTLE),
    ("application/n-triples", ipc.GRAPH_NTRIPLES),
    ("application/ld+json", ipc.GRAPH_JSONLD),
    ("application/rdf+xml", ipc.GRAPH_RDFXML),
    ("application/x-turtle", ipc.GRAPH_TURTLE),
    ("application/turtle", ipc.GRAPH_TURTLE),
    ("text/n3", ipc.GRAPH_TURTLE),            # Turtle is N3
    ("text/rdf+n3", ipc.GRAPH_TURTLE),
    ("text/plain", ipc.GRAPH_NTRIPLES),       # N-Triples' old media type
    ("application/x-json+ld", ipc.GRAPH_JSONLD),
    ("application/json", ipc.GRAPH_JSONLD),
    ("application/xml", ipc.GRAPH_RDFXML),
    ("text/xml", ipc.GRAPH_RDFXML),
]

# The `format` parameter: short names and media types.
FORMAT_NAMES = {
    "json": (ipc.RESULTS_JSON, ipc.GRAPH_JSONLD),
    "xml": (ipc.RESULTS_XML, ipc.GRAPH_RDFXML),
    "csv": (ipc.RESULTS_CSV, 0),
    "tsv": (ipc.RESULTS_TSV, 0),
    "turtle": (0, ipc.GRAPH_TURTLE),
    "ttl": (0, ipc.GRAPH_TURTLE),
    "n-triples": (0, ipc.GRAPH_NTRIPLES),
    "ntriples": (0, ipc.GRAPH_NTRIPLES),
    "nt": (0, ipc.GRAPH_NTRIPLES),
    "json-ld": (0, ipc.GRAPH_JSONLD),
    "jsonld": (0, ipc.GRAPH_JSONLD),
    "rdf/xml": (0, ipc.GRAPH_RDFXML),
    "rdfxml": (0, ipc.GRAPH_RDFXML),
    "rdf-xml": (0, ipc.GRAPH_RDFXML),
    "rdf": (0, ipc.GRAPH_RDFXML),
    "rdf+xml": (0, ipc.GRAPH_RDFXML),
    "n3": (0, ipc.GRAPH_TURTLE),            # Turtle is N3 (SPARQLWrapper sends format=n3)
}
RESULTS_NAMES = "application/sparql-results+json, application/sparql-results+xml, text/csv, text/tab-separated-values"
GRAPH_NAMES = "text/turtle, application/n-triples, application/ld+json, application/rdf+xml"


def parse_accept(header):
    """[(type, subtype, q, position)] of an Accept header; malformed entries are skipped."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        ranges.append((main.strip(), sub.strip(), q, position))
    return ranges


def best(ranges, offers):
    """The code of the best offer for the parsed Accept ranges, or 0 when none is acceptable."""
    chosen, chosen_key = 0, None
    for order, (media, code) in enumerate(offers):
        main, _, sub = media.partition("/")
        match = None  # (specificity, q, position)
        for rmain, rsub, q, position in ranges:
            if rmain == main and rsub == sub:
                spec = 3
            elif rmain == main and rsub == "*":
                spec = 2
            elif rmain == "*" and rsub == "*":
                spec = 1
            else:
                continue
            if match is None or spec > match[0]:
                match = (spec, q, position)
        if match is None or match[1] <= 0:
            continue
        spec, q, position = match
        # Higher q first; then a type the client named over a wildcard; then the client's order; then ours.
        key = (q, spec == 3, -position if spec == 3 else 0, -order)
        if chosen_key is None or key > chosen_key:
            chosen, chosen_key = code, key
    return chosen


@lru_cache(maxsize=512)
def sparql_formats(accept, fmt=None):
    """(results format code, graph format code) for an Accept header or a `format` value; 0 = none."""
    if fmt:
        name = fmt.strip().lower()
        if name in FORMAT_NAMES:
            return FORMAT_NAMES[name]
        ranges = parse_accept(name)
    else:
        ranges = parse_accept(accept or "*/*")
        if not ranges:
            ranges = parse_accept("*/*")
    return best(ranges, RESULTS_TYPES), best(ranges, GRAPH_TYPES)


@lru_cache(maxsize=256)
def choose(accept, offers):
    """The best of `offers` (a tuple of media types) for an Accept header, or None."""
    ranges = parse_accept(accept or "*/*") or parse_accept("*/*")
    code = best(ranges, [(m, i + 1) for i, m in enumerate(offers)])
    return offers[code - 1] if code else None
