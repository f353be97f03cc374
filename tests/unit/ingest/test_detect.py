"""Format detection reads content; the file name only breaks ties."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from integrome.errors import FormatDetectionError, InputError
from integrome.ingest.detect import detect_format

VCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
MAF = "#version 2.4\nHugo_Symbol\tEntrez_Gene_Id\tChromosome\tStart_Position\nKRAS\t3845\t12\t25245350\n"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_json_with_resource_type_is_fhir_whatever_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "export.txt", json.dumps({"resourceType": "Bundle", "type": "collection"}))
    assert detect_format(path) == "fhir"


def test_json_with_phenotypic_features_is_phenopacket(tmp_path: Path) -> None:
    packet = {"id": "p1", "phenotypicFeatures": [], "metaData": {"phenopacketSchemaVersion": "2.0"}}
    assert detect_format(_write(tmp_path, "p1.json", json.dumps(packet))) == "phenopacket"


def test_json_with_subject_and_metadata_is_phenopacket(tmp_path: Path) -> None:
    packet = {"id": "p1", "subject": {"id": "s"}, "metaData": {"created": "2024-01-01T00:00:00Z"}}
    assert detect_format(_write(tmp_path, "p1.json", json.dumps(packet))) == "phenopacket"


def test_json_of_another_kind_is_refused_with_reason(tmp_path: Path) -> None:
    with pytest.raises(FormatDetectionError, match=r"other\.json: JSON but neither a FHIR resource"):
        detect_format(_write(tmp_path, "other.json", json.dumps({"patients": []})))


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"broken\.json:line 2 column 1: invalid JSON"):
        detect_format(_write(tmp_path, "broken.json", '{"resourceType": "Bundle",\n}'))


def test_prose_named_json_is_refused_not_read_as_notes(tmp_path: Path) -> None:
    with pytest.raises(
        FormatDetectionError, match=r"bundle\.json: the name says JSON but the content is not JSON"
    ):
        detect_format(_write(tmp_path, "bundle.json", "Patient seen in clinic today.\n"))


def test_vcf_header_is_vcf(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, "calls.txt", VCF)) == "vcf"


def test_gzipped_vcf_is_looked_through(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, "calls.vcf.gz", gzip.compress(VCF.encode()))) == "vcf"


def test_bcf_magic_inside_bgzf_is_bcf(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, "calls.bcf", gzip.compress(b"BCF\x02\x02" + b"\x00" * 20))) == "bcf"


def test_maf_header_after_version_comment_is_maf(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, "tumor.tsv", MAF)) == "maf"


def test_maf_column_names_match_case_insensitively(shared_data: Path) -> None:
    maf = shared_data / "moalmanac-examples" / "input" / "example_patient.capture.somatic.snvs.maf"
    assert detect_format(maf) == "maf"


def test_pharmcat_outside_call_tsv_is_outside_calls(shared_data: Path) -> None:
    tsv = shared_data / "pharmcat" / "examples" / "pharmcat.example.outsideCall.tsv"
    assert detect_format(tsv) == "outside_calls"


def test_outside_call_with_phenotype_only_is_outside_calls(tmp_path: Path) -> None:
    text = "# from the reference lab\nCYP2D6\t\tPoor Metabolizer\nUGT1A1\t*28/*28\n"
    assert detect_format(_write(tmp_path, "calls.tsv", text)) == "outside_calls"


def test_two_column_lab_table_is_not_outside_calls(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, "labs.txt", "Creatinine\t1.0\nBilirubin\t0.4\n")) == "notes"


def test_plain_text_is_notes(shared_acceptance: Path) -> None:
    notes = shared_acceptance / "cases" / "03-gist-kit-d816v-imatinib-resistance" / "notes.txt"
    assert detect_format(notes) == "notes"


def test_fhir_xml_is_fhir(shared_data: Path) -> None:
    xml = shared_data / "fhir-genomics-reporting" / "examples-stu2-2022" / "SNVexample.xml"
    assert detect_format(xml) == "fhir"


def test_xml_outside_the_fhir_namespace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatDetectionError, match="XML but not FHIR"):
        detect_format(_write(tmp_path, "doc.xml", "<?xml version='1.0'?>\n<report><a/></report>"))


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"empty\.vcf: file is empty"):
        detect_format(_write(tmp_path, "empty.vcf", b""))


def test_empty_gzip_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file is empty"):
        detect_format(_write(tmp_path, "empty.vcf.gz", gzip.compress(b"")))


def test_binary_content_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(FormatDetectionError, match=r"image\.png: binary content"):
        detect_format(_write(tmp_path, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))


def test_latin1_text_is_refused_as_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(FormatDetectionError, match="neither UTF-8 text"):
        detect_format(_write(tmp_path, "note.txt", "Patientin mit Übelkeit".encode("latin-1")))


def test_utf8_character_cut_at_the_peek_boundary_is_still_text(tmp_path: Path) -> None:
    text = "a" * (64 * 1024 - 1) + "é" + " more text\n"
    assert detect_format(_write(tmp_path, "long.txt", text)) == "notes"
