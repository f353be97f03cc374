"""Shared FastAPI dependencies: settings, repository, job runner, the caller and role checks.

Routers (ours, the CDS Hooks router, the web pages) take what they need from here instead of
reaching into `app.state`, so a test app built by `create_app(settings)` wires everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer

from integrome.api.audit import record_refusal
from integrome.api.auth import Authenticator, Principal
from integrome.api.jwt import TokenError
from integrome.settings import Settings
from integrome.storage.base import Repository, Role
from integrome.storage.blobs import BlobStore

if TYPE_CHECKING:
    from integrome.api.jobs import JobRunner

__all__ = [
    "AppSettings",
    "Caller",
    "Repo",
    "client_ip",
    "current_principal",
    "get_authenticator",
    "get_blobs",
    "get_jobs",
    "get_pseudonym_key",
    "get_repository",
    "get_settings",
    "require_roles",
]

TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_repository(request: Request) -> Repository:
    repository: Repository = request.app.state.repository
    return repository


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def get_jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


def get_blobs(request: Request) -> BlobStore:
    blobs: BlobStore = request.app.state.blobs
    return blobs


def get_pseudonym_key(request: Request) -> bytes:
    key: bytes = request.app.state.pseudonym_key
    return key


def client_ip(request: Request) -> str | None:
    """The peer address as the server sees it (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client is not None else None


def current_principal(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
) -> Principal:
    """401 with `WWW-Authenticate: Bearer` (RFC 6750) unless a valid bearer token is sent."""
    if not token:
        raise HTTPException(401, "a bearer token is required", headers=_CHALLENGE)
    try:
        return authenticator.authenticate(token)
    except TokenError as exc:
        raise HTTPException(
            401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc


def require_roles(*roles: Role, audit_action: str | None = None) -> Callable[..., Principal]:
    """A dependency that lets only `roles` through (admin always) and answers 403 otherwise.

    With `audit_action` (endpoints that touch patient data) a refusal is written to the audit log.
    """
    allowed = {*roles, "admin"}

    def check(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        repository: Annotated[Repository, Depends(get_repository)],
    ) -> Principal:
        if principal.role not in allowed:
            if audit_action is not None:
                record_refusal(repository, principal, audit_action, client_ip=client_ip(request))
            raise HTTPException(403, f"the {principal.role} role may not use this endpoint")
        return principal

    return check


AppSettings = Annotated[Settings, Depends(get_settings)]
Repo = Annotated[Repository, Depends(get_repository)]
Caller = Annotated[Principal, Depends(current_principal)]
