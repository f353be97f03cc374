"""Three-valued evaluation of one trial criterion against one patient: met, not met or unknown.

Unknown is not failure: a gene no input covered, an age without a birth date, a result reported only
in clinical notes are "unknown", and the reason says what would settle it. Alterations are
recognized by the knowledge-base matcher's own predicates (`finding_matches`), so a trial's
"KRAS G12C" and a biomarker record's "KRAS G12C" can never disagree. Criteria are compiled once per
trial store into `Leaf` objects; a `PatientFacts` is built once per patient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final, Literal

from integrome.match._alterations import biomarker_key, finding_matches, protein_change
from integrome.model import (
    Alteration,
    AlterationType,
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    NegativeFinding,
    PatientProfile,
    VariantFinding,
)
from integrome.model.trials import (
    BiomarkerCriterion,
    CriteriaNode,
    DiagnosisCriterion,
    GenomicCriterion,
    PriorTherapyCriterion,
)
from integrome.normalize.diseases import HEME_TISSUES, OncoTree
from integrome.normalize.variants import consequence_category

__all__ = [
    "FAILED",
    "MET",
    "UNKNOWN",
    "Branch",
    "Compiler",
    "Leaf",
    "LeafResult",
    "Node",
    "PatientFacts",
    "patient_facts",
]

Truth = Literal[0, 1, 2]
"""Ordered so that Kleene AND is `min` and OR is `max`."""
MET: Final = 2
UNKNOWN: Final = 1
FAILED: Final = 0

_COMPARISON = re.compile(r"^(>=|<=|==|>|<)(\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SYMBOLS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}
_MUTATION_NEGATIVES = frozenset({"any", "mutation", "mutations", "variant", "variants"})
_STRUCTURAL_NEGATIVES = frozenset({"any", "fusion", "fusions", "rearrangement", "translocation"})
_CNV_NEGATIVES = frozenset({"any", "amplification", "copy number", "cnv", "deletion"})
_CLASSIFICATION_LABELS = {
    "inframe_deletion": "in-frame deletion",
    "inframe_insertion": "in-frame insertion",
    "splice_site": "splice-site variant",
    "start_lost": "start-loss variant",
    "stop_lost": "stop-loss variant",
    "noncoding": "non-coding variant",
}
_STRUCTURAL_ASSAYS = frozenset({"table"})
"""Assays whose coverage list says copy number and fusions were assessed (CNV/fusion tables);
a VCF or MAF gene list speaks only for small variants."""


@dataclass(frozen=True)
class LeafResult:
    truth: Truth
    reason: str
    """For the rationale: what was found, or why it could not be told."""
    condition: str = ""
    """For a near-miss summary: what would make it match ('KRAS G12C is confirmed on tissue')."""
    finding_ids: tuple[str, ...] = ()
    test: str | None = None
    """A test that would settle an unknown molecular criterion."""


@dataclass(frozen=True)
class PatientFacts:
    """What the criteria ask about one patient, indexed once."""

    codes: tuple[str, ...]
    dx_keys: frozenset[str]
    """The patient's OncoTree codes, their ancestors and the pseudo-codes ANY / SOLID / LIQUID."""
    age: tuple[int, int] | None
    """Youngest and oldest possible age in whole years on the analysis date (partial birth dates)."""
    sex: str | None
    by_gene: dict[str, list[Finding]]
    fusions: list[FusionFinding]
    biomarkers: dict[str, list[BiomarkerFinding]]
    negatives: dict[str, list[NegativeFinding]]
    mutation_covered: frozenset[str]
    structural_covered: frozenset[str]
    received: frozenset[str]
    has_medications: bool
    keys: frozenset[str] = field(default=frozenset())
    """Index keys (see `Leaf.keys`): which compiled arms can concern this patient."""


