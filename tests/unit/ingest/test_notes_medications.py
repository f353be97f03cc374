"""Clinical notes: medications and their status (active, planned, stopped) from ConText and sections."""

from __future__ import annotations

import pytest

from integrome.ingest._notes_pipeline import pipeline
from integrome.ingest.notes import TextExtraction, extract_text


@pytest.fixture(scope="session", autouse=True)
def notes_pipeline() -> None:
    """The medspaCy pipeline is built once per test session; every test reuses it."""
    pipeline()


def _notes(text: str) -> TextExtraction:
    return extract_text(text, source="notes", provenance="note.txt")


def _statuses(text: str) -> list[tuple[str, str]]:
    return [(m.name, m.status) for m in _notes(text).medications]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Continue imatinib 400 mg daily.", [("imatinib", "active")]),
        ("He is on escitalopram 20 mg.", [("escitalopram", "active")]),
        ("Taking warfarin 5 mg.", [("warfarin", "active")]),
        ("Tolerating imatinib apart from periorbital edema.", [("imatinib", "active")]),
        ("Imatinib 400 mg daily was started on 2024-08-05.", [("imatinib", "active")]),
        ("Escitalopram started 2024-10-28 at 10 mg, increased to 20 mg daily.", [("escitalopram", "active")]),
        ("No progression on osimertinib.", [("osimertinib", "active")]),
        ("Gleevec 400 mg daily.", [("imatinib", "active")]),
    ],
)
def test_current_medication_is_active(text: str, expected: list[tuple[str, str]]) -> None:
    assert _statuses(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plan to start osimertinib.", [("osimertinib", "planned")]),
        ("Will start sotorasib next week.", [("sotorasib", "planned")]),
        ("Recommend starting osimertinib 80 mg daily.", [("osimertinib", "planned")]),
        ("Switch to sertraline.", [("sertraline", "planned")]),
        (
            "FOLFIRI + bevacizumab planned.",
            [("fluorouracil", "planned"), ("leucovorin", "planned"), ("irinotecan", "planned"),
             ("bevacizumab", "planned")],
        ),
    ],
)  # fmt: skip
def test_planned_medication_is_planned(text: str, expected: list[tuple[str, str]]) -> None:
    assert _statuses(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Discontinued sertraline in 2023.", [("sertraline", "stopped")]),
        ("Sertraline was stopped due to nausea.", [("sertraline", "stopped")]),
        ("Previously received FOLFOX.", [("fluorouracil", "stopped"), ("leucovorin", "stopped"),
                                         ("oxaliplatin", "stopped")]),
        ("s/p carboplatin and pemetrexed.", [("carboplatin", "stopped"), ("pemetrexed", "stopped")]),
        ("After progression on osimertinib, EGFR C797S was found.", [("osimertinib", "stopped")]),
        ("Completed 6 cycles of FOLFOX in 2023.", [("fluorouracil", "stopped"), ("leucovorin", "stopped"),
                                                   ("oxaliplatin", "stopped")]),
        ("Carboplatin + pemetrexed + pembrolizumab, progressed after 4 cycles.",
         [("carboplatin", "stopped"), ("pemetrexed", "stopped"), ("pembrolizumab", "stopped")]),
        ("Prior imatinib.", [("imatinib", "stopped")]),
        ("Dexamethasone tapered off.", [("dexamethasone", "stopped")]),
        ("Abiraterone/prednisone 2023-2024 (progression).", [("abiraterone", "stopped"),
                                                            ("prednisone", "stopped")]),
    ],
)  # fmt: skip
def test_past_medication_is_stopped(text: str, expected: list[tuple[str, str]]) -> None:
    assert _statuses(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "No anticoagulants; no aspirin.",
        "Not on warfarin.",
        "Would consider sotorasib at progression.",
        "If KRAS G12C is found, sotorasib is an option.",
        "Options include sotorasib or adagrasib.",
        "Her mother took tamoxifen.",
        "Allergies: penicillin, sulfa.",
        "Avoid codeine.",
    ],
)
def test_negated_hypothetical_family_or_allergy_mention_is_no_medication(text: str) -> None:
    assert _notes(text).medications == []


def test_regimen_expands_to_every_drug_with_rxnorm() -> None:
    medications = _notes("Plan to start FOLFOX.").medications
    assert [(m.name, m.rxnorm, m.text, m.source) for m in medications] == [
        ("fluorouracil", "4492", "FOLFOX", "notes"),
        ("leucovorin", "6313", "FOLFOX", "notes"),
        ("oxaliplatin", "32592", "FOLFOX", "notes"),
    ]


def test_combination_product_expands_to_its_ingredients() -> None:
    assert _statuses("Plan: start Triumeq.") == [
        ("abacavir", "planned"),
        ("dolutegravir", "planned"),
        ("lamivudine", "planned"),
    ]


def test_medication_text_keeps_dose_and_schedule() -> None:
    (medication,) = _notes("Continue imatinib 400 mg daily until the tumor board.").medications
    assert medication.text == "imatinib 400 mg daily"


def test_stop_and_start_in_one_sentence_get_their_own_status() -> None:
    assert _statuses("Stop imatinib and start ripretinib.") == [
        ("imatinib", "stopped"),
        ("ripretinib", "planned"),
    ]


def test_drug_of_a_current_regimen_stays_active_over_an_earlier_one() -> None:
    statuses = dict(_statuses("Previously received FOLFOX; now on FOLFIRI."))
    assert statuses == {"fluorouracil": "active", "leucovorin": "active", "oxaliplatin": "stopped",
                        "irinotecan": "active"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Medications:\nescitalopram 20 mg daily\nomeprazole 20 mg", [("escitalopram", "active"),
                                                                    ("omeprazole", "active")]),
        ("Prior therapy:\nFOLFOX\n\nPlan:\nFOLFIRI", [("fluorouracil", "planned"), ("leucovorin", "planned"),
                                                      ("oxaliplatin", "stopped"), ("irinotecan", "planned")]),
        ("Plan: abacavir/dolutegravir/lamivudine.", [("abacavir", "planned"), ("dolutegravir", "planned"),
                                                     ("lamivudine", "planned")]),
        ("Plan: review the genotype; continue imatinib until then.", [("imatinib", "active")]),
    ],
)  # fmt: skip
def test_section_sets_the_status_when_the_sentence_does_not(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert sorted(_statuses(text)) == sorted(expected)


def test_status_cue_inside_brackets_does_not_reach_the_next_drug() -> None:
    statuses = dict(_statuses("Prior: ADT since 2021 (continues tamoxifen), abiraterone 2023-2024."))
    assert statuses == {"tamoxifen": "active", "abiraterone": "stopped"}


def test_drug_without_any_status_is_a_warning_not_a_medication() -> None:
    result = _notes("KIT D816V confers resistance to imatinib.")
    assert result.medications == []
    assert result.warnings == [
        "note.txt: 'imatinib' is mentioned without a current, planned or past status; "
        "not listed as a medication"
    ]


def test_warning_names_the_line_of_a_multiline_note() -> None:
    result = _notes("Assessment:\n\nresistance to imatinib is likely")
    assert result.warnings[0].startswith("note.txt:line 3: 'imatinib'")
