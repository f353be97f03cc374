"""Diagnostic hallmark gene fusions: the tumor entity a 5'::3' fusion defines or characterizes.

The biomarker records are therapy-oriented, so a fusion such as EWSR1::FLI1 (no drug) matched none
of them and was only counted; for a tumor board it is diagnostic information. `data/diagnostic/`
holds a small curated table, each row cited to the WHO Classification of Tumours (5th edition)
volume that defines the entity; the format is documented in `data/diagnostic/README.md`.

The files live in the packaged data folder, so they are part of the knowledge-base version hash
(`loader.kb_version`); the biomarker loader leaves the folder to this module. Every problem is a
`KnowledgeBaseError` naming the file, line, row and field: a gene that is not the approved HGNC
symbol or an OncoTree code the packaged release does not hold would make a row silently unmatchable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Literal

from pydantic import Field, model_validator

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.catalog import packaged_files, read_yaml, yaml_records
from integrome.model.common import Citation, DateStr, GeneSymbol, StrictModel

__all__ = [
    "DIAGNOSTIC_DIR",
    "DiagnosticFusion",
    "DiagnosticFusionTable",
    "FusionStrength",
    "load_diagnostic_fusions",
    "parse_diagnostic_fusions",
]

DIAGNOSTIC_DIR = "diagnostic"
"""Sub-folder of `knowledge/data/` holding the diagnostic tables."""

FusionStrength = Literal["defining", "characteristic"]
"""defining: the WHO definition of the entity rests on the fusion (Ewing sarcoma, CML);
characteristic: recurrent and typical, supports the diagnosis but neither required nor specific
(TMPRSS2::ERG in prostate adenocarcinoma)."""

_TOP_KEYS = {"source", "source_version", "defaults", "fusions"}


class DiagnosticFusion(StrictModel):
    """One entity and the fusions that define or characterize it; any 5' gene with any 3' gene."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
    five_prime: list[GeneSymbol] = Field(min_length=1, description="alternative 5' partners (HGNC symbols)")
    three_prime: list[GeneSymbol] = Field(min_length=1, description="alternative 3' partners (HGNC symbols)")
    entity: str = Field(min_length=1, description="the WHO name of the tumor type, as reports name it")
    tumor_types: list[str] = Field(min_length=1, description="OncoTree codes, descendants included")
    strength: FusionStrength
    cited_as: str = Field(min_length=1, description="short reference for titles, e.g. 'WHO 2020'")
    statement: str = Field(min_length=1, description="one or two sentences in our own words")
    citations: list[Citation] = Field(min_length=1)
    reviewed: DateStr

    @model_validator(mode="after")
    def _partners_distinct(self) -> DiagnosticFusion:
        for field, genes in (("five_prime", self.five_prime), ("three_prime", self.three_prime)):
            if len(set(genes)) != len(genes):
                raise ValueError(f"{field} lists a gene twice")
        shared = sorted(set(self.five_prime) & set(self.three_prime))
        if shared:
            raise ValueError(f"{', '.join(shared)} is both a 5' and a 3' partner")
        return self


class DiagnosticFusionTable:
    """Validated rows indexed by (5' gene, 3' gene); build it with `load_diagnostic_fusions()`."""

    def __init__(self, rows: Iterable[DiagnosticFusion]) -> None:
        self.rows: tuple[DiagnosticFusion, ...] = tuple(rows)
        index: dict[tuple[str, str], list[DiagnosticFusion]] = {}
        for row in self.rows:
            for five in row.five_prime:
                for three in row.three_prime:
                    index.setdefault((five, three), []).append(row)
        self._by_pair = {pair: tuple(rows) for pair, rows in index.items()}

    def __repr__(self) -> str:
        return f"DiagnosticFusionTable(rows={len(self.rows)})"

    def matching(self, five_prime: str, three_prime: str) -> tuple[DiagnosticFusion, ...]:
        """Rows for this oriented fusion, in file order; the reverse orientation matches nothing."""
        return self._by_pair.get((five_prime, three_prime), ())

    @property
    def genes(self) -> frozenset[str]:
        """Every gene of the table, for input filters that keep only fusions something can be said about."""
        return frozenset(gene for five, three in self._by_pair for gene in (five, three))


def parse_diagnostic_fusions(named: Sequence[tuple[str, str]]) -> DiagnosticFusionTable:
    """Validate diagnostic-fusion files (name, text) together: rows, vocabularies, unique ids."""
    rows: list[DiagnosticFusion] = []
    first: dict[str, str] = {}
    for name, text in named:
        for row, where in _parse(text, name):
            if row.id in first:
                raise KnowledgeBaseError(f"{where}: duplicate id, first defined at {first[row.id]}")
            first[row.id] = where
            _check_vocabularies(row, where)
            rows.append(row)
    return DiagnosticFusionTable(rows)


def _parse(text: str, name: str) -> list[tuple[DiagnosticFusion, str]]:
    document, lines = read_yaml(text, name)
    if not isinstance(document, dict):
        raise KnowledgeBaseError(f"{name}: expected a mapping with 'source' and 'fusions' at the top")
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise KnowledgeBaseError(f"{name}: unknown top-level key(s) {unknown}; expected {sorted(_TOP_KEYS)}")
    source = document.get("source")
    if not isinstance(source, str) or not source:
        raise KnowledgeBaseError(
            f"{name}: source: expected a non-empty string naming where the rows come from"
        )
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise KnowledgeBaseError(f"{name}: defaults: expected a mapping of values shared by all rows")
    if not isinstance(document.get("fusions"), list):
        raise KnowledgeBaseError(f"{name}: fusions: expected a list of rows")
    return yaml_records(document, lines, name, "fusions", DiagnosticFusion, defaults)


def _check_vocabularies(row: DiagnosticFusion, where: str) -> None:
    """Genes must be approved HGNC symbols (findings carry those after normalization) and tumor
    types current OncoTree codes, else the row could never match or be compared."""
    from integrome.normalize.diseases import oncotree
    from integrome.normalize.genes import canonical_gene

    for field, genes in (("five_prime", row.five_prime), ("three_prime", row.three_prime)):
        for gene in genes:
            approved = canonical_gene(gene)
            if approved != gene:
                problem = (
                    f"is not the approved HGNC symbol ({approved})"
                    if approved
                    else "is not in the gene vocabulary"
                )
                raise KnowledgeBaseError(f"{where}: {field}: gene {gene!r} {problem}")
    tree = oncotree()
    for code in row.tumor_types:
        current = tree.resolve(code)
        if current != code:
            hint = f" (current code: {current})" if current else ""
            raise KnowledgeBaseError(
                f"{where}: tumor_types: unknown OncoTree code {code!r}{hint}; expected a code of the "
                "packaged OncoTree release"
            )


@cache
def _table(named: tuple[tuple[str, bytes], ...]) -> DiagnosticFusionTable:
    return parse_diagnostic_fusions([(name, data.decode("utf-8")) for name, data in named])


def load_diagnostic_fusions() -> DiagnosticFusionTable:
    """The packaged table; files are re-read (a few kB) and parsed once per content."""
    return _table(packaged_files(DIAGNOSTIC_DIR))
