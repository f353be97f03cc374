"""CDS Hooks test setup: the integrome API trusting one test EHR, and loopback servers for the
EHR's side (its JWK Set, a FHIR server stand-in) run by uvicorn on 127.0.0.1 in a thread."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.cdsehr import Ehr
from tests.integration.apiharness import Api, running_api

BASE = "http://testserver"
CASE_32 = Path(__file__).resolve().parents[1] / "cases" / "32-nstemi-clopidogrel-cyp2c19-poor-metabolizer"


@dataclass
class CdsApi:
    api: Api
    ehr: Ehr

    def audience(self, service: str | None = None) -> str:
        return f"{BASE}/cds-services" + (f"/{service}" if service else "")

    def headers(self, service: str | None = None, **token: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.ehr.token(self.audience(service), **token)}"}

    def call(self, service: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.api.client.post(
            f"/cds-services/{service}",
            json=body,
            headers=headers if headers is not None else self.headers(service),
        )


@contextmanager
def running_cds(data_dir: Path, ehr: Ehr | None = None, **client_settings: Any) -> Iterator[CdsApi]:
    ehr = ehr or Ehr()
    with running_api(data_dir, cds_clients=[ehr.client(**client_settings)], cds_base_url=BASE) as api:
        yield CdsApi(api=api, ehr=ehr)


class LoopbackServer:
    """`app` served by uvicorn on 127.0.0.1 (an ephemeral port) for the duration of a `with`."""

    def __init__(self, app: FastAPI) -> None:
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def hook_request(hook: str, patient_id: str, **fields: Any) -> dict[str, Any]:
    """A CDS Hooks request body (spec "Calling a CDS Service"); `fields` adds context or top-level keys."""
    context = {"userId": "Practitioner/dr-1", "patientId": patient_id}
    top = {k: v for k, v in fields.items() if k in ("prefetch", "fhirServer", "fhirAuthorization")}
    context.update({k: v for k, v in fields.items() if k not in top})
    return {"hookInstance": str(uuid.uuid4()), "hook": hook, "context": context, **top}


def medication_request(
    drug: str, rxnorm: str | None, order_id: str, patient_id: str, status: str = "draft"
) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": drug}
    if rxnorm:
        concept["coding"] = [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm, "display": drug}
        ]
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": concept,
        "subject": {"reference": f"Patient/{patient_id}"},
    }


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in resources]}
