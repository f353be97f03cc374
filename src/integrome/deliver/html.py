"""The one-page physician report (HTML), rendered only from an `Analysis`.

Every value comes from patient inputs or the knowledge base, so the Jinja environment escapes
all of them (autoescape on, no `|safe` anywhere) and links are emitted only for http(s) URLs:
a crafted VCF INFO field or citation URL must show up as text, never run in a browser or PDF.
The view built here is plain data so that the template stays free of logic.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from integrome.deliver.omics import OmicsView, build_omics_view
from integrome.match.wording import BEST_OPTION
from integrome.model import (
    Analysis,
    BiomarkerFinding,
    Citation,
    CopyNumberFinding,
    Diagnosis,
    Finding,
    FusionFinding,
    Insight,
    InsightKind,
    Medication,
    NegativeFinding,
    PgxResult,
    TestOption,
    VariantFinding,
)

__all__ = ["GlanceRow", "ReportView", "age_in_years", "build_view", "render_html"]

DISCLAIMER = (
    "Clinical decision support, not a diagnosis. integrome matches the data it was given against a "
    "curated, cited knowledge base; findings must be confirmed and interpreted by the treating "
    "physician in the full clinical context. Absence of an insight does not mean absence of a finding: "
    "check what was not assessed below."
)

_TIER_LEGEND = (
    "Tier and evidence",
    "AMP/ASCO/CAP 2017 (Li MM et al., J Mol Diagn 2017; PMID 27993330). Tier I, strong clinical "
    "significance in this tumor type: evidence A (FDA-approved therapy or professional guideline) or B "
    "(well-powered studies with expert consensus). Tier II, potential significance: evidence C (approved "
    "or guideline in another tumor type, multiple small studies, or a tumor type not coded in the "
    "inputs) or D (preclinical data, case reports).",
)
_CPIC_LEGEND = (
    "CPIC A, B",
    "Level of the gene–drug pair at the Clinical Pharmacogenetics Implementation Consortium "
    "(cpicpgx.org): A, the genotype should be used to change prescribing; B, it could be used. Strong, "
    "moderate and optional give the strength of the CPIC recommendation; DPWG marks a Dutch "
    "Pharmacogenetics Working Group guideline.",
)
"""What the badges mean, listed under Methods when the report shows such badges."""

_SEVERITY_LABEL = {"critical": "Critical", "warning": "Warning", "info": "Info"}
_SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}

_SECTIONS: tuple[tuple[str, str, tuple[InsightKind, ...]], ...] = (
    ("actionable", "Actionable findings", ("therapy",)),
    ("safety", "Resistance and safety", ("resistance", "contraindication")),
    ("pgx", "Pharmacogenomics", ("pgx",)),
    ("tests", "Tests to consider", ("test_recommendation",)),
    ("trials", "Clinical trials", ("trial",)),
    ("other", "Germline, diagnostic and prognostic findings", ("germline", "diagnostic", "prognostic")),
)
"""Report sections in reading order: what to do, what to avoid, then what else to order or know."""

_KIND_LABEL: dict[InsightKind, tuple[str, str]] = {
    "therapy": ("therapy option", "therapy options"),
    "resistance": ("resistance finding", "resistance findings"),
    "contraindication": ("contraindication", "contraindications"),
    "pgx": ("pharmacogenomic finding", "pharmacogenomic findings"),
    "test_recommendation": ("test to consider", "tests to consider"),
    "trial": ("clinical trial", "clinical trials"),
    "germline": ("germline finding", "germline findings"),
    "diagnostic": ("diagnostic finding", "diagnostic findings"),
    "prognostic": ("prognostic finding", "prognostic findings"),
}
"""(singular, plural) of each insight kind, in the report's section order, for the overview line."""

_CODE_SYSTEMS = {
    "http://snomed.info/sct": "SNOMED CT",
    "snomedct": "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
    "icd-10-cm": "ICD-10-CM",
    "icd10cm": "ICD-10-CM",
    "doid": "DOID",
    "oncotree": "OncoTree",
    "hpo": "HPO",
}

_MEDICATION_STATE = {"active": "current", "planned": "planned"}
"""How the therapy overview marks a regimen the patient already takes or will start."""

_LISTED_WARNINGS = 50
"""Warnings shown in the report; the JSON keeps all of them."""
_LISTED_POSITIONS = 4
"""Missing positions named per gene before '+N more' (PharmCAT definitions can list dozens)."""
_LEAD_LIMIT = 60
"""Longest text before ': ' that groups rationale lines under one lead."""


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None


