"""FHIR Observation → tumour biomarker finding (TMB, MSI, MMR, PD-L1, pan-TRK, HER2, ER, PR, other IHC).

Markers are recognized by LOINC where the code is certain (TMB 94076-7, MSI 81695-9, HER2
85319-2/85318-4/48676-1, ER 85337-4/40556-3/16112-5, PR 85339-0/40557-1) and otherwise by the
test's wording; each is graded by the scheme it is reported in (see `_score`). The reported value
is always kept next to the status.
"""

from __future__ import annotations

import re
from typing import Literal

from integrome.ingest._fhir_common import (
    Collector,
    Json,
    Located,
    cc_strings,
    cc_text,
    codes,
    gene_symbol,
    value_polarity,
    value_quantity,
)
from integrome.ingest._grades import tmb_status
from integrome.model import BiomarkerFinding, NegativeFinding

__all__ = ["read_biomarker"]

_TMB, _MSI = "94076-7", "81695-9"

_MARKERS: list[tuple[str, str | None, re.Pattern[str], frozenset[str]]] = [
    ("TMB", None, re.compile(r"mutation(al)? burden|\bTMB\b", re.I), frozenset({_TMB})),
    ("MSI", None, re.compile(r"microsatellite|\bMSI\b", re.I), frozenset({_MSI})),
    ("MMR", None, re.compile(r"mismatch repair|\b[dp]?MMR\b", re.I), frozenset()),
    ("PD-L1", "CD274", re.compile(r"\bPD-?L1\b|\bCD274\b", re.I), frozenset()),
    ("pan-TRK", None, re.compile(r"\bpan-?TRK\b", re.I), frozenset()),
    (
        "HER2",
        "ERBB2",
        re.compile(r"\bHER-?2\b|\bERBB2\b", re.I),
        frozenset({"85319-2", "85318-4", "48676-1"}),
    ),
    (
        "ER",
        "ESR1",
        re.compile(r"\b[o]?estrogen receptor\b|^ER( status| IHC| \(|$)", re.I),
        frozenset({"85337-4", "40556-3", "16112-5"}),
    ),
    (
        "PR",
        "PGR",
        re.compile(r"\bprogesterone receptor\b|^(PR|PgR)( status| IHC| \(|$)", re.I),
        frozenset({"85339-0", "40557-1"}),
    ),
]
_Status = Literal["positive", "negative", "equivocal", "low", "unknown"]
_HER2_SCORES: dict[str, _Status] = {"3": "positive", "2": "equivocal", "1": "low", "0": "negative"}
_IHC = re.compile(r"immunohisto|\bIHC\b|immune ?stain|immunostain", re.I)
_ISH = re.compile(r"\b(FISH|ISH|in situ hybridi[sz]ation|SISH|CISH)\b", re.I)
_NOT_GENES = {"IHC", "FISH", "ISH", "PCR", "NGS", "DNA", "RNA", "TPS", "CPS", "IC"}


def read_biomarker(located: Located, out: Collector) -> bool:
    """Tumour biomarker results (TMB, MSI, MMR, PD-L1, pan-TRK, HER2, ER, PR, IHC); True when read."""
    obs = located.resource
    names = cc_strings(obs.get("code"))
    name = " ".join(names)
    loinc = codes(obs.get("code"))
    method_text = f"{name} {cc_text(obs.get('method'))}"
    notes = " ".join(str(n.get("text", "")) for n in obs.get("note", []))
    for biomarker, gene, pattern, loinc_codes in _MARKERS:
        if loinc & loinc_codes or any(pattern.search(n) for n in names):
            finding = _score(biomarker, gene, obs, method_text, notes, located, out)
            if finding is not None:
                out.findings.append(finding)
                return True
            return False
    if _IHC.search(method_text):
        return _generic_ihc(obs, names, located, out)
    return False


def _method(text: str) -> str | None:
    if _IHC.search(text):
        return "IHC"
    if _ISH.search(text):
        return "ISH"
    if re.search(r"sequencing|\bNGS\b", text, re.I):
        return "NGS"
    if re.search(r"\bPCR\b", text, re.I):
        return "PCR"
    return None


def _result_text(obs: Json) -> str:
    if isinstance(obs.get("valueString"), str):
        return str(obs["valueString"])
    return cc_text(obs.get("valueCodeableConcept"))


