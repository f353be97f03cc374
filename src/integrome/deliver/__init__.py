"""deliver stage: render an `Analysis` as JSON, HTML, PDF or a FHIR Genomics Reporting Bundle.

`render_pdf` imports WeasyPrint and `validate_fhir_bundle` fhir.resources only when called, so
importing this package stays cheap.
"""

from integrome.deliver.fhir_genomics import analysis_to_fhir, render_fhir_bundle, validate_fhir_bundle
from integrome.deliver.html import render_html
from integrome.deliver.json import dump_analysis, read_analysis
from integrome.deliver.pdf import html_to_pdf, render_pdf

__all__ = [
    "analysis_to_fhir",
    "dump_analysis",
    "html_to_pdf",
    "read_analysis",
    "render_fhir_bundle",
    "render_html",
    "render_pdf",
    "validate_fhir_bundle",
]
