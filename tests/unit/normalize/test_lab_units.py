"""Lab unit spellings → UCUM codes, and conversion between compatible units."""

from __future__ import annotations

import pytest

from integrome.errors import InputError
from integrome.normalize import to_ucum_quantity, ucum_code
from integrome.normalize.units import TMB_UCUM


@pytest.mark.parametrize(
    ("unit", "code"),
    [("%", "%"), ("mg/dl", "mg/dL"), ("ng/ml", "ng/mL"), ("µg/L", "ng/mL"), ("mut/Mb", TMB_UCUM),
     ("mutations/megabase", TMB_UCUM), ("copies/mL", "{copies}/mL"), ("cells/uL", "/uL"), ("cells/µL", "/uL"),
     ("cells/mm3", "/uL"), ("x10^9/L", "10*3/uL"), ("{score}", "{score}")],
)  # fmt: skip
def test_spellings_map_to_ucum_codes(unit: str, code: str) -> None:
    assert ucum_code(unit) == code
    assert to_ucum_quantity(3, unit) == (3.0, code)


def test_conversion_to_a_target_unit_uses_dimensions() -> None:
    assert to_ucum_quantity(1.6, "mg/dL", "mg/L") == pytest.approx((16.0, "mg/L"))
    assert to_ucum_quantity(5, "10*3/uL", "cells/uL") == pytest.approx((5000.0, "/uL"))
    assert to_ucum_quantity(48.2, "ng/mL", "ug/L") == (48.2, "ng/mL")


def test_unknown_unit_is_an_input_error() -> None:
    with pytest.raises(InputError, match="expected a known lab unit"):
        to_ucum_quantity(1, "furlongs")
    assert ucum_code("furlongs") is None


def test_conversion_across_dimensions_is_refused() -> None:
    with pytest.raises(InputError, match="cannot convert"):
        to_ucum_quantity(1, "mg/dL", "%")
    with pytest.raises(InputError, match="cannot convert"):
        to_ucum_quantity(10, "mut/Mb", "ng/mL")
