"""Bearer-token verification shared by the REST API and the CDS Hooks endpoints.

One rule set for every JWT the server accepts (RFC 7519 section 7.2, CDS Hooks 2.0 "Trusting CDS
Clients"): the token names its issuer in `iss`; only issuers configured as trusted are looked at;
the signature is checked with that issuer's keys (a shared secret for locally issued tokens, the
issuer's JWK Set otherwise); `exp` is required, `nbf`/`iat` are honoured with a small leeway,
and `aud` must be one the caller expects. Algorithms are an allow-list, so `alg: none` and
algorithm-confusion tokens are refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OctKey, OKPKey, RSAKey

__all__ = [
    "LEEWAY",
    "IssuerKeys",
    "JwksSource",
    "TokenError",
    "issue_jwt",
    "unverified_issuer",
    "verify_jwt",
]

Key = OctKey | RSAKey | ECKey | OKPKey
LEEWAY = 60
"""Seconds of clock skew allowed on `exp`, `nbf` and `iat`: a token is still accepted this long
after its `exp`, so a revocation must be kept at least as long."""


class TokenError(Exception):
    """The token is malformed, unsigned by a trusted issuer, expired or for another audience (→ 401).

    The message says which check failed, never the token or its claims.
    """


class JwksSource:
    """An issuer's JWK Set, read from an https:// URL or a local file and cached for `ttl` seconds.

    A token signed with a key id the cached set lacks triggers one refresh (key rotation), so a
    rotated key is picked up without waiting for the cache to expire.
    """

    def __init__(self, location: str, *, ttl: float = 300.0, timeout: float = 5.0) -> None:
        self.location = location
        self.ttl = ttl
        self.timeout = timeout
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    def key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > self.ttl
            if self._keys is None or stale or refresh:
                self._keys = KeySet.import_key_set(self._read())
                self._fetched_at = time.monotonic()
            return self._keys

    def _read(self) -> Any:
        if self.location.startswith(("https://", "http://")):
            import httpx

            try:
                response = httpx.get(self.location, timeout=self.timeout, follow_redirects=False)
                response.raise_for_status()
                return response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise TokenError(f"the issuer's key set at {self.location} cannot be fetched") from exc
        try:
            return json.loads(Path(self.location.removeprefix("file://")).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TokenError(f"the issuer's key set at {self.location} cannot be read") from exc


IssuerKeys = Key | KeySet | JwksSource
"""What verifies one issuer's tokens: a key (local HS256 secret), a key set, or a JWKS source."""


def _segment(token: str, index: int) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed token: expected three dot-separated parts (JWS compact form)")
    raw = parts[index]
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed token: a part is not base64url-encoded JSON") from exc
    if not isinstance(value, dict):
        raise TokenError("malformed token: header and claims must be JSON objects")
    return value


def unverified_issuer(token: str) -> str | None:
    """The `iss` claim before any check: only to pick the keys to verify with, never to trust."""
    issuer = _segment(token, 1).get("iss")
    return issuer if isinstance(issuer, str) else None


def verify_jwt(
    token: str,
    *,
    issuers: Mapping[str, IssuerKeys],
    audience: str | Collection[str] | None,
    algorithms: Collection[str],
    leeway: int = LEEWAY,
    now: int | None = None,
) -> dict[str, Any]:
    """The verified claims of `token`, or `TokenError` saying which check failed.

    `issuers` maps each trusted `iss` value to its keys. `alg: none` is refused even when listed
    in `algorithms` (RFC 8725 section 3.1). `audience` is the accepted `aud` value(s)
    (CDS Hooks: the service's URL); None skips the audience check, for callers whose spec does
    not require one. `now` (Unix seconds) is for tests; None = the clock.
    """
    algorithm = _segment(token, 0).get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none" or algorithm not in algorithms:
        raise TokenError("token rejected: its algorithm is not accepted")
    issuer = unverified_issuer(token)
    if issuer is None:
        raise TokenError("the token has no `iss` claim")
    keys = issuers.get(issuer)
    if keys is None:
        raise TokenError("the token's issuer is not trusted")
    decoded = _decode(token, keys, algorithms)
    claims = dict(decoded.claims)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": issuer},
        "exp": {"essential": True},
    }
    if audience is not None:
        allowed = [audience] if isinstance(audience, str) else list(audience)
        options["aud"] = {"essential": True, "values": allowed}
    registry = jwt.JWTClaimsRegistry(now=now, leeway=leeway, **options)
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise TokenError(f"token rejected: {exc.error}: {exc.description or 'claim check failed'}") from exc
    return claims


def _decode(token: str, keys: IssuerKeys, algorithms: Collection[str]) -> jwt.Token:
    if isinstance(keys, JwksSource):
        try:
            return _decode_with(token, keys.key_set(), algorithms)
        except TokenError:
            refreshed = keys.key_set(refresh=True)
            return _decode_with(token, refreshed, algorithms)
    return _decode_with(token, keys, algorithms)


def _decode_with(token: str, key: Key | KeySet, algorithms: Collection[str]) -> jwt.Token:
    try:
        return jwt.decode(token, key, algorithms=list(algorithms))
    except JoseError as exc:
        raise TokenError(f"token rejected: {exc.error}") from exc
    except ValueError as exc:
        raise TokenError("token rejected: malformed token") from exc


def issue_jwt(
    claims: Mapping[str, Any], key: Key, *, algorithm: str = "HS256", kid: str | None = None
) -> str:
    """Sign `claims` (the caller sets iss, sub, aud, iat, exp, jti)."""
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(header, dict(claims), key, algorithms=[algorithm])
