"""Pharmacogenomic knowledge: allele definitions, phenotype rules, CPIC drug recommendations.

Default content comes from pypgx's CPIC tables (MIT; CPIC and PharmVar are the sources of each
fact), read once as data files and kept in dicts. `knowledge/data/pgx/*.yaml` overlays what the
tables lack: CPIC strength, severity, alternatives as drug lists and summaries in our words, the
FDA table of strong and moderate inhibitors for phenoconversion, the genes CPIC reports by genotype
(VKORC1, CYP4F2) and the warfarin dose table. A user KB folder written by
`knowledge.sources.pharmcat.import_pharmcat` replaces the allele definitions of the genes it holds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.pgx_defs import (
    GeneDefinition,
    definition_from_json,
    pypgx_data_dir,
    pypgx_definitions,
    read_csv_rows,
)
from integrome.model import Citation
from integrome.model.common import Severity

__all__ = [
    "CALLED_GENES",
    "OUTSIDE_CALL_GENES",
    "CpicDrug",
    "CuratedRule",
    "PgxKnowledge",
    "VariantGene",
    "WarfarinKnowledge",
    "load_pgx_knowledge",
]

CALLED_GENES: tuple[str, ...] = (
    "ABCG2",
    "CACNA1S",
    "CYP2B6",
    "CYP2C19",
    "CYP2C9",
    "CYP3A4",
    "CYP3A5",
    "CYP4F2",
    "DPYD",
    "G6PD",
    "IFNL3",
    "NAT2",
    "NUDT15",
    "RYR1",
    "SLCO1B1",
    "TPMT",
    "UGT1A1",
    "VKORC1",
)
"""Genes called from SNVs/indels: PharmCAT's matcher set minus CFTR (no CPIC drug besides
ivacaftor, whose responsive variants are a label list, not star alleles)."""

OUTSIDE_CALL_GENES: tuple[str, ...] = ("CYP2D6", "HLA-A", "HLA-B")
"""Genes that need structural-variant or HLA typing: taken only from outside calls."""

COMBINATION_GENES: frozenset[str] = frozenset({"DPYD", "RYR1", "CACNA1S"})
"""Genes whose named alleles are single variants reported per variant (PharmCAT does the same);
DPYD's activity score uses the lowest-function variant per haplotype (CPIC 2017, PMID 29152729)."""


@dataclass(frozen=True)
class CpicDrug:
    """One CPIC gene-drug pair from pypgx's cpic-table."""

    gene: str
    drug: str
    level: str
    guideline_url: str
    pmids: tuple[str, ...]

    def citation(self) -> Citation:
        """The guideline and its most recent PMID (PMIDs grow with time; updates supersede)."""
        ident = f"PMID:{max(self.pmids, key=int)}" if self.pmids else self.guideline_url
        return Citation(source="CPIC", id=ident, url=self.guideline_url or None)


@dataclass(frozen=True)
class CuratedRule:
    drugs: tuple[str, ...]
    gene: str
    severity: Severity
    headline: str
    summary: str
    kind: str = "pgx"
    classification: str | None = None
    alternatives: tuple[str, ...] = ()
    phenotypes: frozenset[str] = frozenset()
    min_score: float | None = None
    max_score: float | None = None
    positive: frozenset[str] = frozenset()
    diplotypes: frozenset[str] = frozenset()
    evidence_level: str | None = None
    citations: tuple[Citation, ...] = ()

    def applies(
        self, phenotype: str, score: float | None, diplotype: str | None, hla: frozenset[str]
    ) -> bool:
        if self.positive:
            return bool(self.positive & hla)
        if self.diplotypes:
            return diplotype is not None and _unordered(diplotype) in {_unordered(d) for d in self.diplotypes}
        if self.min_score is not None and self.max_score is not None:
            return score is not None and self.min_score - 1e-9 <= score <= self.max_score + 1e-9
        return phenotype in self.phenotypes


def _unordered(diplotype: str) -> tuple[str, ...]:
    return tuple(sorted(diplotype.split("/")))