def patient_facts(profile: PatientProfile, codes: Sequence[str], tree: OncoTree, as_of: str) -> PatientFacts:
    """Index the profile for criteria evaluation; `as_of` (YYYY-MM-DD) is the date ages refer to."""
    by_gene: dict[str, list[Finding]] = {}
    fusions: list[FusionFinding] = []
    biomarkers: dict[str, list[BiomarkerFinding]] = {}
    negatives: dict[str, list[NegativeFinding]] = {}
    for finding in profile.findings:
        if isinstance(finding, VariantFinding | CopyNumberFinding) and finding.gene is not None:
            by_gene.setdefault(finding.gene, []).append(finding)
        elif isinstance(finding, FusionFinding):
            fusions.append(finding)
            parts = (finding.gene, finding.partner, finding.five_prime, finding.three_prime)
            for gene in {part for part in parts if part is not None}:
                by_gene.setdefault(gene, []).append(finding)
        elif isinstance(finding, BiomarkerFinding):
            biomarkers.setdefault(biomarker_key(finding.biomarker), []).append(finding)
        elif isinstance(finding, NegativeFinding):
            negatives.setdefault(finding.gene, []).append(finding)
    mutation_covered: set[str] = set()
    structural_covered: set[str] = set()
    for coverage in profile.coverage:
        if coverage.genes is None or coverage.assay == "notes":
            continue
        mutation_covered.update(coverage.genes)
        if coverage.assay in _STRUCTURAL_ASSAYS:
            structural_covered.update(coverage.genes)
    dx_keys: set[str] = set()
    for code in codes:
        dx_keys.update((code, *tree.ancestors(code), "ANY"))
        tissue = tree.tissue(code)
        if tree.is_solid(code):
            dx_keys.add("SOLID")
        elif tissue in HEME_TISSUES:
            dx_keys.add("LIQUID")
    meds = profile.patient.medications
    facts = PatientFacts(
        codes=tuple(codes),
        dx_keys=frozenset(dx_keys),
        age=_age_range(profile.patient.birth_date, as_of),
        sex=profile.patient.sex if profile.patient.sex in ("female", "male") else None,
        by_gene=by_gene,
        fusions=fusions,
        biomarkers=biomarkers,
        negatives=negatives,
        mutation_covered=frozenset(mutation_covered),
        structural_covered=frozenset(structural_covered),
        received=frozenset(m.name for m in meds if m.status in ("active", "stopped")),
        has_medications=bool(meds),
    )
    keys = {f"d:{code}" for code in facts.dx_keys}
    keys.update(f"g:{gene}" for gene in by_gene)
    keys.update(f"b:{key}" for key in biomarkers)
    assessed = facts.mutation_covered | facts.structural_covered | frozenset(negatives)
    keys.update(f"c:{gene}" for gene in assessed)
    if fusions:
        keys.add("fusion")
    return replace(facts, keys=frozenset(keys))


