"""Cross-omics concordance: evidence when layers agree, flags when they do not; matching of each class."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from integrome.insights import analyze
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.match.concordance import assess_concordance
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Coverage,
    Diagnosis,
    ExpressionMeasurement,
    Finding,
    FusionFinding,
    InputDocument,
    Patient,
    PatientProfile,
    VariantFinding,
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _profile(
    findings: list[Finding],
    *,
    oncotree: str = "BRCA",
    levels: list[ExpressionMeasurement] | None = None,
    cn_genes: list[str] | None = None,
) -> PatientProfile:
    inputs, coverage = [], []
    if cn_genes is not None:
        inputs.append(InputDocument(name="cn.tsv", format="copy_number", sha256="0" * 64, size=1))
        coverage.append(Coverage(input="cn.tsv", assay="table", genes=cn_genes))
    return PatientProfile(
        patient=Patient(
            id="p1",
            diagnoses=[Diagnosis(system="oncotree", code=oncotree, display=oncotree, oncotree=oncotree)],
        ),
        findings=findings,
        expression=levels or [],
        inputs=inputs,
        coverage=coverage,
    )


def _her2(value: str, status: Literal["positive", "equivocal", "low", "negative"]) -> BiomarkerFinding:
    return BiomarkerFinding(
        id="f1",
        source="table",
        biomarker="HER2",
        gene="ERBB2",
        method="IHC",
        scoring="IHC 0-3+",
        value=value,
        status=status,
        omics_layer="protein",
    )


def _erbb2_amp() -> CopyNumberFinding:
    return CopyNumberFinding(
        id="f2", source="table", gene="ERBB2", call="amplification", copy_number=9, omics_layer="dna"
    )


def _rna(gene: str, value: float, call: str) -> ExpressionMeasurement:
    return ExpressionMeasurement(gene=gene, layer="rna", value=value, unit="TPM", call=call)  # type: ignore[arg-type]


def test_her2_equivocal_with_dna_amplification_recommends_reflex_ish() -> None:
    result = assess_concordance(_profile([_her2("2+", "equivocal"), _erbb2_amp()]))
    (item,) = result.concordance
    assert item.verdict == "partial"
    assert "reflex ISH" in item.note
    (insight,) = result.insights
    assert insight.kind == "test_recommendation"
    assert insight.tests == ["HER2 ISH (reflex for IHC 2+)"]
    assert insight.citations[0].source == "ASCO/CAP"


def test_her2_3plus_with_amplification_and_high_rna_is_concordant() -> None:
    profile = _profile([_her2("3+", "positive"), _erbb2_amp()], levels=[_rna("ERBB2", 1133, "high")])
    (item,) = assess_concordance(profile).concordance
    assert item.verdict == "concordant"
    assert [e.layer for e in item.layers] == ["protein", "dna", "rna"]


def test_her2_1plus_with_dna_amplification_is_discordant() -> None:
    (item,) = assess_concordance(_profile([_her2("1+", "low"), _erbb2_amp()])).concordance
    assert item.verdict == "discordant"


def test_her2_3plus_where_copy_number_assay_found_no_amplification_is_discordant() -> None:
    (item,) = assess_concordance(_profile([_her2("3+", "positive")], cn_genes=["ERBB2"])).concordance
    assert item.verdict == "discordant"
    assert "no ERBB2 amplification" in item.note


def test_her2_without_any_copy_number_assay_is_not_compared() -> None:
    assert assess_concordance(_profile([_her2("3+", "positive")])).concordance == []


def test_egfr_mutation_not_expressed_in_rna_is_flagged() -> None:
    variant = VariantFinding(
        id="f1",
        source="vcf",
        origin="somatic",
        gene="EGFR",
        hgvs_p="p.Leu858Arg",
        consequence="missense_variant",
    )
    (item,) = assess_concordance(
        _profile([variant], oncotree="LUAD", levels=[_rna("EGFR", 0.3, "not_expressed")])
    ).concordance
    assert item.verdict == "discordant"
    assert "may not be transcribed" in item.note


def test_fusion_seen_in_dna_and_rna_is_concordant() -> None:
    rna = FusionFinding(
        id="f1",
        source="table",
        gene="ALK",
        partner="EML4",
        five_prime="EML4",
        three_prime="ALK",
        omics_layer="rna",
        caller="STAR-Fusion",
    )
    dna = FusionFinding(
        id="f2", source="vcf", gene="ALK", partner="EML4", omics_layer="dna", caller="VCF structural variant"
    )
    (item,) = assess_concordance(_profile([rna, dna], oncotree="LUAD")).concordance
    assert item.verdict == "concordant"


def test_msi_high_with_intact_mmr_is_discordant() -> None:
    msi = BiomarkerFinding(
        id="f1", source="table", biomarker="MSI", method="NGS (MSIsensor)", value="MSI-H", status="positive"
    )
    mmr = BiomarkerFinding(
        id="f2", source="table", biomarker="MMR", method="IHC", value="proficient", status="negative"
    )
    (item,) = assess_concordance(_profile([msi, mmr], oncotree="COAD")).concordance
    assert item.verdict == "discordant"


def test_deep_deletion_with_expressed_gene_is_discordant() -> None:
    deletion = CopyNumberFinding(id="f1", source="table", gene="PTEN", call="deep_deletion")
    (item,) = assess_concordance(_profile([deletion], levels=[_rna("PTEN", 40, "within_range")])).concordance
    assert item.verdict == "discordant"


def _therapies(profile: PatientProfile, kb: KnowledgeBase) -> dict[str, list[str]]:
    analysis = analyze(profile, kb, generated_at="2026-01-01T00:00:00Z")
    out: dict[str, list[str]] = {}
    for insight in analysis.insights:
        if insight.kind == "therapy":
            out.setdefault(" + ".join(insight.drugs), []).extend(insight.rationale)
    return out


def test_erbb2_amplification_matches_trastuzumab_with_cross_layer_support(kb: KnowledgeBase) -> None:
    profile = _profile([_her2("3+", "positive"), _erbb2_amp()], levels=[_rna("ERBB2", 1133, "high")])
    therapies = _therapies(profile, kb)
    assert "trastuzumab" in therapies
    assert any(line.startswith("Supported across omics layers") for line in therapies["trastuzumab"])


def test_alk_fusion_from_rna_matches_alectinib(kb: KnowledgeBase) -> None:
    fusion = FusionFinding(
        id="f1", source="table", gene="ALK", partner="EML4", five_prime="EML4", three_prime="ALK"
    )
    assert "alectinib" in _therapies(_profile([fusion], oncotree="LUAD"), kb)


def test_reverse_ntrk1_fusion_does_not_match_larotrectinib(kb: KnowledgeBase) -> None:
    fusion = FusionFinding(
        id="f1",
        source="table",
        gene="NTRK1",
        partner="TPM3",
        five_prime="NTRK1",
        three_prime="TPM3",
        kinase_domain_retained=False,
    )
    assert "larotrectinib" not in _therapies(_profile([fusion], oncotree="LUAD"), kb)
    forward = fusion.model_copy(
        update={"five_prime": "TPM3", "three_prime": "NTRK1", "kinase_domain_retained": None}
    )
    assert "larotrectinib" in _therapies(_profile([forward], oncotree="LUAD"), kb)


def test_computed_tmb_high_matches_pembrolizumab(kb: KnowledgeBase) -> None:
    tmb = BiomarkerFinding(
        id="f1",
        source="vcf",
        biomarker="TMB",
        method="computed",
        scoring="mut/Mb",
        value="14 mut/Mb",
        numeric=14.0,
        unit="mut/Mb",
        status="positive",
    )
    assert "pembrolizumab" in _therapies(_profile([tmb], oncotree="LUAD"), kb)


def test_dmmr_from_ihc_table_matches_pembrolizumab(kb: KnowledgeBase) -> None:
    mmr = BiomarkerFinding(
        id="f1",
        source="table",
        biomarker="MMR",
        method="IHC",
        value="deficient (loss of MLH1)",
        status="positive",
    )
    assert "pembrolizumab" in _therapies(_profile([mmr], oncotree="COAD"), kb)


def test_met_exon14_skipping_from_rna_junctions_matches_capmatinib(kb: KnowledgeBase) -> None:
    skipping = BiomarkerFinding(
        id="f1",
        source="table",
        biomarker="MET exon 14 skipping",
        gene="MET",
        method="RNA junction reads",
        value="42 reads",
        status="positive",
        omics_layer="rna",
    )
    assert "capmatinib" in _therapies(_profile([skipping], oncotree="LUAD"), kb)


def test_her2_low_ihc_matches_trastuzumab_deruxtecan(kb: KnowledgeBase) -> None:
    her2 = BiomarkerFinding(
        id="f1",
        source="table",
        biomarker="HER2",
        gene="ERBB2",
        method="IHC",
        scoring="IHC 1+ or IHC 2+/ISH-",
        value="1+",
        status="low",
    )
    assert "trastuzumab deruxtecan" in _therapies(_profile([her2]), kb)


def test_cdk4_amplification_in_liposarcoma_matches_palbociclib(kb: KnowledgeBase) -> None:
    amp = CopyNumberFinding(id="f1", source="table", gene="CDK4", call="amplification", copy_number=30)
    assert "palbociclib" in _therapies(_profile([amp], oncotree="DDLS"), kb)


def test_pcgr_brca_multiomics_end_to_end(shared_data: Path) -> None:
    from integrome.pipeline import RunOptions, run_analysis

    folder = shared_data / "pcgr-examples"
    analysis = run_analysis(
        [
            folder / "T001-BRCA.grch38.cna.tsv",
            folder / "T001-BRCA.grch38.fusions.tsv",
            folder / "T001-BRCA.gene_expression.tsv.gz",
        ],
        options=RunOptions(deterministic=True),
    )
    titles = {i.title for i in analysis.insights}
    assert "Trastuzumab for ERBB2 amplification" in titles
    assert not any("NTRK" in t and "larotrectinib" in t.lower() for t in titles)
    assert len(analysis.segments) == 260
    assert {m.gene: m.call for m in analysis.expression}["ALK"] == "not_expressed"
    assert any(c.gene == "NTRK1" and c.verdict == "discordant" for c in analysis.concordance)
