"""The test catalog: the packaged example is honest, and invalid catalogs fail with a clear place."""

from __future__ import annotations

import re

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.catalog import load_catalog, parse_catalog

FDA_LIST_URL = (
    "https://www.fda.gov/medical-devices/in-vitro-diagnostics/"
    "list-cleared-or-approved-companion-diagnostic-devices-in-vitro-and-imaging-tools"
)

VALID = """\
schema: integrome.catalog/1
version: "1.0"
name: Lab catalog
providers:
  - {id: lab, name: Example Lab (fictional), country: US, accreditation: [CLIA], example: true}
tests:
  - id: panel
    name: Panel (fictional)
    provider: lab
    method: ngs_panel
    origin: somatic
    specimens: [tumor tissue (FFPE)]
    genes: [EGFR, KRAS]
    example: true
"""


def test_packaged_catalog_is_marked_as_example_data() -> None:
    entries = load_catalog()
    assert entries
    assert all(entry.example_catalog for entry in entries)


def test_every_real_test_in_the_example_catalog_cites_the_fda_companion_diagnostic_list() -> None:
    for entry in load_catalog():
        test = entry.test
        if test.example:
            assert "(fictional)" in test.name
            assert entry.provider.example
            continue
        assert test.fda_status == "companion_diagnostic", test.id
        assert any(c.url == FDA_LIST_URL for c in test.citations), test.id
        assert test.turnaround_days is None, f"{test.id}: no invented turnaround"
        assert test.price is None, f"{test.id}: no invented price"


def test_fictional_laboratories_say_so_in_their_name() -> None:
    providers = {entry.provider.id: entry.provider for entry in load_catalog()}
    for provider in providers.values():
        assert provider.example == ("(fictional)" in provider.name), provider.id


def test_valid_catalog_parses() -> None:
    catalog = parse_catalog(VALID, "lab.yaml")
    assert [t.id for t in catalog.tests] == ["panel"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("genes: [EGFR, KRAS]", "genes: [HER2]"),
            "lab.yaml: line 7: tests[0] (panel): genes: 'HER2' is not an approved HGNC gene symbol; "
            "use the approved symbol ERBB2",
        ),
        (
            ("provider: lab\n", "provider: other\n"),
            "tests.0.provider: 'other' is not a provider id of this catalog",
        ),
        (
            ("method: ngs_panel", "method: magic"),
            "lab.yaml: line 7: tests[0] (panel): method: Input should be",
        ),
        (("genes: [EGFR, KRAS]", "proteins: [PDL1]"), "unknown IHC target 'PDL1'"),
        (("genes: [EGFR, KRAS]", "results: [HRDscore]"), "unknown result 'HRDscore'"),
        (
            ("schema: integrome.catalog/1", "schema: other/1"),
            "lab.yaml: schema: Input should be 'integrome.catalog/1'",
        ),
        (
            ("country: US", "country: USA"),
            "lab.yaml: line 5: providers[0] (lab): country: String should match pattern",
        ),
        (("    example: true\n", "    fda_status: approved\n"), "fda_status 'approved' needs a citation"),
        (
            ("specimens: [tumor tissue (FFPE)]", "specimens: []"),
            "tests[0] (panel): specimens: List should have at least 1 item",
        ),
        (("  - id: panel", "  - id: Panel"), "tests[0] (Panel): id: String should match pattern"),
    ],
)
def test_invalid_catalog_names_file_line_record_and_field(change: tuple[str, str], message: str) -> None:
    text = VALID.replace(*change)
    assert text != VALID
    with pytest.raises(KnowledgeBaseError, match=re.escape(message)):
        parse_catalog(text, "lab.yaml")


def test_companion_claim_must_name_what_the_test_detects() -> None:
    text = VALID.replace(
        "    example: true\n",
        "    fda_status: companion_diagnostic\n"
        "    citations: [{source: FDA, id: CDx list}]\n"
        "    companion: [{drugs: [osimertinib], biomarkers: ['ALK:fusion'], diseases: [NSCLC]}]\n",
    )
    with pytest.raises(
        KnowledgeBaseError, match=re.escape("names ['ALK:fusion'], which the test does not list")
    ):
        parse_catalog(text, "lab.yaml")


def test_companion_claim_drugs_and_diseases_are_checked() -> None:
    claim = (
        "    fda_status: companion_diagnostic\n"
        "    citations: [{source: FDA, id: CDx list}]\n"
        "    companion: [{drugs: [%s], biomarkers: ['EGFR:mutation'], diseases: [%s]}]\n"
    )
    with pytest.raises(
        KnowledgeBaseError,
        match="'tagrisso' is not a known generic drug name; the generic name is 'osimertinib'",
    ):
        parse_catalog(VALID.replace("    example: true\n", claim % ("tagrisso", "NSCLC")), "lab.yaml")
    with pytest.raises(KnowledgeBaseError, match=r"companion\.0\.diseases: unknown OncoTree code 'LUNGCA'"):
        parse_catalog(VALID.replace("    example: true\n", claim % ("osimertinib", "LUNGCA")), "lab.yaml")


def test_duplicate_test_ids_are_rejected() -> None:
    duplicated = VALID + VALID[VALID.index("  - id: panel") :]
    with pytest.raises(KnowledgeBaseError, match=re.escape("duplicate test id(s) ['panel']")):
        parse_catalog(duplicated, "lab.yaml")


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"lab.yaml: line \d+: invalid YAML/JSON"):
        parse_catalog(VALID.replace("genes: [EGFR, KRAS]", "genes: [EGFR, KRAS"), "lab.yaml")


def test_json_catalog_is_accepted() -> None:
    import json

    import yaml

    catalog = parse_catalog(json.dumps(yaml.safe_load(VALID)), "lab.json")
    assert catalog.name == "Lab catalog"
