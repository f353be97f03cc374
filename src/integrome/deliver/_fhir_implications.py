"""Insights → IG implications (TherapeuticImplication, DiagnosticImplication) and follow-up requests.

Therapy, resistance, PGx, contraindication and trial insights become therapeutic implications;
diagnostic, prognostic and germline insights diagnostic implications (CGImplications.fsh). A test
recommendation's ServiceRequest (`deliver.service_request`) is offered to the clinician through the
IG's FollowupRecommendation Task, which the report's recommended-action extension references; a
germline finding's counseling advice is a FollowupRecommendation of its own.

Implications are `preliminary`: they are computed decision support that a clinician reviews, not
results a laboratory has verified.
"""

from __future__ import annotations

from typing import Any

from integrome.deliver._fhir_codes import (
    LOINC,
    PHENOTYPE_ANSWERS,
    RELATED_ARTIFACT,
    RXNORM,
    categories,
    coding,
    concept,
    loinc,
    profile,
    tbd,
)
from integrome.deliver._fhir_findings import component
from integrome.model import Citation, Insight, PgxResult

__all__ = [
    "THERAPEUTIC_KINDS",
    "followup_task",
    "implication_observation",
    "phenotype_observation",
]

Json = dict[str, Any]

THERAPEUTIC_KINDS = frozenset({"therapy", "resistance", "pgx", "contraindication", "trial"})
"""Insight kinds written as TherapeuticImplication; the others (but test recommendations) are diagnostic."""

_HLA_RISK = {"positive": "high risk", "negative": "low risk"}


def _related_artifact(citation: Citation) -> Json:
    artifact: Json = {
        "type": "citation",
        "label": citation.source,
        "citation": f"{citation.source} {citation.id}",
    }
    if citation.url:
        artifact["url"] = citation.url
    return {"url": RELATED_ARTIFACT, "valueRelatedArtifact": artifact}


def _evidence_text(insight: Insight) -> str | None:
    parts = []
    if insight.tier:
        parts.append(f"AMP/ASCO/CAP 2017 tier {insight.tier}")
    if insight.evidence_level:
        parts.append(f"evidence level {insight.evidence_level}")
    if insight.classification:
        parts.append(f"CPIC strength {insight.classification}")
    return "; ".join(parts) or None


def _implication_values(insight: Insight, pgx: dict[str, PgxResult]) -> list[Json]:
    """What the finding implies for the drug: responsive/resistant, or the gene's phenotype."""
    keys: list[tuple[str, PgxResult | None]] = []
    if insight.kind == "therapy":
        keys = [("responsive", None)]
    elif insight.kind == "resistance":
        keys = [("resistant", None)]
    elif insight.kind in ("pgx", "contraindication"):
        keys = [(_phenotype_key(pgx[gene]), pgx[gene]) for gene in insight.genes if gene in pgx]
    values = []
    for key, result in keys:
        answer = PHENOTYPE_ANSWERS.get(key)
        text = f"{result.gene} {_used_phenotype(result)}" if result is not None else None
        value = concept(coding(LOINC, *answer), text=text) if answer else concept(text=text or key)
        values.append(
            component(tbd("therapeutic-implication", "Therapeutic Implication"), valueCodeableConcept=value)
        )
    return values


def _used_phenotype(result: PgxResult) -> str:
    return result.functional_phenotype or result.phenotype


def _phenotype_key(result: PgxResult) -> str:
    """The answer key for a gene's phenotype; HLA tests read as high or low risk.

    The IG's HLA-B*15:02 carbamazepine example states a positive allele as "High Risk".
    """
    phenotype = _used_phenotype(result).lower()
    if result.gene.startswith("HLA-"):
        return _HLA_RISK["positive" if "positive" in phenotype else "negative"]
    return phenotype


def _implication_shell(
    profile_name: str,
    code: Json,
    *,
    subject: Json,
    issued: str,
    derived_from: list[str],
    extension: list[Json] | None = None,
) -> Json:
    """The parts every implication Observation shares; the IG profile only with derivedFrom."""
    obs: Json = {"resourceType": "Observation"}
    if derived_from:
        obs["meta"] = {"profile": [profile(profile_name)]}
    if extension is not None:
        obs["extension"] = extension
    obs |= {
        "status": "preliminary",
        "category": categories(),
        "code": code,
        "subject": subject,
        "issued": issued,
    }
    if derived_from:
        obs["derivedFrom"] = [{"reference": url} for url in derived_from]
    return obs


