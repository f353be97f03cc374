"""From a processed note (entities + ConText modifiers + sections) to profile parts.

Representation choices the matcher relies on:

- A protein change becomes `VariantFinding(hgvs_p=<three-letter HGVS>)` with the Sequence
  Ontology consequence of its kind (missense_variant, inframe_deletion, stop_gained, ...).
- An exon-level statement has no protein change: "EGFR exon 19 deletion" →
  `VariantFinding(gene="EGFR", consequence="inframe_deletion", exon=19)`; insertions (and
  duplications) → "inframe_insertion"; "MET exon 14 skipping" → consequence "exon_loss_variant"
  (SO:0001572, "a sequence variant whereby an exon is lost from the transcript") with exon=14;
  "KIT exon 11 mutation" → "protein_altering_variant" with exon=11.
- A gene-level mutation without a change ("KRAS mutation", "EGFR-mutant", "BRCA2 pathogenic
  variant") → `VariantFinding(consequence="protein_altering_variant")`, no hgvs_p.
- Fusions: `FusionFinding.gene` is the driver partner (EML4-ALK → ALK, partner EML4); "ALK
  positive"/"ALK+" (the way ALK and ROS1 status is written) is a fusion with no partner.
- Amplification ("ERBB2 amplification", "HER2 amplified", HER2 "FISH amplified") →
  `CopyNumberFinding(call="amplification")`; a HER2 ISH result that is not amplified →
  `BiomarkerFinding(biomarker="HER2", method="ISH", value="not amplified", status="negative")`.
- Negated findings → `NegativeFinding(gene, alteration)`: the protein change ("V600E"), the exon
  statement ("exon 19 deletion"), "fusion", "amplification", "mutation" (also for "wild type") or
  "any" for a bare biomarker gene ("ALK negative").
- Biomarker status follows the published scoring where the note gives only a score: HER2 IHC 3+
  positive, 2+ equivocal, 0 and 1+ negative (ASCO/CAP HER2 testing guideline, Wolff et al., J Clin
  Oncol 2018); ER and PR below 1% negative, at least 1% positive, ER 1-10% "low" (the ASCO/CAP
  "ER low positive" category; Allison et al., J Clin Oncol 2020). Any loss of an MMR protein is
  MMR deficient. PD-L1 and TMB numbers keep status "unknown": their cut-offs depend on the assay
  and the indication, so the knowledge base compares `numeric` against its own thresholds.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from integrome.ingest._notes_rules import (
    AFFIRMED,
    BIOMARKER,
    COPY_NUMBER,
    CURRENT,
    DIAGNOSIS,
    DOSED,
    DRUG,
    EXON,
    FAMILY,
    FINDING_TYPES,
    FUSION,
    GENE,
    GERMLINE,
    HISTORICAL,
    HYPOTHETICAL,
    ISH,
    METHOD,
    MUTATION,
    NEGATED,
    PLANNED,
    POSSIBLE,
    SOMATIC,
    UNCERTAIN,
    UNCERTAIN_VARIANT,
    VARIANT,
)
from integrome.ingest._notes_vocab import BIOMARKER_GENES, EXTENT_WORDS, FUSION_DRIVERS, gene_names
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Diagnosis,
    Finding,
    FusionFinding,
    Medication,
    MedicationStatus,
    NegativeFinding,
    Origin,
    Source,
    VariantFinding,
)
from integrome.normalize.diseases import map_diagnosis
from integrome.normalize.drugs import find_drugs
from integrome.normalize.variants import ProteinChange, parse_protein_change

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


@dataclass(frozen=True)
class _Cue:
    """One ConText modifier of a target, with its token distance to the target."""

    category: str
    distance: int
    metadata: dict[str, Any]
    start: int
    end: int


def _cues(ent: Span) -> list[_Cue]:
    cues = []
    for modifier in ent._.modifiers:
        start, end = modifier.modifier_span
        distance = ent.start - end if end <= ent.start else start - ent.end
        metadata = dict(modifier.rule.metadata or {})
        cues.append(_Cue(modifier.category, max(distance, 0), metadata, start, end))
    return sorted(cues, key=lambda cue: cue.distance)


def _has(cues: Iterable[_Cue], *categories: str) -> bool:
    return any(cue.category in categories for cue in cues)


def _nearest(cues: Iterable[_Cue], *categories: str) -> _Cue | None:
    return next((cue for cue in cues if cue.category in categories), None)


# --- text helpers ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" -–,;:")


def _gene_at(tokens: Span) -> tuple[str, int] | None:
    """(approved symbol, number of tokens) of the gene name that starts `tokens`."""
    names = gene_names()
    for width in range(min(5, len(tokens)), 0, -1):
        symbol = names.get(tokens[:width].text)
        if symbol is not None:
            return symbol, width
    return None


def _genes_in(span: Span) -> list[str]:
    """Gene symbols named in a span, in order."""
    found: list[str] = []
    index = 0
    while index < len(span):
        hit = _gene_at(span[index:])
        if hit is None:
            index += 1
            continue
        found.append(hit[0])
        index += hit[1]
    return found


_METHOD_WORDS = {
    "IHC": re.compile(r"\b(ihc|immunohistochem\w*)\b", re.IGNORECASE),
    "ISH": re.compile(r"\b(fish|ish|sish|cish|ddish|in[ -]situ)\b", re.IGNORECASE),
    "NGS": re.compile(r"\b(ngs|sequencing)\b", re.IGNORECASE),
    "PCR": re.compile(r"\b(\w*pcr)\b", re.IGNORECASE),
}


def _method(ent: Span, cues: list[_Cue], default: str | None = None) -> str | None:
    """The method named inside the mention, else the nearest method modifier, else `default`."""
    for method, pattern in _METHOD_WORDS.items():
        if pattern.search(ent.text):
            return method
    cue = _nearest(cues, METHOD)
    return str(cue.metadata["method"]) if cue is not None else default


def _origin(cues: list[_Cue]) -> Origin:
    cue = _nearest(cues, GERMLINE, SOMATIC)
    if cue is None:
        return "unknown"
    return "germline" if cue.category == GERMLINE else "somatic"


# --- genomic findings --------------------------------------------------------------------------

_CONSEQUENCE = {
    "missense": "missense_variant",
    "nonsense": "stop_gained",
    "frameshift": "frameshift_variant",
    "inframe_deletion": "inframe_deletion",
    "inframe_insertion": "inframe_insertion",
    "duplication": "inframe_insertion",
    "delins": "protein_altering_variant",
    "start_lost": "start_lost",
    "stop_lost": "stop_lost",
    "extension": "stop_lost",
    "synonymous": "synonymous_variant",
}
_VAF = re.compile(r"(?i)\b(?:vaf|af)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*%")
_EXON_NUMBER = re.compile(r"\bex(?:on)?\s*(\d+)", re.IGNORECASE)
_EXON_KINDS = (
    (re.compile(r"skip", re.IGNORECASE), "exon_loss_variant", "skipping"),
    (re.compile(r"\bdel|deletion|\d+del\b", re.IGNORECASE), "inframe_deletion", "deletion"),
    (re.compile(r"\bins|insertion|dup", re.IGNORECASE), "inframe_insertion", "insertion"),
    (re.compile(r"mutation|alteration", re.IGNORECASE), "protein_altering_variant", "mutation"),
)
_EXON_COMPACT = re.compile(r"^(?:ex(?:on)?(\d+)(del|ins|skip)\w*|del(\d+)|(\d+)del)$", re.IGNORECASE)


def _written_words(tokens: Span) -> list[str]:
    """The span's words as written: tokens not separated by whitespace are joined ("E545" "K" → "E545K")."""
    words = [""]
    for token in tokens:
        words[-1] += token.text
        if token.whitespace_:
            words.append("")
    return [word for word in words if word]


