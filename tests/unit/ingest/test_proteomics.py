"""IHC result tables graded by their scheme, MMR aggregation, protein abundance against a reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.detect import detect_format
from integrome.ingest.expression import ExpressionReference
from integrome.ingest.proteomics import ProteomicsOptions, grade_ihc, read_proteomics
from integrome.model import BiomarkerFinding


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ("3+", "positive"),
        ("2+", "equivocal"),
        ("2+, ISH amplified", "positive"),
        ("2+ ISH-", "low"),
        ("1+", "low"),
        ("0", "negative"),
    ],
)
def test_her2_ihc_scores_follow_asco_cap_and_her2_low(result: str, status: str) -> None:
    assert grade_ihc("HER2", result).status == status


def test_her2_low_is_scored_under_the_her2_low_scheme() -> None:
    assert grade_ihc("HER2", "1+").scoring == "IHC 1+ or IHC 2+/ISH-"


@pytest.mark.parametrize(("result", "status"), [("0%", "negative"), ("5%", "low"), ("90%", "positive")])
def test_er_percent_nuclei_thresholds(result: str, status: str) -> None:
    assert grade_ihc("ER", result).status == status


def test_pdl1_scheme_comes_from_the_row() -> None:
    grade = grade_ihc("PD-L1", "60", scoring="TPS")
    assert (grade.status, grade.scoring, grade.numeric) == ("positive", "TPS", 60.0)
    assert grade_ihc("PD-L1", "CPS 12").scoring == "CPS"


def test_loss_of_one_mmr_protein_is_deficient(tmp_path: Path) -> None:
    path = tmp_path / "ihc.tsv"
    path.write_text("biomarker\tresult\nMLH1\tloss\nPMS2\tloss\nMSH2\tintact\nMSH6\tintact\nHER2\t2+\n")
    assert detect_format(path) == "proteomics"
    findings = [f for f in read_proteomics(path).findings if isinstance(f, BiomarkerFinding)]
    mmr = next(f for f in findings if f.biomarker == "MMR")
    assert mmr.status == "positive"
    assert mmr.value == "deficient (loss of MLH1, PMS2)"
    her2 = next(f for f in findings if f.biomarker == "HER2")
    assert (her2.status, her2.gene, her2.omics_layer) == ("equivocal", "ERBB2", "protein")


def test_all_four_mmr_proteins_intact_is_proficient(tmp_path: Path) -> None:
    path = tmp_path / "ihc.tsv"
    path.write_text("marker\tscore\nMLH1\tintact\nPMS2\tintact\nMSH2\tretained\nMSH6\tintact\n")
    mmr = next(
        f for f in read_proteomics(path).findings if isinstance(f, BiomarkerFinding) and f.biomarker == "MMR"
    )
    assert mmr.status == "negative"


def test_protein_abundance_outlier_against_reference(tmp_path: Path) -> None:
    path = tmp_path / "rppa.tsv"
    path.write_text("protein\tlog2_intensity\nERBB2\t9.5\nEGFR\t2.1\n")
    assert detect_format(path) == "proteomics"
    reference = ExpressionReference(
        "RPPA cohort", {"ERBB2": (1.0, 1.5, 2.0, 2.2, 1.8), "EGFR": (2.0, 2.2, 1.9)}
    )
    result = read_proteomics(path, ProteomicsOptions(reference=reference, genes=frozenset({"ERBB2", "EGFR"})))
    levels = {m.gene: m for m in result.expression}
    assert levels["ERBB2"].call == "high"
    assert levels["ERBB2"].layer == "protein"
    assert levels["EGFR"].call == "within_range"


def test_ihc_row_without_result_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ihc.tsv"
    path.write_text("biomarker\tresult\nHER2\t3+\nER\t\n")
    with pytest.raises(InputError, match=r"ihc.tsv:line 3: biomarker and result are required"):
        read_proteomics(path)
