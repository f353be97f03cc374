"""HTML pages: one Jinja environment over the web templates and the report's shared partials,
security headers on every page, and errors shown as pages rather than JSON problems.

Every value on a page may come from a patient's files or an imported catalog, so autoescaping is
on for all templates and nothing is marked safe. The Content-Security-Policy allows scripts and
styles from this server only (no inline code), plus `data:` images for the report's plots.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrome.api.problems import PayloadTooLargeError, _integrome_error, _unexpected
from integrome.api.web_session import (
    CSRF_FIELD,
    SignInRequiredError,
    csrf_token,
    session_principal,
    set_csrf_cookie,
    sign_in_url,
)
from integrome.api.web_static import static_url
from integrome.errors import IntegromeError

__all__ = ["SECURITY_HEADERS", "WebRoute", "environment", "error_page", "render_page"]

log = logging.getLogger("integrome.api.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""`no-store`: pages show patient data, which must not stay in shared caches or be shown again
from the back button after sign-out."""

_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible here",
    411: "Length required",
    413: "Upload too large",
    415: "Unsupported upload",
    422: "Cannot use this input",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


@cache
def environment() -> Environment:
    """Web templates first, then the report partials of `integrome.deliver` (one report layout)."""
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader("integrome.api", "templates"), PackageLoader("integrome.deliver", "templates")]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    return env


def render_page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the signed-in user, the CSRF token and the current path available."""
    user = getattr(request.state, "web_user", None)
    if user is None and template == "error.html.j2":
        user = session_principal(request)
    html = (
        environment()
        .get_template(template)
        .render(
            user=user,
            csrf_field=CSRF_FIELD,
            csrf_token=csrf_token(request),
            path=request.url.path,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    set_csrf_cookie(response, request)
    return response


def error_page(request: Request, status: int, detail: str | None) -> HTMLResponse:
    return render_page(
        request,
        "error.html.j2",
        status=status,
        title=_TITLES.get(status, "Error"),
        status_code=status,
        detail=detail,
    )


class WebRoute(APIRoute):
    """A route whose failures are pages: no session → redirect to sign-in; an HTTP error, invalid
    input or an `IntegromeError` → an error page with the same status and one-line message the
    REST API would give (`problems`); anything else → a 500 page, logged like the API does."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def render_failures(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequiredError as exc:
                return RedirectResponse(sign_in_url(exc.next_path), status_code=303)
            except StarletteHTTPException as exc:
                detail = exc.detail if isinstance(exc.detail, str) else None
                return error_page(request, exc.status_code, detail)
            except RequestValidationError as exc:
                errors = exc.errors()
                first = errors[0] if errors else {}
                where = "/".join(str(part) for part in first.get("loc", ()) if part not in ("query", "path"))
                return error_page(request, 422, f"{where}: {first.get('msg', 'invalid')}")
            except PayloadTooLargeError as exc:
                return error_page(request, 413, str(exc))
            except IntegromeError as exc:
                problem = _integrome_error(request, exc)
                detail = json.loads(bytes(problem.body)).get("detail")
                return error_page(request, problem.status_code, detail)
            except Exception as exc:
                _unexpected(request, exc)
                return error_page(request, 500, "internal error; the administrator can find it in the log")

        return render_failures
