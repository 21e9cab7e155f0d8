"""The framing between the server process and its query workers.

One request, one reply, over a Unix stream socket per worker. A request is a fixed header and the
UTF-8 query, default graphs and named graphs (IRIs joined by newlines); a reply is a fixed header and
the bytes the engine serialised (or a UTF-8 message). Nothing is re-encoded on the way: the reply body
is what the HTTP response carries.
"""

import struct

# op, results format, graph format, flags, len(query), len(default graphs), len(named graphs)
REQUEST = struct.Struct("!BBBBIII")
# status, kind of result, format used, len(body)
REPLY = struct.Struct("!BBBI")

OP_QUERY = 1

FLAG_DEFAULT_GRAPHS = 1     # the default graph is the merge of the graphs listed
FLAG_NAMED_GRAPHS = 2       # only the named graphs listed are visible to GRAPH
FLAG_STORE_DEFAULT = 4      # add the store's default graph to the listed default graphs (internal use)

OK = 0
SYNTAX_ERROR = 1            # the parser's message
EVALUATION_ERROR = 2        # raised while evaluating (e.g. an unsupported function)
NOT_ACCEPTABLE = 3          # no acceptable format for this kind of result
TOO_LARGE = 4               # the serialised result passed the cap
REMOTE_ERROR = 5            # an allowed SERVICE call failed
REFUSED = 6                 # the guard refused the query (400); the message
REFUSED_POLICY = 7          # the guard refused the query (403: SERVICE); the message
UPDATE_REFUSED = 8          # an update sent as a query
UNWRITABLE = 9              # the engine could not evaluate or write the result (I/O error); the message

KIND_SOLUTIONS = 1
KIND_BOOLEAN = 2
KIND_GRAPH = 3

# Format codes shared by both sides; the worker maps them to pyoxigraph formats.
RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV = 1, 2, 3, 4
GRAPH_TURTLE, GRAPH_NTRIPLES, GRAPH_JSONLD, GRAPH_RDFXML = 1, 2, 3, 4

RESULTS_MEDIA = {
    RESULTS_JSON: "application/sparql-results+json",
    RESULTS_XML: "application/sparql-results+xml",
    RESULTS_CSV: "text/csv; charset=utf-8",
    RESULTS_TSV: "text/tab-separated-values; charset=utf-8",
}
GRAPH_MEDIA = {
    GRAPH_TURTLE: "text/turtle; charset=utf-8",
    GRAPH_NTRIPLES: "application/n-triples",
    GRAPH_JSONLD: "application/ld+json",
    GRAPH_RDFXML: "application/rdf+xml",
}


def request_frame(query, results_format, graph_format, default_graphs=None, named_graphs=None,
                  store_default=False):
    """The bytes of one query request."""
    q = query.encode("utf-8")
    flags = 0
    dg = ng = b""
    if default_graphs is not None or store_default:
        flags |= FLAG_DEFAULT_GRAPHS
        dg = "\n".join(default_graphs or ()).encode("utf-8")
        if store_default:
            flags |= FLAG_STORE_DEFAULT
    if named_graphs is not None:
        flags |= FLAG_NAMED_GRAPHS
        ng = "\n".join(named_graphs).encode("utf-8")
    return REQUEST.pack(OP_QUERY, results_format, graph_format, flags, len(q), len(dg), len(ng)) + q + dg + ng


def media_type(kind, fmt):
    return GRAPH_MEDIA[fmt] if kind == KIND_GRAPH else RESULTS_MEDIA[fmt]
