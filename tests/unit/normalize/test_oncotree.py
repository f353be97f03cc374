"""OncoTree hierarchy queries and pseudo-scopes."""

from __future__ import annotations

import pytest

from integrome.normalize import oncotree


def test_lung_adenocarcinoma_is_a_non_small_cell_lung_cancer() -> None:
    tree = oncotree()
    assert tree.is_a("LUAD", "NSCLC")
    assert tree.is_a("LUAD", "LUNG")
    assert not tree.is_a("NSCLC", "LUAD")
    assert tree.is_a("LUAD", "LUAD")


def test_ancestors_are_nearest_first_and_exclude_the_code() -> None:
    assert oncotree().ancestors("COAD") == ["COADREAD", "BOWEL", "TISSUE"]
    assert oncotree().ancestors("TISSUE") == []


def test_node_attributes_come_from_the_release() -> None:
    tree = oncotree()
    assert tree.name("GIST") == "Gastrointestinal Stromal Tumor"
    assert tree.parent("GIST") == "SOFT_TISSUE"
    assert tree.main_type("LUAD") == "Non-Small Cell Lung Cancer"
    assert tree.tissue("AML") == "Myeloid"
    assert tree.main_type("TISSUE") is None


def test_heme_codes_are_not_solid_and_solid_scope_follows_tissue() -> None:
    tree = oncotree()
    assert tree.is_solid("GIST")
    assert not tree.is_solid("AML")
    assert not tree.is_solid("CLLSLL")
    assert not tree.is_solid("TISSUE")
    assert tree.is_a("LUAD", "SOLID")
    assert not tree.is_a("AML", "SOLID")


def test_any_scope_contains_every_code_but_not_unknown_ones() -> None:
    tree = oncotree()
    assert all(tree.is_a(code, "ANY") for code in ("AML", "LUAD", "TISSUE"))
    assert not tree.is_a("NOT_A_CODE", "ANY")


def test_legacy_codes_resolve_to_current_codes() -> None:
    tree = oncotree()
    assert tree.resolve("CLL") == "CLLSLL"
    assert tree.resolve("GBM") == "GB"
    assert tree.resolve("MM") == "PCM"
    assert "CLL" in tree
    assert tree.is_a("CLL", "LYMPH")


def test_unknown_code_raises_key_error_for_attribute_lookups() -> None:
    with pytest.raises(KeyError):
        oncotree().name("NOT_A_CODE")
    assert "NOT_A_CODE" not in oncotree()


def test_release_has_all_898_nodes_and_the_grouping_codes_the_kb_uses() -> None:
    tree = oncotree()
    assert len(tree) == 898
    grouping = (
        "NSCLC LUAD LUSC COADREAD BOWEL BREAST MEL SKCM GIST AML BLCA PAAD PRAD OVARY HGSOC UCEC CHOL THYROID"
    )
    for code in [*grouping.split(), "GB", "DIFG", "STAD", "ESCA"]:
        assert code in tree.codes


def test_most_specific_prefers_the_deepest_consistent_code() -> None:
    tree = oncotree()
    assert tree.most_specific(["LUNG", "LUAD", None]) == "LUAD"
    assert tree.most_specific([None]) is None
    assert tree.most_specific(["COAD", "LUAD"]) == "COAD"
