"""The physician report as PDF: WeasyPrint renders the same HTML, so both formats say the same.

WeasyPrint costs about 0.6 s to import, so it is imported only here, when a PDF is asked for.
The fetcher refuses every URL but inline `data:` ones (the report's own plots): the report is
self-contained, and rendering must neither reach the network nor read local files named by
patient data.
"""

from __future__ import annotations

from integrome.model import Analysis

__all__ = ["html_to_pdf", "render_pdf"]


def render_pdf(analysis: Analysis) -> bytes:
    """The report PDF for an analysis (A4, page numbers, same content as the HTML)."""
    from integrome.deliver.html import render_html

    return html_to_pdf(render_html(analysis))


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
