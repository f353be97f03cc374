"""The physician report: escaping, sections shown only with content, and text-first labels."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.unit.deliver.sample import make_analysis

from integrome.deliver import render_html
from integrome.deliver.html import age_in_years, build_view
from integrome.model import (
    Analysis,
    Citation,
    Insight,
    Medication,
    Patient,
    PgxResult,
    TestOption,
    VariantFinding,
)

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'


class _Structure(HTMLParser):
    """Collects the tags of a document to check its outline."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_heading = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading and data.strip():
            self.headings.append(data.strip())


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


def _hostile_analysis() -> Analysis:
    base = make_analysis()
    variant = base.findings[0]
    assert isinstance(variant, VariantFinding)
    hostile_variant = variant.model_copy(update={"hgvs_p": SCRIPT, "provenance": ATTRIBUTE})
    hostile_insight = base.insights[0].model_copy(
        update={
            "title": SCRIPT,
            "summary": ATTRIBUTE,
            "rationale": [SCRIPT],
            "citations": [Citation(source="PMID", id=ATTRIBUTE, url="javascript:alert(3)")],
        }
    )
    patient = Patient(
        id=ATTRIBUTE,
        sex="female",
        medications=[Medication(name="clopidogrel", status="active", text=SCRIPT)],
    )
    return make_analysis(
        patient=patient,
        findings=[hostile_variant, *base.findings[1:]],
        insights=[hostile_insight, *base.insights[1:]],
        warnings=[f"tumor.vcf:line 9: INFO {SCRIPT}"],
    )


def test_markup_from_data_is_shown_as_text() -> None:
    html = render_html(_hostile_analysis())
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_non_http_citation_url_is_not_a_link() -> None:
    html = render_html(_hostile_analysis())
    assert "javascript:" not in html


def test_pmid_citation_links_to_pubmed(analysis: Analysis) -> None:
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/29151359/">PMID 29151359</a>' in render_html(analysis)


def test_sections_with_content_are_shown_in_reading_order(analysis: Analysis) -> None:
    headings = _structure(render_html(analysis)).headings
    assert headings == [
        "Diagnoses",
        "Medications",
        "Alerts",
        "Actionable findings",
        "Resistance and safety",
        "Pharmacogenomics",
        "Tests to consider",
        "Clinical trials",
        "Variants and biomarkers",
        "Methods and limitations",
    ]


def test_empty_sections_are_hidden(analysis: Analysis) -> None:
    therapy_only = make_analysis(insights=[analysis.insights[0]], pgx=[])
    headings = _structure(render_html(therapy_only)).headings
    assert "Actionable findings" in headings
    for hidden in (
        "Alerts",
        "Resistance and safety",
        "Pharmacogenomics",
        "Tests to consider",
        "Clinical trials",
    ):
        assert hidden not in headings


def test_no_insights_says_so_instead_of_showing_empty_sections() -> None:
    html = render_html(make_analysis(insights=[], pgx=[], findings=[]))
    assert "No actionable insights were found" in html
    assert _structure(html).headings == ["Diagnoses", "Medications", "Methods and limitations"]


def test_alerts_put_critical_before_warning(analysis: Analysis) -> None:
    html = render_html(analysis)
    alerts = html[html.index('id="h-alerts"') : html.index('id="h-actionable"')]
    assert alerts.index("Clopidogrel: CYP2C19 poor metabolizer") < alerts.index("Cetuximab resistance")
    assert 'href="#insight-i2"' in alerts


