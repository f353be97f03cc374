"""Reconciling biomarker therapies with pharmacogenomic alerts about the same drug."""

from __future__ import annotations

from typing import Any

from integrome.insights.reconcile import reconcile_pgx
from integrome.model import Citation, Insight, PgxResult

CPIC_TAMOXIFEN = Citation(source="CPIC", id="PMID:29385237")
LABEL = Citation(source="FDA", id="fixture label")
CYP2D6_PM = PgxResult(
    gene="CYP2D6", diplotype="*4/*4", phenotype="Poor Metabolizer", activity_score=0.0, assessed=True
)


def therapy(drugs: list[str], **extra: Any) -> Insight:
    return Insight(
        id="",
        kind="therapy",
        title=f"{' + '.join(drugs)} for estrogen receptor-positive",
        summary="Tier IA, FDA-approved: tamoxifen for estrogen receptor-positive in Breast Invasive Ductal "
        "Carcinoma.",
        genes=["ESR1"],
        drugs=drugs,
        tier="IA",
        evidence_level="A",
        rationale=["ER IHC 95% in IDC"],
        citations=[LABEL],
        **extra,
    )


def alert(drug: str, severity: str, title: str, kind: str = "pgx", **extra: Any) -> Insight:
    return Insight(
        id="",
        kind=kind,
        title=title,
        summary=title,
        severity=severity,
        genes=["CYP2D6"],
        drugs=[drug],
        citations=[CPIC_TAMOXIFEN],
        **extra,
    )


TAMOXIFEN_ALTERNATIVE = alert(
    "tamoxifen",
    "warning",
    "Tamoxifen: CYP2D6 poor metabolizer — alternative hormonal therapy (aromatase inhibitor)",
)


def test_therapy_flagged_by_a_pgx_warning_says_so_in_summary_and_rationale() -> None:
    result = reconcile_pgx([therapy(["tamoxifen"]), TAMOXIFEN_ALTERNATIVE], [CYP2D6_PM])
    flagged, _ = result.insights
    assert flagged.summary.startswith("CYP2D6 poor metabolizer: CPIC recommends an alternative. Tier IA")
    assert len(flagged.summary) <= 140
    assert flagged.severity == "warning"
    assert flagged.rationale[-1] == f"Pharmacogenomic alert: {TAMOXIFEN_ALTERNATIVE.title}"
    assert [c.id for c in flagged.citations] == ["fixture label", "PMID:29385237"]
    assert result.warnings == []


def test_therapy_is_removed_by_a_critical_alert_and_the_alert_says_so() -> None:
    avoid = alert("tamoxifen", "critical", "Tamoxifen: avoid", kind="contraindication")
    result = reconcile_pgx([therapy(["tamoxifen"]), avoid], [CYP2D6_PM])
    (kept,) = result.insights
    assert kept.kind == "contraindication"
    assert kept.rationale[-1] == (
        "Not offered as biomarker-matched therapy: tamoxifen for estrogen receptor-positive (tier IA)"
    )
    assert result.warnings == [
        "tamoxifen not listed as therapy (tamoxifen for estrogen receptor-positive) — "
        "CYP2D6 poor metabolizer: CPIC advises avoiding it (see the pharmacogenomic alert)"
    ]


def test_combination_containing_the_flagged_drug_is_flagged_too() -> None:
    result = reconcile_pgx([therapy(["tamoxifen", "palbociclib"]), TAMOXIFEN_ALTERNATIVE], [CYP2D6_PM])
    assert result.insights[0].summary.startswith("CYP2D6 poor metabolizer")


def test_informational_pgx_and_other_drugs_leave_the_therapy_unchanged() -> None:
    info = alert("tamoxifen", "info", "CYP2D6 poor metabolizer: CPIC guidance for other drugs")
    codeine = alert("codeine", "critical", "Codeine: avoid")
    original = therapy(["letrozole"])
    result = reconcile_pgx([original, info, codeine, therapy(["tamoxifen"])], [CYP2D6_PM])
    assert result.insights[0] == original
    assert result.insights[3].summary.startswith("Tier IA")


def test_dose_guidance_is_reported_as_a_dose_adjustment() -> None:
    dose = alert("tamoxifen", "warning", "Tamoxifen: reduce the starting dose")
    result = reconcile_pgx([therapy(["tamoxifen"]), dose], [CYP2D6_PM])
    assert result.insights[0].summary.startswith(
        "CYP2D6 poor metabolizer: CPIC recommends a dose adjustment."
    )


def test_gene_without_an_assessed_result_is_named_without_a_phenotype() -> None:
    not_assessed = PgxResult(gene="CYP2D6", phenotype="Not assessed", assessed=False)
    result = reconcile_pgx([therapy(["tamoxifen"]), TAMOXIFEN_ALTERNATIVE], [not_assessed])
    assert result.insights[0].summary.startswith("CYP2D6: CPIC recommends an alternative.")
