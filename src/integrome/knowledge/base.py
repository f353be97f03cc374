"""The loaded knowledge base: validated records plus the indexes the matcher queries.

`KnowledgeBase` is a plain value: it holds records and answers look-ups in O(1). Reading and
validating the YAML files happens in `loader.py`; this module does no I/O, so an analysis can be
reproduced from the records and the version string alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from integrome.model.common import Build, StrictModel
from integrome.model.knowledge import BiomarkerRecord, HotspotVariant
from integrome.normalize.variants import genomic_key

if TYPE_CHECKING:
    from integrome.knowledge.pgx import PgxKnowledge

__all__ = ["KbFileInfo", "KbInfo", "KnowledgeBase"]

BASE_VERSION = "2026.11.0"
"""Release line of the curated core; the build part after '+' is a hash of the data files."""

Layer = Literal["core", "extra"]


@dataclass(frozen=True)
class KbFile:
    """One parsed data file: where it came from and the records it holds."""

    name: str
    layer: Layer
    kind: Literal["biomarkers", "hotspots"]
    source: str
    source_version: str | None
    biomarkers: tuple[BiomarkerRecord, ...] = ()
    hotspots: tuple[HotspotVariant, ...] = ()
    lines: tuple[int, ...] = ()
    """1-based line of each record in the file, for error messages."""


class KbFileInfo(StrictModel):
    name: str
    layer: Layer
    kind: Literal["biomarkers", "hotspots"]
    source: str
    source_version: str | None = None
    records: int


class KbInfo(StrictModel):
    """What `integrome kb info` shows: version, provenance and counts of the loaded knowledge base."""

    version: str
    biomarkers: int
    hotspots: int
    genes: int
    fda_approved: int
    reviewed_from: str | None = None
    reviewed_to: str | None = None
    by_direction: dict[str, int]
    by_evidence_level: dict[str, int]
    citation_sources: dict[str, int]
    hotspots_by_build: dict[str, int]
    files: list[KbFileInfo]
    warnings: list[str] = []
    pgx_sites: dict[str, int]
    """Positions read from germline inputs for star-allele calling, per build."""


class KnowledgeBase:
    """Biomarker records and hotspot keys, indexed by gene and by genomic key.

    Build it with `integrome.knowledge.load_knowledge_base()`; the constructor trusts that the
    records were validated (ids unique, codes known) by the loader.
    """

    def __init__(
        self,
        *,
        version: str,
        files: Sequence[KbFile],
        biomarkers: Iterable[BiomarkerRecord],
        hotspots: Iterable[HotspotVariant],
        warnings: Sequence[str] = (),
        extra_dir: Path | None = None,
    ) -> None:
        self.version = version
        self.files = tuple(files)
        self.biomarkers: tuple[BiomarkerRecord, ...] = tuple(biomarkers)
        self.hotspots: tuple[HotspotVariant, ...] = tuple(hotspots)
        self.warnings = tuple(warnings)
        self.extra_dir = extra_dir
        by_gene: dict[str, list[BiomarkerRecord]] = {}
        by_biomarker: dict[str, list[BiomarkerRecord]] = {}
        gene_less: list[BiomarkerRecord] = []
        for record in self.biomarkers:
            if record.alteration.biomarker is not None:
                by_biomarker.setdefault(record.alteration.biomarker.casefold(), []).append(record)
            if record.gene is None:
                gene_less.append(record)
            else:
                by_gene.setdefault(record.gene, []).append(record)
        self._by_gene = {gene: tuple(records) for gene, records in by_gene.items()}
        self._gene_less = tuple(gene_less)
        self._by_biomarker = {name: tuple(records) for name, records in by_biomarker.items()}
        self._hotspots = {hotspot_key(h): h for h in self.hotspots}
        self._pgx: PgxKnowledge | None = None

    def __repr__(self) -> str:
        return (
            f"KnowledgeBase(version={self.version!r}, biomarkers={len(self.biomarkers)}, "
            f"hotspots={len(self.hotspots)})"
        )

    @property
    def genes(self) -> frozenset[str]:
        """Genes that at least one biomarker record is about (for targeted VCF pre-filters)."""
        return frozenset(self._by_gene)

    def for_gene(self, gene: str) -> Sequence[BiomarkerRecord]:
        """Records about `gene` (an approved HGNC symbol, as `normalize.genes` returns it)."""
        return self._by_gene.get(gene, ())

    def gene_less(self) -> Sequence[BiomarkerRecord]:
        """Records that belong to no single gene: TMB, MSI, MMR, 1p/19q codeletion, ..."""
        return self._gene_less

    def for_biomarker(self, name: str) -> Sequence[BiomarkerRecord]:
        """Records of type `biomarker` with this name (HER2, PD-L1, MSI, MMR, TMB, ...), any case.

        Covers both gene-less records (TMB) and gene-bound ones (HER2 on ERBB2), so a matcher
        can look up a `BiomarkerFinding` by its name alone.
        """
        return self._by_biomarker.get(name.casefold(), ())

    def hotspot(self, build: str, chrom: str, pos: int, ref: str, alt: str) -> HotspotVariant | None:
        """The known variant at this VCF-style key on `build`, after the same trimming as ingest."""
        key = genomic_key(chrom, pos, ref, alt)
        return self._hotspots.get((build, *key))

    @property
    def pgx(self) -> PgxKnowledge:
        """Pharmacogenomic definitions and recommendations, loaded on first use (tables are large)."""
        if self._pgx is None:
            from integrome.knowledge.pgx import load_pgx_knowledge

            self._pgx = load_pgx_knowledge(extra_dir=self.extra_dir)
        return self._pgx

    def info(self) -> KbInfo:
        reviewed = sorted(r.reviewed for r in self.biomarkers)
        builds: tuple[Build, ...] = ("GRCh38", "GRCh37")
        pgx_sites: dict[str, int] = {b: len(self.pgx.sites_of_interest(b)) for b in builds}
        return KbInfo(
            version=self.version,
            biomarkers=len(self.biomarkers),
            hotspots=len(self.hotspots),
            genes=len(self._by_gene),
            fda_approved=sum(1 for r in self.biomarkers if r.fda_approved),
            reviewed_from=reviewed[0] if reviewed else None,
            reviewed_to=reviewed[-1] if reviewed else None,
            by_direction=_counts(r.direction for r in self.biomarkers),
            by_evidence_level=_counts(r.evidence_level for r in self.biomarkers),
            citation_sources=_counts(
                [c.source for r in self.biomarkers for c in r.citations]
                + [c.source for h in self.hotspots for c in h.citations]
            ),
            hotspots_by_build=_counts(h.build for h in self.hotspots),
            files=[
                KbFileInfo(
                    name=f.name,
                    layer=f.layer,
                    kind=f.kind,
                    source=f.source,
                    source_version=f.source_version,
                    records=len(f.biomarkers) + len(f.hotspots),
                )
                for f in self.files
            ],
            warnings=list(self.warnings),
            pgx_sites=pgx_sites,
        )


def hotspot_key(h: HotspotVariant) -> tuple[str, str, int, str, str]:
    return (h.build, *genomic_key(h.chrom, h.pos, h.ref, h.alt))


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
