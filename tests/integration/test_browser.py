"""The web app in a real browser: headless Debian Chromium driven by Playwright against a live server.

A clinician signs in, uploads the bundled demo patient's four files, the page follows the job to
the report, and the report shows the critical clopidogrel alert, the osimertinib card and the
CYP2C19 PGx row; filters, folded evidence, keyboard order and a tablet viewport are checked on
the same report; a lab user adds and edits a catalog test. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.apiharness import DEMO
from tests.integration.browserharness import (
    LiveServer,
    chromium,
    live_server,
    require_browser,
    screenshot,
    sign_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions (imported late: the module loads without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


pytestmark = pytest.mark.slow

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_browser()
    with live_server(tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: LiveServer) -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def clinician_state(browser: Browser, server: LiveServer) -> dict[str, Any]:
    """The clinician's signed-in cookies, for tests that start on a page behind sign-in."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "ann")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


@pytest.fixture(scope="module")
def uploaded(browser: Browser, server: LiveServer, clinician_state: dict[str, Any]) -> dict[str, Any]:
    """Upload the demo patient once through the upload page; the report's URL and what was requested."""
    context = browser.new_context(storage_state=clinician_state, viewport=DESKTOP)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server.url}/web/upload")
    page.get_by_label("Patient files").set_input_files(sorted(str(p) for p in DEMO.iterdir()))
    page.get_by_role("button", name="Upload and analyze").click()
    page.wait_for_url(re.compile(r"/web/analyses/an-[0-9a-f]{16}$"), timeout=90_000)
    result = {"url": page.url, "requested": requested}
    context.close()
    return result


