"""Star-allele calling on the default (pypgx CPIC/PharmVar) definitions, from site genotypes."""

from __future__ import annotations

import pytest

from integrome.knowledge.pgx import PgxKnowledge, load_pgx_knowledge
from integrome.match._pgx_call import call_gene
from integrome.match.pgx import call_pgx
from integrome.model import SiteGenotype


@pytest.fixture(scope="module")
def kb() -> PgxKnowledge:
    return load_pgx_knowledge()


def site(
    chrom: str,
    pos: int,
    ref: str,
    a: str | None,
    b: str | None,
    *,
    phased: bool = False,
    build: str = "GRCh38",
) -> SiteGenotype:
    return SiteGenotype(chrom=chrom, pos=pos, ref=ref, alleles=[a, b], phased=phased, build=build)  # type: ignore[arg-type]


def ref_sites(kb: PgxKnowledge, gene: str, build: str = "GRCh38") -> dict[tuple[str, int], SiteGenotype]:
    """Every definition position of `gene` called homozygous reference (a full panel)."""
    out = {}
    for p in kb.definitions[gene].positions:
        pos = p.pos(build)
        if pos is not None:
            out[(p.chrom, pos)] = site(p.chrom, pos, p.ref, p.ref, p.ref, build=build)
    return out


def test_cyp2c19_star17_homozygous_calls_star17_star17(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "CYP2C19")
    sites[("chr10", 94842866)] = site("chr10", 94842866, "A", "G", "G")  # rs3758581: *1 backbone
    sites[("chr10", 94761900)] = site("chr10", 94761900, "C", "T", "T")  # rs12248560 (*17)
    call = call_gene(kb.definitions["CYP2C19"], sites, "GRCh38")
    assert [c.name for c in call.top] == ["*17/*17"]


def test_unphased_double_het_reports_every_consistent_diplotype_ranked(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "TPMT")
    sites[("chr6", 18138997)] = site("chr6", 18138997, "C", "C", "T")  # *3B
    sites[("chr6", 18130687)] = site("chr6", 18130687, "T", "T", "C")  # *3C
    call = call_gene(kb.definitions["TPMT"], sites, "GRCh38")
    assert [c.name for c in call.candidates] == ["*1/*3A", "*3B/*3C"]
    assert not call.phased


def test_phased_double_het_in_trans_is_unambiguous(kb: PgxKnowledge) -> None:
    sites = {k: v.model_copy(update={"phased": True}) for k, v in ref_sites(kb, "TPMT").items()}
    sites[("chr6", 18138997)] = site("chr6", 18138997, "C", "T", "C", phased=True)
    sites[("chr6", 18130687)] = site("chr6", 18130687, "T", "T", "C", phased=True)
    call = call_gene(kb.definitions["TPMT"], sites, "GRCh38")
    assert [c.name for c in call.candidates] == ["*3B/*3C"]


def test_missing_core_position_makes_allele_not_assessable_never_reference(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "TPMT")
    del sites[("chr6", 18143724)]  # rs1800462, TPMT*2's only position, absent from the VCF
    call = call_gene(kb.definitions["TPMT"], sites, "GRCh38")
    assert call.missing_positions == ["chr6:18143724 (rs1800462)"]
    assert "*2" in call.not_assessable
    assert [c.name for c in call.top] == ["*1/*1"]


def test_missing_position_is_labelled_with_rsid(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "CYP2C19")
    del sites[("chr10", 94781859)]
    call = call_gene(kb.definitions["CYP2C19"], sites, "GRCh38")
    assert "chr10:94781859 (rs4244285)" in call.missing_positions


def test_no_call_at_a_position_counts_as_missing(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "CYP3A5")
    sites[("chr7", 99672916)] = site("chr7", 99672916, "T", "T", None)  # partial call 0/.
    call = call_gene(kb.definitions["CYP3A5"], sites, "GRCh38")
    assert "chr7:99672916 (rs776746)" in call.missing_positions
    assert call.partial_calls == ["chr7:99672916 (rs776746)"]


def test_gene_with_no_position_in_the_input_is_not_assessed(kb: PgxKnowledge) -> None:
    call = call_gene(kb.definitions["CYP2C19"], {}, "GRCh38")
    assert not call.assessed
    assert call.candidates == []


def test_grch37_input_uses_lifted_positions_and_reference_alleles(kb: PgxKnowledge) -> None:
    # GRCh37's reference base at rs776746 is the *3 allele (C): a 0/0 GRCh37 call is *3/*3.
    sites = ref_sites(kb, "CYP3A5", build="GRCh37")
    assert ("chr7", 99270539) in sites
    sites[("chr7", 99270539)] = site("chr7", 99270539, "C", "C", "C", build="GRCh37")
    call = call_gene(kb.definitions["CYP3A5"], sites, "GRCh37")
    assert [c.name for c in call.top] == ["*3/*3"]


def test_dpyd_combination_reports_each_variant_found(kb: PgxKnowledge) -> None:
    sites = ref_sites(kb, "DPYD")
    sites[("chr1", 97450058)] = site("chr1", 97450058, "C", "C", "T")  # c.1905+1G>A (*2A)
    calls = call_pgx(sites.values(), kb)
    call, build = calls["DPYD"]
    assert build == "GRCh38"
    assert call.candidates[0].name == "Reference/c.1905+1G>A (*2A)"


def test_call_pgx_picks_the_build_that_covers_the_gene(kb: PgxKnowledge) -> None:
    sites = list(ref_sites(kb, "CYP3A5", build="GRCh37").values())
    call, build = call_pgx(sites, kb)["CYP3A5"]
    assert build == "GRCh37"
    assert call.assessed
