"""Authentication and role boundaries of the REST API, and the audit trail they leave."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc.jwk import KeySet, RSAKey

from integrome.api.jwt import issue_jwt
from integrome.settings import ExternalIssuer
from tests.integration.apiharness import PASSWORD, Api, running_api

IDP = "https://idp.example.org"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


@pytest.fixture
def analysis_id(api: Api) -> str:
    response = api.post_bundle("ann")
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _audit(api: Api, **params: str) -> list[dict[str, str]]:
    response = api.client.get("/api/v1/audit", params=params, headers=api.auth("root"))
    assert response.status_code == 200
    return list(response.json())


# authentication ------------------------------------------------------------------------------


def test_password_sign_in_issues_a_working_bearer_token(api: Api) -> None:
    response = api.client.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()
    assert (token["token_type"], token["expires_in"]) == ("bearer", 3600)
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json() == {"name": "ann", "role": "clinician", "issuer": "integrome"}


def test_wrong_password_is_refused_and_audited(api: Api) -> None:
    response = api.client.post("/api/v1/auth/token", data={"username": "ann", "password": "not it at all"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    unknown = api.client.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever123"})
    assert unknown.json()["detail"] == response.json()["detail"]
    logins = [e for e in _audit(api) if e["action"] == "login"]
    assert [(e["actor"], e["outcome"]) for e in logins[:2]] == [("nobody", "denied"), ("ann", "denied")]


def test_request_without_token_is_401_with_bearer_challenge(api: Api) -> None:
    response = api.client.get("/api/v1/analyses")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJpbnRlZ3JvbWUifQ."])
def test_invalid_token_is_401(api: Api, token: str) -> None:
    response = api.client.get("/api/v1/analyses", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_expired_local_token_is_401(api: Api) -> None:
    authenticator = api.app.state.authenticator
    with api.app.state.repository.transaction() as tx:
        user = tx.get_user("ann")
    from datetime import UTC, datetime, timedelta

    old = authenticator.issue(user, now=datetime.now(UTC) - timedelta(hours=3)).access_token
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_token_signed_by_another_server_is_401(tmp_path: Path) -> None:
    with running_api(tmp_path / "one") as one, running_api(tmp_path / "two") as two:
        response = two.client.get("/api/v1/auth/me", headers=one.auth("ann"))
        assert response.status_code == 401


def _idp(tmp_path: Path) -> tuple[RSAKey, ExternalIssuer]:
    key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(KeySet([key]).as_dict(private=False)))
    return key, ExternalIssuer(issuer=IDP, jwks_url=str(jwks), audience="integrome-api")


def _idp_token(key: RSAKey, **claims: object) -> str:
    payload: dict[str, object] = {
        "iss": IDP,
        "aud": "integrome-api",
        "sub": "dr-who",
        "exp": int(time.time()) + 300,
    }
    payload.update(claims)
    return issue_jwt(payload, key, algorithm="RS256", kid="idp-1")


def test_external_issuer_token_signs_in_with_the_role_it_names(tmp_path: Path) -> None:
    key, issuer = _idp(tmp_path)
    with running_api(tmp_path / "data", trusted_issuers=[issuer]) as api:
        headers = {"Authorization": f"Bearer {_idp_token(key, integrome_role='clinician')}"}
        me = api.client.get("/api/v1/auth/me", headers=headers)
        assert me.json() == {"name": f"{IDP}#dr-who", "role": "clinician", "issuer": IDP}
        created = api.client.post(
            "/api/v1/analyses",
            content=(Path(__file__).parents[2] / "src/integrome/examples/demo/bundle.json").read_bytes(),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert created.status_code == 201
        again = api.client.get(f"/api/v1/analyses/{created.json()['id']}", headers=headers)
        assert again.status_code == 200


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"integrome_role": "superuser"}, "role"),
        ({}, "role"),
        ({"integrome_role": "admin", "aud": "x"}, "aud"),
    ],
)
def test_external_token_without_valid_role_or_audience_is_401(
    tmp_path: Path, claims: dict[str, object], problem: str
) -> None:
    key, issuer = _idp(tmp_path)
    with running_api(tmp_path / "data", trusted_issuers=[issuer]) as api:
        response = api.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {_idp_token(key, **claims)}"}
        )
        assert response.status_code == 401
        assert problem in response.json()["detail"]


def test_token_from_an_untrusted_issuer_is_401(tmp_path: Path) -> None:
    key, _issuer = _idp(tmp_path)
    with running_api(tmp_path / "data") as api:
        token = _idp_token(key, integrome_role="admin")
        response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "not trusted" in response.json()["detail"]


# roles ---------------------------------------------------------------------------------------


def test_researcher_cannot_read_identified_reports(api: Api, analysis_id: str) -> None:
    headers = api.auth("res")
    for method, path in (
        ("GET", "/api/v1/analyses"),
        ("GET", f"/api/v1/analyses/{analysis_id}"),
        ("GET", f"/api/v1/analyses/{analysis_id}.html"),
        ("GET", f"/api/v1/analyses/{analysis_id}.pdf"),
        ("GET", f"/api/v1/analyses/{analysis_id}/fhir"),
        ("POST", f"/api/v1/analyses/{analysis_id}/rerun"),
    ):
        assert api.client.request(method, path, headers=headers).status_code == 403, path
    assert api.post_bundle("res").status_code == 403
    denied = [e for e in _audit(api, actor="res") if e["outcome"] == "denied"]
    assert len(denied) == 7


def test_researcher_cohort_rows_carry_no_identifiers(api: Api, analysis_id: str) -> None:
    response = api.client.get("/api/v1/cohort", headers=api.auth("res"))
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    row = page["items"][0]
    assert set(row) == {"age_band", "sex", "diagnoses", "insight_kinds"}
    assert row["sex"] == "female"
    assert row["age_band"] == "60-69"
    text = json.dumps(page)
    stored = api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ann")).json()
    for identifier in (analysis_id, stored["patient_id"], "integrome-demo-0001", "1961-04-02", "Lindqvist"):
        assert identifier not in text
    assert {"LUAD"} <= {d["oncotree"] for d in row["diagnoses"]}
    # the bundle alone names an EGFR exon 21 missense without the change, which excludes the PD-L1
    # immunotherapy records; what remains are counts per kind, never the insights themselves
    assert sum(row["insight_kinds"].values()) >= 1
    assert all(isinstance(n, int) for n in row["insight_kinds"].values())


def test_clinician_and_lab_cannot_use_the_cohort_view(api: Api) -> None:
    assert api.client.get("/api/v1/cohort", headers=api.auth("ann")).status_code == 403
    assert api.client.get("/api/v1/cohort", headers=api.auth("lab")).status_code == 403
    assert api.client.get("/api/v1/cohort", headers=api.auth("root")).status_code == 200


def test_lab_cannot_see_patients(api: Api, analysis_id: str) -> None:
    headers = api.auth("lab")
    assert api.client.get("/api/v1/analyses", headers=headers).status_code == 403
    assert api.client.get(f"/api/v1/analyses/{analysis_id}", headers=headers).status_code == 403
    assert api.post_bundle("lab").status_code == 403


def test_clinician_and_researcher_cannot_publish_a_catalog(tmp_path: Path) -> None:
    with running_api(tmp_path, kb_path=tmp_path / "kb") as api:
        for user in ("ann", "res"):
            response = api.client.put(
                "/api/v1/catalog/x",
                content="{}",
                headers={**api.auth(user), "Content-Type": "application/json"},
            )
            assert response.status_code == 403


def test_clinician_sees_another_clinicians_patient_only_after_assignment(api: Api, analysis_id: str) -> None:
    assert api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ben")).status_code == 404
    assert api.client.get("/api/v1/analyses", headers=api.auth("ben")).json()["total"] == 0
    patient_id = api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ann")).json()[
        "patient_id"
    ]
    refused = api.client.post(
        f"/api/v1/patients/{patient_id}/assignments", json={"user": "ben"}, headers=api.auth("ben")
    )
    assert refused.status_code == 404
    assigned = api.client.post(
        f"/api/v1/patients/{patient_id}/assignments", json={"user": "ben"}, headers=api.auth("ann")
    )
    assert assigned.status_code == 201
    assert api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ben")).status_code == 200
    assert api.client.get("/api/v1/analyses", headers=api.auth("ben")).json()["total"] == 1


def test_patients_are_assigned_to_clinicians_only(api: Api, analysis_id: str) -> None:
    patient_id = api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ann")).json()[
        "patient_id"
    ]
    response = api.client.post(
        f"/api/v1/patients/{patient_id}/assignments", json={"user": "res"}, headers=api.auth("ann")
    )
    assert response.status_code == 422


def test_admin_sees_every_analysis(api: Api, analysis_id: str) -> None:
    assert api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("root")).status_code == 200
    assert api.client.get("/api/v1/analyses", headers=api.auth("root")).json()["total"] == 1


def test_only_admin_manages_users(api: Api) -> None:
    new_user = {"name": "cara", "role": "clinician", "password": "a long enough password"}
    assert api.client.get("/api/v1/users", headers=api.auth("ann")).status_code == 403
    assert api.client.post("/api/v1/users", json=new_user, headers=api.auth("ann")).status_code == 403
    created = api.client.post("/api/v1/users", json=new_user, headers=api.auth("root"))
    assert created.status_code == 201
    assert created.json() == {"name": "cara", "role": "clinician", "active": True, "external": False}
    assert api.client.post("/api/v1/users", json=new_user, headers=api.auth("root")).status_code == 409
    names = [u["name"] for u in api.client.get("/api/v1/users", headers=api.auth("root")).json()]
    assert "cara" in names


def test_only_admin_reads_the_audit_log(api: Api) -> None:
    for user in ("ann", "lab", "res"):
        assert api.client.get("/api/v1/audit", headers=api.auth(user)).status_code == 403


# audit trail ---------------------------------------------------------------------------------


def test_every_patient_read_and_write_is_audited_with_who_what_and_where(api: Api, analysis_id: str) -> None:
    api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ann"))
    api.client.get(f"/api/v1/analyses/{analysis_id}.html", headers=api.auth("ann"))
    api.client.get("/api/v1/analyses", headers=api.auth("ann"))
    api.client.get(f"/api/v1/analyses/{analysis_id}", headers=api.auth("ben"))
    events = _audit(api)
    patient_id = next(e["patient_id"] for e in events if e["action"] == "analysis.create")
    trail = [
        (e["actor"], e["action"], e["outcome"])
        for e in reversed(events)
        if e["action"].startswith("analysis")
    ]
    assert trail == [
        ("ann", "analysis.create", "success"),
        ("ann", "analysis.read", "success"),
        ("ann", "analysis.read.html", "success"),
        ("ann", "analysis.list", "success"),
        ("ben", "analysis.read", "denied"),
    ]
    reads = [e for e in events if e["actor"] == "ann" and e["action"].startswith("analysis.read")]
    assert all(e["patient_id"] == patient_id and e["client_ip"] == "testclient" for e in reads)
    assert all(e["analysis_id"] == analysis_id for e in reads)


def test_failed_analysis_is_audited_as_failed_without_a_patient(api: Api) -> None:
    response = api.post_bundle(content=b'{"resourceType": "Bundle", "entry": 3}')
    assert response.status_code == 422
    failed = [e for e in _audit(api, actor="ann") if e["action"] == "analysis.create"]
    assert [(e["outcome"], e["patient_id"]) for e in failed] == [("failed", None)]
