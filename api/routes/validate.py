"""POST /validate: the check `smartcity-kg validate FILE` runs, on an uploaded addition.

The body is the addition (Content-Type text/turtle, application/ld+json or text/csv), or a
multipart form with the file in a field named `file` (its format from its name: .ttl, .jsonld, .csv).
The answer is the report: JSON by default (conforms, exit_code, summary, counts, one entry per problem
with its messages in zh and en, the text lines and the standard SHACL report as JSON-LD), the SHACL report as Turtle for Accept: text/turtle, the text lines for text/plain.
200 whether or not the addition conforms: the check ran; `conforms` and `exit_code` say the outcome.

Nothing an upload names is fetched: JSON-LD with a remote @context or @import is refused (400), XML
is not accepted, and the validator runs in a process without network.
"""

import json

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from smartcity_kg.api.httputil import ApiError, decode_utf8, media_type_of, read_body
from smartcity_kg.api.negotiation import choose
from smartcity_kg.api.validation import ValidationBusy, ValidationFailed, ValidationTimeout, ValidationUnavailable

router = APIRouter(tags=["Validation"])

# Content type or file extension -> the format name Validator.validate_addition takes.
BY_MEDIA = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/ld+json": "json-ld",
            "application/json": "json-ld", "text/csv": "csv"}
BY_EXTENSION = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".csv": "csv"}
REPORT_OFFERS = ("application/json", "text/turtle", "text/plain")
MAX_JSON_DEPTH = 64


def _check_jsonld(data):
    """400 for JSON that is not JSON, or that would make a JSON-LD processor fetch a remote context."""
    try:
        doc = json.loads(decode_utf8(data, "the upload"))
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the upload is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "the upload nests JSON too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python reads (4300 digits)
        raise ApiError(400, f"the upload cannot be read as JSON: {exc}") from None

    def contexts(node, depth):
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, f"the upload nests JSON deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    yield value
                if key == "@import":
                    raise ApiError(400, "JSON-LD @import is not followed here: inline the context")
                yield from contexts(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                yield from contexts(value, depth + 1)

    def remote(ctx):
        if isinstance(ctx, str):
            return True
        if isinstance(ctx, list):
            return any(remote(c) for c in ctx)
        return False

    for ctx in contexts(doc, 0):
        if remote(ctx):
            raise ApiError(400, "remote JSON-LD contexts are not fetched here: inline the @context "
                                "(a JSON object) instead of naming it by IRI")


def _format_for(name, ctype):
    if ctype in BY_MEDIA:
        return BY_MEDIA[ctype]
    for ext, fmt in BY_EXTENSION.items():
        if name and name.lower().endswith(ext):
            return fmt
    raise ApiError(415, "send the addition as text/turtle, application/ld+json or text/csv "
                        "(or as a file named .ttl, .jsonld or .csv in a multipart form field `file`)")


async def _upload(request: Request, limit):
    ctype = media_type_of(request)
    body = await read_body(request, limit)
    if ctype == "multipart/form-data":
        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        form_request = Request(request.scope, replay)
        try:
            form = await form_request.form(max_files=1, max_fields=10)
        except Exception as exc:
            raise ApiError(400, f"the multipart form cannot be read: {exc}") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "the multipart form has no file field named `file`")
        data = await upload.read()
        part_type = (upload.content_type or "").split(";")[0].strip().lower()
        return data, _format_for(upload.filename, part_type if part_type in BY_MEDIA else "")
    if ctype in ("application/xml", "text/xml", "application/rdf+xml"):
        raise ApiError(415, "XML uploads are not accepted (send Turtle, JSON-LD or CSV)")
    return body, _format_for(None, ctype)


@router.post("/validate", summary="Check a proposed addition against the shapes (as `smartcity-kg validate`)",
             response_class=Response,
             openapi_extra={"requestBody": {"content": {
                 "text/turtle": {"schema": {"type": "string"}},
                 "application/ld+json": {"schema": {"type": "object"}},
                 "text/csv": {"schema": {"type": "string"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}},
             responses={200: {"description": "The validation report (conforms or not)",
                              "content": {m: {} for m in REPORT_OFFERS}},
                        400: {"description": "The upload cannot be read, or names a remote JSON-LD context"},
                        406: {"description": "No acceptable report format"},
                        413: {"description": "The upload is larger than the limit"},
                        415: {"description": "Not Turtle, JSON-LD or CSV"},
                        503: {"description": "The validator is not available on this server, or other uploads are being "
                                             "checked (two may wait; Retry-After)"},
                        422: {"description": "The validation ran past its time limit and was stopped"}})
async def validate(request: Request):
    services = request.app.state.services
    offer = choose(request.headers.get("accept"), REPORT_OFFERS)
    if offer is None:
        raise ApiError(406, "the report is available as " + ", ".join(REPORT_OFFERS))
    data, fmt = await _upload(request, services.settings.max_upload_bytes)
    if not data.strip():
        raise ApiError(400, "the upload is empty")
    if fmt == "json-ld":
        _check_jsonld(data)
    else:
        decode_utf8(data, "the upload")
    try:
        report = await services.validator.validate(data, fmt)
    except ValidationTimeout:
        raise ApiError(422, f"the validation ran longer than {services.settings.validate_timeout:g} s and was "
                            "stopped") from None
    except ValidationUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    except ValidationBusy:
        raise ApiError(503, "other uploads are being checked; try again in a minute", {"Retry-After": "60"}) from None
    except ValidationFailed as exc:
        raise ApiError(400, str(exc)) from None
    if offer == "text/turtle" and report.get("turtle") is not None:
        return Response(report["turtle"], media_type="text/turtle; charset=utf-8")
    if offer == "text/plain" and report.get("text") is not None:
        return Response(report["text"], media_type="text/plain; charset=utf-8")
    shacl = report.get("json")
    try:
        shacl = json.loads(shacl) if isinstance(shacl, str) else shacl
    except ValueError:
        pass
    return JSONResponse({**report["summary"], "format": fmt, "text": report.get("text"), "shacl_report": shacl})
