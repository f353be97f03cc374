"""Pharmacogenomics: star alleles → CPIC phenotypes → recommendations for this patient's drugs.

`match_pgx(profile, kb)` is pure: it reads the profile's site genotypes and outside calls and the
knowledge base, and returns per-gene results plus insights. A gene the inputs do not cover is
`assessed: false` with phenotype "Not assessed" and, when a current or planned drug depends on it,
a test recommendation — never a silent "Normal Metabolizer" (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from integrome.knowledge.pgx import COMBINATION_GENES, OUTSIDE_CALL_GENES, PgxKnowledge
from integrome.match._pgx_call import Candidate, GeneCall, call_gene
from integrome.match._pgx_phenotype import (
    HLA_RISK_ALLELES,
    INDETERMINATE,
    display_diplotype,
    phenoconvert,
    phenotype_of,
    phenotype_of_diplotype,
)
from integrome.match._pgx_recommend import GeneState, proposed_alerts, proposed_tests, recommend
from integrome.model import GenotypeCall, Insight, PatientProfile, PgxResult, SiteGenotype
from integrome.model.analysis import NOT_ASSESSED

__all__ = [
    "GeneState",
    "HasPgx",
    "PgxMatch",
    "call_pgx",
    "gene_states",
    "match_pgx",
    "patient_drugs",
    "proposed_drug_alerts",
    "proposed_drug_tests",
    "results_only",
]


class HasPgx(Protocol):
    """What `match_pgx` needs from the KnowledgeBase: its lazily loaded PGx part."""

    @property
    def pgx(self) -> PgxKnowledge: ...


@dataclass
class PgxMatch:
    results: list[PgxResult] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    states: dict[str, GeneState] = field(default_factory=dict)
    """Per-gene states the recommendations used (after phenoconversion), for the drugs the analysis
    proposes later (`proposed_drug_alerts`)."""


def patient_drugs(profile: PatientProfile) -> tuple[set[str], set[str]]:
    """(current + planned drugs, active drugs), split into ingredients ('a/b', 'a + b')."""
    considered: set[str] = set()
    active: set[str] = set()
    for medication in profile.patient.medications:
        if medication.status == "stopped":
            continue
        names = _ingredients(medication.name)
        considered |= names
        if medication.status == "active":
            active |= names
    return considered, active


def _ingredients(name: str) -> set[str]:
    text = name.lower()
    for sep in ("/", "+", ",", " and "):
        text = text.replace(sep, "|")
    return {part.strip() for part in text.split("|") if part.strip()}


def _builds(sites: Iterable[SiteGenotype]) -> dict[str, dict[tuple[str, int], SiteGenotype]]:
    by_build: dict[str, dict[tuple[str, int], SiteGenotype]] = {}
    for site in sites:
        chrom = site.chrom if site.chrom.startswith("chr") else f"chr{site.chrom}"
        by_build.setdefault(site.build, {})[(chrom, site.pos)] = site
    return by_build


def call_pgx(sites: Iterable[SiteGenotype], kb: PgxKnowledge) -> dict[str, tuple[GeneCall, str]]:
    """Call every defined gene from site genotypes; returns gene → (call, build used).

    With sites on both builds (a GRCh38 VCF and a GRCh37 FHIR report), each gene is called on
    the build that assessed it at the most definition positions.
    """
    by_build = _builds(sites)
    calls: dict[str, tuple[GeneCall, str]] = {}
    for gene, definition in sorted(kb.definitions.items()):
        best: tuple[GeneCall, str] | None = None
        for build, build_sites in sorted(by_build.items()):
            call = call_gene(definition, build_sites, build, combination=gene in COMBINATION_GENES)
            if best is None or _covers_more(call, best[0]):
                best = (call, build)
        if best is None:
            best = (call_gene(definition, {}, "GRCh38"), "GRCh38")
        calls[gene] = best
    return calls


def _covers_more(call: GeneCall, other: GeneCall) -> bool:
    if call.assessed != other.assessed:
        return call.assessed
    return len(call.missing_positions) < len(other.missing_positions)


def _site_sources(sites: Iterable[SiteGenotype]) -> dict[tuple[str, str, int], set[str]]:
    sources: dict[tuple[str, str, int], set[str]] = {}
    for site in sites:
        chrom = site.chrom if site.chrom.startswith("chr") else f"chr{site.chrom}"
        sources.setdefault((site.build, chrom, site.pos), set()).add(site.source)
    return sources


def _gene_source(
    kb: PgxKnowledge, gene: str, build: str, sources: dict[tuple[str, str, int], set[str]]
) -> str:
    """Where the genotypes at the gene's definition positions came from: vcf, fhir or fhir+vcf.

    A gene none of whose positions was given is attributed to every site input (it is what they
    did not cover).
    """
    found: set[str] = set()
    for position in kb.definitions[gene].positions:
        pos = position.pos(build)
        if pos is not None:
            found |= sources.get((build, position.chrom, pos), set())
    if not found:
        found = set().union(*sources.values())
    return "+".join(sorted(found))


def _state_from_call(kb: PgxKnowledge, gene: str, call: GeneCall, source: str) -> GeneState:
    if not call.assessed:
        return GeneState(gene=gene, assessed=False, missing=call.missing_positions, source=source)
    if call.conflicts:
        return _contradicted_state(gene, call, source)
    state = _called_state(kb, gene, call, source)
    state.not_assessable = list(call.not_assessable) if call.missing_positions else []
    return state


def _contradicted_state(gene: str, call: GeneCall, source: str) -> GeneState:
    """Indeterminate when the inputs disagree at a definition position.

    Unlike an absent position (called from the others, as PharmCAT does), a contradicted one is a
    positive statement of two genotypes for this patient: calling the rest could report a normal
    metabolizer whom one input says carries a no-function allele.
    """
    where = ", ".join(call.conflicts)
    return GeneState(
        gene=gene,
        assessed=True,
        phenotype=INDETERMINATE,
        missing=call.missing_positions,
        source=source,
        conflicts=list(call.conflicts),
        note=f"inputs disagree at {where}: phenotype not called; repeat {gene} genotyping",
    )


def _called_state(kb: PgxKnowledge, gene: str, call: GeneCall, source: str) -> GeneState:
    top = call.top
    note_parts: list[str] = []
    if call.partial_calls:
        note_parts.append("partial genotype calls treated as missing: " + ", ".join(call.partial_calls))
    if call.missing_required:
        note_parts.append("no call: required position(s) missing " + ", ".join(call.missing_required))
    if not call.candidates:
        if call.unexplained:
            note_parts.append("no defined allele pair explains: " + ", ".join(call.unexplained[:5]))
        return GeneState(
            gene=gene,
            assessed=True,
            phenotype=INDETERMINATE,
            missing=call.missing_positions,
            source=source,
            note="; ".join(note_parts) or "no defined allele pair matches the genotype",
        )
    top = _prefer_fully_assessed(top)
    phenotypes = [phenotype_of(kb, gene, c) for c in top]
    phenotype, score = phenotypes[0]
    if len(top) < len(call.top):
        untested = sorted(
            {n for c in call.top if c not in top for n in (*c.hap1, *(c.hap2 or ()))}
            - {n for c in top for n in (*c.hap1, *(c.hap2 or ()))}
        )
        note_parts.append(
            "called from the fully assessed alleles; not excluded because their defining positions "
            "were not tested: " + ", ".join(untested[:8]) + (" …" if len(untested) > 8 else "")
        )
    if len({p for p, _ in phenotypes}) > 1:
        note_parts.append(
            "ambiguous: equally ranked diplotypes imply different phenotypes ("
            + ", ".join(f"{c.name}: {p}" for c, (p, _) in zip(top, phenotypes, strict=True))
            + ")"
        )
        phenotype, score = INDETERMINATE, None
    elif len(top) > 1 or (len(call.candidates) > 1 and not call.phased):
        note_parts.append("unphased data: diplotype assignment is ambiguous")
    if call.not_assessable and call.missing_positions:
        shown = ", ".join(call.not_assessable[:8]) + (" …" if len(call.not_assessable) > 8 else "")
        note_parts.append(f"alleles these inputs cannot test (defining positions missing): {shown}")
    note_parts.extend(_variant_note(kb, gene, phenotype))
    return GeneState(
        gene=gene,
        assessed=True,
        diplotype=display_diplotype(kb, gene, top[0]),
        phenotype=phenotype,
        activity_score=score,
        alternatives=[c.name for c in call.candidates[1:]],
        missing=call.missing_positions,
        source=source,
        note="; ".join(note_parts) or None,
    )


def _variant_note(kb: PgxKnowledge, gene: str, result: str) -> list[str]:
    """Why a genotype-result gene (VKORC1, CYP4F2) has no metabolizer phenotype, and allele function."""
    variant = kb.variant_genes.get(gene)
    if variant is None or result not in variant.results:
        return []
    note = variant.note
    if variant.functions is not None:
        copies = variant.results.index(result)
        functions = [variant.functions[0]] * (2 - copies) + [variant.functions[1]] * copies
        note += f"; allele function: {' / '.join(functions).lower()}"
    return [note]


def _prefer_fully_assessed(top: list[Candidate]) -> list[Candidate]:
    """Among equally ranked diplotypes, keep those whose alleles were assessed at every position.

    A targeted panel that reads every position of *1 but not the key position of a rare allele
    (CYP2C19 *11) supports *1/*1 and cannot confirm the rare one; clinical PGx reports call the
    tested alleles and list what the panel did not cover, which `missing_positions` carries.
    The full candidate list is kept in `alternatives`, so PharmCAT-style ambiguity stays visible.
    """
    fewest = min(c.unverified for c in top)
    return [c for c in top if c.unverified == fewest]


def _hla_two_field(gene: str, allele: str) -> str:
    """'HLA-B*57:01:01G' → '*57:01': the protein-level (two-field) name CPIC's risk alleles use.

    Typing reports add synonymous/non-coding fields and G/P group suffixes (WHO HLA
    nomenclature); every such allele encodes the same protein, so it carries the risk allele.
    """
    name = allele.strip().removeprefix(gene).strip()
    fields = name.split(":")
    if len(fields) < 2:
        return name
    return f"{fields[0]}:{fields[1].rstrip('GP')}"


def _state_from_outside(kb: PgxKnowledge, gene: str, calls: list[GenotypeCall]) -> GeneState:
    """Outside calls: a diplotype (CYP2D6, UGT1A1 *28/*28) or HLA allele presence tests."""
    source = calls[0].source
    if gene in HLA_RISK_ALLELES:
        positive: set[str] = set()
        tested: set[str] = set()
        diplotype = None
        for call in calls:
            if call.diplotype:
                diplotype = call.diplotype
                alleles = {_hla_two_field(gene, a) for a in call.diplotype.split("/")}
                positive |= alleles & set(HLA_RISK_ALLELES[gene])
                tested |= set(HLA_RISK_ALLELES[gene])
            elif call.allele:
                allele = _hla_two_field(gene, call.allele)
                tested.add(allele)
                if call.present:
                    positive.add(allele)
        if diplotype is None:
            diplotype = ", ".join(
                f"{a} {'positive' if a in positive else 'negative'}" for a in sorted(tested)
            )
        if len(tested) == 1:
            phenotype = "Positive" if positive else "Negative"
        else:
            phenotype = ", ".join(f"{a} Positive" for a in sorted(positive)) or "Negative"
        return GeneState(
            gene=gene,
            assessed=True,
            diplotype=diplotype,
            phenotype=phenotype,
            source=source,
            hla_positive=frozenset(positive),
            hla_tested=frozenset(tested),
        )
    call = calls[0]
    phenotype, score = INDETERMINATE, None
    if call.diplotype:
        phenotype, score = phenotype_of_diplotype(kb, gene, call.diplotype)
    if phenotype == INDETERMINATE and call.phenotype:
        phenotype = call.phenotype
    if call.activity_score is not None:
        score = call.activity_score
        phenotype = kb.phenotype_for_score(gene, score) or phenotype
    note = f"outside call ({call.provenance})" if call.provenance else "outside call"
    return GeneState(
        gene=gene,
        assessed=True,
        diplotype=call.diplotype,
        phenotype=phenotype,
        activity_score=score,
        source=source,
        note="; ".join([note, *_variant_note(kb, gene, phenotype)]),
    )


def _result(state: GeneState) -> PgxResult:
    return PgxResult(
        gene=state.gene,
        diplotype=state.diplotype if state.assessed else None,
        phenotype=state.phenotype if state.assessed else NOT_ASSESSED,
        activity_score=state.activity_score,
        assessed=state.assessed,
        missing_positions=list(state.missing),
        alternatives=list(state.alternatives),
        source=state.source,
        functional_phenotype=state.functional_phenotype,
        note=state.note,
    )


def gene_states(profile: PatientProfile, kb: PgxKnowledge) -> dict[str, GeneState]:
    """Per-gene states from the site genotypes (VCF records, FHIR variant Observations) and
    outside calls, before drug matching.

    Outside calls win over VCF calls for the same gene (they come from dedicated assays, e.g.
    UGT1A1 TA-repeat or CYP2D6 structural typing).
    """
    states: dict[str, GeneState] = {}
    if profile.sites:
        sources = _site_sources(profile.sites)
        for gene, (call, build) in call_pgx(profile.sites, kb).items():
            states[gene] = _state_from_call(kb, gene, call, _gene_source(kb, gene, build, sources))
    outside: dict[str, list[GenotypeCall]] = {}
    for genotype in profile.genotypes:
        outside.setdefault(genotype.gene.upper(), []).append(genotype)
    for gene, calls in outside.items():
        states[gene] = _state_from_outside(kb, gene, calls)
    return states


def match_pgx(profile: PatientProfile, kb: HasPgx) -> PgxMatch:
    """Per-gene results and insights for the patient's current and planned drugs (pure)."""
    knowledge = kb.pgx
    states = gene_states(profile, knowledge)
    considered, active = patient_drugs(profile)
    for state in states.values():
        if not state.assessed:
            continue
        converted = phenoconvert(knowledge, state.gene, state.phenotype, state.activity_score, active)
        if converted is not None:
            state.functional_phenotype = converted.phenotype
            state.functional_score = converted.score
            state.inhibitors = converted.inhibitors
            state.inhibitor_strength = converted.strength
    match = PgxMatch(states=states)
    insights, needed = recommend(knowledge, states, considered)
    match.insights = insights
    for gene in needed:
        if gene not in states:
            states[gene] = GeneState(gene=gene, assessed=False, source=None)
    for gene, state in sorted(states.items()):
        if state.assessed or gene in needed:
            match.results.append(_result(state))
    for state in states.values():
        if not state.assessed and state.gene in OUTSIDE_CALL_GENES and state.gene in needed:
            match.warnings.append(
                f"{state.gene} not assessed: it needs structural-variant or HLA typing (outside call)"
            )
    return match


def proposed_drug_tests(
    kb: HasPgx,
    results: Iterable[PgxResult],
    proposed: dict[str, list[str]],
    states: Mapping[str, GeneState],
    asked: Iterable[str],
) -> PgxMatch:
    """Genotyping recommendations for drugs the analysis proposes (drug → option titles), with a
    "Not assessed" result for each gene they add: `match_pgx` covers the patient's own drugs, whose
    genes are already in `results` (assessed, or not assessed and recommended). An Indeterminate
    result counts as missing unless a genotyping recommendation already names the gene (`asked`);
    `states` (`match_pgx`'s) word it."""
    shown = {result.gene for result in results}
    usable = {result.gene for result in results if result.phenotype != INDETERMINATE}
    insights = proposed_tests(kb.pgx, usable | set(asked), proposed, states)
    added = [
        PgxResult(gene=gene, phenotype=NOT_ASSESSED, assessed=False)
        for i in insights
        for gene in i.genes
        if gene not in shown
    ]
    return PgxMatch(results=added, insights=insights)


def proposed_drug_alerts(
    kb: HasPgx, states: Mapping[str, GeneState], proposed: Mapping[str, list[str]]
) -> list[Insight]:
    """Warning and critical recommendations for drugs the analysis proposes (drug → option titles),
    from the gene states of `match_pgx`: the same insight a planned drug gets (DPYD poor metabolizer
    and fluorouracil: avoid, CPIC 2017), so a proposed option is never weighed without it."""
    return proposed_alerts(kb.pgx, states, proposed)


def results_only(profile: PatientProfile, kb: PgxKnowledge) -> list[PgxResult]:
    """Per-gene results without drug matching (the `integrome pgx` command): assessed genes only."""
    return [_result(state) for _, state in sorted(gene_states(profile, kb).items()) if state.assessed]