def _protein_change(ent: Span, after_gene: int) -> ProteinChange | None:
    """The protein change written after the gene ("p.G12D", "E746_A750del", "Q61*", "(p.G12C)")."""
    for word in _written_words(ent[after_gene:]):
        text = word.strip("().,;:").removeprefix("p.").strip("()")
        if not text[:1].isupper():
            continue
        change = parse_protein_change(text)
        if change is not None and change.kind != "unknown":
            return change
    return None


@dataclass(frozen=True)
class _Alteration:
    """What a genomic mention asserts, before negation decides whether it is present or excluded."""

    gene: str
    excluded: str
    finding: Finding


def _genomic(ent: Span, base: dict[str, Any]) -> _Alteration | None:
    """The finding a genomic target states (or None when the text does not parse)."""
    label = ent.label_
    if label == EXON and ent[0].text == "METex14":
        finding = VariantFinding(**base, gene="MET", consequence="exon_loss_variant", exon=14)
        return _Alteration("MET", "exon 14 skipping", finding)
    hit = _gene_at(ent)
    if hit is None:
        return None
    gene, width = hit
    if label == VARIANT:
        change = _protein_change(ent, width)
        if change is None:
            return _cdna_variant(ent, gene, width, base)
        exon = _EXON_NUMBER.search(ent.text)
        vaf = _VAF.search(ent.text)
        finding = VariantFinding(
            **base,
            gene=gene,
            hgvs_p=change.three_letter,
            consequence=_CONSEQUENCE.get(change.kind),
            exon=int(exon.group(1)) if exon else None,
            vaf=float(vaf.group(1)) / 100 if vaf and float(vaf.group(1)) <= 100 else None,
        )
        return _Alteration(gene, change.short, finding)
    if label == EXON:
        return _exon(ent, gene, base)
    if label == FUSION:
        return _fusion(ent, base)
    if label == COPY_NUMBER:
        return _copy_number(ent, gene, base)
    if label == MUTATION:
        finding = VariantFinding(**base, gene=gene, consequence="protein_altering_variant")
        return _Alteration(gene, "mutation", finding)
    return None


