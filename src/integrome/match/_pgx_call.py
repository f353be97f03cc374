"""Star-allele calling from site genotypes (pure: values in, values out).

The rules follow PharmCAT's NamedAlleleMatcher (Sangkuhl et al. 2020, PMID 31306493) so results
can be compared with its test VCFs:

- a definition position absent from the input (or a no-call) is *missing*: it is dropped from every
  allele, and an allele left with no assessable position is *not assessable* (never reference);
- a no-call the inputs contradict (`SiteGenotype.conflict`) is missing too, and listed in
  `conflicts`: the gene has a result the caller must not infer from the other positions;
- positions an allele does not define are assumed to carry the reference allele's base;
- every haplotype pair consistent with the genotype is returned; with unphased heterozygous sites
  several pairs can be, and they are ranked by how many defined positions both alleles explain
  (most specific first); ties are reported as ambiguous;
- DPYD, RYR1 and CACNA1S name single variants: each variant found is reported (combination mode).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from integrome.knowledge.pgx_defs import IUPAC, GeneDefinition, allele_key
from integrome.model import SiteGenotype

__all__ = ["Candidate", "GeneCall", "call_gene"]


@dataclass(frozen=True)
class Candidate:
    """One diplotype consistent with the genotype; each side lists the alleles on that haplotype."""

    hap1: tuple[str, ...]
    hap2: tuple[str, ...] | None
    score: int
    unverified: int = 0
    """Defining positions of its alleles that the input did not assess (0 = fully assessed)."""

    @property
    def name(self) -> str:
        first = " + ".join(self.hap1)
        if self.hap2 is None:
            return first
        return f"{first}/{' + '.join(self.hap2)}"


@dataclass
class GeneCall:
    gene: str
    assessed: bool
    candidates: list[Candidate] = field(default_factory=list)
    missing_positions: list[str] = field(default_factory=list)
    not_assessable: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    phased: bool = False
    partial_calls: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    """Definition positions the inputs contradict (labels): the gene's phenotype is not called."""

    @property
    def top(self) -> list[Candidate]:
        if not self.candidates:
            return []
        best = self.candidates[0].score
        return [c for c in self.candidates if c.score == best]


def _expand(cell: frozenset[str], snv: bool) -> frozenset[str]:
    if not snv:
        return cell
    bases: set[str] = set()
    for code in cell:
        bases |= IUPAC.get(code, frozenset({code}))
    return frozenset(bases)


@dataclass
class _Observed:
    index: int
    keys: tuple[str, ...]
    phased: bool


def _observe(
    definition: GeneDefinition, sites: Mapping[tuple[str, int], SiteGenotype], build: str
) -> tuple[list[_Observed], list[str], list[str], list[str]]:
    """(observed positions, missing labels, partial-call labels, contradicted labels)."""
    observed: list[_Observed] = []
    missing: list[str] = []
    partial: list[str] = []
    conflicts: list[str] = []
    for i, position in enumerate(definition.positions):
        pos = position.pos(build)
        site = sites.get((position.chrom, pos)) if pos is not None else None
        if site is None or any(a is None for a in site.alleles) or not site.alleles:
            missing.append(position.label(build))
            if site is not None and any(a is not None for a in site.alleles):
                partial.append(position.label(build))
            if site is not None and site.conflict:
                conflicts.append(position.label(build))
            continue
        keys = tuple(allele_key(site.ref, a, position.snv) for a in site.alleles if a is not None)
        observed.append(_Observed(i, keys, site.phased))
    return observed, missing, partial, conflicts


def call_gene(
    definition: GeneDefinition,
    sites: Mapping[tuple[str, int], SiteGenotype],
    build: str,
    combination: bool = False,
) -> GeneCall:
    """Call one gene's diplotype(s) from the sites at its definition positions on `build`.

    A contradicted position makes the gene assessed (the inputs did state it) with no candidates.
    """
    observed, missing, partial, conflicts = _observe(definition, sites, build)
    call = GeneCall(
        definition.gene,
        assessed=bool(observed or conflicts),
        missing_positions=missing,
        partial_calls=partial,
        conflicts=conflicts,
    )
    if not observed or conflicts:
        return call
    required = set(definition.required_positions)
    call.missing_required = [
        p.label(build) for p in definition.positions if p.pos38 in required and p.label(build) in missing
    ]
    if call.missing_required:
        return call
    available = {o.index for o in observed}
    reference = definition.reference()
    names: list[str] = []
    scores: list[int] = []
    unverified: list[int] = []
    filled: list[dict[int, frozenset[str]]] = []
    for allele in definition.alleles:
        defined = {i: c for i, c in allele.cells.items() if i in available}
        if not defined and not allele.reference:
            call.not_assessable.append(allele.name)
            continue
        cells = {
            o.index: _expand(
                defined.get(o.index, reference.cells[o.index]), definition.positions[o.index].snv
            )
            for o in observed
        }
        names.append(allele.name)
        scores.append(len(defined))
        unverified.append(len(allele.cells) - len(defined))
        filled.append(cells)
    call.phased = all(o.phased for o in observed) or all(len(set(o.keys)) == 1 for o in observed)
    if combination:
        _combine(call, observed, names, filled, reference.name)
        return call
    _pairs(call, observed, names, scores, unverified, filled)
    _prioritize(call, definition)
    if not call.candidates:
        call.unexplained = _unexplained(definition, build, observed, filled)
    return call


