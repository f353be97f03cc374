"""Trusting CDS Clients (CDS Hooks 2.0, "Trusting CDS Clients"): the EHR's JWT on every call.

On top of the shared `verify_jwt` (signature, `iss`, `aud`, `exp`, algorithm allow-list, `none`
refused) this adds what the CDS Hooks spec asks of the token and its header:

- the issuer must be a configured CDS client, and only its algorithms count (ES384 / RS384
  recommended; HMAC and `none` are never accepted, `CdsClient` refuses them in the settings);
- `kid` is required and picks the key from the client's JWK Set (fetched from `jwks_url` and
  cached, or given statically); an unknown `kid` refetches the set once, at most every
  `refresh_interval` seconds, so key rotation works and junk tokens cannot hammer the EHR;
- a `jku` header is never followed: for a client registered by `jwks_url` it must equal that URL
  (the spec's allow-list of `jku` values); a client whose keys were given out of band is checked
  against those keys only;
- `aud` must be the URL of the endpoint being called, `iat` is required and `exp - iat` may not
  exceed five minutes, and `jti` is required. That it is used once is for the caller to enforce,
  in the same commit as the call's audit row (`api.cds_context.CdsWriter`, in the database, so it
  holds across worker processes); `CdsCaller.until` says how long to remember it.

Every failure is a `TokenError` (→ 401) whose message names the check, never a claim's value.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from integrome.api.jwt import JwksSource, Key, TokenError, unverified_issuer, verify_jwt
from integrome.errors import ConfigError
from integrome.settings import CdsClient

__all__ = ["CdsCaller", "CdsTokenVerifier"]

MAX_LIFETIME = 300
"""Seconds a CDS Hooks JWT may live (exp - iat): EHRs mint one per call."""


@dataclass(frozen=True)
class CdsCaller:
    """The verified EHR behind one call."""

    issuer: str
    subject: str | None
    tenant: str | None
    jti: str
    until: float = 0.0
    """Epoch seconds until which the `jti` must be remembered (exp plus leeway)."""


class _ClientKeys:
    """One CDS client's key set: static, or its `jwks_url` with cache and rate-limited refresh."""

    def __init__(self, client: CdsClient, refresh_interval: float, clock: Callable[[], float]) -> None:
        self.client = client
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._last_refresh = float("-inf")
        self._lock = threading.Lock()
        self._static: KeySet | None = None
        self._source: JwksSource | None = None
        if client.jwks is not None:
            try:
                self._static = KeySet.import_key_set(client.jwks)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ConfigError(f"CDS client {client.issuer!r}: the jwks is not a valid JWK Set") from exc
        elif client.jwks_url is not None:
            self._source = JwksSource(client.jwks_url)

    def key(self, kid: str) -> Key:
        if self._static is not None:
            return _by_kid(self._static, kid)
        assert self._source is not None
        try:
            return _by_kid(self._source.key_set(), kid)
        except TokenError:
            with self._lock:
                now = self._clock()
                if now - self._last_refresh < self._refresh_interval:
                    raise
                self._last_refresh = now
            return _by_kid(self._source.key_set(refresh=True), kid)


def _by_kid(keys: KeySet, kid: str) -> Key:
    found = [key for key in keys.keys if key.kid == kid]
    if not found:
        raise TokenError("token rejected: no key with the token's kid in the issuer's JWK Set")
    return found[0]


def _header(token: str) -> dict[str, Any]:
    first = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed token: the header is not base64url-encoded JSON") from exc
    if not isinstance(header, dict):
        raise TokenError("malformed token: the header is not a JSON object")
    return header


class CdsTokenVerifier:
    """Checks the bearer JWT of each CDS Hooks call against the configured CDS clients."""

    def __init__(
        self,
        clients: Sequence[CdsClient],
        *,
        leeway: int = 60,
        refresh_interval: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.leeway = leeway
        self._clock = clock
        self._clients: dict[str, _ClientKeys] = {}
        for client in clients:
            if client.issuer in self._clients:
                raise ConfigError(f"CDS client {client.issuer!r} is configured twice")
            self._clients[client.issuer] = _ClientKeys(client, refresh_interval, clock)

    def client(self, issuer: str) -> CdsClient:
        return self._clients[issuer].client

    def verify(self, token: str, audiences: Collection[str]) -> CdsCaller:
        """The caller, or `TokenError` naming the failed check. `audiences` are the URLs that may
        appear in `aud` for the endpoint being called. The `jti` is checked for shape, not
        recorded: the caller claims it (until `CdsCaller.until`) before answering."""
        header = _header(token)
        issuer = unverified_issuer(token)
        keys = self._clients.get(issuer or "")
        if issuer is None or keys is None:
            raise TokenError("the token's issuer is not a trusted CDS client")
        client = keys.client
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in client.algorithms:
            raise TokenError("token rejected: its algorithm is not accepted for this CDS client")
        if "typ" in header and str(header["typ"]).upper() != "JWT":
            raise TokenError("token rejected: the header typ must be JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("token rejected: the header has no kid")
        if client.jwks_url is not None and "jku" in header and header["jku"] != client.jwks_url:
            raise TokenError("token rejected: its jku is not the issuer's registered JWK Set URL")
        now = int(self._clock())
        claims = verify_jwt(
            token,
            issuers={issuer: keys.key(kid)},
            audience=list(audiences),
            algorithms=client.algorithms,
            leeway=self.leeway,
            now=now,
        )
        expires, issued = claims.get("exp"), claims.get("iat")
        if not isinstance(issued, int | float) or isinstance(issued, bool):
            raise TokenError("token rejected: the iat claim is missing")
        if issued > now + self.leeway:
            raise TokenError("token rejected: issued in the future")
        assert isinstance(expires, int | float)
        if expires - issued > MAX_LIFETIME or expires > now + MAX_LIFETIME + self.leeway:
            raise TokenError(f"token rejected: it lives longer than {MAX_LIFETIME} seconds")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise TokenError("token rejected: the jti claim is missing")
        until = float(expires) + self.leeway
        subject, tenant = claims.get("sub"), claims.get("tenant")
        return CdsCaller(
            issuer=issuer,
            subject=subject if isinstance(subject, str) else None,
            tenant=tenant if isinstance(tenant, str) else None,
            jti=jti,
            until=until,
        )
