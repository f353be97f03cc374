"""A laboratory's page: its published test catalogs, and forms to add or edit one test.

A saved form becomes a whole catalog file (schema `integrome.catalog/1`) that goes through
`knowledge.catalog.import_catalog`, the same validation and atomic write as
`integrome kb import catalog` and `PUT /api/v1/catalog/{name}`: HGNC symbols, IHC targets, named
results and companion claims are checked there, once. Regulatory facts (FDA status, companion
claims, citations) are not editable in the form: they need a citation and are published in a
catalog file; the form keeps them as they were.

Who may save is decided once too, by `routers.kb.authorize_publishing` before the write: a lab
user only for the laboratories (provider ids) an admin linked them to, in the new catalog and in
the one it replaces. The page offers Add and Edit only where that check would pass (by the
rule it applies, `routers.kb.unlinked_laboratories`), and says why a catalog is read-only,
instead of a form whose save is refused.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.catalog import (
    CATALOG_DIR,
    CATALOG_SUFFIXES,
    ImportedCatalog,
    import_catalog,
    parse_catalog,
)
from integrome.model.catalog import CATALOG_SCHEMA, Accreditation, Catalog, CatalogTest, TestMethod

__all__ = [
    "ACCREDITATIONS",
    "METHODS",
    "CatalogForm",
    "FormProblem",
    "PublishedCatalog",
    "TestForm",
    "catalog_from_forms",
    "form_from_test",
    "published_catalogs",
    "save_catalog",
    "with_test",
]

METHODS: tuple[str, ...] = get_args(TestMethod)
ACCREDITATIONS: tuple[str, ...] = get_args(Accreditation)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LIST_SPLIT = re.compile(r"[,;\n]+")


class FormProblem(Exception):
    """A form value that cannot be used; `field` names the form field, the message says why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class PublishedCatalog:
    """One catalog file in the server's knowledge-base folder."""

    slug: str
    file_name: str
    catalog: Catalog


def published_catalogs(kb_path: Path) -> list[PublishedCatalog]:
    """Catalogs imported into `kb_path/catalog/`, by file name (KnowledgeBaseError if one is broken)."""
    folder = kb_path / CATALOG_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix in CATALOG_SUFFIXES and not path.name.startswith("."):
            catalog = parse_catalog(path.read_text(encoding="utf-8"), path.name)
            found.append(PublishedCatalog(slug=path.stem, file_name=path.name, catalog=catalog))
    return found


@dataclass(frozen=True)
class TestForm:
    """The test form's fields as typed by the user (kept verbatim to show them again on an error)."""

    __test__ = False  # not a pytest test class despite the name

    id: str = ""
    name: str = ""
    provider: str = ""
    method: str = "ngs_panel"
    origin: str = "somatic"
    specimens: str = ""
    genes: str = ""
    copy_number: str = ""
    fusions: str = ""
    proteins: str = ""
    results: str = ""
    genotypes: str = ""
    turnaround_days: str = ""
    turnaround_max_days: str = ""
    price_amount: str = ""
    price_currency: str = ""
    url: str = ""

    @classmethod
    def from_mapping(cls, values: dict[str, str]) -> TestForm:
        return cls(**{f.name: values.get(f.name, "").strip() for f in fields(cls)})


@dataclass(frozen=True)
class CatalogForm:
    """A new catalog: its file name, title, version and the laboratory that publishes it."""

    slug: str = ""
    name: str = ""
    version: str = ""
    provider_id: str = ""
    provider_name: str = ""
    country: str = ""
    provider_url: str = ""
    accreditation: tuple[str, ...] = field(default=())


def form_from_test(test: CatalogTest) -> TestForm:
    """A form pre-filled with a published test."""

    def joined(values: list[str]) -> str:
        return ", ".join(values)

    return TestForm(
        id=test.id,
        name=test.name,
        provider=test.provider,
        method=test.method,
        origin=test.origin,
        specimens=joined(test.specimens),
        genes=joined(test.genes),
        copy_number=joined(test.copy_number),
        fusions=joined(test.fusions),
        proteins=joined(test.proteins),
        results=joined(test.results),
        genotypes=joined(test.genotypes),
        turnaround_days="" if test.turnaround_days is None else str(test.turnaround_days),
        turnaround_max_days="" if test.turnaround_max_days is None else str(test.turnaround_max_days),
        price_amount="" if test.price is None else f"{test.price.amount:g}",
        price_currency="" if test.price is None else test.price.currency,
        url=test.url or "",
    )


def _items(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in _LIST_SPLIT.split(text) if part.strip()))


