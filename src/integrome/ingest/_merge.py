"""One fact, one finding: merging what several inputs, and several places of one input, state.

A report conclusion repeats the VCF ("TP53 missense (see attached VCF)"), a note repeats the FHIR
record ("PD-L1 TPS 60%"), and a DiagnosticReport repeats its own Observations. Each fact becomes
one finding:

1. Variants are the same when gene + protein change, gene + cDNA change, or chrom/pos/ref/alt on
   the same build agree.
2. A variant stated in words without a change or coordinates ("TP53 missense", "KRAS mutation",
   "EGFR exon 19 deletion", "FLT3-ITD") repeats a variant of the same gene whose consequence, exon
   and name do not contradict it, preferring the one with coordinates.
3. Other findings are the same when no field contradicts another: a field left empty, origin
   "unknown" or status "unknown" contradicts nothing ("EML4-ALK fusion" in a note and the fusion
   caller's EML4-ALK with breakpoints; "PD-L1 TPS 60%" in a note and the graded FHIR result).
   Biomarker results must also report the same value.

The most specific record wins (VCF/MAF/table, then coordinates, then structured over notes, then
a graded status, then the most fields); its empty fields are filled from the others, and its
provenance names the other places: "tumor.vcf:line 20; also bundle.json#DiagnosticReport/r1".
The result does not depend on input order. Text diagnoses repeating a coded one are dropped.

Site genotypes (the germline calls star alleles are called from) are one per position and build.
Inputs stating the same genotype collapse to one site naming them all. Inputs stating different
genotypes (a VCF's G/A and a FHIR variant Observation's A/A) leave the position uncalled and marked
`conflict`, with a warning naming both: choosing one could turn a poor metabolizer into a normal
one, and so could calling the gene from its other positions, so the PGx caller reports the gene
Indeterminate. A no-call states nothing and gives way to another input's call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from integrome.model import BiomarkerFinding, Diagnosis, Finding, SiteGenotype, VariantFinding
from integrome.normalize.diseases import oncotree
from integrome.normalize.variants import (
    consequence_category,
    normalize_chrom,
    parse_protein_change,
    short_protein,
)

__all__ = ["merge_diagnoses", "merge_findings", "merge_site_genotypes", "site_genes"]

_ALSO = "; also "
_NEVER_COMPARED = frozenset({"id", "provenance", "source", "annotation", "vaf", "depth"})
"""Fields that do not decide whether two statements are one fact: where they came from, and the
measurements of the VCF (a note's "VAF 41%" repeats the VCF's 0.409)."""
_UNSTATED = {"origin": "unknown", "zygosity": "unknown", "status": "unknown"}
"""Default values that say nothing, like an empty field."""
_KIND_CATEGORY = {
    "missense": "missense",
    "nonsense": "nonsense",
    "frameshift": "frameshift",
    "inframe_deletion": "inframe_indel",
    "inframe_insertion": "inframe_indel",
    "duplication": "inframe_indel",
    "delins": "inframe_indel",
    "start_lost": "start_lost",
    "stop_lost": "stop_lost",
    "extension": "stop_lost",
    "synonymous": "synonymous",
}


def merge_findings(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per fact (module docstring), sorted (kind, gene, position, HGVS), renumbered f1..fn."""
    kept: list[Finding] = []
    index: dict[tuple[Any, ...], int] = {}
    for finding in sorted(findings, key=_sort_key):
        at = next((index[key] for key in _keys(finding) if key in index), None)
        if at is None:
            at = len(kept)
            kept.append(finding)
        else:
            kept[at] = _combine(kept[at], finding)
        for key in _keys(kept[at]):
            index.setdefault(key, at)
    stated = [f for f in kept if isinstance(f, VariantFinding) and not _vague(f)]
    loose = sorted((f for f in kept if not (isinstance(f, VariantFinding) and not _vague(f))), key=_sort_key)
    loose.sort(key=_rank, reverse=True)  # most specific first; the sort is stable, ties stay ordered
    merged: list[Finding] = list(stated)
    buckets: dict[tuple[str, str], list[int]] = {}
    for at, finding in enumerate(merged):
        buckets.setdefault(_bucket(finding), []).append(at)
    for finding in loose:
        bucket = buckets.setdefault(_bucket(finding), [])
        at = next((i for i in bucket if _same_fact(finding, merged[i])), None)
        if at is None:
            bucket.append(len(merged))
            merged.append(finding)
        else:
            merged[at] = _combine(merged[at], finding)
    merged.sort(key=_sort_key)
    return [f.model_copy(update={"id": f"f{i}"}) for i, f in enumerate(merged, start=1)]


