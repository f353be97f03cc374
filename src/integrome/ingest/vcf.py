"""VCF / VCF.GZ / BCF → variant findings, site genotypes for pharmacogenomics, and coverage.

Reading is streaming: a byte-level pre-filter (`_vcf_scan`) picks the records that matter and
only those are parsed in full (`_vcf_record`), so a 4.5-million-record genome is read in a few
seconds (PERFORMANCE.md). With `targeted=True` and a tabix/CSI index, only the sites of interest
are fetched and reported (for pharmacogenomics, where nothing else matters); without an index
the file is streamed as usual.

What is reported:
- somatic or unknown-origin files: every PASS record with a non-reference call, one finding per
  carried ALT allele;
- germline files: non-reference calls in `genes_of_interest` (annotated records) or at
  `sites_of_interest`; when neither is given, every PASS non-reference call. A warning counts the
  non-reference records left out;
- every record at a site of interest becomes a SiteGenotype, 0/0 and no-calls included: present
  means assessed, absent means not tested (CPIC/PharmCAT practice for "not assessed"). A somatic
  call set (`VcfHeader.somatic_call_set`) gives none and a record flagged somatic is skipped:
  neither is the patient's germline genotype. A non-reference call at such a position in a somatic
  call set (a germline variant the caller let through, e.g. DPYD c.1905+1G>A) gets a warning.

Coverage genes come from the targets BED (4th column), else a `##panel_genes=`/`##targets=`
header, else the annotated genes seen when every non-reference record was parsed — a lower
bound, since a gene without a variant leaves no trace — else None (unknown, e.g. a genome).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._result import IngestResult
from integrome.ingest._vcf_header import VcfHeader, choose_sample, detect_build, parse_header
from integrome.ingest._vcf_record import Record, RecordParser
from integrome.ingest._vcf_scan import Scanner, ScanPlan, file_site_keys, gene_pattern
from integrome.ingest._vcf_source import (
    TRUNCATED_EOF,
    BcfSource,
    Digest,
    TextSource,
    file_kind,
    has_bgzf_eof,
    is_bgzf,
)
from integrome.model import (
    Build,
    Coverage,
    Finding,
    InputDocument,
    Origin,
    SiteGenotype,
    VariantFinding,
)
from integrome.normalize.genes import canonical_gene
from integrome.normalize.variants import normalize_chrom

__all__ = ["VcfOptions", "read_vcf"]

_SYMBOLIC_GVCF = frozenset({"<NON_REF>", "<*>"})
"""gVCF's "any other allele" placeholders: not variants, so not counted as uninterpreted."""


@dataclass(frozen=True)
class VcfOptions:
    """How to read one VCF. Every field has a default that suits a single-sample file.

    `sites_of_interest` maps a build to {(chrom 'chrN', pos)}; `genes_of_interest` and
    `sites_of_interest` together bound what a germline file reports (module docstring).
    """

    sample: str | None = None
    build: Build | None = None
    role: Origin = "unknown"
    sites_of_interest: Mapping[str, frozenset[tuple[str, int]]] = field(default_factory=dict)
    genes_of_interest: frozenset[str] | None = None
    targets_bed: Path | None = None
    targeted: bool = False
    progress: Callable[[int], None] | None = None


@dataclass
class _Context:
    name: str
    header: VcfHeader
    parser: RecordParser
    build: Build
    origin: Origin
    sites: frozenset[tuple[str, int]]
    gene_filter: frozenset[str] | None
    """Germline filter in force: findings only at sites or in these genes."""
    somatic_pgx_sites: frozenset[tuple[str, int]] = frozenset()
    """Pharmacogene positions of a somatic call set: a call there is flagged, never genotyped."""