@dataclass(frozen=True)
class VariantGene:
    """A gene CPIC reports by the genotype at one variant instead of a metabolizer phenotype.

    `results[n]` is the reported result with n variant copies (VKORC1: "-1639 GG/AG/AA");
    `functions` gives the reference and variant allele function where CPIC names one.
    """

    gene: str
    rsid: str
    results: tuple[str, str, str]
    functions: tuple[str, str] | None
    pharmcat_names: bool
    note: str


@dataclass(frozen=True)
class WarfarinKnowledge:
    """The COUMADIN label dose table and the CPIC 2017 statements the warfarin insight quotes."""

    doses: dict[tuple[str, str], str]
    """(CYP2C9 diplotype, VKORC1 result) → expected maintenance dose in mg/day, e.g. '0.5-2'."""
    usual_dose: str
    slow_to_maximal_effect: frozenset[str]
    african_ancestry_alleles: tuple[str, ...]
    statements: dict[str, str]
    cpic_citation: Citation
    label_citation: Citation


@dataclass
class PgxKnowledge:
    """Everything the PGx matcher needs, loaded once (`load_pgx_knowledge` caches it)."""

    definitions: dict[str, GeneDefinition]
    allele_function: dict[tuple[str, str], str]
    allele_activity: dict[tuple[str, str], float]
    diplotype_phenotype: dict[tuple[str, str], str]
    score_genes: frozenset[str]
    equations: dict[str, list[tuple[str, float, float]]]
    recommendations: dict[tuple[str, str, str], str]
    two_gene_recommendations: dict[tuple[str, str, str, str, str], str]
    cpic: dict[str, list[CpicDrug]]
    rules: list[CuratedRule]
    strong_inhibitors: dict[str, frozenset[str]]
    inhibitor_citation: Citation
    version: str
    sources: list[str] = field(default_factory=list)
    moderate_inhibitors: dict[str, frozenset[str]] = field(default_factory=dict)
    variant_genes: dict[str, VariantGene] = field(default_factory=dict)
    warfarin: WarfarinKnowledge | None = None
    gene_pairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Drug → the two genes of its two-gene CPIC recommendations (pypgx recommendation-table)."""
    phenotype_terms: dict[str, frozenset[str]] = field(default_factory=dict)
    """Gene → the CPIC phenotype terms used for it (diplotype table and score equations)."""

    def sites_of_interest(self, build: str) -> frozenset[tuple[str, int]]:
        """(chrom 'chrN', pos) of every definition position on `build` (GRCh38 or GRCh37)."""
        sites: set[tuple[str, int]] = set()
        for definition in self.definitions.values():
            for position in definition.positions:
                pos = position.pos(build)
                if pos is not None:
                    sites.add((position.chrom, pos))
        return frozenset(sites)

    def position_genes(self) -> dict[tuple[str, str, int], str]:
        """(build, 'chrN', pos) → gene of every definition position on both builds, so a warning
        about a position can name its gene even when no input annotated it."""
        genes: dict[tuple[str, str, int], str] = {}
        for gene, definition in self.definitions.items():
            for position in definition.positions:
                for build in ("GRCh38", "GRCh37"):
                    pos = position.pos(build)
                    if pos is not None:
                        genes[(build, position.chrom, pos)] = gene
        return genes

    def genes_for_drug(self, drug: str) -> list[CpicDrug]:
        return self.cpic.get(drug, [])

    def phenotype_for_score(self, gene: str, score: float) -> str | None:
        for phenotype, low, high in self.equations.get(gene, []):
            if low <= score < high or (low == high == score):
                return phenotype
        return None


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _equations(rows: list[dict[str, str]]) -> dict[str, list[tuple[str, float, float]]]:
    """pypgx's equation-table: '1 <= score < 2', '2 == score', '2.5 <= score'."""
    result: dict[str, list[tuple[str, float, float]]] = {}
    for row in rows:
        text = row["Equation"].replace(" ", "")
        if "==" in text:
            value = float(text.split("==")[0])
            low, high = value, value
        else:
            parts = text.split("<")
            low = float(parts[0].rstrip("="))
            high = float(parts[-1]) if len(parts) == 3 else math.inf
        result.setdefault(row["Gene"], []).append((row["Phenotype"], low, high))
    return result