def merge_diagnoses(diagnoses: Sequence[Diagnosis]) -> list[Diagnosis]:
    """One entry per coded diagnosis; a text diagnosis is dropped when a coded one says the same.

    The same system and code are one diagnosis (the OncoTree mapping is filled from either). A
    text diagnosis repeats a coded one when its OncoTree code is the coded one's or an ancestor
    of it ("lung adenocarcinoma" beside C34.11 mapped to LUAD), or when the wording is the same.
    """
    merged: dict[tuple[str, str], Diagnosis] = {}
    for diagnosis in diagnoses:
        key = (diagnosis.system, diagnosis.code)
        known = merged.get(key)
        if known is None:
            merged[key] = diagnosis
        elif known.oncotree is None and diagnosis.oncotree is not None:
            merged[key] = known.model_copy(update={"oncotree": diagnosis.oncotree})
    coded = [d for d in merged.values() if d.system != "text"]
    return [d for d in merged.values() if d.system != "text" or not any(_repeats(d, c) for c in coded)]


def _repeats(text: Diagnosis, coded: Diagnosis) -> bool:
    if _words(text.code) == _words(coded.display) or _words(text.display) == _words(coded.display):
        return True
    if text.oncotree is None or coded.oncotree is None:
        return False
    return oncotree().is_a(coded.oncotree, text.oncotree)


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


# --- the same fact ---------------------------------------------------------------------------------


def _keys(finding: Finding) -> list[tuple[Any, ...]]:
    """Keys that identify a fact exactly; two findings sharing one are the same."""
    content = finding.model_dump(mode="json", exclude={"id", "provenance", "source"})
    if not isinstance(finding, VariantFinding):
        return [("content", json.dumps(content, sort_keys=True))]
    keys: list[tuple[Any, ...]] = []
    gene = finding.gene.upper() if finding.gene else None
    protein = short_protein(finding.hgvs_p) if finding.hgvs_p else None
    if gene and protein:
        keys.append(("protein", gene, protein))
    if gene and finding.hgvs_c:
        keys.append(("cdna", gene, finding.hgvs_c.rsplit(":", 1)[-1]))
    if finding.chrom and finding.pos and finding.ref and finding.alt:
        keys.append(
            ("position", finding.build, normalize_chrom(finding.chrom), finding.pos, finding.ref, finding.alt)
        )
    return keys or [("content", json.dumps(content, sort_keys=True))]


def _vague(finding: VariantFinding) -> bool:
    """A variant stated without a change or a position ("TP53 missense", "FLT3-ITD")."""
    return finding.gene is not None and not (finding.hgvs_p or finding.hgvs_c or finding.pos is not None)


def _bucket(finding: Finding) -> tuple[str, str]:
    """Findings that may be one fact share a bucket: same kind, same gene (or biomarker name)."""
    if isinstance(finding, BiomarkerFinding):
        return finding.kind, _name(finding.biomarker)
    gene = getattr(finding, "gene", None)
    return finding.kind, gene if gene is not None else finding.model_dump_json()


