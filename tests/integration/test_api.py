"""REST API: analyses (create, list, read, reports, re-run), jobs, operations endpoints.

Auth failures and role boundaries are in test_api_access.py; uploads in test_api_uploads.py.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrome.api.logs import JsonFormatter
from integrome.storage.sql import SqlRepository, make_engine
from tests.integration.apiharness import DEMO, Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


def test_health_answers_without_authentication(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_reports_a_reachable_database(api: Api) -> None:
    assert api.client.get("/ready").json() == {"status": "ready", "database": "ok"}


def test_ready_is_503_problem_when_the_database_is_unreachable(api: Api, tmp_path: Path) -> None:
    api.app.state.repository = SqlRepository(make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"))
    response = api.client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Service unavailable"


def test_openapi_documents_every_endpoint(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {
        "/health",
        "/ready",
        "/api/v1/auth/token",
        "/api/v1/analyses",
        "/api/v1/analyses/{analysis_id}",
        "/api/v1/analyses/{analysis_id}.html",
        "/api/v1/analyses/{analysis_id}.pdf",
        "/api/v1/analyses/{analysis_id}/fhir",
        "/api/v1/analyses/{analysis_id}/rerun",
        "/api/v1/jobs/{job_id}",
        "/api/v1/cohort",
        "/api/v1/kb",
        "/api/v1/catalog/tests",
        "/api/v1/catalog/{name}",
        "/api/v1/trials",
        "/api/v1/patients/{patient_id}/assignments",
        "/api/v1/audit",
        "/api/v1/users",
    } <= set(paths)
    content = paths["/api/v1/analyses"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)


def test_fhir_bundle_post_creates_an_analysis_under_a_pseudonym(api: Api) -> None:
    response = api.post_bundle()
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/analyses/{body['id']}"
    assert body["patient_id"].startswith("pt-")
    assert body["patient_id"] != body["analysis"]["patient"]["id"]
    assert body["analysis"]["schema"] == "integrome.analysis/1"
    assert body["analysis"]["insights"]
    assert [d["format"] for d in body["documents"]] == ["fhir"]
    again = api.client.get(f"/api/v1/analyses/{body['id']}", headers=api.auth("ann"))
    assert again.status_code == 200
    assert again.json()["analysis"] == body["analysis"]


def test_multipart_files_are_detected_by_content_and_listed_as_documents(api: Api) -> None:
    response = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf", DEMO / "germline-pgx.vcf"])
    assert response.status_code == 201, response.text
    documents = response.json()["documents"]
    assert sorted(d["format"] for d in documents) == ["fhir", "vcf", "vcf"]
    assert all(len(d["sha256"]) == 64 and d["size"] > 0 for d in documents)
    genes = {i_gene for i in response.json()["analysis"]["insights"] for i_gene in i["genes"]}
    assert "EGFR" in genes


def test_same_patient_in_two_analyses_keeps_one_pseudonym(api: Api) -> None:
    first = api.post_bundle().json()
    second = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf"]).json()
    assert first["patient_id"] == second["patient_id"]


def test_list_filters_by_gene_drug_and_patient_and_paginates(api: Api) -> None:
    egfr = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf"]).json()
    api.post_bundle()
    headers = api.auth("ann")
    everything = api.client.get("/api/v1/analyses", headers=headers).json()
    assert everything["total"] == 2
    assert [item["id"] for item in everything["items"]][1] == egfr["id"]
    by_gene = api.client.get("/api/v1/analyses", params={"gene": "egfr"}, headers=headers).json()
    assert egfr["id"] in [item["id"] for item in by_gene["items"]]
    nothing = api.client.get("/api/v1/analyses", params={"drug": "no-such-drug"}, headers=headers).json()
    assert nothing["total"] == 0
    page = api.client.get("/api/v1/analyses", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert (page["total"], len(page["items"]), page["items"][0]["id"]) == (2, 1, egfr["id"])
    mine = api.client.get("/api/v1/analyses", params={"patient_id": egfr["patient_id"]}, headers=headers)
    assert mine.json()["total"] == 2


def test_list_refuses_a_date_without_time_zone(api: Api) -> None:
    response = api.client.get(
        "/api/v1/analyses", params={"created_from": "2026-01-01T00:00:00"}, headers=api.auth("ann")
    )
    assert response.status_code == 422
    assert "timezone" in response.json()["detail"]
    timestamp = api.client.get("/api/v1/analyses", params={"created_to": "100"}, headers=api.auth("ann"))
    assert timestamp.status_code == 422


def test_html_report_is_served_for_a_stored_analysis(api: Api) -> None:
    analysis_id = api.post_bundle().json()["id"]
    response = api.client.get(f"/api/v1/analyses/{analysis_id}.html", headers=api.auth("ann"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_pdf_report_is_served_for_a_stored_analysis(api: Api) -> None:
    analysis_id = api.post_bundle().json()["id"]
    response = api.client.get(f"/api/v1/analyses/{analysis_id}.pdf", headers=api.auth("ann"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_fhir_report_is_a_genomics_reporting_bundle(api: Api) -> None:
    analysis_id = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf"]).json()["id"]
    response = api.client.get(f"/api/v1/analyses/{analysis_id}/fhir", headers=api.auth("ann"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"DiagnosticReport", "Observation"} <= kinds


def test_unknown_analysis_is_404_problem(api: Api) -> None:
    response = api.client.get("/api/v1/analyses/an-0123456789abcdef", headers=api.auth("ann"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_rerun_stores_a_new_linked_analysis_and_lists_changes(api: Api) -> None:
    original = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf"]).json()
    response = api.client.post(f"/api/v1/analyses/{original['id']}/rerun", headers=api.auth("ann"))
    assert response.status_code == 201, response.text
    rerun = response.json()
    assert rerun["id"] != original["id"]
    assert rerun["rerun_of"] == original["id"]
    assert rerun["changes"] == {
        "kb_version_before": original["kb_version"],
        "kb_version_after": rerun["kb_version"],
        "added": [],
        "removed": [],
    }
    assert [d["name"] for d in rerun["documents"]] == [d["name"] for d in original["documents"]]
    assert rerun["analysis"]["insights"] == original["analysis"]["insights"]


def test_rerun_reads_a_gzipped_upload_again(api: Api, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "bundle.json.gz"
    packed.write_bytes(gzip.compress((DEMO / "bundle.json").read_bytes()))
    original = api.post_files([packed])
    assert original.status_code == 201, original.text
    rerun = api.client.post(f"/api/v1/analyses/{original.json()['id']}/rerun", headers=api.auth("ann"))
    assert rerun.status_code == 201, rerun.text
    assert rerun.json()["documents"] == original.json()["documents"]


def test_async_post_returns_202_and_the_job_reaches_the_stored_analysis(api: Api) -> None:
    response = api.post_files([DEMO / "bundle.json", DEMO / "tumor.vcf"], **{"async": "true"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["status"] in ("queued", "running")
    api.app.state.jobs.wait(job["id"], timeout=120)
    done = api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.auth("ann")).json()
    assert done["status"] == "succeeded", done
    assert done["progress"] > 0
    stored = api.client.get(done["analysis_url"], headers=api.auth("ann"))
    assert stored.status_code == 200
    assert not list((api.settings.data_dir / "uploads").iterdir())


def test_large_upload_runs_as_background_job_without_asking(tmp_path: Path) -> None:
    with running_api(tmp_path, async_upload_bytes=100) as api:
        response = api.post_files([DEMO / "bundle.json"])
        assert response.status_code == 202
        api.app.state.jobs.wait(response.json()["id"], timeout=120)


def test_async_post_of_a_bad_bundle_is_refused_before_a_job_exists(api: Api) -> None:
    response = api.post_bundle(content=b'{"resourceType": "Bundle", "entry": 3}', **{"async": "true"})
    assert response.status_code == 422
    assert not list((api.settings.data_dir / "uploads").iterdir())


def test_failed_background_job_reports_the_input_error(api: Api, tmp_path: Path) -> None:
    broken = tmp_path / "broken.vcf"
    broken.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\nchr1\tnot-a-number\n")
    response = api.post_files([broken], **{"async": "true"})
    job_id = response.json()["id"]
    api.app.state.jobs.wait(job_id, timeout=60)
    job = api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth("ann")).json()
    assert job["status"] == "failed"
    assert job["message"].startswith("broken.vcf")
    assert job["analysis_id"] is None


def test_job_of_another_user_is_404(api: Api) -> None:
    job_id = api.post_files([DEMO / "bundle.json"], **{"async": "true"}).json()["id"]
    api.app.state.jobs.wait(job_id, timeout=60)
    assert api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth("ben")).status_code == 404
    assert api.client.get(f"/api/v1/jobs/{job_id}", headers=api.auth("root")).status_code == 200


def test_job_of_a_dead_server_process_is_failed_at_startup(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        repository = api.app.state.repository
        with repository.transaction() as tx:
            dead = tx.add_job(f"{api.app.state.jobs.host}:{2**22 + 12345}:gone", None)
            elsewhere = tx.add_job("another-host:1:abc", None)
    with (
        running_api(tmp_path / "again", database_url=repository.url) as api,
        api.app.state.repository.transaction() as tx,
    ):
        assert tx.get_job(dead.id).status == "failed"
        assert "stopped before the job finished" in (tx.get_job(dead.id).message or "")
        assert tx.get_job(elsewhere.id).status == "queued"


def test_kb_info_catalog_and_trials_are_readable_by_every_role(api: Api) -> None:
    for user in ("ann", "lab", "res", "root"):
        kb = api.client.get("/api/v1/kb", headers=api.auth(user))
        assert kb.status_code == 200
        assert kb.json()["version"].startswith("2026.")
        tests = api.client.get("/api/v1/catalog/tests", headers=api.auth(user)).json()
        assert any(entry["test"]["id"] == "foundationone-cdx" for entry in tests)
        assert api.client.get("/api/v1/trials", headers=api.auth(user)).status_code == 200


CATALOG = """\
schema: integrome.catalog/1
version: "2026.1"
name: Example Lab (fictional)
example: true
providers:
  - {id: example-api-lab, name: Example API Lab (fictional), country: US, example: true}
