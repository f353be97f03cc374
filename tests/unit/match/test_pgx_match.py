"""match_pgx: phenotypes, drug alerts, pre-emptive list, test recommendations, phenoconversion."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match.pgx import match_pgx
from integrome.model import GenotypeCall, Medication, Patient, PatientProfile, SiteGenotype


@dataclass
class _Kb:
    pgx: PgxKnowledge


@pytest.fixture(scope="module")
def kb() -> _Kb:
    return _Kb(load_pgx_knowledge())


def profile(
    meds: list[tuple[str, str]],
    sites: list[SiteGenotype] | None = None,
    calls: list[GenotypeCall] | None = None,
) -> PatientProfile:
    if calls is None:
        calls = []
    if sites is None:
        sites = []
    patient = Patient(id="p1", medications=[Medication(name=n, status=s) for n, s in meds])  # type: ignore[arg-type]
    return PatientProfile(patient=patient, sites=sites, genotypes=calls)


def cyp2c19_panel(rs12248560: tuple[str, str]) -> list[SiteGenotype]:
    return [
        SiteGenotype(chrom="chr10", pos=94761900, ref="C", alleles=list(rs12248560)),
        SiteGenotype(chrom="chr10", pos=94780653, ref="G", alleles=["G", "G"]),
        SiteGenotype(chrom="chr10", pos=94781859, ref="G", alleles=["G", "G"]),
    ]


def test_cyp2c19_ultrarapid_escitalopram_gets_alternative_warning(kb: _Kb) -> None:
    result = match_pgx(profile([("escitalopram", "active")], cyp2c19_panel(("T", "T"))), kb)
    cyp = next(r for r in result.results if r.gene == "CYP2C19")
    assert (cyp.diplotype, cyp.phenotype, cyp.assessed) == ("*17/*17", "Ultrarapid Metabolizer", True)
    alert = next(
        i for i in result.insights if "escitalopram" in i.drugs and i.kind == "pgx" and i.severity != "info"
    )
    assert alert.severity == "warning"
    assert alert.classification == "strong"
    assert "alternative" in alert.title + alert.summary
    assert alert.citations[0].id == "PMID:37032427"


def test_clopidogrel_planned_without_cyp2c19_data_recommends_testing(kb: _Kb) -> None:
    dpyd_only = [SiteGenotype(chrom="chr1", pos=97450058, ref="C", alleles=["C", "C"])]
    result = match_pgx(profile([("clopidogrel", "planned")], dpyd_only), kb)
    cyp = next(r for r in result.results if r.gene == "CYP2C19")
    assert cyp.assessed is False
    assert cyp.phenotype == "Not assessed"
    assert cyp.diplotype is None
    test = next(i for i in result.insights if i.kind == "test_recommendation")
    assert test.tests == ["CYP2C19 genotyping"]
    assert test.drugs == ["clopidogrel"]
    assert not any("normal metabolizer" in (i.title + i.summary).lower() for i in result.insights)


def test_cyp2c19_poor_metabolizer_clopidogrel_is_critical_with_alternatives(kb: _Kb) -> None:
    sites = [
        SiteGenotype(chrom="chr10", pos=94781859, ref="G", alleles=["A", "A"]),
        SiteGenotype(chrom="chr10", pos=94775367, ref="A", alleles=["G", "G"]),
    ]
    result = match_pgx(profile([("clopidogrel", "planned")], sites), kb)
    alert = next(i for i in result.insights if "clopidogrel" in i.drugs)
    assert alert.kind == "contraindication"
    assert alert.severity == "critical"
    assert alert.alternatives == ["prasugrel", "ticagrelor"]


def test_drug_without_pgx_implication_yields_no_insight(kb: _Kb) -> None:
    result = match_pgx(profile([("metformin", "active")]), kb)
    assert result.insights == []
    assert result.results == []


def test_outside_call_ugt1a1_poor_metabolizer_reduces_irinotecan_dose(kb: _Kb) -> None:
    call = GenotypeCall(gene="UGT1A1", diplotype="*28/*28", source="fhir")
    result = match_pgx(profile([("irinotecan", "planned")], calls=[call]), kb)
    ugt = next(r for r in result.results if r.gene == "UGT1A1")
    assert (ugt.phenotype, ugt.source) == ("Poor Metabolizer", "fhir")
    alert = next(i for i in result.insights if i.drugs == ["irinotecan"])
    assert alert.severity == "warning"
    assert "70%" in alert.summary
    assert alert.citations[0].source == "DPWG"


def test_hla_b5701_positive_abacavir_is_critical_contraindication(kb: _Kb) -> None:
    call = GenotypeCall(gene="HLA-B", allele="*57:01", present=True, source="fhir")
    result = match_pgx(profile([("abacavir/dolutegravir/lamivudine", "planned")], calls=[call]), kb)
    alert = next(i for i in result.insights if "abacavir" in i.drugs)
    assert (alert.kind, alert.severity, alert.genes) == ("contraindication", "critical", ["HLA-B"])
    assert "not recommended" in alert.summary


def test_hla_b5701_negative_abacavir_raises_no_alert(kb: _Kb) -> None:
    call = GenotypeCall(gene="HLA-B", allele="*57:01", present=False, source="fhir")
    result = match_pgx(profile([("abacavir", "planned")], calls=[call]), kb)
    assert not any(i.severity == "critical" for i in result.insights)


def test_strong_inhibitor_phenoconverts_cyp2d6_for_codeine(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    result = match_pgx(profile([("paroxetine", "active"), ("codeine", "planned")], calls=[call]), kb)
    cyp = next(r for r in result.results if r.gene == "CYP2D6")
    assert (cyp.phenotype, cyp.functional_phenotype) == ("Normal Metabolizer", "Poor Metabolizer")
    alert = next(i for i in result.insights if i.drugs == ["codeine"])
    assert alert.severity == "critical"
    assert any("paroxetine" in line for line in alert.rationale)
    assert any(c.source == "FDA" for c in alert.citations)


def test_no_inhibitor_keeps_genotype_phenotype(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    result = match_pgx(profile([("codeine", "planned")], calls=[call]), kb)
    assert next(r for r in result.results if r.gene == "CYP2D6").functional_phenotype is None
    assert not any(i.severity == "critical" for i in result.insights)


def test_dpyd_reference_panel_is_normal_with_activity_score_two(kb: _Kb) -> None:
    sites = [
        SiteGenotype(chrom="chr1", pos=97450058, ref="C", alleles=["C", "C"]),
        SiteGenotype(chrom="chr1", pos=97082391, ref="T", alleles=["T", "T"]),
    ]
    result = match_pgx(profile([("fluorouracil", "planned")], sites), kb)
    dpyd = next(r for r in result.results if r.gene == "DPYD")
    assert (dpyd.diplotype, dpyd.phenotype, dpyd.activity_score) == (
        "Reference/Reference",
        "Normal Metabolizer",
        2.0,
    )
    assert not any(i.severity == "critical" for i in result.insights)


def test_dpyd_star2a_heterozygote_halves_fluoropyrimidine_dose(kb: _Kb) -> None:
    sites = [SiteGenotype(chrom="chr1", pos=97450058, ref="C", alleles=["C", "T"])]
    result = match_pgx(profile([("capecitabine", "planned")], sites), kb)
    dpyd = next(r for r in result.results if r.gene == "DPYD")
    assert (dpyd.phenotype, dpyd.activity_score) == ("Intermediate Metabolizer", 1.0)
    alert = next(i for i in result.insights if i.drugs == ["capecitabine"])
    assert alert.severity == "warning"
    assert "50%" in alert.summary


def test_preemptive_insight_lists_unprescribed_drugs_once_per_gene(kb: _Kb) -> None:
    result = match_pgx(profile([("escitalopram", "active")], cyp2c19_panel(("T", "T"))), kb)
    pre = [i for i in result.insights if i.severity == "info" and "CYP2C19" in i.genes and len(i.drugs) > 1]
    assert len(pre) == 1
    assert "voriconazole" in pre[0].drugs
    assert "escitalopram" not in pre[0].drugs


def test_preemptive_insight_reads_as_a_note_for_future_prescribing(kb: _Kb) -> None:
    result = match_pgx(profile([("escitalopram", "active")], cyp2c19_panel(("T", "T"))), kb)
    (pre,) = [i for i in result.insights if i.severity == "info" and len(i.drugs) > 1]
    assert pre.title.startswith("CYP2C19 ultrarapid metabolizer — relevant if prescribed: ")
    assert all(drug in pre.title for drug in pre.drugs)
    assert pre.summary.startswith("Pre-emptive note: none of these drugs is prescribed now")
    assert pre.rationale[0] == "CYP2C19 *17/*17 (VCF) → Ultrarapid Metabolizer"
    assert "voriconazole: choose an alternative antifungal" in pre.rationale
    assert not any("other drug(s)" in text or "Also affects" in text for text in (pre.title, pre.summary))


def test_results_are_sorted_by_gene(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="UGT1A1", diplotype="*1/*28", source="fhir")]
    result = match_pgx(profile([("clopidogrel", "planned")], cyp2c19_panel(("C", "T")), calls), kb)
    genes = [r.gene for r in result.results]
    assert genes == sorted(genes)
    assert {"CYP2C19", "UGT1A1"} <= set(genes)


def test_tamoxifen_cyp2d6_poor_metabolizer_recommends_an_aromatase_inhibitor(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*4/*4", source="outside_call")
    result = match_pgx(profile([("tamoxifen", "planned")], calls=[call]), kb)
    alert = next(i for i in result.insights if i.drugs == ["tamoxifen"])
    assert (alert.severity, alert.classification) == ("warning", "strong")
    assert "aromatase inhibitor" in alert.summary
    assert alert.alternatives == ["anastrozole", "letrozole", "exemestane"]
    assert alert.citations[0].id == "PMID:29385237"
    assert any("ovarian function suppression" in line for line in alert.rationale)


def test_tamoxifen_cyp2d6_activity_score_one_is_an_optional_alternative(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*4", source="outside_call")
    result = match_pgx(profile([("tamoxifen", "planned")], calls=[call]), kb)
    alert = next(i for i in result.insights if i.drugs == ["tamoxifen"])
    assert alert.classification == "optional"
    assert "40 mg/day" in alert.summary


def test_uncurated_recommendation_summary_says_what_cpic_advises(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*4/*4", source="outside_call")
    result = match_pgx(profile([("paroxetine", "planned")], calls=[call]), kb)
    alert = next(i for i in result.insights if i.drugs == ["paroxetine"])
    assert alert.summary.startswith("CPIC: Select alternative drug not predominantly metabolized by CYP2D6")
    assert "per CPIC" not in alert.title + alert.summary
    assert "consider an alternative" in alert.title
    assert any(line.endswith("titrate to response.") for line in alert.rationale)


def test_moderate_inhibitor_lowers_cyp2d6_normal_metabolizer_one_step(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    result = match_pgx(profile([("duloxetine", "active"), ("tamoxifen", "planned")], calls=[call]), kb)
    cyp = next(r for r in result.results if r.gene == "CYP2D6")
    assert (cyp.phenotype, cyp.functional_phenotype) == ("Normal Metabolizer", "Intermediate Metabolizer")
    alert = next(i for i in result.insights if i.drugs == ["tamoxifen"])
    assert alert.severity == "warning"
    assert any("duloxetine (moderate CYP2D6 inhibitor" in line for line in alert.rationale)
    assert any(c.source == "FDA" for c in alert.citations)


def test_moderate_inhibitor_leaves_a_poor_metabolizer_unchanged(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*4/*4", source="outside_call")
    result = match_pgx(profile([("mirabegron", "active"), ("codeine", "planned")], calls=[call]), kb)
    assert next(r for r in result.results if r.gene == "CYP2D6").functional_phenotype is None


def test_strong_inhibitor_wins_over_a_moderate_one(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    meds = [("duloxetine", "active"), ("paroxetine", "active"), ("codeine", "planned")]
    result = match_pgx(profile(meds, calls=[call]), kb)
    assert next(r for r in result.results if r.gene == "CYP2D6").functional_phenotype == "Poor Metabolizer"


def test_moderate_inhibitor_that_is_only_planned_does_not_phenoconvert(kb: _Kb) -> None:
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    result = match_pgx(profile([("duloxetine", "planned"), ("tamoxifen", "planned")], calls=[call]), kb)
    assert next(r for r in result.results if r.gene == "CYP2D6").functional_phenotype is None


def test_tricyclic_recommendation_uses_cyp2c19_and_cyp2d6_together(kb: _Kb) -> None:
    sites = [
        SiteGenotype(chrom="chr10", pos=94781859, ref="G", alleles=["A", "A"]),
        SiteGenotype(chrom="chr10", pos=94775367, ref="A", alleles=["G", "G"]),
    ]
    call = GenotypeCall(gene="CYP2D6", diplotype="*1/*1", source="outside_call")
    result = match_pgx(profile([("amitriptyline", "planned")], sites, [call]), kb)
    alerts = [i for i in result.insights if i.drugs == ["amitriptyline"]]
    assert len(alerts) == 1
    assert alerts[0].genes == ["CYP2C19", "CYP2D6"]
    assert alerts[0].summary.startswith("CPIC: Avoid amitriptyline use.")
    assert alerts[0].severity == "warning"


def test_two_gene_drug_with_one_gene_untested_uses_cpic_missing_result_advice(kb: _Kb) -> None:
    result = match_pgx(profile([("amitriptyline", "planned")], cyp2c19_panel(("C", "C"))), kb)
    alert = next(i for i in result.insights if i.drugs == ["amitriptyline"] and i.kind == "pgx")
    assert alert.genes == ["CYP2C19"]
    assert any("CYP2D6 not assessed" in line for line in alert.rationale)
    test = next(i for i in result.insights if i.kind == "test_recommendation")
    assert test.tests == ["CYP2D6 genotyping"]


def test_guideline_gene_without_a_caller_still_gets_a_test_recommendation(kb: _Kb) -> None:
    result = match_pgx(profile([("gentamicin", "planned")]), kb)
    test = next(i for i in result.insights if i.kind == "test_recommendation")
    assert test.tests == ["MT-RNR1 genotyping"]
    assert test.citations[0].id == "PMID:34032273"
    assert next(r for r in result.results if r.gene == "MT-RNR1").phenotype == "Not assessed"