_CDNA_SPLICE = re.compile(r"^c\.\d+([+-])[12][ACGT]>[ACGT]$")
_CDNA_INDEL = re.compile(r"^c\.(\d+)(?:_(\d+))?(del|dup|ins)([ACGT]*)$")


def _cdna_consequence(hgvs_c: str) -> str | None:
    """The consequence a coding DNA change implies by itself (HGVS c. numbering).

    ±1/±2 intronic substitutions hit the canonical splice donor (+) or acceptor (−) site; a
    coding deletion, duplication or insertion whose length is not a multiple of three shifts the
    reading frame. Substitutions need the codon, which the text does not give: None.
    """
    splice = _CDNA_SPLICE.match(hgvs_c)
    if splice is not None:
        return "splice_donor_variant" if splice.group(1) == "+" else "splice_acceptor_variant"
    indel = _CDNA_INDEL.match(hgvs_c)
    if indel is None:
        return None
    start, end, kind, bases = indel.groups()
    if kind == "ins":
        length = len(bases)
    else:
        length = int(end) - int(start) + 1 if end else 1
        if bases and len(bases) != length:
            return None
    if length == 0:
        return None
    if length % 3:
        return "frameshift_variant"
    return "inframe_deletion" if kind == "del" else "inframe_insertion"


def _cdna_variant(ent: Span, gene: str, width: int, base: dict[str, Any]) -> _Alteration | None:
    word = next((w for w in _written_words(ent[width:]) if w.startswith("c.")), None)
    if word is None:
        return None
    hgvs_c = word.rstrip(".,;:)")
    finding = VariantFinding(**base, gene=gene, hgvs_c=hgvs_c, consequence=_cdna_consequence(hgvs_c))
    return _Alteration(gene, hgvs_c, finding)


