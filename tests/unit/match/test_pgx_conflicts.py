"""A definition position the inputs contradict (SiteGenotype.conflict) makes the gene Indeterminate,
and an Indeterminate gene of a planned drug is genotyped again, never read as a phenotype."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match.pgx import PgxMatch, match_pgx, results_only
from integrome.model import GenotypeCall, Medication, Patient, PatientProfile, PgxResult, SiteGenotype

STAR2 = 94781859  # CYP2C19 rs4244285 (*2) on GRCh38
NOTE = "inputs disagree at chr10:94781859 (rs4244285): phenotype not called; repeat CYP2C19 genotyping"


@dataclass
class _Kb:
    pgx: PgxKnowledge


@pytest.fixture(scope="module")
def kb() -> _Kb:
    return _Kb(load_pgx_knowledge())


def cyp2c19(star2: SiteGenotype | None) -> list[SiteGenotype]:
    """The *17 and *3 positions reference; the *2 position as given (None: absent from the inputs)."""
    sites = [
        SiteGenotype(chrom="chr10", pos=94761900, ref="C", alleles=["C", "C"]),
        SiteGenotype(chrom="chr10", pos=94780653, ref="G", alleles=["G", "G"]),
    ]
    return sites if star2 is None else [*sites, star2]


def contradicted() -> SiteGenotype:
    """The no-call ingest makes of a VCF's G/A and an Observation's A/A."""
    return SiteGenotype(
        chrom="chr10",
        pos=STAR2,
        ref="G",
        alts=["A"],
        alleles=[None, None],
        conflict=True,
        provenance="variants.vcf; also bundle.json#Observation/obs-2",
    )


def engine(
    kb: _Kb, sites: list[SiteGenotype], meds: list[tuple[str, str]], calls: list[GenotypeCall] | None = None
) -> PgxMatch:
    patient = Patient(id="p1", medications=[Medication(name=n, status=s) for n, s in meds])  # type: ignore[arg-type]
    return match_pgx(PatientProfile(patient=patient, sites=sites, genotypes=calls or []), kb)


def result(match: PgxMatch, gene: str) -> PgxResult:
    (found,) = [r for r in match.results if r.gene == gene]
    return found


def test_a_contradicted_definition_position_makes_the_gene_indeterminate(kb: _Kb) -> None:
    cyp = result(engine(kb, cyp2c19(contradicted()), []), "CYP2C19")
    assert (cyp.assessed, cyp.diplotype, cyp.phenotype, cyp.activity_score) == (
        True,
        None,
        "Indeterminate",
        None,
    )
    assert cyp.note == NOTE
    assert "chr10:94781859 (rs4244285)" in cyp.missing_positions
    assert cyp.alternatives == []


def test_a_contradicted_position_alone_still_gives_an_indeterminate_result(kb: _Kb) -> None:
    (cyp,) = [
        r for r in results_only(PatientProfile(patient=Patient(id="p1"), sites=[contradicted()]), kb.pgx)
    ]
    assert (cyp.gene, cyp.assessed, cyp.phenotype, cyp.note) == ("CYP2C19", True, "Indeterminate", NOTE)


def test_an_absent_position_is_still_called_from_the_remaining_positions(kb: _Kb) -> None:
    absent = result(engine(kb, cyp2c19(None), []), "CYP2C19")
    no_call = SiteGenotype(chrom="chr10", pos=STAR2, ref="G", alleles=[None, None])
    uncalled = result(engine(kb, cyp2c19(no_call), []), "CYP2C19")
    assert absent.phenotype == uncalled.phenotype == "Normal Metabolizer"
    assert absent.diplotype == uncalled.diplotype is not None
    assert "inputs disagree" not in (absent.note or "") + (uncalled.note or "")
    assert "*2" in (absent.note or "")  # listed among the alleles these inputs cannot test


def test_clopidogrel_planned_with_a_contradicted_cyp2c19_position_asks_to_genotype_again(kb: _Kb) -> None:
    match = engine(kb, cyp2c19(contradicted()), [("clopidogrel", "planned")])
    (test,) = [i for i in match.insights if i.kind == "test_recommendation"]
    assert (test.title, test.severity, test.tests, test.drugs) == (
        "CYP2C19 genotyping before clopidogrel",
        "warning",
        ["CYP2C19 genotyping"],
        ["clopidogrel"],
    )
    assert test.summary.startswith(
        "CYP2C19 result indeterminate (inputs disagree at chr10:94781859 (rs4244285)): "
        "genotype again before clopidogrel"
    )
    assert NOTE in test.rationale
    assert [c.id for c in test.citations] == ["PMID:35034351"]
    texts = " ".join(i.title + " " + i.summary + " " + " ".join(i.rationale) for i in match.insights)
    assert "normal metabolizer" not in texts.lower()
    assert not [
        i for i in match.insights if i.kind in ("pgx", "contraindication") and "clopidogrel" in i.drugs
    ]
    assert result(match, "CYP2C19").phenotype == "Indeterminate"


def test_an_indeterminate_outside_call_of_a_planned_drugs_gene_is_genotyped_again(kb: _Kb) -> None:
    calls = [GenotypeCall(gene="CYP2C19", phenotype="Indeterminate", source="fhir")]
    match = engine(kb, [], [("clopidogrel", "planned")], calls)
    (test,) = [i for i in match.insights if i.kind == "test_recommendation"]
    assert test.title == "CYP2C19 genotyping before clopidogrel"
    assert test.summary.startswith("CYP2C19 result indeterminate: genotype again before clopidogrel")


def test_an_absent_cyp2c19_gene_keeps_the_not_assessed_wording(kb: _Kb) -> None:
    dpyd_only = [SiteGenotype(chrom="chr1", pos=97450058, ref="C", alleles=["C", "C"])]
    match = engine(kb, dpyd_only, [("clopidogrel", "planned")])
    (test,) = [i for i in match.insights if i.kind == "test_recommendation"]
    assert test.summary.startswith("CYP2C19 was not assessed by the inputs")
