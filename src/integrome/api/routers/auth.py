"""Sign-in (OAuth2 password flow, RFC 6749 section 4.3) and user administration.

Tokens are short-lived bearer JWTs (`access_token_minutes`); there are no refresh tokens, the
client signs in again. Sign-ins, successful or not, are written to the audit log.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from integrome.api.audit import record
from integrome.api.auth import Authenticator, Principal, hash_password, verify_password
from integrome.api.dependencies import Caller, Repo, client_ip, get_authenticator, require_roles
from integrome.api.problems import problem_responses
from integrome.errors import NotFoundError
from integrome.storage.base import AuditEvent, Role, UserRecord

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
