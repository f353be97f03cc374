"""A test EHR for the CDS Hooks tests: its signing keys, JWK Set and CDS Hooks JWTs."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

ISSUER = "https://ehr.example.org"


@cache
def _key(algorithm: str, kid: str) -> ECKey | RSAKey:
    """One key per (algorithm, kid) for the whole test session (RSA generation is not free)."""
    if algorithm.startswith("RS"):
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": algorithm})
    curve = {"ES256": "P-256", "ES384": "P-384"}[algorithm]
    return ECKey.generate_key(curve, parameters={"kid": kid, "use": "sig", "alg": algorithm})


@dataclass
class Ehr:
    issuer: str = ISSUER
    algorithm: str = "ES384"
    kid: str = "ehr-key-1"
    extra_keys: list[tuple[str, str]] = field(default_factory=list)
    """(algorithm, kid) of further keys published in the JWK Set."""

    @property
    def key(self) -> ECKey | RSAKey:
        return _key(self.algorithm, self.kid)

    def jwks(self) -> dict[str, Any]:
        keys = [self.key, *(_key(a, k) for a, k in self.extra_keys)]
        return {"keys": [k.as_dict(private=False) for k in keys]}

    def client(self, **settings: Any) -> dict[str, Any]:
        """A `CdsClient` settings entry for this EHR (static JWK Set unless overridden)."""
        return {"issuer": self.issuer, "jwks": self.jwks(), **settings}

    def token(
        self,
        audience: str | list[str],
        *,
        now: int | None = None,
        lifetime: int = 300,
        header: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        signer: tuple[str, str] | None = None,
        **claims: Any,
    ) -> str:
        """A CDS Hooks JWT (spec "Trusting CDS Clients"); `drop` removes claims or header fields,
        `signer` signs with another (algorithm, kid) key than the EHR's own."""
        issued = now if now is not None else int(time.time())
        algorithm, kid = signer or (self.algorithm, self.kid)
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "ehr-client",
            "aud": audience,
            "iat": issued,
            "exp": issued + lifetime,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        head: dict[str, Any] = {"alg": algorithm, "typ": "JWT", "kid": kid, **(header or {})}
        for name in drop:
            body.pop(name, None)
            head.pop(name, None)
        return jwt.encode(head, body, _key(algorithm, kid), algorithms=[algorithm])
