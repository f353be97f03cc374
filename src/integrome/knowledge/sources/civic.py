"""Import CIViC clinical evidence (v1 `ClinicalEvidenceSummaries.tsv` export) as biomarker records.

CIViC (civicdb.org, CC0) curates evidence items: one variant, one disease, drugs, and a level A-E.
Only accepted *predictive* items that support sensitivity/response or resistance at levels A-D are
imported (level E is inferential). Each item becomes one record, or one per drug when CIViC lists
the drugs as substitutes. CIViC levels map onto AMP/ASCO/CAP levels letter for letter (A validated
or guideline, B clinical, C case study, D preclinical), and `fda_approved` stays false: CIViC does
not record regulatory status. Everything the mapping cannot represent faithfully is skipped and
counted by reason, so a user sees what the import left out.

The output is one YAML file in the knowledge-base format (`knowledge/data/README.md`), which
`load_knowledge_base(extra_dir=...)` layers over the curated core.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.model.common import Citation
from integrome.model.knowledge import Alteration, AlterationType, BiomarkerRecord, Direction, EvidenceLevel

if TYPE_CHECKING:
    from integrome.normalize.drugs import Drug

__all__ = ["REQUIRED_COLUMNS", "ImportReport", "civic_records", "import_civic"]

REQUIRED_COLUMNS = (
    "gene",
    "variant",
    "disease",
    "doid",
    "drugs",
    "drug_interaction_type",
    "evidence_type",
    "evidence_direction",
    "evidence_level",
    "clinical_significance",
    "evidence_statement",
    "citation_id",
    "source_type",
    "asco_abstract_id",
    "evidence_status",
    "evidence_id",
    "variant_origin",
    "last_review_date",
)
OUTPUT_NAME = "civic.yaml"

_DIRECTIONS: dict[str, Direction] = {"Sensitivity/Response": "sensitivity", "Resistance": "resistance"}
_LEVELS: dict[str, EvidenceLevel] = {"A": "A", "B": "B", "C": "C", "D": "D"}
_PROTEIN = re.compile(r"^[A-Z]\d+(?:[A-Z]|\*)$")
_CODON = re.compile(r"^[A-Z](\d+)$")
_CODONS = re.compile(r"^[A-Z]\d+(?:/[A-Z]\d+)+$")
_EXON = re.compile(r"^EXON (\d+) (DELETION|INSERTION|MUTATION|SKIPPING MUTATION)$")
_EXON_TYPES: dict[str, AlterationType] = {
    "DELETION": "exon_deletion",
    "INSERTION": "exon_insertion",
    "MUTATION": "exon_mutation",
    "SKIPPING MUTATION": "exon_skipping",
}
_FUSION_PAIR = re.compile(r"^([A-Z0-9]+)-([A-Z0-9]+)$")
_FILE_DATE = re.compile(r"(\d{2}-[A-Z][a-z]{2}-\d{4})")
_LOSS_OF_FUNCTION = {"LOSS-OF-FUNCTION", "DELETERIOUS MUTATION", "TRUNCATING MUTATION"}
_GENERIC_FUSION = {"FUSION", "FUSIONS", "REARRANGEMENT"}


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote and what it left out (reason → number of evidence items)."""

    source: str
    source_version: str
    output: Path
    rows: int
    imported_items: int
    records: int
    skipped: dict[str, int] = field(default_factory=dict)


