"""Warfarin from CYP2C9 + VKORC1 (+ CYP4F2) together, and how genotype-result genes are reported."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match.pgx import match_pgx
from integrome.model import GenotypeCall, Insight, Medication, Patient, PatientProfile, SiteGenotype


@dataclass
class _Kb:
    pgx: PgxKnowledge


@pytest.fixture(scope="module")
def kb() -> _Kb:
    return _Kb(load_pgx_knowledge())


def warfarin_profile(sites: list[SiteGenotype], calls: list[GenotypeCall] | None = None) -> PatientProfile:
    patient = Patient(id="p1", medications=[Medication(name="warfarin", status="planned")])
    return PatientProfile(patient=patient, sites=sites, genotypes=calls or [])


def cyp2c9(star2: tuple[str, str] = ("C", "C"), star3: tuple[str, str] = ("A", "A")) -> list[SiteGenotype]:
    """CYP2C9 rs1799853 (*2, C>T) and rs1057910 (*3, A>C) on GRCh38."""
    return [
        SiteGenotype(chrom="chr10", pos=94942290, ref="C", alleles=list(star2)),
        SiteGenotype(chrom="chr10", pos=94981296, ref="A", alleles=list(star3)),
    ]


def vkorc1(genotype: tuple[str, str]) -> list[SiteGenotype]:
    """VKORC1 rs9923231 (c.-1639G>A is C>T on the plus strand)."""
    return [SiteGenotype(chrom="chr16", pos=31096368, ref="C", alleles=list(genotype))]


def cyp4f2(genotype: tuple[str, str]) -> list[SiteGenotype]:
    """CYP4F2 rs2108622 (*3, p.V433M, C>T on the plus strand)."""
    return [SiteGenotype(chrom="chr19", pos=15879621, ref="C", alleles=list(genotype))]


def warfarin_alert(insights: list[Insight]) -> Insight:
    return next(i for i in insights if i.drugs == ["warfarin"] and i.kind == "pgx")


def test_cyp2c9_star1_star3_with_vkorc1_aa_expects_half_to_two_mg_per_day(kb: _Kb) -> None:
    sites = cyp2c9(star3=("A", "C")) + vkorc1(("T", "T")) + cyp4f2(("C", "C"))
    result = match_pgx(warfarin_profile(sites), kb)
    alert = warfarin_alert(result.insights)
    assert alert.severity == "warning"
    assert alert.genes == ["CYP2C9", "VKORC1", "CYP4F2"]
    assert "0.5–2 mg/day" in alert.summary
    assert "algorithm" in alert.summary
    assert alert.classification == "strong"
    assert [c.source for c in alert.citations] == ["CPIC", "FDA"]
    assert alert.citations[0].id == "PMID:28198005"
    assert any("2 to 4 weeks" in line for line in alert.rationale)
    assert len([i for i in result.insights if "warfarin" in i.drugs]) == 1


def test_reference_cyp2c9_and_vkorc1_gg_is_the_usual_dose_range(kb: _Kb) -> None:
    sites = cyp2c9() + vkorc1(("C", "C")) + cyp4f2(("C", "C"))
    alert = warfarin_alert(match_pgx(warfarin_profile(sites), kb).insights)
    assert alert.severity == "info"
    assert "5–7 mg/day" in alert.summary
    assert "usual dose range" in alert.title


def test_vkorc1_heterozygote_is_reported_as_its_cpic_genotype_not_indeterminate(kb: _Kb) -> None:
    result = match_pgx(warfarin_profile(vkorc1(("C", "T"))), kb)
    vk = next(r for r in result.results if r.gene == "VKORC1")
    assert vk.diplotype == "rs9923231 reference (C)/rs9923231 variant (T)"
    assert vk.phenotype == "-1639 AG"
    assert vk.note is not None
    assert "higher coumarin sensitivity" in vk.note


def test_vkorc1_outside_call_in_pharmcat_names_gets_the_genotype_result(kb: _Kb) -> None:
    call = GenotypeCall(
        gene="VKORC1", diplotype="rs9923231 variant (T)/rs9923231 variant (T)", source="outside_call"
    )
    result = match_pgx(warfarin_profile(cyp2c9(), [call]), kb)
    assert next(r for r in result.results if r.gene == "VKORC1").phenotype == "-1639 AA"
    assert "3–4 mg/day" in warfarin_alert(result.insights).summary


def test_cyp4f2_star3_carrier_gets_cpic_optional_dose_increase(kb: _Kb) -> None:
    sites = cyp2c9() + vkorc1(("C", "T")) + cyp4f2(("C", "T"))
    result = match_pgx(warfarin_profile(sites), kb)
    assert next(r for r in result.results if r.gene == "CYP4F2").phenotype == "*3 (rs2108622 T) heterozygous"
    assert any(
        "increasing the calculated dose by 5-10%" in line
        for line in warfarin_alert(result.insights).rationale
    )


def test_untested_vkorc1_leaves_the_dose_open_and_recommends_genotyping(kb: _Kb) -> None:
    result = match_pgx(warfarin_profile(cyp2c9(star3=("A", "C")) + cyp4f2(("C", "C"))), kb)
    assert not any(i.kind == "pgx" and i.drugs == ["warfarin"] for i in result.insights)
    test = next(i for i in result.insights if i.kind == "test_recommendation" and i.genes == ["VKORC1"])
    assert test.tests == ["VKORC1 genotyping"]
    assert next(r for r in result.results if r.gene == "VKORC1").assessed is False


def test_cyp2c9_star3_homozygote_has_one_label_range_whatever_vkorc1(kb: _Kb) -> None:
    alert = warfarin_alert(match_pgx(warfarin_profile(cyp2c9(star3=("C", "C"))), kb).insights)
    assert "0.5–2 mg/day" in alert.summary
    assert "alternative agent" in alert.summary
    assert "VKORC1 not tested" in alert.title


def test_untested_cyp2c9_star5_star6_star8_star11_are_named_for_african_ancestry(kb: _Kb) -> None:
    alert = warfarin_alert(match_pgx(warfarin_profile(cyp2c9() + vkorc1(("C", "C"))), kb).insights)
    african = next(line for line in alert.rationale if line.startswith("Ancestry is not recorded"))
    assert "did not test CYP2C9 *5, *6, *8, *11" in african


def test_vkorc1_outside_call_with_only_the_genotype_result_is_used(kb: _Kb) -> None:
    call = GenotypeCall(gene="VKORC1", phenotype="-1639 AA", source="outside_call")
    result = match_pgx(warfarin_profile(cyp2c9(star3=("A", "C")), [call]), kb)
    assert "0.5–2 mg/day" in warfarin_alert(result.insights).summary