def implication_observation(
    insight: Insight,
    derived_from: list[str],
    *,
    pgx: dict[str, PgxResult],
    kb_version: str,
    subject: Json,
    issued: str,
) -> Json:
    """One implication; it carries the IG profile only when it derives from a finding in the bundle.

    GenomicImplication requires derivedFrom (1..*): an insight with no finding observation to point
    to (a PGx phenotype stated without a diplotype) is written as a plain Observation.
    """
    therapeutic = insight.kind in THERAPEUTIC_KINDS
    name = "therapeutic-implication" if therapeutic else "diagnostic-implication"
    code = tbd(name, "Therapeutic Implication" if therapeutic else "Diagnostic Implication")
    code["text"] = insight.title
    obs = _implication_shell(
        name,
        code,
        subject=subject,
        issued=issued,
        derived_from=derived_from,
        extension=[_related_artifact(citation) for citation in insight.citations],
    )
    if insight.rationale:
        obs["note"] = [{"text": line} for line in insight.rationale]
    comps = _implication_values(insight, pgx) if therapeutic else []
    comps += [_medication(drug) for drug in insight.drugs]
    if insight.kind == "trial":
        comps.append(
            component(
                tbd("associated-therapy", "Associated Therapy"),
                valueCodeableConcept=concept(text=insight.title),
            )
        )
    evidence = _evidence_text(insight)
    if evidence:
        comps.append(
            component(loinc("93044-6", "Level of evidence"), valueCodeableConcept=concept(text=evidence))
        )
    comps.append(
        component(
            tbd("knowledge-base", "Knowledge Base"),
            valueCodeableConcept=concept(text=f"integrome knowledge base {kb_version}"),
        )
    )
    comps.append(component(tbd("conclusion-string", "Conclusion Text"), valueString=insight.summary))
    obs["component"] = comps
    return obs


def phenotype_observation(
    result: PgxResult, derived_from: list[str], *, kb_version: str, subject: Json, issued: str
) -> Json:
    """An assessed gene's phenotype ("metabolizer status") as a drug-independent implication.

    The IG's PGx examples state the phenotype in a TherapeuticImplication derived from the
    Genotype; this one names no medication, so a gene without a drug insight still reports it.
    """
    code = tbd("therapeutic-implication", "Therapeutic Implication")
    code["text"] = f"{result.gene} phenotype"
    key = _phenotype_key(result)
    answer = PHENOTYPE_ANSWERS.get(key)
    text = f"{result.gene} {_used_phenotype(result)}"
    value = concept(coding(LOINC, *answer), text=text) if answer else concept(text=text)
    conclusion = f"{result.gene} {result.diplotype}: {result.phenotype}"
    if result.activity_score is not None:
        conclusion += f" (activity score {result.activity_score:g})"
    if result.functional_phenotype:
        conclusion += f"; {result.functional_phenotype} with the current co-medication (phenoconversion)"
    obs = _implication_shell(
        "therapeutic-implication", code, subject=subject, issued=issued, derived_from=derived_from
    )
    if result.note:
        obs["note"] = [{"text": result.note}]
    obs["component"] = [
        component(tbd("therapeutic-implication", "Therapeutic Implication"), valueCodeableConcept=value),
        component(
            tbd("knowledge-base", "Knowledge Base"),
            valueCodeableConcept=concept(text=f"integrome knowledge base {kb_version}"),
        ),
        component(tbd("conclusion-string", "Conclusion Text"), valueString=conclusion),
    ]
    return obs


def _medication(name: str) -> Json:
    """51963-7 medication assessed: RxNorm ingredient code when known, the generic name as text."""
    from integrome.normalize.drugs import canonical_drug

    drug = canonical_drug(text=name)
    codings = [coding(RXNORM, drug.rxnorm, drug.name)] if drug is not None and drug.rxnorm else []
    return component(
        loinc("51963-7", "Medication assessed"), valueCodeableConcept=concept(*codings, text=name)
    )


def followup_task(
    description: str,
    subject: Json,
    issued: str,
    *,
    focus: str | None = None,
    reason: str | None = None,
    counseling: bool = False,
) -> Json:
    """The IG's FollowupRecommendation: a proposed Task the report's recommended-action points to.

    Its code comes from LOINC answer list LL1037-2 (extensible): "Genetic counseling recommended"
    (LA14020-4) for a germline finding; other follow-ups are named in text.
    """
    code = (
        loinc("LA14020-4", "Genetic counseling recommended")
        if counseling
        else concept(text="Recommended follow-up test")
    )
    task: Json = {
        "resourceType": "Task",
        "meta": {"profile": [profile("followup-recommendation")]},
        "status": "requested",
        "intent": "proposal",
        "code": code,
        "description": description,
        "for": subject,
        "authoredOn": issued,
    }
    if focus:
        task["focus"] = {"reference": focus}
    if reason:
        task["reasonReference"] = [{"reference": reason}]
    return task
