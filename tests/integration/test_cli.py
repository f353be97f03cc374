"""`integrome analyze` and `integrome demo` end to end: outputs, exit statuses, nothing half-written."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.deliver import read_analysis
from integrome.examples import DEMO_DIR, demo_inputs


def _demo_args() -> list[str]:
    return [str(p) for p in demo_inputs()]


def _pdf_pages(pdf: bytes) -> int:
    """Page objects, looking inside the compressed object streams WeasyPrint writes."""
    content = pdf
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            content += zlib.decompress(match.group(1))
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", content))


def test_analyze_writes_only_the_requested_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["analyze", *_demo_args(), "--out", str(out), "--format", "json,html"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json", "report.html"]
    analysis = read_analysis(out / "analysis.json")
    assert {d.name for d in analysis.inputs} == {p.name for p in demo_inputs()}
    stdout = capsys.readouterr().out
    assert str(out / "analysis.json") in stdout
    assert stdout.startswith(f"Patient {analysis.patient.id}: ")


def test_demo_writes_every_format_with_a_real_pdf(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "analysis.json",
        "fhir-bundle.json",
        "report.html",
        "report.pdf",
    ]
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert _pdf_pages(pdf) >= 1
    analysis = read_analysis(out / "analysis.json")
    assert analysis.patient.id in (out / "report.html").read_text()


def test_markup_in_inputs_reaches_the_report_only_as_text(tmp_path: Path) -> None:
    """A medication text and VCF INFO values carrying HTML must not become markup in report.html."""
    bundle = json.loads((DEMO_DIR / "bundle.json").read_text())
    for entry in bundle["entry"]:
        if entry["resource"]["id"] == "demo-med-aspirin":
            entry["resource"]["medicationCodeableConcept"]["text"] = "Aspirin <script>alert(1)</script> 81 mg"
    hostile_bundle = tmp_path / "bundle.json"
    hostile_bundle.write_text(json.dumps(bundle))
    vcf = (DEMO_DIR / "tumor.vcf").read_text()
    hostile_vcf = tmp_path / "tumor.vcf"
    hostile_vcf.write_text(
        vcf.replace("HGVSP=p.Arg248Gln", "HGVSP=<script>alert(2)</script>").replace(
            "GENE=TP53", 'GENE=TP53"><img/src=x/onerror=alert(3)>'
        )
    )
    out = tmp_path / "out"
    assert (
        main(["analyze", str(hostile_bundle), str(hostile_vcf), "--out", str(out), "--format", "html"]) == 0
    )
    html = (out / "report.html").read_text()
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "Aspirin &lt;script&gt;alert(1)&lt;/script&gt; 81 mg" in html


def _truncated_gzip(tmp_path: Path) -> Path:
    path = tmp_path / "tumor-copy.vcf.gz"
    packed = gzip.compress((DEMO_DIR / "tumor.vcf").read_bytes())
    path.write_bytes(packed[: len(packed) // 2])
    return path


def _wrong_columns(tmp_path: Path) -> Path:
    lines = (DEMO_DIR / "tumor.vcf").read_text().splitlines()
    lines[-1] = "\t".join(lines[-1].split("\t")[:8])
    path = tmp_path / "short-columns.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def _not_json(tmp_path: Path) -> Path:
    path = tmp_path / "broken-bundle.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [')
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty-note.txt"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make_bad", [_truncated_gzip, _wrong_columns, _not_json, _empty])
def test_bad_input_among_valid_ones_fails_with_one_error_line_and_writes_nothing(
    make_bad: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = make_bad(tmp_path)
    out = tmp_path / "out"
    assert main(["analyze", *_demo_args(), str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert bad.name in lines[0]
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [bad.name]


def test_failed_run_leaves_an_existing_output_folder_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "analysis.json").write_text("previous run")
    (out / "notes.txt").write_text("kept")
    assert main(["analyze", *_demo_args(), str(_empty(tmp_path)), "--out", str(out)]) == 2
    assert (out / "analysis.json").read_text() == "previous run"
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json", "notes.txt"]


def test_console_script_exit_status_and_error_line(tmp_path: Path) -> None:
    """The installed `integrome` shim turns main's return value into the process exit status."""
    script = Path(sys.executable).with_name("integrome")
    run = subprocess.run(
        [str(script), "analyze", str(_empty(tmp_path)), "--out", str(tmp_path / "out"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("error: ")
    assert "empty-note.txt" in run.stderr
    assert "Traceback" not in run.stderr
