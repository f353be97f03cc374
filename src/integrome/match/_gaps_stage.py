"""Is the cancer metastatic? Read from what the record states, never guessed.

Metastatic: a secondary-neoplasm diagnosis (ICD-10-CM C77-C79), a diagnosis text or recorded stage
saying "metastatic"/"metastases", or a stage IV / M1. Not metastatic: a recorded stage 0-III with no
sign of the above. Anything else is unknown, and rules for advanced disease say so in their rationale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from integrome.model import Patient

__all__ = ["MetastaticStatus", "StageEvidence", "metastatic_status"]

MetastaticStatus = Literal["metastatic", "not_metastatic", "unknown"]

_SECONDARY_ICD = re.compile(r"^C7[789]", re.IGNORECASE)
_METASTATIC_TEXT = re.compile(r"\bmetasta(tic|ses|sis)\b", re.IGNORECASE)
_STAGE_IV = re.compile(r"\b(stage\s*)?(IV[ABC]?|4[ABC]?)\b|\bM1[abc]?\b", re.IGNORECASE)
_EARLY_STAGE = re.compile(r"\b(stage\s*)?(0|I{1,3}[ABC]?\d?|[123][ABC]?\d?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class StageEvidence:
    status: MetastaticStatus
    reason: str | None = None


def metastatic_status(patient: Patient) -> StageEvidence:
    """The patient's metastatic status with the diagnosis that shows it."""
    early: str | None = None
    for diagnosis in patient.diagnoses:
        code = diagnosis.code.strip().upper()
        if "icd" in diagnosis.system.lower() and _SECONDARY_ICD.match(code):
            return StageEvidence("metastatic", f"secondary neoplasm diagnosis {code} ({diagnosis.display})")
        if _METASTATIC_TEXT.search(diagnosis.display):
            return StageEvidence("metastatic", f"diagnosis '{diagnosis.display}'")
        stage = diagnosis.stage
        if stage is None:
            continue
        if _METASTATIC_TEXT.search(stage) or _STAGE_IV.search(stage):
            return StageEvidence("metastatic", f"recorded stage '{stage}' of {diagnosis.display}")
        if early is None and _EARLY_STAGE.search(stage):
            early = f"recorded stage '{stage}' of {diagnosis.display}"
    if early is not None:
        return StageEvidence("not_metastatic", early)
    return StageEvidence("unknown")
