"""Import the HGNC complete set (CC0) and write the curated subset integrome ships.

`import_hgnc` reads `hgnc_complete_set.txt` (tab-separated, plain or gzip) as published by HGNC
(https://www.genenames.org/download/archive/). Only rows with status "Approved" become genes;
withdrawn entries are counted but not indexed. `write_gene_table` writes `normalize/data/genes.tsv`
deterministically (rows sorted by symbol); regenerate it with

    write_gene_table(import_hgnc(path), packaged_symbols(), out, release)
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

from integrome.errors import InputError
from integrome.normalize._data import read_packaged_tsv
from integrome.normalize.genes import GeneRecord, GeneTable

__all__ = ["REQUIRED_HGNC_COLUMNS", "import_hgnc", "packaged_symbols", "write_gene_table"]

REQUIRED_HGNC_COLUMNS = ("hgnc_id", "symbol", "name", "status", "location", "alias_symbol", "prev_symbol")


def _multi(value: str) -> tuple[str, ...]:
    """HGNC writes multi-valued cells as `"A|B|C"` (quoted) or a single bare value."""
    return tuple(part for part in value.strip('"').split("|") if part)


def import_hgnc(path: Path) -> GeneTable:
    """Every approved gene of an HGNC complete-set file; InputError names the line of a malformed row."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(path, None, f"expected a readable HGNC complete-set TSV ({exc})") from exc
    if not lines:
        raise InputError(path, "line 1", "expected the HGNC header row, found an empty file")
    header = lines[0].split("\t")
    missing = [c for c in REQUIRED_HGNC_COLUMNS if c not in header]
    if missing:
        raise InputError(
            path, "line 1", f"expected HGNC columns {', '.join(missing)}; header has {header[:6]}"
        )
    col = {name: header.index(name) for name in REQUIRED_HGNC_COLUMNS}
    records: list[GeneRecord] = []
    rows = 0
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(path, f"line {number}", f"expected {len(header)} fields, found {len(fields)}")
        rows += 1
        if fields[col["status"]] != "Approved":
            continue
        hgnc_id = fields[col["hgnc_id"]]
        if not hgnc_id.startswith("HGNC:"):
            raise InputError(path, f"line {number}", f"expected an HGNC ID like HGNC:5, found {hgnc_id!r}")
        records.append(
            GeneRecord(
                hgnc_id=hgnc_id,
                symbol=fields[col["symbol"]],
                name=fields[col["name"]],
                location=fields[col["location"]],
                aliases=_multi(fields[col["alias_symbol"]]),
                previous=_multi(fields[col["prev_symbol"]]),
            )
        )
    return GeneTable(tuple(records), path.name, rows)


def packaged_symbols() -> list[str]:
    """Symbols of the shipped subset exactly as the HGNC release it was derived from spells them."""
    return [row["symbol"] for row in read_packaged_tsv("genes.tsv")]


def write_gene_table(table: GeneTable, symbols: Iterable[str], out: Path, release: str) -> list[str]:
    """Write the subset of `table` for `symbols` to `out`; returns the symbols that are not approved genes."""
    wanted = {s.upper() for s in symbols}
    chosen = sorted((r for r in table.records if r.symbol.upper() in wanted), key=lambda r: r.symbol)
    found = {r.symbol.upper() for r in chosen}
    lines = [
        "# Curated oncology and pharmacogenomics gene subset of the HGNC complete set.",
        f"# Source: HGNC (HUGO Gene Nomenclature Committee), www.genenames.org, release {release}; CC0 1.0.",
        "# Columns: aliases and previous are |-separated; location is the HGNC cytogenetic location.",
        "hgnc_id\tsymbol\tname\tlocation\taliases\tprevious",
    ]
    lines += [
        "\t".join((r.hgnc_id, r.symbol, r.name, r.location, "|".join(r.aliases), "|".join(r.previous)))
        for r in chosen
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sorted(wanted - found)
