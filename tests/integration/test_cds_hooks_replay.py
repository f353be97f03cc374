"""Cards recompute PGx advice from a stored analysis' per-gene results; for the same medications
that must give exactly the analysis' own PGx alerts (the pharmacogenomic test cases, end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.deliver.cds_hooks import cds_patient
from integrome.knowledge import load_knowledge_base
from integrome.pipeline import RunOptions, run_analysis

CASES = Path(__file__).resolve().parents[1] / "cases"
PGX_CASES = [
    "32-nstemi-clopidogrel-cyp2c19-poor-metabolizer",
    "33-colon-capecitabine-dpyd-2a-heterozygous",
    "34-pediatric-all-mercaptopurine-tpmt-poor-metabolizer",
    "35-stroke-clopidogrel-cyp2c19-not-tested",
    "36-mechanical-valve-warfarin-cyp2c9-vkorc1",
    "37-breast-tamoxifen-cyp2d6-outside-call",
]


@pytest.mark.parametrize("case", PGX_CASES)
def test_replayed_results_give_the_analysis_own_pgx_alerts(case: str) -> None:
    inputs = sorted(p for p in (CASES / case).iterdir() if p.name != "expected.json")
    analysis = run_analysis(inputs, options=RunOptions(deterministic=True))
    kb = load_knowledge_base()
    patient = cds_patient(analysis, kb, basis="test")
    recomputed = sorted((i.kind, i.severity, i.title, tuple(i.drugs)) for i in patient.pgx_insights(kb))
    pgx_kinds = {"pgx", "contraindication"}
    original = sorted(
        (i.kind, i.severity, i.title, tuple(i.drugs))
        for i in analysis.insights
        if i.kind in pgx_kinds
        or (i.kind == "test_recommendation" and i.tests and i.tests[0].endswith(" genotyping"))
    )
    assert recomputed == original
    assert recomputed, "each PGx case has at least one PGx alert"
    for result in analysis.pgx:
        if result.assessed:
            assert patient.pgx[result.gene].phenotype == result.phenotype
