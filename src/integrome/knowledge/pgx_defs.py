"""Star-allele definitions: which bases at which positions make each named allele.

Two sources feed the same in-memory shape:

- the CPIC/PharmVar allele table shipped by pypgx (MIT), read as a data file (never imported:
  `import pypgx` costs 2.2 s and 236 MB, PERFORMANCE.md);
- PharmCAT's `*_translation.json` files, converted by `knowledge.sources.pharmcat.import_pharmcat`
  into our JSON format (`definitions/<GENE>.json` in a user KB folder).

Alleles are compared as *keys*: the base for an SNV position; for an indel position "=" (the
reference sequence) or the minimal "REF>ALT" change. Keys are independent of the VCF's REF column,
so a GRCh37 VCF whose reference base differs from GRCh38 (CYP3A5 rs776746) still matches.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from integrome.errors import KnowledgeBaseError

__all__ = [
    "IUPAC",
    "AlleleDefinition",
    "GeneDefinition",
    "PgxPosition",
    "allele_key",
    "definition_from_json",
    "definition_to_json",
    "pypgx_data_dir",
    "pypgx_definitions",
    "read_csv_rows",
]

IUPAC: Mapping[str, frozenset[str]] = {
    "A": frozenset("A"),
    "C": frozenset("C"),
    "G": frozenset("G"),
    "T": frozenset("T"),
    "R": frozenset("AG"),
    "Y": frozenset("CT"),
    "S": frozenset("GC"),
    "W": frozenset("AT"),
    "K": frozenset("GT"),
    "M": frozenset("AC"),
    "B": frozenset("CGT"),
    "D": frozenset("AGT"),
    "H": frozenset("ACT"),
    "V": frozenset("ACG"),
    "N": frozenset("ACGT"),
}
"""IUPAC ambiguity codes used by PharmCAT cells (CYP2C19 *4 'Y': with or without *17's T)."""


def allele_key(ref: str, allele: str, snv: bool) -> str:
    """The comparable key of `allele` observed against `ref` at one definition position.

    SNV positions compare bases; indel positions compare the minimal change after trimming the
    common suffix, then the common prefix (VCF anchor base kept), so `CAT>CATAT` and `C>CAT`
    (UGT1A1*28, TA7 vs TA6) are the same change.
    """
    ref = ref.upper()
    allele = allele.upper()
    r, a = ref, allele
    while len(r) > 1 and len(a) > 1 and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    while len(r) > 1 and len(a) > 1 and r[0] == a[0]:
        r, a = r[1:], a[1:]
    if snv:
        return a if len(a) == 1 and len(r) == 1 else f"{r}>{a}"
    return "=" if r == a else f"{r}>{a}"


@dataclass(frozen=True)
class PgxPosition:
    """One definition position, with its coordinate on each build where known."""

    chrom: str
    pos38: int | None
    pos37: int | None
    ref: str
    rsid: str | None
    snv: bool

    def pos(self, build: str) -> int | None:
        return self.pos38 if build == "GRCh38" else self.pos37

    def label(self, build: str = "GRCh38") -> str:
        """`chr10:94781859 (rs4244285)`: how missing positions are reported."""
        pos = self.pos(build) or self.pos38
        return f"{self.chrom}:{pos}" + (f" ({self.rsid})" if self.rsid else "")


@dataclass(frozen=True)
class AlleleDefinition:
    """A named allele: the acceptable keys at each position it defines (others = reference)."""

    name: str
    cells: Mapping[int, frozenset[str]]
    reference: bool = False


@dataclass(frozen=True)
class GeneDefinition:
    gene: str
    chrom: str
    positions: tuple[PgxPosition, ...]
    alleles: tuple[AlleleDefinition, ...]
    reference_allele: str
    source: str
    required_positions: tuple[int, ...] = ()
    """GRCh38 positions without which no call is made (PharmCAT exemptions, e.g. NAT2)."""
    unphased_priorities: tuple[tuple[frozenset[str], str], ...] = ()
    """Equally ranked unphased diplotype sets and the one to report (PharmCAT exemptions)."""

    def reference(self) -> AlleleDefinition:
        for allele in self.alleles:
            if allele.reference:
                return allele
        raise KnowledgeBaseError(f"{self.gene}: definition has no reference allele")


def pypgx_data_dir() -> Path:
    """pypgx's `api/data` folder, found without importing pypgx."""
    spec = importlib.util.find_spec("pypgx")
    if spec is None or not spec.submodule_search_locations:
        raise KnowledgeBaseError("pypgx is not installed: its CPIC tables are the default PGx knowledge")
    return Path(next(iter(spec.submodule_search_locations))) / "api" / "data"


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read PGx table ({exc})") from exc


def _parse_variant(name: str) -> tuple[str, int, str, str]:
    chrom, pos, ref, alt = name.split("-")
    return f"chr{chrom}", int(pos), ref, alt


def pypgx_definitions(data_dir: Path, genes: Iterable[str]) -> dict[str, GeneDefinition]:
    """Definitions from pypgx's allele-table (GRCh38 core variants; GRCh37 via variant-table).

    An allele is its set of core variants against GRCh38; the allele with no GRCh38 core variant
    is the reference sequence (gene-table `GRCh38Default`, e.g. CYP2C19 *38). Structural alleles
    (SV=TRUE) cannot be called from SNVs and are left out.
    """
    wanted = set(genes)
    lift: dict[str, int] = {}
    rsids: dict[str, str] = {}
    for row in read_csv_rows(data_dir / "variant-table.csv"):
        if row["GRCh37Position"].isdigit():
            lift[row["GRCh38Name"]] = int(row["GRCh37Position"])
        if row["rsID"].startswith("rs"):
            rsids[row["GRCh38Name"]] = row["rsID"]
    genes_table = read_csv_rows(data_dir / "gene-table.csv")
    defaults = {row["Gene"]: row["GRCh38Default"] for row in genes_table}
    named_refs = {row["Gene"]: row["RefAllele"] for row in genes_table}
    by_gene: dict[str, list[dict[str, str]]] = {}
    for row in read_csv_rows(data_dir / "allele-table.csv"):
        if row["Gene"] in wanted and row["SV"] != "TRUE":
            by_gene.setdefault(row["Gene"], []).append(row)
    result: dict[str, GeneDefinition] = {}
    for gene, rows in sorted(by_gene.items()):
        cores = {row["StarAllele"]: _core(row["GRCh38Core"]) for row in rows}
        cores = _with_backbone(cores, defaults.get(gene, ""), named_refs.get(gene, ""))
        by_pos: dict[int, list[tuple[str, str, str]]] = {}
        chrom = ""
        for variants in cores.values():
            for name in variants:
                chrom, pos, ref, alt = _parse_variant(name)
                by_pos.setdefault(pos, []).append((ref, alt, name))
        if not by_pos:
            continue
        positions: list[PgxPosition] = []
        index: dict[int, int] = {}
        for pos in sorted(by_pos):
            seen = by_pos[pos]
            ref = max((r for r, _, _ in seen), key=len)
            snv = all(len(r) == 1 and len(a) == 1 for r, a, _ in seen)
            index[pos] = len(positions)
            name = seen[0][2]
            positions.append(PgxPosition(chrom, pos, lift.get(name), ref, rsids.get(name), snv))
        default = defaults.get(gene, "")
        ref_cells = {i: frozenset({p.ref if p.snv else "="}) for i, p in enumerate(positions)}
        alleles: list[AlleleDefinition] = []
        for row in rows:
            name = row["StarAllele"]
            if not cores[name]:
                if name == default:
                    alleles.append(AlleleDefinition(name, ref_cells, reference=True))
                continue
            cells: dict[int, frozenset[str]] = {}
            for variant in cores[name]:
                _, pos, ref, alt = _parse_variant(variant)
                i = index[pos]
                cells[i] = frozenset({allele_key(ref, alt, positions[i].snv)})
            alleles.append(AlleleDefinition(name, cells))
        if not any(a.reference for a in alleles):
            alleles.insert(0, AlleleDefinition(default or "Reference", ref_cells, reference=True))
        reference = next(a.name for a in alleles if a.reference)
        result[gene] = GeneDefinition(
            gene, chrom, tuple(positions), tuple(alleles), reference, "pypgx allele-table (CPIC/PharmVar)"
        )
    return result


def _with_backbone(cores: dict[str, list[str]], genome: str, named: str) -> dict[str, list[str]]:
    """Add the named reference allele's backbone to alleles defined relative to it.

    pypgx lists core variants against the named reference allele (*1), except where the GRCh38
    genome itself carries another allele (CYP2C19 *38): then *1's own core variant (rs3758581 G)
    is on every other haplotype too, and leaving it out would make *17 need rs3758581 A.
    """
    if genome == named or named not in cores or not cores[named]:
        return cores
    backbone = cores[named]
    result: dict[str, list[str]] = {}
    for allele, variants in cores.items():
        if allele in (genome, named) or not variants:
            result[allele] = variants
            continue
        own = {name.split("-")[1] for name in variants}
        result[allele] = variants + [v for v in backbone if v.split("-")[1] not in own]
    return result


def _core(cell: str) -> list[str]:
    return [] if cell == "N/A" else cell.split(",")


def definition_to_json(definition: GeneDefinition) -> dict[str, object]:
    """Our on-disk format (`integrome.pgx-definition/1`), written by importers."""
    return {
        "schema": "integrome.pgx-definition/1",
        "gene": definition.gene,
        "chrom": definition.chrom,
        "source": definition.source,
        "reference_allele": definition.reference_allele,
        "positions": [
            {"pos38": p.pos38, "pos37": p.pos37, "ref": p.ref, "rsid": p.rsid, "snv": p.snv}
            for p in definition.positions
        ],
        "alleles": [
            {
                "name": a.name,
                "reference": a.reference,
                "cells": {str(i): sorted(keys) for i, keys in sorted(a.cells.items())},
            }
            for a in definition.alleles
        ],
        "required_positions": list(definition.required_positions),
        "unphased_priorities": [
            {"candidates": sorted(names), "pick": pick} for names, pick in definition.unphased_priorities
        ],
    }


def definition_from_json(path: Path) -> GeneDefinition:
    """Read one `definitions/<GENE>.json`; a malformed file stops the load, naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != "integrome.pgx-definition/1":
            raise KeyError("schema")
        chrom = str(data["chrom"])
        positions = tuple(
            PgxPosition(chrom, p["pos38"], p["pos37"], p["ref"], p["rsid"], bool(p["snv"]))
            for p in data["positions"]
        )
        alleles = tuple(
            AlleleDefinition(
                a["name"],
                {int(i): frozenset(keys) for i, keys in a["cells"].items()},
                bool(a["reference"]),
            )
            for a in data["alleles"]
        )
        return GeneDefinition(
            str(data["gene"]),
            chrom,
            positions,
            alleles,
            str(data["reference_allele"]),
            str(data["source"]),
            tuple(int(p) for p in data.get("required_positions", [])),
            tuple((frozenset(p["candidates"]), str(p["pick"])) for p in data.get("unphased_priorities", [])),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnowledgeBaseError(f"{path}: not an integrome PGx definition file ({exc})") from exc
