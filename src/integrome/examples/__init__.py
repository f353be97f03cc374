"""Bundled synthetic example patients (no real person) for `integrome demo` and the golden tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_DIR", "DEMO_KB_DIR", "demo_inputs"]

DEMO_DIR = Path(__file__).with_name("demo")
"""A 64-year-old woman with metastatic EGFR L858R lung adenocarcinoma, on clopidogrel after a
coronary stent, CYP2C19 *2/*2: FHIR bundle, tumor VCF, germline PGx VCF and a clinic note."""


DEMO_KB_DIR = Path(__file__).with_name("kb")
"""A knowledge-base extra folder holding only the fictional example trials (EXAMPLE-001 ...), so the
demo shows the clinical-trials section without pretending to ship a real trial registry."""


def demo_inputs() -> list[Path]:
    """The demo patient's input files, sorted by name (the order `analyze` receives them)."""
    return sorted(p for p in DEMO_DIR.iterdir() if p.is_file())
