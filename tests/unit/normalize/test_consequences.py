"""Sequence Ontology consequence terms → categories."""

from __future__ import annotations

import pytest

from integrome.normalize import consequence_category, is_protein_altering


@pytest.mark.parametrize(
    ("terms", "category"),
    [
        (["missense_variant"], "missense"),
        (["stop_gained"], "nonsense"),
        (["frameshift_variant"], "frameshift"),
        (["inframe_deletion"], "inframe_indel"),
        (["disruptive_inframe_insertion"], "inframe_indel"),
        (["splice_acceptor_variant"], "splice"),
        (["splice_donor_variant&intron_variant"], "splice"),
        (["splice_region_variant"], "other"),
        (["start_lost"], "start_lost"),
        (["stop_lost"], "stop_lost"),
        (["synonymous_variant"], "synonymous"),
        (["5_prime_UTR_variant"], "noncoding"),
        (["intron_variant"], "noncoding"),
        (["intergenic_region"], "noncoding"),
        ([], "other"),
        (["made_up_term"], "other"),
    ],
)
def test_terms_map_to_category(terms: list[str], category: str) -> None:
    assert consequence_category(terms) == category


def test_most_severe_term_wins_across_combined_snpeff_terms() -> None:
    assert consequence_category(["missense_variant&splice_region_variant"]) == "missense"
    assert consequence_category(["stop_gained", "frameshift_variant"]) == "frameshift"
    assert consequence_category(["synonymous_variant,splice_region_variant"]) == "synonymous"


def test_protein_altering_categories() -> None:
    assert is_protein_altering("missense")
    assert is_protein_altering("splice")
    assert not is_protein_altering("synonymous")
    assert not is_protein_altering("noncoding")
    assert not is_protein_altering("other")
