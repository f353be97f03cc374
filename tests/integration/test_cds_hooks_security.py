"""Trusting CDS Clients over HTTP: every CDS Hooks endpoint refuses calls without a valid EHR JWT
with 401 and no patient data; the EHR's JWK Set is fetched from a loopback server and cached."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.cdsehr import ISSUER, Ehr
from tests.integration.cdsharness import CASE_32, CdsApi, LoopbackServer, hook_request, running_cds

SERVICE = "integrome-patient-view"
MRN = "SYN-INT-0132"


@pytest.fixture
def cds(tmp_path: Path) -> Iterator[CdsApi]:
    with running_cds(tmp_path) as running:
        yield running


def _patient_view() -> dict[str, Any]:
    record = json.loads((CASE_32 / "bundle.json").read_text())
    patient = next(e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Patient")
    return hook_request(
        "patient-view", patient["id"], prefetch={"patient": patient, "genomics": None, "medications": None}
    )


def _assert_refused(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) <= {"type", "title", "status", "detail"}
    assert MRN not in response.text


def test_every_cds_endpoint_refuses_a_call_without_a_token(cds: CdsApi) -> None:
    client = cds.api.client
    _assert_refused(client.get("/cds-services"))
    _assert_refused(client.post(f"/cds-services/{SERVICE}", json=_patient_view()))
    _assert_refused(client.post(f"/cds-services/{SERVICE}/feedback", json={"feedback": []}))


def test_a_signed_call_is_answered(cds: CdsApi) -> None:
    response = cds.call(SERVICE, _patient_view())
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ({"now": int(time.time()) - 900}, "expired"),
        ({"header": {"kid": "not-published"}}, "kid"),
        ({"lifetime": 86_400}, "longer than 300 seconds"),
    ],
)
def test_a_failing_token_is_401_and_says_nothing_about_the_patient(
    cds: CdsApi, token: dict[str, Any], problem: str
) -> None:
    response = cds.call(SERVICE, _patient_view(), headers=cds.headers(SERVICE, **token))
    _assert_refused(response)
    assert problem in response.json()["detail"]


def test_a_token_for_another_service_is_401(cds: CdsApi) -> None:
    headers = cds.headers("integrome-order-sign")
    _assert_refused(cds.call(SERVICE, _patient_view(), headers=headers))


def test_a_replayed_token_is_401(cds: CdsApi) -> None:
    headers = cds.headers(SERVICE)
    assert cds.call(SERVICE, _patient_view(), headers=headers).status_code == 200
    replay = cds.call(SERVICE, _patient_view(), headers=headers)
    _assert_refused(replay)
    assert "replay" in replay.json()["detail"]


def test_a_refused_token_does_not_use_up_its_jti(cds: CdsApi) -> None:
    """The jti is claimed only after the signature and claims check out: a token refused for
    another audience leaves its jti free for the EHR's correct token."""
    _assert_refused(cds.call(SERVICE, _patient_view(), headers=cds.headers("elsewhere", jti="j-1")))
    assert cds.call(SERVICE, _patient_view(), headers=cds.headers(SERVICE, jti="j-1")).status_code == 200


def test_a_token_first_sent_with_a_bad_body_cannot_be_used_again(cds: CdsApi) -> None:
    headers = cds.headers(SERVICE)
    wrong_hook = {**_patient_view(), "hook": "order-sign"}
    assert cds.call(SERVICE, wrong_hook, headers=headers).status_code == 422
    replay = cds.call(SERVICE, _patient_view(), headers=headers)
    _assert_refused(replay)
    assert "replay" in replay.json()["detail"]


def test_a_replayed_token_with_a_bad_body_is_401(cds: CdsApi) -> None:
    headers = cds.headers(SERVICE)
    assert cds.call(SERVICE, _patient_view(), headers=headers).status_code == 200
    _assert_refused(cds.call(SERVICE, {"hook": "patient-view"}, headers=headers))


def test_a_replayed_feedback_token_is_401(cds: CdsApi) -> None:
    headers = cds.headers(SERVICE)
    feedback = {
        "feedback": [{"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-25T10:00:00Z"}]
    }
    url = f"/cds-services/{SERVICE}/feedback"
    assert cds.api.client.post(url, json=feedback, headers=headers).status_code == 200
    _assert_refused(cds.api.client.post(url, json=feedback, headers=headers))


def test_an_unsigned_none_algorithm_token_is_401(cds: CdsApi) -> None:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": ISSUER, "aud": cds.audience(SERVICE), "iat": now, "exp": now + 60, "jti": "none-1"}
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ehr-key-1'})}.{b64(claims)}."
    _assert_refused(cds.call(SERVICE, _patient_view(), headers={"Authorization": f"Bearer {token}"}))


def test_an_integrome_user_token_is_not_a_cds_client_token(cds: CdsApi) -> None:
    _assert_refused(cds.call(SERVICE, _patient_view(), headers=cds.api.auth("root")))


def test_an_rs384_ehr_is_accepted(tmp_path: Path) -> None:
    with running_cds(tmp_path, Ehr(algorithm="RS384", kid="rsa-1")) as cds:
        assert cds.api.client.get("/cds-services", headers=cds.headers()).status_code == 200


def _jwks_server(keys: dict[str, Any], fetches: list[float]) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    def jwks() -> dict[str, Any]:
        fetches.append(time.monotonic())
        return keys["current"]

    return app


def test_the_jwks_url_is_fetched_once_and_again_only_for_a_rotated_key(tmp_path: Path) -> None:
    old, new = Ehr(), Ehr(kid="ehr-key-2")
    keys = {"current": old.jwks()}
    fetches: list[float] = []
    with LoopbackServer(_jwks_server(keys, fetches)) as server:
        url = f"{server.url}/.well-known/jwks.json"
        with running_cds(tmp_path, old, jwks=None, jwks_url=url) as cds:
            for _ in range(3):
                assert cds.api.client.get("/cds-services", headers=cds.headers()).status_code == 200
            assert len(fetches) == 1
            keys["current"] = {"keys": [*old.jwks()["keys"], *new.jwks()["keys"]]}
            rotated = {"Authorization": f"Bearer {new.token(cds.audience())}"}
            assert cds.api.client.get("/cds-services", headers=rotated).status_code == 200
            assert len(fetches) == 2
            stranger = {"Authorization": f"Bearer {Ehr(kid='ehr-key-9').token(cds.audience())}"}
            _assert_refused(cds.api.client.get("/cds-services", headers=stranger))
            assert len(fetches) == 2, "a second unknown kid within the refresh interval fetches nothing"


def test_a_jku_other_than_the_registered_jwks_url_is_401(tmp_path: Path) -> None:
    ehr = Ehr()
    fetches: list[float] = []
    with LoopbackServer(_jwks_server({"current": ehr.jwks()}, fetches)) as server:
        url = f"{server.url}/.well-known/jwks.json"
        with running_cds(tmp_path, ehr, jwks=None, jwks_url=url) as cds:
            foreign = cds.headers(header={"jku": "https://attacker.example/jwks.json"})
            _assert_refused(cds.api.client.get("/cds-services", headers=foreign))
            registered = cds.headers(header={"jku": url})
            assert cds.api.client.get("/cds-services", headers=registered).status_code == 200
