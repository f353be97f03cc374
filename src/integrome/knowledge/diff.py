"""What changed between two knowledge bases (`integrome kb diff OLD NEW`).

A knowledge base has a version, and every analysis records the version it used (ARCHITECTURE.md,
"Knowledge base"); this module says what lies behind two versions: biomarker records added, removed
or changed (by id, with the changed fields), hotspots by genomic key, pharmacogenomic definitions
and drug-phenotype rules at the level of genes and rules, and counts of testing rules, catalog
tests and trials. `kb_contents` gathers the separately loaded parts of a knowledge base (the I/O
edge); `diff_knowledge_bases` compares two such values and does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, JsonValue

from integrome.knowledge.base import KnowledgeBase, hotspot_key
from integrome.knowledge.pgx import CuratedRule, PgxKnowledge
from integrome.knowledge.testing import GapKnowledge, load_gap_knowledge
from integrome.knowledge.trials import TrialStore, trial_store
from integrome.model.common import StrictModel
from integrome.model.knowledge import BiomarkerRecord, HotspotVariant

__all__ = [
    "CountChange",
    "FieldChange",
    "HotspotChange",
    "HotspotRef",
    "KbContents",
    "KbDiff",
    "PgxRuleRef",
    "RecordChange",
    "RecordRef",
    "diff_knowledge_bases",
    "field_changes",
    "kb_contents",
]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
C = TypeVar("C")


class FieldChange(StrictModel):
    """One field whose value differs, with both values as JSON."""

    field: str
    old: JsonValue
    new: JsonValue


class RecordRef(StrictModel):
    """A biomarker record, named the way a curator finds it in the YAML."""

    id: str
    gene: str | None
    label: str
    drugs: list[str]
    direction: str
    evidence_level: str


class RecordChange(StrictModel):
    id: str
    label: str
    changes: list[FieldChange]


class HotspotRef(StrictModel):
    gene: str
    hgvs_p: str
    build: str
    chrom: str
    pos: int
    ref: str
    alt: str


class HotspotChange(StrictModel):
    hotspot: HotspotRef
    changes: list[FieldChange]


class PgxRuleRef(StrictModel):
    """A drug-phenotype rule: a CPIC table recommendation or a curated overlay rule."""

    source: str
    drugs: list[str]
    genes: list[str]
    applies_to: list[str]
    """Phenotypes, diplotypes, HLA alleles or an activity-score range the rule is written for."""


class CountChange(StrictModel):
    part: str
    old: int
    new: int


_NOT_LISTS = frozenset({"old_version", "new_version", "counts"})
"""KbDiff fields that are not lists of added, removed or changed items."""


class KbDiff(StrictModel):
    """What `integrome kb diff` reports; empty lists mean no change of that kind."""

    old_version: str
    new_version: str
    biomarkers_added: list[RecordRef] = []
    biomarkers_removed: list[RecordRef] = []
    biomarkers_changed: list[RecordChange] = []
    hotspots_added: list[HotspotRef] = []
    hotspots_removed: list[HotspotRef] = []
    hotspots_changed: list[HotspotChange] = []
    pgx_definitions_added: list[str] = []
    pgx_definitions_removed: list[str] = []
    pgx_definitions_changed: list[str] = []
    """Genes whose star-allele definitions (positions, alleles, source) differ."""
    pgx_rules_added: list[PgxRuleRef] = []
    pgx_rules_removed: list[PgxRuleRef] = []
    pgx_rules_changed: list[PgxRuleRef] = []
    counts: list[CountChange] = []
    """Every counted part with both numbers, changed or not."""

    @property
    def identical(self) -> bool:
        """True when no record, rule or count differs (the versions may still differ, e.g. a README)."""
        listed = (getattr(self, name) for name in type(self).model_fields if name not in _NOT_LISTS)
        return not any(listed) and all(c.old == c.new for c in self.counts)


@dataclass(frozen=True)
class KbContents:
    """A knowledge base with the parts that load beside it: PGx tables, testing rules and catalog,
    trials. A plain value, so `diff_knowledge_bases` needs no I/O."""

    kb: KnowledgeBase
    pgx: PgxKnowledge
    gaps: GapKnowledge
    trials: TrialStore


def kb_contents(kb: KnowledgeBase) -> KbContents:
    """Load (cached) the PGx knowledge, guideline testing rules, catalog and trials that go with `kb`,
    the same way `analyze` does."""
    return KbContents(kb=kb, pgx=kb.pgx, gaps=load_gap_knowledge(kb.extra_dir), trials=trial_store(kb))


def diff_knowledge_bases(old: KbContents, new: KbContents) -> KbDiff:
    """What an analysis run against `new` instead of `old` could see differently, sorted for display."""
    records_added, records_removed, records_changed = _diff_maps(
        {r.id: r for r in old.kb.biomarkers}, {r.id: r for r in new.kb.biomarkers}, _model_changes
    )
    hotspots_added, hotspots_removed, hotspots_changed = _diff_maps(
        {hotspot_key(h): h for h in old.kb.hotspots},
        {hotspot_key(h): h for h in new.kb.hotspots},
        _model_changes,
    )
    definitions_added, definitions_removed, definitions_changed = _diff_maps(
        old.pgx.definitions, new.pgx.definitions, _unequal
    )
    rules_added, rules_removed, rules_changed = _diff_maps(
        _pgx_rules(old.pgx), _pgx_rules(new.pgx), _rule_changes
    )
    return KbDiff(
        old_version=old.kb.version,
        new_version=new.kb.version,
        biomarkers_added=[_record_ref(r) for r in records_added],
        biomarkers_removed=[_record_ref(r) for r in records_removed],
        biomarkers_changed=[
            RecordChange(id=record.id, label=record.label, changes=changes)
            for record, changes in records_changed
        ],
        hotspots_added=[_hotspot_ref(h) for h in hotspots_added],
        hotspots_removed=[_hotspot_ref(h) for h in hotspots_removed],
        hotspots_changed=[
            HotspotChange(hotspot=_hotspot_ref(h), changes=changes) for h, changes in hotspots_changed
        ],
        pgx_definitions_added=[d.gene for d in definitions_added],
        pgx_definitions_removed=[d.gene for d in definitions_removed],
        pgx_definitions_changed=[d.gene for d, _ in definitions_changed],
        pgx_rules_added=[rule for rule, _ in rules_added],
        pgx_rules_removed=[rule for rule, _ in rules_removed],
        pgx_rules_changed=[rule for (rule, _), _ in rules_changed],
        counts=[CountChange(part=part, old=count(old), new=count(new)) for part, count in _COUNTS],
    )


def field_changes(old: Mapping[str, JsonValue], new: Mapping[str, JsonValue]) -> list[FieldChange]:
    """The keys of two JSON objects whose values differ, in `new`'s key order (then `old`'s)."""
    keys = [*new, *(key for key in old if key not in new)]
    return [
        FieldChange(field=key, old=old.get(key), new=new.get(key))
        for key in keys
        if old.get(key) != new.get(key)
    ]


def _model_changes(old: BaseModel, new: BaseModel) -> list[FieldChange]:
    return field_changes(old.model_dump(mode="json"), new.model_dump(mode="json"))


def _unequal(old: object, new: object) -> list[bool]:
    """For values compared as a whole (definitions, rules): one entry when they differ."""
    return [] if old == new else [True]


def _rule_changes(old: tuple[PgxRuleRef, object], new: tuple[PgxRuleRef, object]) -> list[bool]:
    return _unequal(old[1], new[1])


def _diff_maps(
    old: Mapping[K, V], new: Mapping[K, V], compare: Callable[[V, V], list[C]]
) -> tuple[list[V], list[V], list[tuple[V, list[C]]]]:
    """(added, removed, changed with their changes) between two keyed maps, each in key order."""
    added = [new[key] for key in _sorted(new.keys() - old.keys())]
    removed = [old[key] for key in _sorted(old.keys() - new.keys())]
    changed: list[tuple[V, list[C]]] = []
    for key in _sorted(old.keys() & new.keys()):
        changes = compare(old[key], new[key])
        if changes:
            changed.append((new[key], changes))
    return added, removed, changed


def _sorted(keys: Iterable[K]) -> list[K]:
    return sorted(keys, key=repr)


def _record_ref(record: BiomarkerRecord) -> RecordRef:
    return RecordRef(
        id=record.id,
        gene=record.gene,
        label=record.label,
        drugs=list(record.drugs),
        direction=record.direction,
        evidence_level=record.evidence_level,
    )


def _hotspot_ref(hotspot: HotspotVariant) -> HotspotRef:
    return HotspotRef(
        gene=hotspot.gene,
        hgvs_p=hotspot.hgvs_p,
        build=hotspot.build,
        chrom=hotspot.chrom,
        pos=hotspot.pos,
        ref=hotspot.ref,
        alt=hotspot.alt,
    )


def _pgx_rules(pgx: PgxKnowledge) -> dict[tuple[str, ...], tuple[PgxRuleRef, object]]:
    """Every drug-phenotype rule keyed by what it is about, with what it says (text or curated rule)."""
    rules: dict[tuple[str, ...], tuple[PgxRuleRef, object]] = {}
    for (drug, gene, phenotype), text in pgx.recommendations.items():
        ref = PgxRuleRef(source="CPIC table", drugs=[drug], genes=[gene], applies_to=[phenotype])
        rules[("CPIC table", drug, gene, phenotype)] = (ref, text)
    for (drug, gene1, phenotype1, gene2, phenotype2), text in pgx.two_gene_recommendations.items():
        ref = PgxRuleRef(
            source="CPIC table", drugs=[drug], genes=[gene1, gene2], applies_to=[phenotype1, phenotype2]
        )
        rules[("CPIC table", drug, gene1, phenotype1, gene2, phenotype2)] = (ref, text)
    for rule in pgx.rules:
        applies_to = _applies_to(rule)
        ref = PgxRuleRef(source="curated", drugs=list(rule.drugs), genes=[rule.gene], applies_to=applies_to)
        rules[("curated", rule.kind, *rule.drugs, rule.gene, *applies_to)] = (ref, rule)
    return rules


def _applies_to(rule: CuratedRule) -> list[str]:
    """The condition a curated rule tests, in the order `CuratedRule.applies` checks them."""
    if rule.positive:
        return [f"{allele} positive" for allele in sorted(rule.positive)]
    if rule.diplotypes:
        return sorted(rule.diplotypes)
    if rule.min_score is not None and rule.max_score is not None:
        return [f"activity score {rule.min_score:g}-{rule.max_score:g}"]
    return sorted(rule.phenotypes)


_COUNTS: tuple[tuple[str, Callable[[KbContents], int]], ...] = (
    ("biomarker records", lambda c: len(c.kb.biomarkers)),
    ("hotspots", lambda c: len(c.kb.hotspots)),
    ("PGx genes defined", lambda c: len(c.pgx.definitions)),
    ("PGx CPIC recommendations", lambda c: len(c.pgx.recommendations) + len(c.pgx.two_gene_recommendations)),
    ("PGx curated rules", lambda c: len(c.pgx.rules)),
    ("guideline testing rules", lambda c: len(c.gaps.rules)),
    ("guideline biomarkers", lambda c: len(c.gaps.biomarkers)),
    ("catalog tests", lambda c: len(c.gaps.catalog)),
    ("catalog providers", lambda c: len({entry.provider.id for entry in c.gaps.catalog})),
    ("trials", lambda c: len(c.trials)),
)