def _same_fact(vaguer: Finding, known: Finding) -> bool:
    """True when `vaguer` (never more specific than `known`) states nothing `known` contradicts."""
    if vaguer.kind != known.kind:
        return False
    if isinstance(vaguer, VariantFinding) and isinstance(known, VariantFinding):
        return _variant_repeats(vaguer, known)
    if isinstance(vaguer, BiomarkerFinding) and isinstance(known, BiomarkerFinding):
        same_result = _name(vaguer.biomarker) == _name(known.biomarker) and _name(vaguer.value) == _name(
            known.value
        )
        if not same_result:
            return False
    return _no_contradiction(vaguer, known, skip={"biomarker", "value"})


def _variant_repeats(vaguer: VariantFinding, known: VariantFinding) -> bool:
    if not _vague(vaguer) or vaguer.gene != known.gene:
        return False  # a stated change or position is matched by its key, never loosely
    stated = _category(vaguer)
    if stated is not None and _category(known) not in (None, stated):
        return False
    return _no_contradiction(vaguer, known, skip={"consequence"} | _COORDINATES)


_COORDINATES = frozenset({"chrom", "pos", "ref", "alt", "build", "hgvs_c", "hgvs_p"})


def _category(finding: VariantFinding) -> str | None:
    """The consequence category a variant states (None for a plain "mutation", or nothing at all)."""
    if finding.consequence:
        category = consequence_category([finding.consequence])
        if category != "other":
            return category
    change = parse_protein_change(finding.hgvs_p) if finding.hgvs_p else None
    return _KIND_CATEGORY.get(change.kind) if change is not None else None


def _no_contradiction(a: Finding, b: Finding, skip: set[str] | frozenset[str]) -> bool:
    first, second = a.model_dump(mode="json"), b.model_dump(mode="json")
    for field, value in first.items():
        if field in _NEVER_COMPARED or field in skip:
            continue
        other = second.get(field)
        if value is None or other is None or value == _UNSTATED.get(field) or other == _UNSTATED.get(field):
            continue
        if value != other:
            return False
    return True


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9%+.<>]", "", text.lower())


# --- combining -------------------------------------------------------------------------------------


def _rank(finding: Finding) -> tuple[bool, bool, bool, bool, int]:
    """How specific a record is: caller output, coordinates, structured source, graded, fields given."""
    fields = finding.model_dump(exclude={"id", "provenance", "source"})
    given = sum(1 for name, value in fields.items() if value is not None and value != _UNSTATED.get(name))
    return (
        finding.source in ("vcf", "maf", "table"),
        getattr(finding, "pos", None) is not None,
        finding.source != "notes",
        getattr(finding, "status", None) not in (None, "unknown"),
        given,
    )


def _combine(a: Finding, b: Finding) -> Finding:
    """The more specific record, its empty fields filled from the other and both places named."""
    winner, other = (b, a) if (_rank(b), _sort_key(b)) > (_rank(a), _sort_key(a)) else (a, b)
    theirs = other.model_dump()
    update: dict[str, Any] = {}
    for field, value in winner.model_dump().items():
        given = theirs.get(field)
        if field in ("id", "provenance", "source") or given is None or given == _UNSTATED.get(field):
            continue
        vague = field == "consequence" and given == "protein_altering_variant"
        if (value is None or value == _UNSTATED.get(field)) and not vague:
            update[field] = given
    first = _places(winner.provenance)[:1] or _places(other.provenance)[:1]
    rest = sorted(set(_places(winner.provenance) + _places(other.provenance)) - set(first))
    if first:
        update["provenance"] = _ALSO.join(first + rest)
    return winner.model_copy(update=update) if update else winner


def _places(provenance: str | None) -> list[str]:
    return provenance.split(_ALSO) if provenance else []


def _sort_key(finding: Finding) -> tuple[str, str, int, str, str]:
    name = getattr(finding, "gene", None) or getattr(finding, "biomarker", None) or ""
    position = getattr(finding, "pos", None) or 0
    hgvs = getattr(finding, "hgvs_c", None) or getattr(finding, "hgvs_p", None) or ""
    content = finding.model_dump_json(exclude={"id"})
    return finding.kind, name, position, hgvs, content


# --- site genotypes --------------------------------------------------------------------------------

