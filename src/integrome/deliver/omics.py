"""The report's multi-omics section: genome-wide copy-number plot, RNA/protein levels against the
reference, and cross-layer concordance.

Plots are drawn with matplotlib (imported only when there is something to draw, with the
non-interactive Agg backend) and embedded as PNG data URIs, so the HTML stays one self-contained
file that WeasyPrint also renders. PNG metadata is dropped and sizes are fixed, so the same analysis
gives the same bytes.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrome.model import Analysis, CopyNumberFinding, CopyNumberSegment, ExpressionMeasurement
from integrome.normalize.loci import gene_loci

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ConcordanceRow", "LevelRow", "OmicsView", "build_omics_view", "copy_number_plot", "levels_plot"]

_CHROMS = [f"chr{n}" for n in range(1, 23)] + ["chrX", "chrY"]
_GAIN, _LOSS, _NEUTRAL = "#b2182b", "#2166ac", "#555555"
_VERDICT = {"concordant": "Concordant", "discordant": "Discordant", "partial": "Needs confirmation"}


@dataclass(frozen=True)
class LevelRow:
    gene: str
    layer: str
    value: str
    reference: str
    z: str
    percentile: str
    call: str


@dataclass(frozen=True)
class ConcordanceRow:
    gene: str
    verdict: str
    verdict_class: str
    layers: list[str]
    note: str


@dataclass(frozen=True)
class OmicsView:
    copy_number_plot: str | None
    """PNG data URI, or None without segments."""
    segment_count: int
    segment_inputs: list[str]
    levels_plot: str | None
    levels: list[LevelRow]
    reference: str | None
    concordance: list[ConcordanceRow]


def build_omics_view(analysis: Analysis) -> OmicsView | None:
    """None when the analysis has no segments, levels or cross-layer comparisons."""
    if not (analysis.segments or analysis.expression or analysis.concordance):
        return None
    amplified = sorted(
        {f.gene for f in analysis.findings if isinstance(f, CopyNumberFinding) and f.call == "amplification"}
    )
    deleted = sorted(
        {f.gene for f in analysis.findings if isinstance(f, CopyNumberFinding) and f.call == "deep_deletion"}
    )
    references = sorted({m.reference for m in analysis.expression if m.reference})
    return OmicsView(
        copy_number_plot=copy_number_plot(analysis.segments, amplified, deleted)
        if analysis.segments
        else None,
        segment_count=len(analysis.segments),
        segment_inputs=sorted({s.input for s in analysis.segments}),
        levels_plot=levels_plot(analysis.expression)
        if any(m.z_score is not None for m in analysis.expression)
        else None,
        levels=[_level_row(m) for m in sorted(analysis.expression, key=lambda m: (m.layer, m.gene))],
        reference="; ".join(references) or None,
        concordance=[
            ConcordanceRow(
                gene=c.gene,
                verdict=_VERDICT[c.verdict],
                verdict_class=c.verdict,
                layers=[f"{e.layer.upper()}: {e.result}" for e in c.layers],
                note=c.note,
            )
            for c in analysis.concordance
        ],
    )


def _level_row(m: ExpressionMeasurement) -> LevelRow:
    return LevelRow(
        gene=m.gene,
        layer="RNA" if m.layer == "rna" else "protein",
        value=f"{m.value:g} {m.unit}",
        reference="—" if m.reference_median is None else f"median {m.reference_median:g}",
        z="—" if m.z_score is None else f"{m.z_score:+.1f}",
        percentile="—" if m.percentile is None else f"{m.percentile:g}",
        call=m.call.replace("_", " "),
    )


def _segment_log2(segment: CopyNumberSegment) -> float | None:
    if segment.log2_ratio is not None:
        return segment.log2_ratio
    if segment.copy_number is not None:
        return math.log2(max(segment.copy_number, 0.05) / 2)
    return None


def copy_number_plot(
    segments: Sequence[CopyNumberSegment], amplified: Sequence[str] = (), deleted: Sequence[str] = ()
) -> str:
    """Genome-wide log2 copy ratio by segment (absolute copy numbers shown as log2(CN/2)); the
    amplified and deleted genes are labelled where the packaged gene loci place them."""
    spans: dict[str, int] = {}
    for segment in segments:
        spans[segment.chrom] = max(spans.get(segment.chrom, 0), segment.end)
    chroms = [c for c in _CHROMS if c in spans]
    offsets: dict[str, int] = {}
    total = 0
    for chrom in chroms:
        offsets[chrom] = total
        total += spans[chrom]
    figure = _figure(9.0, 2.8)
    axes = figure.add_subplot(1, 1, 1)
    for segment in segments:
        value = _segment_log2(segment)
        if value is None or segment.chrom not in offsets:
            continue
        shown = max(-3.0, min(3.0, value))
        color = _GAIN if value >= 0.2 else _LOSS if value <= -0.25 else _NEUTRAL
        start = offsets[segment.chrom] + segment.start
        axes.plot([start, offsets[segment.chrom] + segment.end], [shown, shown], color=color, linewidth=2.2)
    for index, chrom in enumerate(chroms):
        if index % 2:
            axes.axvspan(offsets[chrom], offsets[chrom] + spans[chrom], color="#f0f0f0", zorder=0)
    build = next((s.build for s in segments if s.build is not None), None)
    if build is not None:
        loci = {locus.gene: locus for locus in gene_loci(build)}
        for gene, color in [*((g, _GAIN) for g in amplified), *((g, _LOSS) for g in deleted)]:
            locus = loci.get(gene)
            if locus is not None and locus.chrom in offsets:
                x = offsets[locus.chrom] + locus.start
                y = 2.6 if color == _GAIN else -2.6
                axes.annotate(gene, (x, y), fontsize=7, color=color, ha="center")
    axes.axhline(0, color="#999999", linewidth=0.6)
    axes.set_xlim(0, max(total, 1))
    axes.set_ylim(-3.2, 3.2)
    axes.set_ylabel("log2 copy ratio")
    axes.set_xticks([offsets[c] + spans[c] / 2 for c in chroms])
    axes.set_xticklabels([c.removeprefix("chr") for c in chroms], fontsize=7)
    axes.set_title(
        f"Copy number ({build or 'build unknown'}; values beyond ±3 drawn at the edge)", fontsize=9
    )
    return _data_uri(figure)


def levels_plot(measurements: Sequence[ExpressionMeasurement]) -> str:
    """Each gene's robust z against its reference cohort; the shaded band is |z| < 3 (within range)."""
    shown = sorted((m for m in measurements if m.z_score is not None), key=lambda m: (m.layer, m.gene))
    figure = _figure(6.0, max(1.6, 0.28 * len(shown) + 0.8))
    axes = figure.add_subplot(1, 1, 1)
    axes.axvspan(-3, 3, color="#eeeeee", zorder=0)
    for row, m in enumerate(shown):
        z = m.z_score or 0.0
        color = _GAIN if z >= 3 else _LOSS if z <= -3 else _NEUTRAL
        axes.plot([z], [row], marker="o", color=color)
    axes.set_yticks(range(len(shown)))
    axes.set_yticklabels(
        [f"{m.gene} ({'RNA' if m.layer == 'rna' else 'protein'})" for m in shown], fontsize=7
    )
    axes.axvline(0, color="#999999", linewidth=0.6)
    axes.set_xlabel("robust z versus the reference (log2 scale)")
    axes.invert_yaxis()
    return _data_uri(figure)


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    figure.set_layout_engine("tight")
    return figure


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
