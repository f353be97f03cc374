"""Who is calling: local users (argon2 password hashes, HS256 tokens we sign) and external issuers
(OpenID Connect providers whose JWKS we trust), reduced to one `Principal` with one role.

Roles (issue 7): clinician (patients they created or are assigned to), lab (catalog only),
researcher (de-identified cohort views only), admin (everything). A local token is re-checked
against the database on every request, in one statement (`Transaction.token_subject`): a
deactivated user, a changed role, a signed-out token (its `jti` in `revoked_tokens`) and a token
issued before the user's cut-off (`users.tokens_valid_after`: an admin's "revoke all", a
deactivation) are refused at once, in every server process sharing the database. There is no
in-process cache, so the bound on how late a revocation takes effect is the next request.
"""

from __future__ import annotations

import math
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from joserfc.jwk import OctKey

from integrome.api.jwt import (
    LEEWAY,
    IssuerKeys,
    JwksSource,
    TokenError,
    issue_jwt,
    unverified_issuer,
    verify_jwt,
)
from integrome.errors import ConfigError, NotFoundError
from integrome.settings import ExternalIssuer, Settings
from integrome.storage.base import ROLES, ConflictError, Repository, Role, UserRecord

if TYPE_CHECKING:
    from pwdlib import PasswordHash

__all__ = [
    "Authenticator",
    "IssuedToken",
    "Principal",
    "hash_password",
    "issued_before",
    "load_signing_key",
    "verify_password",
]

_SECRET_FILE = "jwt-secret"
_ASYMMETRIC = ("RS", "PS", "ES", "EdDSA")
"""External issuers sign with private keys we only verify; a shared-secret (HS*) or unsigned
(none) token from outside could be forged by anyone who learns the secret (RFC 8725 section 3.1)."""
_MIN_SECRET_BYTES = 32
_hasher: PasswordHash | None = None


def _password_hash() -> PasswordHash:
    """Argon2id with pwdlib's recommended parameters (OWASP Password Storage Cheat Sheet)."""
    global _hasher
    if _hasher is None:
        from pwdlib import PasswordHash

        _hasher = PasswordHash.recommended()
    return _hasher


