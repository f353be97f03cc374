"""PharmCAT outside-call files: pharmacogene results called by another tool or laboratory.

Format (PharmCAT "Outside Call Format", pharmcat.clinpgx.org/using/Outside-Call-Format/): UTF-8,
tab-separated, `#` lines ignored, one line per gene with up to four fields

    GENE <TAB> diplotype or single allele <TAB> phenotype <TAB> activity score

where the second to fourth fields may each be empty but not all of them. Examples from the
specification: `CYP2D6	*1/*3`, `CYP2C9			2.0`, `G6PD	B (wildtype)/B (wildtype)`,
`HLA-B		*57:01 positive`, `MT-RNR1	1555A>G` (a monoploid gene: one allele).

Each line becomes one `GenotypeCall(source="outside_call")`; interpreting it (phenotype lookup,
HLA allele presence from a diplotype) is the PGx engine's job, so nothing is inferred here:

- a diplotype stays a diplotype (`HLA-B	*57:01/*08:01` → diplotype "*57:01/*08:01");
- a single allele call sets `allele` and `present=True` (the caller reports that allele);
- an HLA presence phenotype (`*57:01 positive` / `negative`) sets `allele` and `present`;
- phenotypes get PharmCAT's documented clean-up: spelling ("metaboliser"), capitalization, the
  abbreviations PM/IM/NM/EM/UM, and extraction of the main term ("CYP2D6 Ultrarapid
  Metabolizers (UM)" → "Ultrarapid Metabolizer"); CPIC says "normal" where older texts say
  "extensive", so EM and "extensive metabolizer" become "Normal Metabolizer".

Allele syntax is checked where nomenclature fixes it: star alleles (CYP genes, NAT2, NUDT15,
SLCO1B1, TPMT, UGT1A1; PharmVar), with copy number (`*1x2`, `*1≥3`, `*2x≥3`), tandem (`*80+*28`)
and PharmCAT's combination syntax (`[*2 + *3]`); HLA alleles with two to four colon-separated
fields (`*57:01`). Other genes (DPYD, G6PD, CFTR, MT-RNR1, ...) name alleles freely
(`c.1905+1G>A (*2A)`, `Reference`), so only the diplotype's shape is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._notes_io import read_utf8, text_document
from integrome.ingest._result import IngestResult
from integrome.model import GenotypeCall
from integrome.normalize.genes import canonical_gene

__all__ = ["normalize_phenotype", "parse_outside_calls", "read_outside_calls"]

_STAR = r"\*\d+[A-Z]?(?:\.\d{3})?(?:x(?:\d+|N|≥\d+)|≥\d+)?"
_STAR_ALLELE = re.compile(rf"^(?:{_STAR}(?:\+{_STAR})*|\[{_STAR}(?: \+ {_STAR})+\])$")
_HLA_ALLELE = re.compile(r"^\*\d{2,3}(?::\d{2,3}){1,3}[NLSCAQ]?$")
_HLA_PRESENCE = re.compile(r"^(\*\d{2,3}(?::\d{2,3}){1,3}[NLSCAQ]?)\s+(positive|negative)$", re.IGNORECASE)
_STAR_GENES = frozenset({"NAT2", "NUDT15", "SLCO1B1", "TPMT", "UGT1A1"})
_ACTIVITY = re.compile(r"^(≥|>=)?\s*(\d+(?:\.\d+)?)$")

_PHENOTYPE_ABBREVIATIONS = {
    "PM": "Poor Metabolizer",
    "IM": "Intermediate Metabolizer",
    "NM": "Normal Metabolizer",
    "EM": "Normal Metabolizer",
    "UM": "Ultrarapid Metabolizer",
}
_METABOLIZER = re.compile(
    r"\b(?:(likely|possible)\s+)?(?:\w+\s+)?(poor|intermediate|normal|extensive|rapid|ultra-?rapid)\s+"
    r"metaboli[sz]ers?\b",
    re.IGNORECASE,
)


def _nomenclature(gene: str) -> str:
    if gene.startswith("HLA-"):
        return "hla"
    if gene.startswith("CYP") or gene in _STAR_GENES:
        return "star"
    return "free"


def _example(kind: str) -> str:
    return {"hla": "*57:01/*08:01", "star": "*1/*2"}.get(kind, "*1/*2 or Reference/Reference")


def _check_allele(allele: str, kind: str) -> bool:
    if kind == "star":
        return _STAR_ALLELE.match(allele) is not None
    if kind == "hla":
        return _HLA_ALLELE.match(allele) is not None
    return bool(allele) and "\t" not in allele


def _parse_diplotype(text: str, gene: str, where: str, file: str) -> tuple[str | None, str | None]:
    """(diplotype, single allele) of the second field, gene prefixes removed ("HLA-B*57:01")."""
    kind = _nomenclature(gene)
    parts = [part.strip().removeprefix(gene).strip() for part in text.split("/")]
    valid = 1 <= len(parts) <= 2 and all(_check_allele(part, kind) for part in parts)
    if len(parts) == 1 and kind == "star":
        valid = False  # a diploid star-allele gene needs two alleles
    if not valid:
        raise InputError(file, where, f"expected a diplotype like {_example(kind)}, found {text!r}")
    if len(parts) == 1:
        return None, parts[0]
    return "/".join(parts), None


def normalize_phenotype(text: str) -> str:
    """A phenotype in CPIC's standardized wording, following PharmCAT's documented clean-up."""
    stripped = " ".join(text.split())
    if stripped.upper() in _PHENOTYPE_ABBREVIATIONS:
        return _PHENOTYPE_ABBREVIATIONS[stripped.upper()]
    match = _METABOLIZER.search(stripped)
    if match is not None:
        qualifier, level = match.group(1), match.group(2).lower().replace("-", "")
        level = "normal" if level == "extensive" else level
        term = f"{level.capitalize()} Metabolizer"
        return f"{qualifier.capitalize()} {term}" if qualifier else term
    if stripped.islower():
        return " ".join(word.capitalize() for word in stripped.split())
    return stripped


def _parse_activity(text: str, where: str, file: str, warnings: list[str]) -> float:
    match = _ACTIVITY.match(text)
    if match is None:
        raise InputError(file, where, f"expected an activity score like 1.5, found {text!r}")
    if match.group(1):
        warnings.append(f"{file}:{where}: activity score {text!r} is a lower bound; kept as {match.group(2)}")
    return float(match.group(2))


def _parse_fields(fields: list[str], where: str, file: str, warnings: list[str]) -> GenotypeCall:
    """One call from a line's tab-separated fields (gene first, then up to three values)."""
    symbol, *values = fields
    gene = canonical_gene(symbol)
    if gene is None:
        raise InputError(file, where, f"expected an HGNC gene symbol such as CYP2D6, found {symbol!r}")
    diplotype_text, phenotype_text, activity_text = [*values, "", "", ""][:3]
    if not (diplotype_text or phenotype_text or activity_text):
        raise InputError(
            file, where, f"expected a diplotype, phenotype or activity score after {symbol!r}, found none"
        )
    diplotype, allele = (
        _parse_diplotype(diplotype_text, gene, where, file) if diplotype_text else (None, None)
    )
    present: bool | None = True if allele is not None else None
    phenotype: str | None = None
    if phenotype_text:
        presence = _HLA_PRESENCE.match(phenotype_text) if gene.startswith("HLA-") else None
        if presence is not None:
            allele, present = presence.group(1), presence.group(2).lower() == "positive"
            phenotype = f"{allele} {presence.group(2).lower()}"
        else:
            phenotype = normalize_phenotype(phenotype_text)
    return GenotypeCall(
        gene=gene,
        diplotype=diplotype,
        allele=allele,
        present=present,
        phenotype=phenotype,
        activity_score=_parse_activity(activity_text, where, file, warnings) if activity_text else None,
        source="outside_call",
        provenance=f"{file}:{where}",
    )


