"""Star-allele calling from FHIR variant Observations: same rules as VCF sites, source 'fhir'.

A FHIR variant list asserts only the positions it lists; every other definition position stays
missing (never reference), exactly as for positions absent from a VCF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from integrome.ingest.fhir import read_fhir_data
from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match.pgx import call_pgx, gene_states, match_pgx
from integrome.model import Medication, Patient, PatientProfile, SiteGenotype

LOINC = "http://loinc.org"
RS12769205 = "NC_000010.11:g.94775367A>G"
RS4244285 = "NC_000010.11:g.94781859G>A"
RS3758581 = "NC_000010.11:g.94842866A>G"
"""GRCh38 CYP2C19 positions of *2 (rs12769205, rs4244285) and of the *1 backbone (rs3758581)."""


@dataclass
class _Kb:
    pgx: PgxKnowledge


@pytest.fixture(scope="module")
def kb() -> PgxKnowledge:
    return load_pgx_knowledge()


def coded(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def variant(oid: str, hgvs_g: str, state: str = "heterozygous") -> dict[str, Any]:
    code = {"heterozygous": "LA6706-1", "homozygous": "LA6705-3"}[state]
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": coded("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": coded("LA9633-4", "Present"),
        "component": [
            {
                "code": coded("81290-9", "Genomic DNA change (gHGVS)"),
                "valueCodeableConcept": coded(hgvs_g, hgvs_g),
            },
            {"code": coded("53034-5", "Allelic state"), "valueCodeableConcept": coded(code, state)},
            {
                "code": coded("48002-0", "Genomic source class"),
                "valueCodeableConcept": coded("LA6683-2", "Germline"),
            },
        ],
    }


def fhir_sites(*observations: dict[str, Any]) -> list[SiteGenotype]:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in observations],
    }
    return read_fhir_data(bundle, name="pgx-report.json").sites


def star1_star2() -> list[SiteGenotype]:
    return fhir_sites(
        variant("a", RS12769205), variant("b", RS4244285), variant("c", RS3758581, "homozygous")
    )


def profile(sites: list[SiteGenotype], *drugs: str) -> PatientProfile:
    medications = [Medication(name=d, status="active") for d in drugs]
    return PatientProfile(patient=Patient(id="p1", medications=medications), sites=sites)


def test_fhir_cyp2c19_star2_heterozygous_calls_star1_star2_intermediate(kb: PgxKnowledge) -> None:
    state = gene_states(profile(star1_star2()), kb)["CYP2C19"]
    assert (state.diplotype, state.phenotype, state.source) == ("*1/*2", "Intermediate Metabolizer", "fhir")


def test_positions_the_fhir_report_does_not_list_stay_missing(kb: PgxKnowledge) -> None:
    state = gene_states(profile(star1_star2()), kb)["CYP2C19"]
    assert "chr10:94761900 (rs12248560)" in state.missing
    assert len(state.missing) == len(kb.definitions["CYP2C19"].positions) - 3
    assert "*2/*17" in state.alternatives
    assert state.note is not None
    assert "not excluded because their defining positions were not tested" in state.note


def test_lone_rs4244285_is_not_filled_with_reference_at_the_star1_position(kb: PgxKnowledge) -> None:
    """Without rs3758581 the *1 backbone is untested: the call rests on the reference (*38)."""
    state = gene_states(profile(fhir_sites(variant("b", RS4244285))), kb)["CYP2C19"]
    assert "chr10:94842866 (rs3758581)" in state.missing
    assert "*1" in state.not_assessable
    assert state.diplotype == "*2/*38"


def test_fhir_sites_follow_the_same_calling_rules_as_vcf_sites(kb: PgxKnowledge) -> None:
    from_fhir = gene_states(profile(star1_star2()), kb)["CYP2C19"]
    as_vcf = [s.model_copy(update={"source": "vcf"}) for s in star1_star2()]
    from_vcf = gene_states(profile(as_vcf), kb)["CYP2C19"]
    assert from_vcf.source == "vcf"
    assert from_vcf == type(from_vcf)(**{**vars(from_fhir), "source": "vcf"})


def test_clopidogrel_alert_names_the_fhir_record_as_the_genotype_source(kb: PgxKnowledge) -> None:
    result = match_pgx(profile(star1_star2(), "clopidogrel"), _Kb(kb))
    cyp = next(r for r in result.results if r.gene == "CYP2C19")
    assert (cyp.diplotype, cyp.phenotype, cyp.source) == ("*1/*2", "Intermediate Metabolizer", "fhir")
    alert = next(i for i in result.insights if "clopidogrel" in i.drugs and i.kind == "pgx")
    assert any(line.startswith("CYP2C19 *1/*2 (FHIR record)") for line in alert.rationale)


def test_gene_called_from_vcf_and_fhir_sites_names_both_sources(kb: PgxKnowledge) -> None:
    vcf_star17 = SiteGenotype(chrom="chr10", pos=94761900, ref="C", alts=["T"], alleles=["C", "C"])
    result = match_pgx(profile([*star1_star2(), vcf_star17], "clopidogrel"), _Kb(kb))
    cyp = next(r for r in result.results if r.gene == "CYP2C19")
    assert cyp.source == "fhir+vcf"
    alert = next(i for i in result.insights if "clopidogrel" in i.drugs and i.kind == "pgx")
    assert any(line.startswith("CYP2C19 *1/*2 (FHIR record + VCF)") for line in alert.rationale)


def test_gene_a_fhir_report_does_not_touch_is_not_assessed_from_fhir(kb: PgxKnowledge) -> None:
    state = gene_states(profile(star1_star2()), kb)["CYP2C9"]
    assert (state.assessed, state.source) == (False, "fhir")


def test_call_pgx_prefers_the_build_with_more_assessed_positions(kb: PgxKnowledge) -> None:
    """A partial GRCh37 FHIR report next to a full GRCh38 panel: the panel's build is used."""
    grch37 = fhir_sites(variant("b", "NC_000010.10:g.96541616G>A"))
    panel = [
        SiteGenotype(chrom=p.chrom, pos=pos, ref=p.ref, alleles=[p.ref, p.ref])
        for p in kb.definitions["CYP2C19"].positions
        if (pos := p.pos("GRCh38")) is not None
    ]
    call, build = call_pgx([*grch37, *panel], kb)["CYP2C19"]
    assert build == "GRCh38"
    assert call.missing_positions == []
