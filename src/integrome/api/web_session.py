"""Browser sessions for the web pages: the REST API's JWT in a cookie, and CSRF protection.

A browser cannot be trusted to keep a bearer token safe from page scripts, so the web sign-in puts
the same locally issued JWT (`Authenticator.issue`) in an HttpOnly, SameSite=Lax cookie (Secure
over https) and every page request is authenticated exactly like an API call
(`Authenticator.authenticate`): a deactivated user or a changed role takes effect at once.

Cookies ride along on cross-site form posts, so every state-changing request also carries a CSRF
token (OWASP CSRF Prevention Cheat Sheet, "double submit cookie"): a random value in its own
HttpOnly, SameSite=Strict cookie that the page repeats in a hidden form field or an
`X-CSRF-Token` header; the two must match. When the browser names the request's `Origin`, it must
be this server's origin too (the cheat sheet's "verifying origin with standard headers").
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response

from integrome.api.audit import record_refusal
from integrome.api.auth import Principal
from integrome.api.dependencies import Repo, client_ip, get_authenticator
from integrome.api.jwt import TokenError
from integrome.storage.base import Role

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "HOME",
    "SESSION_COOKIE",
    "WEB_PREFIX",
    "SignInRequiredError",
    "csrf_token",
    "end_session",
    "page_roles",
    "page_user",
    "safe_next",
    "session_principal",
    "set_csrf_cookie",
    "sign_in_url",
    "start_session",
    "verify_csrf",
]

SESSION_COOKIE = "integrome_session"
CSRF_COOKIE = "integrome_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
WEB_PREFIX = "/web"
HOME = f"{WEB_PREFIX}/"


class SignInRequiredError(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: only a path of this web app (no open redirect to another site)."""
    if not value or not value.startswith(f"{WEB_PREFIX}/") or value.startswith("//") or "\\" in value:
        return HOME
    return value


def sign_in_url(next_path: str) -> str:
    target = safe_next(next_path)
    if target == HOME:
        return f"{WEB_PREFIX}/signin"
    return f"{WEB_PREFIX}/signin?next={quote(target, safe='/')}"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def session_principal(request: Request) -> Principal | None:
    """The signed-in user behind the session cookie, or None (no cookie, expired, user gone)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return get_authenticator(request).authenticate(token)
    except TokenError:
        return None


def page_user(request: Request) -> Principal:
    """Dependency of every signed-in page; without a session the page redirects to sign-in."""
    principal = session_principal(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequiredError(target)
    request.state.web_user = principal
    return principal


def page_roles(*roles: Role, audit_action: str | None = None) -> Callable[..., Principal]:
    """Like `dependencies.require_roles`, for pages: admins always pass; a refusal is a 403 page,
    audited when the page shows patient data."""
    allowed = {*roles, "admin"}

    def check(
        request: Request, principal: Annotated[Principal, Depends(page_user)], repository: Repo
    ) -> Principal:
        if principal.role not in allowed:
            if audit_action is not None:
                record_refusal(repository, principal, audit_action, client_ip=client_ip(request))
            raise HTTPException(403, f"the {principal.role} role may not open this page")
        return principal

    return check


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser: the cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_token", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    return str(token)


def set_csrf_cookie(response: Response, request: Request) -> None:
    """Set the cookie when `csrf_token` minted a new token during this request."""
    token = getattr(request.state, "new_csrf_token", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, path=WEB_PREFIX, httponly=True, samesite="strict", secure=_secure(request)
        )


def verify_csrf(request: Request, submitted: str | None) -> None:
    """403 unless `submitted` equals the CSRF cookie and the request comes from this origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "the form was sent from another site")
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise HTTPException(403, "the form has expired; reload the page and send it again")
