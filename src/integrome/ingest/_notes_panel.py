"""What an assay tested, as opposed to what it found.

Genotyping and panel reports list the positions or genes they test ("Positions tested: DPYD
c.1905+1G>A (*2A), c.1679T>G (*13) ..."; "see attached VCF (CYP2C19 *2, *3 and *17 defining
positions)"). ConText marks such mentions PANEL_CONTENT (`_notes_rules`), and they never become
findings. A statement that nothing was found, in the same clause ("... positions tested: none
detected") or in a clause of its own within the next two sentences ("No variants detected."), makes
each listed gene tested negative: `NegativeFinding(alteration="mutation")`, or "fusion" /
"amplification" for lists of those, unless the same text reports a finding in that gene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrome.ingest._notes_context import Cue, gene_at, method_of
from integrome.ingest._notes_genomic import chain_alteration, genomic
from integrome.ingest._notes_rules import COPY_NUMBER, FINDING_TYPES, FUSION, GENE
from integrome.model import Finding, NegativeFinding

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

__all__ = ["Tested", "tested", "tested_negatives"]

_SENTENCES_AFTER = 2
"""How many sentences after a list of tested items a "nothing detected" statement may stand."""

_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_NOTHING_FOUND = re.compile(
    r"(?i)\b(?:no|none\s+of\s+the)\b(?:\s+[\w/-]+){0,4}?\s+(?:variants?|mutations?|alterations?|"
    r"abnormalit(?:y|ies))\b(?:\s+[\w/-]+){0,3}?\s+(?:detected|identified|found|observed|seen|present)\b"
)
_BARE_RESULT = re.compile(
    r"(?i)^\W*(?:(?:results?|genotype|interpretation)\s*:?\s*)?(?:all\s+(?:[\w/-]+\s+){0,3}?)?"
    r"(?:negative|not\s+detected|none\s+detected|wild[- ]?type|no\s+variants?\s+detected)\W*$"
)
"""A clause that is only a negative result: "Negative.", "Result: not detected", "All positions wild type"."""
_LIST_END = re.compile(
    r"(?i)[,:]\s*(?:(?:none|no\s+(?:variants?|mutations?))\s+(?:were\s+)?(?:detected|identified|found)|"
    r"(?:all\s+)?(?:negative|not\s+detected|wild[- ]?type))\W*$"
)
"""The end of a list of tested items that reports them all negative."""


@dataclass(frozen=True)
class Tested:
    """One gene an assay tested, with the clause's negation already applied when it has one."""

    gene: str
    alteration: str
    start: int
    base: dict[str, Any]
    method: str | None

    def negative(self) -> NegativeFinding:
        return NegativeFinding(**self.base, gene=self.gene, alteration=self.alteration, method=self.method)


def tested(ent: Span, cues: list[Cue], base: dict[str, Any]) -> Tested | None:
    """The gene and kind of alteration a panel-content mention tests (None when it names no gene)."""
    if ent.label_ == FUSION:
        stated = genomic(ent, base)
        gene, alteration = (stated.gene, "fusion") if stated is not None else (None, "fusion")
    elif ent.label_ == COPY_NUMBER:
        stated = genomic(ent, base)
        gene, alteration = (stated.gene, stated.excluded) if stated is not None else (None, "")
    else:
        hit = gene_at(ent)
        gene = hit[0] if hit is not None else None
        alteration = (chain_alteration(ent) if ent.label_ == GENE else None) or "mutation"
    if gene is None:
        return None
    return Tested(gene, alteration, ent.start, base, method_of(ent, cues))


def _clauses(doc: Doc) -> list[tuple[int, Span]]:
    """(sentence number, clause) for every clause of the text; clauses end at semicolons."""
    clauses: list[tuple[int, Span]] = []
    for number, sentence in enumerate(doc.sents):
        start = sentence.start
        for token in sentence:
            if token.text == ";":
                clauses.append((number, doc[start : token.i]))
                start = token.i + 1
        clauses.append((number, doc[start : sentence.end]))
    return [(number, clause) for number, clause in clauses if len(clause)]


def _says_nothing_found(clause: Span, tested_at: set[int]) -> bool:
    """A clause of its own saying nothing was found, or a list of tested items ending in that
    ("Positions tested: DPYD c.1905+1G>A and c.2846A>T, none detected")."""
    mentions = [ent for ent in clause.ents if ent.label_ in FINDING_TYPES]
    if not mentions:
        text = clause.text
        return _NOTHING_FOUND.search(text) is not None or _BARE_RESULT.match(text) is not None
    if any(ent.start not in tested_at for ent in mentions):
        return False
    return _LIST_END.search(clause.doc[mentions[-1].end : clause.end].text) is not None


def tested_negatives(doc: Doc, items: list[Tested], found: list[Finding]) -> list[Tested]:
    """The tested items a later "nothing detected" clause reports negative (see the module docstring).

    A paragraph break (an empty line) ends a list; genes with a finding in `found` are left out.
    """
    positive = {
        gene for finding in found if finding.kind != "negative" and (gene := getattr(finding, "gene", None))
    }
    pending: list[tuple[int, Tested]] = []
    negatives: list[Tested] = []
    remaining = sorted(items, key=lambda item: item.start)
    tested_at = {item.start for item in items}
    for number, clause in _clauses(doc):
        while remaining and remaining[0].start < clause.end:
            pending.append((number, remaining.pop(0)))
        if not pending or not _says_nothing_found(clause, tested_at):
            continue
        last = pending[-1][1].start
        if number - pending[-1][0] <= _SENTENCES_AFTER and not _PARAGRAPH.search(
            doc[last : clause.start].text
        ):
            negatives += [item for _, item in pending if item.gene not in positive]
        pending = []
    return negatives
