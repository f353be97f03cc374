"""Drug names, brands, RxNorm codes, regimens and combination products."""

from __future__ import annotations

import pytest

from integrome.normalize import Drug, canonical_drug, drug_classes, drugs_in_class, find_drugs


@pytest.mark.parametrize(
    ("brand", "generic"),
    [
        ("Tagrisso", "osimertinib"),
        ("Plavix", "clopidogrel"),
        ("Keytruda", "pembrolizumab"),
        ("Herceptin", "trastuzumab"),
        ("Enhertu", "trastuzumab deruxtecan"),
        ("fam-trastuzumab deruxtecan-nxki", "trastuzumab deruxtecan"),
        ("Kadcyla", "ado-trastuzumab emtansine"),
        ("Lumakras", "sotorasib"),
        ("Krazati", "adagrasib"),
        ("Braftovi", "encorafenib"),
        ("Erbitux", "cetuximab"),
        ("Vectibix", "panitumumab"),
        ("Gleevec", "imatinib"),
        ("Glivec", "imatinib"),
        ("Ayvakit", "avapritinib"),
        ("Lynparza", "olaparib"),
        ("Xeloda", "capecitabine"),
        ("Camptosar", "irinotecan"),
        ("Ziagen", "abacavir"),
        ("trastuzumab-dkst", "trastuzumab"),
    ],
)
def test_brand_names_resolve_to_generic(brand: str, generic: str) -> None:
    drug = canonical_drug(brand)
    assert drug is not None
    assert drug.name == generic


@pytest.mark.parametrize(
    ("rxnorm", "generic"),
    [("32968", "clopidogrel"), ("321988", "escitalopram"), ("190521", "abacavir"), ("51499", "irinotecan"),
     ("1433868", "dolutegravir"), ("4492", "fluorouracil"), ("253337", "bevacizumab")],
)  # fmt: skip
def test_rxnorm_ingredient_codes_resolve_to_generic(rxnorm: str, generic: str) -> None:
    assert canonical_drug(rxnorm=rxnorm) == Drug(generic, rxnorm)


def test_rxnorm_code_wins_over_text() -> None:
    assert canonical_drug("Lexapro 10 mg", rxnorm="32968") == Drug("clopidogrel", "32968")


def test_unknown_rxnorm_code_falls_back_to_text() -> None:
    drug = canonical_drug("Pemetrexed 500 mg/m2 IV", rxnorm="99999999")
    assert drug is not None
    assert drug.name == "pemetrexed"


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("Imatinib 400 mg oral tablet", "imatinib"),
        ("Oxaliplatin (FOLFOX)", "oxaliplatin"),
        ("Irinotecan IV (FOLFIRI)", "irinotecan"),
        ("Abacavir 600 mg oral (fixed-dose combination tablet with dolutegravir and lamivudine)", "abacavir"),
        ("ESCITALOPRAM 20 MG ORAL TABLET", "escitalopram"),
    ],
)
def test_dose_and_route_words_are_ignored(text: str, generic: str) -> None:
    drug = canonical_drug(text)
    assert drug is not None
    assert drug.name == generic


def test_unknown_and_empty_inputs_give_none() -> None:
    assert canonical_drug("Unobtainium 5 mg") is None
    assert canonical_drug() is None
    assert canonical_drug("") is None


def test_combination_products_have_no_single_ingredient() -> None:
    assert canonical_drug("Triumeq") is None
    assert canonical_drug(rxnorm="10831") is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("FOLFOX", ["fluorouracil", "leucovorin", "oxaliplatin"]),
        ("mFOLFOX6", ["fluorouracil", "leucovorin", "oxaliplatin"]),
        ("FOLFIRI", ["fluorouracil", "leucovorin", "irinotecan"]),
        ("CAPOX", ["capecitabine", "oxaliplatin"]),
        ("XELOX", ["capecitabine", "oxaliplatin"]),
        ("FOLFIRINOX", ["fluorouracil", "leucovorin", "irinotecan", "oxaliplatin"]),
        ("R-CHOP", ["rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone"]),
        ("AC", ["doxorubicin", "cyclophosphamide"]),
        ("Triumeq", ["abacavir", "dolutegravir", "lamivudine"]),
        ("Bactrim DS", ["sulfamethoxazole", "trimethoprim"]),
    ],
)
def test_regimens_and_products_expand_to_every_component(text: str, names: list[str]) -> None:
    assert [d.name for d in find_drugs(text)] == names


def test_find_drugs_lists_each_drug_once_in_order_of_mention() -> None:
    text = "Started Enhertu; previously trastuzumab and pertuzumab with docetaxel (TCHP)."
    assert [d.name for d in find_drugs(text)] == [
        "trastuzumab deruxtecan",
        "trastuzumab",
        "pertuzumab",
        "docetaxel",
        "carboplatin",
    ]


def test_find_drugs_ignores_words_that_are_not_drugs() -> None:
    assert find_drugs("Patient reports fatigue and nausea.") == []


def test_drug_classes_support_class_level_rules() -> None:
    assert "SSRI" in drug_classes("escitalopram")
    assert "fluoropyrimidine" in drug_classes("Capecitabine")
    assert [d.name for d in drugs_in_class("KRAS G12C inhibitor")] == ["adagrasib", "sotorasib"]
    assert {"cetuximab", "panitumumab"} <= {d.name for d in drugs_in_class("anti-egfr antibody")}
    assert drug_classes("unknownium") == ()
