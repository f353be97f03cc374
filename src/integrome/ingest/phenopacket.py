"""GA4GH Phenopacket v2 JSON → patient, diagnoses, HPO phenotypes and germline variants.

Phenopacket schema v2 (GA4GH, ISO 4454:2022): `subject`, `diseases`, `phenotypicFeatures` and
`interpretations[].diagnosis.genomicInterpretations[].variantInterpretation.variationDescriptor`
(VRS-based VariationDescriptor with `geneContext`, `expressions`, `vcfRecord`, `allelicState`).
The parts read here are validated by strict pydantic models that allow every other field, so a
malformed value is reported with its JSON pointer while unread extensions pass through.
Phenotypic features marked `excluded` (observed to be absent) are skipped: the profile's
phenotype list holds present features only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from integrome.errors import InputError
from integrome.ingest._fhir_common import gene_symbol, protein_hgvs
from integrome.ingest._result import IngestResult, PatientFacts
from integrome.ingest.detect import parse_json, read_input_bytes
from integrome.model import (
    Build,
    Coding,
    CopyNumberFinding,
    Coverage,
    Diagnosis,
    Finding,
    InputDocument,
    Origin,
    VariantFinding,
    Zygosity,
)

__all__ = ["read_phenopacket", "read_phenopacket_data"]

_SEX = {"FEMALE": "female", "MALE": "male", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}
_ZYGOSITY: dict[str, Zygosity] = {
    "GENO:0000135": "heterozygous",
    "GENO:0000136": "homozygous",
    "GENO:0000134": "hemizygous",
    "GENO:0000402": "heterozygous",  # compound heterozygous: each allele is heterozygous
}
_DELETION = "SO:1000029"  # chromosomal_deletion
_ONCOLOGY_PREFIXES = {"DOID", "NCIT"}
_IGNORED_SECTIONS = ("measurements", "biosamples", "medicalActions", "files")


class _Part(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="allow", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class _Term(_Part):
    id: str = Field(min_length=1)
    label: str = ""


class _Subject(_Part):
    id: str | None = None
    sex: str | None = None
    date_of_birth: str | None = None


class _Disease(_Part):
    term: _Term
    excluded: bool = False


class _Feature(_Part):
    type: _Term
    excluded: bool = False


class _Expression(_Part):
    syntax: str
    value: str


class _VcfRecord(_Part):
    genome_assembly: str
    chrom: str = Field(min_length=1)
    pos: int
    ref: str = Field(min_length=1)
    alt: str = Field(min_length=1)

    @field_validator("pos", mode="before")
    @classmethod
    def _int64_as_string(cls, value: Any) -> Any:
        """Protobuf JSON writes int64 fields as strings ("pos": "180397577")."""
        return int(value) if isinstance(value, str) and value.isdigit() else value


class _GeneContext(_Part):
    value_id: str | None = None
    symbol: str


class _VariationDescriptor(_Part):
    id: str | None = None
    label: str | None = None
    gene_context: _GeneContext | None = None
    expressions: list[_Expression] = []
    vcf_record: _VcfRecord | None = None
    allelic_state: _Term | None = None
    structural_type: _Term | None = None


class _VariantInterpretation(_Part):
    variation_descriptor: _VariationDescriptor


class _GenomicInterpretation(_Part):
    subject_or_biosample_id: str | None = None
    variant_interpretation: _VariantInterpretation | None = None
    gene: _GeneContext | None = None


class _Diagnosis(_Part):
    disease: _Term | None = None
    genomic_interpretations: list[_GenomicInterpretation] = []


class _Interpretation(_Part):
    diagnosis: _Diagnosis | None = None


class _Biosample(_Part):
    id: str
    tumor_progression: _Term | None = None


class _MetaData(_Part):
    phenopacket_schema_version: str | None = None


class _Phenopacket(_Part):
    id: str | None = None
    subject: _Subject | None = None
    phenotypic_features: list[_Feature] = []
    diseases: list[_Disease] = []
    interpretations: list[_Interpretation] = []
    biosamples: list[_Biosample] = []
    meta_data: _MetaData


def read_phenopacket(path: Path) -> IngestResult:
    """Read a Phenopacket v2 JSON file (optionally gzipped)."""
    raw = read_input_bytes(path)
    document = InputDocument(
        name=path.name,
        format="phenopacket",
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        role="germline",
    )
    return _read(parse_json(raw, path.name), document)


def read_phenopacket_data(data: dict[str, Any], *, name: str) -> IngestResult:
    """Read an already-parsed phenopacket (an API body); hashed over canonical JSON like FHIR bodies."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    document = InputDocument(
        name=name,
        format="phenopacket",
        sha256=hashlib.sha256(canonical).hexdigest(),
        size=len(canonical),
        role="germline",
    )
    return _read(data, document)