def test_severity_and_tier_are_written_as_text(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert '<span class="badge severity">Critical</span>' in html
    assert '<span class="badge severity">Warning</span>' in html
    assert '<span class="badge tier tier-1">Tier IA</span>' in html
    assert "Evidence A, strong" in html


def test_info_insights_carry_no_severity_badge() -> None:
    html = render_html(make_analysis(insights=[make_analysis().insights[0]]))
    assert 'class="badge severity"' not in html


def test_pgx_table_reports_missing_positions_of_not_assessed_gene(analysis: Analysis) -> None:
    html = render_html(analysis)
    row = re.search(r'<tr class="not-assessed">.*?</tr>', html, flags=re.S)
    assert row is not None
    assert "CYP2C9" in row.group(0)
    assert "Not assessed: 6 positions missing (chr10:94938683 (rs114071557)" in row.group(0)
    assert "+2 more" in row.group(0)


def test_pgx_drugs_affected_come_from_the_gene_insights(analysis: Analysis) -> None:
    html = render_html(analysis)
    row = re.search(r'<tr class="assessed">.*?</tr>', html, flags=re.S)
    assert row is not None
    assert "CYP2C19" in row.group(0)
    assert "<td>clopidogrel</td>" in row.group(0)


def test_methods_list_unannotated_variants_and_not_assessed_genes(analysis: Analysis) -> None:
    html = render_html(analysis)
    methods = html[html.index('id="h-methods"') :]
    assert "chr3:1000 A&gt;C (GRCh38)" in methods
    assert "CYP2C9: 6 positions missing" in methods
    assert "germline.vcf:line 12: FILTER is not PASS; call ignored" in methods
    assert "decision support, not a diagnosis" in methods.lower()


def test_inputs_show_a_sha256_prefix_only(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert '<td class="code">abababababab</td>' in html
    assert "ab" * 32 not in html


def test_header_shows_age_on_report_date_and_medications_by_status(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert "64 years" in html
    assert "<dt>Current</dt>" in html
    assert "<dt>Planned</dt>" in html
    assert "OncoTree LUAD" in html


def test_every_table_has_column_headers(analysis: Analysis) -> None:
    tags = [tag for tag, _ in _structure(render_html(analysis)).tags]
    assert tags.count("table") == tags.count("thead") == 4
    assert tags.count("h1") == 1


def test_same_analysis_renders_identically(analysis: Analysis) -> None:
    assert render_html(analysis) == render_html(make_analysis())


@pytest.mark.parametrize(
    ("birth_date", "on", "age"),
    [
        ("1961-04-02", "2026-01-01T00:00:00Z", "64"),
        ("1961-04-02", "2026-04-02T00:00:00Z", "65"),
        ("1961-04", "2026-04-15T00:00:00Z", "64–65"),
        ("1961", "2026-12-31T00:00:00Z", "65"),
        ("1961", "2026-06-30T00:00:00Z", "64–65"),
        ("2027-01-01", "2026-01-01T00:00:00Z", None),
    ],
)
def test_age_in_years_handles_partial_birth_dates(birth_date: str, on: str, age: str | None) -> None:
    assert age_in_years(birth_date, on) == age


def test_long_warning_list_is_capped_with_a_count() -> None:
    warnings = [f"tumor.vcf:line {n}: FILTER is not PASS" for n in range(60)]
    html = render_html(make_analysis(warnings=warnings))
    assert "tumor.vcf:line 49:" in html
    assert "tumor.vcf:line 50:" not in html
    assert "10 further warnings are not shown here" in html


def test_insight_findings_are_named_by_gene_and_change(analysis: Analysis) -> None:
    cards = [card for section in build_view(analysis).sections for card in section.cards]
    therapy = next(card for card in cards if card.insight.kind == "therapy")
    assert therapy.findings == ["EGFR p.Leu858Arg"]


def test_card_facts_leave_out_what_the_title_already_names(analysis: Analysis) -> None:
    cards = [card for section in build_view(analysis).sections for card in section.cards]
    therapy = next(card for card in cards if card.insight.kind == "therapy")
    assert all(drug in therapy.insight.title.lower() for drug in therapy.insight.drugs)
    assert "Drugs" not in dict(therapy.facts)
    assert "<dt>Based on</dt>" not in render_html(analysis)


def test_negative_finding_reads_as_tested_negative(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert "no fusion" in html
    assert "tested negative" in html


def test_insight_kind_without_a_dedicated_section_is_still_shown() -> None:
    prognostic = Insight(
        id="i9",
        kind="prognostic",
        title="TP53 R248Q",
        summary="Prognostic marker.",
        genes=["TP53"],
        citations=[Citation(source="PMID", id="29151359")],
    )
    headings = _structure(render_html(make_analysis(insights=[prognostic]))).headings
    assert "Germline, diagnostic and prognostic findings" in headings


def test_assessed_gene_with_gaps_gives_a_count_and_its_note_a_full_row() -> None:
    partial = PgxResult(
        gene="CYP2C19",
        diplotype="*2/*2",
        phenotype="Poor Metabolizer",
        assessed=True,
        missing_positions=["chr10:94762706 (rs28399504)", "chr10:94762712 (rs367543002)"],
        note="alleles not assessable (positions missing): *4",
    )
    html = render_html(make_analysis(pgx=[partial]))
    assert "<td>Assessed; 2 defining positions not in the inputs</td>" in html
    note = "CYP2C19: alleles not assessable (positions missing): *4"
    assert f'<tr class="pgx-note"><td colspan="6">{note}</td></tr>' in html


def test_test_options_show_gaps_closed_turnaround_range_and_companion_drugs() -> None:
    base = make_analysis()
    recommendation = next(i for i in base.insights if i.kind == "test_recommendation")
    option = TestOption(
        test_id="panel",
        name="Example DNA+RNA panel",
        provider="Example Lab",
        covers=["KRAS mutation", "RET rearrangement"],
        turnaround_days=10,
        turnaround_max_days=14,
        companion_diagnostic=True,
        companion_drugs=["selpercatinib"],
        closes=2,
        of=3,
        example=True,
    )
    html = render_html(make_analysis(insights=[recommendation.model_copy(update={"options": [option]})]))
    row = re.search(r"<caption>Tests that cover these gaps</caption>.*?</table>", html, flags=re.S)
    assert row is not None
    assert (
        '<strong>2 of 3</strong>: <span class="muted">KRAS mutation, RET rearrangement</span>' in row.group(0)
    )
    assert "<td>10–14 days</td>" in row.group(0)
    assert "Companion diagnostic for selpercatinib" in row.group(0)
    assert "example catalog entry, not a real test" in row.group(0)


def test_overview_counts_severities_then_kinds_in_plain_words() -> None:
    base = make_analysis()
    therapy, tests = base.insights[0], base.insights[3]
    second_test = tests.model_copy(update={"id": "i8"})
    html = render_html(make_analysis(insights=[therapy, tests, second_test]))
    assert "3 insights: 1 therapy option, 2 tests to consider." in html
    overview = render_html(base)
    assert (
        "5 insights: 1 critical, 1 warning, 1 therapy option, 1 resistance finding, 1 pharmacogenomic"
        in overview
    )


def test_rationale_lines_sharing_a_lead_become_one_sub_list(analysis: Analysis) -> None:
    test = next(i for i in analysis.insights if i.kind == "test_recommendation")
    grouped = test.model_copy(
        update={
            "rationale": [
                "Not on record: BRAF V600 mutation",
                "Not on record: KRAS mutation",
                "Already on record, not ordered again: EGFR mutation tested positive — EGFR p.Leu858Arg",
                "Best catalog option: DPYD targeted genotyping (Example Lab) closes the gap",
            ]
        }
    )
    view = next(
        card for section in build_view(make_analysis(insights=[grouped])).sections for card in section.cards
    )
    assert [(reason.text, reason.items) for reason in view.reasons] == [
        ("Not on record", ("BRAF V600 mutation", "KRAS mutation")),
        ("Already on record, not ordered again: EGFR mutation tested positive — EGFR p.Leu858Arg", ()),
    ]
    html = render_html(make_analysis(insights=[grouped]))
    assert "<li>Not on record:\n" in html
    assert "Best catalog option" not in html


def test_badge_legend_explains_the_tiers_and_cpic_levels_shown(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert "Reading the badges" in html
    assert "PMID 27993330" in html
    assert "Clinical Pharmacogenetics Implementation Consortium" in html
    untiered = make_analysis(
        insights=[i for i in analysis.insights if i.tier is None and not i.evidence_level]
    )
    assert "Reading the badges" not in render_html(untiered)


def test_variant_without_hgvs_is_named_by_its_report_label_in_the_findings_table() -> None:
    itd = VariantFinding(id="f9", source="fhir", gene="FLT3", label="ITD", consequence="inframe_insertion")
    (row,) = build_view(make_analysis(findings=[itd], insights=[])).findings
    assert (row.gene, row.change, row.kind) == ("FLT3", "ITD", "inframe insertion")
