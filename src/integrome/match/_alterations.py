"""Does one patient finding carry the alteration a knowledge-base record describes?

One predicate per `Alteration.type` (the vocabulary is documented in `model/knowledge.py`).
Protein changes are compared in their canonical one-letter short form, so the KB's `V600E`
equals a VCF's `p.Val600Glu`. A `NegativeFinding` ("no KRAS mutation") never matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from integrome.model import (
    Alteration,
    AlterationType,
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    VariantFinding,
)
from integrome.normalize.variants import (
    ConsequenceCategory,
    ProteinChange,
    consequence_category,
    is_protein_altering,
    parse_protein_change,
)

__all__ = [
    "EXON_PROTEIN_RANGES",
    "NAMED_ALTERATIONS",
    "biomarker_key",
    "exon_inferred_from_position",
    "finding_matches",
    "protein_change",
]

EXON_PROTEIN_RANGES: dict[tuple[str, int], tuple[int, int]] = {
    ("EGFR", 18): (688, 728),
    ("EGFR", 19): (729, 761),
    ("EGFR", 20): (762, 823),
    ("EGFR", 21): (824, 875),
    ("KIT", 11): (550, 591),
}
"""Codons wholly encoded by an exon, for variants whose input carries no exon number.

EGFR exons 18-21 on RefSeq NM_005228 (NP_005219), as commonly reported for the kinase-domain
exons of the FDA-labelled G719X, exon 19 deletion, exon 20 insertion/T790M and L858R variants;
exon 19 checked against CIViC variant 133 ("EXON 19 DELETION", c.2185-c.2283). KIT exon 11 on
RefSeq NM_000222 (NP_000213) is c.1648-c.1774: CIViC variant 66 gives the exon's GRCh37 span
4:55593582-55593708, and variant 949 (K550_K558del, c.1648_1674del) starts on its first base.
Codon 592 straddles exons 11 and 12 and is left out. Other exons are not listed (their
boundaries could not be checked here): for them the matcher relies on the input's exon number.
"""

_BIOMARKER_ALIASES = {"ERBB2": "HER2", "HER2NEU": "HER2", "CD274": "PDL1"}
"""HGNC symbol → reported biomarker name (HER2 is ERBB2's protein, PD-L1 is CD274's)."""

_BIOMARKER_GENES = {"HER2": "ERBB2", "PDL1": "CD274"}

_CANONICAL_SPLICE_HGVS_C = re.compile(r"\d[+-][12](?!\d)")
"""c.1234+1G>A / c.1235-2A>G: the invariant GT-AG dinucleotides at intron ends."""

_TRUNCATING = frozenset({"nonsense", "frameshift", "start_lost"})
_LOSS_OF_FUNCTION_CATEGORIES = _TRUNCATING | {"splice"}
"""consequence_category's "splice" is the canonical ±1/2 donor and acceptor sites only."""
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def protein_change(finding: VariantFinding) -> ProteinChange | None:
    """The finding's parsed protein change, or None when the input gave none we can read."""
    if finding.hgvs_p is None:
        return None
    return _parse(finding.hgvs_p)


@lru_cache(maxsize=4096)
def _parse(text: str) -> ProteinChange | None:
    change = parse_protein_change(text)
    return None if change is None or change.kind == "unknown" else change


def _canonical(text: str) -> str:
    change = _parse(text)
    return change.short if change is not None else text.removeprefix("p.")


def biomarker_key(name: str) -> str:
    """HER2 = ERBB2 = her-2/neu; PD-L1 = PDL1 = CD274 (upper case, letters and digits only)."""
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    return _BIOMARKER_ALIASES.get(key, key)


def _biomarker_gene(finding: BiomarkerFinding) -> str:
    if finding.gene is not None:
        return finding.gene
    key = biomarker_key(finding.biomarker)
    return _BIOMARKER_GENES.get(key, key)


def _terms(finding: VariantFinding) -> list[str]:
    if not finding.consequence:
        return []
    return [term for term in re.split(r"[&,]", finding.consequence) if term]


def _category(finding: VariantFinding) -> ConsequenceCategory | None:
    terms = _terms(finding)
    return consequence_category(terms) if terms else None


def _protein_altering(finding: VariantFinding, change: ProteinChange | None) -> bool:
    category = _category(finding)
    if category is not None and category != "other":
        return is_protein_altering(category)
    return change is not None and change.kind != "synonymous"


def _net_length_change(change: ProteinChange) -> int:
    """Residues gained (>0) or lost (<0) by an in-frame delins, e.g. L747_A750delinsP is -3."""
    end = change.end_position if change.end_position is not None else change.position
    return len(change.alt or "") - (end - change.position + 1)


def _inframe(finding: VariantFinding, change: ProteinChange | None, deletion: bool) -> bool:
    if change is not None:
        if change.kind == "delins":
            net = _net_length_change(change)
            return net < 0 if deletion else net > 0
        wanted = {"inframe_deletion"} if deletion else {"inframe_insertion", "duplication"}
        return change.kind in wanted
    term = "inframe_deletion" if deletion else "inframe_insertion"
    return term in _terms(finding)


