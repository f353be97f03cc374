"""Tumour types: the OncoTree hierarchy and mapping of coded or free-text diagnoses onto it.

OncoTree (MSKCC / cBioPortal, CC BY 4.0, release oncotree_2025_10_03) is the tumour-type vocabulary
of OncoKB, cBioPortal and CTML trial files, so knowledge-base records and trials are scoped by its
codes and matched hierarchically (LUAD is an NSCLC is a LUNG tumour). Two pseudo-scopes serve
tumour-agnostic records: every code is an "ANY", and every code outside the Myeloid and Lymphoid
tissues is a "SOLID".

Diagnoses arrive as ICD-10-CM, SNOMED CT, DOID or OncoTree codes plus free text. A code fixes the
site (ICD-10-CM C34 → LUNG); histology words in the text refine it (adenocarcinoma → LUAD) through a
curated refinement table, and a free-text name more specific than the code's mapping wins. Codes of
secondary neoplasms (C77–C79) and ICD-10-CM codes outside the neoplasm chapter map to nothing.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from integrome.normalize._data import read_packaged_tsv, split_multi

__all__ = [
    "ANY",
    "HEME_TISSUES",
    "ONCOTREE_RELEASE",
    "SOLID",
    "OncoTree",
    "OncoTreeNode",
    "disease_synonyms",
    "doid_to_oncotree",
    "map_codings",
    "map_diagnosis",
    "map_icd10_to_label",
    "oncotree",
    "oncotree_from_text",
]

ONCOTREE_RELEASE = "oncotree_2025_10_03"
ANY = "ANY"
"""Pseudo-scope every OncoTree code belongs to (tumour-agnostic records)."""
SOLID = "SOLID"
"""Pseudo-scope of every solid-tumour code (tissue not Myeloid or Lymphoid)."""
HEME_TISSUES = frozenset({"Myeloid", "Lymphoid"})


@dataclass(frozen=True)
class OncoTreeNode:
    """One OncoTree node with its external references and legacy codes."""

    code: str
    parent: str | None
    name: str
    main_type: str | None
    tissue: str | None
    level: int
    nci: tuple[str, ...]
    umls: tuple[str, ...]


class OncoTree:
    """The OncoTree hierarchy. Lookups accept legacy codes (renamed, merged or revoked ones)."""

    def __init__(self, nodes: Iterable[OncoTreeNode], legacy: dict[str, str]) -> None:
        self._nodes = {node.code: node for node in nodes}
        self._upper = {code.upper(): code for code in self._nodes}
        self._legacy = {old.upper(): new for old, new in legacy.items() if new in self._nodes}

    @property
    def codes(self) -> frozenset[str]:
        """All current codes."""
        return frozenset(self._nodes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.resolve(code) is not None

    def __len__(self) -> int:
        return len(self._nodes)

    def resolve(self, code: str) -> str | None:
        """The current code for a current or legacy code (case-insensitive; CLL → CLLSLL, GBM → GB)."""
        key = code.strip().upper()
        return self._upper.get(key) or self._legacy.get(key)

    def node(self, code: str) -> OncoTreeNode:
        """The node of `code`; KeyError for a code that is not in this release."""
        resolved = self.resolve(code)
        if resolved is None:
            raise KeyError(code)
        return self._nodes[resolved]

    def name(self, code: str) -> str:
        return self.node(code).name

    def parent(self, code: str) -> str | None:
        return self.node(code).parent

    def main_type(self, code: str) -> str | None:
        return self.node(code).main_type

    def tissue(self, code: str) -> str | None:
        return self.node(code).tissue

    def level(self, code: str) -> int:
        return self.node(code).level

    def ancestors(self, code: str) -> list[str]:
        """Ancestor codes, nearest first, up to and including the root TISSUE; not the code itself."""
        result: list[str] = []
        parent = self.node(code).parent
        while parent is not None and parent in self._nodes:
            result.append(parent)
            parent = self._nodes[parent].parent
        return result

    def is_solid(self, code: str) -> bool:
        """True under a solid-tumour tissue; False for Myeloid/Lymphoid, the root and unknown codes."""
        resolved = self.resolve(code)
        if resolved is None:
            return False
        tissue = self._nodes[resolved].tissue
        return tissue is not None and tissue not in HEME_TISSUES

    def is_a(self, code: str, ancestor: str) -> bool:
        """True when `code` equals `ancestor` or lies below it; ANY and SOLID are pseudo-ancestors."""
        if code.strip().upper() == ancestor.strip().upper():
            return True
        resolved = self.resolve(code)
        if resolved is None:
            return False
        scope = ancestor.strip().upper()
        if scope == ANY:
            return True
        if scope == SOLID:
            return self.is_solid(resolved)
        target = self.resolve(ancestor)
        return target is not None and (target == resolved or target in self.ancestors(resolved))

    def most_specific(self, codes: Iterable[str | None]) -> str | None:
        """The deepest code among `codes` that does not contradict the others' lineage."""
        found = [c for c in (self.resolve(x) if x else None for x in codes) if c is not None]
        if not found:
            return None
        best = max(found, key=lambda c: self._nodes[c].level)
        return best if all(self.is_a(best, other) for other in found) else found[0]


