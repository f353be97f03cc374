"""Regenerate docs/schema/*.schema.json from the models (run after a reviewed contract change)."""

from __future__ import annotations

import json
from pathlib import Path

from integrome.model import Analysis, PatientProfile

OUT = Path(__file__).resolve().parents[1] / "docs" / "schema"

for model, name in ((Analysis, "analysis"), (PatientProfile, "profile")):
    text = json.dumps(model.model_json_schema(by_alias=True), indent=2, sort_keys=True) + "\n"
    (OUT / f"{name}.schema.json").write_text(text)
    print(f"wrote {OUT / f'{name}.schema.json'}")
