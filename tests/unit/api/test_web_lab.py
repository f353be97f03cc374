"""The laboratory page's forms: a form becomes a catalog file through `import_catalog`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.integration.apiharness import PASSWORD, running_api

from integrome.api.routers.kb import unlinked_laboratories
from integrome.api.web_lab import (
    CatalogForm,
    FormProblem,
    PublishedCatalog,
    TestForm,
    catalog_from_forms,
    form_from_test,
    published_catalogs,
    save_catalog,
    with_test,
)
from integrome.errors import KnowledgeBaseError
from integrome.knowledge.catalog import load_catalog

LAB = CatalogForm(
    slug="city-lab",
    name="City Molecular Lab catalog",
    version="2026.12.0",
    provider_id="city-molecular-lab",
    provider_name="City Molecular Lab",
    country="de",
    accreditation=("ISO 15189",),
)
PANEL = TestForm(
    id="lung-panel",
    name="Lung Panel",
    provider="city-molecular-lab",
    method="ngs_panel",
    origin="somatic",
    specimens="tumor tissue (FFPE), plasma ctDNA",
    genes="EGFR, KRAS\nBRAF",
    fusions="ALK; ROS1",
    turnaround_days="10",
    turnaround_max_days="14",
    price_amount="950",
    price_currency="eur",
)


def _publish(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    save_catalog(catalog_from_forms(LAB, PANEL), "city-lab.yaml", kb, tmp_path / "scratch")
    return kb


def test_new_catalog_from_forms_is_imported_and_loaded(tmp_path: Path) -> None:
    kb = _publish(tmp_path)
    entry = next(e for e in load_catalog(kb) if e.test.id == "lung-panel")
    assert entry.provider.country == "DE"
    assert entry.test.genes == ["EGFR", "KRAS", "BRAF"]
    assert entry.test.fusions == ["ALK", "ROS1"]
    assert entry.test.specimens == ["tumor tissue (FFPE)", "plasma ctDNA"]
    assert (entry.test.turnaround_days, entry.test.turnaround_max_days) == (10, 14)
    assert entry.test.price is not None
    assert entry.test.price.currency == "EUR"
    assert not list((tmp_path / "scratch").iterdir()), "the scratch copy is removed"


def test_alias_gene_symbol_is_refused_with_the_approved_symbol_and_nothing_is_written(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    catalog = catalog_from_forms(LAB, TestForm(**{**vars(PANEL), "genes": "HER2"}))
    with pytest.raises(
        KnowledgeBaseError, match="'HER2' is not an approved HGNC gene symbol; use the approved symbol ERBB2"
    ) as error:
        save_catalog(catalog, "city-lab.yaml", kb, tmp_path / "scratch")
    assert str(tmp_path / "scratch") not in str(error.value)
    assert published_catalogs(kb) == []


def test_editing_a_test_replaces_it_and_sets_the_new_version(tmp_path: Path) -> None:
    kb = _publish(tmp_path)
    (published,) = published_catalogs(kb)
    form = TestForm(
        **{
            **vars(form_from_test(published.catalog.tests[0])),
            "turnaround_days": "7",
            "turnaround_max_days": "",
        }
    )
    save_catalog(
        with_test(published, form, "2026.12.1", "lung-panel"), published.file_name, kb, tmp_path / "s"
    )
    (updated,) = published_catalogs(kb)
    assert updated.catalog.version == "2026.12.1"
    assert [(t.id, t.turnaround_days, t.turnaround_max_days) for t in updated.catalog.tests] == [
        ("lung-panel", 7, None)
    ]


FDA_CDX_LIST = {
    "source": "FDA",
    "id": "List of Cleared or Approved Companion Diagnostic Devices (In Vitro and Imaging Tools)",
}
CDX_CATALOG = {
    "schema": "integrome.catalog/1",
    "version": "1",
    "name": "CDx catalog",
    "providers": [{"id": "maker", "name": "Maker Inc.", "country": "US"}],
    "tests": [
        {
            "id": "cdx-test",
            "name": "CDx test",
            "provider": "maker",
            "method": "pcr",
            "origin": "somatic",
            "specimens": ["tumor tissue (FFPE)"],
            "genes": ["EGFR"],
            "fda_status": "companion_diagnostic",
            "companion": [{"drugs": ["osimertinib"], "biomarkers": ["EGFR:mutation"], "diseases": ["NSCLC"]}],
            "citations": [FDA_CDX_LIST],
        }
    ],
}


def _published_cdx(kb: Path, file_name: str) -> PublishedCatalog:
    (kb / "catalog").mkdir(parents=True)
    text = json.dumps(CDX_CATALOG) if file_name.endswith(".json") else yaml.safe_dump(CDX_CATALOG)
    (kb / "catalog" / file_name).write_text(text)
    (published,) = published_catalogs(kb)
    return published


def test_editing_keeps_fda_status_companion_claims_and_citations(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    published = _published_cdx(kb, "cdx.yaml")
    form = TestForm(**{**vars(form_from_test(published.catalog.tests[0])), "name": "CDx test (renamed)"})
    save_catalog(with_test(published, form, "2", "cdx-test"), published.file_name, kb, tmp_path / "s")
    test = published_catalogs(kb)[0].catalog.tests[0]
    assert test.name == "CDx test (renamed)"
    assert test.fda_status == "companion_diagnostic"
    assert [str(b) for b in test.companion[0].biomarkers] == ["EGFR:mutation"]
    assert test.citations[0].source == "FDA"
    assert "- EGFR:mutation" in (kb / "catalog" / "cdx.yaml").read_text()


def test_a_json_catalog_is_saved_as_json(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    published = _published_cdx(kb, "cdx.json")
    form = TestForm(**{**vars(form_from_test(published.catalog.tests[0])), "turnaround_days": "3"})
    save_catalog(with_test(published, form, "2", "cdx-test"), published.file_name, kb, tmp_path / "s")
    saved = json.loads((kb / "catalog" / "cdx.json").read_text())
    assert saved["tests"][0]["turnaround_days"] == 3
    assert saved["tests"][0]["companion"][0]["biomarkers"] == ["EGFR:mutation"]


def test_removing_a_companion_biomarker_from_the_detected_genes_is_refused(tmp_path: Path) -> None:
    published = _published_cdx(tmp_path / "kb", "cdx.json")
    form = TestForm(**{**vars(form_from_test(published.catalog.tests[0])), "genes": "KRAS"})
    with pytest.raises(FormProblem, match="companion claim for osimertinib names"):
        with_test(published, form, "2", "cdx-test")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "Lung Panel"}, "id"),
        ({"turnaround_days": "two"}, "turnaround_days"),
        ({"price_amount": "cheap"}, "price_amount"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"genes": "", "fusions": ""}, "genes"),
    ],
)
def test_unusable_form_values_name_their_field(changes: dict[str, str], field: str) -> None:
    with pytest.raises(FormProblem) as problem:
        catalog_from_forms(LAB, TestForm(**{**vars(PANEL), **changes}))
    assert problem.value.field == field


def test_adding_a_test_with_a_taken_id_is_refused(tmp_path: Path) -> None:
    kb = _publish(tmp_path)
    (published,) = published_catalogs(kb)
    with pytest.raises(FormProblem, match="already has a test 'lung-panel'"):
        with_test(published, PANEL, "2026.12.1", None)


def test_a_test_keeps_its_id_when_edited(tmp_path: Path) -> None:
    kb = _publish(tmp_path)
    (published,) = published_catalogs(kb)
    with pytest.raises(FormProblem, match="keeps its id"):
        with_test(published, TestForm(**{**vars(PANEL), "id": "other"}), "2", "lung-panel")


def test_a_lab_user_may_save_only_catalogs_of_laboratories_linked_to_them(tmp_path: Path) -> None:
    catalog = _published_cdx(tmp_path / "kb", "cdx.yaml").catalog
    assert unlinked_laboratories(catalog, frozenset({"maker"})) == []
    assert unlinked_laboratories(catalog, frozenset({"city-molecular-lab"})) == ["maker"]
    assert unlinked_laboratories(catalog, frozenset()) == ["maker"]
    assert unlinked_laboratories(catalog, None) == [], "an admin publishes anything"


def _lab_page(client: TestClient, user: str) -> str:
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/web/signin").text)
    assert token
    form = {"username": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/web/lab"}
    assert client.post("/web/signin", data=form, follow_redirects=False).status_code == 303
    page = client.get("/web/lab")
    assert page.status_code == 200
    text: str = page.text
    return text


def test_lab_page_offers_edit_only_for_the_users_laboratories_and_all_to_an_admin(tmp_path: Path) -> None:
    kb = _publish(tmp_path)  # city-lab.yaml, laboratory city-molecular-lab
    (kb / "catalog" / "cdx.yaml").write_text(yaml.safe_dump(CDX_CATALOG))  # laboratory maker
    with running_api(tmp_path / "server", kb_path=kb) as api:
        with api.app.state.repository.transaction() as tx:
            tx.link_lab("lab", "city-molecular-lab")
        lab = _lab_page(TestClient(api.app), "lab")
        admin = _lab_page(TestClient(api.app), "root")
    assert 'href="/web/lab/city-lab/tests/lung-panel"' in lab
    assert 'href="/web/lab/city-lab/tests/new"' in lab
    assert 'href="/web/lab/cdx/tests/cdx-test"' not in lab
    assert 'href="/web/lab/cdx/tests/new"' not in lab
    assert lab.count("Read-only: your account is not linked to this laboratory") == 1
    assert '(<span class="code">maker</span>)' in lab
    assert 'href="/web/lab/cdx/tests/cdx-test"' in admin
    assert 'href="/web/lab/city-lab/tests/lung-panel"' in admin
    assert "Read-only" not in admin