def _pairs(
    call: GeneCall,
    observed: Sequence[_Observed],
    names: Sequence[str],
    scores: Sequence[int],
    unverified: Sequence[int],
    filled: Sequence[Mapping[int, frozenset[str]]],
) -> None:
    """Depth-first search over haplotype orientations, pruned by per-position allele bitmasks."""
    everyone = (1 << len(names)) - 1
    masks: list[dict[str, int]] = []
    for o in observed:
        by_key: dict[str, int] = {}
        for key in set(o.keys):
            bits = 0
            for n, cells in enumerate(filled):
                if key in cells[o.index]:
                    bits |= 1 << n
            by_key[key] = bits
        masks.append(by_key)
    haploid = all(len(o.keys) == 1 for o in observed)
    found: dict[tuple[str, ...], Candidate] = {}
    if haploid:
        mask = everyone
        for o, by_key in zip(observed, masks, strict=True):
            mask &= by_key[o.keys[0]]
        for n in _most_specific(mask, scores) if mask else []:
            found[(names[n],)] = Candidate((names[n],), None, scores[n], unverified[n])
        call.candidates = sorted(found.values(), key=lambda c: (-c.score, _natural(c.name)))
        return
    stack: list[tuple[int, int, int, bool]] = [(0, everyone, everyone, False)]
    while stack:
        depth, m1, m2, oriented = stack.pop()
        if not (m1 and m2):
            continue
        if depth == len(observed):
            for a in _most_specific(m1, scores):
                for b in _most_specific(m2, scores):
                    pair = tuple(sorted((names[a], names[b]), key=_natural))
                    if pair not in found:
                        found[pair] = Candidate(
                            (pair[0],), (pair[1],), scores[a] + scores[b], unverified[a] + unverified[b]
                        )
            continue
        o = observed[depth]
        k1, k2 = o.keys[0], o.keys[-1]
        by_key = masks[depth]
        stack.append(
            (depth + 1, m1 & by_key[k1], m2 & by_key[k2], oriented or (k1 != k2 and not call.phased))
        )
        if k1 != k2 and not call.phased and oriented:
            stack.append((depth + 1, m1 & by_key[k2], m2 & by_key[k1], True))
    call.candidates = sorted(found.values(), key=lambda c: (-c.score, _natural(c.name)))


def _prioritize(call: GeneCall, definition: GeneDefinition) -> None:
    """Put the exemption's pick first among equally ranked unphased diplotypes (PharmCAT NAT2)."""
    top = {c.name for c in call.top}
    for names, pick in definition.unphased_priorities:
        if top == names:
            call.candidates.sort(key=lambda c: c.name != pick)
            return


def _combine(
    call: GeneCall,
    observed: Sequence[_Observed],
    names: Sequence[str],
    filled: Sequence[Mapping[int, frozenset[str]]],
    reference: str,
) -> None:
    """Per-variant calling: each non-reference allele found is reported with its copy number."""
    found: list[tuple[str, int, list[int]]] = []
    ref_cells = filled[names.index(reference)]
    for name, cells in zip(names, filled, strict=True):
        if name == reference:
            continue
        defining = [o for o in observed if cells[o.index] != ref_cells[o.index]]
        if not defining:
            continue
        copies = min(sum(1 for k in o.keys if k in cells[o.index]) for o in defining)
        if copies:
            found.append((name, copies, [o.index for o in defining]))
    found.sort(key=lambda f: _natural(f[0]))
    hap1: list[str] = []
    hap2: list[str] = []
    for name, copies, indexes in found:
        if copies >= 2:
            hap1.append(name)
            hap2.append(name)
        elif call.phased:
            first = next(o for o in observed if o.index == indexes[0])
            (hap1 if first.keys[0] in filled[names.index(name)][first.index] else hap2).append(name)
        elif len(hap1) <= len(hap2):
            hap1.append(name)
        else:
            hap2.append(name)
    side1 = tuple(hap1) or (reference,)
    side2 = tuple(hap2) or (reference,)
    ordered = sorted(
        (side1, side2), key=lambda s: (s == (reference,), [_natural(n) for n in s]), reverse=True
    )
    call.candidates = [Candidate(ordered[0], ordered[1], len(found))]


def _unexplained(
    definition: GeneDefinition,
    build: str,
    observed: Sequence[_Observed],
    filled: Sequence[Mapping[int, frozenset[str]]],
) -> list[str]:
    """Observed alleles that no assessable definition carries (novel or undocumented variants)."""
    out: list[str] = []
    for o in observed:
        for key in sorted(set(o.keys)):
            if not any(key in cells[o.index] for cells in filled):
                out.append(f"{definition.positions[o.index].label(build)} {key}")
    return out


def _most_specific(mask: int, scores: Sequence[int]) -> list[int]:
    """Of the alleles matching one haplotype, keep those defined at the most assessed positions.

    With missing positions, a rarer allele can shrink to the same pattern as a common one (CYP2C19
    *41 without rs57700608 looks like *1); the allele still defined at more positions explains the
    haplotype with fewer assumptions.
    """
    matching = _bits(mask)
    best = max(scores[n] for n in matching)
    return [n for n in matching if scores[n] == best]


def _bits(mask: int) -> list[int]:
    out: list[int] = []
    n = 0
    while mask:
        if mask & 1:
            out.append(n)
        mask >>= 1
        n += 1
    return out


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort `*2` before `*10`, numbers before words (PharmCAT's haplotype name order)."""
    parts: list[tuple[int, int | str]] = []
    token = ""
    for ch in name + "\0":
        if ch.isdigit():
            token += ch
            continue
        if token:
            parts.append((0, int(token)))
            token = ""
        if ch != "\0":
            parts.append((1, ch))
    return tuple(parts)
