"""The report's multi-omics section: real plots as inline PNG, level and concordance tables."""

from __future__ import annotations

from integrome.deliver import render_html
from integrome.deliver.omics import build_omics_view, copy_number_plot
from integrome.model import (
    Analysis,
    CopyNumberFinding,
    CopyNumberSegment,
    ExpressionMeasurement,
    LayerConcordance,
    LayerEvidence,
    Patient,
)

_SEGMENTS = [
    CopyNumberSegment(chrom="chr1", start=1, end=120_000_000, build="GRCh38", copy_number=2, input="cn.tsv"),
    CopyNumberSegment(
        chrom="chr17", start=39_000_000, end=40_000_000, build="GRCh38", copy_number=9, input="cn.tsv"
    ),
    CopyNumberSegment(
        chrom="chr17", start=40_000_001, end=80_000_000, build="GRCh38", log2_ratio=-0.6, input="cn.tsv"
    ),
]


def _analysis(**extra: object) -> Analysis:
    return Analysis(kb_version="t", generated_at="2026-01-01T00:00:00Z", patient=Patient(id="p"), **extra)  # type: ignore[arg-type]


def test_copy_number_plot_is_a_png_data_uri() -> None:
    uri = copy_number_plot(_SEGMENTS, amplified=["ERBB2"])
    assert uri.startswith("data:image/png;base64,iVBOR")


def test_copy_number_plot_is_deterministic() -> None:
    assert copy_number_plot(_SEGMENTS) == copy_number_plot(_SEGMENTS)


def test_no_omics_data_means_no_section() -> None:
    assert build_omics_view(_analysis()) is None
    assert "Multi-omics" not in render_html(_analysis())


def test_section_shows_plot_levels_and_concordance() -> None:
    analysis = _analysis(
        findings=[
            CopyNumberFinding(id="f1", source="table", gene="ERBB2", call="amplification", copy_number=9)
        ],
        segments=_SEGMENTS,
        expression=[
            ExpressionMeasurement(
                gene="ERBB2",
                layer="rna",
                value=1133.2,
                unit="TPM",
                call="high",
                z_score=5.1,
                percentile=100.0,
                reference_median=28.0,
                reference="cohort.tsv (20 samples)",
            )
        ],
        concordance=[
            LayerConcordance(
                gene="ERBB2",
                topic="ERBB2: DNA / RNA",
                verdict="concordant",
                layers=[LayerEvidence(layer="dna", result="ERBB2 amplification", supports=True)],
                note="ERBB2 amplification with high ERBB2 mRNA",
            )
        ],
    )
    html = render_html(analysis)
    assert 'id="multi-omics"' in html
    assert html.count("data:image/png;base64,") == 2
    assert "cohort.tsv (20 samples)" in html
    assert "+5.1" in html
    assert "ERBB2 amplification with high ERBB2 mRNA" in html
