"""Checks on every request before any route: header size, UTF-8 in the path and query string; HEAD as GET."""

from urllib.parse import unquote_to_bytes

from starlette.requests import Request

from smartcity_kg.api.errors import error_response
from smartcity_kg.api.httputil import ApiError

MAX_HEADER_BYTES = 65536


def _utf8(raw, what):
    if raw and b"%" in raw:
        try:
            unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"{what} is not valid UTF-8 once percent-decoded ({exc.reason} at offset "
                                f"{exc.start})") from None


def check_request_line(scope, query_string=True):
    """ApiError for header fields above MAX_HEADER_BYTES (431), or for a path (and query string) that is
    not UTF-8 once percent-decoded (400)."""
    size = 0
    for name, value in scope["headers"]:
        size += len(name) + len(value) + 4
    if size > MAX_HEADER_BYTES:
        raise ApiError(431, f"the request's header fields ({size} bytes) are larger than the limit of "
                            f"{MAX_HEADER_BYTES} bytes")
    _utf8(scope.get("raw_path"), "the path")
    if query_string:
        _utf8(scope.get("query_string"), "the query string")


async def refused(scope, receive, send, query_string=True):
    """Answer the request with its error and return True when check_request_line refuses it."""
    try:
        check_request_line(scope, query_string)
    except ApiError as exc:
        request = Request(scope, receive)
        await error_response(request, exc.status, exc.message)(scope, receive, send)
        return True
    return False


class RequestChecks:
    """ASGI middleware: check_request_line, and HEAD answered as GET (RFC 9110, 9.3.2).

    The routes declare GET only; for HEAD the server (uvicorn) sends the headers of the response and
    drops its body.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if await refused(scope, receive, send):
                return
            if scope["method"] == "HEAD":
                scope = dict(scope, method="GET")
        await self.app(scope, receive, send)
