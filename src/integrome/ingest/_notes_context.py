"""ConText cues and text helpers shared by the notes extractors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrome.ingest._notes_rules import GERMLINE, METHOD, SOMATIC
from integrome.ingest._notes_vocab import gene_names
from integrome.model import Origin

if TYPE_CHECKING:
    from spacy.tokens import Span

__all__ = [
    "Cue",
    "clean",
    "cues_of",
    "gene_at",
    "genes_in",
    "has",
    "method_of",
    "nearest",
    "origin_of",
    "written_words",
]


@dataclass(frozen=True)
class Cue:
    """One ConText modifier of a target, with its token distance to the target."""

    category: str
    distance: int
    metadata: dict[str, Any]
    start: int
    end: int


def cues_of(ent: Span) -> list[Cue]:
    """The ConText modifiers of a target, nearest first."""
    cues = []
    for modifier in ent._.modifiers:
        start, end = modifier.modifier_span
        distance = ent.start - end if end <= ent.start else start - ent.end
        metadata = dict(modifier.rule.metadata or {})
        cues.append(Cue(modifier.category, max(distance, 0), metadata, start, end))
    return sorted(cues, key=lambda cue: cue.distance)


def has(cues: Iterable[Cue], *categories: str) -> bool:
    return any(cue.category in categories for cue in cues)


def nearest(cues: Iterable[Cue], *categories: str) -> Cue | None:
    return next((cue for cue in cues if cue.category in categories), None)


# --- text helpers ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" -–,;:")


def gene_at(tokens: Span) -> tuple[str, int] | None:
    """(approved symbol, number of tokens) of the gene name that starts `tokens`."""
    names = gene_names()
    for width in range(min(5, len(tokens)), 0, -1):
        symbol = names.get(tokens[:width].text)
        if symbol is not None:
            return symbol, width
    return None


def genes_in(span: Span) -> list[str]:
    """Gene symbols named in a span, in order."""
    found: list[str] = []
    index = 0
    while index < len(span):
        hit = gene_at(span[index:])
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


def method_of(ent: Span, cues: list[Cue], default: str | None = None) -> str | None:
    """The method named inside the mention, else the nearest method modifier, else `default`."""
    for method, pattern in _METHOD_WORDS.items():
        if pattern.search(ent.text):
            return method
    cue = nearest(cues, METHOD)
    return str(cue.metadata["method"]) if cue is not None else default


def origin_of(cues: list[Cue]) -> Origin:
    cue = nearest(cues, GERMLINE, SOMATIC)
    if cue is None:
        return "unknown"
    return "germline" if cue.category == GERMLINE else "somatic"


def written_words(tokens: Span) -> list[str]:
    """The span's words as written: tokens not separated by whitespace are joined ("E545" "K" → "E545K")."""
    words = [""]
    for token in tokens:
        words[-1] += token.text
        if token.whitespace_:
            words.append("")
    return [word for word in words if word]
