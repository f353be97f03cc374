"""Facts the public acceptance cases rest on, queried from the packaged core by gene and alteration."""

from __future__ import annotations

import pytest

from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.model import BiomarkerRecord


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _names(record: BiomarkerRecord) -> set[str]:
    return set(record.alteration.values)


def test_kras_g12c_nsclc_has_level_a_sotorasib_and_adagrasib_after_prior_therapy(kb: KnowledgeBase) -> None:
    found = {
        tuple(r.drugs): r
        for r in kb.for_gene("KRAS")
        if r.direction == "sensitivity" and "G12C" in _names(r) and r.diseases == ["NSCLC"]
    }
    for drug in ("sotorasib", "adagrasib"):
        record = found[(drug,)]
        assert record.evidence_level == "A"
        assert record.fda_approved
        assert "prior systemic therapy" in (record.setting or "")


def test_no_kras_record_calls_g12c_inhibitors_resistance(kb: KnowledgeBase) -> None:
    g12c_inhibitors = {"sotorasib", "adagrasib"}
    for record in kb.for_gene("KRAS"):
        if record.direction == "resistance":
            assert not g12c_inhibitors & set(record.drugs), record.id


def test_osimertinib_is_only_recommended_for_egfr(kb: KnowledgeBase) -> None:
    genes = {r.gene for r in kb.biomarkers if "osimertinib" in r.drugs and r.direction == "sensitivity"}
    assert genes == {"EGFR"}


def test_braf_v600e_crc_encorafenib_cetuximab_is_level_a(kb: KnowledgeBase) -> None:
    records = [
        r
        for r in kb.for_gene("BRAF")
        if "V600E" in _names(r) and "COADREAD" in r.diseases and {"encorafenib", "cetuximab"} <= set(r.drugs)
    ]
    assert records
    assert all(r.evidence_level == "A" and r.direction == "sensitivity" for r in records)


def test_dabrafenib_trametinib_never_applies_to_colorectal_cancer(kb: KnowledgeBase) -> None:
    for record in kb.for_gene("BRAF"):
        if {"dabrafenib", "trametinib"} <= set(record.drugs):
            assert "COADREAD" not in record.diseases, record.id
            if "SOLID" in record.diseases:
                assert "COADREAD" in record.excluded_diseases, record.id


def test_kit_d816v_in_gist_is_imatinib_resistance(kb: KnowledgeBase) -> None:
    records = [r for r in kb.for_gene("KIT") if "D816V" in _names(r) and "GIST" in r.diseases]
    assert [(r.direction, r.drugs) for r in records] == [("resistance", ["imatinib"])]


def test_kit_records_never_offer_avapritinib(kb: KnowledgeBase) -> None:
    assert not any("avapritinib" in r.drugs for r in kb.for_gene("KIT"))


def test_kit_imatinib_sensitivity_records_exclude_the_exon_17_activation_loop(kb: KnowledgeBase) -> None:
    for record in kb.for_gene("KIT"):
        if record.direction == "sensitivity" and "imatinib" in record.drugs:
            assert record.alteration.type == "exon_mutation"
            assert 17 not in record.alteration.exons


def test_avapritinib_gist_approval_is_for_pdgfra_exon_18(kb: KnowledgeBase) -> None:
    """The exon 18 record, plus D842V by protein change (the label names it) for exon-less variants."""
    records = sorted(
        (r for r in kb.biomarkers if "avapritinib" in r.drugs),
        key=lambda r: r.alteration.type,
    )
    assert [
        (r.gene, r.diseases, r.alteration.type, r.alteration.exons, r.alteration.values) for r in records
    ] == [
        ("PDGFRA", ["GIST"], "exon_mutation", [18], []),
        ("PDGFRA", ["GIST"], "protein_change", [], ["D842V"]),
    ]


def test_tp53_has_no_therapy_record(kb: KnowledgeBase) -> None:
    assert not [r.id for r in kb.for_gene("TP53") if r.direction == "sensitivity"]


def test_ras_mutations_are_resistance_to_anti_egfr_antibodies_in_colorectal_cancer(kb: KnowledgeBase) -> None:
    for gene in ("KRAS", "NRAS"):
        drugs = {
            tuple(r.drugs)
            for r in kb.for_gene(gene)
            if r.direction == "resistance" and "COADREAD" in r.diseases and 12 in r.alteration.codons
        }
        assert drugs == {("cetuximab",), ("panitumumab",)}


def test_her2_protein_records_are_filed_under_erbb2(kb: KnowledgeBase) -> None:
    assert all(r.gene == "ERBB2" for r in kb.for_biomarker("HER2"))