def _read(data: Any, document: InputDocument) -> IngestResult:
    name = document.name
    if not isinstance(data, dict):
        raise InputError(name, "/", "expected a Phenopacket JSON object")
    meta = data.get("metaData")
    version = str(meta.get("phenopacketSchemaVersion", "")) if isinstance(meta, dict) else ""
    if version.startswith("1"):
        raise InputError(
            name,
            "/metaData/phenopacketSchemaVersion",
            f"Phenopacket schema {version} is not read; expected 2.x",
        )
    try:
        packet = _Phenopacket.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        pointer = "".join(f"/{part}" for part in error["loc"])
        raise InputError(name, pointer, f"{error['msg']} (Phenopacket v2)") from exc
    subject = packet.subject or _Subject()
    result = IngestResult(
        document=document,
        patient=PatientFacts(
            id=subject.id or packet.id,
            sex=_SEX.get(subject.sex or "", "unknown") if subject.sex else None,
            birth_date=subject.date_of_birth.split("T", 1)[0] if subject.date_of_birth else None,
        ),
    )
    _diseases(packet, result)
    result.phenotypes.extend(
        Coding(system="hpo", code=feature.type.id, display=feature.type.label or None)
        for feature in packet.phenotypic_features
        if not feature.excluded
    )
    tumour_samples = {b.id for b in packet.biosamples if b.tumor_progression is not None}
    for i, interpretation in enumerate(packet.interpretations):
        if interpretation.diagnosis is None:
            continue
        for j, genomic in enumerate(interpretation.diagnosis.genomic_interpretations):
            where = f"/interpretations/{i}/diagnosis/genomicInterpretations/{j}"
            finding = _finding(genomic, f"pp-{len(result.findings) + 1}", f"{name}#{where}", tumour_samples)
            record = _record(genomic)
            if record is not None and _build(record) is None:
                result.warnings.append(
                    f"{name}:{where}: genome assembly {record.genome_assembly!r} is not GRCh37/GRCh38; "
                    "coordinates not used"
                )
            if finding is None:
                result.warnings.append(f"{name}:{where}: {_why_unread(genomic)}; not read")
            elif finding not in result.findings:
                result.findings.append(finding)
    genes = sorted({f.gene for f in result.findings if f.gene is not None})
    if genes:
        result.coverage.append(Coverage(input=name, assay="phenopacket", origin="germline", genes=genes))
    for section in _IGNORED_SECTIONS:
        if data.get(section):
            result.warnings.append(f"{name}:/{section}: {len(data[section])} entries not read by integrome")
    return result


def _diseases(packet: _Phenopacket, result: IngestResult) -> None:
    terms = [d.term for d in packet.diseases if not d.excluded]
    terms += [
        i.diagnosis.disease for i in packet.interpretations if i.diagnosis is not None and i.diagnosis.disease
    ]
    seen: set[str] = set()
    for term in terms:
        if term.id in seen:
            continue
        seen.add(term.id)
        prefix = term.id.split(":", 1)[0].upper()
        result.diagnoses.append(
            Diagnosis(
                system=prefix.lower(),
                code=term.id,
                display=term.label or term.id,
                oncotree=_oncotree(prefix, term),
                source="phenopacket",
            )
        )