def _severity(value: object) -> str:
    if value not in ("info", "warning", "critical"):
        raise ValueError(f"unknown severity {value!r}")
    return str(value)


def _rule(raw: Mapping[str, Any], where: str) -> CuratedRule:
    try:
        citations = tuple(Citation(**c) for c in raw.get("citations", []))
        rule = CuratedRule(
            drugs=tuple(raw["drugs"]),
            gene=str(raw["gene"]),
            severity=cast(Severity, _severity(raw["severity"])),
            headline=str(raw["headline"]),
            summary=str(raw["summary"]),
            kind=str(raw.get("kind", "pgx")),
            classification=raw.get("classification"),
            alternatives=tuple(raw.get("alternatives", [])),
            phenotypes=frozenset(raw.get("phenotypes", [])),
            min_score=raw.get("min_score"),
            max_score=raw.get("max_score"),
            positive=frozenset(raw.get("positive", [])),
            diplotypes=frozenset(raw.get("diplotypes", [])),
            evidence_level=raw.get("evidence_level"),
            citations=citations,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeBaseError(f"{where}: invalid PGx rule ({exc})") from exc
    if len(rule.summary) > 140:
        raise KnowledgeBaseError(f"{where}: summary over 140 characters")
    if not (rule.phenotypes or rule.positive or rule.diplotypes or rule.min_score is not None):
        raise KnowledgeBaseError(f"{where}: rule names no phenotype, score, diplotype or HLA allele")
    return rule


def _variant_genes(raw: Mapping[str, Any]) -> dict[str, VariantGene]:
    genes: dict[str, VariantGene] = {}
    try:
        for gene, entry in raw["genes"].items():
            results = tuple(str(r) for r in entry["results"])
            functions = entry.get("functions")
            if len(results) != 3 or (functions is not None and len(functions) != 2):
                raise ValueError("results needs 3 entries (0, 1, 2 copies) and functions 2")
            genes[gene] = VariantGene(
                gene=gene,
                rsid=str(entry["rsid"]),
                results=(results[0], results[1], results[2]),
                functions=(str(functions[0]), str(functions[1])) if functions else None,
                pharmcat_names=bool(entry.get("pharmcat_names", False)),
                note=str(entry["note"]),
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KnowledgeBaseError(f"variant_genes.yaml: invalid entry ({exc})") from exc
    return genes


def _warfarin(raw: Mapping[str, Any]) -> WarfarinKnowledge:
    """The label table as (CYP2C9 diplotype, VKORC1 result) → mg/day, checked for shape."""
    try:
        table = raw["label_table"]
        columns = [str(c) for c in table["columns"]]
        doses: dict[tuple[str, str], str] = {}
        for row, values in table["rows"].items():
            if len(values) != len(columns):
                raise ValueError(f"row {row!r} has {len(values)} values for {len(columns)} columns")
            for column, value in zip(columns, values, strict=True):
                doses[(column, str(row))] = str(value)
        return WarfarinKnowledge(
            doses=doses,
            usual_dose=str(table["usual"]),
            slow_to_maximal_effect=frozenset(str(d) for d in table["slow_to_maximal_effect"]),
            african_ancestry_alleles=tuple(str(a) for a in raw["african_ancestry_alleles"]),
            statements={str(k): " ".join(str(v).split()) for k, v in raw["statements"].items()},
            cpic_citation=Citation(**raw["citations"]["cpic"]),
            label_citation=Citation(**raw["citations"]["label"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KnowledgeBaseError(f"warfarin.yaml: invalid content ({exc})") from exc


def _phenotype_terms(
    diplotype_phenotype: Mapping[tuple[str, str], str],
    equations: Mapping[str, list[tuple[str, float, float]]],
) -> dict[str, frozenset[str]]:
    terms: dict[str, set[str]] = {}
    for (gene, _), phenotype in diplotype_phenotype.items():
        terms.setdefault(gene, set()).add(phenotype)
    for gene, rows in equations.items():
        terms.setdefault(gene, set()).update(p for p, _, _ in rows)
    return {gene: frozenset(values) for gene, values in terms.items()}


def _load_yaml(name: str) -> Any:
    text = resources.files("integrome.knowledge").joinpath("data", "pgx", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.cache
def _load(extra_dir: Path | None) -> PgxKnowledge:
    data = pypgx_data_dir()
    definitions = pypgx_definitions(data, CALLED_GENES)
    sources = ["pypgx CPIC tables (allele, diplotype, phenotype, recommendation, cpic)"]
    if extra_dir is not None:
        folder = extra_dir / "pgx" / "definitions"
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                definition = definition_from_json(path)
                definitions[definition.gene] = definition
            sources.append(f"imported definitions from {folder}")

    allele_function: dict[tuple[str, str], str] = {}
    allele_activity: dict[tuple[str, str], float] = {}
    for row in read_csv_rows(data / "allele-table.csv"):
        key = (row["Gene"], row["StarAllele"])
        allele_function[key] = row["Function"]
        score = _float(row["ActivityScore"])
        if score is not None:
            allele_activity[key] = score
    diplotype_phenotype: dict[tuple[str, str], str] = {}
    for row in read_csv_rows(data / "diplotype-table.csv"):
        a, _, b = row["Diplotype"].partition("/")
        diplotype_phenotype[(row["Gene"], "/".join(sorted((a, b))))] = row["Phenotype"]
    score_genes = frozenset(
        row["Gene"] for row in read_csv_rows(data / "gene-table.csv") if row["PhenotypeMethod"] == "Score"
    )
    recommendations: dict[tuple[str, str, str], str] = {}
    two_gene: dict[tuple[str, str, str, str, str], str] = {}
    for row in read_csv_rows(data / "recommendation-table.csv"):
        text = row["Recommendation"]
        if text in ("None", ""):
            continue
        drug = row["Drug"].lower()
        if row["Gene2"] == "None":
            recommendations[(drug, row["Gene1"], row["Phenotype1"])] = text
        else:
            two_gene[(drug, row["Gene1"], row["Phenotype1"], row["Gene2"], row["Phenotype2"])] = text
    cpic: dict[str, list[CpicDrug]] = {}
    for row in read_csv_rows(data / "cpic-table.csv"):
        pmids = tuple(p.strip() for p in row["PMID"].split(";") if p.strip())
        cpic.setdefault(row["Drug"].lower(), []).append(
            CpicDrug(row["Gene"], row["Drug"].lower(), row["CPICLevel"], row["Guideline"], pmids)
        )
    overlay = _load_yaml("recommendations.yaml")
    rules = [_rule(raw, f"recommendations.yaml: rule {i + 1}") for i, raw in enumerate(overlay["rules"])]
    inhibitors = _load_yaml("inhibitors.yaml")
    equations = _equations(read_csv_rows(data / "equation-table.csv"))
    return PgxKnowledge(
        definitions=definitions,
        allele_function=allele_function,
        allele_activity=allele_activity,
        diplotype_phenotype=diplotype_phenotype,
        score_genes=score_genes,
        equations=equations,
        recommendations=recommendations,
        two_gene_recommendations=two_gene,
        cpic=cpic,
        rules=rules,
        strong_inhibitors={g: frozenset(d) for g, d in inhibitors["strong"].items()},
        inhibitor_citation=Citation(**inhibitors["citation"]),
        version=f"pgx-overlay {overlay['reviewed']}",
        sources=sources,
        moderate_inhibitors={g: frozenset(d) for g, d in inhibitors.get("moderate", {}).items()},
        variant_genes=_variant_genes(_load_yaml("variant_genes.yaml")),
        warfarin=_warfarin(_load_yaml("warfarin.yaml")),
        gene_pairs={drug: (g1, g2) for (drug, g1, _, g2, _) in two_gene},
        phenotype_terms=_phenotype_terms(diplotype_phenotype, equations),
    )


def load_pgx_knowledge(extra_dir: Path | None = None) -> PgxKnowledge:
    """The PGx knowledge, loaded once per `extra_dir` (a user KB folder with imported definitions)."""
    return _load(extra_dir.resolve() if extra_dir is not None else None)
