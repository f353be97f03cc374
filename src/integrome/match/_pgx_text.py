"""Reading CPIC recommendation texts (pypgx recommendation-table) for uncurated drug–phenotype pairs.

The texts are CPIC's own words and stay whole in the rationale. The summary shows the first
sentences that fit 140 characters (CDS Hooks card summary), without literature references, so
the physician reads what to do rather than "see the guideline". Severity follows what the text
asks for: critical where CPIC says avoid because the drug is ineffective or toxic, info when
standard dosing applies or CPIC makes no recommendation, warning for any dose or drug change.
"""

from __future__ import annotations

import re

from integrome.match.wording import SUMMARY_LIMIT, clamp
from integrome.model.common import Severity

__all__ = ["classify", "condense", "is_standard"]

_STANDARD = re.compile(
    r"^(based on \w+ status, )?"
    r"(based on genotype, there is no indication to change"
    r"|initiate (therapy|\w+) with (recommended|standard)"
    r"|if considering \w+, use at standard dose|use \w+ per standard dosing|use \w+ label[- ]recommended"
    r"|use \w+ according to the product label"
    r"|no reason to avoid|prescribe desired starting dose|there is no need to avoid|no action is needed"
    r"|start with normal starting dose"
    r"|initiate standard starting daily dose\. consider increasing"
    r"|no recommendation|the guideline does not provide|insufficient evidence)",
    re.IGNORECASE,
)
_CRITICAL = (
    "avoid use",
    "avoid codeine",
    "avoid tramadol",
    "contraindicated",
    "not recommended",
    "do not use",
)
_DOSE = re.compile(r"\b(dose|doses|dosing|mg|reduc\w*|increas\w*|titrat\w*)\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\s*\((?:[^()]*\b(?:PMID|see)\b[^()]*)\)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def is_standard(text: str) -> bool:
    """CPIC says standard dosing applies, or makes no recommendation for this phenotype."""
    return _STANDARD.match(text) is not None


def classify(text: str) -> tuple[Severity, str]:
    """Severity and a title headline for a CPIC recommendation text."""
    lowered = text.lower()
    if any(word in lowered for word in _CRITICAL):
        return "critical", "avoid"
    if is_standard(text):
        return "info", "no genotype-based change"
    if "alternative" in lowered:
        return "warning", "consider an alternative"
    if _DOSE.search(text):
        return "warning", "adjust the dose"
    return "warning", "review the CPIC recommendation"


def condense(text: str, prefix: str = "CPIC: ", limit: int = SUMMARY_LIMIT) -> str:
    """The leading sentences of `text` that fit `limit` characters, literature references removed."""
    plain = " ".join(_REFERENCE.sub("", text).split())
    sentences = _SENTENCE_END.split(plain)
    summary = prefix + sentences[0]
    for sentence in sentences[1:]:
        if len(summary) + 1 + len(sentence) > limit:
            break
        summary += " " + sentence
    return clamp(summary, limit)
