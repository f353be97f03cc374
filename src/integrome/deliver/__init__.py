"""deliver stage: render an `Analysis` as JSON, HTML or PDF.

`render_pdf` imports WeasyPrint only when called, so importing this package stays cheap.
"""

from integrome.deliver.html import render_html
from integrome.deliver.json import dump_analysis, read_analysis
from integrome.deliver.pdf import html_to_pdf, render_pdf

__all__ = ["dump_analysis", "html_to_pdf", "read_analysis", "render_html", "render_pdf"]
