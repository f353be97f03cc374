"""The packaged curated core: loads, is cited, uses known vocabularies, answers look-ups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.normalize.diseases import oncotree
from integrome.normalize.drugs import canonical_drug
from integrome.normalize.genes import canonical_gene


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def test_packaged_core_has_at_least_100_biomarker_records(kb: KnowledgeBase) -> None:
    assert len(kb.biomarkers) >= 100


def test_every_record_has_a_citation_and_a_review_date(kb: KnowledgeBase) -> None:
    for record in kb.biomarkers:
        assert record.citations, record.id
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record.reviewed), record.id


def test_every_disease_code_is_in_the_packaged_oncotree(kb: KnowledgeBase) -> None:
    tree = oncotree()
    codes = {code for r in kb.biomarkers for code in [*r.diseases, *r.excluded_diseases]}
    unknown = sorted(code for code in codes if code not in ("SOLID", "ANY") and code not in tree)
    assert unknown == []


def test_every_drug_is_a_canonical_name_of_the_drug_vocabulary(kb: KnowledgeBase) -> None:
    drugs = sorted({drug for r in kb.biomarkers for drug in r.drugs})
    unknown = [d for d in drugs if (found := canonical_drug(text=d)) is None or found.name != d]
    assert unknown == []


def test_every_gene_symbol_is_an_approved_hgnc_symbol(kb: KnowledgeBase) -> None:
    genes = {r.gene for r in kb.biomarkers if r.gene} | {
        p for r in kb.biomarkers for p in r.alteration.partners
    }
    genes |= {h.gene for h in kb.hotspots}
    assert sorted(g for g in genes if canonical_gene(g) != g) == []


def test_core_loads_without_vocabulary_warnings(kb: KnowledgeBase) -> None:
    assert kb.warnings == ()


def test_record_ids_are_unique(kb: KnowledgeBase) -> None:
    ids = [r.id for r in kb.biomarkers]
    assert len(ids) == len(set(ids))


def test_version_is_release_line_plus_content_hash(kb: KnowledgeBase) -> None:
    assert re.fullmatch(r"2026\.11\.0\+[0-9a-f]{8}", kb.version)


def test_loading_twice_returns_the_cached_knowledge_base(kb: KnowledgeBase) -> None:
    assert load_knowledge_base() is kb


def test_for_gene_returns_only_that_genes_records(kb: KnowledgeBase) -> None:
    egfr = kb.for_gene("EGFR")
    assert egfr
    assert all(r.gene == "EGFR" for r in egfr)
    assert kb.for_gene("NOTAGENE") == ()


def test_gene_less_records_are_biomarkers_without_a_gene(kb: KnowledgeBase) -> None:
    names = {r.alteration.biomarker for r in kb.gene_less()}
    assert {"TMB", "MSI", "MMR"} <= names
    assert all(r.gene is None for r in kb.gene_less())


def test_for_biomarker_finds_gene_bound_and_gene_less_records_by_name(kb: KnowledgeBase) -> None:
    her2 = kb.for_biomarker("her2")
    assert her2
    assert {r.gene for r in her2} == {"ERBB2"}
    assert any(r.alteration.min_value == 10 for r in kb.for_biomarker("TMB"))


def test_hotspot_lookup_accepts_unprefixed_chromosome(kb: KnowledgeBase) -> None:
    hit = kb.hotspot("GRCh38", "12", 25245351, "C", "A")
    assert hit is not None
    assert (hit.gene, hit.hgvs_p) == ("KRAS", "G12C")
    assert kb.hotspot("GRCh37", "chr12", 25245351, "C", "A") is None


def test_info_counts_records_by_direction_level_and_file(kb: KnowledgeBase) -> None:
    info = kb.info()
    assert info.version == kb.version
    assert info.biomarkers == len(kb.biomarkers)
    assert sum(info.by_direction.values()) == len(kb.biomarkers)
    assert info.by_evidence_level["A"] > 0
    assert info.hotspots_by_build == {"GRCh37": len(kb.hotspots) // 2, "GRCh38": len(kb.hotspots) // 2}
    assert sum(f.records for f in info.files) == len(kb.biomarkers) + len(kb.hotspots)
    assert info.citation_sources["FDA"] > 0
    assert info.reviewed_from is not None
    assert info.reviewed_from <= (info.reviewed_to or "")
    assert info.pgx_sites["GRCh38"] > 0


def test_pgx_knowledge_is_loaded_once_and_reused(tmp_path: Path) -> None:
    kb = load_knowledge_base(extra_dir=tmp_path)
    pgx = kb.pgx
    assert kb.pgx is pgx
    assert kb.info().pgx_sites["GRCh37"] > 0
