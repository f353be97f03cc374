"""Biomarker matching: the patient's findings against the knowledge base's cited records.

Each matching record becomes a candidate insight graded by AMP/ASCO/CAP 2017 (Li MM et al.,
J Mol Diagn 2017; PMID 27993330) for the patient's tumor type. Resistance wins over sensitivity:
a resistance record that applies to the patient removes therapy insights built on the same
regimen (cetuximab for KRAS-mutant colorectal cancer, imatinib for KIT D816V), unless the therapy
is a combination designed for that very alteration (encorafenib + cetuximab for BRAF V600E). One
insight is kept per (kind, regimen, gene), with every supporting finding and citation.

Two more rules keep a therapy off the list, each stated in a warning line: a record whose label
limits it to tumors without another alteration (`requires_absent`: KEYTRUDA's first-line NSCLC
indications need no EGFR or ALK aberration) is withheld when that alteration is found (or, for a
limit to a receptor status such as PIQRAY's HER2-negative disease, listed as off-label, tier IIC,
with the reason; with the status unknown it stays and states the requirement), and a
regimen the patient has already received in full (stopped medications) is not offered again as a
new option (the disease progressed on it or it was given up); a combination adding a drug stays,
and so does a drug the record says was a completed adjuvant or neoadjuvant course.

Line of therapy: a record whose label requires an earlier therapy (`prior_therapy`: amivantamab +
carboplatin + pemetrexed after an EGFR TKI) stays listed, with the requirement checked against the
medication history (met, not met, unknown) in its summary, rationale and `prior_therapy` field;
a first-line approval after progression on a drug of the same class aimed at the same gene (erlotinib
after osimertinib) stays listed, says so and names the drug in `progressed_on`; ranking reads both
fields (see `_prior_therapy`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from integrome.knowledge import KnowledgeBase
from integrome.match._alterations import exon_inferred_from_position, finding_matches, protein_change
from integrome.match._prior_therapy import (
    class_progressions,
    completed_perioperative,
    history_phrase,
    joined,
    planned_toward,
    prior_therapy_check,
    received_drugs,
)
from integrome.match._scope import DiseaseScope, disease_scope, tumor_codes
from integrome.match.tiering import assign_tier, line_rank, tier_rank
from integrome.match.wording import (
    SUMMARY_LIMIT,
    clamp,
    describe_finding,
    finding_place,
    regimen,
    sentence_case,
    unique,
)
from integrome.model import (
    AbsentAlteration,
    Alteration,
    BiomarkerFinding,
    BiomarkerRecord,
    Citation,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    HotspotVariant,
    Insight,
    InsightKind,
    Patient,
    PatientProfile,
    PriorTherapyCheck,
    Severity,
    VariantFinding,
)
from integrome.normalize.diseases import HEME_TISSUES, OncoTree, oncotree
from integrome.normalize.variants import parse_protein_change

__all__ = ["HEREDITARY_CANCER_GENES", "BiomarkerMatch", "match_biomarkers"]

_NCCN_BOPP = Citation(
    source="NCCN",
    id="Genetic/Familial High-Risk Assessment: Breast, Ovarian, Pancreatic, and Prostate (2025)",
)
_NCCN_CEG = Citation(
    source="NCCN",
    id="Genetic/Familial High-Risk Assessment: Colorectal, Endometrial, and Gastric (2024)",
)

HEREDITARY_CANCER_GENES: dict[str, Citation] = {
    **dict.fromkeys(
        (
            "ATM",
            "BARD1",
            "BRCA1",
            "BRCA2",
            "BRIP1",
            "CDH1",
            "CHEK2",
            "PALB2",
            "PTEN",
            "RAD51C",
            "RAD51D",
            "STK11",
            "TP53",
        ),
        _NCCN_BOPP,
    ),
    **dict.fromkeys(("APC", "BMPR1A", "MLH1", "MSH2", "MSH6", "PMS2", "SMAD4"), _NCCN_CEG),
}
"""Cancer-predisposition genes whose germline truncating variants call for genetic counseling and
testing of at-risk relatives for the familial variant, per the NCCN guideline that covers them."""

_ESMO_NTRK = Citation(
    source="ESMO",
    id="ESMO recommendations on the standard methods to detect NTRK fusions in daily practice and "
    "clinical research, 2019 (PMID 31268127)",
    url="https://pubmed.ncbi.nlm.nih.gov/31268127/",
)
_PARTNERLESS_FUSION_GUIDANCE: dict[str, Citation] = dict.fromkeys(("NTRK1", "NTRK2", "NTRK3"), _ESMO_NTRK)
"""Genes whose fusion calls without a named partner need RNA confirmation of an in-frame fusion
before a fusion-directed drug: ESMO recommends RNA-based sequencing to confirm NTRK fusions found by
other methods (Marchiò C et al., Ann Oncol 2019), the same citation as the NTRK testing rule."""

_LOSS_OF_FUNCTION = Alteration(type="loss_of_function")
_UNANNOTATED_SHOWN = 5
_BLOCKING_SHOWN = 2
_PSEUDO_ROOTS = {"SOLID": "any solid tumor", "ANY": "any tumor type"}
_SHORT_NAMES = 2
"""Tumor types named in a summary before 'and N more'."""


@dataclass
class BiomarkerMatch:
    """What biomarker matching adds to an analysis (insight ids are left empty for `rank_insights`)."""

    insights: list[Insight]
    annotated_findings: list[Finding]
    """The profile's findings, variants enriched from KB hotspot keys (annotation='knowledge_base')."""
    warnings: list[str]


