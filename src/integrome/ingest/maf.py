"""MAF (Mutation Annotation Format) → variant findings and coverage.

Reads the TCGA/GDC MAF columns and the MOAlmanac variant (`Protein_Change`, `Start_position`
spelled in any case; MOAlmanac docs/description-of-inputs.md) — column names are not
case-sensitive. Rows are streamed; `#` comment lines are skipped but counted in line numbers.

Coordinates stay as the MAF writes them: `Start_Position` is the first affected base and an
empty allele is '-'. Converting an indel to VCF style needs the reference base before it, which a
MAF does not carry, so no conversion is attempted (SNVs and MNVs are already VCF-style).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._result import IngestResult
from integrome.ingest._vcf_record import clean_gene
from integrome.ingest._vcf_source import Digest
from integrome.model import Build, Coverage, Finding, InputDocument, Origin, VariantFinding, Zygosity
from integrome.normalize.variants import normalize_chrom, three_letter_protein

__all__ = ["CLASSIFICATION_TO_SO", "read_maf"]

CLASSIFICATION_TO_SO: dict[str, str] = {
    "missense_mutation": "missense_variant",
    "missense": "missense_variant",
    "nonsense_mutation": "stop_gained",
    "nonsense": "stop_gained",
    "frame_shift_del": "frameshift_variant",
    "frame_shift_ins": "frameshift_variant",
    "in_frame_del": "inframe_deletion",
    "in_frame_ins": "inframe_insertion",
    "splice_site": "splice_donor_variant",
    "splice_region": "splice_region_variant",
    "silent": "synonymous_variant",
    "translation_start_site": "start_lost",
    "nonstop_mutation": "stop_lost",
    "nonstop": "stop_lost",
    "3'utr": "3_prime_UTR_variant",
    "5'utr": "5_prime_UTR_variant",
    "3'flank": "downstream_gene_variant",
    "5'flank": "upstream_gene_variant",
    "intron": "intron_variant",
    "rna": "non_coding_transcript_exon_variant",
    "igr": "intergenic_variant",
    "de_novo_start_inframe": "5_prime_UTR_premature_start_codon_gain_variant",
    "de_novo_start_outofframe": "5_prime_UTR_premature_start_codon_gain_variant",
}
"""MAF Variant_Classification → Sequence Ontology term (GDC MAF specification's own mapping).

MAF's Splice_Site does not say donor or acceptor; splice_donor_variant stands for both (they
fall in the same consequence category)."""

_REQUIRED = ("hugo_symbol", "chromosome", "start_position", "reference_allele")
_ALLELES = ("tumor_seq_allele2", "tumor_seq_allele1")
_BUILDS: dict[str, Build] = {
    "grch38": "GRCh38",
    "hg38": "GRCh38",
    "38": "GRCh38",
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "37": "GRCh37",
    "b37": "GRCh37",
}
_FIRST_INT = re.compile(r"^(\d+)")
_EMPTY = frozenset({"", ".", "-", "NA", "N/A", "nan", "None", "__UNKNOWN__"})


def _value(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        text = row.get(name, "").strip()
        if text not in _EMPTY:
            return text
    return None


def _count(row: dict[str, str], name: str, file: str, location: str) -> int | None:
    text = _value(row, name)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError as exc:
        raise InputError(file, location, f"{name} must be a number, found {text!r}") from exc


def read_maf(
    path: Path,
    *,
    role: Origin | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Read a MAF file; one finding per row whose tumor allele differs from the reference.

    Origin: the row's Mutation_Status (Somatic/Germline) when given, else `role` (the CLI's
    --germline/--somatic), else somatic — MAF is the somatic-mutation exchange format.
    """
    name = path.name
    if not path.is_file():
        raise InputError(name, None, f"no such file: {path}")
    digest = Digest(path, name)
    findings: list[Finding] = []
    warnings: list[str] = []
    genes: set[str] = set()
    builds: set[Build] = set()
    samples: set[str] = set()
    skipped: list[str] = []
    columns: list[str] | None = None
    rows = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if line.startswith("#") or (columns is None and not line.strip()):
                continue
            if columns is None:
                columns = _header(line, name, number)
                continue
            if not line.strip():
                continue
            fields = line.split("\t")
            location = f"line {number}"
            if len(fields) != len(columns):
                raise InputError(
                    name,
                    location,
                    f"expected {len(columns)} tab-separated columns as in the header, found {len(fields)}",
                )
            rows += 1
            if progress is not None and rows % 10000 == 0:
                progress(rows)
            row = dict(zip(columns, fields, strict=True))
            finding = _finding(row, name, location, role, len(findings) + 1)
            if finding is None:
                skipped.append(location)
                continue
            findings.append(finding)
            if finding.gene:
                genes.add(finding.gene)
            if finding.build:
                builds.add(finding.build)
            barcode = _value(row, "tumor_sample_barcode")
            if barcode:
                samples.add(barcode)
    if columns is None:
        raise InputError(
            name, "line 1", "the file is empty; expected a MAF header line with Hugo_Symbol, ..."
        )
    if progress is not None:
        progress(rows)
    if skipped:
        warnings.append(
            f"{name}: {len(skipped)} rows have no tumor allele different from Reference_Allele "
            f"and were not used (first at {skipped[0]})"
        )
    if len(samples) > 1:
        warnings.append(
            f"{name}: {len(samples)} tumor samples ({', '.join(sorted(samples))}); all rows were read"
        )
    if findings and not builds:
        warnings.append(f"{name}: no NCBI_Build; genomic positions cannot be matched, only genes and changes")
    origins = {f.origin for f in findings}
    file_origin: Origin = origins.pop() if len(origins) == 1 else (role or "somatic")
    document = InputDocument(
        name=name, format="maf", sha256=digest.hexdigest(), size=path.stat().st_size, role=file_origin
    )
    coverage = Coverage(
        input=name,
        assay="maf",
        origin=file_origin,
        genes=sorted(genes) or None,
        build=builds.pop() if len(builds) == 1 else None,
    )
    return IngestResult(document=document, findings=findings, coverage=[coverage], warnings=warnings)