def exon_inferred_from_position(gene: str, exons: list[int], change: ProteinChange | None) -> int | None:
    """The exon whose codon range holds the whole protein change (EXON_PROTEIN_RANGES), if any."""
    if change is None:
        return None
    end = change.end_position if change.end_position is not None else change.position
    for exon in exons:
        bounds = EXON_PROTEIN_RANGES.get((gene, exon))
        if bounds is not None and bounds[0] <= change.position and end <= bounds[1]:
            return exon
    return None


NAMED_ALTERATIONS: dict[tuple[str, str], tuple[AlterationType, frozenset[int]]] = {
    ("FLT3", "ITD"): ("exon_insertion", frozenset({14, 15})),
    ("FLT3", "TKD"): ("codon", frozenset({835, 836})),
}
"""Where an alteration that reports name without an HGVS change lies (`VariantFinding.label`).

FLT3-ITD: in-frame internal tandem duplications of the juxtamembrane region, exons 14-15; FLT3-TKD:
the D835/I836 tyrosine-kinase-domain mutations, as the FLT3 companion diagnostic (LeukoStrat CDx FLT3
Mutation Assay; RYDAPT and XOSPATA labels) reports them. A named alteration matches a record of the
same type only when the record's exons or codons include all of these places.
"""


def _named(alteration: Alteration, gene: str, finding: VariantFinding) -> bool:
    named = NAMED_ALTERATIONS.get((gene, finding.label or ""))
    if named is None or alteration.type != named[0]:
        return False
    places = alteration.codons if alteration.type == "codon" else alteration.exons
    return named[1] <= set(places) and not alteration.exclude_values


def _in_exons(gene: str, exons: list[int], finding: VariantFinding, change: ProteinChange | None) -> bool:
    if finding.exon is not None:
        return finding.exon in exons
    return exon_inferred_from_position(gene, exons, change) is not None


def _truncating(finding: VariantFinding, change: ProteinChange | None) -> bool:
    if change is not None and change.kind in _TRUNCATING:
        return True
    if _category(finding) in _LOSS_OF_FUNCTION_CATEGORIES:
        return True
    return finding.hgvs_c is not None and _CANONICAL_SPLICE_HGVS_C.search(finding.hgvs_c) is not None


def _numeric(finding: BiomarkerFinding) -> float | None:
    if finding.numeric is not None:
        return finding.numeric
    found = _NUMBER.search(finding.value)
    return float(found.group()) if found else None


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _biomarker_result_matches(alteration: Alteration, finding: BiomarkerFinding) -> bool:
    """Status, reported level, numeric range and scoring scheme must all agree when the record gives them.

    A record naming only the biomarker means "positive" (MSI-H, dMMR, TMB-high), never any result.
    """
    if alteration.status is not None and finding.status != alteration.status:
        return False
    if alteration.levels and _norm(finding.value) not in {_norm(level) for level in alteration.levels}:
        return False
    if alteration.min_value is not None or alteration.max_value is not None:
        value = _numeric(finding)
        if value is None:
            return False
        if alteration.min_value is not None and value < alteration.min_value:
            return False
        if alteration.max_value is not None and value > alteration.max_value:
            return False
    if (
        alteration.scoring is not None
        and finding.scoring is not None
        and _norm(finding.scoring) != _norm(alteration.scoring)
    ):
        return False
    bounds = (alteration.status, alteration.min_value, alteration.max_value)
    if alteration.levels or any(bound is not None for bound in bounds):
        return True
    return finding.status == "positive"


