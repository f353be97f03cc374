"""GA4GH Phenopacket v2 → patient, diagnoses, phenotypes and germline variant findings."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from integrome.errors import InputError
from integrome.ingest.phenopacket import read_phenopacket, read_phenopacket_data
from integrome.model import CopyNumberFinding, VariantFinding

PACKET: dict[str, Any] = {
    "id": "case-1",
    "subject": {"id": "proband-7", "sex": "FEMALE", "dateOfBirth": "2001-05-04T00:00:00Z"},
    "phenotypicFeatures": [
        {"type": {"id": "HP:0001250", "label": "Seizure"}},
        {"type": {"id": "HP:0001263", "label": "Global developmental delay"}, "excluded": True},
    ],
    "diseases": [{"term": {"id": "DOID:3910", "label": "lung adenocarcinoma"}}],
    "interpretations": [
        {
            "id": "i1",
            "progressStatus": "SOLVED",
            "diagnosis": {
                "disease": {"id": "OMIM:151623", "label": "Li-Fraumeni syndrome"},
                "genomicInterpretations": [
                    {
                        "subjectOrBiosampleId": "proband-7",
                        "interpretationStatus": "CAUSATIVE",
                        "variantInterpretation": {
                            "variationDescriptor": {
                                "id": "v1",
                                "geneContext": {"valueId": "HGNC:11998", "symbol": "TP53"},
                                "expressions": [
                                    {"syntax": "hgvs.c", "value": "NM_000546.6:c.743G>A"},
                                    {"syntax": "hgvs.p", "value": "NP_000537.3:p.(Arg248Gln)"},
                                ],
                                "vcfRecord": {
                                    "genomeAssembly": "hg38",
                                    "chrom": "17",
                                    "pos": "7674220",
                                    "ref": "c",
                                    "alt": "T",
                                },
                                "allelicState": {"id": "GENO:0000135", "label": "heterozygous"},
                            }
                        },
                    }
                ],
            },
        }
    ],
    "metaData": {"created": "2024-01-01T00:00:00Z", "phenopacketSchemaVersion": "2.0.2"},
}


def _write(tmp_path: Path, packet: dict[str, Any], name: str = "packet.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(packet), encoding="utf-8")
    return path


def test_subject_gives_id_sex_and_birth_date(tmp_path: Path) -> None:
    patient = read_phenopacket(_write(tmp_path, PACKET)).patient
    assert (patient.id, patient.sex, patient.birth_date) == ("proband-7", "female", "2001-05-04")


def test_variant_descriptor_becomes_germline_variant_with_coordinates(tmp_path: Path) -> None:
    (finding,) = read_phenopacket(_write(tmp_path, PACKET)).findings
    assert isinstance(finding, VariantFinding)
    assert finding.gene == "TP53"
    assert finding.hgvs_c == "NM_000546.6:c.743G>A"
    assert finding.hgvs_p == "p.Arg248Gln"
    assert (finding.chrom, finding.pos, finding.ref, finding.alt, finding.build) == (
        "chr17",
        7674220,
        "C",
        "T",
        "GRCh38",
    )
    assert (finding.origin, finding.zygosity, finding.source) == ("germline", "heterozygous", "phenopacket")
    assert finding.provenance == "packet.json#/interpretations/0/diagnosis/genomicInterpretations/0"


def test_diseases_keep_their_ontology_and_doid_maps_to_oncotree(tmp_path: Path) -> None:
    diagnoses = read_phenopacket(_write(tmp_path, PACKET)).diagnoses
    by_code = {d.code: d for d in diagnoses}
    assert by_code["DOID:3910"].system == "doid"
    assert by_code["DOID:3910"].oncotree == "LUAD"
    assert by_code["OMIM:151623"].oncotree is None


def test_excluded_phenotypes_are_left_out(tmp_path: Path) -> None:
    phenotypes = read_phenopacket(_write(tmp_path, PACKET)).phenotypes
    assert [(p.system, p.code) for p in phenotypes] == [("hpo", "HP:0001250")]


def test_unsupported_assembly_drops_coordinates_with_a_warning(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    descriptor = packet["interpretations"][0]["diagnosis"]["genomicInterpretations"][0][
        "variantInterpretation"
    ]
    descriptor["variationDescriptor"]["vcfRecord"]["genomeAssembly"] = "NCBI36"
    result = read_phenopacket(_write(tmp_path, packet))
    (finding,) = result.findings
    assert isinstance(finding, VariantFinding)
    assert finding.pos is None
    assert finding.gene == "TP53"
    assert any("NCBI36" in w and "genomicInterpretations/0" in w for w in result.warnings)


def test_homozygous_gene_deletion_is_a_deep_deletion(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    interpretation = packet["interpretations"][0]["diagnosis"]["genomicInterpretations"][0]
    interpretation["variantInterpretation"]["variationDescriptor"] = {
        "id": "del",
        "label": "Deletion of exons 6 through 9",
        "geneContext": {"valueId": "HGNC:9886", "symbol": "KDM5A"},
        "structuralType": {"id": "SO:1000029", "label": "chromosomal_deletion"},
        "allelicState": {"id": "GENO:0000136", "label": "homozygous"},
    }
    (finding,) = read_phenopacket(_write(tmp_path, packet)).findings
    assert isinstance(finding, CopyNumberFinding)
    assert (finding.gene, finding.call) == ("KDM5A", "deep_deletion")


def test_variant_without_gene_or_position_is_a_warning(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    interpretation = packet["interpretations"][0]["diagnosis"]["genomicInterpretations"][0]
    interpretation["variantInterpretation"]["variationDescriptor"] = {
        "id": "x",
        "label": "telomeric 11q deletion",
    }
    result = read_phenopacket(_write(tmp_path, packet))
    assert result.findings == []
    assert any("telomeric 11q deletion" in w for w in result.warnings)


def test_measurements_are_ignored_with_a_warning(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    packet["measurements"] = [{"assay": {"id": "LOINC:2160-0"}}]
    assert any(
        "/measurements: 1 entries not read" in w for w in read_phenopacket(_write(tmp_path, packet)).warnings
    )


def test_wrong_value_type_is_reported_with_its_json_pointer(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    packet["phenotypicFeatures"][0]["excluded"] = "no"
    with pytest.raises(
        InputError, match=r"packet\.json:/phenotypicFeatures/0/excluded: Input should be a valid boolean"
    ):
        read_phenopacket(_write(tmp_path, packet))


def test_schema_version_1_is_refused(tmp_path: Path) -> None:
    packet = copy.deepcopy(PACKET)
    packet["metaData"]["phenopacketSchemaVersion"] = "1.0"
    with pytest.raises(
        InputError, match=r"/metaData/phenopacketSchemaVersion: Phenopacket schema 1\.0 is not read"
    ):
        read_phenopacket(_write(tmp_path, packet))


def test_every_shared_phenopacket_reads_and_names_its_manifest_genes(shared_data: Path) -> None:
    folder = shared_data / "phenopackets"
    with (folder / "manifest.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 200
    missing = []
    for row in rows:
        result = read_phenopacket(folder / row["file"])
        genes = {getattr(f, "gene", None) for f in result.findings}
        missing += [f"{row['file']}: {g}" for g in row["genes"].split(";") if g and g not in genes]
        assert result.patient.id, row["file"]
        assert result.diagnoses, row["file"]
    assert missing == []


def test_parsed_body_reads_like_the_file(tmp_path: Path) -> None:
    from_file = read_phenopacket(_write(tmp_path, PACKET))
    from_body = read_phenopacket_data(copy.deepcopy(PACKET), name="packet.json")
    assert from_body.findings == from_file.findings
    assert (from_body.document.format, from_body.document.role) == ("phenopacket", "germline")
