"""One query through the guard and the worker pool, with every outcome mapped to an HTTP status.

| outcome                                   | status |
|-------------------------------------------|--------|
| malformed query (parser message, line:col)| 400    |
| nested deeper than the limit              | 400    |
| an update sent as a query, SERVICE refused| 403    |
| no acceptable format for the result       | 406    |
| query text above the cap                  | 413    |
| result above the cap, the query ended its | 422    |
| worker (crash, memory limit), or it ran   |        |
| past the timeout (its worker is killed)   |        |
| an allowed SERVICE endpoint failed        | 502    |
| no worker free before the deadline        | 503    |
"""

import asyncio
import json

from pyoxigraph import NamedNode

from smartcity_kg.api import ipc
from smartcity_kg.api.engine import EngineUnavailable, Overloaded, QueryTimeout, WorkerLost
from smartcity_kg.api.httputil import ApiError
from smartcity_kg.api.negotiation import GRAPH_NAMES, RESULTS_NAMES

READ_ONLY = ("this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, "
             "COPY) is refused")


def check_size(query, settings):
    if len(query) * 4 > settings.max_query_bytes:
        size = len(query.encode("utf-8"))
        if size > settings.max_query_bytes:
            raise ApiError(413, f"the query ({size} bytes) is larger than the limit of {settings.max_query_bytes} bytes")


async def run(services, query, results_format, graph_format, default_graphs=None, named_graphs=None,
              store_default=False):
    """The engine's Reply for a query that succeeded; ApiError otherwise."""
    settings = services.settings
    check_size(query, settings)
    frame = ipc.request_frame(query, results_format, graph_format, default_graphs, named_graphs, store_default)
    loop = asyncio.get_running_loop()
    try:
        reply = await services.engine.run(frame, loop.time() + settings.query_timeout)
    except QueryTimeout:
        raise ApiError(422, f"the query ran longer than this endpoint's limit of {settings.query_timeout:g} s "
                            "and was stopped") from None
    except Overloaded:
        raise ApiError(503, f"all {settings.workers} query workers stayed busy for {settings.query_timeout:g} s; "
                            "try again later", {"Retry-After": "5"}) from None
    except WorkerLost:
        raise ApiError(422, "the query ended the engine process evaluating it (a crash, or more than the "
                            f"memory limit of {settings.worker_memory_mb} MiB); the process has been replaced. "
                            "Simplify the query or add a LIMIT") from None
    except EngineUnavailable as exc:
        raise ApiError(503, f"the query engine is not available: {exc}", {"Retry-After": "5"}) from None
    status = reply.status
    if status == ipc.OK:
        return reply
    message = reply.body.decode("utf-8", "replace")
    if status == ipc.SYNTAX_ERROR:
        raise ApiError(400, f"malformed query: {message}")
    if status == ipc.UPDATE_REFUSED:
        raise ApiError(403, READ_ONLY)
    if status == ipc.REFUSED:
        raise ApiError(400, message)
    if status == ipc.REFUSED_POLICY:
        raise ApiError(403, message)
    if status == ipc.UNWRITABLE:
        raise ApiError(422, f"the query's result cannot be produced: {message}")
    if status == ipc.NOT_ACCEPTABLE:
        if reply.kind == ipc.KIND_GRAPH:
            raise ApiError(406, f"a CONSTRUCT or DESCRIBE result can be served as {GRAPH_NAMES}; "
                                "none of them is acceptable to this request")
        raise ApiError(406, f"a SELECT or ASK result can be served as {RESULTS_NAMES}; "
                            "none of them is acceptable to this request")
    if status == ipc.TOO_LARGE:
        raise ApiError(422, f"the result is larger than this endpoint's limit of {settings.max_result_bytes} bytes; "
                            "add a LIMIT or narrow the query")
    if status == ipc.REMOTE_ERROR:
        raise ApiError(502, f"a SERVICE endpoint failed: {message}")
    raise ApiError(400, f"the query cannot be evaluated: {message}")


async def select(services, query, **kwargs):
    """Rows of a SELECT as dicts of SPARQL JSON terms (for the server's own pages)."""
    reply = await run(services, query, ipc.RESULTS_JSON, 0, **kwargs)
    data = json.loads(reply.body)
    return data["results"]["bindings"]


async def construct_ntriples(services, query, **kwargs):
    reply = await run(services, query, 0, ipc.GRAPH_NTRIPLES, **kwargs)
    return reply.body


def sparql_iri(iri):
    """`<iri>` for an IRI that is safe to put in a query, else ApiError 404."""
    if not iri or any(c in iri for c in '<>"{}|^`\\') or any(ord(c) <= 0x20 for c in iri):
        raise ApiError(404, "no such resource")
    try:
        NamedNode(iri)  # the engine's own IRI syntax (e.g. a % not followed by two hex digits)
    except ValueError:
        raise ApiError(404, "no such resource") from None
    return f"<{iri}>"


def sparql_string(text):
    """A SPARQL string literal for any text."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"'