@pytest.fixture
def clinician_page(browser: Browser, clinician_state: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(storage_state=clinician_state, viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def test_sign_in_redirects_back_to_the_requested_page(browser: Browser, server: LiveServer) -> None:
    context: BrowserContext = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/web/kb")
    assert "/web/signin" in page.url
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Incorrect user name or password."
    sign_in(page, server, "ann", next_path="/web/kb")
    assert page.url == f"{server.url}/web/kb"
    assert page.get_by_role("heading", level=1).inner_text() == "Knowledge base"
    context.close()


def test_upload_goes_through_the_job_to_the_report(uploaded: dict[str, Any]) -> None:
    assert any("/web/upload" in url for url in uploaded["requested"])
    assert any(re.search(r"/web/jobs/job-[0-9a-f]{16}$", url) for url in uploaded["requested"])


def test_job_page_follows_the_job_until_the_report_opens(
    clinician_page: Page, server: LiveServer, uploaded: dict[str, Any]
) -> None:
    page = clinician_page
    repository = server.app.state.repository
    with repository.transaction() as tx:
        owner = tx.get_user("ann")
        job = tx.add_job("browser-test", owner.id)
    page.goto(f"{server.url}/web/jobs/{job.id}")
    state = page.locator("#job-state")
    assert state.inner_text() == "Waiting for a free worker…"
    with repository.transaction() as tx:
        tx.update_job(job.id, status="running", progress=125_000)
    expect(state).to_have_text("Analyzing: 125,000 records read…")
    assert page.locator("#step-running").get_attribute("class") == "current"
    screenshot(page, "job-progress.png")
    analysis_id = uploaded["url"].rsplit("/", 1)[1]
    with repository.transaction() as tx:
        tx.update_job(job.id, status="succeeded", analysis_id=analysis_id)
    page.wait_for_url(uploaded["url"], timeout=10_000)


def test_failed_job_shows_the_reason_and_a_way_back(clinician_page: Page, server: LiveServer) -> None:
    page = clinician_page
    repository = server.app.state.repository
    with repository.transaction() as tx:
        job = tx.add_job("browser-test", tx.get_user("ann").id)
    page.goto(f"{server.url}/web/jobs/{job.id}")
    with repository.transaction() as tx:
        tx.update_job(job.id, status="failed", message="tumor.vcf: line 7: expected 8 tab-separated columns")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "tumor.vcf: line 7: expected 8 tab-separated columns"
    assert page.get_by_role("link", name="Upload the files again").is_visible()


def test_every_form_control_has_a_label(
    clinician_page: Page, server: LiveServer, uploaded: dict[str, Any]
) -> None:
    page = clinician_page
    unlabelled: dict[str, list[str]] = {}
    for path in (
        "/web/upload",
        uploaded["url"].removeprefix(server.url),
        "/web/kb",
        "/web/catalog",
        "/web/patients",
    ):
        page.goto(server.url + path)
        missing = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                   'input:not([type=hidden]), select, textarea, button'))
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                               && !(el.tagName === 'BUTTON' && el.textContent.trim()))
                 .map(el => el.outerHTML.slice(0, 80))"""
        )
        if missing:
            unlabelled[path] = missing
    assert unlabelled == {}


def test_report_shows_the_critical_alert_osimertinib_and_the_cyp2c19_row(
    clinician_page: Page, uploaded: dict[str, Any]
) -> None:
    page = clinician_page
    page.goto(uploaded["url"])
    assert page.get_by_role("heading", level=1).inner_text() == "Patient SYN-DEMO-0001"
    alerts = page.locator("#alerts li")
    assert alerts.count() >= 1
    assert "Clopidogrel: CYP2C19 poor metabolizer" in alerts.first.inner_text()
    assert page.get_by_role("heading", name="Osimertinib for EGFR L858R").is_visible()
    row = page.locator("table.pgx tbody tr", has=page.locator("th", has_text="CYP2C19"))
    cells = row.locator("td").all_inner_texts()
    assert cells[:2] == ["*2/*2", "Poor Metabolizer"]
    screenshot(page, "report-desktop.png", full_page=True)


def test_test_recommendation_shows_urgency_specimen_and_catalog_options(
    clinician_page: Page, uploaded: dict[str, Any]
) -> None:
    page = clinician_page
    page.goto(uploaded["url"] + "?section=tests")
    card = page.locator("section#tests article.card").first
    facts = card.locator("dl.facts").inner_text()
    assert re.search(r"Urgency\s+(urgent|soon|routine)", facts)
    assert "Specimen" in facts
    options = card.locator("table.options")
    assert not options.is_visible(), "the catalog options are folded until the evidence is opened"
    card.locator("details.evidence > summary").click()
    assert options.is_visible()
    assert "FoundationOne CDx" in options.inner_text()


def test_evidence_folds_open_with_its_citations(clinician_page: Page, uploaded: dict[str, Any]) -> None:
    page = clinician_page
    page.goto(uploaded["url"])
    card = page.locator("article.card", has=page.get_by_role("heading", name="Osimertinib for EGFR L858R"))
    citations = card.locator("p.citations")
    assert not citations.is_visible()
    card.locator("details.evidence > summary").click()
    assert citations.is_visible()
    assert citations.locator("a").count() >= 1
    page.get_by_role("button", name="Collapse all").click()
    assert not citations.is_visible()
    page.get_by_role("button", name="Expand all evidence").click()
    assert page.locator("details.evidence:not([open])").count() == 0


def test_severity_filter_keeps_only_the_critical_card(clinician_page: Page, uploaded: dict[str, Any]) -> None:
    page = clinician_page
    page.goto(uploaded["url"])
    total = int(re.findall(r"of (\d+) insights", page.locator("#filter-status").inner_text())[0])
    page.evaluate("() => { window.loadedOnce = true; }")
    page.get_by_label("Severity").select_option("critical")
    expect(page.locator("#filter-status")).to_have_text(f"Showing 1 of {total} insights")
    assert page.url.endswith("?severity=critical")
    assert page.evaluate("() => window.loadedOnce === true"), "the filter applied without a page load"
    titles = page.locator("#report-results article.card h3").all_inner_texts()
    assert titles == ["Clopidogrel: CYP2C19 poor metabolizer — avoid clopidogrel"]
    assert page.locator("table.pgx th", has_text="CYP2C19").count() == 1
    assert page.locator("table.pgx th", has_text="DPYD").count() == 0


def test_keyboard_tab_order_reaches_the_upload_button(clinician_page: Page, server: LiveServer) -> None:
    page = clinician_page
    page.goto(f"{server.url}/web/upload")
    reached: list[str] = []
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        )
        if reached[-1] == "upload-button":
            break
    assert reached[0] == "Skip to content"
    assert "files" in reached
    assert reached[-1] == "upload-button", f"tab order: {reached}"
    assert reached.index("files") < reached.index("upload-button")


def test_report_fits_a_tablet_screen(
    browser: Browser, clinician_state: dict[str, Any], uploaded: dict[str, Any]
) -> None:
    context = browser.new_context(storage_state=clinician_state, viewport=TABLET, has_touch=True)
    page = context.new_page()
    page.goto(uploaded["url"])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a tablet"
    assert page.get_by_role("button", name="Apply").bounding_box()["height"] >= 44
    screenshot(page, "report-tablet.png")
    screenshot(page, "report-tablet-full.png", full_page=True)
    context.close()


def test_kb_browser_filters_records_and_links_citations(clinician_page: Page, server: LiveServer) -> None:
    page = clinician_page
    page.goto(f"{server.url}/web/kb")
    page.get_by_label("Gene or biomarker").fill("EGFR")
    page.get_by_label("Drug").fill("osimertinib")
    page.get_by_role("button", name="Filter").click()
    records = page.locator("article.kb-record")
    assert records.count() >= 1
    for title in records.locator("h2").all_inner_texts():
        assert "EGFR" in title
    assert records.first.locator("p.citations a").count() >= 1
    screenshot(page, "kb-browser.png")


def test_lab_user_publishes_a_catalog_then_edits_its_test(browser: Browser, server: LiveServer) -> None:
    with server.app.state.repository.transaction() as tx:
        tx.link_lab("lab", "city-molecular-lab")  # a lab user publishes only for linked laboratories
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, server, "lab")
    assert page.url.endswith("/web/lab")
    page.get_by_role("link", name="Publish a new catalog").click()
    page.get_by_label("File name").fill("city-lab")
    page.get_by_label("Catalog name").fill("City Molecular Lab catalog")
    page.get_by_label("Version").fill("2026.12.0")
    page.get_by_label("Laboratory id").fill("city-molecular-lab")
    page.get_by_label("Laboratory name").fill("City Molecular Lab")
    page.get_by_label("Country").fill("DE")
    page.get_by_label("Test id").fill("lung-fusion-panel")
    page.get_by_label("Test name").fill("Lung Fusion Panel")
    page.get_by_label("Method").select_option("rna_fusion")
    page.get_by_label("Specimens").fill("tumor tissue (FFPE)")
    page.get_by_label("Genes with fusion calling").fill("ALK, ROS1, HER2")
    page.get_by_role("button", name="Publish catalog").click()
    assert (
        "'HER2' is not an approved HGNC gene symbol; use the approved symbol ERBB2"
        in page.get_by_role("alert").inner_text()
    )
    page.get_by_label("Genes with fusion calling").fill("ALK, ROS1, RET")
    page.get_by_role("button", name="Publish catalog").click()
    assert page.get_by_role("status").inner_text().startswith("Saved test lung-fusion-panel.")
    page.get_by_role("link", name="Edit Lung Fusion Panel").click()
    page.get_by_label("Catalog version after this change").fill("2026.12.1")
    page.get_by_label("Turnaround (days)", exact=True).fill("7")
    page.get_by_role("button", name="Save test").click()
    row = page.locator("tr", has_text="Lung Fusion Panel")
    assert "7 days" in row.inner_text()
    assert "version 2026.12.1" in page.locator("h2", has_text="City Molecular Lab catalog").inner_text()
    screenshot(page, "lab-tests.png")
    page.goto(f"{server.url}/web/catalog?target=RET")
    assert page.get_by_role("heading", name="Lung Fusion Panel").is_visible()
    context.close()