tests:
  - id: example-api-egfr-pcr
    name: EGFR mutation PCR (fictional)
    provider: example-api-lab
    method: pcr
    origin: somatic
    specimens: [tumor tissue (FFPE)]
    genes: [EGFR]
    example: true
"""


def test_lab_publishes_a_catalog_and_the_kb_version_changes(tmp_path: Path) -> None:
    with running_api(tmp_path, kb_path=tmp_path / "kb") as api:
        with api.app.state.repository.transaction() as tx:
            tx.link_lab("lab", "example-api-lab")  # a lab user publishes only for linked laboratories
        before = api.client.get("/api/v1/kb", headers=api.auth("lab")).json()["version"]
        response = api.client.put(
            "/api/v1/catalog/example-api-lab",
            content=CATALOG,
            headers={**api.auth("lab"), "Content-Type": "application/yaml"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["tests"] == 1
        assert response.json()["kb_version"] != before
        tests = api.client.get("/api/v1/catalog/tests", headers=api.auth("ann")).json()
        assert "example-api-egfr-pcr" in [entry["test"]["id"] for entry in tests]


def test_invalid_catalog_is_422_and_nothing_is_published(tmp_path: Path) -> None:
    with running_api(tmp_path, kb_path=tmp_path / "kb") as api:
        response = api.client.put(
            "/api/v1/catalog/broken",
            content=CATALOG.replace("method: pcr", "method: telepathy"),
            headers={**api.auth("lab"), "Content-Type": "application/yaml"},
        )
        assert response.status_code == 422
        assert "method" in response.json()["detail"]
        assert not (tmp_path / "kb" / "catalog" / "broken.yaml").exists()


def test_publishing_without_a_kb_folder_is_409(api: Api) -> None:
    response = api.client.put(
        "/api/v1/catalog/x", content=CATALOG, headers={**api.auth("lab"), "Content-Type": "application/yaml"}
    )
    assert response.status_code == 409


def test_logs_are_json_and_carry_no_patient_identifiers(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post_bundle()
    api.post_bundle(
        content=b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient",'
        b' "id": "SECRET-MRN-77", "birthDate": "1933-03-03", "name": [{"family": "Smithereens"}]}}, 1]}'
    )
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any(json.loads(line).get("route") == "/api/v1/analyses" for line in lines)
    text = "\n".join(lines) + "\n".join(record.getMessage() for record in caplog.records)
    for identifier in (
        "integrome-demo-0001",
        "SYN-DEMO-0001",
        "Lindqvist",
        "1961-04-02",
        "SECRET-MRN-77",
        "Smithereens",
        "1933-03-03",
    ):
        assert identifier not in text


def test_database_url_from_environment_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from integrome.settings import Settings

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("INTEGROME_DATABASE_URL", url)
    assert Settings().resolved_database_url() == url
    monkeypatch.delenv("INTEGROME_DATABASE_URL")
    monkeypatch.setenv("INTEGROME_DATA_DIR", str(tmp_path / "data"))
    assert Settings().resolved_database_url() == f"sqlite:///{tmp_path / 'data' / 'integrome.db'}"
    assert os.path.isdir(tmp_path / "data")


def test_unexpected_error_is_500_problem_and_its_message_stays_out_of_the_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    def broken() -> None:
        raise RuntimeError("patient SECRET-MRN-99 broke it")

    api.app.add_api_route("/broken-for-test", broken)
    caplog.set_level(logging.INFO)
    with TestClient(api.app, raise_server_exceptions=False) as client:
        response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "SECRET" not in response.text
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any(json.loads(line).get("error_type") == "RuntimeError" for line in lines)
    assert not any("SECRET" in line for line in lines)
