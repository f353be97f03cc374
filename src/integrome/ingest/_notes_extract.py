"""From a processed note (entities + ConText modifiers + sections) to profile parts.

Representation choices the matcher relies on:

- A protein change becomes `VariantFinding(hgvs_p=<three-letter HGVS>)` with the Sequence
  Ontology consequence of its kind (missense_variant, inframe_deletion, stop_gained, ...).
- An exon-level statement has no protein change: "EGFR exon 19 deletion" →
  `VariantFinding(gene="EGFR", consequence="inframe_deletion", exon=19)`; insertions (and
  duplications) → "inframe_insertion"; "MET exon 14 skipping" → consequence "exon_loss_variant"
  (SO:0001572, "a sequence variant whereby an exon is lost from the transcript") with exon=14;
  "KIT exon 11 mutation" → "protein_altering_variant" with exon=11; "EGFR exon 21 missense" →
  "missense_variant" with exon=21. A cDNA change in brackets right after the statement decides the
  consequence ("NPM1 exon 12 insertion (c.860_863dupTCTG)" is a frameshift).
- Alterations named instead of written as a change carry the name in `label`: "FLT3-ITD" →
  `VariantFinding(gene="FLT3", consequence="inframe_insertion", label="ITD")`, "FLT3-TKD" →
  label "TKD" (with hgvs_p when a change such as D835Y is written); the matcher knows where they lie
  (`match._alterations.NAMED_ALTERATIONS`).
- A gene-level mutation without a change ("KRAS mutation", "EGFR-mutant", "BRCA2 pathogenic
  variant") → `VariantFinding(consequence="protein_altering_variant")`, no hgvs_p.
- Fusions: `FusionFinding.gene` is the driver partner (EML4-ALK → ALK, partner EML4; FGFR2-BICC1 →
  FGFR2, see `_notes_genomic.fusion_driver`); "GENE1-GENE2", "GENE1::GENE2" and "GENE1–GENE2" are
  written 5' to 3'. "ALK positive"/"ALK+" (the way ALK and ROS1 status is written) is a fusion with
  no partner.
- Amplification ("ERBB2 amplification", "HER2 amplified", HER2 "FISH amplified") →
  `CopyNumberFinding(call="amplification")`; a HER2 ISH result that is not amplified →
  `BiomarkerFinding(biomarker="HER2", method="ISH", value="not amplified", status="negative")`.
- Negated findings → `NegativeFinding(gene, alteration)`: the protein change ("V600E"), the exon
  statement ("exon 19 deletion"), "fusion", "amplification", "mutation" (also for "wild type") or
  "any" for a bare biomarker gene ("ALK negative").
- Biomarker results → `BiomarkerFinding` with the status rules documented in `_notes_biomarkers`.
- What an assay tested ("positions tested: DPYD c.1905+1G>A, ...", "genotyping of DPYD c.1905+1G>A,
  c.2846A>T", "tested for KRAS G12C", "panel includes BRAF V600E", "assay covers EGFR exon 19
  deletions, L858R and T790M") is not a finding; a following "No variants detected." makes those
  genes tested negative (`_notes_panel`). Only a result stated for the mention itself makes it a
  finding despite such a cue: "detected"/"identified"/"positive" right after it ("Tested for KRAS
  G12C: detected"), a zygosity within two tokens ("Genotyping of DPYD: c.1905+1G>A heterozygous") or
  a VAF in the mention ("KRAS G12C (VAF 23%)").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from integrome.ingest._notes_biomarkers import biomarkers, ish, ish_gene, negated_biomarkers
from integrome.ingest._notes_context import Cue, clean, cues_of, gene_at, has, method_of, nearest, origin_of
from integrome.ingest._notes_genomic import chain_alteration, genomic, named_between
from integrome.ingest._notes_panel import Tested, tested, tested_negatives
from integrome.ingest._notes_rules import (
    AFFIRMED,
    BIOMARKER,
    CURRENT,
    DIAGNOSIS,
    DOSED,
    DRUG,
    FAMILY,
    FINDING_TYPES,
    GENE,
    HISTORICAL,
    HYPOTHETICAL,
    ISH,
    NEGATED,
    PANEL,
    PLANNED,
    POSSIBLE,
    UNCERTAIN,
    UNCERTAIN_VARIANT,
    VARIANT,
)
from integrome.ingest._notes_vocab import BIOMARKER_GENES, EXTENT_WORDS
from integrome.model import (
    BiomarkerFinding,
    Diagnosis,
    Finding,
    FusionFinding,
    Medication,
    MedicationStatus,
    NegativeFinding,
    Source,
)
from integrome.normalize.diseases import map_diagnosis
from integrome.normalize.drugs import find_drugs

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

__all__ = ["TextExtraction", "extract_doc"]


@dataclass
class TextExtraction:
    """What one text says about the patient; warnings name the place ("notes.txt:line 4: ...")."""

    diagnoses: list[Diagnosis] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- diagnoses and medications -----------------------------------------------------------------

_STAGE = re.compile(r"\bstage\s+(?:0|i{1,3}|iv)[a-c]?\d?\b", re.IGNORECASE)


def _diagnosis(ent: Span, source: Source) -> Diagnosis:
    display = clean(ent.text)
    words = _STAGE.sub(" ", display.lower()).replace(" - ", "-").split()
    code = " ".join(word for word in words if word not in EXTENT_WORDS) or display.lower()
    return Diagnosis(
        system="text",
        code=code,
        display=display,
        oncotree=map_diagnosis("text", None, display),
        source=source,
    )


_SECTION_STATUS: dict[str, MedicationStatus] = {
    "medications": "active",
    "prior_treatment": "stopped",
    "plan": "planned",
}
_STATUS_OF: dict[str, MedicationStatus] = {CURRENT: "active", PLANNED: "planned", HISTORICAL: "stopped"}
_DOSE_WORDS = re.compile(
    r"^(\d+(\.\d+)?|mg|mcg|g|mg/m2|/|m2|units?|iu|po|iv|daily|once|twice|bid|tid|qd|qhs|weekly|q\dw|"
    r"every|\d+|weeks?|days?|at|night|orally|x)$",
    re.IGNORECASE,
)


def _medication_status(
    cues: list[Cue], section: str | None
) -> MedicationStatus | Literal["not the patient's", "unstated"]:
    """The nearest status cue wins; then the section's default (Medications, Prior therapy, Plan);
    then a dose.

    Negated, family, allergy and conditional ("if ...") mentions are not the patient's medication;
    a hypothetical cue nearer than any status ("would consider sotorasib") is not either.
    """
    if has(cues, FAMILY, NEGATED, POSSIBLE) or section in ("allergies", "family_history"):
        return "not the patient's"
    if any(cue.category == HYPOTHETICAL and cue.metadata.get("conditional") for cue in cues):
        return "not the patient's"
    closest = nearest(cues, CURRENT, PLANNED, HISTORICAL, HYPOTHETICAL)
    if closest is not None:
        return _STATUS_OF.get(closest.category, "not the patient's")
    if section in _SECTION_STATUS:
        return _SECTION_STATUS[section]
    return "active" if has(cues, DOSED) else "unstated"


def _mention(ent: Span) -> str:
    """The drug as written with the dose and schedule that directly follow it ("imatinib 400 mg daily")."""
    end = ent.end
    while end < len(ent.doc) and end - ent.end < 6 and _DOSE_WORDS.match(ent.doc[end].text):
        end += 1
    while end > ent.end and ent.doc[end - 1].text.lower() in {"/", "at", "every", "once", "x"}:
        end -= 1
    return clean(ent.doc[ent.start : end].text)


_STATUS_PRIORITY: dict[MedicationStatus, int] = {"active": 0, "planned": 1, "stopped": 2}


def _merge_medications(found: Iterable[Medication]) -> list[Medication]:
    """One entry per drug; a drug mentioned as current wins over planned, which wins over stopped.

    Alerting on a drug that is still in use matters more than missing that it was stopped, and a
    regimen shares drugs with the next one (FOLFOX then FOLFIRI: fluorouracil stays active).
    """
    merged: dict[str, Medication] = {}
    for medication in found:
        kept = merged.get(medication.name)
        if kept is None or _STATUS_PRIORITY[medication.status] < _STATUS_PRIORITY[kept.status]:
            merged[medication.name] = medication
    return list(merged.values())


# --- the document ------------------------------------------------------------------------------


class _Lines:
    """Character offset → 1-based line number."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    @property
    def count(self) -> int:
        return len(self._starts)


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per fact; a repeat that names the origin ("Tumor is MSI-high") lends it to the first,
    and "ALK-rearranged" adds nothing to an "EML4-ALK fusion" of the same note."""
    kept: dict[str, Finding] = {}
    for finding in findings:
        key = finding.model_dump_json(exclude={"id", "provenance", "origin"})
        first = kept.get(key)
        if first is None:
            kept[key] = finding
        elif first.origin == "unknown" and finding.origin != "unknown":
            kept[key] = first.model_copy(update={"origin": finding.origin})
    partnered = {f.gene for f in kept.values() if isinstance(f, FusionFinding) and f.partner is not None}
    return [
        f
        for f in kept.values()
        if not (isinstance(f, FusionFinding) and f.partner is None and f.gene in partnered)
    ]


def _settle_mmr(findings: list[tuple[int, Finding]]) -> list[Finding]:
    """In one sentence, "loss of MLH1 and PMS2; MSH2 and MSH6 intact" is MMR deficient: the loss of
    any of the four proteins makes the tumour MMR deficient, so the sentence's proficient call goes."""

    def mmr(finding: Finding, status: str) -> bool:
        return (
            isinstance(finding, BiomarkerFinding) and finding.biomarker == "MMR" and finding.status == status
        )

    deficient = {sentence for sentence, finding in findings if mmr(finding, "positive")}
    return [
        finding for sentence, finding in findings if not (sentence in deficient and mmr(finding, "negative"))
    ]


