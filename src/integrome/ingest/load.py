"""Read every input of one patient and merge the parts into one `PatientProfile`.

Merging is deterministic: the same files in the same order give the same profile; findings are
merged one per fact (`_merge`: a report or note repeating the VCF, the record or itself), sorted
and renumbered f1..fn so their ids do not depend on the file order, and a
patient without a stated id gets a pseudonymous one derived from the inputs' hashes.
Contradicting demographics (two ids, two sexes, two birth dates) across files stop the run: the
files most likely belong to different people. Contradicting germline genotypes at one position
(two VCFs, or a VCF and a FHIR variant Observation) leave that position uncalled with a warning
naming both inputs (`_merge.merge_site_genotypes`): the last file read never silently wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

from integrome.errors import InputError
from integrome.ingest._merge import merge_diagnoses, merge_findings, merge_site_genotypes, site_genes
from integrome.ingest._result import IngestResult
from integrome.ingest.cnv import CopyNumberOptions, read_copy_number
from integrome.ingest.detect import FormatName, detect_format
from integrome.ingest.expression import ExpressionOptions, read_expression
from integrome.ingest.fhir import read_fhir
from integrome.ingest.fusions import FusionOptions, read_fusions, read_vcf_fusions
from integrome.ingest.maf import read_maf
from integrome.ingest.notes import read_notes
from integrome.ingest.outside_calls import read_outside_calls
from integrome.ingest.phenopacket import read_phenopacket
from integrome.ingest.proteomics import ProteomicsOptions, read_proteomics
from integrome.ingest.signatures import compute_tmb, read_signatures, tmb_finding
from integrome.ingest.vcf import VcfOptions, read_vcf
from integrome.model import (
    Coding,
    GenotypeCall,
    Medication,
    Origin,
    Patient,
    PatientProfile,
)

__all__ = ["IngestOptions", "load_inputs", "merge_results", "read_input"]

_SEXES = ("female", "male", "other")
_STATUS_RANK = {"active": 0, "planned": 1, "stopped": 2}


@dataclass(frozen=True)
class IngestOptions:
    """How inputs are read. `progress(file name, records read)` is reported by the VCF and MAF readers."""

    vcf: VcfOptions = field(default_factory=VcfOptions)
    progress: Callable[[str, int], None] | None = None
    copy_number: CopyNumberOptions = field(default_factory=CopyNumberOptions)
    fusions: FusionOptions = field(default_factory=FusionOptions)
    expression: ExpressionOptions = field(default_factory=ExpressionOptions)
    proteomics: ProteomicsOptions = field(default_factory=ProteomicsOptions)
    tmb_territory_mb: float | None = None
    """Callable territory for TMB (--panel-size-mb or the targets BED); None = TMB not computed."""
    position_genes: Mapping[tuple[str, str, int], str] = field(default_factory=dict)
    """(build, 'chrN', pos) → gene, e.g. the pharmacogene definition positions: names the gene of a
    position two inputs contradict when no variant finding names it (a 0/0 call, an unannotated VCF)."""
    roles: Mapping[Path, Origin] = field(default_factory=dict)
    """Per-file somatic/germline role (--somatic-input, --germline-input), overriding `vcf.role` for
    that VCF or MAF: a tumor VCF and a blood VCF whose headers do not say can be read in one run."""

    def role_of(self, path: Path) -> Origin | None:
        """The role given for this very file (same path or the same file reached another way)."""
        if path in self.roles:
            return self.roles[path]
        resolved = path.resolve()
        return next((role for given, role in self.roles.items() if given.resolve() == resolved), None)


_ROLE_FORMATS = frozenset({"vcf", "bcf", "maf"})


def read_input(path: Path, options: IngestOptions) -> IngestResult:
    """Detect the format of `path` by content and read it with the matching reader.

    A per-file role applies to VCF/BCF and MAF, the formats whose origin the reader cannot always
    tell; on any other file it is reported as unused rather than silently dropped.
    """
    kind = detect_format(path)
    own_role = options.role_of(path)
    if own_role is not None and kind in _ROLE_FORMATS:
        options = replace(options, vcf=replace(options.vcf, role=own_role))
    result = _read(path, kind, options)
    if own_role is not None and kind not in _ROLE_FORMATS:
        result.warnings.append(
            f"{path.name}: the {own_role} role applies to VCF and MAF files only; "
            f"not used for this {kind} file"
        )
    return result


def _read(path: Path, kind: FormatName, options: IngestOptions) -> IngestResult:
    report, name = options.progress, path.name
    if kind == "fhir":
        return read_fhir(path)
    if kind == "phenopacket":
        return read_phenopacket(path)
    if kind in ("vcf", "bcf"):
        vcf_options = options.vcf
        if report is not None and vcf_options.progress is None:
            vcf_options = replace(vcf_options, progress=lambda count: report(name, count))
        result = read_vcf(path, vcf_options)
        if result.structural_records:
            _add_structural_variants(path, result)
        return result
    if kind == "maf":
        role = options.vcf.role if options.vcf.role != "unknown" else None
        counter = (lambda count: report(name, count)) if report is not None else None
        return read_maf(path, role=role, progress=counter)
    if kind == "outside_calls":
        return read_outside_calls(path)
    if kind == "copy_number":
        return read_copy_number(path, options.copy_number)
    if kind == "fusions":
        return read_fusions(path, options.fusions)
    if kind == "expression":
        return read_expression(path, options.expression)
    if kind == "proteomics":
        return read_proteomics(path, options.proteomics)
    if kind == "signatures":
        return read_signatures(path)
    return read_notes(path)


def _add_structural_variants(path: Path, result: IngestResult) -> None:
    """Breakend/SV records the VCF reader leaves uninterpreted, read as DNA-level fusions."""
    build = next((c.build for c in result.coverage if c.build is not None), None)
    if build is None:
        return
    found = read_vcf_fusions(path, build, result.document)
    result.findings.extend(found.findings)
    result.warnings.extend(found.warnings)
    if found.findings:
        result.warnings.append(f"{path.name}: {len(found.findings)} structural variants read as gene fusions")


def _add_tmb(results: Sequence[IngestResult], territory_mb: float) -> None:
    """TMB over every somatic VCF/MAF input together (signatures.compute_tmb), on the first of them."""
    sources = [
        r for r in results if r.document.format in ("vcf", "bcf", "maf") and r.document.role != "germline"
    ]
    if not sources:
        results[0].warnings.append("TMB not computed: no somatic VCF or MAF input")
        return
    tmb = compute_tmb([f for r in sources for f in r.findings], territory_mb)
    finding, warnings = tmb_finding(tmb, [r.document.name for r in sources])
    sources[0].findings.append(finding)
    sources[0].warnings.extend(warnings)


def load_inputs(paths: Sequence[Path], options: IngestOptions) -> PatientProfile:
    """Read every file and merge them; a file given twice (same content) is read once."""
    if not paths:
        raise InputError(None, None, "no input files given")
    results: dict[str, IngestResult] = {}
    for path in paths:
        result = read_input(path, options)
        first = results.setdefault(result.document.sha256, result)
        if first is not result:
            first.warnings.append(f"{result.document.name}: same content as {first.document.name}; read once")
    if options.tmb_territory_mb is not None:
        _add_tmb(list(results.values()), options.tmb_territory_mb)
    return merge_results(list(results.values()), position_genes=options.position_genes)


def merge_results(
    results: Sequence[IngestResult], *, position_genes: Mapping[tuple[str, str, int], str] | None = None
) -> PatientProfile:
    """Merge per-file parts into one profile (see the module docstring for the rules);
    `position_genes` as in `IngestOptions`."""
    if not results:
        raise InputError(None, None, "no input files given")
    patient_id, sex, birth_date = _demographics(results)
    if patient_id is None:
        digest = hashlib.sha256("".join(sorted(r.document.sha256 for r in results)).encode()).hexdigest()
        patient_id = f"anon-{digest[:12]}"
    findings = merge_findings([f for r in results for f in r.findings])
    named = site_genes(findings)
    sites, site_warnings = merge_site_genotypes(
        [(r.document.name, r.sites) for r in results],
        lambda position: named.get(position) or (position_genes or {}).get(position),
    )
    return PatientProfile(
        patient=Patient(
            id=patient_id,
            sex=sex,
            birth_date=birth_date,
            diagnoses=merge_diagnoses([d for r in results for d in r.diagnoses]),
            medications=_merge_medications([m for r in results for m in r.medications]),
            record_reference=next((r.patient.reference for r in results if r.patient.reference), None),
        ),
        findings=findings,
        genotypes=_unique([g for r in results for g in r.genotypes], _genotype_key),
        sites=sites,
        observations=[o for r in results for o in r.observations],
        phenotypes=_unique([p for r in results for p in r.phenotypes], _coding_key),
        coverage=[c for r in results for c in r.coverage],
        inputs=[r.document for r in results],
        warnings=[w for r in results for w in r.warnings] + site_warnings,
        segments=[s for r in results for s in r.segments],
        expression=[e for r in results for e in r.expression],
    )


def _demographics(
    results: Sequence[IngestResult],
) -> tuple[str | None, Literal["female", "male", "other", "unknown"], str | None]:
    """First stated id, sex and birth date; a later file stating another value is an error.

    Birth dates agree when one is a prefix of the other (FHIR allows 1957 and 1957-11); the more
    precise one is kept.
    """
    stated: dict[str, tuple[str, str]] = {}
    for result in results:
        facts, name = result.patient, result.document.name
        values = {
            "patient id": facts.id,
            "sex": facts.sex if facts.sex in _SEXES else None,
            "birth date": facts.birth_date,
        }
        for what, value in values.items():
            if not value:
                continue
            if what not in stated:
                stated[what] = (value, name)
                continue
            known, source = stated[what]
            if what == "birth date" and (known.startswith(value) or value.startswith(known)):
                stated[what] = (max(known, value, key=len), source)
            elif value != known:
                raise InputError(
                    name,
                    None,
                    f"{what} {value!r} differs from {known!r} in {source}; the inputs describe two people",
                )
    sex = stated.get("sex", ("unknown", ""))[0]
    return (
        stated.get("patient id", (None, ""))[0],
        cast(Literal["female", "male", "other", "unknown"], sex),
        stated.get("birth date", (None, ""))[0],
    )


def _merge_medications(medications: list[Medication]) -> list[Medication]:
    """One entry per drug: status active > planned > stopped; code and wording filled from any source."""
    merged: dict[str, Medication] = {}
    for medication in medications:
        known = merged.get(medication.name)
        if known is None:
            merged[medication.name] = medication
            continue
        winner, other = (
            (medication, known)
            if _STATUS_RANK[medication.status] < _STATUS_RANK[known.status]
            else (known, medication)
        )
        merged[medication.name] = winner.model_copy(
            update={"rxnorm": winner.rxnorm or other.rxnorm, "text": winner.text or other.text}
        )
    return list(merged.values())


def _unique(items: list[Any], key: Callable[[Any], tuple[Any, ...]]) -> list[Any]:
    seen: dict[tuple[Any, ...], Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _genotype_key(call: GenotypeCall) -> tuple[Any, ...]:
    return call.gene, call.diplotype, call.allele, call.present, call.phenotype, call.activity_score


def _coding_key(coding: Coding) -> tuple[Any, ...]:
    return coding.system, coding.code