def _age_range(birth: str | None, as_of: str) -> tuple[int, int] | None:
    """Whole years between the birth date and `as_of`; a partial date (YYYY, YYYY-MM) gives a range."""
    if birth is None:
        return None
    today = date.fromisoformat(as_of)
    parts = [int(part) for part in birth.split("-")]
    year = parts[0]
    first = date(year, parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    if len(parts) == 3:
        last = first
    elif len(parts) == 2:
        next_month = date(year + (parts[1] == 12), parts[1] % 12 + 1, 1)
        last = date.fromordinal(next_month.toordinal() - 1)
    else:
        last = date(year, 12, 31)

    def years(born: date) -> int:
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    return years(last), years(first)


# --- compiled criteria ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Leaf:
    """One criterion, compiled: a label, how it counts, a fast judge and a detailed explanation.

    `judge` gives the truth value alone (it runs for every candidate arm); `explain` gives the same
    truth with the reasons (it runs only for the criteria shown to the reader). Both read one state
    function, so they cannot disagree. Equal criteria of different arms share one Leaf (`uid`), and a
    patient's truth values are memoized per leaf.
    """

    uid: int
    label: str
    kind: Literal["genomic", "biomarker", "diagnosis", "age", "sex", "prior_therapy"]
    judge: Callable[[PatientFacts], Truth]
    explain: Callable[[PatientFacts], LeafResult]
    keys: frozenset[str]
    """Patient index keys of which one must be present for this criterion to be met; empty when the
    criterion is not a hook (age, sex, prior therapy, exclusions)."""
    hard: bool = False
    """A failed hard criterion (tumor type, sex) rules a near miss out: the patient cannot change it."""
    genes: tuple[str, ...] = ()
    """Genes the criterion is about, for the insight's gene list."""

    @property
    def molecular(self) -> bool:
        return self.kind in ("genomic", "biomarker")


@dataclass(frozen=True, eq=False)
class Branch:
    all: bool
    children: tuple[Node, ...]


Node = Leaf | Branch


class Compiler:
    """Compiles criteria trees, sharing one Leaf between equal criteria (once per trial store)."""

    def __init__(self, tree: OncoTree) -> None:
        self.tree = tree
        self._leaves: dict[object, Leaf] = {}

    def compile(self, node: CriteriaNode) -> Node:
        children = node.all if node.all is not None else node.any
        if children is not None:
            compiled = [self.compile(child) for child in children]
            if node.all is not None:
                # Tumor type and sex first: an AND stops at a failed one (see match.trials._score).
                compiled.sort(key=lambda child: not (isinstance(child, Leaf) and child.hard))
            return Branch(node.all is not None, tuple(compiled))
        key, make = self._maker(node)
        leaf = self._leaves.get(key)
        if leaf is None:
            leaf = make(len(self._leaves))
            self._leaves[key] = leaf
        return leaf

    def _maker(self, node: CriteriaNode) -> tuple[object, Callable[[int], Leaf]]:
        if node.genomic is not None:
            genomic = node.genomic
            return ("genomic", genomic), lambda uid: _genomic_leaf(uid, genomic)
        if node.biomarker is not None:
            biomarker = node.biomarker
            return ("biomarker", biomarker), lambda uid: _biomarker_leaf(uid, biomarker)
        if node.diagnosis is not None:
            d = node.diagnosis
            return ("diagnosis", tuple(d.codes), d.name, d.exclude), lambda uid: _diagnosis_leaf(
                uid, d, self.tree
            )
        if node.age is not None:
            age = node.age
            return ("age", age), lambda uid: _age_leaf(uid, age)
        if node.sex is not None:
            sex = node.sex
            return ("sex", sex), lambda uid: _sex_leaf(uid, sex)
        prior = node.prior_therapy
        if prior is None:
            raise ValueError("a criteria node without a criterion")
        return ("prior", tuple(prior.drugs), prior.received), lambda uid: _prior_therapy_leaf(uid, prior)


def _compare(op: str, left: float, right: float) -> bool:
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    return left == right


def _parse_comparison(text: str) -> tuple[str, float]:
    found = _COMPARISON.match(text)
    if found is None:
        raise ValueError(f"not a comparison: {text!r}")
    return found.group(1), float(found.group(2))


def _shown(value: float) -> str:
    return f"{value:g}"


# --- genomic --------------------------------------------------------------------------------------


def _genomic_label(c: GenomicCriterion) -> str:
    gene = c.gene or "any gene"
    if c.variant_category == "sv":
        partner = {None: "", "any": "", "intergenic": " (intergenic partner)"}.get(
            c.fusion_partner, f" with {c.fusion_partner}"
        )
        core = f"{gene} fusion{partner}" if c.gene else f"{c.fusion_partner} fusion"
    elif c.variant_category == "cnv":
        core = f"{gene} {(c.cnv_call or 'copy-number change').replace('_', ' ')}"
    else:
        details = [
            c.protein_change,
            f"{c.wildcard_protein_change} (any change)" if c.wildcard_protein_change else None,
            f"exon {c.exon}" if c.exon is not None else None,
            _CLASSIFICATION_LABELS.get(c.variant_classification or "", c.variant_classification),
        ]
        shown = " ".join(part for part in details if part)
        noun = "mutation" if c.variant_category == "mutation" else "alteration"
        core = f"{gene} {shown}" if shown else f"{gene} {noun}"
    if c.wildtype:
        return f"{gene} wild type"
    return f"no {core}" if c.negated else core


def _classification_matches(finding: VariantFinding, group: str) -> bool:
    """MAF Variant_Classification groups from the input's consequence terms or protein change."""
    change = protein_change(finding)
    kind = change.kind if change is not None else None
    terms = [t for t in re.split(r"[&,]", finding.consequence or "") if t]
    category = consequence_category(terms) if terms else None
    if group in ("inframe_deletion", "inframe_insertion"):
        deletion = group == "inframe_deletion"
        if kind == "delins" and change is not None:
            end = change.end_position if change.end_position is not None else change.position
            net = len(change.alt or "") - (end - change.position + 1)
            return net < 0 if deletion else net > 0
        if kind is not None:
            return kind == "inframe_deletion" if deletion else kind in ("inframe_insertion", "duplication")
        return any(("deletion" if deletion else "insertion") in t and "inframe" in t for t in terms)
    by_group = {
        "missense": ({"missense"}, {"missense"}),
        "nonsense": ({"nonsense"}, {"nonsense"}),
        "frameshift": ({"frameshift"}, {"frameshift"}),
        "splice_site": ({"splice"}, set()),
        "start_lost": ({"start_lost"}, {"start_lost"}),
        "stop_lost": ({"stop_lost"}, {"stop_lost", "extension"}),
        "synonymous": ({"synonymous"}, {"synonymous"}),
        "noncoding": ({"noncoding"}, set()),
    }
    categories, kinds = by_group[group]
    return category in categories or kind in kinds


def _mutation_predicate(c: GenomicCriterion) -> Callable[[Finding], bool]:
    gene = c.gene
    checks: list[Callable[[Finding], bool]] = []
    if c.protein_change is not None:
        alteration = Alteration(type="protein_change", values=[c.protein_change])
        checks.append(lambda f: finding_matches(alteration, gene, f))
    if c.wildcard_protein_change is not None:
        ref, codon = c.wildcard_protein_change[0], int(c.wildcard_protein_change[1:])

        def at_codon(f: Finding) -> bool:
            change = protein_change(f) if isinstance(f, VariantFinding) else None
            return (
                change is not None
                and change.position == codon
                and change.ref == ref
                and change.kind != "synonymous"
            )

        checks.append(at_codon)
    if c.exon is not None:
        exon_types: dict[str, AlterationType] = {
            "inframe_deletion": "exon_deletion",
            "inframe_insertion": "exon_insertion",
        }
        exon_type = exon_types.get(c.variant_classification or "", "exon_mutation")
        exon_alteration = Alteration(type=exon_type, exons=[c.exon])
        checks.append(lambda f: finding_matches(exon_alteration, gene, f))
    if c.variant_classification is not None:
        group = c.variant_classification
        checks.append(lambda f: isinstance(f, VariantFinding) and _classification_matches(f, group))
    if not checks:
        any_mutation = Alteration(type="any_mutation")
        checks.append(lambda f: finding_matches(any_mutation, gene, f))

    def matches(finding: Finding) -> bool:
        return (
            isinstance(finding, VariantFinding)
            and finding.gene == gene
            and all(check(finding) for check in checks)
        )

    return matches


def _cnv_predicate(c: GenomicCriterion) -> Callable[[Finding], bool]:
    gene = c.gene
    if c.cnv_call == "amplification":
        amplification = Alteration(type="amplification")
        return lambda f: finding_matches(amplification, gene, f)
    if c.cnv_call == "deep_deletion":
        deletion = Alteration(type="deletion")
        return lambda f: finding_matches(deletion, gene, f)
    if c.cnv_call is not None:
        call = c.cnv_call
        return lambda f: isinstance(f, CopyNumberFinding) and f.gene == gene and f.call == call
    any_amplification = Alteration(type="amplification")
    return lambda f: (
        (isinstance(f, CopyNumberFinding) and f.gene == gene and f.call != "neutral")
        or finding_matches(any_amplification, gene, f)
    )


def _sv_predicate(c: GenomicCriterion) -> Callable[[Finding], bool]:
    partner = c.fusion_partner
    if c.gene is None:
        if partner in (None, "any", "intergenic"):
            return lambda f: isinstance(f, FusionFinding)
        named = Alteration(type="fusion")
        return lambda f: finding_matches(named, partner, f)
    gene = c.gene
    if partner == "intergenic":

        def intergenic(f: Finding) -> bool:
            if not isinstance(f, FusionFinding):
                return False
            genes = {f.gene, f.partner, f.five_prime, f.three_prime} - {None}
            return genes == {gene}

        return intergenic
    fusion = Alteration(type="fusion", partners=[partner] if partner not in (None, "any") else [])
    return lambda f: finding_matches(fusion, gene, f)


def _genomic_predicate(c: GenomicCriterion) -> Callable[[Finding], bool]:
    if c.variant_category == "mutation":
        return _mutation_predicate(c)
    if c.variant_category == "cnv":
        return _cnv_predicate(c)
    if c.variant_category == "sv":
        return _sv_predicate(c)
    mutation = _mutation_predicate(c)
    cnv = _cnv_predicate(c.model_copy(update={"variant_category": "cnv"}))
    sv = _sv_predicate(c.model_copy(update={"variant_category": "sv"}))
    return lambda f: mutation(f) or cnv(f) or sv(f)


def _assessed(c: GenomicCriterion, facts: PatientFacts) -> bool:
    """Was the gene tested for this kind of alteration (covered by an assay, or reported negative)?"""
    gene = c.gene if c.gene is not None else c.fusion_partner
    if gene is None or gene in ("any", "intergenic"):
        return False
    negatives = {n.alteration.strip().lower() for n in facts.negatives.get(gene, [])}
    if c.protein_change is not None and c.protein_change.lower() in negatives:
        return True
    mutation = gene in facts.mutation_covered or bool(negatives & _MUTATION_NEGATIVES)
    structural_sv = gene in facts.structural_covered or bool(negatives & _STRUCTURAL_NEGATIVES)
    structural_cnv = gene in facts.structural_covered or bool(negatives & _CNV_NEGATIVES)
    return {
        "mutation": mutation,
        "sv": structural_sv,
        "cnv": structural_cnv,
        "any": mutation and structural_sv and structural_cnv,
    }[c.variant_category]


def _genomic_leaf(uid: int, c: GenomicCriterion) -> Leaf:
    label = _genomic_label(c)
    positive = _genomic_label(c.model_copy(update={"negated": False, "wildtype": False}))
    matches = _genomic_predicate(c)
    absent = c.negated or c.wildtype
    subject = c.gene or c.fusion_partner or ""
    named = subject not in ("", "any", "intergenic")
    test = f"{subject} testing" if named else None

    def state(facts: PatientFacts) -> tuple[Truth, list[Finding], list[Finding]]:
        candidates: Sequence[Finding]
        if c.gene is not None:
            candidates = facts.by_gene.get(c.gene, ())
        elif named:
            candidates = facts.by_gene.get(subject, ())
        else:
            candidates = facts.fusions
        found = [f for f in candidates if matches(f)]
        confirmed = [f for f in found if f.source != "notes"]
        if confirmed:
            return (FAILED if absent else MET), found, confirmed
        if found:
            return UNKNOWN, found, confirmed
        if _assessed(c, facts):
            return (MET if absent else FAILED), found, confirmed
        return UNKNOWN, found, confirmed

    def judge(facts: PatientFacts) -> Truth:
        return state(facts)[0]

    def explain(facts: PatientFacts) -> LeafResult:
        truth, found, confirmed = state(facts)
        shown = "; ".join(_provenance(f) for f in (confirmed or found)[:3])
        ids = tuple(f.id for f in (confirmed or found))
        if found and not confirmed:
            wanted = f"{positive} is ruled out on tissue" if absent else f"{label} is confirmed on tissue"
            return LeafResult(UNKNOWN, f"reported only in clinical notes ({shown})", wanted, ids, test)
        if confirmed:
            reason = f"the patient carries {positive} ({shown})" if absent else shown
            return LeafResult(truth, reason, finding_ids=ids)
        if truth != UNKNOWN:
            return LeafResult(truth, f"{positive} not found; {subject} was tested")
        wanted = (
            f"{subject} is tested and found wild type"
            if absent
            else f"{label} is found ({subject} not tested)"
        )
        return LeafResult(UNKNOWN, f"{subject or 'the gene'} is not covered by the inputs", wanted, test=test)

    if absent:
        keys = frozenset({f"c:{c.gene}"}) if c.gene is not None else frozenset()
    elif named:
        keys = frozenset({f"g:{subject}"})
    else:
        keys = frozenset({"fusion"})
    genes = tuple(g for g in (c.gene, c.fusion_partner) if g is not None and g not in ("any", "intergenic"))
    return Leaf(uid, label, "genomic", judge, explain, keys, genes=genes)


def _provenance(finding: Finding) -> str:
    # Imported here: integrome.insights imports the matchers, so a module-level import would cycle.
    from integrome.match.wording import describe_finding, finding_place

    return f"{describe_finding(finding)}, {finding_place(finding)}"


# --- biomarkers -----------------------------------------------------------------------------------


def _biomarker_leaf(uid: int, c: BiomarkerCriterion) -> Leaf:
    key = biomarker_key(c.name)
    names = tuple({key, key.removesuffix("SIGNATURE")} - {""})
    op, bound = _parse_comparison(c.value) if c.value is not None else ("==", 0.0)
    wanted = f"{c.name} {_SYMBOLS[op]}{_shown(bound)}" if c.value is not None else f"{c.name} {c.status}"
    # HER2-low (IHC 1+, or 2+ without amplification) is HER2-negative in the ASCO/CAP HER2 testing
    # guideline (2023 update), so a trial asking for HER2-negative accepts it.
    accepted = {c.status, "low"} if key == "HER2" and c.status == "negative" else {c.status}
    label = f"not {wanted}" if c.negated else wanted

    def verdict(finding: BiomarkerFinding) -> Truth:
        if c.value is not None:
            value = finding.numeric
            if value is None:
                number = _NUMBER.search(finding.value)
                value = float(number.group()) if number else None
            if value is None:
                return UNKNOWN
            holds = _compare(op, value, bound)
        else:
            if finding.status in ("equivocal", "unknown"):
                return UNKNOWN
            holds = finding.status in accepted
        return MET if holds != c.negated else FAILED

    def state(facts: PatientFacts) -> tuple[Truth, list[BiomarkerFinding], bool]:
        findings = [f for name in names for f in facts.biomarkers.get(name, ())]
        if not findings:
            return UNKNOWN, findings, False
        confirmed = [f for f in findings if f.source != "notes"]
        judged = confirmed or findings
        truths = [verdict(f) for f in judged]
        truth: Truth = MET if MET in truths else min(truths)
        if truth == MET and not confirmed:
            return UNKNOWN, judged, True
        return truth, judged, False

    def judge(facts: PatientFacts) -> Truth:
        return state(facts)[0]

    def explain(facts: PatientFacts) -> LeafResult:
        truth, judged, notes_only = state(facts)
        if not judged:
            return LeafResult(
                UNKNOWN, f"no {c.name} result in the inputs", f"{wanted} is shown", test=f"{c.name} testing"
            )
        shown = "; ".join(f"{f.biomarker} {f.value}" for f in judged[:3])
        ids = tuple(f.id for f in judged)
        if notes_only:
            return LeafResult(
                UNKNOWN, f"reported only in clinical notes ({shown})", f"{label} is confirmed", ids
            )
        if truth == UNKNOWN:
            return LeafResult(UNKNOWN, f"result not conclusive ({shown})", f"{label} is shown", ids)
        return LeafResult(truth, shown, finding_ids=ids)

    keys = frozenset() if c.negated else frozenset(f"b:{name}" for name in names)
    return Leaf(uid, label, "biomarker", judge, explain, keys)


# --- clinical -------------------------------------------------------------------------------------


def _diagnosis_leaf(uid: int, c: DiagnosisCriterion, tree: OncoTree) -> Leaf:
    pseudo = {"SOLID": "any solid tumor", "LIQUID": "any hematologic malignancy", "ANY": "any tumor"}
    names = [pseudo.get(code) or f"{tree.name(code)} ({code})" for code in c.codes]
    shown = " or ".join(names) if names else repr(c.name)
    label = f"tumor type not {shown}" if c.exclude else f"tumor type {shown}"
    targets = frozenset(c.codes)

    def judge(facts: PatientFacts) -> Truth:
        if not targets or not facts.codes:
            return UNKNOWN
        return MET if bool(targets & facts.dx_keys) != c.exclude else FAILED

    def explain(facts: PatientFacts) -> LeafResult:
        truth = judge(facts)
        if not targets:
            reason = f"the trial's diagnosis {c.name!r} has no OncoTree code; compare by hand"
            return LeafResult(UNKNOWN, reason, f"the tumor type is {c.name}")
        if not facts.codes:
            return LeafResult(UNKNOWN, "the patient's tumor type is not coded", f"the tumor type is {shown}")
        patient = ", ".join(f"{tree.name(code)} ({code})" for code in facts.codes)
        return LeafResult(truth, f"patient: {patient}")

    keys = frozenset() if c.exclude else frozenset(f"d:{code}" for code in c.codes)
    return Leaf(uid, label, "diagnosis", judge, explain, keys, hard=True)


def _age_leaf(uid: int, text: str) -> Leaf:
    op, bound = _parse_comparison(text)
    wanted = f"{_SYMBOLS[op]}{_shown(bound)}"
    label = f"age {wanted}"

    def judge(facts: PatientFacts) -> Truth:
        if facts.age is None:
            return UNKNOWN
        young, old = facts.age
        if op == "==":
            certain, possible = young == old == bound, young <= bound <= old
        else:
            at_young, at_old = _compare(op, young, bound), _compare(op, old, bound)
            certain, possible = at_young and at_old, at_young or at_old
        return MET if certain else UNKNOWN if possible else FAILED

    def explain(facts: PatientFacts) -> LeafResult:
        truth = judge(facts)
        if facts.age is None:
            return LeafResult(UNKNOWN, "no birth date in the inputs", f"the patient's age is {wanted}")
        young, old = facts.age
        age = f"{young}" if young == old else f"{young}-{old}"
        if truth == UNKNOWN:
            return LeafResult(
                UNKNOWN, f"patient is {age} (partial birth date)", f"the patient's age is {wanted}"
            )
        return LeafResult(truth, f"patient is {age}", f"{label} (patient is {age})")

    return Leaf(uid, label, "age", judge, explain, frozenset())


def _sex_leaf(uid: int, sex: str) -> Leaf:
    def judge(facts: PatientFacts) -> Truth:
        if facts.sex is None:
            return UNKNOWN
        return MET if facts.sex == sex else FAILED

    def explain(facts: PatientFacts) -> LeafResult:
        if facts.sex is None:
            return LeafResult(UNKNOWN, "sex not recorded", f"the patient is {sex}")
        return LeafResult(judge(facts), f"patient is {facts.sex}")

    return Leaf(uid, sex, "sex", judge, explain, frozenset(), hard=True)


def _prior_therapy_leaf(uid: int, c: PriorTherapyCriterion) -> Leaf:
    drugs = " or ".join(c.drugs)
    label = f"prior {drugs}" if c.received else f"no prior {drugs}"
    wanted = frozenset(c.drugs)

    def judge(facts: PatientFacts) -> Truth:
        taken = bool(wanted & facts.received)
        if c.received:
            return MET if taken else UNKNOWN
        if taken:
            return FAILED
        return MET if facts.has_medications else UNKNOWN

    def explain(facts: PatientFacts) -> LeafResult:
        truth = judge(facts)
        taken = ", ".join(sorted(wanted & facts.received))
        if taken:
            return LeafResult(truth, f"received {taken}", f"{label} (received {taken})")
        if truth == MET:
            return LeafResult(MET, "not among the recorded medications")
        if c.received:
            return LeafResult(UNKNOWN, f"no record of {drugs}", f"the patient has received {drugs}")
        return LeafResult(
            UNKNOWN, "no medication history in the inputs", f"the patient has not received {drugs}"
        )

    return Leaf(uid, label, "prior_therapy", judge, explain, frozenset())
