"""Findings and pharmacogenes → Genomics Reporting IG Observations (Variant, Genotype, biomarker).

Each function returns one Observation as plain FHIR JSON without an id: the bundle builder gives
every resource an id derived from its content. Component codes and answers follow the IG's
Variant, Genotype and MolecularBiomarker profiles (CGFindings.fsh) and the examples it ships.
"""

from __future__ import annotations

import re
from typing import Any

from integrome.deliver._fhir_codes import (
    ALLELIC_STATE,
    BUILDS,
    GENOMIC_SOURCE,
    HGNC,
    HGVS,
    REFSEQ,
    SEQUENCE_ONTOLOGY,
    UCUM,
    categories,
    coding,
    concept,
    loinc,
    profile,
    tbd,
)
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    FusionFinding,
    NegativeFinding,
    PgxResult,
    VariantFinding,
)

__all__ = [
    "biomarker_observation",
    "component",
    "copy_number_observation",
    "fusion_observation",
    "gene_component",
    "genotype_observation",
    "molecular_consequence_observation",
    "negative_observation",
    "presence_observations",
    "variant_observation",
]

Json = dict[str, Any]

_PRESENT = loinc("LA9633-4", "Present")
_ABSENT = loinc("LA9634-2", "Absent")
_ONE_BASED = loinc("LA30102-0", "1-based character counting")
_BASES = re.compile(r"^[ACGTN]+$")
_TRANSCRIPT = re.compile(r"^(N[MR]_\d+\.\d+|ENST\d+\.\d+)$")
_PRESENCE = re.compile(r"(\*[0-9A-Za-z:]+) (positive|negative)")
_CNV_WORDS = {
    "amplification": "amplification",
    "gain": "copy number gain",
    "loss": "copy number loss",
    "deep_deletion": "deep deletion",
    "neutral": "copy number neutral",
}
_SO_TERMS = {
    "missense_variant": "SO:0001583",
    "frameshift_variant": "SO:0001589",
    "stop_gained": "SO:0001587",
    "intron_variant": "SO:0001627",
}
"""Sequence Ontology ids of the consequences the IG's own examples code; others are written as text."""
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_MARKER_CODES = {
    "TMB": loinc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
    "MSI": loinc("81695-9", "Microsatellite instability [Interpretation] in Cancer specimen Qualitative"),
}
"""The TMB and MSI codes of the IG's MolecularBiomarker examples (CGExamples.fsh)."""


def component(code: Json, **value: Any) -> Json:
    return {"code": code, **value}


def gene_component(gene: str) -> Json:
    """48018-6 gene studied: HGNC id as code and symbol as display, as the IG asks."""
    from integrome.normalize.genes import gene_record

    record = gene_record(gene)
    value = concept(text=gene) if record is None else concept(coding(HGNC, record.hgnc_id, record.symbol))
    return component(loinc("48018-6", "Gene studied [ID]"), valueCodeableConcept=value)


def _observation(profile_name: str | None, code: Json, subject: Json, issued: str) -> Json:
    obs: Json = {"resourceType": "Observation"}
    if profile_name:
        obs["meta"] = {"profile": [profile(profile_name)]}
    obs |= {"status": "final", "category": categories(), "code": code, "subject": subject, "issued": issued}
    return obs


def _answer(question: str, display: str, answers: dict[str, tuple[str, str]], key: str) -> Json | None:
    if key not in answers:
        return None
    code, shown = answers[key]
    return component(loinc(question, display), valueCodeableConcept=loinc(code, shown))


def _origin_component(origin: str) -> list[Json]:
    found = _answer("48002-0", "Genomic source class", GENOMIC_SOURCE, origin)
    return [found] if found else []


def _hgvs(code: str, display: str, value: str) -> Json:
    return component(loinc(code, display), valueCodeableConcept=concept(coding(HGVS, value, value)))


def variant_observation(finding: VariantFinding, subject: Json, issued: str) -> Json:
    """A small variant: gene, c./p./g. HGVS, position on the chromosome's RefSeq, VAF, origin, zygosity.

    Positions use 1-based character counting (LOINC LA30102-0) from the VCF POS, as the IG's
    CYP2C19 example does; g.HGVS is written for substitutions, the one form that needs no
    normalization against the reference sequence.
    """
    comps: list[Json] = []
    if finding.gene:
        comps.append(gene_component(finding.gene))
    if finding.hgvs_c:
        comps.append(_hgvs("48004-6", "DNA change (c.HGVS)", finding.hgvs_c))
        transcript = finding.hgvs_c.split(":", 1)[0] if ":" in finding.hgvs_c else ""
        if _TRANSCRIPT.match(transcript):
            system = REFSEQ if transcript.startswith("N") else "http://www.ensembl.org"
            comps.append(
                component(
                    loinc("51958-7", "Transcript ref sequence ID"),
                    valueCodeableConcept=concept(coding(system, transcript, transcript)),
                )
            )
    if finding.hgvs_p:
        comps.append(_hgvs("48005-3", "Amino acid change (pHGVS)", finding.hgvs_p))
    comps.extend(_genomic_components(finding))
    comps.extend(_origin_component(finding.origin))
    zygosity = _answer("53034-5", "Allelic state", ALLELIC_STATE, finding.zygosity)
    if zygosity:
        comps.append(zygosity)
    if finding.vaf is not None:
        comps.append(
            component(
                loinc("81258-6", "Sample VAF"),
                valueQuantity={"value": finding.vaf, "system": UCUM, "code": "1"},
            )
        )
    obs = _observation("variant", loinc("69548-6", "Genetic variant assessment"), subject, issued)
    obs["valueCodeableConcept"] = _PRESENT
    obs["component"] = comps
    return obs


