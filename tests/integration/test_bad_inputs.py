"""Bad and hostile inputs through `integrome analyze` (ARCHITECTURE.md, command-line contract):
exit status 2, exactly one stderr line starting `error:` naming the file, the place and what
was expected, no traceback, and nothing written to --out. Patient text with markup reaches the
HTML report only escaped.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

from integrome.cli.main import main

VCF_HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    "##contig=<ID=chr3,length=198295559>\n"
    "##contig=<ID=chr7,length=159345973>\n"
    '##INFO=<ID=GENE,Number=1,Type=String,Description="Gene">\n'
    '##INFO=<ID=HGVSP,Number=1,Type=String,Description="Protein change">\n'
    '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
)


def _many_records(count: int) -> str:
    return "".join(f"chr7\t{1000 + 10 * n}\t.\tA\tC\t50\tPASS\tSOMATIC\tGT\t0/1\n" for n in range(count))


# Each builder writes its input into the folder it gets and returns the command-line arguments.
Builder = Callable[[Path], list[str]]


def _write(folder: Path, name: str, content: str | bytes) -> list[str]:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return [str(path)]


def _truncated_gzip_vcf(folder: Path) -> list[str]:
    data = gzip.compress((VCF_HEADER + _many_records(20)).encode())
    return _write(folder, "cut.vcf.gz", data[: len(data) * 2 // 3])


def _truncated_bgzip_vcf(folder: Path) -> list[str]:
    """Large enough that format detection (first 64 KiB) passes and the VCF reader meets the cut."""
    text = folder / "whole.vcf"
    text.write_text(VCF_HEADER + _many_records(6000))
    whole = folder / "whole.vcf.gz"
    pysam.tabix_compress(str(text), str(whole))
    data = whole.read_bytes()
    text.unlink()
    whole.unlink()
    return _write(folder, "cut-large.vcf.gz", data[: len(data) * 3 // 4])


def _truncated_bcf(folder: Path) -> list[str]:
    text = folder / "whole.vcf"
    text.write_text(VCF_HEADER + _many_records(50))
    whole = folder / "whole.bcf"
    with (
        pysam.VariantFile(str(text)) as source,
        pysam.VariantFile(str(whole), "wb", header=source.header) as sink,
    ):
        for record in source:
            sink.write(record)
    data = whole.read_bytes()
    text.unlink()
    whole.unlink()
    return _write(folder, "cut.bcf", data[: len(data) - 40])


def _observation_without_status(folder: Path) -> list[str]:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1"}},
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o1",
                    "code": {"text": "PD-L1"},
                    "valueString": "60%",
                }
            },
        ],
    }
    return _write(folder, "bundle.json", json.dumps(bundle))


def _unknown_build(folder: Path) -> list[str]:
    header = VCF_HEADER.replace("##reference=GRCh38\n", "").replace(
        "##contig=<ID=chr3,length=198295559>\n", ""
    )
    header = header.replace("##contig=<ID=chr7,length=159345973>\n", "")
    return _write(folder, "nobuild.vcf", header + _many_records(1))


def _missing_maf_column(folder: Path) -> list[str]:
    maf = "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\nEGFR\t7\t55191822\t55191822\n"
    return _write(folder, "calls.maf", maf)


def _directory(folder: Path) -> list[str]:
    (folder / "a-folder").mkdir()
    return [str(folder / "a-folder")]


# (builder, the error line must contain each of these: file, place, what was expected)
BAD_INPUTS: dict[str, tuple[Builder, tuple[str, ...]]] = {
    "truncated_gzip_vcf": (
        _truncated_gzip_vcf,
        ("cut.vcf.gz:end of file:", "truncated", "end-of-stream marker"),
    ),
    "truncated_bgzip_vcf": (
        _truncated_bgzip_vcf,
        ("cut-large.vcf.gz:after line ", "truncated or corrupt compressed data"),
    ),
    "vcf_record_missing_a_column": (
        lambda d: _write(d, "short.vcf", VCF_HEADER + "chr7\t55191822\t.\tT\tG\t50\tPASS\t.\tGT\n"),
        ("short.vcf:line 10:", "expected 10 tab-separated columns for 1 sample, found 9"),
    ),
    "json_name_without_json": (
        lambda d: _write(d, "record.json", "Patient: Jane Doe, EGFR L858R\n"),
        ("record.json:", "the name says JSON but the content is not JSON"),
    ),
    "json_cut_short": (
        lambda d: _write(d, "cut.json", '{"resourceType": "Bundle", "type": "collection", "entry": ['),
        ("cut.json:line 1 column 60:", "invalid JSON"),
    ),
    "json_neither_fhir_nor_phenopacket": (
        lambda d: _write(d, "other.json", '{"patient": "Jane", "mutations": ["EGFR L858R"]}'),
        ("other.json:", "neither a FHIR resource (no resourceType) nor a Phenopacket"),
    ),
    "xml_that_is_not_fhir": (
        lambda d: _write(d, "report.xml", "<?xml version='1.0'?><report><gene>EGFR</gene></report>"),
        ("report.xml:", "XML but not FHIR"),
    ),
    "fhir_observation_without_status": (
        _observation_without_status,
        ("bundle.json:/entry/1/resource:", "Observation.status", "required"),
    ),
    "vcf_of_unknown_build": (
        _unknown_build,
        ("nobuild.vcf:header:", "cannot tell the genome build", "pass --build GRCh38 or --build GRCh37"),
    ),
    "empty_file": (
        lambda d: _write(d, "empty.vcf", ""),
        ("empty.vcf:", "file is empty", "expected a FHIR Bundle"),
    ),
    "binary_garbage": (
        lambda d: _write(d, "scan.dat", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("scan.dat:", "binary content (a NUL byte at offset 8)", "not BCF, VCF, MAF, JSON or text"),
    ),
    "truncated_bcf": (
        _truncated_bcf,
        ("cut.bcf:end of file:", "truncated"),
    ),
    "maf_missing_a_required_column": (
        _missing_maf_column,
        ("calls.maf:line 1:", "missing required MAF column Reference_Allele"),
    ),
    "directory_as_input": (
        _directory,
        ("a-folder", "is a directory"),
    ),
    "nonexistent_path": (
        lambda d: [str(d / "absent.vcf")],
        ("absent.vcf", "does not exist"),
    ),
}


@pytest.mark.parametrize("existing_out", [False, True], ids=["new-out", "existing-out"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_error_line_with_file_place_and_expectation_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, existing_out: bool
) -> None:
    build, expected = BAD_INPUTS[case]
    inputs = tmp_path / "in"
    inputs.mkdir()
    args = build(inputs)
    out = tmp_path / "out"
    if existing_out:
        out.mkdir()
        (out / "analysis.json").write_text("an earlier run")
    code = main(["analyze", *args, "--out", str(out), "--format", "json,html,pdf,fhir"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == (["in", "out"] if existing_out else ["in"])
    if existing_out:
        assert [p.name for p in out.iterdir()] == ["analysis.json"]
        assert (out / "analysis.json").read_text() == "an earlier run"


@pytest.mark.parametrize("resource_type", ["Medication", "Basic"])
def test_bare_fhir_resource_holding_no_patient_data_is_a_warning_naming_it(
    tmp_path: Path, resource_type: str
) -> None:
    path = tmp_path / "resource.json"
    path.write_text(json.dumps({"resourceType": resource_type, "id": "r1", "code": {"text": "aspirin"}}))
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out), "--format", "json"]) == 0
    warnings = json.loads((out / "analysis.json").read_text())["warnings"]
    assert [w for w in warnings if w.startswith("resource.json: no patient data read")] == [
        f"resource.json: no patient data read: found {resource_type}; expected a Bundle or a Patient, "
        "Condition, MedicationRequest, MedicationStatement, Observation or DiagnosticReport"
    ]


# -- markup in patient data ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def test_markup_in_vcf_and_fhir_text_reaches_the_html_report_only_escaped(tmp_path: Path) -> None:
    """The VCF's file name, GENE and HGVSP and the FHIR Condition text carry script and attribute
    injections; the HTML shows them as text and the PDF still renders."""
    records = (
        # PIK3CA H1047R (GRCh38) with hostile annotation, and a call no knowledge base knows.
        f"chr3\t179234297\t.\tA\tG\t50\tPASS\tGENE={SCRIPT};HGVSP={SCRIPT};SOMATIC\tGT\t0/1\n"
        f"chr3\t1000\t.\tA\tC\t50\tPASS\tGENE={ATTRIBUTE};HGVSP={ATTRIBUTE};SOMATIC\tGT\t0/1\n"
    )
    vcf = tmp_path / f"{ATTRIBUTE}.vcf"
    vcf.write_text(VCF_HEADER + records)
    bundle = tmp_path / "bundle.json"
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": f"Breast cancer {SCRIPT} {ATTRIBUTE}"},
    }
    bundle.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}},
                    {"resource": condition},
                ],
            }
        )
    )
    out = tmp_path / "out"
    assert main(["analyze", str(bundle), str(vcf), "--out", str(out), "--format", "json,html,pdf"]) == 0
    html = (out / "report.html").read_text()
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert (
        "Breast cancer &lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
        in html
    )
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.vcf" in html
    analysis = json.loads((out / "analysis.json").read_text())
    # A GENE that is no gene symbol is dropped (the hotspot is then named from the knowledge base);
    # an HGVSP that does not parse is kept as written, so it reaches the findings table as text.
    variants = {(f.get("gene"), f.get("hgvs_p")) for f in analysis["findings"] if f["kind"] == "variant"}
    assert variants == {("PIK3CA", "p.His1047Arg"), (None, ATTRIBUTE)}
    assert html.count("&#34;&gt;&lt;img src=x onerror=alert(1)&gt;") >= 3
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