def _exon(ent: Span, gene: str, base: dict[str, Any]) -> _Alteration | None:
    text = ent.text
    compact = next((m for m in (_EXON_COMPACT.match(t.text) for t in ent) if m), None)
    if compact is not None:
        number = compact.group(1) or compact.group(3) or compact.group(4)
        text = f"exon {number} {compact.group(2) or 'del'}"
    exon = _EXON_NUMBER.search(text)
    if exon is None:
        return None
    for pattern, consequence, word in _EXON_KINDS:
        if pattern.search(text.split(exon.group(0), 1)[1]):
            number = int(exon.group(1))
            finding = VariantFinding(**base, gene=gene, consequence=consequence, exon=number)
            return _Alteration(gene, f"exon {number} {word}", finding)
    return None


def _fusion(ent: Span, base: dict[str, Any]) -> _Alteration | None:
    genes = _genes_in(ent)
    if not genes:
        return None
    if len(genes) == 1:
        return _Alteration(genes[0], "fusion", FusionFinding(**base, gene=genes[0]))
    five, three = genes[0], genes[1]
    gene, partner = (three, five) if three in FUSION_DRIVERS or five not in FUSION_DRIVERS else (five, three)
    finding = FusionFinding(**base, gene=gene, partner=partner, five_prime=five, three_prime=three)
    return _Alteration(gene, "fusion", finding)


def _copy_number(ent: Span, gene: str, base: dict[str, Any]) -> _Alteration:
    text = ent.text.lower()
    call: Literal["amplification", "gain", "loss", "deep_deletion"]
    if "amp" in text:
        call, excluded = "amplification", "amplification"
    elif "gain" in text:
        call, excluded = "gain", "gain"
    elif any(word in text for word in ("homozygous", "deep", "biallelic")):
        call, excluded = "deep_deletion", "deletion"
    else:
        call, excluded = "loss", "loss"
    return _Alteration(gene, excluded, CopyNumberFinding(**base, gene=gene, call=call))


_CHAIN_ALTERATION = {
    MUTATION: "mutation",
    VARIANT: "mutation",
    EXON: "mutation",
    FUSION: "fusion",
    COPY_NUMBER: "amplification",
}


def _chain_alteration(ent: Span) -> str | None:
    """The alteration named at the end of a list of genes ("KRAS, NRAS or BRAF mutations" → mutation)."""
    doc = ent.doc
    index = ent.end
    while index < len(doc):
        token = doc[index]
        if token.ent_type_:
            label = token.ent_type_
            if label == GENE:
                index += 1
                continue
            return _CHAIN_ALTERATION.get(label)
        if token.lower_ not in {",", "and", "or", "nor", "/", "&"}:
            return None
        index += 1
    return None


_ALTERATION_NOUNS = {
    "mutation": "mutation",
    "mutations": "mutation",
    "variant": "mutation",
    "variants": "mutation",
    "fusion": "fusion",
    "fusions": "fusion",
    "rearrangement": "fusion",
    "rearrangements": "fusion",
    "amplification": "amplification",
    "amplifications": "amplification",
}


def _named_between(ent: Span, negation: _Cue) -> str | None:
    """The alteration named between a negation and its gene ("no mutations detected in KRAS")."""
    start, end = (negation.end, ent.start) if negation.end <= ent.start else (ent.end, negation.start)
    return next((_ALTERATION_NOUNS[t.lower_] for t in ent.doc[start:end] if t.lower_ in _ALTERATION_NOUNS), None)


# --- biomarkers --------------------------------------------------------------------------------

_BIOMARKER_GENES = {"HER2": "ERBB2", "ER": "ESR1", "PR": "PGR", "PD-L1": "CD274"}
_NAMES = re.compile(
    r"(?i:\bher[-\s]?2(?:\s*/\s*neu)?|\berbb2|\bher2neu|\bpd[-\s]?l1|programmed death[-\s]?ligand 1|"
    r"\bo?estrogen receptors?|\bprogesterone receptors?|\btumou?r mutation(?:al)? (?:burden|load)|\btmb)|"
    r"\b(?:ERα|ER|PgR|PGR|PR)\b"
)
"""Biomarker names, removed before reading a result so that "HER2" or "PD-L1" is not read as a score."""