def _legacy_map(rows: list[dict[str, str]]) -> dict[str, str]:
    """history (renamed code) first, then precursors (merged codes), then unambiguous revocations."""
    legacy: dict[str, str] = {}
    for column in ("history", "precursors", "revocations"):
        claims: dict[str, set[str]] = {}
        for row in rows:
            for old in split_multi(row[column]):
                claims.setdefault(old, set()).add(row["code"])
        for old, news in claims.items():
            if len(news) == 1 and old not in legacy:
                legacy[old] = next(iter(news))
    return legacy


@cache
def oncotree() -> OncoTree:
    """The packaged OncoTree release, loaded once."""
    rows = read_packaged_tsv("oncotree.tsv")
    nodes = [
        OncoTreeNode(
            code=row["code"],
            parent=row["parent"] or None,
            name=row["name"],
            main_type=row["main_type"] or None,
            tissue=row["tissue"] or None,
            level=int(row["level"]),
            nci=split_multi(row["nci"]),
            umls=split_multi(row["umls"]),
        )
        for row in rows
    ]
    return OncoTree(nodes, _legacy_map(rows))


_WORD = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class _Refinement:
    base: str
    alternatives: tuple[tuple[tuple[str, ...], ...], ...]
    target: str


@cache
def _refinements() -> dict[str, list[_Refinement]]:
    by_base: dict[str, list[_Refinement]] = {}
    for row in read_packaged_tsv("oncotree_refinements.tsv"):
        alternatives = tuple(
            tuple(_tokens(word) for word in alternative.split("+")) for alternative in row["words"].split(",")
        )
        by_base.setdefault(row["base"], []).append(_Refinement(row["base"], alternatives, row["target"]))
    return by_base


def _refine(code: str, tokens: tuple[str, ...]) -> str:
    seen = {code}
    while True:
        for rule in _refinements().get(code, []):
            if any(all(_contains(tokens, words) for words in alt) for alt in rule.alternatives):
                code = rule.target
                break
        else:
            return code
        if code in seen:
            return code
        seen.add(code)


@cache
def disease_synonyms() -> dict[str, str]:
    """Curated free-text tumour names beyond the OncoTree node names → OncoTree code, as written
    ("non small cell lung cancer" → NSCLC, "GIST" → GIST). Shared, do not modify the result."""
    return {row["synonym"]: row["oncotree"] for row in read_packaged_tsv("disease_synonyms.tsv")}


@cache
def _phrases() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Free-text phrases by first word: curated synonyms plus unambiguous OncoTree node names."""
    tree = oncotree()
    claims: dict[tuple[str, ...], set[str]] = {}
    for code in tree.codes:
        node = tree.node(code)
        if node.level < 2 or "CUP" in (code, *tree.ancestors(code)):
            continue
        claims.setdefault(_tokens(node.name), set()).add(code)
    phrases = {words: next(iter(codes)) for words, codes in claims.items() if len(codes) == 1 and words}
    for synonym, code in disease_synonyms().items():
        phrases[_tokens(synonym)] = code
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for words, code in phrases.items():
        index.setdefault(words[0], []).append((words, code))
    return index


_MALIGNANCY = frozenset(
    {
        "cancer", "carcinoma", "adenocarcinoma", "carcinosarcoma", "sarcoma", "melanoma", "malignant",
        "malignancy", "mesothelioma", "glioblastoma", "glioma", "lymphoma", "leukemia", "leukaemia",
    }
)  # fmt: skip
_SPREAD = (("metastatic", "to"), ("metastases", "to"), ("metastasis", "to"), ("mets", "to"), ("spread", "to"))


def _primary_part(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The words that describe the primary tumour: a secondary-neoplasm text has none."""
    if tokens[:1] in {("secondary",), ("metastasis",), ("metastases",)}:
        return ()
    for i in range(len(tokens) - 1):
        if (tokens[i], tokens[i + 1]) in _SPREAD:
            return tokens[:i]
    return tokens


@cache
def _sites() -> list[tuple[tuple[str, ...], str]]:
    return [(_tokens(row["site"]), row["oncotree"]) for row in read_packaged_tsv("disease_sites.tsv")]


def _site_code(tokens: tuple[str, ...]) -> str | None:
    """Site-level code of the first primary site named next to a malignancy word, refined by histology."""
    if not _MALIGNANCY.intersection(tokens):
        return None
    first: tuple[int, str] | None = None
    for words, code in _sites():
        n = len(words)
        at = next((i for i in range(len(tokens) - n + 1) if tokens[i : i + n] == words), None)
        if at is not None and (first is None or at < first[0]):
            first = (at, code)
    return _refine(first[1], tokens) if first is not None else None


