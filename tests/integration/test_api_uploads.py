"""Uploads: streamed to disk with a size limit; bad input is a 4xx problem and leaves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integrome.storage import AnalysisQuery
from tests.integration.apiharness import DEMO, Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path, max_upload_bytes=20_000) as running:
        yield running


def _nothing_stored(api: Api) -> None:
    with api.app.state.repository.transaction() as tx:
        assert tx.list_analyses(AnalysisQuery()).total == 0
    uploads = api.settings.data_dir / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir())
    inputs = api.settings.data_dir / "inputs"
    assert not inputs.exists() or not [p for p in inputs.rglob("*") if p.is_file()]


def test_upload_over_the_limit_is_413_problem_and_leaves_nothing(api: Api) -> None:
    big = b"##fileformat=VCFv4.2\n" + b"#" * 30_000
    response = api.client.post(
        "/api/v1/analyses", files=[("files", ("big.vcf", big))], headers=api.auth("ann")
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "20000 bytes" in response.json()["detail"]
    _nothing_stored(api)


def test_json_body_over_the_limit_is_413_even_without_content_length(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"resourceType": "Bundle", "entry": ['
        for _ in range(100):
            yield b'{"resource": {"resourceType": "Basic"}},' * 10
        yield b"{}]}"

    response = api.client.post(
        "/api/v1/analyses", content=chunks(), headers={**api.auth("ann"), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    _nothing_stored(api)


def test_unsupported_media_type_is_415(api: Api) -> None:
    response = api.client.post(
        "/api/v1/analyses", content=b"hello", headers={**api.auth("ann"), "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_unreadable_input_is_422_with_the_input_error_and_leaves_nothing(api: Api, tmp_path: Path) -> None:
    broken = tmp_path / "tumor.vcf"
    broken.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchr7\tpos\t.\tT\tG\n")
    response = api.post_files([DEMO / "bundle.json", broken])
    assert response.status_code == 422
    assert response.json()["detail"].startswith("tumor.vcf")
    _nothing_stored(api)


def test_empty_json_body_is_422(api: Api) -> None:
    response = api.post_bundle(content=b"")
    assert response.status_code == 422
    _nothing_stored(api)


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"other": ("a.txt", b"x")}, "unexpected form field 'other'"),
        ({"files": ("empty.vcf", b"")}, "empty.vcf: the uploaded file is empty"),
    ],
)
def test_multipart_without_usable_files_is_422(
    api: Api, files: dict[str, tuple[str, bytes]], problem: str
) -> None:
    response = api.client.post("/api/v1/analyses", files=files, headers=api.auth("ann"))
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    _nothing_stored(api)


def test_files_field_without_a_file_name_is_422(api: Api) -> None:
    response = api.client.post("/api/v1/analyses", files={"files": (None, b"x")}, headers=api.auth("ann"))
    assert response.status_code == 422
    assert "unexpected form field 'files'" in response.json()["detail"]
    _nothing_stored(api)


def test_form_urlencoded_body_is_415(api: Api) -> None:
    response = api.client.post("/api/v1/analyses", data={"note": "x"}, headers=api.auth("ann"))
    assert response.status_code == 415


def test_malformed_multipart_body_is_422(api: Api) -> None:
    response = api.client.post(
        "/api/v1/analyses",
        content=b"--xyz\r\nContent-Disposition: form-data; name=files\r\n\r\nabc",
        headers={**api.auth("ann"), "Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 422
    _nothing_stored(api)


def test_file_names_are_reduced_to_safe_base_names(api: Api, tmp_path: Path) -> None:
    response = api.client.post(
        "/api/v1/analyses",
        files=[("files", ("../../etc/bundle.json", (DEMO / "bundle.json").read_bytes()))],
        headers=api.auth("ann"),
    )
    assert response.status_code == 201, response.text
    assert [d["name"] for d in response.json()["documents"]] == ["bundle.json"]


def test_database_failure_while_storing_removes_the_raw_inputs_it_added(api: Api) -> None:
    from integrome.storage.sql import SqlRepository, make_engine

    api.app.state.repository = SqlRepository(make_engine(f"sqlite:///{api.settings.data_dir / 'empty.db'}"))
    response = api.post_bundle()
    assert response.status_code == 503
    inputs = api.settings.data_dir / "inputs"
    assert not [p for p in inputs.rglob("*") if p.is_file()]


def test_upload_scratch_left_by_a_crash_is_removed_at_startup(tmp_path: Path) -> None:
    import os
    import time

    scratch = tmp_path / "uploads"
    stale, fresh = scratch / "upload-old", scratch / "upload-new"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "tumor.vcf").write_text("##fileformat=VCFv4.2\n")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    with running_api(tmp_path):
        assert not stale.exists()
        assert fresh.exists()