def _variant(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    if not isinstance(finding, VariantFinding) or gene is None or finding.gene != gene:
        return False
    change = protein_change(finding)
    if change is None and finding.label is not None and _named(alteration, gene, finding):
        return True
    kind = alteration.type
    if kind == "protein_change":
        return change is not None and change.short in {_canonical(value) for value in alteration.values}
    if kind == "codon":
        return (
            change is not None
            and change.kind == "missense"
            and change.position in alteration.codons
            and change.short not in {_canonical(value) for value in alteration.exclude_values}
        )
    if kind in ("exon_deletion", "exon_insertion"):
        return _in_exons(gene, alteration.exons, finding, change) and _inframe(
            finding, change, deletion=kind == "exon_deletion"
        )
    if kind == "exon_mutation":
        return _in_exons(gene, alteration.exons, finding, change) and _protein_altering(finding, change)
    if kind == "any_mutation":
        return _protein_altering(finding, change)
    return False


_EXON_LOSS_TERMS = frozenset({"exon_loss_variant", "exon_skipping"})
"""SO:0001572 exon_loss_variant is how notes and FHIR results state "MET exon 14 skipping" (RNA
evidence or a reported alteration without its DNA change); 'exon_skipping' is the plain wording."""


def _splice_site_of_exon(finding: VariantFinding, exons: list[int]) -> bool:
    """A canonical splice-site variant at a boundary of one of `exons`.

    Exon N is spliced in through the acceptor at the 3' end of intron N-1 and the donor at the 5'
    end of intron N (introns numbered in transcript order, as VEP INTRON and SnpEff Rank do, so
    strand does not matter). VEP places a point variant at these sites in the intron and gives no
    EXON; a deletion across the exon boundary carries the exon number itself. A donor variant in
    intron N-1 or an acceptor in intron N belongs to the neighbouring exon and does not count.
    """
    terms = set(_terms(finding))
    if finding.exon in exons and _category(finding) == "splice":
        return True
    if finding.intron is None:
        return False
    acceptor = "splice_acceptor_variant" in terms and finding.intron + 1 in exons
    donor = "splice_donor_variant" in terms and finding.intron in exons
    return acceptor or donor


def _exon_skipping(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    """MET exon 14 skipping: a reported exon loss, a canonical splice-site variant of the exon (the
    intron 13 acceptor, the intron 14 donor, or either site when the exon itself is given), an
    intragenic MET-MET RNA fusion, or a reported 'METex14' biomarker.

    The FDA labels define the indication as "a mutation that leads to MET exon 14 skipping"
    (TABRECTA (capmatinib) prescribing information, 2020; TEPMETKO (tepotinib) prescribing
    information, 2021): the exon is lost from the transcript when its splice acceptor or donor
    site is destroyed, whichever of the two the variant hits. Splice-region variants outside the
    invariant dinucleotides are not matched: whether a given one causes skipping needs RNA evidence.
    """
    if gene is None:
        return False
    if isinstance(finding, VariantFinding):
        if finding.gene != gene:
            return False
        if finding.exon in alteration.exons and _EXON_LOSS_TERMS.intersection(_terms(finding)):
            return True
        return _splice_site_of_exon(finding, alteration.exons)
    if isinstance(finding, FusionFinding):
        intragenic = finding.partner == gene or finding.five_prime == finding.three_prime == gene
        return finding.gene == gene and intragenic
    if isinstance(finding, BiomarkerFinding):
        names = {
            f"{gene}{word}{exon}{tail}"
            for exon in alteration.exons
            for word in ("EX", "EXON")
            for tail in ("", "SKIPPING")
        }
        return finding.status == "positive" and biomarker_key(finding.biomarker) in names
    return False


def _loss_of_function(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    if isinstance(finding, CopyNumberFinding):
        return finding.gene == gene and finding.call == "deep_deletion"
    if isinstance(finding, VariantFinding):
        return gene is not None and finding.gene == gene and _truncating(finding, protein_change(finding))
    return False


def _amplification(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    """Copy-number amplification, or an ISH result reported positive (HER2 ISH amplified)."""
    if isinstance(finding, CopyNumberFinding):
        return finding.gene == gene and finding.call == "amplification"
    if isinstance(finding, BiomarkerFinding):
        return (
            finding.status == "positive"
            and _biomarker_gene(finding) == gene
            and "ISH" in (finding.method or "").upper()
        )
    return False


def _deletion(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    return isinstance(finding, CopyNumberFinding) and finding.gene == gene and finding.call == "deep_deletion"


def _fusion(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    if gene is None:
        return False
    if isinstance(finding, FusionFinding):
        genes = {finding.gene, finding.partner, finding.five_prime, finding.three_prime} - {None}
        if gene not in genes:
            return False
        if finding.kinase_domain_retained is False and finding.gene == gene:
            return False  # the orientation leaves the gene's kinase domain out (ingest/fusions.py)
        others = genes - {gene}
        return not alteration.partners or bool(others.intersection(alteration.partners))
    if isinstance(finding, BiomarkerFinding):
        named = biomarker_key(finding.biomarker) in {f"{gene}FUSION", f"{gene}REARRANGEMENT"}
        return named and finding.status == "positive" and not alteration.partners
    return False


def _biomarker(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    if not isinstance(finding, BiomarkerFinding) or alteration.biomarker is None:
        return False
    if biomarker_key(finding.biomarker) != biomarker_key(alteration.biomarker):
        return False
    return _biomarker_result_matches(alteration, finding)


_PREDICATES: dict[str, Callable[[Alteration, str | None, Finding], bool]] = {
    "protein_change": _variant,
    "codon": _variant,
    "exon_deletion": _variant,
    "exon_insertion": _variant,
    "exon_mutation": _variant,
    "any_mutation": _variant,
    "exon_skipping": _exon_skipping,
    "loss_of_function": _loss_of_function,
    "amplification": _amplification,
    "deletion": _deletion,
    "fusion": _fusion,
    "biomarker": _biomarker,
}


def finding_matches(alteration: Alteration, gene: str | None, finding: Finding) -> bool:
    """True when `finding` shows `alteration` of `gene` with a compatible origin.

    A finding of unknown origin is accepted by a somatic- or germline-only record (most inputs do
    not say); a finding whose origin is known and different is not.
    """
    if alteration.origin != "any" and finding.origin not in (alteration.origin, "unknown"):
        return False
    return _PREDICATES[alteration.type](alteration, gene, finding)