_Position = tuple[str, str, int]
"""(build, UCSC chromosome, position): where a site genotype is stated."""


def site_genes(findings: Sequence[Finding]) -> dict[_Position, str]:
    """The gene a variant finding names at each position, for naming a contradicted site."""
    genes: dict[_Position, str] = {}
    for finding in sorted(findings, key=_sort_key):
        if not isinstance(finding, VariantFinding) or finding.chrom is None or finding.pos is None:
            continue
        if finding.gene and finding.build:
            genes.setdefault((finding.build, normalize_chrom(finding.chrom), finding.pos), finding.gene)
    return genes


def merge_site_genotypes(
    inputs: Sequence[tuple[str, Sequence[SiteGenotype]]], gene: Callable[[_Position], str | None]
) -> tuple[list[SiteGenotype], list[str]]:
    """One site per position across inputs (module docstring); returns (sites, warnings).

    `inputs` pairs each input's file name with its sites; `gene` names the gene at a contradicted
    position in its warning (None: the position alone). Several different sites of one input at one
    position are that reader's own records and are kept as read.
    """
    groups: dict[_Position, list[tuple[int, SiteGenotype]]] = {}
    for at, (name, sites) in enumerate(inputs):
        for site in sites:
            placed = site.model_copy(update={"provenance": site.provenance or name})
            groups.setdefault(_site_position(site), []).append((at, placed))
    merged: list[SiteGenotype] = []
    warnings: list[str] = []
    for position, group in groups.items():
        called = [(at, site) for at, site in group if any(a is not None for a in site.alleles)]
        stated = sorted((site for _, site in called or group), key=_site_rank)
        places = _ALSO.join(dict.fromkeys(place for site in stated for place in _places(site.provenance)))
        if not called or len({_site_genotype(site) for site in stated}) == 1:
            merged.append(stated[0].model_copy(update={"provenance": places}))
        elif len({at for at, _ in called or group}) == 1:
            merged.extend({site.model_dump_json(): site for _, site in called or group}.values())
        else:
            ploidy = max(len(site.alleles) for site in stated)
            update = {"alleles": [None] * ploidy, "phased": False, "provenance": places, "conflict": True}
            merged.append(stated[0].model_copy(update=update))
            warnings.append(_contradiction(position, gene(position), stated))
    return merged, warnings


def _site_position(site: SiteGenotype) -> _Position:
    return site.build, normalize_chrom(site.chrom), site.pos


def _site_genotype(site: SiteGenotype) -> tuple[str, tuple[str, ...]]:
    """The genotype regardless of allele order and of the ALTs a record lists but the sample lacks."""
    return site.ref, tuple(sorted(allele or "." for allele in site.alleles))


def _site_rank(site: SiteGenotype) -> tuple[bool, str, str]:
    """VCF records first (they carry FILTER and phase), then by place: independent of input order."""
    return site.source != "vcf", site.provenance or "", site.model_dump_json()


def _contradiction(position: _Position, gene: str | None, stated: list[SiteGenotype]) -> str:
    """'CYP2C19 chr10:94781859: variants.vcf says G/A, bundle.json (Observation obs-2) says A/A; ...'."""
    by_genotype: dict[tuple[str, tuple[str, ...]], tuple[str, list[str]]] = {}
    for site in stated:
        shown = "/".join(allele or "." for allele in site.alleles)
        _, labels = by_genotype.setdefault(_site_genotype(site), (shown, []))
        for place in _places(site.provenance):
            file, _, resource = place.partition("#")
            label = f"{file} ({resource.replace('/', ' ', 1)})" if resource else file
            if label not in labels:
                labels.append(label)
    claims = ", ".join(
        f"{' and '.join(labels)} {'say' if len(labels) > 1 else 'says'} {shown}"
        for shown, labels in by_genotype.values()
    )
    _, chrom, pos = position
    where = f"{gene} {chrom}:{pos}" if gene else f"{chrom}:{pos}"
    return f"{where}: {claims}; the position is treated as not assessed"