def extract_doc(doc: Doc, *, source: Source, provenance: str) -> TextExtraction:
    """Diagnoses, medications and findings stated in a processed text.

    Provenance is `<provenance>:line N` for a text of several lines, else `provenance` itself.
    Finding ids are `notes-1`, `notes-2`, ... in text order (provisional; ingest renumbers them).
    """
    lines = _Lines(doc.text)
    out = TextExtraction()
    medications: list[Medication] = []
    findings: list[tuple[int, Finding]] = []
    panel: list[Tested] = []
    for ent in doc.ents:
        section = ent[0]._.section_category
        cues = cues_of(ent)
        if section == "family_history" or has(cues, FAMILY):
            continue
        where = f"{provenance}:line {lines(ent.start_char)}" if lines.count > 1 else provenance
        if ent.label_ == DIAGNOSIS:
            if not has(cues, NEGATED, POSSIBLE, HYPOTHETICAL):
                out.diagnoses.append(_diagnosis(ent, source))
        elif ent.label_ == DRUG:
            medications.extend(_medications(ent, cues, section, source, where, out.warnings))
        elif ent.label_ in FINDING_TYPES and not has(cues, HYPOTHETICAL):
            if ent.label_ == UNCERTAIN_VARIANT or has(cues, UNCERTAIN):
                out.warnings.append(f"{where}: {ent.text!r} is of uncertain significance; not a finding")
                continue
            base: dict[str, Any] = {
                "id": "notes-0",  # numbered below, once repeated statements are merged
                "source": source,
                "origin": origin_of(cues),
                "provenance": where,
            }
            if has(cues, PANEL) and not _asserted(ent, cues, base):
                item = tested(ent, cues, base)
                if item is not None and _negation(ent, cues) is not None:
                    findings.append((ent.sent.start, item.negative()))
                elif item is not None:
                    panel.append(item)
                continue
            findings.extend((ent.sent.start, finding) for finding in _findings(ent, cues, base, out.warnings))
    for item in tested_negatives(doc, panel, [finding for _, finding in findings]):
        findings.append((doc[item.start].sent.start, item.negative()))
    findings.sort(key=lambda placed: placed[0])
    out.medications = _merge_medications(medications)
    unique: dict[str, Diagnosis] = {}
    for diagnosis in out.diagnoses:
        unique.setdefault(diagnosis.code, diagnosis)
    out.diagnoses = list(unique.values())
    kept = _dedupe(_settle_mmr(findings))
    out.findings = [f.model_copy(update={"id": f"notes-{n}"}) for n, f in enumerate(kept, start=1)]
    return out