def molecular_consequence_observation(
    finding: VariantFinding, variant_url: str, subject: Json, issued: str
) -> Json | None:
    """The variant's predicted consequence (VEP/SnpEff term) as the IG's MolecularConsequence.

    STU3 moved the consequence out of the Variant (its amino-acid-change-type component is
    retired in CGFindings.fsh) into this implication, derived from the variant.
    """
    if not finding.consequence:
        return None
    comps: list[Json] = []
    if finding.hgvs_c:
        comps.append(_hgvs("48004-6", "DNA change (c.HGVS)", finding.hgvs_c))
    if finding.hgvs_p:
        comps.append(_hgvs("48005-3", "Amino acid change (pHGVS)", finding.hgvs_p))
    term = finding.consequence
    value = (
        concept(coding(SEQUENCE_ONTOLOGY, _SO_TERMS[term], term)) if term in _SO_TERMS else concept(text=term)
    )
    comps.append(component(tbd("feature-consequence", "Feature Consequence"), valueCodeableConcept=value))
    obs = _observation(
        "molecular-consequence", tbd("molecular-consequence", "Molecular Consequence"), subject, issued
    )
    obs["derivedFrom"] = [{"reference": variant_url}]
    obs["component"] = comps
    return obs


def _genomic_components(finding: VariantFinding) -> list[Json]:
    from integrome.normalize.variants import chromosome_accession

    comps: list[Json] = []
    if finding.build is not None:
        code, shown = BUILDS[finding.build]
        comps.append(
            component(
                loinc("62374-4", "Human reference sequence assembly version"),
                valueCodeableConcept=loinc(code, shown),
            )
        )
    chrom, pos, ref, alt = finding.chrom, finding.pos, finding.ref, finding.alt
    if chrom is None or pos is None or ref is None or alt is None or finding.build is None:
        return comps
    accession = chromosome_accession(chrom, finding.build)
    if accession is None or not _BASES.match(ref) or not _BASES.match(alt):
        return comps
    if len(ref) == 1 and len(alt) == 1:
        comps.append(_hgvs("81290-9", "Genomic DNA change (gHGVS)", f"{accession}:g.{pos}{ref}>{alt}"))
    span: Json = {"low": {"value": pos}}
    if len(ref) > 1:
        span["high"] = {"value": pos + len(ref) - 1}
    comps += [
        component(
            loinc("48013-7", "Genomic reference sequence ID"),
            valueCodeableConcept=concept(coding(REFSEQ, accession, accession)),
        ),
        component(loinc("69547-8", "Genomic ref allele [ID]"), valueString=ref),
        component(loinc("69551-0", "Genomic alt allele [ID]"), valueString=alt),
        component(loinc("92822-6", "Genomic coord system"), valueCodeableConcept=_ONE_BASED),
        component(loinc("81254-5"), valueRange=span),
    ]
    return comps


def negative_observation(finding: NegativeFinding, subject: Json, issued: str) -> Json:
    """A test that found nothing: the Variant profile with value Absent (LOINC LA9634-2).

    A protein change is written as p.HGVS and a c. change as c.HGVS; any other excluded
    alteration (fusion, amplification, "mutation") is named in the variation code as text.
    """
    from integrome.normalize.variants import parse_protein_change, three_letter_protein

    comps = [gene_component(finding.gene)]
    alteration = finding.alteration.strip()
    protein = three_letter_protein(alteration) if parse_protein_change(alteration) else None
    if protein:
        comps.append(_hgvs("48005-3", "Amino acid change (pHGVS)", protein))
    elif alteration.startswith("c."):
        comps.append(_hgvs("48004-6", "DNA change (c.HGVS)", alteration))
    elif alteration != "any":
        comps.append(_variation_text(f"{finding.gene} {alteration}"))
    comps.extend(_origin_component(finding.origin))
    obs = _observation("variant", loinc("69548-6", "Genetic variant assessment"), subject, issued)
    obs["valueCodeableConcept"] = _ABSENT
    if finding.method:
        obs["method"] = concept(text=finding.method)
    obs["component"] = comps
    return obs


def _variation_text(text: str) -> Json:
    return component(loinc("81252-9", "Discrete genetic variant"), valueCodeableConcept=concept(text=text))


