"""Diagnostic hallmark fusions: orientation, partner sets, OncoTree subtree, and diagnosis review flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.ingest.fusions import read_fusions
from integrome.knowledge.diagnostic_fusions import DiagnosticFusionTable, load_diagnostic_fusions
from integrome.match.diagnostic_fusions import diagnostic_fusion_insights
from integrome.model import Diagnosis, Finding, FusionFinding, Insight, Patient, PatientProfile


@pytest.fixture(scope="module")
def table() -> DiagnosticFusionTable:
    return load_diagnostic_fusions()


def _fusion(five: str | None, three: str | None, id: str = "f1", oriented: bool = True) -> FusionFinding:
    gene = five or three
    assert gene is not None
    return FusionFinding(
        id=id,
        source="table",
        gene=gene,
        partner=three if gene == five else five,
        five_prime=five if oriented else None,
        three_prime=three if oriented else None,
        provenance=f"fusions.tsv:line {id.removeprefix('f')}",
    )


def _profile(findings: list[Finding], *codes: str) -> PatientProfile:
    diagnoses = [Diagnosis(system="oncotree", code=code, display=code, oncotree=code) for code in codes]
    return PatientProfile(patient=Patient(id="p1", diagnoses=diagnoses), findings=findings)


def _only(insights: list[Insight]) -> Insight:
    assert len(insights) == 1, [insight.title for insight in insights]
    return insights[0]


def test_ewsr1_fli1_in_ewing_sarcoma_is_a_defining_diagnostic_insight(table: DiagnosticFusionTable) -> None:
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("EWSR1", "FLI1")], "ES"), table))
    assert insight.kind == "diagnostic"
    assert insight.title == "EWSR1::FLI1 fusion — defining alteration of Ewing sarcoma (WHO 2020)"
    assert insight.summary == "Consistent with the recorded diagnosis, Ewing Sarcoma."
    assert (insight.severity, insight.tier, insight.evidence_level) == ("info", "IA", "A")
    assert insight.genes == ["EWSR1", "FLI1"]
    assert insight.finding_ids == ["f1"]
    assert (
        insight.citations[0].id
        == "Classification of Tumours: Soft Tissue and Bone Tumours, 5th edition (2020)"
    )
    assert insight.rationale[0] == "EWSR1–FLI1 fusion (fusions.tsv line 1)"


def test_reciprocal_orientation_is_not_matched(table: DiagnosticFusionTable) -> None:
    assert diagnostic_fusion_insights(_profile([_fusion("FLI1", "EWSR1")], "ES"), table) == []
    assert diagnostic_fusion_insights(_profile([_fusion("FOXO1", "PAX3")], "ARMS"), table) == []


def test_fusion_with_an_unnamed_partner_or_unknown_orientation_is_not_matched(
    table: DiagnosticFusionTable,
) -> None:
    findings: list[Finding] = [
        _fusion(None, "NTRK3", "f1"),
        _fusion("EWSR1", None, "f2"),
        _fusion("EWSR1", "FLI1", "f3", oriented=False),
    ]
    assert diagnostic_fusion_insights(_profile(findings, "ES"), table) == []


@pytest.mark.parametrize(
    ("five", "three", "code"),
    [
        ("FUS", "ERG", "ES"),
        ("EWSR1", "FEV", "ESST"),
        ("SS18", "SSX4", "SYNS"),
        ("PAX7", "FOXO1", "ARMS"),
        ("NONO", "TFE3", "TRCC"),
    ],
)
def test_any_listed_partner_on_each_side_matches_the_entity(
    table: DiagnosticFusionTable, five: str, three: str, code: str
) -> None:
    insight = _only(diagnostic_fusion_insights(_profile([_fusion(five, three)], code), table))
    assert insight.title.startswith(f"{five}::{three} fusion — defining alteration of ")
    assert insight.severity == "info"


def test_partners_of_different_entities_do_not_combine(table: DiagnosticFusionTable) -> None:
    """EWSR1 (Ewing, DSRCT) with SSX1 (synovial sarcoma) is in no row."""
    assert (
        diagnostic_fusion_insights(_profile([_fusion("EWSR1", "SSX1"), _fusion("SS18", "FLI1", "f2")]), table)
        == []
    )


def test_diagnosis_below_the_tumor_type_is_consistent(table: DiagnosticFusionTable) -> None:
    """CMLBCRABL1 lies under CML in OncoTree."""
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("BCR", "ABL1")], "CMLBCRABL1"), table))
    assert insight.title == "BCR::ABL1 fusion — defining alteration of chronic myeloid leukaemia (WHO 2022)"
    assert insight.severity == "info"
    assert [c.id for c in insight.citations] == [
        "Classification of Tumours: Haematolymphoid Tumours, 5th edition (2022)",
        "35732831",
    ]


def test_shared_fusion_leads_with_the_entity_of_the_recorded_diagnosis(table: DiagnosticFusionTable) -> None:
    """ASPSCR1::TFE3 belongs to alveolar soft part sarcoma and to TFE3-rearranged renal cell carcinoma."""
    kidney = _only(diagnostic_fusion_insights(_profile([_fusion("ASPSCR1", "TFE3")], "TRCC"), table))
    assert "TFE3-rearranged renal cell carcinoma" in kidney.title
    assert "alveolar soft part sarcoma" not in kidney.title
    sarcoma = _only(diagnostic_fusion_insights(_profile([_fusion("ASPSCR1", "TFE3")], "ASPS"), table))
    assert "alveolar soft part sarcoma (WHO 2020)" in sarcoma.title


def test_fusion_of_another_entity_asks_to_review_the_diagnosis(table: DiagnosticFusionTable) -> None:
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("EWSR1", "FLI1")], "BRCA"), table))
    assert insight.summary == (
        "Recorded diagnosis is Invasive Breast Carcinoma; EWSR1::FLI1 defines Ewing sarcoma: "
        "consider reviewing the diagnosis."
    )
    assert insight.severity == "warning"
    assert insight.tier is None
    assert (
        "Recorded diagnosis Invasive Breast Carcinoma (BRCA) lies outside the tumor types of EWSR1::FLI1: "
        "Ewing sarcoma (OncoTree ES, ESST); consider reviewing the diagnosis."
    ) in insight.rationale


def test_characteristic_fusion_elsewhere_is_worded_as_characteristic(table: DiagnosticFusionTable) -> None:
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("TMPRSS2", "ERG")], "LUAD"), table))
    assert (
        insight.title
        == "TMPRSS2::ERG fusion — characteristic alteration of prostate adenocarcinoma (WHO 2022)"
    )
    assert insight.summary == (
        "Recorded diagnosis is Lung Adenocarcinoma; TMPRSS2::ERG is characteristic of prostate "
        "adenocarcinoma: consider reviewing the diagnosis."
    )
    assert insight.severity == "warning"
    assert any(line.startswith("Characteristic, not defining") for line in insight.rationale)


def test_broader_recorded_diagnosis_is_specified_not_questioned(table: DiagnosticFusionTable) -> None:
    """Soft tissue (tissue level) is an ancestor of synovial sarcoma: the fusion narrows the diagnosis."""
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("SS18", "SSX2")], "SOFT_TISSUE"), table))
    assert insight.summary == "Specifies the recorded diagnosis, Soft Tissue Cancer, as synovial sarcoma."
    assert (insight.severity, insight.tier) == ("info", "IA")


def test_one_fitting_diagnosis_among_several_is_enough(table: DiagnosticFusionTable) -> None:
    insight = _only(
        diagnostic_fusion_insights(_profile([_fusion("PML", "RARA")], "BRCA", "APLPMLRARA"), table)
    )
    assert insight.severity == "info"
    assert insight.summary.startswith("Consistent with the recorded diagnosis, APL with PML-RARA")


def test_without_coded_diagnosis_the_fusion_is_reported_ungraded_by_tumor_type(
    table: DiagnosticFusionTable,
) -> None:
    insight = _only(diagnostic_fusion_insights(_profile([_fusion("NAB2", "STAT6")]), table))
    assert insight.summary == (
        "No coded diagnosis to compare with; NAB2::STAT6 is characteristic of solitary fibrous tumour or "
        "solitary fibrous tumour of the CNS."
    )
    assert (insight.severity, insight.tier, insight.evidence_level) == ("info", "IIC", "C")


def test_calls_of_the_same_fusion_share_one_insight(table: DiagnosticFusionTable) -> None:
    findings: list[Finding] = [_fusion("RUNX1", "RUNX1T1", "f1"), _fusion("RUNX1", "RUNX1T1", "f2")]
    insight = _only(diagnostic_fusion_insights(_profile(findings, "AMLRUNX1RUNX1T1"), table))
    assert insight.finding_ids == ["f1", "f2"]


def test_every_row_words_a_mismatch_within_the_card_summary_limit(table: DiagnosticFusionTable) -> None:
    """The longest OncoTree name as recorded diagnosis still leaves a complete review summary."""
    pairs = sorted(
        {(five, three) for row in table.rows for five in row.five_prime for three in row.three_prime}
    )
    findings: list[Finding] = [_fusion(five, three, f"f{n}") for n, (five, three) in enumerate(pairs, 1)]
    insights = diagnostic_fusion_insights(_profile(findings, "AMLGATA2MECOM"), table)
    assert len(insights) == len(pairs)
    for insight in insights:
        assert insight.severity == "warning"
        assert insight.summary.endswith(("reviewing the diagnosis.", "reviewing the recorded diagnosis.")), (
            insight.summary
        )


def _pcgr_insights(path: Path, code: str) -> dict[str, Insight]:
    result = read_fusions(path)
    profile = _profile(list(result.findings), code)
    return {
        insight.title.split(" ")[0]: insight
        for insight in diagnostic_fusion_insights(profile, load_diagnostic_fusions())
    }


def test_pcgr_breast_example_flags_the_sarcoma_leukemia_and_prostate_fusions(shared_data: Path) -> None:
    """T001-BRCA (GRCh37): six of its fusions are diagnostic hallmarks; '--NTRK3' has no 5' gene."""
    insights = _pcgr_insights(shared_data / "pcgr-examples" / "T001-BRCA.grch37.fusions.tsv", "BRCA")
    assert sorted(insights) == [
        "BCR::ABL1",
        "EWSR1::FLI1",
        "KIAA1549::BRAF",
        "MYB::NFIB",
        "PAX3::FOXO1",
        "TMPRSS2::ERG",
    ]
    flagged = sorted(name for name, insight in insights.items() if insight.severity == "warning")
    assert flagged == ["BCR::ABL1", "EWSR1::FLI1", "KIAA1549::BRAF", "PAX3::FOXO1", "TMPRSS2::ERG"]
    # Adenoid cystic carcinoma of the breast lies under invasive breast carcinoma in OncoTree.
    assert insights["MYB::NFIB"].summary == (
        "Supports adenoid cystic carcinoma of the breast within the recorded diagnosis, "
        "Invasive Breast Carcinoma."
    )
    assert insights["EWSR1::FLI1"].rationale[0] == "EWSR1–FLI1 fusion (T001-BRCA.grch37.fusions.tsv line 4)"