def _header(line: str, file: str, number: int) -> list[str]:
    columns = [c.strip().lower() for c in line.split("\t")]
    for required in _REQUIRED:
        if required not in columns:
            raise InputError(
                file,
                f"line {number}",
                f"missing required MAF column {_title(required)} (found {_clip(line)!r})",
            )
    if not any(a in columns for a in _ALLELES):
        raise InputError(
            file, f"line {number}", "missing MAF column Tumor_Seq_Allele2 (or Tumor_Seq_Allele1)"
        )
    return columns


def _title(column: str) -> str:
    return "_".join(part.capitalize() for part in column.split("_"))


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _finding(
    row: dict[str, str], file: str, location: str, role: Origin | None, index: int
) -> VariantFinding | None:
    ref = _value(row, "reference_allele") or "-"
    alleles = [row.get(a, "").strip() for a in _ALLELES]
    alts = [a for a in alleles if a and a != ref]
    if not alts:
        return None
    alt = alts[0]
    start = row["start_position"].strip()
    if not start.isdigit():
        raise InputError(file, location, f"Start_Position must be a positive integer, found {start!r}")
    alt_count = _count(row, "t_alt_count", file, location)
    ref_count = _count(row, "t_ref_count", file, location)
    depth = _count(row, "t_depth", file, location)
    if depth is None and alt_count is not None and ref_count is not None:
        depth = alt_count + ref_count
    vaf: float | None = None
    if alt_count is not None and depth:
        vaf = alt_count / depth
    elif (fraction := _value(row, "i_tumor_f", "tumor_f")) is not None:
        try:
            vaf = float(fraction)
        except ValueError as exc:
            raise InputError(file, location, f"tumor_f must be a number, found {fraction!r}") from exc
    if vaf is not None and not 0.0 <= vaf <= 1.0:
        vaf = None
    status = (_value(row, "mutation_status") or "").lower()
    origin: Origin = (
        "germline" if status == "germline" else "somatic" if status == "somatic" else role or "somatic"
    )
    gene_text = _value(row, "hugo_symbol")
    gene = clean_gene(gene_text) if gene_text and gene_text.lower() != "unknown" else None
    protein_text = _value(row, "hgvsp", "hgvsp_short", "protein_change")
    hgvs_p = _protein(protein_text)
    coding = _value(row, "hgvsc", "cdna_change")
    transcript = _value(row, "transcript_id", "annotation_transcript")
    if coding and transcript and ":" not in coding:
        coding = f"{transcript}:{coding}"
    consequence = _consequence(row)
    exon_text = _value(row, "exon_number", "transcript_exon")
    exon_match = _FIRST_INT.match(exon_text or "")
    intron_match = _FIRST_INT.match(_value(row, "intron") or "")
    build_text = (_value(row, "ncbi_build") or "").lower()
    return VariantFinding(
        id=f"m{index}",
        source="maf",
        origin=origin,
        provenance=f"{file}:{location}",
        gene=gene,
        hgvs_c=coding,
        hgvs_p=hgvs_p,
        chrom=normalize_chrom(row["chromosome"].strip()),
        pos=int(start),
        ref=ref,
        alt=alt,
        build=_BUILDS.get(build_text),
        zygosity=_zygosity(alleles, ref),
        vaf=round(vaf, 4) if vaf is not None else None,
        depth=depth,
        consequence=consequence,
        exon=int(exon_match.group(1)) if exon_match else None,
        intron=int(intron_match.group(1)) if intron_match else None,
        annotation="input" if gene and (hgvs_p or coding) else "none",
    )


def _protein(text: str | None) -> str | None:
    """Three-letter HGVS; GDC's 'p.X125_splice' shorthand is not a protein change and is dropped."""
    if text is None or "splice" in text.lower():
        return None
    return three_letter_protein(text) or (text if text.startswith("p.") else None)


def _consequence(row: dict[str, str]) -> str | None:
    """GDC's VEP `Consequence` column when present (first term), else Variant_Classification."""
    terms = _value(row, "consequence")
    if terms:
        return re.split(r"[;,&]", terms)[0]
    classification = (_value(row, "variant_classification") or "").lower()
    return CLASSIFICATION_TO_SO.get(classification)


def _zygosity(alleles: list[str], ref: str) -> Zygosity:
    """Both tumor alleles non-reference: homozygous; one reference: heterozygous."""
    if len(alleles) != 2 or not all(alleles):
        return "unknown"
    differs = [a != ref for a in alleles]
    if all(differs):
        return "homozygous"
    return "heterozygous" if any(differs) else "unknown"
