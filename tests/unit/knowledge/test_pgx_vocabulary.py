"""Every drug the curated PGx rules name — the drugs a rule covers and the alternatives it offers —
is a known drug, so a CDS Hooks replacement order or a report link never carries an unknown name."""

from __future__ import annotations

from importlib.resources import files

import yaml

from integrome.normalize import canonical_drug


def test_curated_pgx_rules_name_only_known_drugs() -> None:
    text = files("integrome.knowledge").joinpath("data", "pgx", "recommendations.yaml").read_text()
    rules = yaml.safe_load(text)["rules"]
    named = {d for rule in rules for d in [*rule.get("drugs", []), *rule.get("alternatives", [])]}
    unknown = sorted(d for d in named if (drug := canonical_drug(d)) is None or drug.name != d)
    assert unknown == []
