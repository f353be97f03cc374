"""Publishing a catalog is limited to the laboratories a lab user is linked to (REST and web page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.integration.apiharness import PASSWORD, Api, running_api


def catalog(*providers: str, test_id: str = "egfr-pcr") -> str:
    """A valid fictional catalog whose one test belongs to the first provider."""
    listed = "\n".join(
        f"  - {{id: {provider}, name: {provider} (fictional), country: US, example: true}}"
        for provider in providers
    )
    return f"""\
schema: integrome.catalog/1
version: "2026.1"
name: Fictional catalog
example: true
providers:
{listed}
tests:
  - id: {test_id}
    name: EGFR mutation PCR (fictional)
    provider: {providers[0]}
    method: pcr
    origin: somatic
    specimens: [tumor tissue (FFPE)]
    genes: [EGFR]
    example: true
"""


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path, kb_path=tmp_path / "kb") as running:
        yield running


def _link(api: Api, user: str, *labs: str) -> None:
    with api.app.state.repository.transaction() as tx:
        for lab in labs:
            tx.link_lab(user, lab)


def _put(api: Api, name: str, body: str, user: str = "lab") -> httpx.Response:
    response: httpx.Response = api.client.put(
        f"/api/v1/catalog/{name}",
        content=body,
        headers={**api.auth(user), "Content-Type": "application/yaml"},
    )
    return response


def _publishes(api: Api) -> list[tuple[str, str]]:
    with api.app.state.repository.transaction() as tx:
        return [(e.actor, e.outcome) for e in tx.list_audit() if e.action == "catalog.publish"]


def test_lab_user_without_links_publishes_nothing(api: Api, tmp_path: Path) -> None:
    response = _put(api, "city-lab", catalog("city-lab"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "'city-lab'" in response.json()["detail"]
    assert not (tmp_path / "kb" / "catalog" / "city-lab.yaml").exists()
    assert _publishes(api) == [("lab", "denied")]


def test_linked_lab_user_publishes_its_laboratorys_catalog(api: Api, tmp_path: Path) -> None:
    _link(api, "lab", "city-lab")
    response = _put(api, "city-lab", catalog("city-lab"))
    assert response.status_code == 200, response.text
    assert (tmp_path / "kb" / "catalog" / "city-lab.yaml").exists()
    assert _publishes(api) == [("lab", "success")]


def test_lab_user_of_another_laboratory_is_refused_and_audited(api: Api, tmp_path: Path) -> None:
    _link(api, "lab", "other-lab")
    response = _put(api, "city-lab", catalog("city-lab"))
    assert response.status_code == 403
    assert "not linked to laboratory 'city-lab'" in response.json()["detail"]
    assert not (tmp_path / "kb" / "catalog").exists()
    assert _publishes(api) == [("lab", "denied")]


def test_catalog_naming_several_laboratories_needs_every_link(api: Api) -> None:
    _link(api, "lab", "city-lab")
    refused = _put(api, "joint", catalog("city-lab", "river-lab"))
    assert refused.status_code == 403
    assert "'river-lab'" in refused.json()["detail"]
    _link(api, "lab", "river-lab")
    assert _put(api, "joint", catalog("city-lab", "river-lab")).status_code == 200


def test_lab_cannot_overwrite_another_laboratorys_published_catalog(api: Api, tmp_path: Path) -> None:
    assert _put(api, "river", catalog("river-lab"), user="root").status_code == 200
    before = (tmp_path / "kb" / "catalog" / "river.yaml").read_text()
    _link(api, "lab", "city-lab")
    hijack = _put(api, "river", catalog("city-lab"))
    assert hijack.status_code == 403
    assert "'river-lab'" in hijack.json()["detail"]
    side_by_side = api.client.put(
        "/api/v1/catalog/river",
        content=b'{"schema": "integrome.catalog/1"}',
        headers={**api.auth("lab"), "Content-Type": "application/json"},
    )
    assert side_by_side.status_code == 422  # invalid before any write
    assert (tmp_path / "kb" / "catalog" / "river.yaml").read_text() == before


def test_unreadable_published_catalog_is_replaced_by_an_admin_only(api: Api, tmp_path: Path) -> None:
    folder = tmp_path / "kb" / "catalog"
    folder.mkdir(parents=True)
    (folder / "city-lab.yaml").write_text("schema: [not, a, catalog\n")
    _link(api, "lab", "city-lab")
    refused = _put(api, "city-lab", catalog("city-lab"))
    assert refused.status_code == 403
    assert "cannot be read" in refused.json()["detail"]
    assert _put(api, "city-lab", catalog("city-lab"), user="root").status_code == 200


def test_admin_links_and_unlinks_lab_users_over_rest(api: Api) -> None:
    root = api.auth("root")
    assert api.client.put("/api/v1/users/lab/labs/city-lab", headers=root).status_code == 204
    assert api.client.put("/api/v1/users/lab/labs/city-lab", headers=root).status_code == 204
    assert api.client.get("/api/v1/users/lab/labs", headers=root).json() == ["city-lab"]
    assert _put(api, "city-lab", catalog("city-lab")).status_code == 200
    assert api.client.delete("/api/v1/users/lab/labs/city-lab", headers=root).status_code == 204
    assert api.client.delete("/api/v1/users/lab/labs/city-lab", headers=root).status_code == 404
    assert _put(api, "city-lab", catalog("city-lab")).status_code == 403
    with api.app.state.repository.transaction() as tx:
        actions = [e.action for e in tx.list_audit(actor="root")]
    assert actions.count("user.lab_link") == 2
    assert actions.count("user.lab_unlink") == 1


def test_only_lab_users_are_linked_and_only_by_an_admin(api: Api) -> None:
    clinician = api.client.put("/api/v1/users/ann/labs/city-lab", headers=api.auth("root"))
    assert clinician.status_code == 409
    assert "clinician role" in clinician.json()["detail"]
    assert api.client.put("/api/v1/users/lab/labs/city-lab", headers=api.auth("lab")).status_code == 403
    assert api.client.put("/api/v1/users/nobody/labs/city-lab", headers=api.auth("root")).status_code == 404
    assert api.client.put("/api/v1/users/lab/labs/City_Lab", headers=api.auth("root")).status_code == 422


# web page ------------------------------------------------------------------------------------------


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _web_client(api: Api, user: str) -> TestClient:
    client = TestClient(api.app)
    token = _csrf(client, "/web/signin")
    signed = client.post(
        "/web/signin",
        data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/web/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    return client


def _new_catalog_form(token: str, provider: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "slug": provider,
        "name_catalog": "Fictional catalog",
        "version": "1",
        "provider_id": provider,
        "provider_name": "Fictional lab",
        "country": "DE",
        "id": "panel",
        "name": "Panel",
        "method": "ngs_panel",
        "origin": "somatic",
        "specimens": "blood",
        "genes": "EGFR",
    }


def test_web_lab_page_publishes_only_for_linked_laboratories(api: Api, tmp_path: Path) -> None:
    _link(api, "lab", "city-lab")
    client = _web_client(api, "lab")
    token = _csrf(client, "/web/lab/new")
    refused = client.post("/web/lab/new", data=_new_catalog_form(token, "river-lab"), follow_redirects=False)
    assert refused.status_code == 403
    assert "not linked to laboratory" in refused.text
    assert not (tmp_path / "kb" / "catalog" / "river-lab.yaml").exists()
    saved = client.post("/web/lab/new", data=_new_catalog_form(token, "city-lab"), follow_redirects=False)
    assert saved.status_code == 303
    assert _publishes(api) == [("lab", "success"), ("lab", "denied")]


def test_web_lab_page_refuses_editing_another_laboratorys_test(api: Api, tmp_path: Path) -> None:
    assert _put(api, "river", catalog("river-lab"), user="root").status_code == 200
    _link(api, "lab", "city-lab")
    client = _web_client(api, "lab")
    token = _csrf(client, "/web/lab/river/tests/egfr-pcr")
    form = {
        "csrf_token": token,
        "version": "2026.2",
        "id": "egfr-pcr",
        "name": "Renamed",
        "provider": "river-lab",
    }
    form |= {"method": "pcr", "origin": "somatic", "specimens": "blood", "genes": "EGFR"}
    response = client.post("/web/lab/river/tests/egfr-pcr", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "not linked to laboratory &#39;river-lab&#39;" in response.text
    assert 'version: "2026.1"' in (tmp_path / "kb" / "catalog" / "river.yaml").read_text()