def import_civic(tsv: Path, out_dir: Path) -> ImportReport:
    """Convert a CIViC v1 evidence TSV into `out_dir/civic.yaml`; the file is replaced atomically."""
    rows = list(_read_rows(tsv))
    records, skipped, imported_items = civic_records(rows)
    version = _source_version(tsv, rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / OUTPUT_NAME
    document: dict[str, Any] = {
        "kind": "biomarkers",
        "source": "CIViC",
        "source_version": version,
        "records": [record.model_dump(mode="json", exclude_defaults=True) for record in records],
    }
    header = (
        f"# Imported from CIViC ({tsv.name}; CC0 1.0, civicdb.org) by integrome's CIViC importer.\n"
        "# Regenerate instead of editing: the importer replaces this file.\n"
    )
    _write_atomically(
        output, header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    )
    return ImportReport(
        source="CIViC",
        source_version=version,
        output=output,
        rows=len(rows),
        imported_items=imported_items,
        records=len(records),
        skipped=dict(sorted(skipped.items())),
    )


def civic_records(rows: Iterable[Mapping[str, str]]) -> tuple[list[BiomarkerRecord], Counter[str], int]:
    """Map evidence rows to records; returns (records, skipped reasons, number of items imported)."""
    from integrome.normalize.diseases import map_diagnosis
    from integrome.normalize.drugs import canonical_drug
    from integrome.normalize.genes import canonical_gene

    records: list[BiomarkerRecord] = []
    skipped: Counter[str] = Counter()
    imported = 0
    for row in rows:
        reason = _filter(row)
        if reason:
            skipped[reason] += 1
            continue
        gene = canonical_gene(row["gene"].strip())
        if gene is None:
            skipped["gene not in the gene vocabulary"] += 1
            continue
        alteration = _alteration(row["variant"].strip(), gene, row["variant_origin"].strip(), canonical_gene)
        if isinstance(alteration, str):
            skipped[alteration] += 1
            continue
        disease = map_diagnosis("doid", row["doid"].strip() or None, row["disease"].strip() or None)
        if disease is None:
            skipped["disease not mapped to OncoTree"] += 1
            continue
        regimens = _regimens(row, canonical_drug)
        if isinstance(regimens, str):
            skipped[regimens] += 1
            continue
        eid = row["evidence_id"].strip()
        for drugs in regimens:
            suffix = "" if len(regimens) == 1 else "-" + re.sub(r"[^a-z0-9]+", "-", drugs[0]).strip("-")
            try:
                records.append(
                    BiomarkerRecord(
                        id=f"civic-EID{eid}{suffix}",
                        gene=gene,
                        alteration=alteration,
                        label=f"{gene} {row['variant'].strip()}",
                        diseases=[disease],
                        drugs=drugs,
                        direction=_DIRECTIONS[row["clinical_significance"].strip()],
                        evidence_level=_LEVELS[row["evidence_level"].strip()],
                        statement=" ".join(row["evidence_statement"].split())
                        or f"CIViC evidence item {eid}.",
                        citations=_citations(row, eid),
                        reviewed=row["last_review_date"].strip()[:10],
                    )
                )
            except ValidationError as exc:
                raise KnowledgeBaseError(
                    f"CIViC evidence item EID{eid}: cannot be represented: {exc}"
                ) from exc
        imported += 1
    return records, skipped, imported


def _filter(row: Mapping[str, str]) -> str | None:
    if row["evidence_status"].strip() != "accepted":
        return "not accepted"
    if row["evidence_type"].strip() != "Predictive":
        return f"evidence type {row['evidence_type'].strip() or 'missing'} (only Predictive is imported)"
    if row["evidence_direction"].strip() != "Supports":
        return "evidence does not support the association"
    significance = row["clinical_significance"].strip()
    if significance not in _DIRECTIONS:
        return f"clinical significance {significance or 'missing'}"
    level = row["evidence_level"].strip()
    if level not in _LEVELS:
        return f"evidence level {level or 'missing'}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", row["last_review_date"].strip()):
        return "no review date"
    return None


