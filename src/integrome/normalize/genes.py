"""Gene symbols: any approved symbol, previous symbol or alias → the current HGNC-approved symbol.

Resolution follows the order of HGNC's own multi-symbol checker: an approved symbol wins over a
previous symbol, which wins over an alias; a name that is the previous symbol or alias of more than
one gene is ambiguous and resolves to nothing rather than to a guess. Matching is case-insensitive,
and a last pass ignores hyphens, dots and spaces ("PDL-1", "HER 2").

The packaged table (`data/genes.tsv`) is a curated oncology + pharmacogenomics subset of the HGNC
complete set (CC0). Set `INTEGROME_HGNC_FILE` to an HGNC `hgnc_complete_set.txt` (plain or .gz) to
resolve against all ~42,000 genes of that release instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from integrome.errors import ConfigError
from integrome.normalize._data import read_packaged_tsv, split_multi

__all__ = [
    "HGNC_FILE_ENV",
    "PACKAGED_HGNC_RELEASE",
    "GeneRecord",
    "GeneTable",
    "canonical_gene",
    "gene_by_hgnc_id",
    "gene_record",
    "gene_table",
    "is_known_gene",
    "load_packaged_genes",
]

HGNC_FILE_ENV = "INTEGROME_HGNC_FILE"
"""Environment variable naming a full HGNC complete-set file to use instead of the packaged subset."""

PACKAGED_HGNC_RELEASE = "2019-01-03"
"""HGNC release the packaged `genes.tsv` was derived from."""

_PUNCT = re.compile(r"[-.\s_]")


@dataclass(frozen=True)
class GeneRecord:
    """One approved HGNC gene."""

    hgnc_id: str
    symbol: str
    name: str
    location: str
    aliases: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()


def _key(symbol: str) -> str:
    return symbol.strip().upper()


def _loose_key(symbol: str) -> str:
    return _PUNCT.sub("", _key(symbol))


def _unique_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map key → symbol, dropping keys claimed by more than one gene (ambiguous names)."""
    seen: dict[str, set[str]] = {}
    for key, symbol in pairs:
        seen.setdefault(key, set()).add(symbol)
    return {key: next(iter(symbols)) for key, symbols in seen.items() if len(symbols) == 1}


@dataclass(frozen=True)
class GeneTable:
    """Approved genes with lookup indexes for symbol, previous symbol, alias and HGNC ID."""

    records: tuple[GeneRecord, ...]
    release: str
    rows_read: int
    extra_aliases: Mapping[str, str] = field(default_factory=dict)
    _approved: dict[str, GeneRecord] = field(init=False, repr=False, compare=False)
    _by_id: dict[str, GeneRecord] = field(init=False, repr=False, compare=False)
    _levels: tuple[dict[str, str], ...] = field(init=False, repr=False, compare=False)
    _loose: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        approved = {_key(r.symbol): r for r in self.records}
        previous = _unique_index((_key(p), r.symbol) for r in self.records for p in r.previous)
        curated = {
            _key(alias): symbol for alias, symbol in self.extra_aliases.items() if _key(symbol) in approved
        }
        aliases = _unique_index((_key(a), r.symbol) for r in self.records for a in r.aliases)
        loose = _unique_index(
            (_loose_key(name), r.symbol)
            for r in self.records
            for name in (r.symbol, *r.previous, *r.aliases)
            if _loose_key(name)
        )
        object.__setattr__(self, "_approved", approved)
        object.__setattr__(self, "_by_id", {r.hgnc_id: r for r in self.records})
        object.__setattr__(self, "_levels", (previous, curated, aliases))
        object.__setattr__(self, "_loose", loose)

    def __len__(self) -> int:
        return len(self.records)

    def resolve(self, symbol: str) -> str | None:
        """Current approved symbol for `symbol`, or None when unknown or ambiguous."""
        key = _key(symbol)
        if not key:
            return None
        record = self._approved.get(key)
        if record is not None:
            return record.symbol
        for level in self._levels:
            found = level.get(key)
            if found is not None:
                return found
        return self._loose.get(_loose_key(symbol))

    def record(self, symbol: str) -> GeneRecord | None:
        """The full record of the gene `symbol` resolves to."""
        resolved = self.resolve(symbol)
        return self._approved[_key(resolved)] if resolved is not None else None

    def by_hgnc_id(self, hgnc_id: str) -> GeneRecord | None:
        """Record for an HGNC ID written as `HGNC:1100` or `1100`."""
        text = hgnc_id.strip().upper()
        return self._by_id.get(text if text.startswith("HGNC:") else f"HGNC:{text}")

    def apply_renames(self, renames: Iterable[tuple[str, str, str]]) -> GeneTable:
        """Apply (hgnc_id, old symbol, new symbol) renames made by HGNC after this release.

        A rename only applies when the record still carries the old symbol, so the same list is a
        no-op on a newer HGNC file that already has the new symbol.
        """
        by_id = {hgnc_id: (old, new) for hgnc_id, old, new in renames}
        records = []
        for r in self.records:
            change = by_id.get(r.hgnc_id)
            if change is not None and r.symbol == change[0]:
                r = replace(r, symbol=change[1], previous=(change[0], *r.previous))
            records.append(r)
        return GeneTable(tuple(records), self.release, self.rows_read, self.extra_aliases)


