"""Rich tables for `integrome kb diff` and `integrome compare`: one row per added, removed or
changed item, and one row per changed field.

Every cell is a `Text`, never markup: titles, labels and values come from knowledge-base files and
analyses, and a "[bold]" in them must print literally.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import JsonValue
    from rich.console import Console
    from rich.table import Table

    from integrome.insights.diff import AnalysisDiff, InsightRef
    from integrome.knowledge.diff import FieldChange, HotspotRef, KbDiff, PgxRuleRef, RecordRef
    from integrome.model import PgxResult

__all__ = ["print_analysis_diff", "print_kb_diff"]


def print_kb_diff(diff: KbDiff, out: Console) -> None:
    from rich.text import Text

    out.print(Text(f"Knowledge base {diff.old_version} → {diff.new_version}"))
    counts = _table("Counts", "Part", "Old", "New", "Change")
    for count in diff.counts:
        delta = count.new - count.old
        _add(counts, count.part, str(count.old), str(count.new), f"{delta:+d}" if delta else "")
    out.print(counts)
    if diff.identical:
        out.print(Text("No differences in records, rules or counts."))
        return
    records = _table("Biomarker records", "Change", "Id", "What", "Old", "New")
    for ref in diff.biomarkers_added:
        _add(records, "added", ref.id, _record(ref), "", "")
    for ref in diff.biomarkers_removed:
        _add(records, "removed", ref.id, _record(ref), "", "")
    for change in diff.biomarkers_changed:
        for row in _field_rows(change.changes):
            _add(records, "changed", change.id, *row)
    hotspots = _table("Hotspots", "Change", "Variant", "Field", "Old", "New")
    for hotspot in diff.hotspots_added:
        _add(hotspots, "added", _hotspot(hotspot), "", "", "")
    for hotspot in diff.hotspots_removed:
        _add(hotspots, "removed", _hotspot(hotspot), "", "", "")
    for hotspot_change in diff.hotspots_changed:
        for row in _field_rows(hotspot_change.changes):
            _add(hotspots, "changed", _hotspot(hotspot_change.hotspot), *row)
    pgx = _table("Pharmacogenomics", "Change", "What", "Drugs", "Genes", "Applies to")
    for change_kind, genes in (
        ("added", diff.pgx_definitions_added),
        ("removed", diff.pgx_definitions_removed),
        ("changed", diff.pgx_definitions_changed),
    ):
        for gene in genes:
            _add(pgx, change_kind, "allele definitions", "", gene, "")
    for change_kind, rules in (
        ("added", diff.pgx_rules_added),
        ("removed", diff.pgx_rules_removed),
        ("changed", diff.pgx_rules_changed),
    ):
        for rule in rules:
            _add(pgx, change_kind, *_rule(rule))
    for table in (records, hotspots, pgx):
        if table.row_count:
            out.print(table)


def print_analysis_diff(diff: AnalysisDiff, out: Console) -> None:
    from rich.text import Text

    out.print(
        Text(
            f"Patient {diff.patient_id}: knowledge base {diff.old_kb_version} → {diff.new_kb_version}, "
            f"analyzed {diff.old_generated_at} → {diff.new_generated_at}"
        )
    )
    if diff.identical:
        out.print(Text("No changes in insights or pharmacogene results."))
        return
    insights = _table("Insights", "Change", "Id", "Kind", "Title", "Field", "Old", "New")
    for ref in diff.insights_added:
        _add(insights, "new", ref.id, *_insight(ref), "", "")
    for ref in diff.insights_removed:
        _add(insights, "removed", ref.id, *_insight(ref), "", "")
    for change in diff.insights_changed:
        for row in _field_rows(change.changes):
            ids = change.new_id if change.old_id == change.new_id else f"{change.old_id} → {change.new_id}"
            _add(insights, "changed", ids, change.kind, change.title, *row)
    pgx = _table("Pharmacogenes", "Change", "Gene", "Field", "Old", "New")
    for result in diff.pgx_added:
        _add(pgx, "new", result.gene, "phenotype", "", _phenotype(result))
    for result in diff.pgx_removed:
        _add(pgx, "removed", result.gene, "phenotype", _phenotype(result), "")
    for pgx_change in diff.pgx_changed:
        for row in _field_rows(pgx_change.changes):
            _add(pgx, "changed", pgx_change.gene, *row)
    for table in (insights, pgx):
        if table.row_count:
            out.print(table)


def _table(title: str, *columns: str) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def _add(table: Table, *values: str) -> None:
    from rich.text import Text

    table.add_row(*(Text(value) for value in values))


def _field_rows(changes: Sequence[FieldChange]) -> list[tuple[str, str, str]]:
    return [(change.field, _value(change.old), _value(change.new)) for change in changes]


def _value(value: JsonValue) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(str(item) for item in value) or "—"
    return json.dumps(value, ensure_ascii=False)


def _record(ref: RecordRef) -> str:
    drugs = ", ".join(ref.drugs)
    return (
        f"{ref.label}: {ref.direction}" + (f" to {drugs}" if drugs else "") + f", level {ref.evidence_level}"
    )


def _hotspot(ref: HotspotRef) -> str:
    return f"{ref.gene} {ref.hgvs_p} {ref.build} {ref.chrom}:{ref.pos} {ref.ref}>{ref.alt}"


def _rule(rule: PgxRuleRef) -> tuple[str, str, str, str]:
    return (f"{rule.source} rule", ", ".join(rule.drugs), ", ".join(rule.genes), "; ".join(rule.applies_to))


def _insight(ref: InsightRef) -> tuple[str, str]:
    return ref.kind, ref.title + (f" (tier {ref.tier})" if ref.tier else "")


def _phenotype(result: PgxResult) -> str:
    return f"{result.diplotype} {result.phenotype}" if result.diplotype else result.phenotype
