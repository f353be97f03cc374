"""Small FHIR JSON helpers for the FHIR reader modules (plain dicts, no model classes), plus the
gene-symbol and protein-change rules the phenopacket reader shares.

The reader validates the whole document with fhir.resources once, then reads the plain JSON:
building model objects again for every field would cost more than the validation itself
(PERFORMANCE.md), and the dict shape is the FHIR JSON the specification documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from integrome.model import Coding, Finding, GenotypeCall, LabObservation, SiteGenotype

__all__ = [
    "LOINC",
    "Collector",
    "Json",
    "Located",
    "cc_strings",
    "cc_text",
    "codes",
    "codings",
    "date_part",
    "first_coding",
    "gene_symbol",
    "protein_hgvs",
    "value_polarity",
    "value_quantity",
]

Json = dict[str, Any]
LOINC = "http://loinc.org"
# SNOMED CT 10828004 Positive / 260385009 Negative; LOINC LA9633-4 Present / LA9634-2 Absent /
# LA6576-8 Positive. Any other coding is read by its wording.
_POSITIVE_CODES = {"10828004", "LA9633-4", "LA6576-8"}
_NEGATIVE_CODES = {"260385009", "LA9634-2"}
_NEGATIVE = re.compile(
    r"\b(not detected|undetected|negative|absent|not present|not identified|no mutations?|wild[- ]?type)\b",
    re.I,
)
_POSITIVE = re.compile(r"\b(detected|positive|present|identified)\b", re.I)
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]*(?:orf[0-9]+[A-Z0-9]*)?(?:-[A-Z0-9]+)*$")


@dataclass(frozen=True)
class Located:
    """A resource and where it sits in the input: its JSON pointer and `Type/id` label."""

    resource: Json
    pointer: str

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def label(self) -> str:
        """`Observation/abc` when the resource has an id, else its JSON pointer."""
        rid = self.resource.get("id")
        return f"{self.type}/{rid}" if rid else self.pointer or "/"


@dataclass
class Collector:
    """What the FHIR reader accumulates for one document; ids are provisional (`fhir-N`)."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    genotypes: list[GenotypeCall] = field(default_factory=list)
    observations: list[LabObservation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    covered_genes: dict[str, None] = field(default_factory=dict)
    site_calls: list[tuple[Located, SiteGenotype]] = field(default_factory=list)
    """Germline genotypes stated by variant Observations, merged per position by `_fhir_sites`."""
    _count: int = 0

    def next_id(self) -> str:
        self._count += 1
        return f"fhir-{self._count}"

    def provenance(self, where: Located) -> str:
        return f"{self.name}#{where.label}"

    def warn(self, where: Located, problem: str) -> None:
        if not where.pointer or where.label == where.pointer:
            place = where.label
        else:
            place = f"{where.pointer} ({where.label})"
        self.warnings.append(f"{self.name}:{place}: {problem}")

    def cover(self, gene: str | None) -> None:
        if gene:
            self.covered_genes[gene] = None


def codings(concept: Any) -> list[Json]:
    """The codings of a CodeableConcept (empty for anything else)."""
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding", []) if isinstance(c, dict)]


def codes(concept: Any, system: str = LOINC) -> set[str]:
    return {str(c["code"]) for c in codings(concept) if c.get("system") == system and "code" in c}


def cc_text(concept: Any) -> str:
    """The human wording of a CodeableConcept: its text, else the first display, else the first code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in codings(concept):
        if coding.get("display"):
            return str(coding["display"])
    for coding in codings(concept):
        if coding.get("code"):
            return str(coding["code"])
    return ""


def cc_strings(concept: Any) -> list[str]:
    """Every wording a CodeableConcept offers, most human first: text, displays, then codes."""
    if not isinstance(concept, dict):
        return []
    found = [str(concept["text"])] if concept.get("text") else []
    found += [str(c["display"]) for c in codings(concept) if c.get("display")]
    found += [str(c["code"]) for c in codings(concept) if c.get("code")]
    return list(dict.fromkeys(found))


def first_coding(concept: Any, prefer: str = LOINC) -> Coding | None:
    """The concept's coding in `prefer` (else its first coding) as a model `Coding`."""
    ordered = sorted(codings(concept), key=lambda c: c.get("system") != prefer)
    for coding in ordered:
        if coding.get("code"):
            return Coding(
                system=str(coding.get("system", "")),
                code=str(coding["code"]),
                display=str(coding["display"]) if coding.get("display") else None,
            )
    return None


def date_part(value: Any) -> str | None:
    """The date of a FHIR date/dateTime/instant (`2025-02-14T10:00:00Z` → `2025-02-14`)."""
    if not isinstance(value, str) or not value:
        return None
    return value.split("T", 1)[0]


def gene_symbol(text: str, *, hgnc_id: str | None = None, strict: bool = False) -> str | None:
    """Approved HGNC symbol for an HGNC id or a symbol/alias.

    The packaged gene table is an oncology + pharmacogenomics subset, so a well-formed symbol it
    does not know (a rare-disease gene in a phenopacket) is kept as written unless `strict`.
    """
    from integrome.normalize.genes import canonical_gene, gene_by_hgnc_id

    if hgnc_id:
        found = gene_by_hgnc_id(hgnc_id)
        if found is not None:
            return found
    text = text.strip()
    if not text:
        return None
    found = canonical_gene(text)
    if found is not None or strict:
        return found
    return text if len(text) <= 40 and _SYMBOL.match(text) else None


def protein_hgvs(text: str | None) -> str | None:
    """Three-letter HGVS protein change (p.Arg248Gln) for the model.

    `p.?` (effect unknown) carries nothing to match and becomes None; a notation the parser does
    not know is kept as written, without its accession prefix.
    """
    from integrome.normalize.variants import three_letter_protein

    if not text or not text.strip():
        return None
    body = text.strip().rsplit(":", 1)[-1]
    if body in ("p.?", "p.(?)"):
        return None
    return three_letter_protein(text) or body


def value_polarity(obs: Json) -> bool | None:
    """Positive/present/detected → True, negative/absent/not detected → False, else None."""
    concept = obs.get("valueCodeableConcept")
    found = {str(c.get("code")) for c in codings(concept)}
    if found & _NEGATIVE_CODES:
        return False
    if found & _POSITIVE_CODES:
        return True
    if isinstance(obs.get("valueBoolean"), bool):
        return bool(obs["valueBoolean"])
    text = " ".join(cc_strings(concept)) or str(obs.get("valueString") or "")
    if _NEGATIVE.search(text):
        return False
    if _POSITIVE.search(text):
        return True
    return None


def value_quantity(holder: Json) -> tuple[float, str | None] | None:
    """valueQuantity (or valueInteger) as (number, unit); the UCUM code is preferred to the wording."""
    quantity = holder.get("valueQuantity")
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
        unit = quantity.get("code") if quantity.get("system") == "http://unitsofmeasure.org" else None
        return float(quantity["value"]), str(unit or quantity.get("unit") or "") or None
    if isinstance(holder.get("valueInteger"), int):
        return float(holder["valueInteger"]), None
    return None