def load_packaged_genes() -> GeneTable:
    """The curated subset shipped with integrome, with later renames and curated aliases applied."""
    records = tuple(
        GeneRecord(
            hgnc_id=row["hgnc_id"],
            symbol=row["symbol"],
            name=row["name"],
            location=row["location"],
            aliases=split_multi(row["aliases"]),
            previous=split_multi(row["previous"]),
        )
        for row in read_packaged_tsv("genes.tsv")
    )
    return _with_curation(GeneTable(records, PACKAGED_HGNC_RELEASE, len(records)))


def _with_curation(table: GeneTable) -> GeneTable:
    extra = {row["alias"]: row["symbol"] for row in read_packaged_tsv("gene_aliases.tsv")}
    renames = [
        (row["hgnc_id"], row["previous_symbol"], row["symbol"])
        for row in read_packaged_tsv("hgnc_renames.tsv")
    ]
    renamed = table.apply_renames(renames)
    return GeneTable(renamed.records, renamed.release, renamed.rows_read, extra)


@cache
def gene_table() -> GeneTable:
    """The process-wide table: the HGNC file named by `INTEGROME_HGNC_FILE`, else the packaged subset."""
    configured = os.environ.get(HGNC_FILE_ENV)
    if not configured:
        return load_packaged_genes()
    path = Path(configured)
    if not path.is_file():
        raise ConfigError(f"{HGNC_FILE_ENV}={configured}: no such file (expected an HGNC complete-set TSV)")
    from integrome.normalize.hgnc_import import import_hgnc  # lazy: only when configured

    return _with_curation(import_hgnc(path))


def canonical_gene(symbol: str) -> str | None:
    """Current approved HGNC symbol for an approved symbol, previous symbol or alias (HER2 → ERBB2)."""
    return gene_table().resolve(symbol)


def is_known_gene(symbol: str) -> bool:
    """True when `symbol` resolves to an approved gene."""
    return canonical_gene(symbol) is not None


def gene_record(symbol: str) -> GeneRecord | None:
    """HGNC ID, name and cytogenetic location of the gene `symbol` resolves to."""
    return gene_table().record(symbol)


def gene_by_hgnc_id(hgnc_id: str) -> str | None:
    """Approved symbol for an HGNC ID such as `HGNC:12530` (FHIR gene-studied codings carry these)."""
    record = gene_table().by_hgnc_id(hgnc_id)
    return record.symbol if record is not None else None