def oncotree_from_text(text: str) -> str | None:
    """OncoTree code named in a free-text diagnosis ("Non-small cell lung cancer" → NSCLC).

    Tumour names match on whole words; a match inside a longer match is dropped ("small cell lung
    cancer" inside "non-small cell lung cancer"), then the deepest code wins, then the longest
    phrase. A text that names no tumour type but a malignancy and a primary site ("Adenocarcinoma
    of right lower lobe of lung") maps through the site and its histology words. Words after
    "metastatic to" describe metastases and are ignored; "Secondary ..." texts map to nothing.
    """
    tokens = _primary_part(_tokens(text))
    named = _named_in_text(tokens)
    site = _site_code(tokens)
    if site is None:
        return named
    if named is None or oncotree().is_a(site, named):
        return site
    return named


def _named_in_text(tokens: tuple[str, ...]) -> str | None:
    index = _phrases()
    spans: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens):
        for words, code in index.get(token, ()):
            if tokens[i : i + len(words)] == words:
                spans.append((i, i + len(words), code))
    outer = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    if not outer:
        return None
    tree = oncotree()
    return max(outer, key=lambda s: (tree.level(s[2]), s[1] - s[0], -s[0]))[2]


_NO_PRIMARY = "-"


@cache
def _icd_table() -> dict[str, str]:
    return {
        row["icd10cm"].replace(".", ""): row["oncotree"] for row in read_packaged_tsv("icd10cm_oncotree.tsv")
    }


@cache
def _code_table(name: str, column: str) -> dict[str, str]:
    return {row[column]: row["oncotree"] for row in read_packaged_tsv(name)}


def _is_neoplasm_icd(code: str) -> bool:
    """ICD-10-CM chapter 2 (C00–D49) holds the neoplasms."""
    return code.startswith("C") or (code.startswith("D") and code[1:3].isdigit() and int(code[1:3]) <= 49)


def _icd_lookup(code: str) -> str | None:
    key = code.strip().upper().replace(".", "")
    table = _icd_table()
    for end in range(len(key), 2, -1):
        found = table.get(key[:end])
        if found is not None:
            return found
    return None


def _system(system: str | None, code: str | None) -> str:
    text = (system or "").strip().lower()
    if code and code.strip().upper().startswith("DOID:"):
        return "doid"
    if "oncotree" in text:
        return "oncotree"
    if "snomed" in text or text in {"sct", "snomedct"}:
        return "snomed"
    if "icd-10" in text or "icd10" in text:
        return "icd10cm"
    if "doid" in text:
        return "doid"
    return "text"


def doid_to_oncotree(doid: str) -> str | None:
    """OncoTree code for a Disease Ontology ID (curated, `DOID:3910` → LUAD); ANY for DOID:162 cancer."""
    key = doid.strip().upper()
    key = key if key.startswith("DOID:") else f"DOID:{key}"
    return _code_table("doid_oncotree.tsv", "doid").get(key)


def map_diagnosis(system: str, code: str | None, text: str | None) -> str | None:
    """OncoTree code for one coded or free-text diagnosis, or None when it names no primary tumour.

    `system` is a FHIR system URI or short name (http://snomed.info/sct, http://hl7.org/fhir/sid/icd-10-cm,
    oncotree, DOID; anything else means free text only).
    """
    kind = _system(system, code)
    tokens = _tokens(text or "")
    base: str | None = None
    if code and code.strip():
        if kind == "oncotree":
            return oncotree().resolve(code)
        if kind == "icd10cm":
            if not _is_neoplasm_icd(code.strip().upper()):
                return None
            base = _icd_lookup(code)
        elif kind == "snomed":
            base = _code_table("snomed_oncotree.tsv", "snomed").get(code.strip())
        elif kind == "doid":
            base = doid_to_oncotree(code)
    if base == _NO_PRIMARY:
        return None
    if base is not None and base != ANY:
        base = _refine(base, tokens)
    found = oncotree_from_text(text) if text else None
    if found is None:
        return base
    if base is None or oncotree().is_a(found, base):
        return found
    return base


def map_codings(codings: Iterable[tuple[str, str | None]], text: str | None) -> str | None:
    """The most specific OncoTree code over all codings of one diagnosis (FHIR CodeableConcept).

    Any coding that names a secondary neoplasm makes the whole diagnosis map to None.
    """
    results: list[str | None] = []
    for system, code in codings:
        if _system(system, code) == "icd10cm" and code and _icd_lookup(code) == _NO_PRIMARY:
            return None
        results.append(map_diagnosis(system, code, text))
    if not results:
        return map_diagnosis("text", None, text)
    mapped = [r for r in results if r is not None]
    if ANY in mapped and len(set(mapped)) == 1:
        return ANY
    return oncotree().most_specific(r for r in mapped if r != ANY)


def map_icd10_to_label(code: str) -> str | None:
    """ICD-10-CM description of any valid code (non-oncology too), via simple-icd-10-cm (CMS release)."""
    with warnings.catch_warnings():  # the package reads its data with deprecated importlib calls
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd  # lazy: loading the classification takes a while

    candidate = code.strip().upper()
    if not icd.is_valid_item(candidate):
        return None
    description: str = icd.get_description(candidate)
    return description
