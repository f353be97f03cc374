"""Filters of the knowledge-base and catalog browser pages."""

from __future__ import annotations

from integrome.api.web_kb import CatalogFilters, KbFilters, catalog_rows, kb_rows
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.catalog import load_catalog
from integrome.model import BiomarkerRecord, Citation
from integrome.model.knowledge import Alteration


def _record(**changes: object) -> BiomarkerRecord:
    fields: dict[str, object] = {
        "id": "EGFR-L858R-osimertinib",
        "gene": "EGFR",
        "alteration": Alteration(type="protein_change", values=["L858R"]),
        "label": "EGFR L858R",
        "diseases": ["NSCLC"],
        "drugs": ["osimertinib"],
        "direction": "sensitivity",
        "evidence_level": "A",
        "statement": "Osimertinib is approved for EGFR L858R NSCLC.",
        "citations": [Citation(source="FDA", id="Tagrisso (osimertinib) label")],
        "reviewed": "2026-11-01",
    }
    fields.update(changes)
    return BiomarkerRecord.model_validate(fields)


def test_kb_filters_combine_gene_drug_and_level() -> None:
    records = [
        _record(),
        _record(id="EGFR-C797S", drugs=["osimertinib"], direction="resistance", evidence_level="C"),
        _record(id="KRAS-G12C", gene="KRAS", label="KRAS G12C", drugs=["sotorasib"]),
    ]
    rows = kb_rows(records, KbFilters.from_query("egfr", "Osimertinib", None, "A", None, None))
    assert [row.record.id for row in rows] == ["EGFR-L858R-osimertinib"]


def test_kb_gene_filter_finds_gene_less_biomarkers_by_name() -> None:
    tmb = _record(
        id="TMB-pembrolizumab",
        gene=None,
        alteration=Alteration(type="biomarker", biomarker="TMB", min_value=10),
        label="TMB-high",
        drugs=["pembrolizumab"],
    )
    assert [r.record.id for r in kb_rows([_record(), tmb], KbFilters(gene="TMB"))] == ["TMB-pembrolizumab"]


def test_kb_citation_links_only_for_http_urls() -> None:
    record = _record(
        citations=[
            Citation(source="PMID", id="29151359"),
            Citation(source="X", id="bad", url="javascript:alert(1)"),
        ]
    )
    (row,) = kb_rows([record], KbFilters())
    assert [link.url for link in row.citations] == ["https://pubmed.ncbi.nlm.nih.gov/29151359/", None]


def test_kb_text_filter_searches_statements_and_citations() -> None:
    records = load_knowledge_base().biomarkers
    rows = kb_rows(records, KbFilters(text="TAGRISSO"))
    assert rows
    assert all("osimertinib" in row.record.drugs for row in rows)


def test_catalog_target_filter_matches_fusions_and_ihc_targets() -> None:
    entries = load_catalog()
    alk = catalog_rows(entries, CatalogFilters(target="alk"))
    assert alk
    assert all(any(p.target == "ALK" for p in row.entry.test.covers) for row in alk)
    pdl1 = catalog_rows(entries, CatalogFilters(target="PD-L1", method="ihc"))
    assert pdl1
    assert all(row.entry.test.method == "ihc" for row in pdl1)


def test_catalog_rows_show_turnaround_ranges_and_companion_claims() -> None:
    rows = catalog_rows(load_catalog(), CatalogFilters(text="FoundationOne CDx"))
    f1cdx = next(row for row in rows if row.entry.test.id == "foundationone-cdx")
    assert "osimertinib (EGFR:mutation; NSCLC)" in f1cdx.companion
    assert f1cdx.turnaround == "—"
    ranged = next(
        row for row in catalog_rows(load_catalog(), CatalogFilters()) if row.entry.test.turnaround_max_days
    )
    low, high = ranged.entry.test.turnaround_days, ranged.entry.test.turnaround_max_days
    assert ranged.turnaround == f"{low}–{high} days"
