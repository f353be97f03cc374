"""read_maf: MOAlmanac and GDC-style MAFs, allele and consequence conversion, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.maf import read_maf
from integrome.model import VariantFinding

GDC_COLUMNS = (
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Variant_Classification",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "Exon_Number",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "NCBI_Build",
)


def write_maf(
    tmp_path: Path, rows: list[dict[str, str]], *, extra: tuple[str, ...] = (), comments: str = ""
) -> Path:
    columns = GDC_COLUMNS + extra
    lines = ["\t".join(columns)] + ["\t".join(row.get(c, "") for c in columns) for row in rows]
    path = tmp_path / "tumor.maf"
    path.write_text(comments + "\n".join(lines) + "\n")
    return path


EGFR = {
    "Hugo_Symbol": "EGFR",
    "Chromosome": "chr7",
    "Start_Position": "55191822",
    "End_Position": "55191822",
    "Variant_Classification": "Missense_Mutation",
    "Reference_Allele": "T",
    "Tumor_Seq_Allele1": "T",
    "Tumor_Seq_Allele2": "G",
    "Tumor_Sample_Barcode": "P1-T",
    "HGVSc": "c.2573T>G",
    "HGVSp": "p.Leu858Arg",
    "HGVSp_Short": "p.L858R",
    "Transcript_ID": "ENST00000275493",
    "Exon_Number": "21/28",
    "t_depth": "200",
    "t_ref_count": "150",
    "t_alt_count": "50",
    "NCBI_Build": "GRCh38",
}


def findings(path: Path) -> list[VariantFinding]:
    found = read_maf(path).findings
    return [f for f in found if isinstance(f, VariantFinding)]


def test_moalmanac_somatic_snvs_become_grch37_findings(shared_data: Path) -> None:
    result = read_maf(shared_data / "moalmanac-examples/input/example_patient.capture.somatic.snvs.maf")
    found = [f for f in result.findings if isinstance(f, VariantFinding)]
    assert len(found) == 299
    first = found[0]
    assert (first.gene, first.hgvs_p, first.consequence) == ("ABCG1", "p.Ile227=", "synonymous_variant")
    assert (first.chrom, first.pos, first.ref, first.alt, first.build) == (
        "chr21",
        43702476,
        "C",
        "T",
        "GRCh37",
    )
    assert first.vaf == pytest.approx(23 / 60, abs=1e-4)
    assert (first.origin, first.provenance) == ("somatic", "example_patient.capture.somatic.snvs.maf:line 2")
    assert result.coverage[0].build == "GRCh37"
    assert result.document.format == "maf"


def test_moalmanac_indels_keep_maf_alleles(shared_data: Path) -> None:
    found = findings(shared_data / "moalmanac-examples/input/example_patient.capture.somatic.indels.maf")
    assert [(f.gene, f.ref, f.alt, f.consequence, f.hgvs_p) for f in found] == [
        ("PMPCA", "-", "G", "intron_variant", None),
        ("C10orf2", "TC", "-", "frameshift_variant", "p.Leu112fs"),
    ]


def test_moalmanac_germline_maf_takes_the_command_line_role(shared_data: Path) -> None:
    result = read_maf(
        shared_data / "moalmanac-examples/input/example_patient.capture.germline.maf", role="germline"
    )
    found = [f for f in result.findings if isinstance(f, VariantFinding)]
    assert {f.origin for f in found} == {"germline"}
    brca2 = [f for f in found if f.gene == "BRCA2" and f.consequence == "frameshift_variant"]
    assert [(f.hgvs_p, f.zygosity) for f in brca2] == [("p.Ser1982fs", "heterozygous")]
    assert result.document.role == "germline"


def test_gdc_row_keeps_transcript_exon_and_three_letter_change(tmp_path: Path) -> None:
    (finding,) = findings(write_maf(tmp_path, [EGFR]))
    assert (finding.gene, finding.hgvs_c, finding.hgvs_p) == (
        "EGFR",
        "ENST00000275493:c.2573T>G",
        "p.Leu858Arg",
    )
    assert (finding.exon, finding.vaf, finding.depth, finding.zygosity) == (21, 0.25, 200, "heterozygous")
    assert finding.annotation == "input"


def test_short_protein_change_is_converted_to_three_letters(tmp_path: Path) -> None:
    row = EGFR | {"HGVSp": ""}
    (finding,) = findings(write_maf(tmp_path, [row]))
    assert finding.hgvs_p == "p.Leu858Arg"


def test_mutation_status_germline_overrides_the_somatic_default(tmp_path: Path) -> None:
    rows = [EGFR | {"Mutation_Status": "Germline"}, EGFR | {"Mutation_Status": "Somatic"}]
    found = findings(write_maf(tmp_path, rows, extra=("Mutation_Status",)))
    assert [f.origin for f in found] == ["germline", "somatic"]


@pytest.mark.parametrize(
    ("classification", "term"),
    [
        ("Nonsense_Mutation", "stop_gained"),
        ("Frame_Shift_Ins", "frameshift_variant"),
        ("In_Frame_Del", "inframe_deletion"),
        ("Splice_Site", "splice_donor_variant"),
        ("Translation_Start_Site", "start_lost"),
        ("Nonstop_Mutation", "stop_lost"),
        ("3'UTR", "3_prime_UTR_variant"),
        ("IGR", "intergenic_variant"),
    ],
)
def test_variant_classification_becomes_a_sequence_ontology_term(
    tmp_path: Path, classification: str, term: str
) -> None:
    (finding,) = findings(write_maf(tmp_path, [EGFR | {"Variant_Classification": classification}]))
    assert finding.consequence == term


def test_gdc_splice_shorthand_is_not_a_protein_change(tmp_path: Path) -> None:
    row = EGFR | {"HGVSp": "", "HGVSp_Short": "p.X858_splice", "Variant_Classification": "Splice_Site"}
    (finding,) = findings(write_maf(tmp_path, [row]))
    assert finding.hgvs_p is None


def test_comment_lines_are_skipped_but_counted_in_line_numbers(tmp_path: Path) -> None:
    path = write_maf(tmp_path, [EGFR], comments="#version 2.4\n#annotation.spec gdc\n")
    (finding,) = findings(path)
    assert finding.provenance == "tumor.maf:line 4"


def test_row_without_a_tumor_allele_change_is_left_out_with_a_warning(tmp_path: Path) -> None:
    row = EGFR | {"Tumor_Seq_Allele2": "T"}
    result = read_maf(write_maf(tmp_path, [EGFR, row]))
    assert len(result.findings) == 1
    assert result.warnings == [
        "tumor.maf: 1 rows have no tumor allele different from Reference_Allele "
        "and were not used (first at line 3)"
    ]


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.maf"
    path.write_text("Hugo_Symbol\tChromosome\tReference_Allele\tTumor_Seq_Allele2\nEGFR\tchr7\tT\tG\n")
    with pytest.raises(InputError, match=r"bad\.maf:line 1: missing required MAF column Start_Position"):
        read_maf(path)


def test_wrong_column_count_names_the_line(tmp_path: Path) -> None:
    path = write_maf(tmp_path, [EGFR])
    path.write_text(path.read_text() + "EGFR\tchr7\t55191822\n")
    with pytest.raises(InputError, match=r"tumor\.maf:line 3: expected 18 tab-separated columns .*found 3"):
        read_maf(path)


def test_non_numeric_start_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"tumor\.maf:line 2: Start_Position must be a positive integer"):
        read_maf(write_maf(tmp_path, [EGFR | {"Start_Position": "x"}]))


def test_empty_maf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.maf"
    path.write_text("#version 2.4\n")
    with pytest.raises(InputError, match=r"empty\.maf:line 1: the file is empty"):
        read_maf(path)


def test_progress_is_reported_with_the_rows_read(tmp_path: Path) -> None:
    seen: list[int] = []
    read_maf(write_maf(tmp_path, [EGFR] * 3), progress=seen.append)
    assert seen == [3]
