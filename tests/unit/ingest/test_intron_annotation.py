"""Intron numbers from SnpEff ANN `Rank` and the GDC MAF `INTRON` column (where a splice site lies).

The MET positions are GRCh38 on NM_000245.4: the exon 14 acceptor is the last base of intron 13
(chr7:116771848, c.2888-1; c.2888-3 at 116771846 is an A), the exon 14 donor the first base of
intron 14 (116771990, c.3028+1), and c.3028 (116771989) the last base of exon 14.
"""

from __future__ import annotations

from pathlib import Path

from integrome.ingest.maf import read_maf
from integrome.ingest.vcf import read_vcf
from integrome.model import VariantFinding

SNPEFF_VCF = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr7,length=159345973>
##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: 'Allele | Annotation | \
Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | \
HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | \
ERRORS / WARNINGS / INFO' ">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
"""


def read_snpeff(
    tmp_path: Path, position: int, ref: str, alt: str, annotation: str, rank: str
) -> VariantFinding:
    ann = f"ANN={alt}|{annotation}|HIGH|MET||transcript|NM_000245.4|protein_coding|{rank}|||||||"
    path = tmp_path / "snpeff.vcf"
    path.write_text(SNPEFF_VCF + f"chr7\t{position}\t.\t{ref}\t{alt}\t50\tPASS\t{ann}\tGT\t0/1\n")
    (finding,) = read_vcf(path).findings
    assert isinstance(finding, VariantFinding)
    return finding


def test_snpeff_rank_of_a_splice_acceptor_effect_is_an_intron(tmp_path: Path) -> None:
    finding = read_snpeff(tmp_path, 116771848, "G", "A", "splice_acceptor_variant&intron_variant", "13/20")
    assert (finding.consequence, finding.exon, finding.intron) == ("splice_acceptor_variant", None, 13)


def test_snpeff_rank_of_a_splice_region_intron_effect_is_not_an_exon(tmp_path: Path) -> None:
    finding = read_snpeff(tmp_path, 116771846, "A", "G", "splice_region_variant&intron_variant", "13/20")
    assert (finding.consequence, finding.exon, finding.intron) == ("splice_region_variant", None, 13)


def test_snpeff_rank_of_an_exonic_splice_region_effect_stays_an_exon(tmp_path: Path) -> None:
    finding = read_snpeff(tmp_path, 116771989, "G", "C", "missense_variant&splice_region_variant", "14/21")
    assert (finding.exon, finding.intron) == (14, None)


def test_gdc_maf_intron_column_is_read(tmp_path: Path) -> None:
    columns = (
        "Hugo_Symbol",
        "Chromosome",
        "Start_Position",
        "Reference_Allele",
        "Tumor_Seq_Allele2",
        "Variant_Classification",
        "Consequence",
        "EXON",
        "INTRON",
        "HGVSc",
        "NCBI_Build",
    )
    row = (
        "MET",
        "chr7",
        "116771848",
        "G",
        "A",
        "Splice_Site",
        "splice_acceptor_variant;intron_variant",
        "",
        "13/20",
        "c.2888-1G>A",
        "GRCh38",
    )
    path = tmp_path / "tumor.maf"
    path.write_text("\t".join(columns) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    (finding,) = read_maf(path).findings
    assert isinstance(finding, VariantFinding)
    assert (finding.consequence, finding.exon, finding.intron) == ("splice_acceptor_variant", None, 13)
