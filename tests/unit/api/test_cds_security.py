"""EHR JWT checks of the CDS Hooks endpoints (api/cds_security.py), per "Trusting CDS Clients"."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from joserfc.jwk import KeySet
from pydantic import ValidationError
from tests.cdsehr import ISSUER, Ehr

from integrome.api.cds_security import CdsTokenVerifier
from integrome.api.jwt import TokenError, verify_jwt
from integrome.settings import CdsClient

AUD = "https://cds.example.org/cds-services/integrome-order-sign"
NOW = 1_900_000_000

SPEC_JWKS = {
    "keys": [
        {
            "kty": "EC",
            "use": "sig",
            "crv": "P-384",
            "kid": "example-kid",
            "x": "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",
            "y": "XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI",
            "alg": "ES384",
        }
    ]
}
SPEC_TOKEN = (
    "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxl"
    "LmNvbS9qd2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsInN1YiI6ImNsaWVudF9pZCIsImF1ZCI6"
    "Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1zZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMx"
    "MTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJhNWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00"
    "NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.CUFPkplnWd6YGIvzoHolWCQBDsCL8QtTWKGg_QFpS169WrqDGzktRi-_we6-6rVzbjerU27ZK"
    "ww_SW0-b9RTz-dPJNcqsueMio8r6EqXUXhbLm_ch3XFSbDlGHDl_tqo"
)
"""The example JWT and JWK Set published in the CDS Hooks 2.0 specification ("Trusting CDS Clients")."""


def _verifier(*clients: CdsClient, now: int = NOW) -> CdsTokenVerifier:
    return CdsTokenVerifier(clients, clock=lambda: float(now))


def _client(ehr: Ehr, **settings: object) -> CdsClient:
    return CdsClient.model_validate(ehr.client(**settings))


def test_the_spec_example_token_is_signed_by_the_spec_example_key() -> None:
    claims = verify_jwt(
        SPEC_TOKEN,
        issuers={"https://fhir-ehr.example.com/": KeySet.import_key_set(SPEC_JWKS)},  # type: ignore[arg-type]
        audience="https://cds.example.org/cds-services/some-service",
        algorithms=["ES384"],
        now=1_311_281_000,
    )
    assert claims["tenant"] == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"


def test_the_spec_example_token_is_refused_today_and_for_its_years_long_lifetime() -> None:
    client = CdsClient(issuer="https://fhir-ehr.example.com/", jwks=SPEC_JWKS)
    audience = ["https://cds.example.org/cds-services/some-service"]
    with pytest.raises(TokenError, match="expired"):
        _verifier(client, now=int(time.time())).verify(SPEC_TOKEN, audience)
    with pytest.raises(TokenError, match="longer than 300 seconds"):
        _verifier(client, now=1_311_281_000).verify(SPEC_TOKEN, audience)


def test_a_valid_es384_token_names_the_ehr() -> None:
    ehr = Ehr()
    caller = _verifier(_client(ehr)).verify(ehr.token(AUD, now=NOW, tenant="clinic-7"), [AUD])
    assert (caller.issuer, caller.subject, caller.tenant) == (ISSUER, "ehr-client", "clinic-7")


def test_rs384_is_accepted_by_default() -> None:
    ehr = Ehr(algorithm="RS384", kid="rsa-1")
    assert _verifier(_client(ehr)).verify(ehr.token(AUD, now=NOW), [AUD]).issuer == ISSUER


def test_es256_is_accepted_only_when_configured() -> None:
    ehr = Ehr(algorithm="ES256", kid="p256")
    with pytest.raises(TokenError, match="algorithm is not accepted"):
        _verifier(_client(ehr)).verify(ehr.token(AUD, now=NOW), [AUD])
    configured = _client(ehr, algorithms=["ES384", "ES256"])
    assert _verifier(configured).verify(ehr.token(AUD, now=NOW), [AUD]).issuer == ISSUER


def test_an_audience_array_holding_the_endpoint_is_accepted() -> None:
    ehr = Ehr()
    assert _verifier(_client(ehr)).verify(ehr.token([AUD], now=NOW), [AUD]).issuer == ISSUER


@pytest.mark.parametrize(
    ("token_kwargs", "problem"),
    [
        ({"now": NOW - 400}, "expired"),
        ({"now": NOW, "audience": "https://cds.example.org/cds-services/integrome-patient-view"}, "aud"),
        ({"now": NOW, "lifetime": 3600}, "longer than 300 seconds"),
        ({"now": NOW + 120}, "issued in the future"),
        ({"now": NOW, "drop": ("iat",)}, "iat claim is missing"),
        ({"now": NOW, "drop": ("jti",)}, "jti claim is missing"),
        ({"now": NOW, "drop": ("kid",)}, "no kid"),
        ({"now": NOW, "header": {"kid": "someone-else"}}, "no key with the token's kid"),
        ({"now": NOW, "header": {"typ": "at+jwt"}}, "typ must be JWT"),
        ({"now": NOW, "iss": "https://evil.example"}, "not a trusted CDS client"),
        ({"now": NOW, "signer": ("ES384", "attacker")}, "no key with the token's kid"),
    ],
)
def test_tokens_failing_a_check_are_refused(token_kwargs: dict[str, object], problem: str) -> None:
    ehr = Ehr()
    audience = token_kwargs.pop("audience", AUD)
    token = ehr.token(audience, **token_kwargs)  # type: ignore[arg-type]
    with pytest.raises(TokenError, match=problem):
        _verifier(_client(ehr)).verify(token, [AUD])


def test_a_token_signed_by_another_key_under_the_ehr_kid_is_refused() -> None:
    ehr = Ehr()
    impostor = Ehr(kid="ehr-key-1", algorithm="ES384")
    forged = impostor.token(AUD, now=NOW, signer=("ES384", "forger"), header={"kid": "ehr-key-1"})
    with pytest.raises(TokenError, match="rejected"):
        _verifier(_client(ehr)).verify(forged, [AUD])


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_the_none_algorithm_is_refused() -> None:
    ehr = Ehr()
    claims = {"iss": ISSUER, "aud": AUD, "iat": NOW, "exp": NOW + 60, "jti": "n"}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ehr-key-1'})}.{_b64(claims)}."
    with pytest.raises(TokenError, match="algorithm is not accepted"):
        _verifier(_client(ehr)).verify(unsigned, [AUD])


def test_an_hmac_token_keyed_with_the_public_key_is_refused() -> None:
    import hashlib
    import hmac

    ehr = Ehr(algorithm="RS384", kid="rsa-1")
    head = _b64({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"})
    body = _b64({"iss": ISSUER, "aud": AUD, "iat": NOW, "exp": NOW + 60, "jti": "h"})
    public = json.dumps(ehr.jwks()).encode()
    signature = base64.urlsafe_b64encode(hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest())
    with pytest.raises(TokenError, match="algorithm is not accepted"):
        _verifier(_client(ehr)).verify(f"{head}.{body}.{signature.rstrip(b'=').decode()}", [AUD])


def test_an_unknown_kid_refetches_the_key_set_at_most_once_per_interval(tmp_path: Path) -> None:
    old, new = Ehr(), Ehr(kid="ehr-key-2")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(old.jwks()))
    clock = [float(NOW)]
    verifier = CdsTokenVerifier(
        [CdsClient(issuer=ISSUER, jwks_url=str(jwks))], refresh_interval=10.0, clock=lambda: clock[0]
    )
    assert verifier.verify(old.token(AUD, now=NOW), [AUD]).issuer == ISSUER
    with pytest.raises(TokenError, match="kid"):
        verifier.verify(new.token(AUD, now=NOW), [AUD])
    jwks.write_text(json.dumps(new.jwks()))
    with pytest.raises(TokenError, match="kid"):
        verifier.verify(new.token(AUD, now=NOW), [AUD])
    clock[0] += 11
    assert verifier.verify(new.token(AUD, now=NOW + 11), [AUD]).issuer == ISSUER


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"issuer": ISSUER, "jwks": {"keys": []}, "algorithms": ["HS256"]}, "asymmetric"),
        ({"issuer": ISSUER, "jwks": {"keys": []}, "algorithms": ["none"]}, "asymmetric"),
        ({"issuer": ISSUER}, "exactly one of jwks_url and jwks"),
        ({"issuer": ISSUER, "jwks": {"keys": []}, "jwks_url": "https://x/jwks"}, "exactly one"),
    ],
)
def test_cds_client_settings_refuse_symmetric_algorithms_and_ambiguous_keys(
    entry: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        CdsClient.model_validate(entry)
