"""Expression tables, reference outlier calls and MET exon 14 skipping from junction reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.detect import detect_format
from integrome.ingest.expression import (
    ExpressionOptions,
    ExpressionReference,
    call_level,
    read_expression,
    read_reference,
)
from integrome.model import BiomarkerFinding

_REFERENCE = ExpressionReference("cohort", {"ERBB2": (20.0, 25.0, 30.0, 35.0, 40.0, 28.0, 22.0)})


def test_a_level_far_above_the_cohort_is_high() -> None:
    call, z, percentile, median = call_level(1133.0, "TPM", _REFERENCE.values["ERBB2"])
    assert call == "high"
    assert z is not None
    assert z >= 3
    assert percentile == 100.0
    assert median == 28.0


def test_a_level_inside_the_cohort_is_within_range() -> None:
    assert call_level(27.0, "TPM", _REFERENCE.values["ERBB2"])[0] == "within_range"


def test_tpm_below_one_is_not_expressed_even_without_reference() -> None:
    assert call_level(0.2, "TPM", None)[0] == "not_expressed"
    assert call_level(7.0, "TPM", None)[0] == "not_assessed"


def test_pcgr_expression_against_a_reference_calls_erbb2_high(shared_data: Path) -> None:
    path = shared_data / "pcgr-examples" / "T001-BRCA.gene_expression.tsv.gz"
    assert detect_format(path) == "expression"
    result = read_expression(path, ExpressionOptions(reference=_REFERENCE, genes=frozenset({"ERBB2", "PGR"})))
    levels = {m.gene: m for m in result.expression}
    assert levels["ERBB2"].call == "high"
    assert levels["ERBB2"].value == pytest.approx(1133.2294)
    assert levels["ERBB2"].reference == "cohort"
    assert levels["PGR"].call == "not_expressed"
    assert any("249 rows are named by Ensembl" in w for w in result.warnings)


def test_featurecounts_counts_become_tpm(tmp_path: Path) -> None:
    path = tmp_path / "counts.txt"
    path.write_text(
        "# Program:featureCounts v2.0.3; Command:...\n"
        "Geneid\tChr\tStart\tEnd\tStrand\tLength\tsample.bam\n"
        "ERBB2\tchr17\t1\t2\t+\t1000\t300\n"
        "GAPDH\tchr12\t1\t2\t+\t2000\t600\n"
        "ALK\tchr2\t1\t2\t-\t1000\t0\n"
    )
    assert detect_format(path) == "expression"
    result = read_expression(path, ExpressionOptions(genes=frozenset({"ERBB2", "ALK"})))
    levels = {m.gene: m for m in result.expression}
    assert levels["ERBB2"].value == pytest.approx(500000.0)
    assert levels["ALK"].call == "not_expressed"


def test_reference_matrix_needs_three_samples(tmp_path: Path) -> None:
    path = tmp_path / "ref.tsv"
    path.write_text("gene\ts1\ts2\nERBB2\t1\t2\n")
    with pytest.raises(InputError, match=r"ref.tsv:line 1: a reference needs at least 3 sample columns"):
        read_reference(path)


def test_reference_matrix_is_read_per_gene(tmp_path: Path) -> None:
    path = tmp_path / "ref.tsv"
    path.write_text("gene\ts1\ts2\ts3\nERBB2\t10\t12\t14\n")
    assert read_reference(path).values["ERBB2"] == (10.0, 12.0, 14.0)


def test_met_exon_13_to_15_junction_is_exon_14_skipping(tmp_path: Path) -> None:
    path = tmp_path / "junctions.tsv"
    path.write_text(
        "gene\tupstream_exon\tdownstream_exon\tjunction_reads\nMET\t13\t15\t42\nMET\t13\t14\t900\n"
    )
    assert detect_format(path) == "expression"
    (finding,) = read_expression(path).findings
    assert isinstance(finding, BiomarkerFinding)
    assert finding.biomarker == "MET exon 14 skipping"
    assert finding.status == "positive"
    assert finding.omics_layer == "rna"


def test_junction_below_the_read_floor_is_a_warning_not_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "junctions.tsv"
    path.write_text("gene\tupstream_exon\tdownstream_exon\tjunction_reads\nMET\t13\t15\t2\n")
    result = read_expression(path)
    assert result.findings == []
    assert "below the reporting floor" in result.warnings[0]


def test_negative_tpm_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tpm.tsv"
    path.write_text("gene\tTPM\nERBB2\t5\nALK\t-3\n")
    with pytest.raises(InputError, match=r"tpm.tsv:line 3: tpm must not be negative"):
        read_expression(path)


def test_ragged_expression_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tpm.tsv"
    path.write_text("gene\tTPM\nERBB2\t5\textra\tcolumns\n")
    with pytest.raises(InputError, match=r"tpm.tsv:line 2: expected 2 tab-separated columns"):
        read_expression(path)
