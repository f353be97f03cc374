"""CDS Hooks 2.0 cards from an integrome analysis: values in, JSON-ready dicts out (no I/O, no clock).

The service answers three hooks (CDS Hooks 2.0 "Discovery"): `patient-view` summarizes the
patient's actionable items, `order-select` and `order-sign` check the medications being ordered
(`context.draftOrders`) against the patient's pharmacogenomic phenotypes and biomarker resistance.

PGx advice is recomputed by the PGx engine (`match_pgx`) for the drugs at hand, because the drug
being ordered was usually not on the medication list when the analysis was made. The analysis'
per-gene results are replayed as genotype calls, so the engine sees exactly the phenotypes the
report states; a gene without a result gets the engine's "<GENE> genotyping" recommendation, which
becomes the "no genotype on file" card. Biomarker insights (therapy, resistance, germline, test
gaps) are taken from the analysis as issued.

Cards follow the spec's "Card Attributes": summary under 140 characters, indicator info / warning /
critical, detail in GitHub-flavoured Markdown, source with label, url and topic, suggestions with
create/delete actions and `selectionBehavior`, and `overrideReasons` on every warning or critical
card. Card and suggestion uuids are derived from `hookInstance` and the card's content, so the same
call gives the same uuids and feedback can be matched to a card.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from threading import Lock
from typing import Any, get_args

from integrome.errors import InputError
from integrome.match.pgx import HasPgx, match_pgx, results_only
from integrome.match.wording import clamp, regimen, sentence_case
from integrome.model import (
    Analysis,
    Citation,
    GenotypeCall,
    Insight,
    Medication,
    PatientProfile,
    PgxResult,
)
from integrome.model.analysis import NOT_ASSESSED
from integrome.model.common import Source
from integrome.normalize.drugs import canonical_drug, find_drugs

__all__ = [
    "OVERRIDE_REASONS",
    "PREFETCH",
    "SERVICES",
    "CdsPatient",
    "DraftOrder",
    "ServiceDefinition",
    "cds_patient",
    "discovery",
    "draft_orders",
    "order_cards",
    "patient_view_cards",
]

PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active,draft",
    "genomics": "Observation?patient={{context.patientId}}&category=laboratory",
}
"""Prefetch templates (spec "Prefetch Template"): demographics and the record id, diagnoses, current
and planned medications, and laboratory Observations (genomic variants, genotypes, IHC/MSI/TMB)."""


@dataclass(frozen=True)
class ServiceDefinition:
    id: str
    hook: str
    title: str
    description: str


SERVICES: tuple[ServiceDefinition, ...] = (
    ServiceDefinition(
        id="integrome-patient-view",
        hook="patient-view",
        title="integrome: actionable genomic findings",
        description=(
            "Summarizes the patient's actionable pharmacogenomic alerts, biomarker-matched therapies, "
            "resistance markers and recommended tests from the patient's integrome analysis."
        ),
    ),
    ServiceDefinition(
        id="integrome-order-select",
        hook="order-select",
        title="integrome: pharmacogenomic and biomarker check of selected medications",
        description=(
            "Checks the medications just selected against the patient's CPIC phenotypes and tumor "
            "biomarker resistance; proposes alternatives and genotyping when no result is on file."
        ),
    ),
    ServiceDefinition(
        id="integrome-order-sign",
        hook="order-sign",
        title="integrome: pharmacogenomic and biomarker check before signing",
        description=(
            "Checks every medication about to be signed against the patient's CPIC phenotypes and "
            "tumor biomarker resistance; proposes alternatives and genotyping when no result is on file."
        ),
    ),
)

_RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_TOPIC_SYSTEM = "urn:integrome:cds-topic"
_OVERRIDE_SYSTEM = "urn:integrome:cds-override-reason"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:integrome:cds-hooks")
_SUMMARY_LIMIT = 139
"""Card.summary must be shorter than 140 characters (spec: "<140-character summary")."""
_MAX_PATIENT_VIEW_CARDS = 10
_PGX_KINDS = frozenset({"pgx", "contraindication"})
_PATIENT_VIEW_KINDS = frozenset({"resistance", "germline", "test_recommendation"})
_TIER_ONE = frozenset({"IA", "IB"})
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_SOURCES: dict[str, Source] = {name: name for name in get_args(Source)}
_MEMO_LIMIT = 64
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#])")


def _reason(code: str, display: str) -> dict[str, str]:
    return {"system": _OVERRIDE_SYSTEM, "code": code, "display": display}


OVERRIDE_REASONS: dict[str, tuple[dict[str, str], ...]] = {
    "drug": (
        _reason("alternative-not-suitable", "Alternative contraindicated or not tolerated"),
        _reason("benefit-outweighs-risk", "Benefit outweighs the risk for this patient"),
        _reason("result-disputed", "Genomic result not confirmed or outdated"),
        _reason("already-addressed", "Already addressed (dose adjusted or monitored)"),
    ),
    "test": (
        _reason("result-elsewhere", "Result available outside this record"),
        _reason("test-declined", "Testing declined or not feasible"),
        _reason("not-needed", "Not needed for this treatment decision"),
    ),
}
"""Offered when a warning or critical card is dismissed (spec "Reasons for rejecting a card"):
one set for drug alerts, one for test recommendations."""

_TOPICS: dict[str, tuple[str, str]] = {
    "pgx": ("pharmacogenomics", "Pharmacogenomics"),
    "contraindication": ("pharmacogenomics", "Pharmacogenomics"),
    "therapy": ("tumor-biomarker", "Tumor biomarker"),
    "resistance": ("tumor-biomarker", "Tumor biomarker"),
    "diagnostic": ("tumor-biomarker", "Tumor biomarker"),
    "prognostic": ("tumor-biomarker", "Tumor biomarker"),
    "test_recommendation": ("testing", "Recommended testing"),
    "germline": ("hereditary-risk", "Hereditary risk"),
    "trial": ("clinical-trial", "Clinical trial"),
}


def discovery() -> dict[str, Any]:
    """The discovery document (spec "Discovery": hook, title, description, id, prefetch)."""
    return {
        "services": [
            {
                "hook": service.hook,
                "title": service.title,
                "description": service.description,
                "id": service.id,
                "prefetch": dict(PREFETCH),
            }
            for service in SERVICES
        ]
    }


@dataclass
class CdsPatient:
    """What the cards need about one patient, built once per analysis and kept between calls.

    `profile` carries the current medications and the analysis' PGx results as genotype calls;
    `insights` are the analysis' biomarker insights (PGx ones are recomputed per call).
    """

    profile: PatientProfile
    pgx: dict[str, PgxResult]
    insights: tuple[Insight, ...]
    basis: str
    _memo: dict[frozenset[str], list[Insight]] = field(default_factory=dict, repr=False)
    _lock: Lock = field(default_factory=Lock, repr=False)

    def pgx_insights(self, kb: HasPgx, planned: frozenset[str] = frozenset()) -> list[Insight]:
        """The PGx engine's insights with `planned` drugs added to the medication list (memoized:
        the result depends only on the profile and the drugs)."""
        with self._lock:
            cached = self._memo.get(planned)
        if cached is not None:
            return cached
        current = {m.name for m in self.profile.patient.medications if m.status != "stopped"}
        extra = [Medication(name=name, status="planned") for name in sorted(planned - current)]
        patient = self.profile.patient.model_copy(
            update={"medications": [*self.profile.patient.medications, *extra]}
        )
        insights = match_pgx(self.profile.model_copy(update={"patient": patient}), kb).insights
        with self._lock:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[planned] = insights
        return insights


def _is_pgx(insight: Insight) -> bool:
    """PGx insights are recomputed per call; genotyping recommendations name '<GENE> genotyping'."""
    if insight.kind in _PGX_KINDS:
        return True
    return (
        insight.kind == "test_recommendation"
        and bool(insight.tests)
        and all(test.endswith(" genotyping") for test in insight.tests)
    )


def _replayed_calls(result: PgxResult) -> list[GenotypeCall]:
    """Genotype calls that make the PGx engine restate `result` (see `cds_patient`)."""
    source = _SOURCES.get(result.source or "", "outside_call")
    diplotype = result.diplotype
    if diplotype and "/" not in diplotype and (" positive" in diplotype or " negative" in diplotype):
        calls = []
        for part in diplotype.split(","):
            allele, _, verdict = part.strip().rpartition(" ")
            calls.append(
                GenotypeCall(gene=result.gene, allele=allele, present=verdict == "positive", source=source)
            )
        return calls
    return [
        GenotypeCall(
            gene=result.gene,
            diplotype=diplotype,
            phenotype=result.phenotype,
            activity_score=result.activity_score,
            source=source,
        )
    ]


def _replay(results: Iterable[PgxResult], profile: PatientProfile, kb: HasPgx) -> list[GenotypeCall]:
    """Calls for every assessed result; a call the engine would read differently (an ambiguous
    diplotype whose report says Indeterminate) is replaced by the reported phenotype alone."""
    chosen: list[GenotypeCall] = []
    for result in results:
        calls = _replayed_calls(result)
        check = profile.model_copy(update={"genotypes": calls, "sites": []})
        restated = {r.gene: r.phenotype for r in results_only(check, kb.pgx)}
        if restated.get(result.gene) != result.phenotype and calls[0].allele is None:
            calls = [
                GenotypeCall(
                    gene=result.gene,
                    phenotype=result.phenotype,
                    activity_score=result.activity_score,
                    source=calls[0].source,
                )
            ]
        chosen.extend(calls)
    return chosen


def cds_patient(
    analysis: Analysis,
    kb: HasPgx,
    *,
    basis: str,
    record: PatientProfile | None = None,
    medications: Sequence[Medication] | None = None,
) -> CdsPatient:
    """The card inputs for one patient.

    `analysis` is the stored analysis (or, without one, the analysis of the EHR's record data).
    `record` is the profile read from the EHR's data for this call: its genotype results fill genes
    the analysis did not assess. `medications` are the EHR's current medications when it sent them;
    None keeps the analysis' list. `basis` names what the cards rest on, for their detail text.
    """
    assessed = {r.gene: r for r in analysis.pgx if r.assessed and r.phenotype != NOT_ASSESSED}
    patient = analysis.patient
    if medications is not None:
        patient = patient.model_copy(update={"medications": list(medications)})
    base = PatientProfile(patient=patient)
    genotypes = _replay(assessed.values(), base, kb)
    sites = []
    if record is not None:
        genotypes += [g for g in record.genotypes if g.gene not in assessed]
        sites = list(record.sites)
    profile = base.model_copy(update={"genotypes": genotypes, "sites": sites})
    reported = dict(assessed)
    for result in results_only(profile, kb.pgx):
        reported.setdefault(result.gene, result)
    return CdsPatient(
        profile=profile,
        pgx=reported,
        insights=tuple(i for i in analysis.insights if not _is_pgx(i)),
        basis=basis,
    )


@dataclass(frozen=True)
class DraftOrder:
    """One MedicationRequest of `context.draftOrders`."""

    reference: str | None
    """`MedicationRequest/<id>`, or None when the draft has no id."""
    drugs: tuple[str, ...]
    """Lowercase generic ingredients; empty when the medication is not recognized."""
    selected: bool
    resource: Mapping[str, Any]


def _concept_drugs(concept: Any) -> list[str]:
    """RxNorm code first, then the whole wording as one drug, then every drug named in it (the
    same order of evidence the FHIR reader uses)."""
    if not isinstance(concept, dict):
        return []
    codings = [c for c in concept.get("coding", []) if isinstance(c, dict)]
    for coding in codings:
        if coding.get("system") == _RXNORM and coding.get("code"):
            drug = canonical_drug(rxnorm=str(coding["code"]))
            if drug is not None:
                return [drug.name]
    wordings = [str(concept["text"])] if concept.get("text") else []
    wordings += [str(c["display"]) for c in codings if c.get("display")]
    for wording in wordings:
        drug = canonical_drug(text=wording)
        if drug is not None:
            return [drug.name]
    found: dict[str, None] = {}
    for wording in wordings:
        for named in find_drugs(wording):
            found.setdefault(named.name)
    return list(found)


def _medication_concept(resource: Mapping[str, Any], medications: Mapping[str, Any]) -> Any:
    if "medicationCodeableConcept" in resource:
        return resource["medicationCodeableConcept"]
    reference = resource.get("medicationReference")
    target = str(reference.get("reference", "")) if isinstance(reference, dict) else ""
    if target.startswith("#"):
        contained = [c for c in resource.get("contained", []) if isinstance(c, dict)]
        found = next((c for c in contained if f"#{c.get('id')}" == target), None)
    else:
        found = medications.get(target)
    return found.get("code") if isinstance(found, dict) else None


def draft_orders(bundle: Any, selections: Sequence[str] | None) -> list[DraftOrder]:
    """The MedicationRequests of a `draftOrders` Bundle; `selections` (order-select) marks the newly
    selected ones, None (order-sign) selects all. Other order types are not checked here."""
    where = "context.draftOrders"
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError("request", where, "expected a FHIR Bundle of draft orders")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError("request", f"{where}/entry", "expected a list of Bundle entries")
    resources: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise InputError("request", f"{where}/entry/{index}/resource", "expected a FHIR resource")
        resources.append(resource)
    medications = {
        f"Medication/{r['id']}": r for r in resources if r["resourceType"] == "Medication" and r.get("id")
    }
    chosen = set(selections) if selections is not None else None
    orders: list[DraftOrder] = []
    for resource in resources:
        if resource["resourceType"] != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{resource['id']}" if resource.get("id") else None
        concept = _medication_concept(resource, medications)
        orders.append(
            DraftOrder(
                reference=reference,
                drugs=tuple(_concept_drugs(concept)),
                selected=chosen is None or reference in chosen,
                resource=resource,
            )
        )
    return orders


# -- card building ------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _md(text: str) -> str:
    """Escape Markdown control characters in text that comes from data, not from us (cached: a
    patient's cards repeat the same lines on every call, and escaping was most of their cost)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _summary(text: str) -> str:
    return clamp(" ".join(text.split()), _SUMMARY_LIMIT)


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def _source(insight: Insight) -> dict[str, Any]:
    citation = insight.citations[0]
    code, display = _TOPICS[insight.kind]
    source: dict[str, Any] = {
        "label": clamp(f"{citation.source} {citation.id} (via integrome)", 100),
        "topic": {"system": _TOPIC_SYSTEM, "code": code, "display": display},
    }
    if citation.url and citation.url.startswith(("https://", "http://")):
        source["url"] = citation.url
    return source


def _citation_line(citation: Citation) -> str:
    text = _md(f"{citation.source} {citation.id}")
    if citation.url and citation.url.startswith(("https://", "http://")):
        return f"[{text}]({citation.url})"
    return text


def _genotype_line(patient: CdsPatient, gene: str) -> str | None:
    result = patient.pgx.get(gene)
    if result is None:
        return None
    line = f"{gene} {result.diplotype or 'result'} → {result.phenotype}"
    if result.activity_score is not None:
        line += f" (activity score {result.activity_score:g})"
    if result.source:
        line += f"; source: {result.source}"
    return line


def _rationale(insight: Insight, patient: CdsPatient) -> list[str]:
    """The insight's reasons without the lines that only restate the replayed genotype call; a
    genotyping recommendation for a result on file (Indeterminate) adds the result's own note, which
    says why ("inputs disagree at chr10:94781859 (rs4244285)")."""
    lines = list(insight.rationale)
    if _is_pgx(insight):
        genes = set(insight.genes)
        lines = [
            line
            for line in lines
            if not line.startswith("outside call")
            and not any(line.startswith(f"{gene} ") and "→" in line for gene in genes)
        ]
        genotype = [_genotype_line(patient, gene) for gene in insight.genes]
        if insight.kind == "test_recommendation":
            genotype += [patient.pgx[gene].note for gene in insight.genes if gene in patient.pgx]
        lines = [line for line in genotype if line] + lines
    return lines


def _level(level: str | None) -> str | None:
    """AMP levels are single letters ('level A'); CPIC/DPWG/FDA levels name themselves ('CPIC A')."""
    if not level:
        return None
    return f"level {level}" if len(level) == 1 else level


def _detail(insight: Insight, patient: CdsPatient, lead: str | None = None) -> str:
    parts = [f"**{_md(lead or insight.summary)}**", ""]
    facts: list[str] = []
    evidence = [
        value
        for value in (
            f"AMP/ASCO/CAP tier {insight.tier}" if insight.tier else None,
            _level(insight.evidence_level),
            f"CPIC strength {insight.classification}" if insight.classification else None,
        )
        if value
    ]
    if evidence:
        facts.append("Evidence: " + ", ".join(evidence))
    if insight.alternatives:
        facts.append("Alternatives: " + ", ".join(insight.alternatives))
    if insight.tests:
        facts.append("Tests: " + ", ".join(insight.tests))
    facts.extend(_rationale(insight, patient))
    parts.extend(f"- {_md(line)}" for line in facts)
    parts += ["", f"Based on {_md(patient.basis)}.", ""]
    parts.append("Sources: " + "; ".join(_citation_line(c) for c in insight.citations))
    return "\n".join(parts)


def _card(
    key: str,
    hook_instance: str,
    insight: Insight,
    patient: CdsPatient,
    *,
    summary: str,
    indicator: str,
    lead: str | None = None,
    suggestions: Sequence[tuple[str, list[dict[str, Any]]]] = (),
) -> dict[str, Any]:
    card_id = _uuid(hook_instance, key)
    card: dict[str, Any] = {
        "uuid": card_id,
        "summary": _summary(summary),
        "detail": _detail(insight, patient, lead),
        "indicator": indicator,
        "source": _source(insight),
    }
    if suggestions:
        card["suggestions"] = [
            {"label": label, "uuid": _uuid(card_id, label), "actions": actions}
            for label, actions in suggestions
        ]
        card["selectionBehavior"] = "at-most-one"
    if indicator != "info":
        reasons = OVERRIDE_REASONS["test" if insight.kind == "test_recommendation" else "drug"]
        card["overrideReasons"] = [dict(reason) for reason in reasons]
    return card


def _test_suggestion(insight: Insight, patient_reference: str) -> tuple[str, list[dict[str, Any]]]:
    from integrome.deliver.service_request import service_request

    tests = ", ".join(insight.tests) or insight.title
    return (
        clamp(f"Propose {tests}", 80),
        [
            {
                "type": "create",
                "description": f"Create a draft ServiceRequest (proposal) for {tests}",
                "resource": service_request(insight, patient_reference),
            }
        ],
    )


def _ranked(insights: Iterable[Insight]) -> list[Insight]:
    return sorted(insights, key=lambda i: _SEVERITY_ORDER[i.severity])


def patient_view_cards(
    patient: CdsPatient, kb: HasPgx, *, hook_instance: str, patient_reference: str
) -> list[dict[str, Any]]:
    """patient-view: PGx alerts for the current medications and pre-emptive phenotype notes, then
    resistance, germline, test and tier I therapy items from the analysis; most urgent first, at
    most ten cards (an eleventh says how many more the report holds)."""
    considered = {m.name for m in patient.profile.patient.medications if m.status != "stopped"}
    chosen = [
        i
        for i in patient.pgx_insights(kb)
        if i.severity != "info" or (i.kind == "pgx" and not set(i.drugs) & considered)
    ]
    chosen += [
        i
        for i in patient.insights
        if i.kind in _PATIENT_VIEW_KINDS or (i.kind == "therapy" and i.tier in _TIER_ONE)
    ]
    ranked = _ranked(chosen)
    cards = []
    for insight in ranked[:_MAX_PATIENT_VIEW_CARDS]:
        suggestions = []
        if insight.kind == "test_recommendation":
            suggestions.append(_test_suggestion(insight, patient_reference))
        cards.append(
            _card(
                f"patient-view|{insight.kind}|{insight.title}",
                hook_instance,
                insight,
                patient,
                summary=insight.title,
                indicator=insight.severity,
                suggestions=suggestions,
            )
        )
    rest = ranked[_MAX_PATIENT_VIEW_CARDS:]
    if rest:
        cards.append(_more_card(rest, patient, hook_instance))
    return cards


def _more_card(rest: Sequence[Insight], patient: CdsPatient, hook_instance: str) -> dict[str, Any]:
    lines = [f"- {_md(i.title)}" for i in rest]
    return {
        "uuid": _uuid(hook_instance, "patient-view|more"),
        "summary": _summary(f"{len(rest)} more items in the integrome analysis"),
        "detail": "\n".join([*lines, "", f"Based on {_md(patient.basis)}."]),
        "indicator": "info",
        "source": {
            "label": "integrome",
            "topic": {"system": _TOPIC_SYSTEM, "code": "summary", "display": "Analysis summary"},
        },
    }


def _medication_request(drug: str, order: DraftOrder, patient_reference: str, reason: str) -> dict[str, Any]:
    """A draft MedicationRequest for `drug`, coded with RxNorm only when the drug table knows the
    code (integrome never makes one up); dose and route are left for the prescriber."""
    known = canonical_drug(text=drug)
    concept: dict[str, Any] = {"text": drug}
    if known is not None and known.rxnorm:
        concept["coding"] = [{"system": _RXNORM, "code": known.rxnorm, "display": known.name}]
    intent = order.resource.get("intent")
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": intent if isinstance(intent, str) else "order",
        "medicationCodeableConcept": concept,
        "subject": {"reference": patient_reference},
        "note": [{"text": reason}],
    }
    for name in ("encounter", "requester"):
        if isinstance(order.resource.get(name), dict):
            resource[name] = dict(order.resource[name])
    return resource


def _replacements(
    insight: Insight, drug: str, order: DraftOrder, patient_reference: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Replace the ordered drug by each alternative the guideline names (delete + create); a
    critical alert without named alternatives offers removing the order."""
    if order.reference is None:
        return []
    if insight.alternatives:
        delete = {
            "type": "delete",
            "description": f"Remove the draft {drug} order",
            "resourceId": order.reference,
        }
        reason = f"Suggested by integrome CDS: {insight.title}"
        return [
            (
                f"Replace {drug} with {alternative}",
                [
                    delete,
                    {
                        "type": "create",
                        "description": f"Draft an order for {alternative} (dose to be completed)",
                        "resource": _medication_request(alternative, order, patient_reference, reason),
                    },
                ],
            )
            for alternative in insight.alternatives
        ]
    if insight.severity == "critical":
        return _removal(order, drug)
    return []


def order_cards(
    patient: CdsPatient,
    orders: Sequence[DraftOrder],
    kb: HasPgx,
    *,
    hook_instance: str,
    patient_reference: str,
) -> list[dict[str, Any]]:
    """order-select / order-sign: cards for the selected medication orders.

    PGx: the engine's warning or critical advice for the ordered drug (with the guideline's
    alternatives as replace suggestions), or its genotyping recommendation when no result is on
    file or the result is Indeterminate ("genotype again"). Biomarkers: a resistance marker against
    the drug (critical when the whole failing regimen is being ordered or taken) and, as
    information, a biomarker-matched therapy it belongs to.
    """
    drafts = frozenset(drug for order in orders for drug in order.drugs)
    pgx = patient.pgx_insights(kb, drafts)
    taking = {m.name for m in patient.profile.patient.medications if m.status == "active"}
    cards: dict[str, dict[str, Any]] = {}
    for order in orders:
        if not order.selected:
            continue
        for drug in order.drugs:
            for insight in pgx:
                if drug not in insight.drugs:
                    continue
                key = f"{order.reference}|{drug}|{insight.kind}|{insight.title}"
                if insight.kind == "test_recommendation":
                    text = _test_text(insight.genes, drug, patient)
                    cards[key] = _card(
                        key,
                        hook_instance,
                        insight,
                        patient,
                        summary=text,
                        lead=text,
                        indicator="warning",
                        suggestions=[_test_suggestion(insight, patient_reference)],
                    )
                elif insight.severity != "info":
                    cards[key] = _card(
                        key,
                        hook_instance,
                        insight,
                        patient,
                        summary=insight.title,
                        indicator=insight.severity,
                        suggestions=_replacements(insight, drug, order, patient_reference),
                    )
            for insight in patient.insights:
                if drug not in insight.drugs or insight.kind not in ("resistance", "therapy"):
                    continue
                key = f"{order.reference}|{drug}|{insight.kind}|{insight.title}"
                if insight.kind == "resistance":
                    whole = set(insight.drugs) <= drafts | taking
                    cards[key] = _card(
                        key,
                        hook_instance,
                        insight,
                        patient,
                        summary=f"{sentence_case(drug)}: {insight.summary}",
                        indicator="critical" if whole else "warning",
                        suggestions=_removal(order, drug),
                    )
                else:
                    cards[key] = _card(
                        key,
                        hook_instance,
                        insight,
                        patient,
                        summary=f"Biomarker-matched: {insight.title}",
                        indicator="info",
                        lead=f"{regimen(insight.drugs)}: {insight.title}",
                    )
    return sorted(cards.values(), key=lambda card: _SEVERITY_ORDER[card["indicator"]])


def _test_text(genes: Sequence[str], drug: str, patient: CdsPatient) -> str:
    """Why the order needs genotyping: no result on file, or one without a phenotype (a result on
    file that the engine still asks to test is Indeterminate: inputs disagreeing, no allele pair)."""
    listed = ", ".join(genes)
    if all(gene in patient.pgx and patient.pgx[gene].assessed for gene in genes):
        return f"{listed} result indeterminate: consider {listed} genotyping again before {drug}"
    return f"No {listed} result on file: consider {listed} genotyping before {drug}"


def _removal(order: DraftOrder, drug: str) -> list[tuple[str, list[dict[str, Any]]]]:
    if order.reference is None:
        return []
    delete = {
        "type": "delete",
        "description": f"Remove the draft {drug} order",
        "resourceId": order.reference,
    }
    return [(f"Remove the {drug} order", [delete])]
