"""Reading requests strictly and answering errors plainly.

Client input is decoded strictly (invalid UTF-8 is a 400, never a replacement character or a 500) and
bodies are read against a cap (413 before the whole body is in memory).
"""

from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

STATUS_TEXT = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
               406: "Not Acceptable", 413: "Content Too Large", 414: "URI Too Long",
               415: "Unsupported Media Type", 422: "Unprocessable Content",
               431: "Request Header Fields Too Large", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
MAX_FIELDS = 200


class ApiError(Exception):
    """An error to answer with `status` and `message` (and optional headers)."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def text_error(status, message, headers=None):
    """A plain-text error, the form SPARQL clients show their users."""
    body = f"{status} {STATUS_TEXT.get(status, '')}: {message}\n".encode("utf-8")
    return Response(body, status_code=status, media_type="text/plain; charset=utf-8", headers=headers)


def decode_utf8(data, what):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def parse_form(raw, what):
    """Name -> [values] of an application/x-www-form-urlencoded string, decoded strictly as UTF-8."""
    if isinstance(raw, bytes):
        raw = decode_utf8(raw, what)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"{what} is not valid UTF-8 once percent-decoded ({exc.reason} at offset {exc.start})") from None
    except ValueError as exc:
        raise ApiError(400, f"{what} cannot be read: {exc}") from None
    params = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def query_params(request: Request):
    return parse_form(request.scope.get("query_string", b""), "the query string")


DRAIN_FACTOR = 8


async def read_body(request: Request, limit):
    """The request body, or 413 once it is known to pass `limit` bytes.

    A body somewhat over the limit is read and dropped before the 413, so that a client that sends its
    whole body before reading the answer (most do) gets the status rather than a reset connection.
    """
    declared = None
    length = request.headers.get("content-length")
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            raise ApiError(400, "Content-Length is not a number") from None
    chunks = []
    size = 0
    over = declared is not None and declared > limit
    if over and declared > DRAIN_FACTOR * limit:
        raise ApiError(413, f"the request body ({declared} bytes) is larger than the limit of {limit} bytes")
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if over or size > limit:
                over = True
                chunks = []
                if size > DRAIN_FACTOR * limit:
                    break
                continue
            chunks.append(chunk)
    except ClientDisconnect:  # nobody is left to answer; end the request quietly
        raise ApiError(400, "the client closed the connection before the end of the body") from None
    if over:
        shown = f" ({declared} bytes)" if declared is not None else ""
        raise ApiError(413, f"the request body{shown} is larger than the limit of {limit} bytes")
    return b"".join(chunks)


def media_type_of(request: Request):
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
