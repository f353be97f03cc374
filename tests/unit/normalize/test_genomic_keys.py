"""Chromosome names, allele trimming and left-alignment of indels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrome.normalize import genomic_key, left_align, normalize_chrom


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", "chr7"), ("chr7", "chr7"), ("CHR7", "chr7"), ("X", "chrX"), ("y", "chrY"), ("MT", "chrM"),
     ("M", "chrM"), ("chrMT", "chrM"), ("chr1_KI270706v1_random", "chr1_KI270706v1_random"),
     ("GL000192.1", "GL000192.1")],
)  # fmt: skip
def test_chromosome_names_normalize_to_ucsc_style(raw: str, expected: str) -> None:
    assert normalize_chrom(raw) == expected


def test_shared_suffix_then_prefix_is_trimmed_keeping_anchor() -> None:
    assert genomic_key("7", 100, "cta", "ca") == ("chr7", 100, "CT", "C")
    assert genomic_key("7", 100, "ATG", "ACG") == ("chr7", 101, "T", "C")
    assert genomic_key("1", 10, "CAAA", "CAA") == ("chr1", 10, "CA", "C")


def test_symbolic_alleles_are_left_unchanged() -> None:
    assert genomic_key("MT", 5, "A", "<DEL>") == ("chrM", 5, "A", "<DEL>")
    assert genomic_key("1", 5, "A", "*") == ("chr1", 5, "A", "*")


alleles = st.text(alphabet="ACGT", min_size=1, max_size=8)


@given(pos=st.integers(min_value=1, max_value=10_000), ref=alleles, alt=alleles)
def test_trimming_is_idempotent(pos: int, ref: str, alt: str) -> None:
    key = genomic_key("chr2", pos, ref, alt)
    assert genomic_key(*key) == key
    assert key[2]
    assert key[3]


@given(pos=st.integers(min_value=1, max_value=10_000), ref=alleles, alt=alleles)
def test_trimmed_alleles_keep_at_most_one_shared_edge_base(pos: int, ref: str, alt: str) -> None:
    _, new_pos, new_ref, new_alt = genomic_key("chr2", pos, ref, alt)
    assert new_pos >= pos
    if len(new_ref) > 1 and len(new_alt) > 1:
        assert new_ref[0] != new_alt[0]
        assert new_ref[-1] != new_alt[-1]


def _fetcher(sequence: str):
    def fetch(chrom: str, start: int, end: int) -> str:
        return sequence[start:end]

    return fetch


@given(
    prefix=st.text(alphabet="G", min_size=1, max_size=10),
    unit=st.sampled_from(["CA", "A", "CAT", "AC"]),
    copies=st.integers(min_value=2, max_value=6),
    insert_after=st.integers(min_value=0, max_value=5),
)
def test_insertions_anywhere_in_a_repeat_left_align_to_the_same_key(
    prefix: str, unit: str, copies: int, insert_after: int
) -> None:
    sequence = prefix + unit * copies + "TT"
    fetch = _fetcher(sequence)
    offset = min(insert_after, copies) * len(unit)
    anchor_pos = len(prefix) + offset  # 1-based position of the base before the inserted copy
    anchor = sequence[anchor_pos - 1]
    inserted = (unit * 2)[offset % len(unit) : offset % len(unit) + len(unit)]
    key = ("chr1", anchor_pos, anchor, anchor + inserted)
    leftmost = ("chr1", len(prefix), sequence[len(prefix) - 1], sequence[len(prefix) - 1] + unit)
    assert left_align(key, fetch) == leftmost


def test_deletion_in_repeat_shifts_left() -> None:
    sequence = "GGGCACACATT"
    # deleting the last "CA" copy (positions 8-9) anchored at 7 equals deleting the first one
    assert left_align(("1", 7, "ACA", "A"), _fetcher(sequence)) == ("chr1", 3, "GCA", "G")


def test_substitutions_and_complex_changes_are_not_shifted() -> None:
    fetch = _fetcher("AAAAAAAAAA")
    assert left_align(("chr1", 5, "A", "G"), fetch) == ("chr1", 5, "A", "G")
    assert left_align(("chr1", 5, "AC", "GT"), fetch) == ("chr1", 5, "AC", "GT")


def test_left_align_stops_at_chromosome_start() -> None:
    assert left_align(("chr1", 3, "A", "AA"), _fetcher("AAAAAA")) == ("chr1", 1, "A", "AA")


def test_left_align_shifts_across_fetch_windows() -> None:
    sequence = "G" + "A" * 200 + "T"
    assert left_align(("chr1", 201, "A", "AA"), _fetcher(sequence)) == ("chr1", 1, "G", "GA")
