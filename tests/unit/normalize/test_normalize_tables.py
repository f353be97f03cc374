"""Consistency of the curated tables shipped in normalize/data."""

from __future__ import annotations

import time

import pytest

from integrome.normalize import canonical_gene, oncotree
from integrome.normalize._data import read_packaged_tsv, split_multi
from integrome.normalize.diseases import _phrases, _refinements
from integrome.normalize.drugs import _tables
from integrome.normalize.genes import load_packaged_genes


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("icd10cm_oncotree.tsv", ("oncotree",)),
        ("snomed_oncotree.tsv", ("oncotree",)),
        ("doid_oncotree.tsv", ("oncotree",)),
        ("disease_synonyms.tsv", ("oncotree",)),
        ("disease_sites.tsv", ("oncotree",)),
        ("oncotree_refinements.tsv", ("base", "target")),
    ],
)
def test_every_curated_disease_row_names_a_current_oncotree_code(
    table: str, columns: tuple[str, ...]
) -> None:
    codes = oncotree().codes | {"ANY", "-"}
    bad = [row for row in read_packaged_tsv(table) for c in columns if row[c] not in codes]
    assert bad == []


def test_every_combination_component_is_a_listed_drug() -> None:
    names = {row["name"] for row in read_packaged_tsv("drugs.tsv")}
    components = {
        c for row in read_packaged_tsv("drug_combinations.tsv") for c in split_multi(row["components"])
    }
    assert components <= names


def test_drug_names_are_lowercase_and_rxnorm_codes_unique_and_numeric() -> None:
    rows = read_packaged_tsv("drugs.tsv")
    assert all(row["name"] == row["name"].lower() for row in rows)
    codes = [row["rxnorm"] for row in rows if row["rxnorm"]]
    assert all(code.isdigit() for code in codes)
    assert len(codes) == len(set(codes))
    assert all(row["source"] for row in rows)


def test_curated_gene_aliases_point_at_packaged_genes() -> None:
    for row in read_packaged_tsv("gene_aliases.tsv"):
        assert canonical_gene(row["alias"]) == row["symbol"]


def test_renames_cite_their_source() -> None:
    assert all(row["citation"] for row in read_packaged_tsv("hgnc_renames.tsv"))


@pytest.mark.parametrize(
    "load",
    [
        load_packaged_genes,
        oncotree.__wrapped__,
        _tables.__wrapped__,
        _phrases.__wrapped__,
        _refinements.__wrapped__,
    ],
)
def test_each_table_loads_within_budget(load) -> None:
    load()  # warm the import and file cache
    started = time.perf_counter()
    load()
    assert time.perf_counter() - started < 0.25