@dataclass
class _Collector:
    """Turns fully parsed records into findings and site genotypes, counting what it leaves out."""

    ctx: _Context
    findings: list[Finding] = field(default_factory=list)
    sites: list[SiteGenotype] = field(default_factory=list)
    genes_seen: set[str] = field(default_factory=set)
    filtered: int = 0
    first_filtered: str | None = None
    outside_genes: int = 0
    symbolic: int = 0
    pgx_notes: list[str] = field(default_factory=list)

    def add(self, record: Record) -> None:
        ctx = self.ctx
        at_site = (record.chrom, record.pos) in ctx.sites
        if (record.chrom, record.pos) in ctx.somatic_pgx_sites and record.filter_pass:
            self._somatic_pgx_call(record)
        if at_site and ctx.parser.origin(record, "unknown") != "somatic":
            self._site(record)
        carried = record.carried()
        if not carried:
            return
        if not record.filter_pass:
            self.filtered += 1
            self.first_filtered = self.first_filtered or record.location
            return
        origin = ctx.parser.origin(record, ctx.origin)
        emitted = dropped = 0
        for allele in carried:
            alt = record.alts[allele - 1]
            if alt == "*" or alt.startswith("<") or "[" in alt or "]" in alt:
                if alt != "*" and alt not in _SYMBOLIC_GVCF:
                    self.symbolic += 1
                continue
            annotation = ctx.parser.annotation(record, allele)
            if annotation.gene:
                self.genes_seen.add(annotation.gene)
            if ctx.gene_filter is not None and not at_site and annotation.gene not in ctx.gene_filter:
                dropped += 1
                continue
            emitted += 1
            self.findings.append(
                VariantFinding(
                    id=f"v{len(self.findings) + 1}",
                    source="vcf",
                    origin=origin,
                    provenance=f"{ctx.name}:{record.location}",
                    gene=annotation.gene,
                    hgvs_c=annotation.hgvs_c,
                    hgvs_p=annotation.hgvs_p,
                    chrom=record.chrom,
                    pos=record.pos,
                    ref=record.ref,
                    alt=alt,
                    build=ctx.build,
                    zygosity=record.zygosity(allele),
                    vaf=ctx.parser.vaf(record, allele, origin),
                    depth=ctx.parser.depth(record),
                    consequence=annotation.consequence,
                    exon=annotation.exon,
                    intron=annotation.intron,
                    annotation="input" if annotation.from_input else "none",
                )
            )
        if dropped and not emitted:
            self.outside_genes += 1

    def _somatic_pgx_call(self, record: Record) -> None:
        """A somatic caller should have removed germline variants, so a call at a pharmacogene position
        is either a germline variant that leaked through or a tumor-only event; neither is the
        germline genotype CPIC recommendations need, but it must not pass unmentioned."""
        ctx = self.ctx
        for allele in record.carried():
            vaf = ctx.parser.vaf(record, allele, "somatic")
            shown = f" (VAF {vaf:.0%})" if vaf is not None else ""
            change = f"{record.chrom}:{record.pos} {record.ref}>{record.alts[allele - 1]}"
            self.pgx_notes.append(
                f"{ctx.name}:{record.location}: {change}{shown} is at a pharmacogene definition position "
                "but comes from a somatic call set, which is not the patient's germline genotype: not used "
                "for pharmacogenomics; confirm with germline genotyping"
            )

    def _site(self, record: Record) -> None:
        if record.alts:
            gene = self.ctx.parser.annotation(record, 1).gene
            if gene:
                self.genes_seen.add(gene)
        if record.gt is None:
            return
        self.sites.append(
            SiteGenotype(
                chrom=record.chrom,
                pos=record.pos,
                ref=record.ref,
                alts=list(record.alts),
                alleles=record.bases(),
                phased=record.phased,
                build=self.ctx.build,
                filter_pass=record.filter_pass,
            )
        )


def read_vcf(path: Path, options: VcfOptions | None = None) -> IngestResult:
    """Read one VCF, VCF.GZ or BCF file (content decides, not the name).

    Raises InputError (file, line or record, what was expected) for an empty, truncated or
    malformed file, an unknown sample, and UnsupportedBuildError when the build is unknown.
    """
    options = options or VcfOptions()
    name = path.name
    if not path.is_file():
        raise InputError(name, None, f"no such file: {path}")
    kind = file_kind(path, name)
    digest = Digest(path, name)
    warnings: list[str] = []
    if options.targeted and kind == "vcf.gz" and is_bgzf(path) and _has_index(path):
        return _read_targeted(path, name, options, digest)
    source: TextSource | BcfSource = BcfSource(path, name) if kind == "bcf" else TextSource(path, name, kind)
    with source:
        header = parse_header(source.header(), name)
        ctx = _context(header, name, options, warnings)
        collector = _Collector(ctx)
        plan = ScanPlan(
            site_keys=file_site_keys(ctx.sites),
            sample_column=None if ctx.parser.sample_index is None else 9 + ctx.parser.sample_index,
            keep_nonref=ctx.gene_filter is None,
            genes=gene_pattern(ctx.gene_filter or ()) if header.annotated() else None,
        )
        unit = source.unit
        first = header.n_lines + 1 if unit == "line" else 1
        scanner = Scanner(plan, ctx.parser, unit, first, options.progress)
        for number, line in scanner.candidates(source.chunks()):
            collector.add(ctx.parser.parse(line.decode("utf-8", "replace"), f"{unit} {number}"))
    if scanner.skipped_nonref or collector.outside_genes:
        warnings.append(
            f"{name}: {scanner.skipped_nonref + collector.outside_genes} germline non-reference records "
            "outside the genes and sites of interest were not reported"
        )
    complete = scanner.skipped_nonref == 0
    return _result(path, kind, digest, ctx, collector, options, warnings, complete)