def hash_password(password: str) -> str:
    return _password_hash().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not the user exists: a missing hash is checked against a dummy,
    so response time does not tell which user names exist."""
    hasher = _password_hash()
    if password_hash is None:
        hasher.verify(password, _dummy_hash())
        return False
    return hasher.verify(password, password_hash)


_dummy: str | None = None


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None:
        _dummy = hash_password(secrets.token_urlsafe(16))
    return _dummy


def load_signing_key(settings: Settings) -> OctKey:
    """The HS256 key for local tokens: `jwt_secret`, or a random one kept in `data_dir/jwt-secret`.

    The file is created with mode 0600 in one exclusive create, so two server processes starting
    together end up with the same key and no other local user can read it.
    """
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value().encode()
        if len(secret) < _MIN_SECRET_BYTES:
            raise ConfigError(f"INTEGROME_JWT_SECRET must be at least {_MIN_SECRET_BYTES} bytes")
        return OctKey.import_key(secret)
    path = settings.data_dir / _SECRET_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return OctKey.import_key(_read_secret(path))
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return OctKey.import_key(_read_secret(path))


def _read_secret(path: Path) -> bytes:
    secret = path.read_bytes().strip()
    if len(secret) < _MIN_SECRET_BYTES:
        raise ConfigError(f"{path}: token-signing secret is shorter than {_MIN_SECRET_BYTES} bytes")
    return secret


def issued_before(issued_at: int, cut_off: datetime) -> bool:
    """True when a token with `iat` = `issued_at` may predate `cut_off`. `iat` has whole seconds, so
    a token from the cut-off's own second counts as earlier: a token issued just before a
    revocation is never let through (one issued in the same second just after it is refused too;
    its user signs in again)."""
    return issued_at <= math.floor(cut_off.timestamp())


def _local_claims(claims: dict[str, Any]) -> tuple[str, str, int]:
    """`sub`, `jti` and `iat` of a verified local token (`Authenticator.issue` always sets them)."""
    name, jti, issued = claims.get("sub"), claims.get("jti"), claims.get("iat")
    if not isinstance(name, str):
        raise TokenError("the token has no subject")
    if not isinstance(jti, str) or not 0 < len(jti) <= 64:
        raise TokenError("the token has no usable `jti`")
    if not isinstance(issued, int | float):
        raise TokenError("the token has no `iat`")
    return name, jti, int(issued)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    name: str
    role: Role
    user_id: int
    issuer: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class Authenticator:
    """Issues local tokens and turns any accepted bearer token into a `Principal`."""

    def __init__(self, settings: Settings, repository: Repository) -> None:
        self.repository = repository
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.lifetime = timedelta(minutes=settings.access_token_minutes)
        self._key = load_signing_key(settings)
        self._external: dict[str, ExternalIssuer] = {}
        self._external_keys: dict[str, IssuerKeys] = {}
        for external in settings.trusted_issuers:
            if external.issuer == self.issuer:
                raise ConfigError(f"trusted issuer {external.issuer!r} has the local issuer's name")
            unsafe = [a for a in external.algorithms if not a.startswith(_ASYMMETRIC)]
            if unsafe:
                raise ConfigError(
                    f"trusted issuer {external.issuer!r}: only public-key algorithms are accepted, "
                    f"not {unsafe}"
                )
            self._external[external.issuer] = external
            self._external_keys[external.issuer] = JwksSource(external.jwks_url)

    def issue(self, user: UserRecord, now: datetime | None = None) -> IssuedToken:
        issued = now or datetime.now(UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.name,
            "role": user.role,
            "iat": int(issued.timestamp()),
            "exp": int((issued + self.lifetime).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(issue_jwt(claims, self._key), int(self.lifetime.total_seconds()))

    def authenticate(self, token: str) -> Principal:
        """The caller behind `token`; `TokenError` (→ 401) when it cannot be trusted."""
        issuer = unverified_issuer(token)
        if issuer == self.issuer:
            return self._local(self._verified_local(token))
        external = self._external.get(issuer or "")
        if external is None or issuer is None:
            raise TokenError("the token's issuer is not trusted")
        claims = verify_jwt(
            token,
            issuers={issuer: self._external_keys[issuer]},
            audience=external.audience or self.audience,
            algorithms=external.algorithms,
        )
        return self._federated(issuer, external, claims)

    def revoke(self, token: str, now: datetime | None = None) -> Principal:
        """Sign out: refuse this locally issued token from now until it expires (plus the clock
        leeway `verify_jwt` grants), in every server process. Revoking it again succeeds, so a
        repeated sign-out is harmless; a token that fails its signature, audience or expiry check
        is `TokenError`. Returns the token's user, for the audit log."""
        if unverified_issuer(token) != self.issuer:
            raise TokenError("only tokens this server issued are revoked here")
        claims = self._verified_local(token)
        name, jti, _issued = _local_claims(claims)
        expires = claims.get("exp")
        if not isinstance(expires, int | float):
            raise TokenError("the token has no expiry")
        at = now or datetime.now(UTC)
        with self.repository.transaction() as tx:
            try:
                user = tx.get_user(name)
            except NotFoundError as exc:
                raise TokenError("the token's user no longer exists") from exc
            until = datetime.fromtimestamp(expires, UTC) + timedelta(seconds=LEEWAY)
            tx.revoke_token(jti, user.id, until)
            tx.purge_revoked_tokens(at)
        return Principal(name=user.name, role=user.role, user_id=user.id, issuer=self.issuer)

    def _verified_local(self, token: str) -> dict[str, Any]:
        return verify_jwt(
            token, issuers={self.issuer: self._key}, audience=self.audience, algorithms=["HS256"]
        )

    def _local(self, claims: dict[str, Any]) -> Principal:
        name, jti, issued = _local_claims(claims)
        with self.repository.transaction() as tx:
            subject = tx.token_subject(name, jti)
        if subject is None:
            raise TokenError("the token's user no longer exists")
        user = subject.user
        if not user.active:
            raise TokenError("the token's user is deactivated")
        if subject.revoked:
            raise TokenError("the token was revoked (signed out)")
        if subject.tokens_valid_after is not None and issued_before(issued, subject.tokens_valid_after):
            raise TokenError("the token was revoked: it was issued before the user's tokens were revoked")
        return Principal(name=user.name, role=user.role, user_id=user.id, issuer=self.issuer)

    def _federated(self, issuer: str, external: ExternalIssuer, claims: dict[str, Any]) -> Principal:
        """An external user gets a password-less local row on first sight (its id anchors
        'patients this clinician created'); the role always comes from the current token. Sign-out
        of such a token happens at its issuer, but deactivation and "revoke all" (the user's
        cut-off against the token's `iat`) apply here too."""
        subject = claims.get("sub")
        role = claims.get(external.role_claim)
        if not isinstance(subject, str) or not subject:
            raise TokenError("the token has no subject")
        if role not in ROLES:
            raise TokenError(f"the token's {external.role_claim!r} claim names no integrome role")
        name = f"{issuer}#{subject}"
        with self.repository.transaction() as tx:
            found = tx.token_subject(name, "")
        if found is None:
            try:
                with self.repository.transaction() as tx:
                    tx.add_user(name, cast(Role, role), None)
            except ConflictError:
                pass  # another request added the row first
            with self.repository.transaction() as tx:
                found = tx.token_subject(name, "")
        if found is None:
            raise TokenError("the token's user no longer exists")
        user = found.user
        if not user.active:
            raise TokenError("the token's user is deactivated")
        if found.tokens_valid_after is not None:
            issued = claims.get("iat")
            if not isinstance(issued, int | float) or issued_before(int(issued), found.tokens_valid_after):
                raise TokenError("the token was revoked: it was issued before the user's tokens were revoked")
        return Principal(name=name, role=cast(Role, role), user_id=user.id, issuer=issuer)
