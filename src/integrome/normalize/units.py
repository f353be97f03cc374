"""Lab units: free-form unit strings → UCUM codes, with conversion between compatible units.

FHIR Quantity wants UCUM codes (http://unitsofmeasure.org), while reports write "ng/ml", "cells/µL",
"copies/mL" or "mut/Mb". Spelling variants map to one UCUM code; tumour mutational burden uses the
HL7 Genomics Reporting code `1/1000000{Base}`. Conversion uses pint, imported lazily; UCUM
annotations in braces ({copies}, {Base}) are counts and carry no dimension.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from integrome.errors import InputError

__all__ = ["TMB_UCUM", "to_ucum_quantity", "ucum_code"]

TMB_UCUM = "1/1000000{Base}"
"""UCUM code for somatic variants per megabase (HL7 Genomics Reporting TMB examples)."""

_SPELLINGS: dict[str, str] = {
    "%": "%", "percent": "%", "pct": "%",
    "mg/dl": "mg/dL", "g/dl": "g/dL", "g/l": "g/L", "mg/l": "mg/L",
    "ng/ml": "ng/mL", "ug/l": "ng/mL", "ug/ml": "ug/mL", "pg/ml": "pg/mL", "ng/l": "ng/L",
    "umol/l": "umol/L", "mmol/l": "mmol/L",
    "u/l": "U/L", "iu/l": "[IU]/L", "iu/ml": "[IU]/mL", "[iu]/ml": "[IU]/mL", "[iu]/l": "[IU]/L",
    "copies/ml": "{copies}/mL", "{copies}/ml": "{copies}/mL", "cp/ml": "{copies}/mL",
    "cells/ul": "/uL", "/ul": "/uL", "cells/mm3": "/uL", "/mm3": "/uL", "{cells}/ul": "/uL",
    "10*3/ul": "10*3/uL", "k/ul": "10*3/uL", "x10^3/ul": "10*3/uL", "10^3/ul": "10*3/uL",
    "10*9/l": "10*3/uL", "x10^9/l": "10*3/uL", "10^9/l": "10*3/uL", "x10e9/l": "10*3/uL",
    "mut/mb": TMB_UCUM, "muts/mb": TMB_UCUM, "mutations/mb": TMB_UCUM, "mutations/megabase": TMB_UCUM,
    "mut/megabase": TMB_UCUM, "1/1000000{base}": TMB_UCUM,
    "{score}": "{score}", "score": "{score}", "1": "1",
}  # fmt: skip
"""Casefolded spelling (µ written u, spaces removed) → UCUM code. Numerically identical units share a code."""

_PINT: dict[str, str] = {
    "%": "percent", "1": "dimensionless",
    "mg/dL": "mg/dL", "g/dL": "g/dL", "g/L": "g/L", "mg/L": "mg/L",
    "ng/mL": "ng/mL", "ug/mL": "ug/mL", "pg/mL": "pg/mL", "ng/L": "ng/L",
    "umol/L": "umol/L", "mmol/L": "mmol/L",
    "{copies}/mL": "1/mL", "/uL": "1/uL", "10*3/uL": "1000/uL",
}  # fmt: skip
"""UCUM code → pint expression, for the codes that can be converted into one another."""


def _spelling(unit: str) -> str:
    return re.sub(r"\s+", "", unit.replace("µ", "u").replace("μ", "u")).casefold()


def ucum_code(unit: str) -> str | None:
    """UCUM code for a unit spelling ("ng/ml" → "ng/mL", "cells/µL" → "/uL"), or None when unknown."""
    return _SPELLINGS.get(_spelling(unit))


@cache
def _registry() -> Any:
    import pint  # lazy: pint is slow to import; only conversions need it

    return pint.UnitRegistry()


def to_ucum_quantity(value: float, unit: str, target: str | None = None) -> tuple[float, str]:
    """The value with its unit as a UCUM code, converted to `target` (a spelling or UCUM code) if given.

    InputError (no file: the caller adds where the quantity came from) for an unknown unit or a
    target of another dimension.
    """
    code = ucum_code(unit)
    if code is None:
        raise InputError(
            None, None, f"expected a known lab unit (e.g. %, mg/dL, ng/mL, mut/Mb), found {unit!r}"
        )
    if target is None:
        return float(value), code
    wanted = ucum_code(target)
    if wanted is None:
        raise InputError(None, None, f"expected a known target unit, found {target!r}")
    if wanted == code:
        return float(value), code
    source_expr, target_expr = _PINT.get(code), _PINT.get(wanted)
    if source_expr is None or target_expr is None:
        raise InputError(None, None, f"cannot convert {code} to {wanted}")
    import pint

    registry = _registry()
    try:
        quantity = value * registry(source_expr)
        target_quantity = registry(target_expr)
        converted = quantity.to(target_quantity.units).magnitude / target_quantity.magnitude
    except pint.DimensionalityError as exc:
        raise InputError(None, None, f"cannot convert {code} to {wanted}: different dimensions") from exc
    return float(converted), wanted