@dataclass(frozen=True)
class ReasonView:
    """One rationale bullet; consecutive lines sharing a lead ('Not on record: …') become the lead
    with their rest as a sub-list, so a card reads 'Not on record' once, not once per biomarker."""

    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class InsightView:
    anchor: str
    insight: Insight
    severity_label: str
    tier_label: str | None
    tier_class: str | None
    evidence_label: str | None
    findings: list[str]
    citations: list[Link]
    options: list[OptionView]
    regimen: str = ""
    """The drugs as one regimen, marked when the patient already takes or is planned to start them."""
    reasons: list[ReasonView] = field(default_factory=list)
    """The rationale as shown: grouped by shared lead, without the line the options table restates."""
    facts: list[tuple[str, str]] = field(default_factory=list)
    """(label, value) lines under the summary that the title does not already say."""

    @property
    def evidence_count(self) -> str:
        """What a folded evidence block holds ('5 reasons · 3 tests · 2 sources'), for the web page."""
        count = sum(len(reason.items) or 1 for reason in self.reasons)
        parts = [(count, "reason"), (len(self.options), "test")]
        parts.append((len(self.citations), "source"))
        return " · ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in parts if n)


@dataclass(frozen=True)
class OptionView:
    """A catalog test, with the numbers a physician compares first: gaps closed and turnaround."""

    name: str
    provider: str
    companion: str | None
    example: bool
    closes: str
    covers: str
    turnaround: str


@dataclass(frozen=True)
class GlanceRow:
    """One line of the therapy overview: what a group of options rests on, its tier, the options."""

    basis: str
    tier_label: str | None
    tier_class: str | None
    options: list[Link]


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    cards: list[InsightView]

    @property
    def glance(self) -> list[GlanceRow]:
        """Therapy options grouped by finding and tier, in ranked order, each linking to its card.

        Several regimens often rest on one driver (seven EGFR TKIs for L858R); the overview lets the
        first page show all of them in a few lines. Derived from `cards`, so a filtered view
        (the web page) stays consistent.
        """
        if self.key != "actionable" or len(self.cards) < 2:
            return []
        groups: dict[tuple[str, str | None], list[InsightView]] = {}
        for view in self.cards:
            basis = "; ".join(view.findings) or ", ".join(view.insight.genes)
            groups.setdefault((basis, view.insight.tier), []).append(view)
        return [
            GlanceRow(
                basis=basis,
                tier_label=views[0].tier_label,
                tier_class=views[0].tier_class,
                options=[Link(text=v.regimen or v.insight.title, url=f"#{v.anchor}") for v in views],
            )
            for (basis, _), views in groups.items()
        ]


@dataclass(frozen=True)
class PgxRow:
    gene: str
    diplotype: str
    phenotype: str
    functional_phenotype: str | None
    activity_score: str
    assessed: bool
    coverage: str
    drugs: list[str]
    note: str | None


@dataclass(frozen=True)
class FindingRow:
    anchor: str
    gene: str
    change: str
    detail: str | None
    kind: str
    vaf: str
    origin: str
    source: str


@dataclass(frozen=True)
class DiagnosisView:
    display: str
    codes: str
    oncotree: str | None


@dataclass(frozen=True)
class MedicationView:
    name: str
    text: str | None


@dataclass(frozen=True)
class InputView:
    name: str
    format: str
    role: str
    sha256: str
    size: str


@dataclass(frozen=True)
class ReportView:
    patient_id: str
    sex: str
    age: str | None
    birth_date: str | None
    generated_at: str
    generated_short: str
    kb_version: str
    summary: str
    diagnoses: list[DiagnosisView]
    current_medications: list[MedicationView]
    planned_medications: list[MedicationView]
    previous_medications: list[MedicationView]
    alerts: list[InsightView]
    sections: list[SectionView]
    pgx_rows: list[PgxRow]
    findings: list[FindingRow]
    inputs: list[InputView]
    warnings: list[str]
    hidden_warnings: int
    not_assessed: list[str]
    unannotated: list[str]
    disclaimer: str = DISCLAIMER
    legend: list[tuple[str, str]] = field(default_factory=list)
    """(badge, meaning) for the kinds of badges this report shows."""
    omics: OmicsView | None = None
    """Multi-omics section (copy-number plot, RNA/protein levels, concordance), when there is data."""


