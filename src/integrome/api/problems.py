"""Errors over HTTP as RFC 9457 problem details (`application/problem+json`).

Every failure a client can cause gets a 4xx problem with a one-line `detail` it can act on: an
`InputError` keeps its message (file, place, what was expected) as 422; a missing record is 404;
a taken name 409. Server-side trouble is 503: an unreachable database, an unusable knowledge
base. Anything else is a bug: 500 with no detail, and the log gets the exception type and where
it was raised, never its message (it may quote patient data).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrome.errors import (
    ConfigError,
    DeliveryError,
    InputError,
    IntegromeError,
    KnowledgeBaseError,
    NotFoundError,
    StorageError,
)
from integrome.storage.base import ConflictError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PayloadTooLargeError",
    "Problem",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("integrome.api")

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="per-field problems of a request that failed validation"
    )


class PayloadTooLargeError(Exception):
    """The request body exceeds the configured upload limit (→ 413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the upload exceeds the limit of {limit} bytes")


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    problem = Problem(title=_TITLES.get(status, "Error"), status=status, detail=detail, errors=errors)
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems an endpoint can answer with."""
    return {
        status: {
            "model": Problem,
            "description": _TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def _http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail, headers=dict(exc.headers or {}))


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": "/".join(str(part) for part in error.get("loc", ())), "problem": error.get("msg", "")}
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"location": "request", "problem": "invalid"}
    return problem_response(422, f"{first['location']}: {first['problem']}", errors=errors)


def _integrome_error(_request: Request, exc: Exception) -> JSONResponse:
    message = " ".join(str(exc).split())
    if isinstance(exc, InputError):
        return problem_response(422, message)
    if isinstance(exc, NotFoundError):
        return problem_response(404, message)
    if isinstance(exc, ConflictError):
        return problem_response(409, message)
    if isinstance(exc, StorageError):
        log.error("storage error", extra={"error_type": type(exc).__name__})
        return problem_response(503, "the database is unavailable; try again later")
    if isinstance(exc, KnowledgeBaseError):
        log.error("knowledge base unusable", extra={"error_type": type(exc).__name__})
        return problem_response(503, f"the server's knowledge base is unusable: {message}")
    if isinstance(exc, ConfigError):
        return problem_response(400, message)
    if isinstance(exc, DeliveryError):
        log.error("report rendering failed", extra={"error_type": type(exc).__name__})
        return problem_response(500, f"the report could not be rendered: {message}")
    return problem_response(422, message)


def _too_large(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PayloadTooLargeError)
    return problem_response(413, str(exc))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"
    log.error(
        "unhandled error",
        extra={"error_type": type(exc).__name__, "where": where, "method": request.method},
    )
    return problem_response(500, "internal error; the administrator can find it in the server log")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegromeError, _integrome_error)
    app.add_exception_handler(PayloadTooLargeError, _too_large)
    app.add_exception_handler(Exception, _unexpected)
