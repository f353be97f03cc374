"""The demo patient's analysis JSON, HTML report and FHIR bundle match the reviewed golden files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integrome.deliver import dump_analysis, render_fhir_bundle, render_html
from integrome.examples import DEMO_KB_DIR, demo_inputs
from integrome.model import Analysis
from integrome.pipeline import RunOptions, run_analysis


@pytest.fixture(scope="module")
def demo_analysis() -> Analysis:
    return run_analysis(demo_inputs(), options=RunOptions(deterministic=True, kb_dir=DEMO_KB_DIR))


def test_demo_analysis_json_matches_golden(
    demo_analysis: Analysis, golden: Callable[[str, str], None]
) -> None:
    golden("analysis.json", dump_analysis(demo_analysis))


def test_demo_html_report_matches_golden(demo_analysis: Analysis, golden: Callable[[str, str], None]) -> None:
    golden("report.html", render_html(demo_analysis))


def test_demo_fhir_bundle_matches_golden(demo_analysis: Analysis, golden: Callable[[str, str], None]) -> None:
    golden("fhir-bundle.json", render_fhir_bundle(demo_analysis))