def test_pcgr_colon_example_on_grch38_flags_every_hallmark_fusion(shared_data: Path) -> None:
    insights = _pcgr_insights(shared_data / "pcgr-examples" / "T001-COAD.grch38.fusions.tsv", "COAD")
    assert sorted(insights) == ["BCR::ABL1", "EWSR1::FLI1", "KIAA1549::BRAF", "PAX3::FOXO1", "TMPRSS2::ERG"]
    assert {insight.severity for insight in insights.values()} == {"warning"}
    assert insights["PAX3::FOXO1"].summary == (
        "Recorded diagnosis is Colon Adenocarcinoma; PAX3::FOXO1 defines alveolar rhabdomyosarcoma: "
        "consider reviewing the diagnosis."
    )


def test_moalmanac_star_fusion_example_has_no_hallmark_fusion(shared_data: Path) -> None:
    """Its table genes appear only with other partners or reversed (NFATC3--SS18, COL1A1--CITED4)."""
    result = read_fusions(
        shared_data / "moalmanac-examples" / "input" / "example_patient.rna.star.fusions.txt"
    )
    table = load_diagnostic_fusions()
    involved = [
        f
        for f in result.findings
        if isinstance(f, FusionFinding) and {f.five_prime, f.three_prime} & table.genes
    ]
    assert {(f.five_prime, f.three_prime) for f in involved} >= {("NFATC3", "SS18"), ("COL1A1", "CITED4")}
    assert diagnostic_fusion_insights(_profile(list(result.findings), "SKCM"), table) == []
