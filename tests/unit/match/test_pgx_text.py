"""Reading CPIC recommendation texts: summaries that fit a card, severities that follow the advice."""

from __future__ import annotations

from integrome.match._pgx_text import classify, condense

STATIN = (
    "Prescribe an alternative statin depending on the desired potency (see Figure 1 of PMID: 35152405 "
    "for recommendations for alternative statins). If simvastatin therapy is warranted, limit dose to "
    "<20mg/day."
)


def test_condense_drops_literature_references_and_keeps_whole_sentences() -> None:
    assert condense(STATIN) == (
        "CPIC: Prescribe an alternative statin depending on the desired potency. "
        "If simvastatin therapy is warranted, limit dose to <20mg/day."
    )


def test_condense_cuts_a_long_sentence_at_a_word_within_140_characters() -> None:
    summary = condense("Consider hormonal therapy such as an aromatase inhibitor " * 5)
    assert len(summary) <= 140
    assert summary.endswith("…")


def test_standard_dosing_text_is_info() -> None:
    assert classify("Start with normal starting dose (e.g., 2-3 mg/kg/day).") == (
        "info",
        "no genotype-based change",
    )


def test_no_recommendation_text_is_info() -> None:
    assert classify("No recommendation for hydrocodone therapy because of minimal evidence.")[0] == "info"


def test_not_recommended_text_is_critical() -> None:
    assert classify("Ivacaftor is not recommended.") == ("critical", "avoid")


def test_dose_change_text_is_a_warning_about_the_dose() -> None:
    assert classify("Consider a 25% reduction of recommended starting dose.") == (
        "warning",
        "adjust the dose",
    )
