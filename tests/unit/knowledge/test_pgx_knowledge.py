"""PGx knowledge: pypgx tables as data, curated overlay, PharmCAT import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.pgx import CALLED_GENES, load_pgx_knowledge
from integrome.knowledge.pgx_defs import allele_key
from integrome.knowledge.sources.pharmcat import import_pharmcat


def test_sites_of_interest_cover_both_builds() -> None:
    kb = load_pgx_knowledge()
    assert ("chr10", 94781859) in kb.sites_of_interest("GRCh38")  # CYP2C19 rs4244285
    assert ("chr10", 96541616) in kb.sites_of_interest("GRCh37")


def test_every_called_gene_has_a_reference_allele() -> None:
    kb = load_pgx_knowledge()
    assert set(kb.definitions) == set(CALLED_GENES)
    for definition in kb.definitions.values():
        assert definition.reference().name == definition.reference_allele


def test_dpyd_activity_scores_follow_cpic() -> None:
    kb = load_pgx_knowledge()
    assert kb.allele_activity[("DPYD", "c.1905+1G>A (*2A)")] == 0.0
    assert kb.phenotype_for_score("DPYD", 2.0) == "Normal Metabolizer"
    assert kb.phenotype_for_score("DPYD", 1.0) == "Intermediate Metabolizer"


def test_curated_rules_are_cited_or_backed_by_a_cpic_guideline() -> None:
    kb = load_pgx_knowledge()
    for rule in kb.rules:
        cpic = [row for drug in rule.drugs for row in kb.genes_for_drug(drug) if row.pmids]
        assert rule.citations or cpic, rule.drugs


def test_indel_keys_ignore_vcf_representation() -> None:
    assert allele_key("CAT", "CATAT", snv=False) == allele_key("C", "CAT", snv=False) == "C>CAT"
    assert allele_key("CAT", "CAT", snv=False) == "="


def test_import_pharmcat_definitions_replace_default_ones(shared_data: Path, tmp_path: Path) -> None:
    report = import_pharmcat(shared_data / "pharmcat" / "definitions", tmp_path)
    assert report.genes["CYP2C19"] == 36
    assert "CYP2D6" in report.skipped
    saved = json.loads((tmp_path / "pgx" / "definitions" / "NAT2.json").read_text())
    assert saved["required_positions"] == [18400194, 18400344, 18400593, 18400806, 18400860]
    kb = load_pgx_knowledge(tmp_path)
    assert kb.definitions["CYP2C19"].reference_allele == "*38"
    assert kb.definitions["CYP2C19"].source.startswith("PharmCAT")


def test_import_pharmcat_rejects_a_folder_without_definitions(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no PharmCAT"):
        import_pharmcat(tmp_path, tmp_path / "out")


def test_warfarin_label_table_has_every_cyp2c9_and_vkorc1_combination() -> None:
    kb = load_pgx_knowledge()
    assert kb.warfarin is not None
    vkorc1 = kb.variant_genes["VKORC1"].results
    assert {row for _, row in kb.warfarin.doses} == set(vkorc1)
    assert len(kb.warfarin.doses) == 18
    assert kb.warfarin.doses[("*1/*3", "-1639 AA")] == "0.5-2"
    assert kb.warfarin.doses[("*1/*1", "-1639 GG")] == kb.warfarin.usual_dose


def test_variant_genes_name_an_rsid_the_allele_definitions_contain() -> None:
    kb = load_pgx_knowledge()
    for gene, variant in kb.variant_genes.items():
        assert variant.rsid in {p.rsid for p in kb.definitions[gene].positions}, gene


def test_an_inhibitor_is_either_strong_or_moderate_for_one_enzyme() -> None:
    kb = load_pgx_knowledge()
    for gene, moderate in kb.moderate_inhibitors.items():
        assert not moderate & kb.strong_inhibitors.get(gene, frozenset()), gene