def parse_outside_calls(text: str, *, file: str) -> tuple[list[GenotypeCall], list[str]]:
    """Genotype calls and warnings from the text of an outside-call file named `file`.

    Raises `InputError` naming the line for: no tab, more than four fields, an unknown gene, nothing
    after the gene, a malformed diplotype or activity score, a gene given twice, and a file
    without any call.
    """
    calls: list[GenotypeCall] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where = f"line {number}"
        fields = [field.strip() for field in raw.split("\t")]
        while len(fields) > 4 and not fields[-1]:
            fields.pop()
        if len(fields) == 1:
            raise InputError(
                file,
                where,
                f"expected tab-separated GENE<TAB>DIPLOTYPE[<TAB>PHENOTYPE], found {raw.strip()!r}",
            )
        if len(fields) > 4:
            raise InputError(
                file,
                where,
                "expected at most 4 tab-separated fields (gene, diplotype, phenotype, activity score), "
                f"found {len(fields)}",
            )
        call = _parse_fields(fields, where, file, warnings)
        if call.gene in seen:
            raise InputError(
                file,
                where,
                f"{call.gene} was already given on line {seen[call.gene]}; expected one line per gene",
            )
        seen[call.gene] = number
        calls.append(call)
    if not calls:
        raise InputError(file, None, "expected at least one GENE<TAB>DIPLOTYPE line, found none")
    return calls, warnings


def read_outside_calls(path: Path) -> IngestResult:
    """Read a PharmCAT outside-call TSV into genotype calls (file name as provenance)."""
    text, data = read_utf8(path)
    calls, warnings = parse_outside_calls(text, file=path.name)
    return IngestResult(
        document=text_document(path, data, "outside_calls"), genotypes=calls, warnings=warnings
    )