def _days(name: str, text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise FormProblem(name, f"expected a whole number of days, found {text!r}")
    return int(text)


def _url(name: str, text: str) -> str | None:
    if not text:
        return None
    if not text.startswith(("https://", "http://")):
        raise FormProblem(name, f"expected an http(s) address, found {text!r}")
    return text


def _test_document(form: TestForm, kept: CatalogTest | None) -> dict[str, Any]:
    """The test as catalog-file data; FDA status, companion claims and citations come from `kept`."""
    if not SLUG.match(form.id):
        raise FormProblem("id", "expected a lowercase slug: letters, digits and '-' (e.g. solid-tumor-panel)")
    document: dict[str, Any] = {
        "id": form.id,
        "name": form.name,
        "provider": form.provider,
        "method": form.method,
        "origin": form.origin,
        "specimens": _items(form.specimens),
    }
    for name in ("genes", "copy_number", "fusions", "proteins", "results", "genotypes"):
        values = _items(getattr(form, name))
        if values:
            document[name] = values
    for name in ("turnaround_days", "turnaround_max_days"):
        days = _days(name, getattr(form, name))
        if days is not None:
            document[name] = days
    if form.price_amount or form.price_currency:
        try:
            amount = float(form.price_amount)
        except ValueError:
            raise FormProblem("price_amount", f"expected a number, found {form.price_amount!r}") from None
        document["price"] = {"amount": amount, "currency": form.price_currency.upper()}
    url = _url("url", form.url)
    if url is not None:
        document["url"] = url
    if kept is not None:
        regulatory = kept.model_dump(mode="json", include={"fda_status", "companion", "citations", "example"})
        document.update({key: value for key, value in regulatory.items() if value})
    return document


def _validated(document: dict[str, Any]) -> Catalog:
    try:
        return Catalog.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = [str(part) for part in error["loc"]]
        if location[:1] == ["tests"]:
            name = location[2] if len(location) >= 3 else "genes"
        elif location[:1] == ["providers"] and len(location) >= 3:
            name = "provider_" + location[2] if location[2] in ("id", "name", "url") else location[2]
        else:
            name = location[0] if location else "form"
        raise FormProblem(name, error["msg"]) from exc


def with_test(published: PublishedCatalog, form: TestForm, version: str, replaces: str | None) -> Catalog:
    """The catalog with `form`'s test added (`replaces` None) or put in place of test `replaces`."""
    if not version.strip():
        raise FormProblem("version", "give the catalog's new version (e.g. 2026.12.0)")
    catalog = published.catalog
    ids = [test.id for test in catalog.tests]
    documents = [test.model_dump(mode="json", exclude_defaults=True) for test in catalog.tests]
    if replaces is None:
        if form.id in ids:
            raise FormProblem("id", f"the catalog already has a test {form.id!r}; edit that one instead")
        documents.append(_test_document(form, None))
    else:
        if replaces not in ids:
            raise FormProblem("id", f"the catalog has no test {replaces!r}")
        if form.id != replaces:
            raise FormProblem("id", "a test keeps its id; add a new test to use another id")
        position = ids.index(replaces)
        documents[position] = _test_document(form, catalog.tests[position])
    document = catalog.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    document.update(version=version.strip(), tests=documents)
    return _validated(document)


def catalog_from_forms(catalog: CatalogForm, form: TestForm) -> Catalog:
    """A new catalog with one laboratory and its first test."""
    if not SLUG.match(catalog.slug):
        raise FormProblem("slug", "expected a lowercase file name: letters, digits and '-' (e.g. my-lab)")
    if not SLUG.match(catalog.provider_id):
        raise FormProblem("provider_id", "expected a lowercase slug: letters, digits and '-'")
    provider: dict[str, Any] = {
        "id": catalog.provider_id,
        "name": catalog.provider_name,
        "country": catalog.country.upper(),
        "accreditation": list(catalog.accreditation),
    }
    provider_url = _url("provider_url", catalog.provider_url)
    if provider_url is not None:
        provider["url"] = provider_url
    if not catalog.version.strip():
        raise FormProblem("version", "give the catalog's version (e.g. 2026.12.0)")
    document = {
        "schema": CATALOG_SCHEMA,
        "version": catalog.version.strip(),
        "name": catalog.name,
        "providers": [provider],
        "tests": [_test_document(form, None)],
    }
    return _validated(document)


def _file_document(catalog: Catalog) -> dict[str, Any]:
    """Catalog-file data in the documented shape: companion biomarkers as 'GENE:kind' strings."""
    document = catalog.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    document["schema"] = CATALOG_SCHEMA
    for test, dumped in zip(catalog.tests, document["tests"], strict=True):
        for claim, claim_dump in zip(test.companion, dumped.get("companion", []), strict=True):
            claim_dump["biomarkers"] = [str(part) for part in claim.biomarkers]
    return document


def save_catalog(catalog: Catalog, file_name: str, kb_path: Path, scratch: Path) -> ImportedCatalog:
    """Write `catalog` as `file_name` through `import_catalog` (validated, atomic). KnowledgeBaseError
    messages name the file, record and field, without the scratch folder."""
    document = _file_document(catalog)
    if file_name.endswith(".json"):
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="catalog-", dir=scratch) as folder:
        source = Path(folder) / file_name
        source.write_text(text, encoding="utf-8")
        try:
            return import_catalog(source, kb_path)
        except KnowledgeBaseError as exc:
            raise KnowledgeBaseError(" ".join(str(exc).replace(f"{folder}/", "").split())) from exc
