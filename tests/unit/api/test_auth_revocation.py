"""Token revocation: sign-out, an admin's "revoke all tokens of a user", and deactivation, all
stored in the database so that every server process sharing it refuses the same tokens."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import KeySet, RSAKey
from tests.integration.apiharness import PASSWORD, Api, running_api

from integrome.api.auth import issued_before
from integrome.api.jwt import issue_jwt
from integrome.settings import ExternalIssuer

IDP = "https://idp.example.org"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


def _me(api: Api, token: str) -> int:
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


def _fresh_token(api: Api, user: str, seconds_from_now: int = 2) -> str:
    """A token issued after a cut-off set now (`iat` has whole seconds; see `issued_before`)."""
    with api.app.state.repository.transaction() as tx:
        record = tx.get_user(user)
    later = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return str(api.app.state.authenticator.issue(record, now=later).access_token)


def _actions(api: Api, actor: str) -> list[tuple[str, str]]:
    with api.app.state.repository.transaction() as tx:
        return [(e.action, e.outcome) for e in tx.list_audit(actor=actor)]


def test_token_from_the_cut_off_second_counts_as_earlier() -> None:
    cut_off = datetime(2026, 12, 1, 9, 0, 0, 400_000, tzinfo=UTC)
    second = int(datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC).timestamp())
    assert issued_before(second - 1, cut_off)
    assert issued_before(second, cut_off)
    assert not issued_before(second + 1, cut_off)


# sign-out --------------------------------------------------------------------------------------


def test_logout_revokes_the_presented_token_only(api: Api) -> None:
    signed_in = api.client.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD})
    token = signed_in.json()["access_token"]
    assert _me(api, token) == 200
    response = api.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    refused = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "revoked (signed out)" in refused.json()["detail"]
    assert _me(api, api.tokens["ann"]) == 200
    assert ("logout", "success") in _actions(api, "ann")


def test_second_logout_with_the_same_token_succeeds(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['ben']}"}
    assert api.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert api.client.post("/api/v1/auth/logout", headers=headers).status_code == 204


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer a.b.c"}])
def test_logout_without_a_valid_token_is_401(api: Api, headers: dict[str, str]) -> None:
    response = api.client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_revocation_holds_in_another_server_process_sharing_the_database(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    with (
        running_api(tmp_path / "one", database_url=database, jwt_secret="s" * 40) as one,
        running_api(tmp_path / "two", database_url=database, jwt_secret="s" * 40) as two,
    ):
        token = one.tokens["ann"]
        assert _me(two, token) == 200
        assert one.client.post("/api/v1/auth/logout", headers=one.auth("ann")).status_code == 204
        assert _me(two, token) == 401
        assert two.client.post("/api/v1/users/res/revoke-tokens", headers=two.auth("root")).status_code == 204
        assert _me(one, one.tokens["res"]) == 401


def test_web_sign_out_revokes_the_session_token(api: Api) -> None:
    client = TestClient(api.app)
    page = client.get("/web/signin")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    signed = client.post(
        "/web/signin",
        data={"username": "ann", "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/web/"},
        follow_redirects=False,
    )
    session = signed.cookies["integrome_session"]
    csrf_token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/web/patients").text)
    assert csrf_token
    out = client.post("/web/signout", data={"csrf_token": csrf_token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert _me(api, session) == 401


# admin: revoke all, deactivate ---------------------------------------------------------------


def test_admin_revokes_every_token_a_user_holds_and_a_new_sign_in_works(api: Api) -> None:
    old = api.tokens["ann"]
    response = api.client.post("/api/v1/users/ann/revoke-tokens", headers=api.auth("root"))
    assert response.status_code == 204
    assert _me(api, old) == 401
    assert _me(api, _fresh_token(api, "ann")) == 200
    assert _me(api, api.tokens["ben"]) == 200
    assert ("user.revoke_tokens", "success") in _actions(api, "root")


def test_only_an_admin_revokes_tokens_of_known_users(api: Api) -> None:
    assert api.client.post("/api/v1/users/ben/revoke-tokens", headers=api.auth("ann")).status_code == 403
    assert api.client.post("/api/v1/users/nobody/revoke-tokens", headers=api.auth("root")).status_code == 404
    assert _me(api, api.tokens["ben"]) == 200


def test_deactivated_user_is_refused_at_once_and_old_tokens_stay_dead(api: Api) -> None:
    old = api.tokens["ann"]
    off = api.client.patch("/api/v1/users/ann", json={"active": False}, headers=api.auth("root"))
    assert off.status_code == 200
    assert off.json()["active"] is False
    refused = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert refused.status_code == 401
    assert "deactivated" in refused.json()["detail"]
    sign_in = api.client.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD})
    assert sign_in.status_code == 400
    on = api.client.patch("/api/v1/users/ann", json={"active": True}, headers=api.auth("root"))
    assert on.json()["active"] is True
    assert _me(api, old) == 401
    assert _me(api, _fresh_token(api, "ann")) == 200
    assert [a for a in _actions(api, "root") if a[0].startswith("user.")] == [
        ("user.activate", "success"),
        ("user.deactivate", "success"),
    ]


def test_admin_cannot_deactivate_their_own_account(api: Api) -> None:
    response = api.client.patch("/api/v1/users/root", json={"active": False}, headers=api.auth("root"))
    assert response.status_code == 409
    assert _me(api, api.tokens["root"]) == 200


def test_only_an_admin_deactivates_users(api: Api) -> None:
    response = api.client.patch("/api/v1/users/ben", json={"active": False}, headers=api.auth("ann"))
    assert response.status_code == 403
    assert _me(api, api.tokens["ben"]) == 200


# external identity providers -----------------------------------------------------------------


def _idp(tmp_path: Path) -> tuple[RSAKey, ExternalIssuer]:
    key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(KeySet([key]).as_dict(private=False)))
    return key, ExternalIssuer(issuer=IDP, jwks_url=str(jwks), audience="integrome-api")


def _idp_token(key: RSAKey, issued_at: int) -> str:
    claims = {
        "iss": IDP,
        "aud": "integrome-api",
        "sub": "dr-who",
        "iat": issued_at,
        "exp": issued_at + 300,
        "integrome_role": "clinician",
    }
    return issue_jwt(claims, key, algorithm="RS256", kid="idp-1")


def test_external_users_tokens_are_cut_off_by_revoke_all_and_deactivation(tmp_path: Path) -> None:
    key, issuer = _idp(tmp_path)
    with running_api(tmp_path / "data", trusted_issuers=[issuer]) as api:
        now = int(time.time())
        old = _idp_token(key, now - 10)
        assert _me(api, old) == 200
        name = quote(f"{IDP}#dr-who", safe=":/")  # the '#' travels as %23
        revoked = api.client.post(f"/api/v1/users/{name}/revoke-tokens", headers=api.auth("root"))
        assert revoked.status_code == 204
        assert _me(api, old) == 401
        assert _me(api, _idp_token(key, now + 2)) == 200
        off = api.client.patch(f"/api/v1/users/{name}", json={"active": False}, headers=api.auth("root"))
        assert off.status_code == 200
        assert _me(api, _idp_token(key, now + 2)) == 401
        logout = api.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {old}"})
        assert logout.status_code == 401
