"""Property-based check of the REST API against its own OpenAPI document (schemathesis).

Every operation gets a bounded number of generated requests, schema-valid (positive) and invalid
(negative), sent in-process (ASGI) with an admin token so that no role boundary hides an
operation. All of schemathesis' checks run: no 5xx, documented status codes, content types and
response bodies, invalid data rejected. Failures of all operations are collected and reported
together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.apiharness import running_api

pytestmark = pytest.mark.slow

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
"""Per operation and mode: about 400 requests in all, well under a minute on two cores."""


CONTENT_VALIDATED = {"POST /api/v1/analyses", "PUT /api/v1/catalog/{name}"}
"""Bodies whose validity is more than JSON Schema can say (a FHIR R4 Bundle's resources, a
catalog's gene symbols and provider references): the OpenAPI document describes their top level,
so a body valid against it may still be refused with 422 naming the problem. For these two the
'schema-valid request accepted' check is left out; every other check still applies."""

SIGN_OUT = "POST /api/v1/auth/logout"
"""Revokes the token it is sent with: exercised with a clinician's token, so the admin token of
every other operation stays valid (signing out again with a revoked token still answers 204)."""


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    excluded = [positive_data_acceptance] if operation.label in CONTENT_VALIDATED else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode], deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()


def test_api_conforms_to_its_openapi_document(tmp_path: Path) -> None:
    with running_api(tmp_path, kb_path=tmp_path / "kb", async_upload_bytes=10**9) as api:
        schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            for mode in EXAMPLES:
                try:
                    _exercise(operation, mode, api.auth("ann" if operation.label == SIGN_OUT else "root"))
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to get wrong
                except (Exception, BaseExceptionGroup) as exc:  # collect all operations' failures
                    failures.append(f"{operation.label} [{mode.value}]: {exc}")
        assert operations >= 17
        assert not failures, "\n\n".join(failures)
