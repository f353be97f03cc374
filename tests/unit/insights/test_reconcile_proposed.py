"""Drugs the analysis proposes, read against the patient's assessed pharmacogenes: a proposed option
carries the recommendation the PGx engine gives when the same drug is planned (real PGx tables)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrome.insights.reconcile import pgx_for_proposed, reconcile_pgx
from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match.pgx import PgxMatch, match_pgx
from integrome.model import (
    Citation,
    GenotypeCall,
    Insight,
    Medication,
    Patient,
    PatientProfile,
    SiteGenotype,
)

LABEL = Citation(source="FDA", id="fixture label")
FOLFOX = ["encorafenib", "cetuximab", "fluorouracil", "leucovorin", "oxaliplatin"]


@dataclass
class _Kb:
    pgx: PgxKnowledge


@pytest.fixture(scope="module")
def kb() -> _Kb:
    return _Kb(load_pgx_knowledge())


def dpyd_star2a(alleles: list[str]) -> list[SiteGenotype]:
    """DPYD c.1905+1G>A (rs3918290, GRCh38 chr1:97450058 C>T, pypgx allele table)."""
    return [SiteGenotype(chrom="chr1", pos=97450058, ref="C", alts=["T"], alleles=list(alleles))]


def engine(
    kb: _Kb,
    sites: list[SiteGenotype] | None = None,
    calls: list[GenotypeCall] | None = None,
    meds: list[tuple[str, str]] | None = None,
) -> PgxMatch:
    patient = Patient(id="p1", medications=[Medication(name=n, status=s) for n, s in meds or []])  # type: ignore[arg-type]
    return match_pgx(PatientProfile(patient=patient, sites=sites or [], genotypes=calls or []), kb)


def therapy(drugs: list[str], tier: str = "IA") -> Insight:
    return Insight(
        id="",
        kind="therapy",
        title=f"{' + '.join(drugs)} for BRAF V600E",
        summary=f"Tier {tier}, FDA-approved in Colorectal Adenocarcinoma: first line, metastatic.",
        genes=["BRAF"],
        drugs=drugs,
        tier=tier,
        evidence_level="A",
        rationale=["BRAF p.Val600Glu at VAF 42%"],
        citations=[LABEL],
    )


def proposed(kb: _Kb, match: PgxMatch, therapies: list[Insight]) -> list[Insight]:
    return pgx_for_proposed([*therapies, *match.insights], match.results, kb, match.states).insights


def line(option: Insight, start: str) -> str:
    (found,) = [text for text in option.rationale if text.startswith(start)]
    return found


def test_dpyd_poor_metabolizer_flags_a_proposed_fluorouracil_regimen_critical(kb: _Kb) -> None:
    match = engine(kb, dpyd_star2a(["T", "T"]))
    option, *rest = proposed(kb, match, [therapy(FOLFOX)])
    assert (option.kind, option.tier) == ("therapy", "IA")
    assert option.severity == "critical"
    assert option.summary.startswith(
        "DPYD poor metabolizer: CPIC advises avoiding fluorouracil (see the pharmacogenomic alert). Tier IA"
    )
    assert len(option.summary) <= 140
    assert option.rationale[-1].startswith(
        "DPYD poor metabolizer (activity score 0): CPIC — avoid fluoropyrimidines "
        "(fluorouracil; strong recommendation). DPD deficiency"
    )
    assert any(c.source == "CPIC" and "29152729" in c.id for c in option.citations)
    (alert,) = [i for i in rest if i.severity == "critical"]
    assert (alert.kind, alert.drugs, alert.genes) == ("contraindication", ["fluorouracil"], ["DPYD"])
    assert alert.rationale[-1] == f"fluorouracil is part of a proposed option: {option.title}"


def test_proposed_drug_alert_is_the_engine_alert_for_the_same_drug_planned(kb: _Kb) -> None:
    sites = dpyd_star2a(["T", "T"])
    (planned,) = [
        i for i in engine(kb, sites, meds=[("fluorouracil", "planned")]).insights if i.severity != "info"
    ]
    flagged = proposed(kb, engine(kb, sites), [therapy(FOLFOX)])
    (alert,) = [i for i in flagged if i.kind != "therapy" and i.severity != "info"]
    same = ("title", "summary", "severity", "classification", "citations", "alternatives", "evidence_level")
    assert {f: getattr(alert, f) for f in same} == {f: getattr(planned, f) for f in same}
    assert alert.rationale[: len(planned.rationale)] == planned.rationale


def test_dpyd_intermediate_metabolizer_gives_the_option_a_dose_warning(kb: _Kb) -> None:
    option = proposed(kb, engine(kb, dpyd_star2a(["C", "T"])), [therapy(FOLFOX)])[0]
    assert option.severity == "warning"
    assert option.summary.startswith(
        "DPYD intermediate metabolizer: CPIC recommends a dose adjustment of fluorouracil"
    )
    assert "reduce the starting dose by 50%" in option.rationale[-1]
    assert "(activity score 1)" in option.rationale[-1]


def test_dpyd_normal_metabolizer_leaves_the_proposed_option_unchanged(kb: _Kb) -> None:
    original = therapy(FOLFOX)
    flagged = proposed(kb, engine(kb, dpyd_star2a(["C", "C"])), [original])
    assert flagged[0] == original
    assert not [i for i in flagged if i.severity != "info"]


def test_off_label_option_with_a_flagged_drug_is_flagged_too(kb: _Kb) -> None:
    option = proposed(kb, engine(kb, dpyd_star2a(["T", "T"])), [therapy(["capecitabine"], tier="IIC")])[0]
    assert option.severity == "critical"
    assert "avoiding capecitabine" in option.summary


def test_tpmt_poor_metabolizer_flags_a_proposed_mercaptopurine_option(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="TPMT", diplotype="*3A/*3A", source="fhir")]
    option = proposed(kb, engine(kb, calls=calls), [therapy(["mercaptopurine"])])[0]
    assert option.severity == "critical"
    assert "drastically reduce or avoid (mercaptopurine; strong recommendation)" in line(option, "TPMT poor")
    assert line(option, "Before mercaptopurine: NUDT15 genotyping")


def test_nudt15_poor_metabolizer_flags_a_proposed_thioguanine_option(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="NUDT15", diplotype="*3/*3", source="fhir")]
    option = proposed(kb, engine(kb, calls=calls), [therapy(["thioguanine"])])[0]
    assert option.severity == "critical"
    assert "drastically reduce or avoid (thioguanine" in line(option, "NUDT15 poor metabolizer")


def test_ugt1a1_star28_homozygote_gives_a_proposed_irinotecan_regimen_the_dpwg_dose(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="UGT1A1", diplotype="*28/*28", source="fhir")]
    option = proposed(kb, engine(kb, calls=calls), [therapy(["fluorouracil", "leucovorin", "irinotecan"])])[0]
    assert option.severity == "warning"
    assert "Neutropenia risk" in line(
        option, "UGT1A1 poor metabolizer: DPWG — reduce the starting dose to 70% (irinotecan)"
    )
    assert [c.source for c in option.citations] == ["FDA", "DPWG", "FDA"]


def test_planned_drug_already_reconciled_is_not_flagged_twice(kb: _Kb) -> None:
    match = engine(kb, dpyd_star2a(["C", "T"]), meds=[("fluorouracil", "planned")])
    reconciled = reconcile_pgx([therapy(FOLFOX), *match.insights], match.results).insights
    flagged = pgx_for_proposed(reconciled, match.results, kb, match.states).insights
    assert flagged == reconciled


def test_unassessed_gene_still_gets_a_genotyping_recommendation(kb: _Kb) -> None:
    match = engine(kb)
    flagged = proposed(kb, match, [therapy(FOLFOX)])
    assert flagged[0].severity == "info"
    assert flagged[0].rationale[-1].startswith("Before fluorouracil: DPYD genotyping")
    assert [i.title for i in flagged if i.kind == "test_recommendation"] == [
        "DPYD genotyping before fluorouracil"
    ]


def test_alternatives_the_guideline_names_reach_the_proposed_option(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="CYP2C19", diplotype="*2/*2", source="fhir")]
    option = proposed(kb, engine(kb, calls=calls), [therapy(["voriconazole"])])[0]
    assert option.severity == "warning"
    assert option.alternatives == ["isavuconazole", "amphotericin b", "posaconazole"]
    assert "recommends an alternative to voriconazole" in option.summary


def dpyd_contradicted() -> list[SiteGenotype]:
    """The no-call ingest makes where two inputs state different DPYD c.1905+1G>A genotypes."""
    return [
        SiteGenotype(
            chrom="chr1",
            pos=97450058,
            ref="C",
            alts=["T"],
            alleles=[None, None],
            conflict=True,
            provenance="a.vcf",
        )
    ]


def test_indeterminate_gene_of_a_proposed_drug_is_genotyped_again(kb: _Kb) -> None:
    match = engine(kb, dpyd_contradicted())
    found = pgx_for_proposed([therapy(FOLFOX), *match.insights], match.results, kb, match.states)
    option = found.insights[0]
    assert (
        line(option, "Before fluorouracil")
        == "Before fluorouracil: DPYD genotyping (DPYD indeterminate; CPIC guideline)"
    )
    (test,) = [i for i in found.insights if i.kind == "test_recommendation"]
    assert (test.title, test.severity) == ("DPYD genotyping before fluorouracil", "warning")
    assert test.summary.startswith(
        "DPYD result indeterminate (inputs disagree at chr1:97450058 (rs3918290)): genotype again before "
        "the first dose of fluorouracil"
    )
    assert found.pgx == []  # DPYD already has its Indeterminate result; no "Not assessed" one is added


def test_indeterminate_gene_a_planned_drug_already_retests_is_not_recommended_twice(kb: _Kb) -> None:
    match = engine(kb, dpyd_contradicted(), meds=[("capecitabine", "planned")])
    flagged = proposed(kb, match, [therapy(FOLFOX)])
    assert [i.title for i in flagged if i.kind == "test_recommendation"] == [
        "DPYD genotyping before capecitabine"
    ]
