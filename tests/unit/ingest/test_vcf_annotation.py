"""read_vcf annotation: VEP CSQ, SnpEff ANN and plain lab INFO keys, modelled on the real formats."""

from __future__ import annotations

from pathlib import Path

from integrome.ingest.vcf import read_vcf
from integrome.model import VariantFinding

BASE = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr7,length=159345973>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
"""
VEP_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
    "Existing_variation|STRAND|CANONICAL|MANE_SELECT"
)
VEP = (
    f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    f'Format: {VEP_FIELDS}">\n'
)
SNPEFF = (
    "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
    "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
    "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
    "ERRORS / WARNINGS / INFO' \">\n"
)
PLAIN = (
    '##INFO=<ID=GENE,Number=1,Type=String,Description="Gene">\n'
    '##INFO=<ID=GENEINFO,Number=1,Type=String,Description="Gene symbol:gene id, ClinVar style">\n'
    '##INFO=<ID=HGVSC,Number=A,Type=String,Description="Coding change">\n'
    '##INFO=<ID=HGVSP,Number=A,Type=String,Description="Protein change">\n'
    '##INFO=<ID=MC,Number=.,Type=String,Description="Molecular consequence, SO id|name">\n'
)
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"


def read(tmp_path: Path, header: str, *records: str) -> list[VariantFinding]:
    path = tmp_path / "annotated.vcf"
    path.write_text(BASE + header + COLUMNS + "".join(r.replace(" ", "\t") + "\n" for r in records))
    found = read_vcf(path).findings
    assert all(isinstance(f, VariantFinding) for f in found)
    return [f for f in found if isinstance(f, VariantFinding)]


def csq(*entries: str) -> str:
    return "CSQ=" + ",".join(entries)


ALT_TRANSCRIPT = "G|missense_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST_TEST_ALT.1|protein_coding|20/26||ENST_TEST_ALT.1:c.2438T>G|ENSP_TEST_ALT.1:p.Leu813Arg||1||"  # noqa: E501
CANONICAL = "G|missense_variant&splice_region_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000275493.7|protein_coding|21/28||ENST00000275493.7:c.2573T>G|ENSP00000275493.2:p.Leu858Arg||1|YES|NM_005228.5"  # noqa: E501


def test_vep_canonical_transcript_is_chosen_over_the_first_listed(tmp_path: Path) -> None:
    (finding,) = read(tmp_path, VEP, f"chr7 55191822 . T G 50 PASS {csq(ALT_TRANSCRIPT, CANONICAL)} GT 0/1")
    assert finding.gene == "EGFR"
    assert finding.hgvs_c == "ENST00000275493.7:c.2573T>G"
    assert finding.hgvs_p == "p.Leu858Arg"
    assert (finding.consequence, finding.exon, finding.annotation) == ("missense_variant", 21, "input")


def test_vep_without_flags_takes_the_first_protein_coding_consequence(tmp_path: Path) -> None:
    noncoding = "G|non_coding_transcript_exon_variant|MODIFIER|EGFR-AS1|ENSG_TEST|Transcript|ENST_TEST_NC.1|lncRNA|1/2|||||-||"  # noqa: E501
    (finding,) = read(tmp_path, VEP, f"chr7 55191822 . T G 50 PASS {csq(noncoding, ALT_TRANSCRIPT)} GT 0/1")
    assert (finding.gene, finding.hgvs_p, finding.exon) == ("EGFR", "p.Leu813Arg", 20)


def test_vep_indel_alleles_are_matched_after_dropping_the_shared_first_base(tmp_path: Path) -> None:
    deletion = "-|frameshift_variant|HIGH|EGFR|ENSG00000146648|Transcript|ENST_TEST.1|protein_coding|5/28||ENST_TEST.1:c.100_101del|ENSP_TEST.1:p.Leu34fs||1|YES|"  # noqa: E501
    shorter = "T|frameshift_variant|HIGH|EGFR|ENSG00000146648|Transcript|ENST_TEST.1|protein_coding|5/28||ENST_TEST.1:c.101del|ENSP_TEST.1:p.Leu34Ter||1|YES|"  # noqa: E501
    found = read(tmp_path, VEP, f"chr7 1000 . CTT C,CT 50 PASS {csq(deletion, shorter)} GT 1/2")
    assert [(f.alt, f.hgvs_c) for f in found] == [
        ("C", "ENST_TEST.1:c.100_101del"),
        ("CT", "ENST_TEST.1:c.101del"),
    ]
    assert [f.hgvs_p for f in found] == ["p.Leu34fs", "p.Leu34Ter"]


def test_vep_pick_flag_wins_over_canonical(tmp_path: Path) -> None:
    header = VEP.replace("MANE_SELECT", "MANE_SELECT|PICK")
    picked = ALT_TRANSCRIPT + "|1"
    (finding,) = read(tmp_path, header, f"chr7 55191822 . T G 50 PASS {csq(CANONICAL + '|', picked)} GT 0/1")
    assert finding.hgvs_p == "p.Leu813Arg"


def test_vep_synonymous_protein_change_is_unescaped(tmp_path: Path) -> None:
    synonymous = "G|synonymous_variant|LOW|EGFR|ENSG00000146648|Transcript|ENST00000275493.7|protein_coding|21/28||ENST00000275493.7:c.2574T>G|ENSP00000275493.2:p.Leu858%3D||1|YES|"  # noqa: E501
    (finding,) = read(tmp_path, VEP, f"chr7 55191823 . T G 50 PASS {csq(synonymous)} GT 0/1")
    assert (finding.hgvs_p, finding.consequence) == ("p.Leu858=", "synonymous_variant")


def test_snpeff_annotation_gives_gene_change_and_exon_rank(tmp_path: Path) -> None:
    ann = "ANN=G|missense_variant|MODERATE|EGFR|ENSG00000146648|transcript|NM_005228.5|protein_coding|21/28|c.2573T>G|p.Leu858Arg|||||"  # noqa: E501
    (finding,) = read(tmp_path, SNPEFF, f"chr7 55191822 . T G 50 PASS {ann} GT 0/1")
    assert (finding.gene, finding.hgvs_c, finding.hgvs_p) == ("EGFR", "NM_005228.5:c.2573T>G", "p.Leu858Arg")
    assert (finding.consequence, finding.exon) == ("missense_variant", 21)


def test_snpeff_intron_rank_is_not_taken_as_an_exon(tmp_path: Path) -> None:
    ann = "ANN=A|intron_variant|MODIFIER|EGFR|ENSG00000146648|transcript|NM_005228.5|protein_coding|5/27|c.628+12G>A||||||"  # noqa: E501
    (finding,) = read(tmp_path, SNPEFF, f"chr7 55000000 . G A 50 PASS {ann} GT 0/1")
    assert (finding.consequence, finding.exon, finding.hgvs_p) == ("intron_variant", None, None)
    assert finding.annotation == "input"


def test_snpeff_entries_for_other_alleles_are_ignored(tmp_path: Path) -> None:
    ann = (
        "ANN=C|missense_variant|MODERATE|EGFR|E|transcript|NM_005228.5|protein_coding|21/28|c.2573T>C|p.Leu858Pro|||||,"
        "G|missense_variant|MODERATE|EGFR|E|transcript|NM_005228.5|protein_coding|21/28|c.2573T>G|p.Leu858Arg|||||"
    )
    found = read(tmp_path, SNPEFF, f"chr7 55191822 . T C,G 50 PASS {ann} GT 0/2")
    assert [(f.alt, f.hgvs_p) for f in found] == [("G", "p.Leu858Arg")]


def test_clinvar_style_geneinfo_and_one_letter_protein_are_normalized(tmp_path: Path) -> None:
    info = "GENEINFO=BRAF:673;HGVSC=c.1799T>A;HGVSP=p.V600E;MC=SO:0001583|missense_variant"
    (finding,) = read(tmp_path, PLAIN, f"chr7 140753336 . A T 50 PASS {info} GT 0/1")
    assert (finding.gene, finding.hgvs_c, finding.hgvs_p) == ("BRAF", "c.1799T>A", "p.Val600Glu")
    assert finding.consequence == "missense_variant"


def test_gene_alias_in_a_lab_vcf_becomes_the_approved_symbol(tmp_path: Path) -> None:
    (finding,) = read(tmp_path, PLAIN, "chr7 1000 . A T 50 PASS GENE=HER2;HGVSP=p.Ser310Phe GT 0/1")
    assert finding.gene == "ERBB2"


def test_per_allele_lab_keys_follow_the_alt_order(tmp_path: Path) -> None:
    info = "GENE=KRAS;HGVSP=p.Gly12Cys,p.Gly12Asp"
    found = read(tmp_path, PLAIN, f"chr7 1000 . C A,T 50 PASS {info} GT 1/2")
    assert [f.hgvs_p for f in found] == ["p.Gly12Cys", "p.Gly12Asp"]


def test_gene_without_a_change_is_not_counted_as_input_annotation(tmp_path: Path) -> None:
    (finding,) = read(tmp_path, PLAIN, "chr7 1000 . A T 50 PASS GENE=EGFR GT 0/1")
    assert (finding.gene, finding.annotation) == ("EGFR", "none")
