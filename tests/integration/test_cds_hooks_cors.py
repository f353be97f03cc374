"""CORS for browser-based CDS clients (the CDS Hooks sandbox): only /cds-services, only when origins
are configured, only for those origins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cdsehr import Ehr
from tests.integration.apiharness import running_api
from tests.integration.cdsharness import BASE, CdsApi, running_cds

SANDBOX = "https://sandbox.cds-hooks.org"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


@pytest.fixture
def cds(tmp_path: Path) -> Iterator[CdsApi]:
    ehr = Ehr()
    with running_api(tmp_path, cds_clients=[ehr.client()], cds_base_url=BASE, cors_origins=[SANDBOX]) as api:
        yield CdsApi(api=api, ehr=ehr)


def test_a_preflight_from_the_configured_origin_to_a_cds_service_is_allowed(cds: CdsApi) -> None:
    response = cds.api.client.options(
        "/cds-services/integrome-patient-view", headers={"Origin": SANDBOX, **PREFLIGHT}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_a_signed_discovery_call_from_the_configured_origin_carries_the_cors_header(cds: CdsApi) -> None:
    response = cds.api.client.get("/cds-services", headers={"Origin": SANDBOX, **cds.headers()})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX


def test_another_origin_and_other_routes_get_no_cors_header(cds: CdsApi) -> None:
    other = cds.api.client.options(
        "/cds-services/integrome-patient-view", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    api = cds.api.client.get("/health", headers={"Origin": SANDBOX})
    assert "access-control-allow-origin" not in api.headers


def test_without_configured_origins_there_is_no_cors(tmp_path: Path) -> None:
    with running_cds(tmp_path) as cds:
        response = cds.api.client.get("/cds-services", headers={"Origin": SANDBOX, **cds.headers()})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
