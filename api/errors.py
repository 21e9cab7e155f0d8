"""Exception handlers: every error leaves as a status with a message, never as a bare 500 for client input."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from smartcity_kg.api.httputil import ApiError, STATUS_TEXT, text_error

log = logging.getLogger("smartcity_kg.api")


def _wants_json(request: Request):
    return request.url.path.startswith("/api/") or request.url.path.startswith("/validate")


def error_response(request: Request, status, message, headers=None):
    if _wants_json(request):
        return JSONResponse({"status": status, "error": STATUS_TEXT.get(status, ""), "detail": message},
                            status_code=status, headers=headers)
    accept = request.headers.get("accept", "")
    if "text/html" in accept and request.method == "GET":
        from smartcity_kg.api.routes.pages import html_error

        return html_error(request, status, message, headers)
    return text_error(status, message, headers)


async def api_error(request: Request, exc: ApiError):
    return error_response(request, exc.status, exc.message, exc.headers)


async def http_error(request: Request, exc: StarletteHTTPException):
    detail = exc.detail if isinstance(exc.detail, str) else STATUS_TEXT.get(exc.status_code, "error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing is served at {request.url.path}"
    return error_response(request, exc.status_code, detail, getattr(exc, "headers", None))


async def validation_error(request: Request, exc: RequestValidationError):
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return error_response(request, 400, "invalid parameters: " + "; ".join(parts))


async def unexpected_error(request: Request, exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(request, 500, f"internal error ({type(exc).__name__}); the server goes on serving")


def install(app: FastAPI):
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