def _score(
    biomarker: str,
    gene: str | None,
    obs: Json,
    method_text: str,
    notes: str,
    located: Located,
    out: Collector,
) -> BiomarkerFinding | None:
    """Status by the scheme each marker is reported in; the reported value is always kept.

    - TMB: TMB-high is ≥10 mutations/megabase (KEYTRUDA label, TMB-H indication, FDA 2020).
    - MSI: MSI-H is positive; MSI-L is grouped with MSS (ASCP/CAP/AMP/ASCO colorectal molecular
      biomarker guideline, Sepulveda et al., J Clin Oncol 2017). MMR: loss of any MMR protein on
      IHC is deficient (dMMR, positive); intact/retained expression is proficient (same guideline).
    - PD-L1: tumour proportion score or combined positive score ≥1 is positive (KEYTRUDA label:
      NSCLC TPS ≥1%, 22C3 pharmDx); ≥50% TPS is high expression and stays positive with its number.
    - HER2: IHC 3+ or ISH-amplified positive, 2+ equivocal, 1+ HER2-low, 0 negative (ASCO/CAP HER2
      guideline, Wolff et al., J Clin Oncol 2018; HER2-low per the ENHERTU label, FDA 2022).
    - ER/PR: <1% stained nuclei negative, 1-10% low positive, >10% positive (ASCO/CAP ER/PgR
      guideline, Allison et al., J Clin Oncol 2020).
    """
    text = _result_text(obs)
    quantity = value_quantity(obs)
    numeric, unit = quantity if quantity is not None else (None, None)
    scoring: str | None = None
    status: _Status = "unknown"
    context = f"{method_text} {notes} {text}"
    if numeric is None:
        number = re.search(r"(\d+(?:\.\d+)?)\s*(%|mut)", text)
        numeric = float(number[1]) if number else None
        unit = ("%" if number[2] == "%" else "mut/Mb") if number else None
    if biomarker == "TMB":
        scoring, unit = "mut/Mb", "mut/Mb" if numeric is not None else None
        status = _high_low(text) if numeric is None else tmb_status(numeric)
    elif biomarker == "MSI":
        lowered = text.lower()
        if re.search(r"msi-?h\b|\bhigh\b|\bunstable\b|instability[- ]high", lowered):
            status = "positive"
        elif re.search(r"\bmss\b|\bstable\b|msi-?l\b|\blow\b", lowered):
            status = "negative"
    elif biomarker == "MMR":
        lowered = text.lower()
        if re.search(r"(?<!no )\b(loss|lost|deficien\w*|dmmr|absent)\b", lowered):
            status = "positive"
        elif re.search(r"\b(intact|proficien\w*|pmmr|retained|no loss)\b", lowered):
            status = "negative"
    elif biomarker == "PD-L1":
        if re.search(r"\bCPS\b|combined positive", context, re.I):
            scoring = "CPS"
        elif re.search(r"\bTPS\b|tumou?r proportion", context, re.I):
            scoring = "TPS"
        status = ("positive" if numeric >= 1 else "negative") if numeric is not None else _yes_no(obs)
    elif biomarker == "HER2":
        status, scoring = _her2(text, method_text)
        if status == "unknown":
            status = _yes_no(obs)
    else:
        scoring = "% nuclei" if numeric is not None else None
        if numeric is not None:
            status = "negative" if numeric < 1 else "low" if numeric <= 10 else "positive"
        else:
            status = _yes_no(obs)
    if status == "unknown" and numeric is None and not text:
        return None
    if status == "unknown":
        out.warn(located, f"{biomarker} result {text!r} could not be graded; kept as reported")
    value = text or (
        f"{numeric:g}{unit if unit == '%' else ' ' + unit if unit else ''}" if numeric is not None else ""
    )
    return BiomarkerFinding(
        id=out.next_id(),
        source="fhir",
        origin="somatic",
        provenance=out.provenance(located),
        biomarker=biomarker,
        gene=gene,
        method=_method(method_text) or ("NGS" if biomarker == "TMB" else None),
        scoring=scoring,
        value=value,
        numeric=numeric,
        unit=unit,
        status=status,
    )


def _her2(text: str, method_text: str) -> tuple[_Status, str | None]:
    score = re.search(r"(?<![\d.])([0-3])\s*(\+|$)", text.strip())
    if score is not None:
        return _HER2_SCORES[score[1]], "IHC 0-3+"
    lowered = text.lower()
    if re.search(r"\b(not|non-?)\s*amplified\b", lowered):
        return "negative", "ISH"
    if "amplified" in lowered:
        return "positive", "ISH"
    return "unknown", "ISH" if _ISH.search(method_text) else None


def _high_low(text: str) -> _Status:
    lowered = text.lower()
    if re.search(r"\bhigh\b|-h\b", lowered):
        return "positive"
    if re.search(r"\blow\b|-l\b|intermediate", lowered):
        return "negative"
    return "unknown"


def _yes_no(obs: Json) -> _Status:
    polarity = value_polarity(obs)
    return "unknown" if polarity is None else "positive" if polarity else "negative"


def _generic_ihc(obs: Json, names: list[str], located: Located, out: Collector) -> bool:
    """IHC for a named protein: 'ALK (D5F3) immunohistochemistry' = Negative → ALK negative.

    ALK IHC with the D5F3 clone is an FDA-approved companion diagnostic for ALK rearrangement
    (VENTANA ALK (D5F3) CDx Assay), so a negative result also records 'no ALK fusion' by IHC.
    """
    tokens = [t for name in names for t in re.findall(r"[A-Za-z][A-Za-z0-9-]*", name)]
    gene = next(
        (g for t in tokens if t not in _NOT_GENES and not t.islower() and (g := gene_symbol(t, strict=True))),
        None,
    )
    polarity = value_polarity(obs)
    if gene is None or polarity is None:
        return False
    provenance = out.provenance(located)
    out.findings.append(
        BiomarkerFinding(
            id=out.next_id(),
            source="fhir",
            origin="somatic",
            provenance=provenance,
            biomarker=gene,
            gene=gene,
            method="IHC",
            value=_result_text(obs) or ("positive" if polarity else "negative"),
            status="positive" if polarity else "negative",
        )
    )
    if gene == "ALK" and not polarity:
        out.findings.append(
            NegativeFinding(
                id=out.next_id(),
                source="fhir",
                origin="somatic",
                provenance=provenance,
                gene="ALK",
                alteration="fusion",
                method="IHC",
            )
        )
    return True