@dataclass(frozen=True)
class _Hit:
    """One record matched by some of the patient's findings, graded for the patient's tumor type."""

    record: BiomarkerRecord
    findings: tuple[Finding, ...]
    scope: DiseaseScope
    tier: str
    level: str
    demotions: tuple[tuple[AbsentAlteration, tuple[Finding, ...]], ...] = ()
    """label limits (`when_found: demote`) the patient's findings break: why the tier is not I"""

    @property
    def drugs(self) -> frozenset[str]:
        return frozenset(self.record.drugs)

    @property
    def finding_ids(self) -> frozenset[str]:
        return frozenset(finding.id for finding in self.findings)

    def sort_key(self) -> tuple[int, int, str]:
        """Strongest tier first; within a tier, a record for the patient's tumor type (demoted by a
        label limit) before one for another tumor, so the option explains the limit it breaks."""
        return tier_rank(self.tier), 0 if self.scope.scope == "in" else 1, self.record.id


@dataclass(frozen=True)
class _Context:
    patient: Patient
    codes: list[str]
    tree: OncoTree
    order: dict[str, int]
    """finding id → position in the profile, so merged finding lists keep the input order."""
    aimed: dict[str, frozenset[str]] = field(default_factory=dict)
    """gene → drugs of the knowledge base's sensitivity records for it (what 'aimed at the gene' means
    for line of therapy); filled for the genes of the matched records"""


