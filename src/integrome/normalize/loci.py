"""Where actionable genes lie on GRCh38 and GRCh37 (`data/gene_loci.tsv`, sources in its header).

Segment files without gene names (PCGR CNA, CNVkit .cns, GATK segments) and VCF breakends only
give coordinates; this table turns them into genes. It covers the knowledge base's genes and the
usual fusion partners, not the whole genome: a gene outside it is simply not called.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from integrome.model import Build
from integrome.normalize._data import read_packaged_tsv
from integrome.normalize.variants import normalize_chrom

__all__ = [
    "GeneLocus",
    "gene_chromosome",
    "gene_loci",
    "genes_at",
    "genes_overlapping",
    "genes_without_locus",
]


@dataclass(frozen=True)
class GeneLocus:
    gene: str
    chrom: str
    start: int
    end: int


@dataclass(frozen=True)
class _Index:
    by_chrom: dict[str, tuple[GeneLocus, ...]]
    starts: dict[str, tuple[int, ...]]


@lru_cache(maxsize=2)
def _index(build: Build) -> _Index:
    prefix = "grch38" if build == "GRCh38" else "grch37"
    by_chrom: dict[str, list[GeneLocus]] = defaultdict(list)
    for row in read_packaged_tsv("gene_loci.tsv"):
        start, end = row[f"{prefix}_start"], row[f"{prefix}_end"]
        if start and end:
            by_chrom[row["chrom"]].append(GeneLocus(row["gene"], row["chrom"], int(start), int(end)))
    ordered = {chrom: tuple(sorted(loci, key=lambda locus: locus.start)) for chrom, loci in by_chrom.items()}
    return _Index(ordered, {chrom: tuple(locus.start for locus in loci) for chrom, loci in ordered.items()})


@lru_cache(maxsize=1)
def _chromosomes() -> dict[str, str]:
    return {row["gene"]: row["chrom"] for row in read_packaged_tsv("gene_loci.tsv")}


def gene_chromosome(gene: str) -> str | None:
    """The chromosome ('chrN') of a gene in the table, on either build; None when the table lacks it."""
    return _chromosomes().get(gene)


def gene_loci(build: Build) -> list[GeneLocus]:
    """Every locus known on `build`, by chromosome and start."""
    return [locus for loci in _index(build).by_chrom.values() for locus in loci]


def genes_without_locus(build: Build) -> frozenset[str]:
    """Genes the table lists with no span on `build` (GRCh37 gaps, see the data header)."""
    return frozenset(_chromosomes()) - {locus.gene for locus in gene_loci(build)}


def genes_overlapping(build: Build, chrom: str, start: int, end: int) -> list[GeneLocus]:
    """Loci overlapping [start, end] (1-based, inclusive) on `chrom` (any chr/no-chr spelling)."""
    index = _index(build)
    key = normalize_chrom(chrom)
    loci = index.by_chrom.get(key, ())
    upto = bisect_right(index.starts.get(key, ()), end)
    return [locus for locus in loci[:upto] if locus.end >= start]


def genes_at(build: Build, chrom: str, pos: int) -> list[str]:
    """Genes whose span holds the position (a breakpoint), in start order."""
    return [locus.gene for locus in genes_overlapping(build, chrom, pos, pos)]