def _context(header: VcfHeader, name: str, options: VcfOptions, warnings: list[str]) -> _Context:
    if options.build is not None:
        build: Build = options.build
    else:
        build, build_warnings = detect_build(header, name)
        warnings.extend(build_warnings)
    sample_index = choose_sample(header, options.sample, name)
    origin = header.origin(options.role)
    somatic_only = header.somatic_call_set(options.role)
    pgx_sites = frozenset(
        (normalize_chrom(c), p) for c, p in options.sites_of_interest.get(build, frozenset())
    )
    sites = frozenset() if somatic_only else pgx_sites
    gene_filter: frozenset[str] | None = None
    if origin == "germline" and (options.genes_of_interest is not None or sites):
        gene_filter = frozenset(canonical_gene(g) or g for g in (options.genes_of_interest or frozenset()))
    return _Context(
        name=name,
        header=header,
        parser=RecordParser(header, sample_index, name),
        build=build,
        origin=origin,
        sites=sites,
        gene_filter=gene_filter,
        somatic_pgx_sites=pgx_sites if somatic_only else frozenset(),
    )


def _has_index(path: Path) -> bool:
    return any(Path(f"{path}{suffix}").is_file() for suffix in (".tbi", ".csi"))


def _read_targeted(path: Path, name: str, options: VcfOptions, digest: Digest) -> IngestResult:
    """Fetch only the sites of interest through the index, with one open file for all queries."""
    import pysam

    if not has_bgzf_eof(path):
        raise InputError(name, "end of file", TRUNCATED_EOF)
    warnings: list[str] = []
    try:
        handle = pysam.VariantFile(str(path))
    except (OSError, ValueError) as exc:
        raise InputError(name, "header", f"unreadable VCF header or index ({exc})") from exc
    with handle:
        header = parse_header(str(handle.header).splitlines(keepends=True), name)
        ctx = _context(header, name, options, warnings)
        collector = _Collector(ctx)
        contigs = set(handle.index) if handle.index is not None else set(handle.header.contigs)
        for chrom, pos in sorted(ctx.sites):
            for contig in _spellings(chrom):
                if contig not in contigs:
                    continue
                try:
                    fetched = [str(r) for r in handle.fetch(contig, pos - 1, pos) if r.pos == pos]
                except (OSError, ValueError) as exc:
                    raise InputError(name, f"{contig}:{pos}", f"unreadable compressed data ({exc})") from exc
                for line in fetched:
                    collector.add(ctx.parser.parse(line, f"{contig}:{pos}"))
    return _result(path, "vcf.gz", digest, ctx, collector, options, warnings, complete=False)


def _spellings(chrom: str) -> tuple[str, ...]:
    bare = chrom[3:] if chrom.startswith("chr") else chrom
    return (chrom, bare, "MT") if bare == "M" else (chrom, bare)


def _result(
    path: Path,
    kind: str,
    digest: Digest,
    ctx: _Context,
    collector: _Collector,
    options: VcfOptions,
    warnings: list[str],
    complete: bool,
) -> IngestResult:
    name = ctx.name
    if collector.filtered:
        warnings.append(
            f"{name}: {collector.filtered} records with FILTER != PASS were not used "
            f"(first at {collector.first_filtered})"
        )
    warnings.extend(collector.pgx_notes)
    if collector.symbolic:
        warnings.append(
            f"{name}: {collector.symbolic} symbolic or breakend ALT alleles (<DEL>, <DUP>, ...) "
            "were not interpreted"
        )
    genes: list[str] | None = None
    if options.targets_bed is not None:
        genes = _bed_genes(options.targets_bed, warnings)
    elif ctx.header.panel_genes:
        genes = list(ctx.header.panel_genes)
    elif complete and collector.genes_seen:
        genes = sorted(collector.genes_seen)
    document = InputDocument(
        name=name,
        format="bcf" if kind == "bcf" else "vcf",
        sha256=digest.hexdigest(),
        size=path.stat().st_size,
        role=ctx.origin,
    )
    return IngestResult(
        document=document,
        findings=collector.findings,
        sites=collector.sites,
        coverage=[Coverage(input=name, assay="vcf", origin=ctx.origin, genes=genes, build=ctx.build)],
        warnings=warnings,
        structural_records=collector.symbolic,
    )


def _bed_genes(bed: Path, warnings: list[str]) -> list[str] | None:
    """Gene symbols from a BED file's name column (first token of names like 'EGFR_exon19')."""
    genes: set[str] = set()
    unnamed = unknown = 0
    try:
        text = bed.read_text()
    except OSError as exc:
        raise InputError(bed.name, None, f"cannot read the targets BED ({exc})") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 3 or not fields[1].isdigit() or not fields[2].isdigit():
            raise InputError(bed.name, f"line {number}", "expected BED columns chrom, start, end[, name]")
        if len(fields) < 4 or not fields[3].strip():
            unnamed += 1
            continue
        gene = canonical_gene(re.split(r"[;,|:_\s]", fields[3].strip())[0])
        if gene is None:
            unknown += 1
        else:
            genes.add(gene)
    if unnamed:
        warnings.append(f"{bed.name}: {unnamed} target regions have no name, so their genes are not known")
    if unknown:
        warnings.append(f"{bed.name}: {unknown} target names are not gene symbols and were not counted")
    return sorted(genes) if genes else None