def _alteration(
    variant: str, gene: str, origin: str, canonical_gene: Callable[[str], str | None]
) -> Alteration | str:
    """The Alteration a CIViC variant name stands for, or the reason it is not representable."""
    name = variant.upper()
    kwargs: dict[str, Any] = {"origin": _origin(origin)}
    if _PROTEIN.match(name):
        return Alteration(type="protein_change", values=[name], **kwargs)
    codon = _CODON.match(name)
    if codon:
        return Alteration(type="codon", codons=[int(codon.group(1))], **kwargs)
    if _CODONS.match(name):
        return Alteration(type="codon", codons=[int(part[1:]) for part in name.split("/")], **kwargs)
    exon = _EXON.match(name)
    if exon:
        return Alteration(type=_EXON_TYPES[exon.group(2)], exons=[int(exon.group(1))], **kwargs)
    if name == "AMPLIFICATION":
        return Alteration(type="amplification", **kwargs)
    if name == "DELETION":
        return Alteration(type="deletion", **kwargs)
    if name == "MUTATION":
        return Alteration(type="any_mutation", **kwargs)
    if name in _LOSS_OF_FUNCTION:
        return Alteration(type="loss_of_function", **kwargs)
    words = name.split()
    if name in _GENERIC_FUSION or name in (f"{gene} FUSION", f"{gene} FUSIONS"):
        return Alteration(type="fusion", **kwargs)
    if (
        len(words) == 2
        and _PROTEIN.match(words[1])
        and (_FUSION_PAIR.match(words[0]) or words[0] == "FUSION")
    ):
        # a kinase-domain mutation inside a fusion (BCR-ABL T315I): the protein change is the marker
        return Alteration(type="protein_change", values=[words[1]], **kwargs)
    if len(words) == 3 and words[1] == "FUSION" and _PROTEIN.match(words[2]):
        return Alteration(type="protein_change", values=[words[2]], **kwargs)
    pair = _FUSION_PAIR.match(name)
    if pair:
        tokens = pair.groups()
        symbols = [canonical_gene(token) for token in tokens]
        own = [
            i
            for i, (token, symbol) in enumerate(zip(tokens, symbols, strict=True))
            if gene in (token, symbol)
        ]
        partner = symbols[1 - own[0]] if len(own) == 1 else None
        if partner is None or partner == gene:
            return "fusion partner not a known gene"
        return Alteration(type="fusion", partners=[partner], **kwargs)
    if len(words) > 1 and _FUSION_PAIR.match(words[0]):
        return "fusion breakpoint-specific variant"
    return "variant name not representable"


def _origin(value: str) -> str:
    if value == "Somatic":
        return "somatic"
    if "Germline" in value:
        return "germline"
    return "any"


def _regimens(row: Mapping[str, str], canonical_drug: Callable[..., Drug | None]) -> list[list[str]] | str:
    names = [part.strip() for part in row["drugs"].split(",") if part.strip()]
    if not names:
        return "no drug named"
    drugs = []
    for name in names:
        drug = canonical_drug(text=name)
        if drug is None:
            return "drug not in the drug vocabulary"
        drugs.append(drug.name)
    interaction = row["drug_interaction_type"].strip()
    if interaction == "Sequential":
        return "sequential regimen"
    if len(drugs) == 1 or interaction == "Combination":
        return [list(dict.fromkeys(drugs))]
    return [[drug] for drug in dict.fromkeys(drugs)]


def _citations(row: Mapping[str, str], eid: str) -> list[Citation]:
    citations = []
    source_type = row["source_type"].strip()
    if source_type == "PubMed" and row["citation_id"].strip():
        citations.append(Citation(source="PMID", id=row["citation_id"].strip()))
    elif source_type == "ASCO" and row["asco_abstract_id"].strip():
        citations.append(Citation(source="ASCO", id=f"abstract {row['asco_abstract_id'].strip()}"))
    citations.append(
        Citation(source="CIViC", id=f"EID{eid}", url=f"https://civicdb.org/links/evidence/{eid}")
    )
    return citations


def _read_rows(tsv: Path) -> Iterator[dict[str, str]]:
    try:
        handle = tsv.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise KnowledgeBaseError(f"{tsv}: cannot read the CIViC file ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = reader.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise KnowledgeBaseError(
                f"{tsv}: line 1: not a CIViC ClinicalEvidenceSummaries TSV: missing column "
                f"{missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
        try:
            for line, row in enumerate(reader, start=2):
                if None in row or any(value is None for value in row.values()):
                    found = _width(row)
                    raise KnowledgeBaseError(
                        f"{tsv}: line {line}: expected {len(header)} tab-separated columns, found {found}"
                    )
                yield row
        except UnicodeDecodeError as exc:
            raise KnowledgeBaseError(f"{tsv}: expected UTF-8 text ({exc.reason})") from exc


def _width(row: Mapping[Any, Any]) -> int:
    extra = row.get(None)
    return sum(1 for key, value in row.items() if key is not None and value is not None) + (
        len(extra) if isinstance(extra, list) else 0
    )


def _source_version(tsv: Path, rows: list[dict[str, str]]) -> str:
    dated = _FILE_DATE.search(tsv.name)
    if dated:
        return dated.group(1)
    reviewed = max((row["last_review_date"].strip()[:10] for row in rows), default="")
    return f"last review {reviewed}" if reviewed else "unknown"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML dumper (libyaml when available)."""


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
