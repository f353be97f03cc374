"""Bearer-token verification (api/jwt.py): the checks RFC 7519 and CDS Hooks 2.0 require."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from joserfc.jwk import KeySet, OctKey, RSAKey

from integrome.api.jwt import JwksSource, TokenError, issue_jwt, unverified_issuer, verify_jwt

SECRET = OctKey.import_key(b"s" * 32)
NOW = int(time.time())


def claims(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"iss": "integrome", "aud": "integrome-api", "sub": "ann", "exp": NOW + 300}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def verify(token: str, **kwargs: object) -> dict[str, object]:
    options: dict[str, object] = {
        "issuers": {"integrome": SECRET},
        "audience": "integrome-api",
        "algorithms": ["HS256"],
    }
    options.update(kwargs)
    return verify_jwt(token, **options)  # type: ignore[arg-type]


def test_valid_token_gives_its_claims() -> None:
    assert verify(issue_jwt(claims(), SECRET))["sub"] == "ann"


def test_expired_token_is_rejected() -> None:
    with pytest.raises(TokenError, match="expired"):
        verify(issue_jwt(claims(exp=NOW - 3600), SECRET))


def test_token_without_exp_is_rejected() -> None:
    with pytest.raises(TokenError, match="exp"):
        verify(issue_jwt(claims(exp=None), SECRET))


def test_token_for_another_audience_is_rejected() -> None:
    with pytest.raises(TokenError, match="aud"):
        verify(issue_jwt(claims(aud="someone-else"), SECRET))


def test_audience_check_can_be_skipped_by_callers_without_one() -> None:
    assert verify(issue_jwt(claims(aud="any"), SECRET), audience=None)["aud"] == "any"


def test_untrusted_issuer_is_rejected_before_any_key_is_tried() -> None:
    with pytest.raises(TokenError, match="not trusted"):
        verify(issue_jwt(claims(iss="https://evil.example"), SECRET))


def test_token_signed_with_another_key_is_rejected() -> None:
    with pytest.raises(TokenError, match="rejected"):
        verify(issue_jwt(claims(), OctKey.import_key(b"x" * 32)))


def test_unlisted_algorithm_is_rejected() -> None:
    with pytest.raises(TokenError, match="rejected"):
        verify(issue_jwt(claims(), SECRET, algorithm="HS512"))


def test_alg_none_token_is_rejected() -> None:
    def b64(data: dict[str, object]) -> str:
        import base64

        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(TokenError, match="algorithm is not accepted"):
        verify(unsigned, algorithms=["HS256", "none"])


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.???.###"])
def test_malformed_token_is_rejected(token: str) -> None:
    with pytest.raises(TokenError, match="malformed"):
        verify(token)


def test_unverified_issuer_reads_iss_without_checking() -> None:
    assert unverified_issuer(issue_jwt(claims(iss="https://ehr.example"), SECRET)) == "https://ehr.example"


def test_rs256_token_verifies_against_a_jwks_file_and_picks_up_rotated_keys(tmp_path: Path) -> None:
    old = RSAKey.generate_key(2048, parameters={"kid": "old"})
    new = RSAKey.generate_key(2048, parameters={"kid": "new"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(KeySet([old]).as_dict(private=False)))
    source = JwksSource(str(jwks))
    issuers = {"https://ehr.example": source}
    token = issue_jwt(claims(iss="https://ehr.example"), old, algorithm="RS256", kid="old")
    assert verify(token, issuers=issuers, algorithms=["RS256"])["iss"] == "https://ehr.example"
    jwks.write_text(json.dumps(KeySet([old, new]).as_dict(private=False)))
    rotated = issue_jwt(claims(iss="https://ehr.example"), new, algorithm="RS256", kid="new")
    assert verify(rotated, issuers=issuers, algorithms=["RS256"])["sub"] == "ann"


def test_hs256_token_signed_with_public_key_bytes_is_rejected() -> None:
    """Algorithm confusion (RFC 8725 section 2.1): an HS256 token whose HMAC key is the issuer's
    public key must fail even when the caller lists HS256."""
    import base64
    import hashlib
    import hmac

    rsa = RSAKey.generate_key(2048, parameters={"kid": "k"})

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k"}).encode())
    body = b64(json.dumps(claims(iss="https://ehr.example")).encode())
    signature = hmac.new(rsa.as_pem(private=False), f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{b64(signature)}"
    keys = KeySet.import_key_set(KeySet([rsa]).as_dict(private=False))
    with pytest.raises(TokenError):
        verify(forged, issuers={"https://ehr.example": keys}, algorithms=["RS256", "HS256"])


def test_unreadable_jwks_is_a_token_error(tmp_path: Path) -> None:
    source = JwksSource(str(tmp_path / "missing.json"))
    token = issue_jwt(claims(iss="https://ehr.example"), SECRET)
    with pytest.raises(TokenError, match="cannot be read"):
        verify(token, issuers={"https://ehr.example": source})
