"""Biomarker results stated in words: HER2, ER, PR, PD-L1, MSI, MMR, TMB, and ISH results.

Status follows the published scoring where the note gives only a score: HER2 IHC 3+ positive,
2+ equivocal, 0 and 1+ negative (ASCO/CAP HER2 testing guideline, Wolff et al., J Clin Oncol
2018); ER and PR below 1% negative, at least 1% positive, ER 1-10% "low" (the ASCO/CAP "ER low
positive" category; Allison et al., J Clin Oncol 2020). Any loss of an MMR protein is MMR
deficient. A TMB number is graded at >= 10 mut/Mb (`_grades.tmb_status`, shared with FHIR and the
computed TMB). PD-L1 numbers keep status "unknown": their cut-offs depend on the assay and the
indication, so the knowledge base compares `numeric` against its own thresholds. pan-TRK IHC, IGHV
status, del(17p) and loss of a protein on IHC (ATRX) are read as documented at their functions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from integrome.ingest._grades import tmb_status
from integrome.ingest._notes_context import Cue, genes_in, method_of
from integrome.ingest._notes_rules import BIOMARKER, COPY_NUMBER, GENE
from integrome.ingest._notes_vocab import FUSION_DRIVERS
from integrome.model import BiomarkerFinding, CopyNumberFinding, Finding, FusionFinding, NegativeFinding

if TYPE_CHECKING:
    from spacy.tokens import Span

__all__ = ["biomarkers", "ish", "ish_gene", "negated_biomarkers"]


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


def _her2(ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
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
        return BiomarkerFinding(
            **common, method=method_of(ent, cues), value="not amplified", status="negative"
        )
    word = _word_status(rest)
    if word is None:
        return None
    value = "ultralow" if "ultra" in rest.lower() else word
    return BiomarkerFinding(**common, method=method_of(ent, cues), value=value, status=word)


def _receptor(name: str, ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
    text = ent.text
    common = {
        **base,
        "biomarker": name,
        "gene": _BIOMARKER_GENES[name],
        "method": method_of(ent, cues, "IHC"),
    }
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


def _pdl1(ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding | None:
    text = ent.text
    lower = text.lower()
    scoring = (
        "TPS"
        if "tps" in lower or "proportion" in lower
        else "CPS"
        if "cps" in lower or "combined" in lower
        else None
    )
    common = {**base, "biomarker": "PD-L1", "gene": "CD274", "method": method_of(ent, cues, "IHC")}
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


def _msi(ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding:
    lower = ent.text.lower()
    level = "high"
    if "stable" in lower or "mss" in lower:
        level = "stable"
    elif re.search(r"\b(l|low)\b", lower.replace("-", " ").replace(".", " ")):
        level = "low"
    value, status = _MSI_VALUES[level]
    return BiomarkerFinding(**base, biomarker="MSI", method=method_of(ent, cues), value=value, status=status)


_MMR_DEFICIENT = re.compile(r"deficien|dmmr|mmrd|mmr\s*-\s*d\b|\blo(ss|st)\b|absen|abnormal", re.IGNORECASE)


def _mmr(ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding:
    deficient = _MMR_DEFICIENT.search(ent.text) is not None
    return BiomarkerFinding(
        **base,
        biomarker="MMR",
        method=method_of(ent, cues, "IHC"),
        value="deficient" if deficient else "proficient",
        status="positive" if deficient else "negative",
    )


def _tmb(ent: Span, cues: list[Cue], base: dict[str, Any]) -> BiomarkerFinding:
    """A number is graded by the shared TMB threshold (`_grades.tmb_status`), as FHIR results and the
    TMB computed from variants are; a level word ("TMB-high") is kept as written."""
    rest = _result_text(ent)
    number = _NUMBER.search(rest)
    level = re.search(r"(?i)\b(h|high|l|low|intermediate)\b", rest.replace(".", " "))
    word: Status | None = None
    if level is not None:
        word = _TMB_LEVELS.get(level.group(1).lower(), "unknown")
    common = {**base, "biomarker": "TMB", "method": method_of(ent, cues, "NGS"), "scoring": "mut/Mb"}
    if number is None:
        value = {"positive": "TMB-high", "low": "TMB-low"}.get(word or "", "TMB-intermediate")
        return BiomarkerFinding(**common, value=value, status=word or "unknown")
    amount = number.group(2)
    return BiomarkerFinding(
        **common,
        value=f"{amount} mut/Mb",
        numeric=float(amount),
        unit="mut/Mb",
        status=tmb_status(float(amount)),
    )


def _pan_trk(ent: Span, base: dict[str, Any]) -> BiomarkerFinding | None:
    """pan-TRK IHC screens for NTRK fusions (it stains TRKA/B/C); it is not the fusion itself, so it
    stays a biomarker result that no fusion record matches."""
    word = _word_status(re.sub(r"(?i)pan\s*-?\s*trk", " ", ent.text))
    if word is None:
        return None
    return BiomarkerFinding(**base, biomarker="pan-TRK", method="IHC", value=word, status=word)


def _ighv(ent: Span, base: dict[str, Any]) -> BiomarkerFinding:
    """IGHV unmutated (>= 98% identity to germline) is the adverse result; the knowledge base writes it
    status "negative" and mutated IGHV "positive" (iwCLL 2018)."""
    unmutated = re.search(r"(?i)\b(un|non)\s*-?\s*mutated\b", ent.text) is not None
    return BiomarkerFinding(
        **{**base, "origin": "somatic"},  # the leukaemic clone's; "identity to germline" is no germline cue
        biomarker="IGHV",
        value="unmutated" if unmutated else "mutated",
        status="negative" if unmutated else "positive",
    )


def _del17p(ent: Span, cues: list[Cue], base: dict[str, Any], present: bool = True) -> BiomarkerFinding:
    percent = _PERCENT.search(ent.text) if present else None
    common = {**base, "biomarker": "del(17p)", "method": method_of(ent, cues)}
    if percent is None:
        value = "detected" if present else "not detected"
        return BiomarkerFinding(**common, value=value, status="positive" if present else "negative")
    amount = percent.group(2)
    return BiomarkerFinding(
        **common, scoring="% nuclei", value=f"{amount}% of nuclei", numeric=float(amount), unit="%",
        status="positive",
    )  # fmt: skip


_PROTEIN_LOST = re.compile(r"(?i)\b(loss|lost|absent)\b")


def _protein(ent: Span, base: dict[str, Any]) -> BiomarkerFinding | None:
    """Loss of a protein on IHC is status "negative" (no staining), retained expression "positive",
    as FHIR IHC results are read."""
    genes = genes_in(ent)
    if not genes:
        return None
    lost = _PROTEIN_LOST.search(ent.text) is not None
    return BiomarkerFinding(
        **base,
        biomarker=genes[0],
        gene=genes[0],
        method="IHC",
        value="loss" if lost else "retained",
        status="negative" if lost else "positive",
    )


def biomarkers(ent: Span, cues: list[Cue], base: dict[str, Any]) -> list[Finding]:
    """The result(s) one biomarker mention reports ("ER/PR positive" reports two)."""
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
        elif name == "pan-TRK":
            found.append(_pan_trk(ent, base))
        elif name == "IGHV":
            found.append(_ighv(ent, base))
        elif name == "del(17p)":
            found.append(_del17p(ent, cues, base))
        elif name == "PROTEIN":
            found.append(_protein(ent, base))
    return [finding for finding in found if finding is not None]


def negated_biomarkers(ent: Span, cues: list[Cue], base: dict[str, Any]) -> list[Finding]:
    """A negated presence test is a negative result ("no del(17p)"); other biomarkers state their own
    result, so a negation cue near them ("no change in PD-L1 60%") is not read as one."""
    names: tuple[str, ...] = ent._.target_rule.metadata["biomarkers"]
    return [_del17p(ent, cues, base, present=False)] if names == ("del(17p)",) else []


def ish_gene(ent: Span) -> str | None:
    """The gene an ISH result belongs to: the gene written just before it ("ROS1 FISH negative"), else
    the HER2 mention of the same sentence ("HER2 2+ by IHC, FISH not amplified")."""
    doc = ent.doc
    before = ent.start - 1
    while before >= 0 and doc[before].text in (":", "(", ")", "by"):
        before -= 1
    if before >= 0 and doc[before].ent_type_:
        previous = next(e for e in doc.ents if e.start <= before < e.end)
        genes = genes_in(previous)
        if genes:
            return genes[0]
    for other in ent.sent.ents:
        if other.label_ in (BIOMARKER, GENE, COPY_NUMBER) and (
            "ERBB2" in genes_in(other) or re.search(r"(?i)\bher-?2", other.text)
        ):
            return "ERBB2"
    return None


def ish(ent: Span, gene: str, base: dict[str, Any], warnings: list[str]) -> Finding | None:
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
