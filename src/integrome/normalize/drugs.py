"""Drugs: RxNorm ingredient codes, generic and brand names and free text → lowercase generic names.

The analysis contract names drugs by lowercase generic name and lists every component of a
combination, so brand names (Tagrisso → osimertinib), biosimilar suffixes (trastuzumab-dkst),
regimen names (FOLFOX → fluorouracil, leucovorin, oxaliplatin) and fixed-dose products (Triumeq →
abacavir, dolutegravir, lamivudine) all resolve to generic ingredients. The table covers the CPIC
drug list (with CPIC's RxNorm codes) and FDA-approved targeted and immuno-oncology drugs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from integrome.normalize._data import read_packaged_tsv, split_multi

__all__ = ["Drug", "canonical_drug", "drug_classes", "drug_names", "drugs_in_class", "find_drugs"]


@dataclass(frozen=True)
class Drug:
    """One active ingredient: lowercase generic name and RxNorm ingredient code when known."""

    name: str
    rxnorm: str | None


_WORD = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class _Tables:
    drugs: dict[str, Drug]
    by_rxnorm: dict[str, tuple[Drug, ...]]
    classes: dict[str, tuple[str, ...]]
    phrases: dict[str, list[tuple[tuple[str, ...], tuple[Drug, ...], bool]]]
    """first word → (phrase words, drugs it names, whether it names a single drug directly)."""


@cache
def _tables() -> _Tables:
    drugs: dict[str, Drug] = {}
    classes: dict[str, tuple[str, ...]] = {}
    by_rxnorm: dict[str, tuple[Drug, ...]] = {}
    phrases: dict[tuple[str, ...], tuple[tuple[Drug, ...], bool]] = {}
    for row in read_packaged_tsv("drugs.tsv"):
        drug = Drug(row["name"], row["rxnorm"] or None)
        drugs[drug.name] = drug
        classes[drug.name] = split_multi(row["classes"])
        if drug.rxnorm:
            by_rxnorm[drug.rxnorm] = (drug,)
        for name in (drug.name, *split_multi(row["brands"]), *split_multi(row["synonyms"])):
            phrases[_tokens(name)] = ((drug,), True)
    for row in read_packaged_tsv("drug_combinations.tsv"):
        components = tuple(drugs[name] for name in split_multi(row["components"]))
        if row["rxnorm"]:
            by_rxnorm[row["rxnorm"]] = components
        for name in (row["name"], *split_multi(row["aliases"])):
            phrases.setdefault(_tokens(name), (components, False))
    index: dict[str, list[tuple[tuple[str, ...], tuple[Drug, ...], bool]]] = {}
    for words, (named, direct) in phrases.items():
        index.setdefault(words[0], []).append((words, named, direct))
    return _Tables(drugs, by_rxnorm, classes, index)


def _matches(text: str) -> list[tuple[int, int, tuple[Drug, ...], bool]]:
    """Non-overlapping phrase matches, longest first where phrases overlap, in text order."""
    tokens = _tokens(text)
    index = _tables().phrases
    spans = [
        (i, i + len(words), named, direct)
        for i, token in enumerate(tokens)
        for words, named, direct in index.get(token, ())
        if tokens[i : i + len(words)] == words
    ]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, tuple[Drug, ...], bool]] = []
    end = 0
    for span in spans:
        if span[0] >= end:
            kept.append(span)
            end = span[1]
    return kept


def find_drugs(text: str) -> list[Drug]:
    """Every drug a text names, in order of first mention, regimens and combination products expanded."""
    found: dict[str, Drug] = {}
    for _, _, named, _ in _matches(text):
        for drug in named:
            found.setdefault(drug.name, drug)
    return list(found.values())


def canonical_drug(text: str | None = None, rxnorm: str | None = None) -> Drug | None:
    """The single ingredient an RxNorm code or a medication text names; None when unknown.

    A known RxNorm ingredient code wins over the text. In text the first drug named directly counts
    ("Oxaliplatin (FOLFOX)" → oxaliplatin; dose and route words are ignored). A text naming only a
    regimen or combination product, or a combination's RxNorm code, has no single ingredient:
    use `find_drugs` for those.
    """
    tables = _tables()
    if rxnorm:
        named = tables.by_rxnorm.get(rxnorm.strip())
        if named is not None:
            return named[0] if len(named) == 1 else None
    if not text:
        return None
    for _, _, drugs, direct in _matches(text):
        if direct:
            return drugs[0]
    return None


@cache
def drug_names() -> tuple[str, ...]:
    """Every name the drug tables hold, as written: generic names, brands, synonyms, regimens and
    combination products with their aliases, sorted.

    Each is kept only if `find_drugs` resolves it, so a vocabulary built from this list (the
    clinical-notes rules) can never name a drug that normalization does not know.
    """
    names: set[str] = set()
    for row in read_packaged_tsv("drugs.tsv"):
        names.update([row["name"], *split_multi(row["brands"]), *split_multi(row["synonyms"])])
    for row in read_packaged_tsv("drug_combinations.tsv"):
        names.update([row["name"], *split_multi(row["aliases"])])
    return tuple(sorted(name for name in names if name.strip() and find_drugs(name)))


def drug_classes(name: str) -> tuple[str, ...]:
    """Pharmacological classes of a generic drug name ("escitalopram" → ("SSRI", "antidepressant"))."""
    return _tables().classes.get(name.strip().lower(), ())


def drugs_in_class(drug_class: str) -> list[Drug]:
    """All drugs of a class, sorted by name; class names compare case-insensitively."""
    wanted = drug_class.strip().lower()
    tables = _tables()
    return sorted(
        (
            tables.drugs[name]
            for name, classes in tables.classes.items()
            if wanted in {c.lower() for c in classes}
        ),
        key=lambda d: d.name,
    )
