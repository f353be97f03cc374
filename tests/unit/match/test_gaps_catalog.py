"""Catalog options of a test recommendation: which tests close which gaps, in which order."""

from __future__ import annotations

from typing import Any

import pytest

from integrome.knowledge import load_knowledge_base
from integrome.knowledge.catalog import CatalogEntry
from integrome.knowledge.testing import GapKnowledge, load_gap_knowledge
from integrome.match._gaps_catalog import catalog_lines, cover, options, rank
from integrome.match.gaps import match_gaps
from integrome.model import (
    CatalogTest,
    Diagnosis,
    GuidelineBiomarker,
    Medication,
    Patient,
    PatientProfile,
    Provider,
)
from integrome.normalize.diseases import oncotree

LAB = Provider(id="lab", name="Lab", country="US")
FDA = {"source": "FDA", "id": "List of Cleared or Approved Companion Diagnostic Devices"}


def entry(test_id: str, **fields: Any) -> CatalogEntry:
    fields.setdefault("method", "ngs_panel")
    fields.setdefault("origin", "somatic")
    fields.setdefault("specimens", ["tumor tissue (FFPE)"])
    test = CatalogTest(id=test_id, name=test_id, provider="lab", **fields)
    return CatalogEntry(test, LAB, "test catalog", "1", "test.yaml", example_catalog=False)


def gap(gap_id: str, *detect: str, origin: str = "somatic") -> GuidelineBiomarker:
    return GuidelineBiomarker.model_validate(
        {"id": gap_id, "label": gap_id, "detect": list(detect), "origin": origin,
         "test": "germline" if origin == "germline" else "ngs"}
    )  # fmt: skip


EGFR = gap("EGFR", "EGFR:mutation")
ALK = gap("ALK", "ALK:fusion", "ALK:protein")
NTRK = gap("NTRK", "NTRK1:fusion+NTRK2:fusion+NTRK3:fusion")
PDL1 = gap("PD-L1", "PD-L1:protein")
GAPS = [EGFR, ALK, NTRK, PDL1]


def ranked_ids(catalog: list[CatalogEntry], drugs: frozenset[str] = frozenset()) -> list[str]:
    return [r.entry.test.id for r in rank(GAPS, catalog, drugs, ["LUAD"], oncotree())]


def test_test_closing_more_gaps_ranks_first() -> None:
    catalog = [
        entry("egfr-pcr", method="pcr", genes=["EGFR"], turnaround_days=2),
        entry("panel", genes=["EGFR"], fusions=["ALK", "NTRK1", "NTRK2", "NTRK3"], turnaround_days=14),
    ]
    assert ranked_ids(catalog) == ["panel", "egfr-pcr"]


def test_gap_needs_every_part_of_an_alternative() -> None:
    catalog = [entry("ntrk1-only", fusions=["NTRK1"]), entry("alk-ihc", method="ihc", proteins=["ALK"])]
    assert ranked_ids(catalog) == ["alk-ihc"]


def test_companion_diagnostic_for_a_drug_at_stake_beats_faster_turnaround() -> None:
    cdx = entry(
        "cdx",
        genes=["EGFR"],
        fda_status="companion_diagnostic",
        companion=[{"drugs": ["osimertinib"], "biomarkers": ["EGFR:mutation"], "diseases": ["NSCLC"]}],
        citations=[FDA],
    )
    fast = entry("fast", genes=["EGFR"], turnaround_days=3)
    assert ranked_ids([fast, cdx], frozenset({"osimertinib"})) == ["cdx", "fast"]
    assert ranked_ids([fast, cdx], frozenset()) == ["fast", "cdx"]


def test_companion_claim_for_another_tumor_type_does_not_count() -> None:
    crc_only = entry(
        "crc-cdx",
        genes=["EGFR"],
        fda_status="companion_diagnostic",
        companion=[{"drugs": ["osimertinib"], "biomarkers": ["EGFR:mutation"], "diseases": ["COADREAD"]}],
        citations=[FDA],
    )
    (ranked,) = rank(GAPS, [crc_only], frozenset({"osimertinib"}), ["LUAD"], oncotree())
    assert ranked.companion == ()


