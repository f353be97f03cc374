"""The JSON Schemas in docs/schema/ are the published contract other tools read: they must equal
what the models generate, so a contract change is always a visible, reviewed diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from integrome.model import Analysis, PatientProfile

DOCS = Path(__file__).resolve().parents[3] / "docs" / "schema"


@pytest.mark.parametrize(("model", "name"), [(Analysis, "analysis"), (PatientProfile, "profile")])
def test_published_schema_matches_the_model(model: type[BaseModel], name: str) -> None:
    published = json.loads((DOCS / f"{name}.schema.json").read_text())
    assert published == model.model_json_schema(by_alias=True), (
        f"docs/schema/{name}.schema.json is out of date: regenerate it and describe the change in "
        "docs/contracts.md"
    )


def test_analysis_contract_keeps_the_architecture_fields() -> None:
    properties = Analysis.model_json_schema(by_alias=True)["properties"]
    for key in ("schema", "kb_version", "generated_at", "patient", "findings", "pgx", "insights", "warnings"):
        assert key in properties