def _result_text(ent: Span) -> str:
    return _NAMES.sub(" ", ent.text)


_PERCENT = re.compile(r"([<>≤≥]?)\s*(\d+(?:\.\d+)?)\s*%")
_NUMBER = re.compile(r"(?<![\w.])([<>≤≥]?)(\d+(?:\.\d+)?)(?![\w.]*\+)")
_IHC_SCORE = re.compile(r"(?<![\d.])([0-3])\s*\+")
_IHC_ZERO = re.compile(r"(?<![\d.])0(?![\d.%])")
_NEGATIVE = re.compile(r"\b(negative|neg)\b|[-–−]\s*$|[-–−](?=\s*[/,)])", re.IGNORECASE)
_POSITIVE = re.compile(r"\b(positive|pos)\b|\+\s*$|\+(?=\s*[/,)])", re.IGNORECASE)

Status = Literal["positive", "negative", "equivocal", "low", "unknown"]
_HER2_IHC_STATUS: dict[str, Status] = {"3": "positive", "2": "equivocal"}
_TMB_LEVELS: dict[str, Status] = {"h": "positive", "high": "positive", "l": "low", "low": "low"}
_MSI_VALUES: dict[str, tuple[str, Status]] = {
    "high": ("MSI-H", "positive"),
    "stable": ("MSS", "negative"),
    "low": ("MSI-L", "low"),
}


def _word_status(text: str) -> Status | None:
    lower = text.lower()
    if "ultralow" in lower or "ultra-low" in lower or re.search(r"\blow\b", lower):
        return "low"
    if "equivocal" in lower:
        return "equivocal"
    if "indeterminate" in lower:
        return "unknown"
    if _NEGATIVE.search(text):
        return "negative"
    if _POSITIVE.search(text) or re.search(r"\bhigh\b", lower):
        return "positive"
    return None