def test_turnaround_then_price_break_ties() -> None:
    catalog = [
        entry("slow", genes=["EGFR"], turnaround_days=10),
        entry("dear", genes=["EGFR"], turnaround_days=5, price={"amount": 900, "currency": "USD"}),
        entry("cheap", genes=["EGFR"], turnaround_days=5, price={"amount": 400, "currency": "USD"}),
        entry("unknown", genes=["EGFR"]),
    ]
    assert ranked_ids(catalog) == ["cheap", "dear", "slow", "unknown"]


def test_germline_test_never_closes_a_tumor_gap() -> None:
    catalog = [entry("germline-panel", origin="germline", genes=["EGFR"], specimens=["blood"])]
    assert ranked_ids(catalog) == []
    germline_gap = gap("gBRCA", "BRCA1:mutation+BRCA2:mutation", origin="germline")
    hereditary = entry("hereditary", origin="germline", genes=["BRCA1", "BRCA2"], specimens=["blood"])
    assert [r.entry.test.id for r in rank([germline_gap], [hereditary], frozenset(), [], oncotree())] == [
        "hereditary"
    ]


def test_rationale_says_how_many_gaps_the_best_option_closes_and_how_fast() -> None:
    panel = entry(
        "panel",
        genes=["EGFR"],
        fusions=["ALK", "NTRK1", "NTRK2", "NTRK3"],
        turnaround_days=10,
        turnaround_max_days=14,
    )
    ihc = entry("pd-l1", method="ihc", proteins=["PD-L1"], turnaround_days=3)
    ranked = rank(GAPS, [ihc, panel], frozenset(), ["LUAD"], oncotree())
    lines = catalog_lines(GAPS, ranked)
    assert lines[0] == "Best catalog option: panel (Lab) closes 3 of 4 gaps, 10–14 days"
    assert lines[1] == "Fewest catalog tests closing 4 of 4 gaps: panel (Lab) + pd-l1 (Lab)"
    assert [r.entry.test.id for r in cover(GAPS, ranked)] == ["panel", "pd-l1"]


def test_options_carry_closes_of_and_covered_gap_labels() -> None:
    ranked = rank(GAPS, [entry("panel", genes=["EGFR"], fusions=["ALK"])], frozenset(), ["LUAD"], oncotree())
    (option,) = options(ranked, len(GAPS))
    assert (option.closes, option.of, option.covers) == (2, 4, ["EGFR", "ALK"])


def test_gaps_nobody_covers_are_named() -> None:
    ranked = rank(GAPS, [entry("egfr", genes=["EGFR"])], frozenset(), ["LUAD"], oncotree())
    assert "No catalog test covers: ALK, NTRK, PD-L1" in catalog_lines(GAPS, ranked)


@pytest.fixture(scope="module")
def knowledge() -> GapKnowledge:
    return load_gap_knowledge()


def test_example_catalog_ranks_a_comprehensive_companion_panel_first_for_lung(
    knowledge: GapKnowledge,
) -> None:
    lung = Diagnosis(
        system="oncotree", code="LUAD", display="Lung adenocarcinoma", oncotree="LUAD", stage="IV"
    )
    profile = PatientProfile(patient=Patient(id="p1", diagnoses=[lung]))
    (insight,) = match_gaps(profile, load_knowledge_base(), knowledge).insights
    best = insight.options[0]
    assert best.name == "FoundationOne CDx"
    assert (best.closes, best.of) == (11, 12)
    assert best.companion_diagnostic
    assert "osimertinib" in best.companion_drugs
    assert insight.options[1].example
    assert any(line.startswith("Fewest catalog tests closing 12 of 12 gaps") for line in insight.rationale)
    assert any("is example data" in line for line in insight.rationale)


def test_pgx_genotyping_recommendation_gets_catalog_options(knowledge: GapKnowledge) -> None:
    from integrome.insights import analyze

    profile = PatientProfile(
        patient=Patient(id="p1", medications=[Medication(name="clopidogrel", status="planned")])
    )
    analysis = analyze(profile, load_knowledge_base(), generated_at="2026-01-01T00:00:00Z")
    (genotyping,) = [i for i in analysis.insights if i.tests == ["CYP2C19 genotyping"]]
    assert genotyping.options[0].name.startswith("Example Pharmacogenomics Panel")
    assert any(line.startswith("Best catalog option") for line in genotyping.rationale)
