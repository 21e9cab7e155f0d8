"""The SPARQL 1.1 Protocol at /sparql (https://www.w3.org/TR/sparql11-protocol/), read-only.

- GET with `query=`; POST form-encoded (`query=`); POST `application/sparql-query` (the body is the
  query). `default-graph-uri` and `named-graph-uri` (repeatable) set the RDF dataset.
- The result format follows the Accept header, or a `format` parameter (json, xml, csv, tsv, turtle,
  nt, jsonld, rdfxml, or a media type) for clients that cannot set headers.
- Updates (an `update=` parameter, `application/sparql-update`, or an update sent as a query) get 403.
- GET /sparql with no query: the service description, or the query page for a browser.

The handlers are the hot path: parameters are parsed from the raw query string, the engine's bytes
are the response body.
"""

import re

from fastapi import APIRouter, Request
from starlette.responses import Response

from smartcity_kg.api import execute, ipc
from smartcity_kg.api.execute import READ_ONLY
from smartcity_kg.api.httputil import ApiError, decode_utf8, media_type_of, parse_form, read_body, text_error
from smartcity_kg.api.negotiation import choose, sparql_formats
from smartcity_kg.api.routes.service_description import RDF_OFFERS, service_description

router = APIRouter(tags=["SPARQL"])

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*\Z")

PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE). Without it: the service description.",
     "example": "SELECT ?batch ?date WHERE { ?b a sc:Batch ; sc:batchYear ?batch ; sc:announcementDate ?date }"},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True,
     "description": "A graph of the default graph (repeatable); overrides FROM."},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True,
     "description": "A named graph visible to GRAPH (repeatable); overrides FROM NAMED."},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Result format for clients that cannot set Accept: json, xml, csv, tsv, turtle, nt, jsonld, "
                    "rdfxml or a media type."},
]
RESPONSES = {
    200: {"description": "The results: SPARQL JSON/XML/CSV/TSV for SELECT and ASK; Turtle, N-Triples, JSON-LD "
                         "or RDF/XML for CONSTRUCT and DESCRIBE; with no query the service description.",
          "content": {m: {} for m in ("application/sparql-results+json", "application/sparql-results+xml",
                                      "text/csv", "text/tab-separated-values", "text/turtle",
                                      "application/n-triples", "application/ld+json", "application/rdf+xml")}},
    400: {"description": "Malformed query (the parser's message with line:column), nesting too deep, or bad "
                         "parameters", "content": {"text/plain": {}}},
    403: {"description": "An update, or SERVICE to an endpoint that is not allowed", "content": {"text/plain": {}}},
    406: {"description": "No acceptable format for this kind of result", "content": {"text/plain": {}}},
    413: {"description": "The query or the request body is larger than the limit", "content": {"text/plain": {}}},
    415: {"description": "POST with a content type other than form or sparql-query", "content": {"text/plain": {}}},
    422: {"description": "The query ran past the time limit and was stopped, its result is larger than the "
                         "limit, or it ended its worker process",
          "content": {"text/plain": {}}},
    503: {"description": "No query worker became free in time", "content": {"text/plain": {}}},
}
POST_BODY = {
    "requestBody": {
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                "query": {"type": "string"},
                "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                "format": {"type": "string"}}}},
        }
    },
}


def _graph_list(params, name):
    values = params.get(name)
    if values is None:
        return None
    for iri in values:
        if not _ABSOLUTE_IRI.match(iri):
            raise ApiError(400, f"{name} must be an absolute IRI, not {iri[:200]!r}")
    return values


async def answer(request: Request, params, query):
    """Run `query` with the protocol parameters and answer with the engine's bytes."""
    services = request.app.state.services
    fmt = params.get("format")
    results_format, graph_format = sparql_formats(request.headers.get("accept"), fmt[0] if fmt else None)
    if not results_format and not graph_format:
        raise ApiError(406, "none of the formats this endpoint writes is acceptable: SELECT and ASK as "
                            "application/sparql-results+json, application/sparql-results+xml, text/csv, "
                            "text/tab-separated-values; CONSTRUCT and DESCRIBE as text/turtle, "
                            "application/n-triples, application/ld+json, application/rdf+xml")
    default_graphs = _graph_list(params, "default-graph-uri")
    named_graphs = _graph_list(params, "named-graph-uri")
    if default_graphs is not None or named_graphs is not None:
        # The protocol's dataset replaces the query's FROM and FROM NAMED as a whole: what it leaves
        # out (no default-graph-uri, or no named-graph-uri) is empty.
        default_graphs = default_graphs or []
        named_graphs = named_graphs or []
    reply = await execute.run(services, query, results_format, graph_format, default_graphs, named_graphs)
    return Response(reply.body, media_type=ipc.media_type(reply.kind, reply.fmt), headers={"Vary": "Accept"})


