"""The command line's contract: exit statuses, one-line errors, version and help."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome import __version__
from integrome.cli.analyze import parse_formats
from integrome.cli.main import main


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"integrome {__version__}\n"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("analyze", "demo", "pgx", "kb"):
        assert command in out


def test_no_arguments_shows_help_and_fails_as_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert "Usage: integrome" in captured.out + captured.err


def test_unknown_option_is_a_usage_error() -> None:
    assert main(["analyze", "--no-such-option"]) == 2


def test_missing_input_file_is_a_usage_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.vcf"
    assert main(["analyze", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert "absent.vcf" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_somatic_and_germline_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    code = main(["analyze", str(vcf), "--out", str(tmp_path / "out"), "--somatic", "--germline"])
    assert code == 2
    assert "--somatic" in capsys.readouterr().err


def test_unsupported_format_is_one_error_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text("not read: formats are checked first\n")
    code = main(["analyze", str(vcf), "--out", str(tmp_path / "out"), "--format", "json,xml"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: unsupported output format: xml (supported formats: json, html, pdf, fhir)\n"
    )
    assert not (tmp_path / "out").exists()


def test_unknown_build_is_a_usage_error(tmp_path: Path) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    assert main(["analyze", str(vcf), "--out", str(tmp_path / "out"), "--build", "hg19"]) == 2


def test_bugs_keep_their_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only IntegromeError becomes an `error:` line; a programming error must surface unchanged."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("integrome.pipeline.run_analysis", broken)
    vcf = tmp_path / "x.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(RuntimeError, match="a bug"):
        main(["analyze", str(vcf), "--out", str(tmp_path / "out"), "--format", "json"])


@pytest.mark.parametrize(
    ("text", "formats"),
    [("json,html,pdf", {"json", "html", "pdf"}), (" JSON , html ,", {"json", "html"}), ("", set())],
)
def test_format_list_is_split_trimmed_and_lowercased(text: str, formats: set[str]) -> None:
    assert parse_formats(text) == formats
