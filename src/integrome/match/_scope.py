"""Does a knowledge-base record speak about this patient's tumor type?

Records name OncoTree codes (descendants included, pseudo-roots SOLID and ANY); the patient's
diagnoses carry OncoTree codes after normalization. AMP/ASCO/CAP 2017 grades evidence by whether it
comes from the patient's own tumor type, so the answer decides the tier (`match.tiering`).

Evidence about hematologic malignancies (Myeloid and Lymphoid OncoTree tissues) is never carried
over to a solid tumor or to a tumor of unknown type: TP53 in CLL or AML says nothing about a
carcinoma, and off-label grading (tier IIC) assumes a comparable disease.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from integrome.model import BiomarkerRecord, Patient
from integrome.normalize.diseases import HEME_TISSUES, OncoTree

__all__ = ["DiseaseScope", "Scope", "disease_scope", "tumor_codes"]

Scope = Literal["in", "off", "excluded", "unknown", "inapplicable"]
"""in: the patient's tumor type is covered; off: another tumor type (off-label); excluded: the record
explicitly excludes it (e.g. a tumor-agnostic label's limitation of use); unknown: no diagnosis
mapped to OncoTree, so it cannot be told; inapplicable: a record about hematologic malignancies only,
for a patient with no hematologic diagnosis (solid or unknown tumor type)."""


@dataclass(frozen=True)
class DiseaseScope:
    scope: Scope
    code: str | None
    """The patient's OncoTree code the verdict is about (the first one when none is covered)."""


def tumor_codes(patient: Patient, tree: OncoTree) -> tuple[list[str], list[str]]:
    """(current OncoTree codes of the patient's diagnoses, codes this release does not know).

    Legacy codes resolve to their current code (GBM → GB); both lists keep diagnosis order.
    """
    known: list[str] = []
    unknown: list[str] = []
    for diagnosis in patient.diagnoses:
        if diagnosis.oncotree is None:
            continue
        resolved = tree.resolve(diagnosis.oncotree)
        target, code = (known, resolved) if resolved is not None else (unknown, diagnosis.oncotree)
        if code not in target:
            target.append(code)
    return known, unknown


def _is_heme(code: str, tree: OncoTree) -> bool:
    resolved = tree.resolve(code)
    return resolved is not None and tree.tissue(resolved) in HEME_TISSUES


def disease_scope(record: BiomarkerRecord, codes: Sequence[str], tree: OncoTree) -> DiseaseScope:
    """A code is covered when it is one of the record's diseases (or a descendant) and is not one of
    the excluded diseases; one covered code is enough (several primaries are judged each alone)."""
    heme_only = all(_is_heme(disease, tree) for disease in record.diseases)
    if heme_only and not any(_is_heme(code, tree) for code in codes):
        return DiseaseScope("inapplicable", codes[0] if codes else None)
    if not codes:
        universal = "ANY" in record.diseases and not record.excluded_diseases
        return DiseaseScope("in" if universal else "unknown", None)
    excluded_codes = []
    for code in codes:
        if any(tree.is_a(code, excluded) for excluded in record.excluded_diseases):
            excluded_codes.append(code)
        elif any(tree.is_a(code, disease) for disease in record.diseases):
            return DiseaseScope("in", code)
    if len(excluded_codes) == len(codes):
        return DiseaseScope("excluded", codes[0])
    return DiseaseScope("off", next(code for code in codes if code not in excluded_codes))
