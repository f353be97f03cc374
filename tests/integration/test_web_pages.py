"""Web pages over HTTP (no browser): sessions, CSRF, roles, audit, escaping, errors as pages.

The browser journey is in test_browser.py; these run everywhere in milliseconds each.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.apiharness import DEMO, PASSWORD, Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


def _csrf(client: TestClient, path: str = "/web/signin") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _sign_in(client: TestClient, user: str, next_path: str = "/web/") -> Any:
    token = _csrf(client)
    return client.post(
        "/web/signin",
        data={"username": user, "password": PASSWORD, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def _signed_in(api: Api, user: str) -> TestClient:
    client = TestClient(api.app)
    assert _sign_in(client, user).status_code == 303
    return client


def _audit(api: Api, **filters: Any) -> list[Any]:
    with api.app.state.repository.transaction() as tx:
        return list(tx.list_audit(**filters))


def test_pages_behind_sign_in_redirect_to_the_sign_in_form(api: Api) -> None:
    response = api.client.get("/web/patients?gene=EGFR", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/signin?next=/web/patients%3Fgene%3DEGFR"


def test_sign_in_sets_an_httponly_samesite_lax_session_cookie(api: Api) -> None:
    response = _sign_in(api.client, "ann", "/web/kb")
    assert response.status_code == 303
    assert response.headers["location"] == "/web/kb"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("integrome_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert api.client.get("/web/kb").status_code == 200


def test_session_cookie_is_secure_over_https(api: Api) -> None:
    client = TestClient(api.app, base_url="https://testserver")
    cookie = next(
        c for c in _sign_in(client, "ann").headers.get_list("set-cookie") if "integrome_session" in c
    )
    assert "Secure" in cookie


def test_wrong_password_shows_the_form_again_and_is_audited(api: Api) -> None:
    token = _csrf(api.client)
    response = api.client.post(
        "/web/signin", data={"username": "ann", "password": "nope-nope-nope", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Incorrect user name or password." in response.text
    assert "integrome_session" not in response.headers.get("set-cookie", "")
    assert [(e.action, e.outcome) for e in _audit(api, actor="ann")] == [("login", "denied")]


def test_form_post_without_the_csrf_token_is_refused(api: Api) -> None:
    api.client.get("/web/signin")
    response = api.client.post("/web/signin", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 403
    assert "the form has expired" in response.text
    assert "integrome_session" not in response.headers.get("set-cookie", "")


def test_form_post_with_another_token_than_the_cookie_is_refused(api: Api) -> None:
    _csrf(api.client)
    response = api.client.post(
        "/web/signin", data={"username": "ann", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_form_post_from_another_origin_is_refused(api: Api) -> None:
    token = _csrf(api.client)
    response = api.client.post(
        "/web/signin",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://attacker.example"},
    )
    assert response.status_code == 403
    assert "another site" in response.text


@pytest.mark.parametrize("target", ["https://attacker.example/", "//attacker.example/web/", "/api/v1/audit"])
def test_sign_in_never_redirects_outside_the_web_app(api: Api, target: str) -> None:
    assert _sign_in(api.client, "ann", target).headers["location"] == "/web/"


def test_sign_out_clears_the_session(api: Api) -> None:
    client = _signed_in(api, "ann")
    token = _csrf(client, "/web/kb")
    response = client.post("/web/signout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert 'integrome_session=""' in response.headers["set-cookie"]
    assert client.get("/web/kb", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("user", "home"), [("ann", "/web/patients"), ("lab", "/web/lab"), ("res", "/web/kb")]
)
def test_each_role_lands_on_its_own_page(api: Api, user: str, home: str) -> None:
    client = _signed_in(api, user)
    assert client.get("/web/", follow_redirects=False).headers["location"] == home
    assert client.get(home).status_code == 200


def test_pages_send_security_headers(api: Api) -> None:
    response = _signed_in(api, "ann").get("/web/patients")
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text
    assert " style=" not in response.text


def test_lab_user_is_refused_patient_pages_with_an_audited_403_page(api: Api) -> None:
    response = _signed_in(api, "lab").get("/web/patients")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "the lab role may not open this page" in response.text
    assert [(e.action, e.outcome) for e in _audit(api, actor="lab")][:1] == [("analysis.access", "denied")]


def test_clinician_is_refused_the_lab_page(api: Api) -> None:
    assert _signed_in(api, "ann").get("/web/lab").status_code == 403


def _upload_demo(client: TestClient) -> str:
    token = _csrf(client, "/web/upload")
    files = [("files", (path.name, path.read_bytes())) for path in sorted(DEMO.iterdir())]
    response = client.post(
        "/web/upload", files=files, headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    job_page = response.headers["location"]
    assert re.fullmatch(r"/web/jobs/job-[0-9a-f]{16}", job_page)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(f"{job_page}/status").json()
        if state["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "succeeded", state
    redirect = client.get(job_page, follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == state["report_url"]
    return str(state["report_url"])


def test_upload_runs_a_job_whose_page_leads_to_the_stored_report(api: Api) -> None:
    client = _signed_in(api, "ann")
    report_url = _upload_demo(client)
    page = client.get(report_url)
    assert page.status_code == 200
    assert "Patient SYN-DEMO-0001" in page.text
    assert "Osimertinib for EGFR L858R" in page.text
    assert '<details class="evidence">' in page.text
    patients = client.get("/web/patients").text
    assert "SYN-DEMO-0001" in patients
    assert report_url in patients
    actions = {e.action for e in _audit(api, actor="ann")}
    assert {"analysis.create", "analysis.read.web", "analysis.list"} <= actions


def test_upload_without_the_csrf_header_is_refused_before_any_file_is_read(api: Api) -> None:
    client = _signed_in(api, "ann")
    response = client.post(
        "/web/upload", files=[("files", ("bundle.json", (DEMO / "bundle.json").read_bytes()))]
    )
    assert response.status_code == 403
    assert not list((api.settings.data_dir / "uploads").glob("upload-*"))


def test_upload_of_an_unreadable_file_ends_in_a_failed_job_with_the_reason(api: Api) -> None:
    client = _signed_in(api, "ann")
    token = _csrf(client, "/web/upload")
    response = client.post(
        f"/web/upload?csrf_token={token}",
        files=[("files", ("notes.bin", b"\x00\x01\x02 not a patient file"))],
    )
    job_page = str(response.url.path)
    deadline = time.monotonic() + 30
    while (state := client.get(f"{job_page}/status").json())["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["status"] == "failed"
    page = client.get(job_page)
    assert "The analysis failed." in page.text
    assert "notes.bin" in page.text
    assert 'http-equiv="refresh"' not in page.text


def test_another_clinicians_analysis_is_a_404_page_and_the_refusal_is_audited(api: Api) -> None:
    created = api.post_bundle("ann").json()
    response = _signed_in(api, "ben").get(f"/web/analyses/{created['id']}")
    assert response.status_code == 404
    assert f"no analysis {created['id']}" in response.text
    assert ("analysis.read.web", "denied") in [(e.action, e.outcome) for e in _audit(api, actor="ben")]


def test_report_page_escapes_text_from_the_patient_record(api: Api) -> None:
    bundle = json.loads((DEMO / "bundle.json").read_text())
    payload = '<img src=x onerror="alert(1)">'
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Condition":
            resource["code"]["coding"][0]["display"] = payload
            resource["code"].pop("text", None)
    created = api.post_bundle("ann", content=json.dumps(bundle).encode()).json()
    page = _signed_in(api, "ann").get(f"/web/analyses/{created['id']}").text
    assert payload not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_report_filters_are_applied_on_the_server(api: Api) -> None:
    created = api.post_bundle("ann").json()
    client = _signed_in(api, "ann")
    page = client.get(f"/web/analyses/{created['id']}?severity=warning").text
    shown, total = map(int, re.findall(r"Showing (\d+) of (\d+) insights", page)[0])
    assert 0 < shown < total
    assert page.count('<article class="card severity-') == shown
    assert '<article class="card severity-info"' not in page
    assert 'value="warning" selected' in page


def test_report_downloads_are_audited_attachments(api: Api) -> None:
    created = api.post_bundle("ann").json()
    client = _signed_in(api, "ann")
    document = client.get(f"/web/analyses/{created['id']}/analysis.json")
    assert document.headers["content-disposition"] == f'attachment; filename="{created["id"]}.json"'
    assert document.json()["schema"] == "integrome.analysis/1"


def test_lab_page_explains_when_the_server_cannot_publish(api: Api) -> None:
    client = _signed_in(api, "lab")
    assert "has no knowledge-base folder" in client.get("/web/lab").text
    refused = client.get("/web/lab/new")
    assert refused.status_code == 409
    assert "INTEGROME_KB_PATH" in refused.text


def test_lab_form_error_names_the_field_and_keeps_what_was_typed(tmp_path: Path) -> None:
    with running_api(tmp_path, kb_path=tmp_path / "kb") as api:
        with api.app.state.repository.transaction() as tx:
            tx.link_lab("lab", "city-lab")  # a lab user publishes only for linked laboratories
        client = _signed_in(api, "lab")
        token = _csrf(client, "/web/lab/new")
        form = {
            "csrf_token": token,
            "slug": "city-lab",
            "name_catalog": "City catalog",
            "version": "1",
            "provider_id": "city-lab",
            "provider_name": "City Lab",
            "country": "DE",
            "id": "panel",
            "name": "Panel <b>one</b>",
            "method": "ngs_panel",
            "origin": "somatic",
            "specimens": "blood",
            "turnaround_days": "soon",
        }
        response = client.post("/web/lab/new", data=form)
        assert response.status_code == 422
        assert "turnaround_days: expected a whole number of days" in response.text
        assert 'id="t-turnaround_days" name="turnaround_days" type="number" value="soon"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert "Panel &lt;b&gt;one&lt;/b&gt;" in response.text
        saved = client.post(
            "/web/lab/new", data=form | {"turnaround_days": "5", "genes": "EGFR"}, follow_redirects=False
        )
        assert saved.headers["location"] == "/web/lab?saved=panel"
        assert ("catalog.publish", "success") in [(e.action, e.outcome) for e in _audit(api, actor="lab")]
        assert "Panel &lt;b&gt;one&lt;/b&gt;" in client.get("/web/catalog?target=EGFR&provider=city-lab").text


def test_static_files_are_cacheable_and_unknown_names_are_404(api: Api) -> None:
    script = api.client.get("/web/static/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    assert api.client.get("/web/static/report.css").text.startswith("/* integrome physician report")
    assert api.client.get("/web/static/..%2Fapp.py").status_code == 404


def test_web_pages_are_not_part_of_the_openapi_document(api: Api) -> None:
    assert not [path for path in api.client.get("/openapi.json").json()["paths"] if path.startswith("/web")]


def test_root_opens_the_web_app(api: Api) -> None:
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/web/"
