"""Importer for PharmCAT's named-allele definitions (`*_translation.json`, `exemptions.json`).

PharmCAT (MPL-2.0) publishes the current PharmVar/CPIC allele definitions as JSON. This converts
them into integrome's own definition format so users can call star alleles on PharmCAT's current
definitions: `load_pgx_knowledge(extra_dir=out_dir)` then prefers them over the pypgx tables.
GRCh37 coordinates are added where pypgx's variant table knows the same GRCh38 variant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.pgx import CALLED_GENES
from integrome.knowledge.pgx_defs import (
    AlleleDefinition,
    GeneDefinition,
    PgxPosition,
    allele_key,
    definition_to_json,
    pypgx_data_dir,
    read_csv_rows,
)

__all__ = ["ImportReport", "import_pharmcat"]


@dataclass
class ImportReport:
    """What an import wrote: genes, allele counts, positions without a GRCh37 coordinate."""

    source: str
    genes: dict[str, int] = field(default_factory=dict)
    without_grch37: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _grch37_lookup() -> dict[tuple[str, int], int]:
    lift: dict[tuple[str, int], int] = {}
    for row in read_csv_rows(pypgx_data_dir() / "variant-table.csv"):
        if row["GRCh38Position"].isdigit() and row["GRCh37Position"].isdigit():
            lift[(f"chr{row['Chromosome']}", int(row["GRCh38Position"]))] = int(row["GRCh37Position"])
    return lift


def _positions(loci: list[Any] | None) -> list[int]:
    """Exemption loci are VariantLocus objects (or bare positions in older files)."""
    return [int(x["position"]) if isinstance(x, dict) else int(x) for x in loci or []]


def _convert(
    data: dict[str, Any], exemption: dict[str, Any], lift: dict[tuple[str, int], int]
) -> GeneDefinition:
    ignored_positions = set(_positions(exemption.get("ignoredPositions")))
    ignored_alleles = {a.lower() for a in exemption.get("ignoredAllelesLc") or []}
    chrom = str(data["chromosome"])
    keep: list[int] = []
    positions: list[PgxPosition] = []
    for i, variant in enumerate(data["variants"]):
        pos = int(variant["position"])
        if pos in ignored_positions:
            continue
        ref = str(variant["ref"])
        alts = [str(a) for a in variant.get("alts") or []]
        snv = len(ref) == 1 and all(len(a) == 1 for a in alts)
        keep.append(i)
        positions.append(PgxPosition(chrom, pos, lift.get((chrom, pos)), ref, variant.get("rsid"), snv))
    alleles: list[AlleleDefinition] = []
    for named in data["namedAlleles"]:
        if str(named["name"]).lower() in ignored_alleles:
            continue
        cells: dict[int, frozenset[str]] = {}
        for new_index, old_index in enumerate(keep):
            value = named["alleles"][old_index]
            if value is None:
                continue
            position = positions[new_index]
            key = value.upper() if position.snv else allele_key(position.ref, value, snv=False)
            cells[new_index] = frozenset({key})
        if cells:
            alleles.append(AlleleDefinition(str(named["name"]), cells, bool(named.get("reference"))))
    reference = next(a.name for a in alleles if a.reference)
    source = f"PharmCAT definitions ({data.get('source', 'unknown')} {data.get('version', '')})".strip()
    return GeneDefinition(
        str(data["gene"]),
        chrom,
        tuple(positions),
        tuple(alleles),
        reference,
        source,
        tuple(_positions(exemption.get("requiredPositions"))),
        tuple(
            (frozenset(p["list"]), str(p["pick"])) for p in exemption.get("unphasedDiplotypePriorities") or []
        ),
    )


def import_pharmcat(definitions_dir: Path, out_dir: Path) -> ImportReport:
    """Convert every `<GENE>_translation.json` of a called gene into `out_dir/pgx/definitions/`."""
    files = sorted(definitions_dir.glob("*_translation.json"))
    if not files:
        raise KnowledgeBaseError(f"{definitions_dir}: no PharmCAT *_translation.json files found")
    exemptions: dict[str, Any] = {}
    exemption_file = definitions_dir / "exemptions.json"
    if exemption_file.exists():
        try:
            exemptions = json.loads(exemption_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise KnowledgeBaseError(f"{exemption_file}: invalid JSON ({exc})") from exc
    lift = _grch37_lookup()
    target = out_dir / "pgx" / "definitions"
    target.mkdir(parents=True, exist_ok=True)
    report = ImportReport(source=str(definitions_dir))
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            gene = str(data["gene"])
            if gene not in CALLED_GENES:
                report.skipped.append(gene)
                continue
            definition = _convert(data, exemptions.get(gene, {}), lift)
        except (ValueError, KeyError, TypeError, StopIteration) as exc:
            raise KnowledgeBaseError(f"{path}: not a PharmCAT allele definition file ({exc})") from exc
        payload = definition_to_json(definition)
        (target / f"{gene}.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
        report.genes[gene] = len(definition.alleles)
        report.without_grch37[gene] = sum(1 for p in definition.positions if p.pos37 is None)
    return report