def _oncotree(prefix: str, term: _Term) -> str | None:
    """DOID maps by code; NCIt by its label (the OncoTree refinement works on names)."""
    from integrome.normalize.diseases import map_diagnosis

    if prefix not in _ONCOLOGY_PREFIXES:
        return None
    return map_diagnosis(prefix.lower(), term.id if prefix == "DOID" else None, term.label or None)


def _finding(
    genomic: _GenomicInterpretation, fid: str, provenance: str, tumour_samples: set[str]
) -> Finding | None:
    if genomic.variant_interpretation is None:
        return None
    descriptor = genomic.variant_interpretation.variation_descriptor
    context = descriptor.gene_context
    gene = gene_symbol(context.symbol, hgnc_id=context.value_id) if context is not None else None
    origin: Origin = "somatic" if genomic.subject_or_biosample_id in tumour_samples else "germline"
    zygosity = (
        _ZYGOSITY.get(descriptor.allelic_state.id, "unknown") if descriptor.allelic_state else "unknown"
    )
    if descriptor.structural_type is not None and gene is not None and descriptor.vcf_record is None:
        if descriptor.structural_type.id == _DELETION:
            call: Literal["deep_deletion", "loss"] = "deep_deletion" if zygosity == "homozygous" else "loss"
            return CopyNumberFinding(
                id=fid, source="phenopacket", origin=origin, provenance=provenance, gene=gene, call=call
            )
        return VariantFinding(
            id=fid,
            source="phenopacket",
            origin=origin,
            provenance=provenance,
            gene=gene,
            zygosity=zygosity,
            consequence=descriptor.structural_type.label or None,
        )
    expressions = {e.syntax: e.value for e in descriptor.expressions}
    chrom, pos, ref, alt, build = _coordinates(descriptor.vcf_record)
    hgvs_c, hgvs_p = expressions.get("hgvs.c"), protein_hgvs(expressions.get("hgvs.p"))
    if not (gene or hgvs_c or hgvs_p or pos):
        return None
    return VariantFinding(
        id=fid,
        source="phenopacket",
        origin=origin,
        provenance=provenance,
        gene=gene,
        hgvs_c=hgvs_c,
        hgvs_p=hgvs_p,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        build=build,
        zygosity=zygosity,
    )


def _record(genomic: _GenomicInterpretation) -> _VcfRecord | None:
    if genomic.variant_interpretation is None:
        return None
    return genomic.variant_interpretation.variation_descriptor.vcf_record


def _build(record: _VcfRecord) -> Build | None:
    assembly = record.genome_assembly.lower()
    if assembly.startswith(("grch38", "hg38")):
        return "GRCh38"
    if assembly.startswith(("grch37", "hg19")):
        return "GRCh37"
    return None


def _coordinates(
    record: _VcfRecord | None,
) -> tuple[str | None, int | None, str | None, str | None, Build | None]:
    """vcfRecord on GRCh37/GRCh38 (hg19/hg38 accepted); other assemblies keep no coordinates."""
    from integrome.normalize.variants import normalize_chrom

    build = _build(record) if record is not None else None
    if record is None or build is None:
        return None, None, None, None, None
    return normalize_chrom(record.chrom), record.pos, record.ref.upper(), record.alt.upper(), build


def _why_unread(genomic: _GenomicInterpretation) -> str:
    if genomic.variant_interpretation is None:
        gene = genomic.gene.symbol if genomic.gene else "no gene"
        return f"gene-level interpretation ({gene}) without a variant"
    descriptor = genomic.variant_interpretation.variation_descriptor
    return f"variant {descriptor.label or descriptor.id or ''!r} names no gene, HGVS or VCF record"