_ZYGOSITY_REACH = 2
"""How many tokens from a target a zygosity word may stand to state that target's genotype (the reach of
the AFFIRMED cues)."""


def _asserted(ent: Span, cues: list[Cue], base: dict[str, Any]) -> bool:
    """Whether the mention itself is reported as found, which outweighs a cue that it was tested for.

    "Tested for KRAS G12C: detected", "Genotyping of DPYD: c.1905+1G>A heterozygous" and "KRAS G12C
    (VAF 23%)" state a result; "tested for KRAS G12C" and "panel includes BRAF V600E" do not.
    """
    if has(cues, AFFIRMED):  # "detected", "identified", "positive" right after the mention
        return True
    if any(cue.metadata.get("zygosity") and cue.distance <= _ZYGOSITY_REACH for cue in cues):
        return True
    stated = genomic(ent, base) if ent.label_ == VARIANT else None
    return stated is not None and getattr(stated.finding, "vaf", None) is not None


def _medications(
    ent: Span, cues: list[Cue], section: str | None, source: Source, where: str, warnings: list[str]
) -> list[Medication]:
    """The drugs a mention names (a regimen names several), each with the mention's status."""
    status = _medication_status(cues, section)
    if status == "unstated":
        warnings.append(
            f"{where}: {ent.text!r} is mentioned without a current, planned or past status; "
            "not listed as a medication"
        )
        return []
    if status == "not the patient's":
        return []
    mention = _mention(ent)
    return [
        Medication(name=drug.name, rxnorm=drug.rxnorm, status=status, text=mention, source=source)
        for drug in find_drugs(ent.text)
    ]


