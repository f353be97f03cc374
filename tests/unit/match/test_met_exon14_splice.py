"""MET exon 14 skipping from VEP-annotated splice-site variants, read_vcf through analyze.

Coordinates are GRCh38 on MET's MANE Select transcript NM_000245.4 (ENST00000397752.8): exon 14
is chr7:116771849-116771989 (c.2888-c.3028), so intron 13 ends with the acceptor AG at
116771847-116771848 and intron 14 starts with the donor GT at 116771990; intron 13 starts at
116771655 and intron 6 at 116755516 (GENCODE v49 exon boundaries). MET has 21 exons, 20 introns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.ingest.load import merge_results
from integrome.ingest.vcf import read_vcf
from integrome.insights import analyze
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.match._alterations import finding_matches
from integrome.model import Alteration, Analysis, Diagnosis, VariantFinding

NOW = "2026-01-01T00:00:00Z"
EXON_14_SKIPPING = Alteration(type="exon_skipping", exons=[14])

HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr7,length=159345973>
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: \
Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|CANONICAL">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR
"""
TRANSCRIPT = "MET||Transcript|ENST00000397752.8|protein_coding"
INTRON_13_ACCEPTOR = (
    "chr7\t116771848\t.\tG\tA\t60\tPASS\t"
    f"CSQ=A|splice_acceptor_variant&intron_variant|HIGH|{TRANSCRIPT}||13/20|"
    "ENST00000397752.8:c.2888-1G>A||YES\tGT\t0/1"
)
INTRON_14_DONOR = (
    "chr7\t116771990\t.\tG\tT\t60\tPASS\t"
    f"CSQ=T|splice_donor_variant&intron_variant|HIGH|{TRANSCRIPT}||14/20|"
    "ENST00000397752.8:c.3028+1G>T||YES\tGT\t0/1"
)
INTRON_13_DONOR = (
    "chr7\t116771655\t.\tG\tA\t60\tPASS\t"
    f"CSQ=A|splice_donor_variant&intron_variant|HIGH|{TRANSCRIPT}||13/20|||YES\tGT\t0/1"
)
INTRON_6_DONOR = (
    "chr7\t116755516\t.\tG\tA\t60\tPASS\t"
    f"CSQ=A|splice_donor_variant&intron_variant|HIGH|{TRANSCRIPT}||6/20|||YES\tGT\t0/1"
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The packaged records in a KB of our own (analyze loads PGx tables into the KB it is given)."""
    packaged = load_knowledge_base()
    return KnowledgeBase(
        version=packaged.version,
        files=packaged.files,
        biomarkers=packaged.biomarkers,
        hotspots=packaged.hotspots,
    )


def read_met(tmp_path: Path, record: str) -> VariantFinding:
    path = tmp_path / "tumor.vcf"
    path.write_text(HEADER + record + "\n", encoding="utf-8")
    (finding,) = read_vcf(path).findings
    assert isinstance(finding, VariantFinding)
    return finding


def analyze_luad(tmp_path: Path, record: str, kb: KnowledgeBase) -> Analysis:
    path = tmp_path / "tumor.vcf"
    path.write_text(HEADER + record + "\n", encoding="utf-8")
    profile = merge_results([read_vcf(path)])
    luad = Diagnosis(
        system="text", code="lung adenocarcinoma", display="Lung adenocarcinoma", oncotree="LUAD"
    )
    patient = profile.patient.model_copy(update={"diagnoses": [luad]})
    return analyze(profile.model_copy(update={"patient": patient}), kb, generated_at=NOW)


def met_inhibitor_tiers(analysis: Analysis) -> dict[str, str | None]:
    return {
        drug: insight.tier
        for insight in analysis.insights
        if insight.kind == "therapy" and "MET" in insight.genes
        for drug in insight.drugs
        if drug in ("capmatinib", "tepotinib")
    }


def test_vep_intron_number_is_read_for_a_splice_acceptor_variant(tmp_path: Path) -> None:
    finding = read_met(tmp_path, INTRON_13_ACCEPTOR)
    assert (finding.gene, finding.consequence, finding.exon, finding.intron) == (
        "MET",
        "splice_acceptor_variant",
        None,
        13,
    )


def test_intron_13_splice_acceptor_variant_is_met_exon_14_skipping(tmp_path: Path) -> None:
    assert finding_matches(EXON_14_SKIPPING, "MET", read_met(tmp_path, INTRON_13_ACCEPTOR))


def test_intron_14_splice_donor_variant_is_met_exon_14_skipping(tmp_path: Path) -> None:
    assert finding_matches(EXON_14_SKIPPING, "MET", read_met(tmp_path, INTRON_14_DONOR))


def test_intron_13_splice_donor_belongs_to_exon_13_not_exon_14(tmp_path: Path) -> None:
    assert not finding_matches(EXON_14_SKIPPING, "MET", read_met(tmp_path, INTRON_13_DONOR))


def test_intron_14_splice_acceptor_belongs_to_exon_15_not_exon_14() -> None:
    finding = VariantFinding(
        id="f1", source="vcf", gene="MET", intron=14, consequence="splice_acceptor_variant"
    )
    assert not finding_matches(EXON_14_SKIPPING, "MET", finding)


def test_splice_region_variant_in_exon_14_is_not_called_exon_skipping() -> None:
    """Outside the invariant dinucleotides, skipping needs RNA evidence (module _alterations)."""
    finding = VariantFinding(id="f1", source="vcf", gene="MET", exon=14, consequence="splice_region_variant")
    assert not finding_matches(EXON_14_SKIPPING, "MET", finding)


def test_intron_13_splice_acceptor_of_another_gene_is_not_met_exon_14_skipping() -> None:
    finding = VariantFinding(
        id="f1", source="vcf", gene="EGFR", intron=13, consequence="splice_acceptor_variant"
    )
    assert not finding_matches(EXON_14_SKIPPING, "MET", finding)


def test_luad_with_met_intron_13_acceptor_variant_gets_capmatinib_and_tepotinib_tier_ia(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    analysis = analyze_luad(tmp_path, INTRON_13_ACCEPTOR, kb)
    assert met_inhibitor_tiers(analysis) == {"capmatinib": "IA", "tepotinib": "IA"}


def test_luad_with_met_intron_6_splice_variant_gets_no_met_exon_14_therapy(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    analysis = analyze_luad(tmp_path, INTRON_6_DONOR, kb)
    assert met_inhibitor_tiers(analysis) == {}
