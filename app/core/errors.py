"""The AppError family and the handlers that render every error in one JSON shape.

Shape: ``{"error": {"code", "message", "field", "details", "request_id"}}``. Services raise
AppError subclasses, never HTTPException; nothing a client sends may produce a trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("opencall.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        self.message = message or self.message
        self.field = field
        self.details = details
        if code:
            self.code = code
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(AppError):
    pass


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Log in to do this."


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "You may not do this."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "This conflicts with the current state."


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_attempts"
    message = "Too many attempts."

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})


class Unprocessable(AppError):
    """A well-formed request that breaks a rule of its fields (422, like validation)."""

    status_code = 422
    code = "validation_error"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    message = "The database is unavailable; try again shortly."


class ErrorDetail(BaseModel):
    field: str | None
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[ErrorDetail] = []
    request_id: str | None = None


class ErrorResponse(BaseModel):
    """Every error the API returns has this shape."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can answer (422 always)."""
    return {status: {"model": ErrorResponse} for status in sorted({*statuses, 422})}


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "field": field,
            "details": details if details is not None else [{"field": field, "message": message}],
            "request_id": getattr(request.state, "request_id", None),
        }
    }
    return JSONResponse(body, status_code=status_code, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


_VALIDATION_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request; remove it",
    "json_invalid": "the body is not valid JSON",
    "model_attributes_type": "the body must be a JSON object",
    "dict_type": "must be a JSON object",
}


def _describe(err: dict[str, Any]) -> str:
    """A message for one validation error that never echoes the value the client sent."""
    kind = err.get("type", "")
    if kind in _VALIDATION_MESSAGES:
        return _VALIDATION_MESSAGES[kind]
    ctx = err.get("ctx") or {}
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        # Our own validators raise ValueError with a message written for the user.
        reason = str(ctx.get("error", "")) or "is not valid"
        return reason
    # pydantic's own messages describe the expected type or bound, not the input.
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        # For unparsable JSON the location is a character offset, not a field.
        field = (
            None if err.get("type") == "json_invalid" else _field_name(tuple(err.get("loc", ())))
        )
        details.append({"field": field, "message": _describe(err)})
    if not details:
        details = [{"field": None, "message": "The request is not valid."}]
    first = details[0]
    message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    return error_response(
        request, 422, "validation_error", message, field=first["field"], details=details
    )


async def _app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(
        request,
        exc.status_code,
        exc.code,
        exc.message,
        field=exc.field,
        details=exc.details,
        headers=exc.headers,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def make_http_handler(not_found_page: str | None) -> Any:
    async def _http_handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if (
            exc.status_code == 404
            and not_found_page
            and not path.startswith("/api")
            and "text/html" in request.headers.get("accept", "")
        ):
            return FileResponse(not_found_page, status_code=404, media_type="text/html")
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers 400 for a JSON body that is not UTF-8; such a body is not JSON
            # (RFC 8259 §8.1), so it gets the 422 every other unparsable body gets.
            message = _VALIDATION_MESSAGES["json_invalid"]
            return error_response(request, 422, "validation_error", message)
        if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
            # Arrays or objects nested thousands deep: Python's parser gives up. No form of
            # OpenCall's nests more than a few levels.
            message = "the body is nested too deeply to read; no field of OpenCall's nests so"
            return error_response(request, 422, "validation_error", message)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404:
            message = f"There is nothing at {path}."
        return error_response(
            request, exc.status_code, code, message, headers=getattr(exc, "headers", None)
        )

    return _http_handler


async def _database_down_handler(request: Request, exc: Exception) -> Response:
    log.warning(
        "database unavailable (request %s): %s",
        getattr(request.state, "request_id", None),
        exc.__class__.__name__,
    )
    return error_response(
        request,
        503,
        "service_unavailable",
        ServiceUnavailable.message,
        headers={"Retry-After": "5"},
    )


async def _unexpected_handler(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unexpected error (request %s)", request_id)
    return error_response(
        request,
        500,
        "internal_error",
        f"Something went wrong on our side. Quote request id {request_id} when reporting it.",
    )


def _is_connection_error(exc: Exception) -> bool:
    return isinstance(exc, PoolTimeoutError) or (
        isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
    )


async def _out_of_range_handler(request: Request, exc: Exception) -> Response:
    # A number the client sent (a path id, a cursor) beyond what the database column holds:
    # PostgreSQL refuses it (DataError), SQLite's driver cannot even bind it (OverflowError).
    return error_response(
        request,
        422,
        "out_of_range",
        "A number in the request is too large; ids are whole numbers up to 2147483647.",
    )


async def _dbapi_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError) or _is_connection_error(exc):
        return await _database_down_handler(request, exc)
    if isinstance(exc, DataError) and "out of range" in str(exc.orig):
        return await _out_of_range_handler(request, exc)
    return await _unexpected_handler(request, exc)


def install_error_handlers(app: FastAPI, not_found_page: str | None) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, make_http_handler(not_found_page))
    app.add_exception_handler(DBAPIError, _dbapi_handler)
    app.add_exception_handler(PoolTimeoutError, _database_down_handler)
    app.add_exception_handler(OverflowError, _out_of_range_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