def _negation(ent: Span, cues: list[Cue]) -> Cue | None:
    """The negation that applies to a finding, unless an affirmation after it starts a new clause.

    In "No KRAS mutation, BRAF V600E detected" the "no" reaches BRAF only across a comma after a
    complete finding, and "detected" follows BRAF: BRAF is affirmed. In "No KRAS, NRAS or BRAF
    mutations detected" the genes share one head noun, so the negation covers all of them.
    """
    negation = nearest(cues, NEGATED)
    if negation is None or not has(cues, AFFIRMED) or negation.distance == 0:
        return negation
    doc = ent.doc
    before = ent.start - 1
    if before < 1 or doc[before].text not in (",", ";"):
        return negation
    previous = doc[before - 1]
    return None if previous.ent_type_ and previous.ent_type_ != GENE else negation


def _findings(ent: Span, cues: list[Cue], base: dict[str, Any], warnings: list[str]) -> list[Finding]:
    label = ent.label_
    negation = _negation(ent, cues)
    if label == BIOMARKER:
        return biomarkers(ent, cues, base) if negation is None else negated_biomarkers(ent, cues, base)
    if label == ISH:
        gene = ish_gene(ent)
        if gene is None:
            warnings.append(f"{base['provenance']}: {ent.text!r} names no gene; not used as a finding")
            return []
        found = ish(ent, gene, base, warnings)
        return [found] if found is not None and negation is None else []
    if label == GENE:
        if negation is None:
            return []
        hit = gene_at(ent)
        alteration = (
            negation.metadata.get("alteration") or chain_alteration(ent) or named_between(ent, negation)
        )
        if hit is None or (alteration is None and hit[0] not in BIOMARKER_GENES):
            return []
        return [_negative(hit[0], alteration or "any", ent, cues, base)]
    stated = genomic(ent, base)
    if stated is None:
        warnings.append(f"{base['provenance']}: could not read {ent.text!r} as a genomic finding")
        return []
    if negation is not None:
        return [_negative(stated.gene, stated.excluded, ent, cues, base)]
    return [stated.finding]


def _negative(
    gene: str, alteration: str, ent: Span, cues: list[Cue], base: dict[str, Any]
) -> NegativeFinding:
    return NegativeFinding(**base, gene=gene, alteration=alteration, method=method_of(ent, cues))