def render_html(analysis: Analysis) -> str:
    """The physician report as one self-contained HTML document (inline CSS, no scripts)."""
    return _environment().get_template("report.html.j2").render(report=build_view(analysis))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("integrome.deliver", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build_view(analysis: Analysis) -> ReportView:
    """Arrange an analysis into report sections (pure; the template only lays it out)."""
    patient = analysis.patient
    finding_labels = {f.id: _finding_label(f) for f in analysis.findings}
    taking = {
        m.name: _MEDICATION_STATE[m.status] for m in patient.medications if m.status in _MEDICATION_STATE
    }
    views = [_insight_view(i, finding_labels, taking) for i in analysis.insights]
    alerts = sorted(
        (v for v in views if v.insight.severity != "info"),
        key=lambda v: _SEVERITY_RANK[v.insight.severity],
    )
    sections = []
    for key, title, kinds in _SECTIONS:
        cards = [v for v in views if v.insight.kind in kinds]
        if cards or (key == "pgx" and analysis.pgx):
            sections.append(SectionView(key=key, title=title, cards=cards))
    shown_warnings = analysis.warnings[:_LISTED_WARNINGS]
    return ReportView(
        patient_id=patient.id,
        sex=patient.sex,
        age=age_in_years(patient.birth_date, analysis.generated_at),
        birth_date=patient.birth_date,
        generated_at=analysis.generated_at,
        generated_short=analysis.generated_at[:16].replace("T", " ") + " UTC",
        kb_version=analysis.kb_version,
        summary=_summary(analysis.insights),
        diagnoses=[_diagnosis_view(d) for d in patient.diagnoses],
        current_medications=_medications(patient.medications, "active"),
        planned_medications=_medications(patient.medications, "planned"),
        previous_medications=_medications(patient.medications, "stopped"),
        alerts=alerts,
        sections=sections,
        pgx_rows=[_pgx_row(r, analysis.insights) for r in analysis.pgx],
        findings=[_finding_row(f) for f in analysis.findings],
        inputs=[
            InputView(name=d.name, format=d.format, role=d.role, sha256=d.sha256[:12], size=_size(d.size))
            for d in analysis.inputs
        ],
        warnings=shown_warnings,
        hidden_warnings=len(analysis.warnings) - len(shown_warnings),
        not_assessed=[
            f"{r.gene}: {_positions(r.missing_positions)}" if r.missing_positions else r.gene
            for r in analysis.pgx
            if not r.assessed
        ],
        unannotated=[
            _genomic(f) for f in analysis.findings if isinstance(f, VariantFinding) and f.annotation == "none"
        ],
        omics=build_omics_view(analysis),
        legend=_legend(analysis.insights),
    )


def _legend(insights: list[Insight]) -> list[tuple[str, str]]:
    legend = []
    if any(i.tier for i in insights):
        legend.append(_TIER_LEGEND)
    if any(i.evidence_level and not i.tier for i in insights):
        legend.append(_CPIC_LEGEND)
    return legend


def age_in_years(birth_date: str | None, on: str) -> str | None:
    """Age on the report date; a partial FHIR birth date (YYYY or YYYY-MM) gives a range '63–64'."""
    if birth_date is None:
        return None
    parts = [int(p) for p in birth_date.split("-")]
    year = parts[0]
    first_month, last_month = (parts[1], parts[1]) if len(parts) > 1 else (1, 12)
    first_day = parts[2] if len(parts) > 2 else 1
    last_day = parts[2] if len(parts) > 2 else calendar.monthrange(year, last_month)[1]
    today = date.fromisoformat(on[:10])
    oldest = _full_years(date(year, first_month, first_day), today)
    youngest = _full_years(date(year, last_month, last_day), today)
    if oldest < 0:
        return None
    youngest = max(youngest, 0)
    return str(oldest) if oldest == youngest else f"{youngest}–{oldest}"


def _full_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _summary(insights: list[Insight]) -> str:
    if not insights:
        return (
            "No actionable insights were found for the data provided; "
            "see Methods and limitations for what was not assessed."
        )
    severities = Counter(i.severity for i in insights)
    kinds = Counter(i.kind for i in insights)
    parts = [f"{severities[s]} {s}" for s in ("critical", "warning") if severities[s]]
    parts += [
        f"{kinds[k]} {label[0 if kinds[k] == 1 else 1]}" for k, label in _KIND_LABEL.items() if kinds[k]
    ]
    total = len(insights)
    return f"{total} insight{'' if total == 1 else 's'}: " + ", ".join(parts) + "."


def _regimen(drugs: list[str], taking: dict[str, str]) -> str:
    states = sorted({taking[d] for d in drugs if d in taking})
    marker = f" ({', '.join(states)})" if states else ""
    return " + ".join(drugs) + marker


def _insight_view(insight: Insight, finding_labels: dict[str, str], taking: dict[str, str]) -> InsightView:
    tier_label = tier_class = None
    if insight.tier:
        tier_label = f"Tier {insight.tier}"
        roman = insight.tier.rstrip("ABCD")
        tier_class = {"I": "1", "II": "2", "III": "3", "IV": "4"}.get(roman)
    evidence = None
    if insight.evidence_level:
        evidence = f"Evidence {insight.evidence_level}"
        if insight.classification:
            evidence += f", {insight.classification}"
    elif insight.classification:
        evidence = f"Recommendation {insight.classification}"
    return InsightView(
        anchor=f"insight-{insight.id}",
        insight=insight,
        severity_label=_SEVERITY_LABEL[insight.severity],
        tier_label=tier_label,
        tier_class=tier_class,
        evidence_label=evidence,
        findings=[finding_labels.get(fid, fid) for fid in insight.finding_ids],
        citations=[_citation_link(c) for c in insight.citations],
        options=[_option_view(o) for o in insight.options],
        regimen=_regimen(insight.drugs, taking),
        reasons=_reasons(insight),
        facts=_facts(insight),
    )


def _facts(insight: Insight) -> list[tuple[str, str]]:
    """Drugs, genes, tests and logistics, each only when the title does not name it already.

    The findings an insight rests on are not repeated here: the rationale opens with them, with
    VAF and where they were read.
    """
    title = insight.title.lower()
    facts: list[tuple[str, str]] = []
    if insight.drugs and not all(drug.lower() in title for drug in insight.drugs):
        facts.append(("Drugs", ", ".join(insight.drugs)))
    if insight.alternatives:
        facts.append(("Alternatives", ", ".join(insight.alternatives)))
    if (
        insight.genes
        and not insight.tests
        and not insight.finding_ids
        and not all(gene.lower() in title for gene in insight.genes)
    ):
        facts.append(("Genes", ", ".join(insight.genes)))
    if insight.tests:
        facts.append(("Tests", ", ".join(insight.tests)))
    if insight.urgency:
        facts.append(("Urgency", insight.urgency))
    if insight.specimen:
        facts.append(("Specimen", insight.specimen))
    return facts


def _reasons(insight: Insight) -> list[ReasonView]:
    """Rationale lines grouped by a shared lead; the best catalog option is left to the options table."""
    lines = list(insight.rationale)
    if insight.options:
        lines = [line for line in lines if not line.startswith(f"{BEST_OPTION}: ")]
    runs: list[tuple[str | None, list[str]]] = []
    for line in lines:
        lead, sep, rest = line.partition(": ")
        if not sep or len(lead) > _LEAD_LIMIT:
            runs.append((None, [line]))
        elif runs and runs[-1][0] == lead:
            runs[-1][1].append(rest)
        else:
            runs.append((lead, [rest]))
    views = []
    for shared, texts in runs:
        if shared is None:
            views.append(ReasonView(text=texts[0]))
        elif len(texts) == 1:
            views.append(ReasonView(text=f"{shared}: {texts[0]}"))
        else:
            views.append(ReasonView(text=shared, items=tuple(texts)))
    return views


def _option_view(option: TestOption) -> OptionView:
    companion = None
    if option.companion_drugs:
        companion = "Companion diagnostic for " + ", ".join(option.companion_drugs)
    elif option.companion_diagnostic:
        companion = "Companion diagnostic"
    closes = f"{option.closes} of {option.of}" if option.closes is not None and option.of else ""
    turnaround = "—"
    if option.turnaround_days is not None:
        high = option.turnaround_max_days
        span = f"{option.turnaround_days}–{high}" if high and high != option.turnaround_days else ""
        turnaround = f"{span or option.turnaround_days} days"
    return OptionView(
        name=option.name,
        provider=option.provider,
        companion=companion,
        example=option.example,
        closes=closes,
        covers=", ".join(option.covers),
        turnaround=turnaround,
    )


def _citation_link(citation: Citation) -> Link:
    """Only http(s) URLs become links (a `javascript:` URL from an imported source stays text).

    An id that already names its source ('NCCN Clinical Practice Guidelines…') is not prefixed again.
    """
    repeated = citation.id.lower().startswith(citation.source.lower())
    text = citation.id if repeated else f"{citation.source} {citation.id}"
    url = citation.url
    if url is not None and not url.lower().startswith(("https://", "http://")):
        url = None
    if url is None and citation.source.upper() == "PMID" and citation.id.isdigit():
        url = f"https://pubmed.ncbi.nlm.nih.gov/{citation.id}/"
    return Link(text=text, url=url)


def _diagnosis_view(diagnosis: Diagnosis) -> DiagnosisView:
    system = _CODE_SYSTEMS.get(diagnosis.system.lower(), diagnosis.system)
    codes = "" if diagnosis.system == "text" else f"{system} {diagnosis.code}"
    return DiagnosisView(display=diagnosis.display, codes=codes, oncotree=diagnosis.oncotree)


def _medications(medications: list[Medication], status: str) -> list[MedicationView]:
    return [
        MedicationView(name=m.name, text=m.text if m.text and m.text.lower() != m.name else None)
        for m in medications
        if m.status == status
    ]


def _pgx_row(result: PgxResult, insights: list[Insight]) -> PgxRow:
    drugs = sorted(
        {
            drug
            for i in insights
            if i.kind in ("pgx", "contraindication") and result.gene in i.genes
            for drug in i.drugs
        }
    )
    if not result.assessed:
        coverage = "Not assessed"
        if result.missing_positions:
            coverage += f": {_positions(result.missing_positions)}"
    elif result.missing_positions:
        count = len(result.missing_positions)
        coverage = f"Assessed; {count} defining position{'' if count == 1 else 's'} not in the inputs"
    else:
        coverage = "Assessed"
    functional = result.functional_phenotype
    return PgxRow(
        gene=result.gene,
        diplotype=result.diplotype or "—",
        phenotype=result.phenotype,
        functional_phenotype=functional if functional and functional != result.phenotype else None,
        activity_score="—" if result.activity_score is None else f"{result.activity_score:g}",
        assessed=result.assessed,
        coverage=coverage,
        drugs=drugs,
        note=result.note,
    )


def _positions(positions: list[str]) -> str:
    shown = ", ".join(positions[:_LISTED_POSITIONS])
    more = len(positions) - _LISTED_POSITIONS
    noun = "position" if len(positions) == 1 else "positions"
    return f"{len(positions)} {noun} missing ({shown}{f', +{more} more' if more > 0 else ''})"


def _finding_label(finding: Finding) -> str:
    row = _finding_row(finding)
    return f"{row.gene} {row.change}".strip()


def _finding_row(finding: Finding) -> FindingRow:
    source = finding.source if finding.provenance is None else f"{finding.source} ({finding.provenance})"
    gene, change, detail, kind, vaf = "—", "", None, finding.kind.replace("_", " "), "—"
    if isinstance(finding, VariantFinding):
        gene = finding.gene or "—"
        exon = f"exon {finding.exon}" if finding.exon is not None else ""
        change = finding.hgvs_p or finding.hgvs_c or finding.label or _genomic(finding) or exon
        detail_parts = [p for p in (finding.hgvs_c if finding.hgvs_p else None, _genomic(finding)) if p]
        if change in detail_parts:
            detail_parts.remove(change)
        detail = "; ".join(detail_parts) or None
        kind = (finding.consequence or "variant").replace("_", " ")
        vaf = "—" if finding.vaf is None else f"{finding.vaf:.0%}"
    elif isinstance(finding, CopyNumberFinding):
        gene = finding.gene
        change = finding.call.replace("_", " ")
        if finding.copy_number is not None:
            detail = f"copy number {finding.copy_number:g}"
    elif isinstance(finding, FusionFinding):
        gene = finding.gene
        five, three = finding.five_prime, finding.three_prime
        if five and three:
            change = f"{five}::{three} fusion"
        elif finding.partner:
            change = f"fusion with {finding.partner}"
        else:
            change = "fusion"
        if finding.in_frame is not None:
            detail = "in frame" if finding.in_frame else "out of frame"
    elif isinstance(finding, BiomarkerFinding):
        gene = finding.gene or finding.biomarker
        change = f"{finding.biomarker} {finding.value}" if finding.gene else finding.value
        detail = ", ".join(p for p in (finding.status, finding.scoring, finding.method) if p) or None
    elif isinstance(finding, NegativeFinding):
        gene = finding.gene
        change = f"no {finding.alteration}" if finding.alteration != "any" else "no alteration detected"
        detail = finding.method
        kind = "tested negative"
    return FindingRow(
        anchor=f"finding-{finding.id}",
        gene=gene,
        change=change,
        detail=detail,
        kind=kind,
        vaf=vaf,
        origin=finding.origin,
        source=source,
    )


def _genomic(finding: VariantFinding) -> str:
    if finding.chrom is None or finding.pos is None:
        return ""
    alleles = f" {finding.ref}>{finding.alt}" if finding.ref and finding.alt else ""
    build = f" ({finding.build})" if finding.build else ""
    return f"{finding.chrom}:{finding.pos}{alleles}{build}"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
