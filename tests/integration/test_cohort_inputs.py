"""Which patients a cohort folder or manifest TSV holds, and the errors that stop a run early."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.batch import read_cohort
from integrome.errors import InputError


def _files(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.write_text("x\n")
        paths.append(path)
    return paths


def test_folder_patients_are_sorted_by_folder_name_with_numbered_pseudonyms(tmp_path: Path) -> None:
    for name in ("b-patient", "a-patient", "c-patient"):
        _files(tmp_path / name, "bundle.json")
    patients = read_cohort(tmp_path)
    assert [(p.key, p.pseudonym) for p in patients] == [
        ("a-patient", "P0001"),
        ("b-patient", "P0002"),
        ("c-patient", "P0003"),
    ]


def test_folder_skips_hidden_entries_excluded_files_and_files_beside_the_patients(tmp_path: Path) -> None:
    _files(tmp_path, "README.md")
    _files(tmp_path / ".cache", "bundle.json")
    inputs = _files(tmp_path / "p1", "bundle.json", "variants.vcf")
    _files(tmp_path / "p1", ".DS_Store", "expected.json")
    (tmp_path / "p1" / "scans").mkdir()
    [patient] = read_cohort(tmp_path, exclude=["expected.*"])
    assert patient.key == "p1"
    assert patient.inputs == tuple(inputs)
    assert patient.origin == tmp_path / "p1"


def test_patient_folder_without_files_is_kept_for_its_error_row(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [patient] = read_cohort(tmp_path)
    assert patient.inputs == ()


def test_pseudonyms_widen_for_cohorts_of_ten_thousand_or_more(tmp_path: Path) -> None:
    manifest = tmp_path / "cohort.tsv"
    data = _files(tmp_path, "bundle.json")[0]
    rows = "".join(f"p{n:05d}\t{data.name}\n" for n in range(10_000))
    manifest.write_text(f"patient_id\tpath\n{rows}")
    patients = read_cohort(manifest)
    assert (patients[0].pseudonym, patients[-1].pseudonym) == ("P00001", "P10000")


def test_manifest_rows_of_one_patient_are_merged_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    bundle, vcf, notes = _files(tmp_path / "data", "bundle.json", "variants.vcf", "notes.txt")
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text(
        "# cohort of the tumour board\n"
        "patient_id\tfile_1\tfile_2\n"
        "\n"
        "pt-2\tdata/notes.txt\n"
        f"pt-1\tdata/bundle.json\t{vcf}\n"
        "pt-1\tdata/notes.txt\t\n"
        "pt-1\tdata/bundle.json\n"
    )
    first, second = read_cohort(manifest)
    assert (first.key, first.inputs, first.origin) == ("pt-1", (bundle, vcf, notes), manifest)
    assert (second.key, second.inputs) == ("pt-2", (notes,))


def test_manifest_naming_a_missing_file_gives_line_and_column(tmp_path: Path) -> None:
    _files(tmp_path, "bundle.json")
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text("patient_id\tpath\npt-1\tbundle.json\tvariants.vcf\n")
    with pytest.raises(InputError) as error:
        read_cohort(manifest)
    assert (
        str(error.value)
        == f"{manifest}:line 2 column 3: expected an input file, found nothing at variants.vcf"
    )


def test_manifest_without_the_patient_id_header_is_refused(tmp_path: Path) -> None:
    _files(tmp_path, "bundle.json")
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text("pt-1\tbundle.json\n")
    with pytest.raises(InputError, match=r"line 1: expected a tab-separated header 'patient_id<TAB>path'"):
        read_cohort(manifest)


@pytest.mark.parametrize("patient_id", ["../escape", ".hidden", "a/b"])
def test_manifest_patient_id_that_is_no_safe_folder_name_is_refused(tmp_path: Path, patient_id: str) -> None:
    _files(tmp_path, "bundle.json")
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text(f"patient_id\tpath\n{patient_id}\tbundle.json\n")
    with pytest.raises(InputError, match="line 2 column 1: expected a patient id usable as a folder name"):
        read_cohort(manifest)


def test_manifest_row_without_files_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text("patient_id\tpath\npt-1\t\n")
    with pytest.raises(InputError, match="line 2: expected at least one file for patient 'pt-1'"):
        read_cohort(manifest)


def test_manifest_with_only_a_header_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "cohort.tsv"
    manifest.write_text("patient_id\tpath\n")
    with pytest.raises(InputError, match="expected at least one patient row after the header"):
        read_cohort(manifest)


def test_missing_cohort_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a cohort folder or a manifest TSV, found nothing"):
        read_cohort(tmp_path / "absent")