def _her2(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
    rest = _result_text(ent)
    common = {**base, "biomarker": "HER2", "gene": "ERBB2"}
    score = _IHC_SCORE.search(rest)
    if score is None and ent._.target_rule.literal == "HER2 IHC score":
        score = _IHC_ZERO.search(rest)
    if score is not None:
        level = score.group(1) if score.groups() else "0"
        status = _HER2_IHC_STATUS.get(level, "negative")
        value = f"{level}+" if level != "0" else "0"
        return BiomarkerFinding(**common, method="IHC", scoring="IHC 0-3+", value=value, status=status)
    if re.search(r"\b(not|non|un)[\s-]*amplified|unamplified|nonamplified", rest, re.IGNORECASE):
        return BiomarkerFinding(**common, method=_method(ent, cues), value="not amplified", status="negative")
    word = _word_status(rest)
    if word is None:
        return None
    value = "ultralow" if "ultra" in rest.lower() else word
    return BiomarkerFinding(**common, method=_method(ent, cues), value=value, status=word)


def _receptor(name: str, ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
    text = ent.text
    common = {**base, "biomarker": name, "gene": _BIOMARKER_GENES[name], "method": _method(ent, cues, "IHC")}
    percent = _PERCENT.search(text)
    word = _word_status(_result_text(ent))
    if percent is not None:
        comparator, number = percent.group(1), float(percent.group(2))
        below_one = number < 1 or (comparator in ("<", "≤") and number <= 1)
        if below_one:
            status: Status = "negative"
        elif name == "ER" and number <= 10:
            status = "low"
        else:
            status = "positive"
        value = f"{comparator}{percent.group(2)}%"
        return BiomarkerFinding(
            **common, scoring="% nuclei", value=value, numeric=number, unit="%", status=word or status
        )
    if word is None:
        return None
    return BiomarkerFinding(**common, value=word, status=word)


def _pdl1(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
    text = ent.text
    lower = text.lower()
    scoring = (
        "TPS"
        if "tps" in lower or "proportion" in lower
        else "CPS"
        if "cps" in lower or "combined" in lower
        else None
    )
    common = {**base, "biomarker": "PD-L1", "gene": "CD274", "method": _method(ent, cues, "IHC")}
    percent = _PERCENT.search(text)
    rest = re.sub(r"(?i)\([^)]*\)|combined positive", " ", _result_text(ent))
    number = percent or _NUMBER.search(rest)
    word = _word_status(rest)
    if number is None:
        if word is None:
            return None
        return BiomarkerFinding(**common, scoring=scoring, value=word, status=word)
    comparator, amount = number.group(1), number.group(2)
    unit = "%" if percent is not None else None
    value = f"{comparator}{amount}{unit or ''}"
    return BiomarkerFinding(
        **common, scoring=scoring, value=value, numeric=float(amount), unit=unit, status=word or "unknown"
    )


def _msi(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding:
    lower = ent.text.lower()
    level = "high"
    if "stable" in lower or "mss" in lower:
        level = "stable"
    elif re.search(r"\b(l|low)\b", lower.replace("-", " ").replace(".", " ")):
        level = "low"
    value, status = _MSI_VALUES[level]
    return BiomarkerFinding(**base, biomarker="MSI", method=_method(ent, cues), value=value, status=status)


_MMR_DEFICIENT = re.compile(r"deficien|dmmr|mmrd|mmr\s*-\s*d\b|\blo(ss|st)\b|absen|abnormal", re.IGNORECASE)


def _mmr(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding:
    deficient = _MMR_DEFICIENT.search(ent.text) is not None
    return BiomarkerFinding(
        **base,
        biomarker="MMR",
        method=_method(ent, cues, "IHC"),
        value="deficient" if deficient else "proficient",
        status="positive" if deficient else "negative",
    )


def _tmb(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> BiomarkerFinding:
    rest = _result_text(ent)
    number = _NUMBER.search(rest)
    level = re.search(r"(?i)\b(h|high|l|low|intermediate)\b", rest.replace(".", " "))
    word: Status | None = None
    if level is not None:
        word = _TMB_LEVELS.get(level.group(1).lower(), "unknown")
    common = {**base, "biomarker": "TMB", "method": _method(ent, cues, "NGS"), "scoring": "mut/Mb"}
    if number is None:
        value = {"positive": "TMB-high", "low": "TMB-low"}.get(word or "", "TMB-intermediate")
        return BiomarkerFinding(**common, value=value, status=word or "unknown")
    amount = number.group(2)
    return BiomarkerFinding(
        **common, value=f"{amount} mut/Mb", numeric=float(amount), unit="mut/Mb", status=word or "unknown"
    )


def _biomarkers(ent: Span, cues: list[_Cue], base: dict[str, Any]) -> list[BiomarkerFinding]:
    names: tuple[str, ...] = ent._.target_rule.metadata["biomarkers"]
    found: list[BiomarkerFinding | None] = []
    for name in names:
        if name == "HER2":
            found.append(_her2(ent, cues, base))
        elif name in ("ER", "PR"):
            found.append(_receptor(name, ent, cues, base))
        elif name == "PD-L1":
            found.append(_pdl1(ent, cues, base))
        elif name == "MSI":
            found.append(_msi(ent, cues, base))
        elif name == "MMR":
            found.append(_mmr(ent, cues, base))
        elif name == "TMB":
            found.append(_tmb(ent, cues, base))
    return [finding for finding in found if finding is not None]


def _ish_gene(ent: Span) -> str | None:
    """The gene an ISH result belongs to: the gene written just before it ("ROS1 FISH negative"), else
    the HER2 mention of the same sentence ("HER2 2+ by IHC, FISH not amplified")."""
    doc = ent.doc
    before = ent.start - 1
    while before >= 0 and doc[before].text in (":", "(", ")", "by"):
        before -= 1
    if before >= 0 and doc[before].ent_type_:
        previous = next(e for e in doc.ents if e.start <= before < e.end)
        genes = _genes_in(previous)
        if genes:
            return genes[0]
    for other in ent.sent.ents:
        if other.label_ in (BIOMARKER, GENE, COPY_NUMBER) and (
            "ERBB2" in _genes_in(other) or re.search(r"(?i)\bher-?2", other.text)
        ):
            return "ERBB2"
    return None


def _ish(ent: Span, gene: str, base: dict[str, Any], warnings: list[str]) -> Finding | None:
    """An ISH result: HER2 not amplified/equivocal is a biomarker result; amplification a copy-number
    gain; a positive break-apart probe of a fusion driver a fusion; negative anything else a negative."""
    lower = ent.text.lower()
    negative = re.search(r"\b(not|non|un)[\s-]*amplified|unamplified|negative", lower) is not None
    if "equivocal" in lower:
        if gene == "ERBB2":
            return BiomarkerFinding(**base, biomarker="HER2", gene=gene, method="ISH", value="equivocal",
                                    status="equivocal")  # fmt: skip
        warnings.append(f"{base['provenance']}: {ent.text!r} for {gene} is equivocal; not used as a finding")
        return None
    if negative and gene == "ERBB2":
        return BiomarkerFinding(**base, biomarker="HER2", gene=gene, method="ISH", value="not amplified",
                                status="negative")  # fmt: skip
    if negative:
        excluded = "amplification" if "amplif" in lower else "any"
        return NegativeFinding(**base, gene=gene, alteration=excluded, method="ISH")
    if "amplif" not in lower and gene in FUSION_DRIVERS:
        return FusionFinding(**base, gene=gene)
    return CopyNumberFinding(**base, gene=gene, call="amplification")


# --- diagnoses and medications -----------------------------------------------------------------

_STAGE = re.compile(r"\bstage\s+(?:0|i{1,3}|iv)[a-c]?\d?\b", re.IGNORECASE)


def _diagnosis(ent: Span, source: Source) -> Diagnosis:
    display = _clean(ent.text)
    words = _STAGE.sub(" ", display.lower()).replace("-sided", " sided").split()
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
    cues: list[_Cue], section: str | None
) -> MedicationStatus | Literal["not the patient's", "unstated"]:
    """The nearest status cue wins; then the section's default (Medications, Prior therapy, Plan);
    then a dose.

    Negated, family, allergy and conditional ("if ...") mentions are not the patient's medication;
    a hypothetical cue nearer than any status ("would consider sotorasib") is not either.
    """
    if _has(cues, FAMILY, NEGATED, POSSIBLE) or section in ("allergies", "family_history"):
        return "not the patient's"
    if any(cue.category == HYPOTHETICAL and cue.metadata.get("conditional") for cue in cues):
        return "not the patient's"
    nearest = _nearest(cues, CURRENT, PLANNED, HISTORICAL, HYPOTHETICAL)
    if nearest is not None:
        return _STATUS_OF.get(nearest.category, "not the patient's")
    if section in _SECTION_STATUS:
        return _SECTION_STATUS[section]
    return "active" if _has(cues, DOSED) else "unstated"


def _mention(ent: Span) -> str:
    """The drug as written with the dose and schedule that directly follow it ("imatinib 400 mg daily")."""
    end = ent.end
    while end < len(ent.doc) and end - ent.end < 6 and _DOSE_WORDS.match(ent.doc[end].text):
        end += 1
    while end > ent.end and ent.doc[end - 1].text.lower() in {"/", "at", "every", "once", "x"}:
        end -= 1
    return _clean(ent.doc[ent.start : end].text)


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


def _dedupe(findings: Iterable[Finding]) -> Iterator[Finding]:
    seen: set[str] = set()
    for finding in findings:
        key = finding.model_dump_json(exclude={"id", "provenance"})
        if key not in seen:
            seen.add(key)
            yield finding


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
    """
    lines = _Lines(doc.text)
    out = TextExtraction()
    medications: list[Medication] = []
    findings: list[tuple[int, Finding]] = []
    counter = 0

    def where(ent: Span) -> str:
        return f"{provenance}:line {lines(ent.start_char)}" if lines.count > 1 else provenance

    for ent in doc.ents:
        section = ent[0]._.section_category
        cues = _cues(ent)
        if section == "family_history" or _has(cues, FAMILY):
            continue
        label = ent.label_
        if label == DIAGNOSIS:
            if not _has(cues, NEGATED, POSSIBLE, HYPOTHETICAL):
                out.diagnoses.append(_diagnosis(ent, source))
            continue
        if label == DRUG:
            status = _medication_status(cues, section)
            if status == "unstated":
                out.warnings.append(
                    f"{where(ent)}: {ent.text!r} is mentioned without a current, planned or past status; "
                    "not listed as a medication"
                )
            elif status != "not the patient's":
                mention = _mention(ent)
                medications.extend(
                    Medication(name=drug.name, rxnorm=drug.rxnorm, status=status, text=mention, source=source)
                    for drug in find_drugs(ent.text)
                )
            continue
        if label not in FINDING_TYPES or _has(cues, HYPOTHETICAL):
            continue
        if label == UNCERTAIN_VARIANT or _has(cues, UNCERTAIN):
            out.warnings.append(
                f"{where(ent)}: {ent.text!r} is of uncertain significance; not used as a finding"
            )
            continue
        counter += 1
        base: dict[str, Any] = {
            "id": f"notes-{counter}",
            "source": source,
            "origin": _origin(cues),
            "provenance": where(ent),
        }
        findings.extend((ent.sent.start, finding) for finding in _findings(ent, cues, base, out.warnings))
    out.medications = _merge_medications(medications)
    out.diagnoses = list({d.code: d for d in reversed(out.diagnoses)}.values())[::-1]
    kept = list(_dedupe(_settle_mmr(findings)))
    out.findings = [f.model_copy(update={"id": f"notes-{n}"}) for n, f in enumerate(kept, start=1)]
    return out


def _negation(ent: Span, cues: list[_Cue]) -> _Cue | None:
    """The negation that applies to a finding, unless an affirmation after it starts a new clause.

    In "No KRAS mutation, BRAF V600E detected" the "no" reaches BRAF only across a comma after a
    complete finding, and "detected" follows BRAF: BRAF is affirmed. In "No KRAS, NRAS or BRAF
    mutations detected" the genes share one head noun, so the negation covers all of them.
    """
    negation = _nearest(cues, NEGATED)
    if negation is None or not _has(cues, AFFIRMED) or negation.distance == 0:
        return negation
    doc = ent.doc
    before = ent.start - 1
    if before < 1 or doc[before].text not in (",", ";"):
        return negation
    previous = doc[before - 1]
    return None if previous.ent_type_ and previous.ent_type_ != GENE else negation


def _findings(ent: Span, cues: list[_Cue], base: dict[str, Any], warnings: list[str]) -> list[Finding]:
    label = ent.label_
    negation = _negation(ent, cues)
    if label == BIOMARKER:
        return list(_biomarkers(ent, cues, base)) if negation is None else []
    if label == ISH:
        gene = _ish_gene(ent)
        if gene is None:
            warnings.append(f"{base['provenance']}: {ent.text!r} names no gene; not used as a finding")
            return []
        found = _ish(ent, gene, base, warnings)
        return [found] if found is not None and negation is None else []
    if label == GENE:
        if negation is None:
            return []
        hit = _gene_at(ent)
        alteration = (
            negation.metadata.get("alteration") or _chain_alteration(ent) or _named_between(ent, negation)
        )
        if hit is None or (alteration is None and hit[0] not in BIOMARKER_GENES):
            return []
        return [_negative(hit[0], alteration or "any", ent, cues, base)]
    stated = _genomic(ent, base)
    if stated is None:
        warnings.append(f"{base['provenance']}: could not read {ent.text!r} as a genomic finding")
        return []
    if negation is not None:
        return [_negative(stated.gene, stated.excluded, ent, cues, base)]
    return [stated.finding]


def _negative(
    gene: str, alteration: str, ent: Span, cues: list[_Cue], base: dict[str, Any]
) -> NegativeFinding:
    return NegativeFinding(**base, gene=gene, alteration=alteration, method=_method(ent, cues))
