"""Sign-in (OAuth2 password flow, RFC 6749 section 4.3), sign-out and user administration.

Tokens are short-lived bearer JWTs (`access_token_minutes`); there are no refresh tokens, the
client signs in again. Sign-out revokes the presented token until it expires; an admin can
revoke every token a user holds, deactivate a user (which revokes their tokens too) and link lab
users to the laboratories whose catalogs they publish. All of it is stored in the database, so
every server process honours it from the next request. Sign-ins, successful or not, sign-outs
and every administrative change are written to the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from integrome.api.audit import record
from integrome.api.auth import Authenticator, Principal, hash_password, verify_password
from integrome.api.dependencies import (
    Caller,
    Repo,
    client_ip,
    get_authenticator,
    oauth2_scheme,
    require_roles,
)
from integrome.api.jwt import TokenError
from integrome.api.problems import problem_responses
from integrome.errors import NotFoundError
from integrome.storage.base import LAB_ID, AuditEvent, Role, UserRecord

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class Me(BaseModel):
    name: str
    role: Role
    issuer: str


class UserOut(BaseModel):
    name: str
    role: Role
    active: bool
    external: bool = Field(description="signs in through an external identity provider")


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    role: Role
    password: str = Field(min_length=12, max_length=1024)


class UserChange(BaseModel):
    active: bool = Field(description="false deactivates the user and revokes every token they hold")


UserName = Annotated[
    str, Path(min_length=1, max_length=500, description="user name (external users: issuer#subject)")
]
LabId = Annotated[str, Path(pattern=LAB_ID, description="a laboratory: a catalog provider id")]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def _user_out(user: UserRecord) -> UserOut:
    return UserOut(name=user.name, role=user.role, active=user.active, external=user.password_hash is None)


@router.post("/auth/token", response_model=Token, responses=problem_responses(400, 422))
def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    repository: Repo,
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
) -> Token:
    """Exchange a local user's name and password for a bearer token."""
    with repository.transaction() as tx:
        try:
            user: UserRecord | None = tx.get_user(form.username)
        except NotFoundError:
            user = None
        valid = verify_password(form.password, user.password_hash if user is not None else None)
        accepted = user is not None and user.active and valid
        tx.append_audit(
            AuditEvent(
                actor=form.username[:200],
                role=user.role if user is not None else "unknown",
                action="login",
                outcome="success" if accepted else "denied",
                client_ip=client_ip(request),
            )
        )
    if not accepted or user is None:
        raise HTTPException(400, "incorrect user name or password")
    issued = authenticator.issue(user)
    return Token(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/auth/me", response_model=Me, responses=problem_responses(401))
def me(principal: Caller) -> Me:
    """Who the bearer token belongs to."""
    return Me(name=principal.name, role=principal.role, issuer=principal.issuer)


@router.get("/users", response_model=list[UserOut], responses=problem_responses(401, 403))
def list_users(
    repository: Repo, _admin: Annotated[Principal, Depends(require_roles("admin"))]
) -> list[UserOut]:
    """All users (admin only)."""
    with repository.transaction() as tx:
        return [_user_out(user) for user in tx.list_users()]


@router.post(
    "/users", status_code=201, response_model=UserOut, responses=problem_responses(400, 401, 403, 409, 422)
)
def add_user(
    request: Request,
    new: NewUser,
    repository: Repo,
    admin: Annotated[Principal, Depends(require_roles("admin"))],
) -> UserOut:
    """Create a local user (admin only)."""
    password_hash = hash_password(new.password)
    with repository.transaction() as tx:
        user = tx.add_user(new.name, new.role, password_hash)
        record(tx, admin, "user.create", client_ip=client_ip(request))
    return _user_out(user)


@router.post("/auth/logout", status_code=204, responses=problem_responses(401))
def logout(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    repository: Repo,
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
) -> Response:
    """Sign out: the bearer token is refused from now until it expires, by every server process.
    Signing out twice with the same token succeeds."""
    if not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        principal = authenticator.revoke(token)
    except TokenError as exc:
        raise HTTPException(
            401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc
    with repository.transaction() as tx:
        record(tx, principal, "logout", client_ip=client_ip(request))
    return Response(status_code=204)


@router.patch(
    "/users/{name:path}", response_model=UserOut, responses=problem_responses(400, 401, 403, 404, 409, 422)
)
def change_user(
    request: Request, name: UserName, change: UserChange, repository: Repo, admin: Admin
) -> UserOut:
    """Activate or deactivate a user (admin only). Deactivating refuses the user's live tokens at
    once, and activating again does not bring them back: the user signs in anew."""
    if name == admin.name and not change.active:
        raise HTTPException(409, "an admin cannot deactivate their own account")
    with repository.transaction() as tx:
        user = tx.set_user_active(name, change.active)
        action = "user.activate" if change.active else "user.deactivate"
        record(tx, admin, action, client_ip=client_ip(request))
    return _user_out(user)


@router.post(
    "/users/{name:path}/revoke-tokens", status_code=204, responses=problem_responses(401, 403, 404, 422)
)
def revoke_user_tokens(request: Request, name: UserName, repository: Repo, admin: Admin) -> Response:
    """Revoke every token the user holds now (admin only): tokens issued before this moment are
    refused by every server process from the next request; a later sign-in works."""
    with repository.transaction() as tx:
        tx.revoke_user_tokens(name, datetime.now(UTC))
        record(tx, admin, "user.revoke_tokens", client_ip=client_ip(request))
    return Response(status_code=204)


@router.get(
    "/users/{name:path}/labs", response_model=list[str], responses=problem_responses(401, 403, 404, 422)
)
def user_labs(name: UserName, repository: Repo, _admin: Admin) -> list[str]:
    """The laboratories whose catalogs the lab user may publish (admin only)."""
    with repository.transaction() as tx:
        return tx.user_labs(tx.get_user(name).id)


@router.put(
    "/users/{name:path}/labs/{lab_id}", status_code=204, responses=problem_responses(401, 403, 404, 409, 422)
)
def link_lab(request: Request, name: UserName, lab_id: LabId, repository: Repo, admin: Admin) -> Response:
    """Let a lab user publish the catalogs of laboratory `lab_id` (admin only); 409 for other roles."""
    with repository.transaction() as tx:
        tx.link_lab(name, lab_id)
        record(tx, admin, "user.lab_link", client_ip=client_ip(request))
    return Response(status_code=204)


@router.delete(
    "/users/{name:path}/labs/{lab_id}", status_code=204, responses=problem_responses(401, 403, 404, 422)
)
def unlink_lab(request: Request, name: UserName, lab_id: LabId, repository: Repo, admin: Admin) -> Response:
    """Stop a lab user publishing the catalogs of laboratory `lab_id` (admin only)."""
    with repository.transaction() as tx:
        if not tx.unlink_lab(name, lab_id):
            raise HTTPException(404, f"user {name!r} is not linked to laboratory {lab_id!r}")
        record(tx, admin, "user.lab_unlink", client_ip=client_ip(request))
    return Response(status_code=204)