@dataclass
class _Resolution:
    """Sensitivity versus resistance: which therapies stay, and why the others went."""

    therapies: list[_Hit] = field(default_factory=list)
    blocked: dict[str, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    """resistance record id → therapies it removed"""
    overcome: dict[str, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    """resistance record id → combinations on the same finding that the KB says work despite it"""
    received: list[_Hit] = field(default_factory=list)
    """therapies whose every drug the patient has already received (stopped, not restarted, not a
    completed perioperative course)"""


@dataclass(frozen=True)
class _Withheld:
    """A matched record left out because an alteration its label excludes was found."""

    hit: _Hit
    absent: AbsentAlteration
    blocking: tuple[Finding, ...]


def match_biomarkers(profile: PatientProfile, kb: KnowledgeBase) -> BiomarkerMatch:
    """Therapy, resistance, diagnostic, prognostic and germline insights from the profile's findings."""
    findings, warnings = _annotate(profile.findings, kb)
    tree = oncotree()
    codes, unknown = tumor_codes(profile.patient, tree)
    warnings.extend(
        f"diagnosis OncoTree code {code!r} is not in the packaged OncoTree release; "
        "it was left out of biomarker tiering"
        for code in unknown
    )
    context = _Context(
        patient=profile.patient,
        codes=codes,
        tree=tree,
        order={finding.id: index for index, finding in enumerate(findings)},
    )
    index = _FindingIndex.of(findings)
    hits, withheld = _without_excluded_alterations(_applicable(_hits(index, kb, context)), index)
    for gene in {hit.record.gene for hit in hits if hit.record.gene is not None}:
        context.aimed[gene] = frozenset(
            drug for record in kb.for_gene(gene) if record.direction == "sensitivity" for drug in record.drugs
        )
    if any(hit.scope.scope == "unknown" for hit in hits):
        warnings.append(
            "no diagnosis maps to an OncoTree tumor type: biomarker evidence is graded as for an "
            "unknown tumor type (tier IIC at most)"
        )
    active = _active_drugs(profile.patient)
    resistances = [
        hit
        for hit in hits
        if hit.record.direction == "resistance"
        and (hit.scope.scope in ("in", "unknown") or hit.drugs & active)
    ]
    resolution = _resolve(
        hits,
        [hit for hit in resistances if hit.scope.scope in ("in", "unknown")],
        received_drugs(profile.patient.medications),
    )
    warnings.extend(
        unique([*_withheld_lines(withheld), *_received_lines(resolution.received, profile.patient)])
    )
    diagnostic = [hit for hit in hits if hit.scope.scope == "in" and hit.record.direction == "diagnostic"]
    prognostic = [hit for hit in hits if hit.scope.scope == "in" and hit.record.direction == "prognostic"]
    insights = [
        *_grouped(resolution.therapies, "therapy", context, resolution),
        *_grouped(resistances, "resistance", context, resolution),
        *_grouped(diagnostic, "diagnostic", context, resolution),
        *_grouped(prognostic, "prognostic", context, resolution),
        *_germline(findings),
    ]
    return BiomarkerMatch(insights=insights, annotated_findings=findings, warnings=warnings)


def _applicable(hits: Sequence[_Hit]) -> list[_Hit]:
    """Drop records that exclude this tumor type or cannot apply to it, and the vetoes they imply.

    A record that excludes the tumor type (a tumor-agnostic label's limitation of use: dabrafenib +
    trametinib is not indicated for colorectal cancer) also vetoes the same regimen for the same gene
    from other tumor types' records. Hematologic-only records never reach a solid or unknown tumor.
    """
    vetoed = {(hit.record.gene, hit.drugs) for hit in hits if hit.scope.scope == "excluded"}
    return [
        hit
        for hit in hits
        if hit.scope.scope not in ("excluded", "inapplicable")
        and not (hit.scope.scope == "off" and (hit.record.gene, hit.drugs) in vetoed)
    ]


def _without_excluded_alterations(
    hits: Sequence[_Hit], index: _FindingIndex
) -> tuple[list[_Hit], list[_Withheld]]:
    """Withhold records whose label requires an alteration to be absent that the patient has; demote
    to off-label (tier IIC, or IID for level D) those whose limit says so (`when_found: demote`).

    Findings from every source count, clinical notes included: an ALK fusion stated only in a note
    is reason enough not to present first-line immunotherapy as tier I before it is confirmed.
    """
    kept: list[_Hit] = []
    withheld: list[_Withheld] = []
    for hit in hits:
        found = [
            (absent, blocking)
            for absent in hit.record.requires_absent
            if (blocking := _present(absent, index))
        ]
        withholding = [(absent, blocking) for absent, blocking in found if absent.when_found == "withhold"]
        if withholding:
            withheld.extend(_Withheld(hit, absent, blocking) for absent, blocking in withholding)
        elif found and hit.scope.scope == "in":
            tier, level = assign_tier(hit.record, False)
            kept.append(replace(hit, tier=tier, level=level, demotions=tuple(found)))
        else:
            kept.append(hit)
    return kept, withheld


def _present(absent: AbsentAlteration, index: _FindingIndex) -> tuple[Finding, ...]:
    candidates = [*index.by_gene.get(absent.gene, []), *index.results] if absent.gene else index.results
    return tuple(
        finding for finding in candidates if finding_matches(absent.alteration, absent.gene, finding)
    )


def _resolve(hits: Sequence[_Hit], blocking: Sequence[_Hit], received: frozenset[str]) -> _Resolution:
    """Apply resistance and drug history to the sensitivity hits, then keep off-label therapies only
    as a fallback.

    A regimen whose every drug is in `received` is not a new option: the patient's disease
    progressed on it or it was stopped for another reason the physician knows best. Off-label
    therapies (tier IIC) are listed only for findings that have no remaining tier I therapy in the
    patient's own tumor type, so they never crowd an approved option.
    """
    resolution = _Resolution()
    surviving: list[_Hit] = []
    for hit in hits:
        if hit.record.direction != "sensitivity":
            continue
        blockers = [res for res in blocking if _suppresses(res, hit)]
        for res in blockers:
            resolution.blocked[res.record.id].append(hit)
        if blockers:
            continue
        if hit.drugs <= received:
            resolution.received.append(hit)
        else:
            surviving.append(hit)
    covered = {
        finding_id
        for hit in surviving
        if hit.scope.scope == "in" and hit.tier in ("IA", "IB")
        for finding_id in hit.finding_ids
    }
    for hit in surviving:
        if hit.scope.scope == "off" and hit.finding_ids <= covered:
            continue
        resolution.therapies.append(hit)
        for res in blocking:
            if res.drugs < hit.drugs:
                resolution.overcome[res.record.id].append(hit)
    return resolution


def _suppresses(resistance: _Hit, therapy: _Hit) -> bool:
    """A resistance record removes a therapy whose regimen contains the failing regimen.

    When both rest on the same finding and the therapy adds drugs, the KB says the combination
    overcomes the resistance (BRAF V600E: cetuximab alone fails, encorafenib + cetuximab works), so
    the therapy stays. With the same regimen, or a regimen supported by another finding, safety wins.
    """
    if not resistance.drugs <= therapy.drugs:
        return False
    if resistance.drugs == therapy.drugs:
        return True
    return not resistance.finding_ids & therapy.finding_ids


# --- annotation from knowledge-base hotspot keys -------------------------------------------------


def _annotate(findings: Sequence[Finding], kb: KnowledgeBase) -> tuple[list[Finding], list[str]]:
    annotated: list[Finding] = []
    unannotated: dict[str, list[str]] = defaultdict(list)
    for finding in findings:
        if isinstance(finding, VariantFinding):
            finding = _annotate_variant(finding, kb)
            if finding.annotation == "none":
                unannotated[_input_name(finding)].append(_locus(finding))
        annotated.append(finding)
    warnings = []
    for name, loci in unannotated.items():
        shown = ", ".join(loci[:_UNANNOTATED_SHOWN])
        if len(loci) > _UNANNOTATED_SHOWN:
            shown += f", … and {len(loci) - _UNANNOTATED_SHOWN} more"
        noun = "variant" if len(loci) == 1 else "variants"
        warnings.append(
            f"{len(loci)} {noun} stayed unannotated (no gene/protein annotation in {name} "
            f"and no knowledge-base match): {shown}"
        )
    return annotated, warnings


def _annotate_variant(finding: VariantFinding, kb: KnowledgeBase) -> VariantFinding:
    """Fill gene and protein change from a KB genomic key when the input carried none."""
    if finding.gene is not None and finding.hgvs_p is not None:
        return finding
    hotspot = None
    if (
        finding.build is not None
        and finding.chrom is not None
        and finding.pos is not None
        and finding.ref is not None
        and finding.alt is not None
    ):
        hotspot = kb.hotspot(finding.build, finding.chrom, finding.pos, finding.ref, finding.alt)
    if hotspot is not None and finding.gene in (None, hotspot.gene):
        change = parse_protein_change(hotspot.hgvs_p)
        hgvs_c = finding.hgvs_c if finding.hgvs_c is not None else _hotspot_hgvs_c(hotspot)
        return finding.model_copy(
            update={
                "gene": hotspot.gene,
                "hgvs_p": change.three_letter if change is not None else f"p.{hotspot.hgvs_p}",
                "hgvs_c": hgvs_c,
                "annotation": "knowledge_base",
            }
        )
    if finding.gene is None and finding.hgvs_p is None:
        return finding.model_copy(update={"annotation": "none"})
    return finding


def _hotspot_hgvs_c(hotspot: HotspotVariant) -> str | None:
    """'NM_006206.4:c.2525A>T': the transcript is prefixed unless the KB's hgvs_c already names it."""
    if hotspot.hgvs_c is None or hotspot.transcript is None or ":" in hotspot.hgvs_c:
        return hotspot.hgvs_c
    return f"{hotspot.transcript}:{hotspot.hgvs_c}"


def _input_name(finding: Finding) -> str:
    if finding.provenance:
        # 'tumor.vcf:line 12' and 'bundle.json#/entry/3/resource' both name the file first.
        return finding.provenance.split(":", 1)[0].split("#", 1)[0]
    return f"the {finding.source} input"


def _locus(finding: VariantFinding) -> str:
    if finding.chrom is None:
        return finding.hgvs_c or finding.id
    return f"{finding.chrom}:{finding.pos} {finding.ref}>{finding.alt}"


# --- record hits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FindingIndex:
    """Findings by the gene they concern, so each record is tested against its own gene only.

    Biomarker results (IHC, MSI, TMB) are tested against every record: their names map to genes
    through aliases (HER2 is ERBB2) rather than a gene field. Negative findings never match.
    """

    by_gene: dict[str, list[Finding]]
    results: list[BiomarkerFinding]

    @classmethod
    def of(cls, findings: Sequence[Finding]) -> _FindingIndex:
        by_gene: dict[str, list[Finding]] = defaultdict(list)
        results: list[BiomarkerFinding] = []
        for finding in findings:
            if isinstance(finding, BiomarkerFinding):
                results.append(finding)
            elif isinstance(finding, VariantFinding | CopyNumberFinding) and finding.gene is not None:
                by_gene[finding.gene].append(finding)
            elif isinstance(finding, FusionFinding):
                parts = (finding.gene, finding.partner, finding.five_prime, finding.three_prime)
                for gene in sorted({part for part in parts if part is not None}):
                    by_gene[gene].append(finding)
        return cls(dict(by_gene), results)

    def records(self, kb: KnowledgeBase) -> list[BiomarkerRecord]:
        """Records worth testing, sorted by id: every record when a biomarker result is present,
        else those of the findings' genes plus the gene-less ones."""
        if self.results:
            records: Iterable[BiomarkerRecord] = kb.biomarkers
        else:
            records = [
                *(record for gene in sorted(self.by_gene) for record in kb.for_gene(gene)),
                *kb.gene_less(),
            ]
        by_id = {record.id: record for record in records}
        return [by_id[key] for key in sorted(by_id)]

    def candidates(self, record: BiomarkerRecord) -> list[Finding]:
        gene_findings = self.by_gene.get(record.gene, []) if record.gene is not None else []
        return [*gene_findings, *self.results]


def _hits(index: _FindingIndex, kb: KnowledgeBase, context: _Context) -> list[_Hit]:
    hits = []
    for record in index.records(kb):
        matched = sorted(
            (f for f in index.candidates(record) if finding_matches(record.alteration, record.gene, f)),
            key=lambda finding: context.order[finding.id],
        )
        if not matched:
            continue
        scope = disease_scope(record, context.codes, context.tree)
        tier, level = assign_tier(record, scope.scope == "in")
        hits.append(_Hit(record, tuple(matched), scope, tier, level))
    return hits


def _active_drugs(patient: Patient) -> frozenset[str]:
    return frozenset(m.name for m in patient.medications if m.status in ("active", "planned"))


# --- warning lines for therapies left out -----------------------------------------------------------


def _withheld_lines(withheld: Sequence[_Withheld]) -> list[str]:
    """One line per withheld record that would otherwise apply to this tumor type."""
    lines = []
    for item in withheld:
        if item.hit.scope.scope not in ("in", "unknown"):
            continue
        record = item.hit.record
        shown = [_blocking_text(finding) for finding in item.blocking[:_BLOCKING_SHOWN]]
        if len(item.blocking) > _BLOCKING_SHOWN:
            shown.append(f"… and {len(item.blocking) - _BLOCKING_SHOWN} more")
        lines.append(
            f"{regimen(record.drugs)} for {record.label} not listed: its indication excludes tumors "
            f"with {item.absent.label} ({record.citations[0].id}); found {'; '.join(shown)}"
        )
    return lines


def _blocking_text(finding: Finding) -> str:
    return f"{describe_finding(finding)} ({finding_place(finding)})"


def _received_lines(received: Sequence[_Hit], patient: Patient) -> list[str]:
    return [
        f"{regimen(hit.record.drugs)} not listed: {history_phrase(hit.drugs, patient.medications)}"
        for hit in received
    ]


# --- insight building ------------------------------------------------------------------------------


def _grouped(
    hits: Sequence[_Hit], kind: InsightKind, context: _Context, resolution: _Resolution
) -> list[Insight]:
    """One insight per (kind, regimen, gene): the best-tier record leads, the others add support."""
    groups: dict[tuple[tuple[str, ...], str], list[_Hit]] = defaultdict(list)
    for hit in hits:
        groups[(tuple(sorted(hit.drugs)), hit.record.gene or "")].append(hit)
    return [
        _insight(kind, sorted(group, key=_Hit.sort_key), context, resolution)
        for _, group in sorted(groups.items())
    ]


def _insight(kind: InsightKind, group: list[_Hit], context: _Context, resolution: _Resolution) -> Insight:
    """A card that says each thing once: the title names regimen and biomarker, the tier and evidence
    level travel as fields (badges), the summary adds the approved setting, and the rationale holds
    the patient-specific reasons (finding and where it was read, tumor-type match, label limits,
    drug history) followed by the knowledge base's own statement."""
    best = group[0]
    record = best.record
    findings = sorted(
        {finding.id: finding for hit in group for finding in hit.findings}.values(),
        key=lambda finding: context.order[finding.id],
    )
    line, line_hit = _line_check(group, context) if kind == "therapy" else (None, best)
    progressions = _progressions(group, context) if kind == "therapy" else []
    summary = _summary(kind, best, context, line)
    if progressions:
        summary = (
            f"First-line approval in {_covering_name(best, context)}; {_progression_phrase(progressions)}."
        )
    rationale = [_finding_line(finding, best) for finding in findings]
    rationale.append(_scope_line(best, context))
    rationale.extend(_demotion_lines(best))
    if line is not None:
        rationale.append(_line_line(line, line_hit, context))
    if progressions:
        rationale.append(
            f"Line of therapy: first-line approval; {_progression_phrase(progressions)}, so it is listed "
            "after the options of its tier that fit a later line"
        )
    if clamp(summary) != summary:
        rationale.append(summary)
    rationale.extend(_lead_evidence(kind, best))
    for index, hit in enumerate(group[1:], start=1):
        rationale.extend(_supporting_evidence(kind, hit, group[:index], context))
    rationale.extend(_caution_lines(findings, group, context))
    partnerless = _partnerless_fusion(kind, record, findings)
    if partnerless is not None:
        rationale.append(
            f"{record.gene} fusion: partner not identified; confirm an in-frame fusion by RNA "
            "(ESMO recommendations on NTRK fusion testing, 2019)"
        )
    severity: Severity = "info"
    if kind == "resistance":
        rationale.extend(_resistance_lines(group, resolution))
        severity = "critical" if _endangered(group, context, resolution) else "warning"
    return Insight(
        id="",
        kind=kind,
        title=_title(kind, record),
        summary=clamp(summary),
        severity=severity,
        genes=[record.gene] if record.gene else [],
        drugs=list(record.drugs),
        tier=best.tier,
        evidence_level=best.level,
        rationale=unique(rationale),
        finding_ids=[finding.id for finding in findings],
        citations=_citations(
            [*(hit.record.citations for hit in group), [partnerless] if partnerless else []]
        ),
        prior_therapy=line,
        progressed_on=[drug for drug, _ in progressions],
    )


def _partnerless_fusion(
    kind: InsightKind, record: BiomarkerRecord, findings: Sequence[Finding]
) -> Citation | None:
    """The guidance to cite when a fusion therapy rests only on fusion calls that name no partner
    (a '--NTRK3' table row): without the partner, an in-frame, kinase-retaining product is unproven."""
    guidance = _PARTNERLESS_FUSION_GUIDANCE.get(record.gene or "")
    fusions = [finding for finding in findings if isinstance(finding, FusionFinding)]
    if kind != "therapy" or record.alteration.type != "fusion" or guidance is None or not fusions:
        return None
    if any(finding.partner or (finding.five_prime and finding.three_prime) for finding in fusions):
        return None
    return guidance


def _progressions(group: Sequence[_Hit], context: _Context) -> list[tuple[str, str]]:
    """Drugs (with their shared class) the disease progressed on that supersede every first-line
    approval of the leading tier; empty when one approval of that tier is not superseded."""
    found: list[tuple[str, str]] = []
    for hit in group:
        if hit.tier != group[0].tier:
            continue
        pairs = class_progressions(
            hit.record.drugs,
            hit.record.setting,
            context.patient.medications,
            context.aimed.get(hit.record.gene or "", frozenset()),
        )
        if not pairs:
            return []
        found.extend(pair for pair in pairs if pair not in found)
    return found


def _progression_phrase(pairs: Sequence[tuple[str, str]]) -> str:
    """'the patient progressed on osimertinib, an EGFR TKI'."""
    named = [f"{drug}, {'an' if cls[:1].lower() in 'aeio' else 'a'} {cls}" for drug, cls in pairs]
    return f"the patient progressed on {joined(named)}"


def _demotion_lines(hit: _Hit) -> list[str]:
    """Why a label-limited option is not tier I: the requirement and the finding that breaks it."""
    lines = []
    for requirement in unique(absent.requirement or absent.label for absent, _ in hit.demotions):
        pairs = [(a, b) for a, b in hit.demotions if (a.requirement or a.label) == requirement]
        labels = _either(unique(absent.label for absent, _ in pairs))
        findings = unique(_blocking_text(finding) for _, blocking in pairs for finding in blocking)
        lines.append(
            f"Tier {hit.tier}, not tier I: the label requires {requirement} and {labels} is on record "
            f"({'; '.join(findings)})"
        )
    return lines


def _line_check(group: Sequence[_Hit], context: _Context) -> tuple[PriorTherapyCheck | None, _Hit]:
    """The line-of-therapy status of the approval the insight stands on, with its record: among the
    records of the leading tier, the one that fits the patient's treatment history best; a None
    status when one of them requires no prior therapy (a first-line approval covers the patient)."""
    checks = [
        (prior_therapy_check(hit.record.prior_therapy, context.patient.medications), hit)
        for hit in group
        if hit.tier == group[0].tier
    ]
    return min(checks, key=lambda pair: line_rank(pair[0]))


def _line_line(line: PriorTherapyCheck, hit: _Hit, context: _Context) -> str:
    """The rationale line: the label's requirement and what the medication history says about it."""
    lead = f"Line of therapy: approved after {line.requirement}"
    if line.status == "met":
        return f"{lead}; the patient received {', '.join(line.received)}"
    if line.status == "unknown":
        return f"{lead}; the inputs hold no medication history: confirm prior treatment"
    planned = planned_toward(hit.record.prior_therapy, context.patient.medications)
    later = f" ({', '.join(planned)} planned, not yet given)" if planned else ""
    return (
        f"{lead}; no record of {joined(line.missing)} received{later}, so it is listed after options "
        "without this requirement"
    )


def _line_state(line: PriorTherapyCheck) -> str:
    if line.status == "met":
        return f"received {', '.join(line.received)}"
    if line.status == "not_met":
        return f"no record of {joined(line.missing)} received"
    return "no medication history to confirm it"


def _resistance_lines(group: Sequence[_Hit], resolution: _Resolution) -> list[str]:
    lines: list[str] = []
    for hit in group:
        lines.extend(
            f"Not offered as therapy because of this resistance: {regimen(other.record.drugs)} "
            f"for {other.record.label}"
            for other in resolution.blocked.get(hit.record.id, [])
        )
        lines.extend(
            f"Still an option in combination: {regimen(other.record.drugs)} ({other.record.label})"
            for other in resolution.overcome.get(hit.record.id, [])
        )
    return lines


def _endangered(group: Sequence[_Hit], context: _Context, resolution: _Resolution) -> bool:
    """Critical when the patient takes or is about to take the failing drug, unless what they take is
    a whole combination the knowledge base says overcomes the resistance."""
    active = _active_drugs(context.patient)
    if not active & group[0].drugs:
        return False
    combinations = [other for hit in group for other in resolution.overcome.get(hit.record.id, [])]
    return not any(other.drugs <= active for other in combinations)


def _title(kind: InsightKind, record: BiomarkerRecord) -> str:
    if kind == "therapy":
        return f"{sentence_case(regimen(record.drugs))} for {record.label}"
    if kind == "resistance":
        return f"{record.label}: resistance to {regimen(record.drugs)}"
    return f"{record.label}: {kind} marker"


def _summary(kind: InsightKind, hit: _Hit, context: _Context, line: PriorTherapyCheck | None) -> str:
    """What the title does not say, unclamped: the approved setting (or the line of therapy it
    requires and whether the patient had it) and tumor type for a therapy, the tumor and the
    patient's use of the drug for a resistance, the statement's lead otherwise."""
    record = hit.record
    if kind == "therapy":
        return _therapy_summary(hit, context, line)
    if kind == "resistance":
        if hit.scope.scope == "off":
            text = (
                f"Resistance shown in {_short_names(record.diseases, context.tree)}, not in "
                f"{_patient_disease(hit.scope, context)}"
            )
        else:
            text = f"Not expected to work in {_patient_disease(hit.scope, context)}"
        statuses = {m.status for m in context.patient.medications if m.name in hit.drugs}
        status = ""
        if "active" in statuses:
            status = "; the patient is currently taking it"
        elif "planned" in statuses:
            status = "; it is planned for this patient"
        elif "stopped" in statuses:
            status = "; the patient received it before"
        setting = f" ({record.setting})" if record.setting else ""
        if len(text + setting + status) >= SUMMARY_LIMIT:
            setting = ""
        return f"{text}{setting}{status}."
    return _lead(record.statement)[0]


def _therapy_summary(hit: _Hit, context: _Context, line: PriorTherapyCheck | None) -> str:
    record = hit.record
    setting = f": {record.setting}" if record.setting else ""
    basis = "FDA-approved" if record.fda_approved else "evidence"
    if hit.demotions:
        absent = hit.demotions[0][0]
        basis = "FDA-approved" if record.fda_approved else "Evidence"
        return f"Off-label here: {basis} for {absent.requirement} only; {absent.label} is on record."
    if hit.scope.scope == "in" and line is not None:
        lead = "FDA-approved after" if record.fda_approved else "Evidence after"
        state = _line_state(line)
        text = f"{lead} {line.requirement} in {_covering_name(hit, context)}; {state}."
        return text if len(text) <= SUMMARY_LIMIT else f"{lead} {line.requirement}; {state}."
    if hit.scope.scope == "in":
        lead = "FDA-approved" if record.fda_approved else "Not FDA-approved for this use; evidence"
        text = f"{lead} in {_covering_name(hit, context)}{setting}."
        # The tumor-type line names the approved disease too; a long setting matters more here.
        return text if len(text) <= SUMMARY_LIMIT else f"{lead}{setting}."
    names = _short_names(record.diseases, context.tree)
    if hit.scope.scope == "off":
        return f"Off-label: {basis} in {names}, not in {_patient_disease(hit.scope, context)}."
    return f"Tumor type not coded; {basis} in {names}{setting}."


def _lead(statement: str) -> tuple[str, str | None]:
    """(first sentence, the rest) of a statement, so a summary can quote one and the rationale the
    other; a statement that fits the summary limit stays whole."""
    if len(statement) <= SUMMARY_LIMIT:
        return statement, None
    for separator in (". ", "; "):
        first, sep, rest = statement.partition(separator)
        if sep and len(first) < SUMMARY_LIMIT:
            return first + ".", sentence_case(rest)
    return statement, None


def _either(items: Sequence[str]) -> str:
    """'a, b or c'."""
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else items[0]


def _patient_disease(scope: DiseaseScope, context: _Context) -> str:
    if scope.code is None:
        return "a tumor of unknown type"
    return context.tree.name(scope.code)


def _disease_names(codes: Iterable[str], tree: OncoTree) -> str:
    return ", ".join(_PSEUDO_ROOTS.get(code) or f"{_tumor_name(code, tree)} ({code})" for code in codes)


def _tumor_name(code: str, tree: OncoTree) -> str:
    """An OncoTree node as prose names a tumor type: tissue-level nodes ('Breast', 'Myeloid') read
    'Breast cancer', 'Myeloid neoplasms'; pseudo-roots read 'any solid tumor'."""
    if code in _PSEUDO_ROOTS:
        return _PSEUDO_ROOTS[code]
    name = tree.name(code)
    if tree.level(code) != 1:
        return name
    return f"{name} neoplasms" if tree.tissue(code) in HEME_TISSUES else f"{name} cancer"


def _short_names(codes: Sequence[str], tree: OncoTree) -> str:
    """The first two of a record's tumor types by name, for a summary line ('Melanoma, Head and Neck
    Mucosal Melanoma and 4 more')."""
    names = [_tumor_name(code, tree) for code in codes]
    if len(names) <= _SHORT_NAMES:
        return " and ".join(names)
    return f"{', '.join(names[:_SHORT_NAMES])} and {len(names) - _SHORT_NAMES} more"


def _covering(hit: _Hit, context: _Context) -> str | None:
    """The record's tumor type that covers the patient's (NSCLC for LUAD), if one does."""
    code = hit.scope.code
    if code is None:
        return next((d for d in hit.record.diseases if d in _PSEUDO_ROOTS), None)
    return next((d for d in hit.record.diseases if context.tree.is_a(code, d)), None)


def _covering_name(hit: _Hit, context: _Context) -> str:
    covering = _covering(hit, context)
    if covering is None:
        return _short_names(hit.record.diseases, context.tree)
    return _tumor_name(covering, context.tree)


def _finding_line(finding: Finding, hit: _Hit) -> str:
    """The finding and where it was read; origin when germline; an exon the record needs but the
    input did not state, inferred from the protein position."""
    text = describe_finding(finding)
    if finding.origin == "germline":
        text += ", germline"
    text += f" ({finding_place(finding)})"
    if isinstance(finding, VariantFinding) and finding.exon is None and hit.record.gene is not None:
        exon = exon_inferred_from_position(
            hit.record.gene, hit.record.alteration.exons, protein_change(finding)
        )
        if exon is not None:
            text += f"; exon {exon} inferred from the protein position"
    return text


def _scope_line(hit: _Hit, context: _Context) -> str:
    """Why the evidence applies to this patient's tumor type, or how far it does (AMP/ASCO/CAP 2017
    grades by tumor type: the tier badge follows from this line)."""
    record = hit.record
    what = "approval" if record.fda_approved and record.direction == "sensitivity" else "evidence"
    code = hit.scope.code
    patient = f"{context.tree.name(code)} ({code})" if code is not None else None
    if hit.scope.scope == "in":
        covering = _covering(hit, context)
        if patient is None:
            return f"Tumor type not coded; the {what} covers {_covering_name(hit, context)}"
        if covering == code:
            return f"Tumor type: {patient}, as in the {what}"
        return f"Tumor type: {patient}, covered by the {what} for {_covering_name(hit, context)}"
    if hit.scope.scope == "off":
        return (
            f"Tier {hit.tier}, off-label: the {what} is for "
            f"{_disease_names(record.diseases, context.tree)}, not {patient}"
        )
    return (
        f"Tumor type not coded (no diagnosis maps to OncoTree): tier at most IIC; it would be tier "
        f"{assign_tier(record, True)[0]} if the tumor is {_disease_names(record.diseases, context.tree)}"
    )


def _lead_evidence(kind: InsightKind, hit: _Hit) -> list[str]:
    """The leading record's statement (its first sentence when that is the summary) and the label
    limits the patient meets (what would change the recommendation if found later)."""
    record = hit.record
    lines = []
    if kind in ("therapy", "resistance"):
        lines.append(record.statement)
    else:
        rest = _lead(record.statement)[1]
        if rest:
            lines.append(rest)
    withholding = [absent for absent in record.requires_absent if absent.when_found == "withhold"]
    if withholding:
        labels = _either(unique(absent.label for absent in withholding))
        lines.append(
            f"Label limited to tumors without {labels}: none is reported in the inputs; finding one "
            "would withdraw this option"
        )
    if not hit.demotions:
        for absent in record.requires_absent:
            if absent.when_found == "demote":
                lines.append(
                    f"Label requires {absent.requirement}: no {absent.label} is reported in the inputs; "
                    f"confirm {absent.requirement} before use"
                )
    return unique(lines)


def _supporting_evidence(kind: InsightKind, hit: _Hit, shown: Sequence[_Hit], context: _Context) -> list[str]:
    """Another record for the same regimen and gene: what it adds (another label, tumor type or
    setting) and its statement; a record that only names the biomarker differently (MSI-high and
    dMMR) for a tumor type and setting already shown gets one line."""
    record = hit.record
    if kind not in ("therapy", "resistance"):
        return [record.statement]
    basis = "FDA-approved" if record.fda_approved else f"level {record.evidence_level} evidence"
    if kind == "resistance":
        basis = f"level {record.evidence_level} evidence of resistance"
    label = f" for {record.label}" if record.label != shown[0].record.label else ""
    names = _disease_names(record.diseases, context.tree)
    if any((record.diseases, record.setting) == (s.record.diseases, s.record.setting) for s in shown):
        return [f"Also {basis}{label} in {names}, in the same setting"]
    setting = f": {record.setting}" if record.setting else ""
    return [f"Also {basis}{label} in {names}{setting}", record.statement]


def _caution_lines(findings: Sequence[Finding], group: Sequence[_Hit], context: _Context) -> list[str]:
    """What would change the recommendation: unconfirmed sources, origin, drug history."""
    lines = []
    if all(finding.source == "notes" for finding in findings):
        lines.append("Reported only in clinical notes: confirm on the tissue/laboratory report before acting")
    if any(hit.record.alteration.origin == "germline" for hit in group) and any(
        finding.origin == "unknown" for finding in findings
    ):
        lines.append(
            "The evidence concerns germline variants; confirm the variant's origin with germline testing"
        )
    drugs = set(group[0].record.drugs)
    medications = context.patient.medications
    for status, when in (
        ("active", "currently taking"),
        ("planned", "planned"),
        ("stopped", "previously received"),
    ):
        names = [
            m.name
            for m in medications
            if m.status == status and m.name in drugs and not completed_perioperative(m)
        ]
        if names:
            lines.append(f"Medication history: {when} {', '.join(unique(names))}")
    lines.extend(
        f"Medication history: completed {m.setting} {m.name}{f' (ended {m.ended})' if m.ended else ''}; "
        f"recurrence after a completed {m.setting} course is not progression on it"
        for m in medications
        if m.name in drugs and completed_perioperative(m)
    )
    return lines


def _citations(lists: Iterable[Sequence[Citation]]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for citations in lists:
        for citation in citations:
            seen.setdefault((citation.source, citation.id), citation)
    return list(seen.values())


def _germline(findings: Sequence[Finding]) -> list[Insight]:
    """Germline truncating variants in cancer-predisposition genes → counseling and cascade testing."""
    by_gene: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if (
            isinstance(finding, VariantFinding | CopyNumberFinding)
            and finding.origin == "germline"
            and finding.gene in HEREDITARY_CANCER_GENES
            and finding_matches(_LOSS_OF_FUNCTION, finding.gene, finding)
        ):
            by_gene[finding.gene].append(finding)
    insights = []
    for gene, gene_findings in sorted(by_gene.items()):
        described = "; ".join(
            f"{describe_finding(finding)}, germline ({finding_place(finding)})" for finding in gene_findings
        )
        insights.append(
            Insight(
                id="",
                kind="germline",
                title=f"Germline {gene} loss-of-function variant: hereditary cancer risk",
                summary=clamp(
                    f"Germline {gene} truncating variant: refer for genetic counseling and offer "
                    "cascade testing to at-risk relatives."
                ),
                severity="warning",
                genes=[gene],
                tests=[f"{gene} familial variant testing of at-risk relatives"],
                rationale=[
                    described,
                    "Truncating variants in this gene are usually pathogenic; confirm the ACMG/AMP "
                    "classification with the reporting laboratory",
                    "NCCN recommends genetic counseling and testing of at-risk relatives for a "
                    "familial pathogenic variant (cascade testing)",
                ],
                finding_ids=[finding.id for finding in gene_findings],
                citations=[HEREDITARY_CANCER_GENES[gene]],
            )
        )
    return insights