def copy_number_observation(finding: CopyNumberFinding, subject: Json, issued: str) -> Json:
    """A copy-number change: Variant with coding change type copy_number_variation (SO:0001019).

    The call (amplification, deep deletion, ...) is named in the variation code; the copy number
    is unit-less UCUM "1" and a whole number, or a range around a fractional estimate (invariant
    cnt-3 and the IG's copy-number guidance).
    """
    comps = [
        gene_component(finding.gene),
        component(
            loinc("48019-4"),
            valueCodeableConcept=concept(coding(SEQUENCE_ONTOLOGY, "SO:0001019", "copy_number_variation")),
        ),
        _variation_text(f"{finding.gene} {_CNV_WORDS[finding.call]}"),
    ]
    if finding.copy_number is not None:
        copies = finding.copy_number
        code = loinc("82155-3")
        if copies.is_integer():
            comps.append(component(code, valueQuantity={"value": int(copies), "system": UCUM, "code": "1"}))
        else:
            bounds = {"low": _copies(int(copies)), "high": _copies(int(copies) + 1)}
            comps.append(component(code, valueRange=bounds))
    comps.extend(_origin_component(finding.origin))
    obs = _observation("variant", loinc("69548-6", "Genetic variant assessment"), subject, issued)
    obs["valueCodeableConcept"] = _PRESENT
    obs["component"] = comps
    return obs


def _copies(value: int) -> Json:
    return {"value": value, "system": UCUM, "code": "1"}


def fusion_observation(finding: FusionFinding, subject: Json, issued: str) -> Json:
    """A gene fusion: Variant naming both partners, as in the IG's ROS1 fusion example.

    The variation code reads "5'::3' fusion" (HGVS gene-fusion notation) when the orientation is
    known; the actionable gene is the first gene studied.
    """
    genes = [finding.gene] + [g for g in (finding.partner,) if g and g != finding.gene]
    if finding.five_prime and finding.three_prime:
        name = f"{finding.five_prime}::{finding.three_prime} fusion"
    elif finding.partner:
        name = f"{finding.gene}/{finding.partner} fusion"
    else:
        name = f"{finding.gene} fusion"
    comps = [gene_component(gene) for gene in genes]
    comps.append(_variation_text(name))
    comps.extend(_origin_component(finding.origin))
    obs = _observation("variant", loinc("69548-6", "Genetic variant assessment"), subject, issued)
    obs["valueCodeableConcept"] = _PRESENT
    obs["component"] = comps
    return obs


def biomarker_observation(finding: BiomarkerFinding, subject: Json, issued: str) -> Json:
    """TMB, MSI, IHC and other non-variant markers: the IG's MolecularBiomarker profile.

    TMB and MSI carry the LOINC codes of the IG's examples; other markers are named in text
    with their method and scoring ("PD-L1 (IHC, TPS)"), since the test's own code is not known.
    """
    details = ", ".join(part for part in (finding.method, finding.scoring) if part)
    code = _MARKER_CODES.get(finding.biomarker) or concept(
        text=f"{finding.biomarker} ({details})" if details else finding.biomarker
    )
    obs = _observation("molecular-biomarker", code, subject, issued)
    if finding.numeric is not None and finding.unit:
        quantity: Json = {"value": finding.numeric, "unit": finding.unit}
        if finding.unit == "%":
            quantity |= {"system": UCUM, "code": "%"}
        obs["valueQuantity"] = quantity
    else:
        obs["valueString"] = finding.value
    if finding.status in ("positive", "negative"):
        pos = finding.status == "positive"
        obs["interpretation"] = [
            concept(coding(_INTERPRETATION, "POS" if pos else "NEG", "Positive" if pos else "Negative"))
        ]
    if finding.gene:
        obs["component"] = [gene_component(finding.gene)]
    return obs


def genotype_observation(result: PgxResult, subject: Json, issued: str) -> Json | None:
    """An assessed pharmacogene's diplotype: the Genotype profile, as in the IG's PGx example.

    The value reads "<gene> <diplotype>" ("CYP2C9 *4/*35B" in the IG); other diplotypes that
    unphased data cannot exclude are noted. None when the result is not a diplotype.
    """
    if not result.assessed or not result.diplotype or "/" not in result.diplotype:
        return None
    obs = _observation("genotype", loinc("84413-4", "Genotype display name"), subject, issued)
    obs["valueCodeableConcept"] = concept(text=f"{result.gene} {result.diplotype}")
    if result.alternatives:
        obs["note"] = [
            {"text": "Other diplotypes consistent with unphased data: " + ", ".join(result.alternatives)}
        ]
    obs["component"] = [gene_component(result.gene)]
    return obs


def presence_observations(result: PgxResult, subject: Json, issued: str) -> list[Json]:
    """HLA allele presence tests ("*57:01 positive"): one Present/Absent result per tested allele.

    An allele test is not a genotype, so these carry no IG profile; the code names the test the
    way LOINC's presence tests do ("HLA-B*57:01 [Presence]").
    """
    if not result.assessed or not result.diplotype:
        return []
    observations = []
    for allele, state in _PRESENCE.findall(result.diplotype):
        obs = _observation(None, concept(text=f"{result.gene}{allele} [Presence]"), subject, issued)
        obs["valueCodeableConcept"] = _PRESENT if state == "positive" else _ABSENT
        obs["component"] = [gene_component(result.gene)]
        observations.append(obs)
    return observations
