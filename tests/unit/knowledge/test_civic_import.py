"""CIViC v1 evidence import: mapping rules on small rows, and the real shared export end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.knowledge.sources.civic import REQUIRED_COLUMNS, ImportReport, civic_records, import_civic

CIVIC_TSV = "civic/01-Aug-2021/01-Aug-2021-ClinicalEvidenceSummaries.tsv"


def _row(**changes: str) -> dict[str, str]:
    row = dict.fromkeys(REQUIRED_COLUMNS, "")
    row.update(
        gene="BRAF",
        variant="V600E",
        disease="Melanoma",
        doid="1909",
        drugs="Vemurafenib",
        evidence_type="Predictive",
        evidence_direction="Supports",
        evidence_level="A",
        clinical_significance="Sensitivity/Response",
        evidence_statement="Vemurafenib improved survival.",
        citation_id="21639808",
        source_type="PubMed",
        evidence_status="accepted",
        evidence_id="1409",
        variant_origin="Somatic",
        last_review_date="2021-03-31 18:23:15 UTC",
    )
    row.update(changes)
    return row


def test_predictive_item_becomes_a_cited_record() -> None:
    (record,), skipped, imported = civic_records([_row()])
    assert (record.id, record.gene, record.drugs, record.diseases) == (
        "civic-EID1409",
        "BRAF",
        ["vemurafenib"],
        ["MEL"],
    )
    assert (record.alteration.type, record.alteration.values, record.alteration.origin) == (
        "protein_change",
        ["V600E"],
        "somatic",
    )
    assert (record.direction, record.evidence_level, record.fda_approved, record.reviewed) == (
        "sensitivity",
        "A",
        False,
        "2021-03-31",
    )
    assert [(c.source, c.id) for c in record.citations] == [("PMID", "21639808"), ("CIViC", "EID1409")]
    assert (skipped, imported) == ({}, 1)


def test_substitute_drugs_give_one_record_per_drug_and_combinations_one_record() -> None:
    substitutes, _, _ = civic_records(
        [_row(drugs="Dabrafenib,Vemurafenib", drug_interaction_type="Substitutes")]
    )
    combination, _, _ = civic_records(
        [_row(drugs="Dabrafenib,Trametinib", drug_interaction_type="Combination")]
    )
    assert [(r.id, r.drugs) for r in substitutes] == [
        ("civic-EID1409-dabrafenib", ["dabrafenib"]),
        ("civic-EID1409-vemurafenib", ["vemurafenib"]),
    ]
    assert [r.drugs for r in combination] == [["dabrafenib", "trametinib"]]


def test_fusion_names_become_fusions_with_the_partner_gene() -> None:
    (record,), _, _ = civic_records([_row(gene="ABL1", variant="BCR-ABL", drugs="Imatinib", doid="8552")])
    assert (record.alteration.type, record.alteration.partners) == ("fusion", ["BCR"])


def test_kinase_mutation_inside_a_fusion_becomes_a_protein_change() -> None:
    (record,), _, _ = civic_records(
        [_row(gene="ABL1", variant="BCR-ABL T315I", drugs="Ponatinib", doid="8552")]
    )
    assert (record.gene, record.alteration.type, record.alteration.values) == (
        "ABL1",
        "protein_change",
        ["T315I"],
    )


@pytest.mark.parametrize(
    ("variant", "kind", "detail"),
    [
        ("EXON 19 DELETION", "exon_deletion", [19]),
        ("V600", "codon", [600]),
        ("G12/G13", "codon", [12, 13]),
        ("AMPLIFICATION", "amplification", []),
        ("MUTATION", "any_mutation", []),
    ],
)
def test_variant_names_map_to_alteration_types(variant: str, kind: str, detail: list[int]) -> None:
    (record,), _, _ = civic_records([_row(variant=variant)])
    assert record.alteration.type == kind
    assert (record.alteration.exons or record.alteration.codons) == detail


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"evidence_level": "E"}, "evidence level E"),
        ({"evidence_type": "Prognostic"}, "evidence type Prognostic (only Predictive is imported)"),
        ({"evidence_direction": "Does Not Support"}, "evidence does not support the association"),
        ({"clinical_significance": "Adverse Response"}, "clinical significance Adverse Response"),
        ({"variant": "OVEREXPRESSION"}, "variant name not representable"),
        ({"drugs": "Chemotherapy"}, "drug not in the drug vocabulary"),
        ({"doid": "", "disease": "Xyzzy disorder"}, "disease not mapped to OncoTree"),
    ],
)
def test_unrepresentable_items_are_skipped_with_a_reason(changes: dict[str, str], reason: str) -> None:
    records, skipped, imported = civic_records([_row(**changes)])
    assert (records, dict(skipped), imported) == ([], {reason: 1}, 0)


def test_file_without_a_required_column_names_the_column(tmp_path: Path) -> None:
    tsv = tmp_path / "evidence.tsv"
    columns = [c for c in REQUIRED_COLUMNS if c != "evidence_level"]
    tsv.write_text("\t".join(columns) + "\n" + "\t".join("x" for _ in columns) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"evidence\.tsv: line 1: .*missing column 'evidence_level'"):
        import_civic(tsv, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    tsv = tmp_path / "evidence.tsv"
    tsv.write_text("\t".join(REQUIRED_COLUMNS) + "\nBRAF\tV600E\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"line 2: expected 18 tab-separated columns, found 2"):
        import_civic(tsv, tmp_path / "out")


@pytest.fixture(scope="module")
def imported(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> ImportReport:
    return import_civic(shared_data / CIVIC_TSV, tmp_path_factory.mktemp("civic"))


@pytest.fixture(scope="module")
def layered(imported: ImportReport) -> KnowledgeBase:
    return load_knowledge_base(extra_dir=imported.output.parent)


@pytest.mark.shared
def test_shared_civic_export_imports_more_than_500_records(imported: ImportReport) -> None:
    assert imported.records > 500
    assert imported.rows == 3650
    assert imported.source_version == "01-Aug-2021"
    assert imported.skipped["evidence level E"] > 0


@pytest.mark.shared
def test_imported_folder_loads_as_an_extra_layer(imported: ImportReport, layered: KnowledgeBase) -> None:
    assert len(layered.biomarkers) == len(load_knowledge_base().biomarkers) + imported.records
    assert [(f.source, f.source_version) for f in layered.info().files if f.layer == "extra"] == [
        ("CIViC", "01-Aug-2021")
    ]


@pytest.mark.shared
def test_braf_v600e_melanoma_vemurafenib_level_a_is_imported(layered: KnowledgeBase) -> None:
    hits = [
        r
        for r in layered.for_gene("BRAF")
        if r.id.startswith("civic-")
        and r.alteration.values == ["V600E"]
        and r.drugs == ["vemurafenib"]
        and r.evidence_level == "A"
        and r.direction == "sensitivity"
    ]
    assert any(r.diseases[0] in ("MEL", "SKCM") for r in hits)