def _single_query(params):
    if "update" in params:
        raise ApiError(403, READ_ONLY)
    queries = params.get("query")
    if queries is None:
        return None
    if len(queries) != 1:
        raise ApiError(400, f"a request carries exactly one query parameter, not {len(queries)}")
    return queries[0]


async def _no_query(request: Request):
    accept = request.headers.get("accept")
    if choose(accept, RDF_OFFERS + ("text/html",)) == "text/html":  # a browser asks for the page
        from smartcity_kg.api.routes.pages import query_page

        return await query_page(request)
    return service_description(request, request.app.state.services)


async def handle_get(request: Request):
    try:
        raw = request.scope.get("query_string", b"")
        settings = request.app.state.services.settings
        if len(raw) > 4 * settings.max_query_bytes:
            raise ApiError(413, f"the query string ({len(raw)} bytes) is larger than the limit of "
                                f"{4 * settings.max_query_bytes} bytes; POST large queries")
        params = parse_form(raw, "the query string")
        query = _single_query(params)
        if query is None:
            return await _no_query(request)
        return await answer(request, params, query)
    except ApiError as exc:
        return text_error(exc.status, exc.message, exc.headers)


async def handle_post(request: Request):
    try:
        settings = request.app.state.services.settings
        ctype = media_type_of(request)
        if ctype == "application/sparql-update":
            raise ApiError(403, READ_ONLY)
        if ctype not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise ApiError(415, "POST a query as application/x-www-form-urlencoded (query=…) or as "
                                f"application/sparql-query, not as {ctype or 'a body without Content-Type'}")
        body = await read_body(request, settings.max_request_bytes)
        params = parse_form(request.scope.get("query_string", b""), "the query string")
        if ctype == "application/x-www-form-urlencoded":
            for name, values in parse_form(body, "the form").items():
                params.setdefault(name, []).extend(values)
            query = _single_query(params)
            if query is None:
                raise ApiError(400, "the form carries no query parameter")
        else:
            if "query" in params or "update" in params:
                _single_query(params)
                raise ApiError(400, "with application/sparql-query the body is the query; "
                                    "do not also send a query parameter")
            query = decode_utf8(body, "the query")
        return await answer(request, params, query)
    except ApiError as exc:
        return text_error(exc.status, exc.message, exc.headers)


@router.get("/sparql", summary="SPARQL query (GET), or the service description without a query",
            response_class=Response, openapi_extra={"parameters": PARAMETERS}, responses=RESPONSES)
async def sparql_get(request: Request):
    return await handle_get(request)


@router.post("/sparql", summary="SPARQL query (POST form-encoded or application/sparql-query)",
             response_class=Response, openapi_extra={"parameters": PARAMETERS[1:], **POST_BODY},
             responses=RESPONSES)
async def sparql_post(request: Request):
    return await handle_post(request)


ALLOW = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = [(b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", b"Content-Type, Content-Length, Vary")]


async def fast_path(scope, receive, send):
    """GET, HEAD and POST /sparql straight to the handlers above, ahead of every middleware.

    The routes above document the operations (OpenAPI) and answer the same way; this skips the
    framework's middleware, routing and dependency machinery on the endpoint's hot path (scope["app"]
    is set by the caller). It adds the
    CORS header itself, as the CORS middleware would for a simple request (preflight OPTIONS requests
    take the normal path). True when the request was answered.
    """
    method = scope["method"]
    if method == "GET" or method == "HEAD":
        handler = handle_get
    elif method == "POST":
        handler = handle_post
    elif method == "OPTIONS":
        if any(name == b"access-control-request-method" for name, _ in scope["headers"]):
            return False  # a CORS preflight: the CORS middleware answers it
        await Response(status_code=204, headers={"Allow": ALLOW})(scope, receive, send)
        return True
    else:
        response = text_error(405, f"{method} is not a method of the SPARQL endpoint; use GET or POST "
                                   "(it is read-only)", {"Allow": ALLOW})
        await response(scope, receive, send)
        return True
    response = await handler(Request(scope, receive))
    for name, _value in scope["headers"]:
        if name == b"origin":
            response.raw_headers.extend(CORS_HEADERS)
            break
    await response(scope, receive, send)
    return True
