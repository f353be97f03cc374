"""HGVS protein change parsing: one- and three-letter forms are the same value."""

from __future__ import annotations

import pytest

from integrome.normalize import parse_protein_change, short_protein, three_letter_protein
from integrome.normalize.variants import ProteinChange


@pytest.mark.parametrize(
    "text",
    [
        "p.V600E",
        "p.Val600Glu",
        "V600E",
        "p.(Val600Glu)",
        "NP_004324.2:p.Val600Glu",
        "ENSP00000288602.6:p.Val600Glu",
    ],
)
def test_braf_v600e_notations_parse_to_equal_values(text: str) -> None:
    assert parse_protein_change(text) == ProteinChange("V", 600, None, None, "E", "missense")


@pytest.mark.parametrize(
    ("text", "short", "three", "kind"),
    [
        ("p.E746_A750del", "E746_A750del", "p.Glu746_Ala750del", "inframe_deletion"),
        ("p.Glu746_Ala750del", "E746_A750del", "p.Glu746_Ala750del", "inframe_deletion"),
        ("p.L747_P753delinsS", "L747_P753delinsS", "p.Leu747_Pro753delinsSer", "delins"),
        ("p.A767_V769dup", "A767_V769dup", "p.Ala767_Val769dup", "duplication"),
        ("p.D770_N771insSVD", "D770_N771insSVD", "p.Asp770_Asn771insSerValAsp", "inframe_insertion"),
        (
            "p.Asp770_Asn771insSerValAsp",
            "D770_N771insSVD",
            "p.Asp770_Asn771insSerValAsp",
            "inframe_insertion",
        ),
        ("p.R1443fs*5", "R1443fs", "p.Arg1443fs", "frameshift"),
        ("p.Arg1443GlyfsTer5", "R1443fs", "p.Arg1443fs", "frameshift"),
        ("p.Q61*", "Q61*", "p.Gln61Ter", "nonsense"),
        ("p.Gln61Ter", "Q61*", "p.Gln61Ter", "nonsense"),
        ("p.Gln61X", "Q61*", "p.Gln61Ter", "nonsense"),
        ("p.M1?", "M1?", "p.Met1?", "start_lost"),
        ("p.V600=", "V600=", "p.Val600=", "synonymous"),
        ("p.Val600%3D", "V600=", "p.Val600=", "synonymous"),
        ("p.K601del", "K601del", "p.Lys601del", "inframe_deletion"),
        ("p.E746_A750delELREA", "E746_A750del", "p.Glu746_Ala750del", "inframe_deletion"),
        ("p.Ala767_Val769dupAlaSerVal", "A767_V769dup", "p.Ala767_Val769dup", "duplication"),
        ("p.Cys28delinsTrpVal", "C28delinsWV", "p.Cys28delinsTrpVal", "delins"),
        ("p.Ter757LysextTer12", "*757Kext", "p.Ter757Lysext", "stop_lost"),
        ("p.Met1ext-5", "M1ext", "p.Met1ext", "extension"),
        ("V600", "V600", "p.Val600", "unknown"),
    ],
)
def test_notation_round_trips_to_short_and_three_letter(text: str, short: str, three: str, kind: str) -> None:
    change = parse_protein_change(text)
    assert change is not None
    assert (change.short, change.three_letter, change.kind) == (short, three, kind)


def test_frameshift_notations_are_equal_regardless_of_tail() -> None:
    assert parse_protein_change("p.R1443fs*5") == parse_protein_change("p.Arg1443GlyfsTer5")


def test_whole_protein_synonymous_has_no_position() -> None:
    change = parse_protein_change("p.=")
    assert change is not None
    assert (change.kind, change.short, change.three_letter) == ("synonymous", "=", "p.=")


@pytest.mark.parametrize("text", ["", "p.?", "p.0", "foo", "c.1799T>A", "p.E750_A746del", "p.V600E600"])
def test_unparseable_or_unknown_changes_return_none(text: str) -> None:
    assert parse_protein_change(text) is None


def test_convenience_functions_convert_between_forms() -> None:
    assert short_protein("p.Gly12Cys") == "G12C"
    assert three_letter_protein("G12C") == "p.Gly12Cys"
    assert short_protein("nonsense") is None
    assert three_letter_protein("nonsense") is None
