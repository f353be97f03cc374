"""The name lists `normalize` publishes for vocabularies built elsewhere (the clinical-notes rules)."""

from __future__ import annotations

import pytest

from integrome.normalize import (
    canonical_gene,
    disease_synonyms,
    drug_names,
    find_drugs,
    gene_record,
    oncotree,
    oncotree_from_text,
)


def test_drug_names_hold_generics_brands_and_regimens_each_resolving() -> None:
    names = drug_names()
    assert {"osimertinib", "Tagrisso", "FOLFOX"} <= set(names)
    assert list(names) == sorted(names)
    assert all(find_drugs(name) for name in names)


def test_disease_synonyms_map_to_current_oncotree_codes() -> None:
    synonyms = disease_synonyms()
    assert synonyms["non small cell lung cancer"] == "NSCLC"
    tree = oncotree()
    assert all(code in tree for code in synonyms.values())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("adenocarcinoma of the right upper lobe", "LUAD"),
        ("squamous cell carcinoma of the left lower lobe", "LUSC"),
        ("right middle lobe nodule", None),
        ("glioma of the right frontal lobe", "DIFG"),
    ],
)
def test_upper_middle_and_lower_lobe_are_lung_sites(text: str, code: str | None) -> None:
    assert oncotree_from_text(text) == code


@pytest.mark.parametrize(
    ("symbol", "hgnc_id"), [("BICC1", "HGNC:19351"), ("AHCYL1", "HGNC:344"), ("PPHLN1", "HGNC:19369")]
)
def test_fgfr2_fusion_partners_are_known_genes(symbol: str, hgnc_id: str) -> None:
    record = gene_record(symbol)
    assert record is not None
    assert (canonical_gene(symbol), record.hgnc_id) == (symbol, hgnc_id)
