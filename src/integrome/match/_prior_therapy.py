"""Line of therapy: the medication history against an indication's prior-therapy requirement, and
the difference between a drug that failed and a perioperative course that was completed.

Many FDA indications belong to a later line: RYBREVANT with carboplatin and pemetrexed is indicated
for EGFR exon 19 deletion or L858R NSCLC "whose disease has progressed on or after treatment with an
EGFR tyrosine kinase inhibitor" (MARIPOSA-2). Such an option is met when the patient has received a
qualifying drug (taken now or stopped, as the trial matcher counts prior therapy), not met when the
medication list holds none, and unknown when the inputs hold no medication history at all. The
option is never dropped: ranking and wording change, not existence.

A drug given in the adjuvant or neoadjuvant setting and completed as planned has not failed; only
such a course, stated by the record (FHIR reasonCode and status), keeps a regimen on the list.

The reverse also holds: a first-line approval (erlotinib, or amivantamab + lazertinib, for EGFR
L858R) is not the patient's line once the disease has progressed on a drug of the same class aimed at
the same gene (osimertinib, an EGFR TKI). Such an option stays listed, worded and ranked as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from integrome.match.wording import unique
from integrome.model import Medication, PriorTherapy, PriorTherapyCheck

__all__ = [
    "class_progressions",
    "completed_perioperative",
    "history_phrase",
    "joined",
    "planned_toward",
    "prior_therapy_check",
    "received_drugs",
]

_TAKEN = ("active", "stopped")
"""Statuses that count as having received a drug; a planned drug has not been given yet."""


def joined(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


@cache
def _class_members(drug_class: str) -> frozenset[str]:
    from integrome.normalize.drugs import drugs_in_class

    return frozenset(drug.name for drug in drugs_in_class(drug_class))


def _satisfies(requirement: PriorTherapy) -> frozenset[str]:
    members = set(requirement.drugs)
    for drug_class in requirement.classes:
        members |= _class_members(drug_class)
    return frozenset(members)


def prior_therapy_check(
    requirements: Sequence[PriorTherapy], medications: Sequence[Medication]
) -> PriorTherapyCheck | None:
    """Whether the medication history meets every prior therapy a record requires; None when the
    record requires none."""
    if not requirements:
        return None
    requirement = joined([item.label for item in requirements])
    if not medications:
        return PriorTherapyCheck(requirement=requirement, status="unknown")
    taken = unique(m.name for m in medications if m.status in _TAKEN)
    received: list[str] = []
    missing: list[str] = []
    for item in requirements:
        members = _satisfies(item)
        hits = [name for name in taken if name in members]
        received.extend(hits)
        if not hits:
            missing.append(item.label)
    return PriorTherapyCheck(
        requirement=requirement,
        status="not_met" if missing else "met",
        received=unique(received),
        missing=missing,
    )


def planned_toward(requirements: Sequence[PriorTherapy], medications: Sequence[Medication]) -> list[str]:
    """Planned drugs that would meet a requirement once given (osimertinib planned first line: the
    post-osimertinib option is not yet the patient's line)."""
    members = frozenset().union(*(_satisfies(item) for item in requirements))
    return unique(m.name for m in medications if m.status == "planned" and m.name in members)


def _first_line(setting: str | None) -> bool:
    """The record's setting names the first-line indication first ('first-line metastatic; adjuvant
    after resection'): the one that applies to metastatic disease."""
    return setting is not None and setting.lower().replace("-", " ").startswith("first line")


def class_progressions(
    drugs: Sequence[str], setting: str | None, medications: Sequence[Medication], aimed: frozenset[str]
) -> list[tuple[str, str]]:
    """(drug, class) pairs that supersede a first-line approval: drugs the disease progressed on
    (stopped for progression), aimed at the record's gene (`aimed`: the knowledge base's drugs for
    it), sharing a drug class with one of the regimen's drugs. Empty unless the setting is first line."""
    from integrome.normalize.drugs import drug_classes

    if not _first_line(setting):
        return []
    regimen_classes = {cls for drug in drugs for cls in drug_classes(drug)}
    found: list[tuple[str, str]] = []
    for medication in medications:
        if medication.status != "stopped" or medication.stop_reason != "progression":
            continue
        if medication.name not in aimed or medication.name in drugs:
            continue
        shared = sorted(regimen_classes.intersection(drug_classes(medication.name)))
        if shared and medication.name not in {name for name, _ in found}:
            found.append((medication.name, shared[0]))
    return found


def completed_perioperative(medication: Medication) -> bool:
    """A stopped drug the record says was an adjuvant or neoadjuvant course completed as planned."""
    return (
        medication.status == "stopped"
        and medication.setting is not None
        and medication.stop_reason == "completed"
    )


def received_drugs(medications: Sequence[Medication]) -> frozenset[str]:
    """Drugs the patient stopped and is not taking or planned to take again, except those whose every
    stopped course was a completed perioperative one: recurrence after completing adjuvant therapy is
    not progression on the drug."""
    stopped = [m for m in medications if m.status == "stopped"]
    failed = {m.name for m in stopped if not completed_perioperative(m)}
    current = {m.name for m in medications if m.status in ("active", "planned")}
    return frozenset(failed - current)


def history_phrase(drugs: Iterable[str], medications: Sequence[Medication]) -> str:
    """Why a received regimen is withheld, in the record's own terms; without a stated reason or
    setting the line says to check for adjuvant use rather than implying the drug failed."""
    names = set(drugs)
    entries = [
        m for m in medications if m.status == "stopped" and m.name in names and not completed_perioperative(m)
    ]
    reasons = sorted({m.stop_reason for m in entries if m.stop_reason in ("progression", "intolerance")})
    settings = sorted({m.setting for m in entries if m.setting is not None})
    where = f" in the {' and '.join(settings)} setting" if settings else ""
    if reasons:
        return f"previously received{where}, stopped for {' and '.join(reasons)}"
    if settings:
        return f"previously received{where}, stopped before the course was completed"
    return "previously received (stopped); check whether it was given in the adjuvant setting"
