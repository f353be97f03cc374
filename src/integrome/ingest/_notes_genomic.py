"""Genomic findings stated in words: protein and cDNA changes, exon-level alterations, fusions,
copy number, gene-level mutations, and what a negation of each excludes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from integrome.ingest._notes_context import Cue, gene_at, genes_in, written_words
from integrome.ingest._notes_rules import (
    COPY_NUMBER,
    EXON,
    FUSION,
    FUSION_JOINTS,
    GENE,
    MUTATION,
    NAMED,
    VARIANT,
)
from integrome.ingest._notes_vocab import FUSION_DRIVERS
from integrome.model import CopyNumberFinding, Finding, FusionFinding, VariantFinding
from integrome.normalize.genes import canonical_gene
from integrome.normalize.variants import ProteinChange, parse_protein_change

if TYPE_CHECKING:
    from spacy.tokens import Span

__all__ = ["Alteration", "chain_alteration", "fusion_driver", "genomic", "named_between"]


_CONSEQUENCE = {
    "missense": "missense_variant",
    "nonsense": "stop_gained",
    "frameshift": "frameshift_variant",
    "inframe_deletion": "inframe_deletion",
    "inframe_insertion": "inframe_insertion",
    "duplication": "inframe_insertion",
    "delins": "protein_altering_variant",
    "start_lost": "start_lost",
    "stop_lost": "stop_lost",
    "extension": "stop_lost",
    "synonymous": "synonymous_variant",
}
_MUTATION_KINDS = {
    "missense": "missense_variant",
    "nonsense": "stop_gained",
    "frameshift": "frameshift_variant",
}
_VAF = re.compile(r"(?i)\b(?:vaf|af)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*%")
_EXON_NUMBER = re.compile(r"\bex(?:on)?\s*(\d+)", re.IGNORECASE)
_EXON_KINDS = (
    (re.compile(r"skip", re.IGNORECASE), "exon_loss_variant", "skipping"),
    (re.compile(r"\bdel|deletion|\d+del\b", re.IGNORECASE), "inframe_deletion", "deletion"),
    (re.compile(r"\bins|insertion|dup", re.IGNORECASE), "inframe_insertion", "insertion"),
    (re.compile(r"missense", re.IGNORECASE), "missense_variant", "missense"),
    (re.compile(r"mutation|alteration", re.IGNORECASE), "protein_altering_variant", "mutation"),
)
_EXON_COMPACT = re.compile(r"^(?:ex(?:on)?(\d+)(del|ins|skip)\w*|del(\d+)|(\d+)del)$", re.IGNORECASE)


def _protein_change(ent: Span, after_gene: int) -> ProteinChange | None:
    """The protein change written after the gene ("p.G12D", "E746_A750del", "Q61*", "(p.G12C)")."""
    for word in written_words(ent[after_gene:]):
        text = word.strip("().,;:").removeprefix("p.").strip("()")
        for candidate in (text, text.split("-", 1)[0]):  # "T790M-positive"
            change = parse_protein_change(candidate) if candidate[:1].isupper() else None
            if change is not None and change.kind != "unknown":
                return change
    return None


@dataclass(frozen=True)
class Alteration:
    """What a genomic mention asserts, before negation decides whether it is present or excluded."""

    gene: str
    excluded: str
    finding: Finding


def genomic(ent: Span, base: dict[str, Any]) -> Alteration | None:
    """The finding a genomic target states (or None when the text does not parse)."""
    label = ent.label_
    if label == EXON and ent[0].text == "METex14":
        finding = VariantFinding(**base, gene="MET", consequence="exon_loss_variant", exon=14)
        return Alteration("MET", "exon 14 skipping", finding)
    if label == FUSION:
        return _fusion(ent, base)
    hit = gene_at(ent)
    if hit is None:
        return None
    gene, width = hit
    if label == VARIANT:
        change = _protein_change(ent, width)
        if change is None:
            return _cdna_variant(ent, gene, width, base)
        exon = _EXON_NUMBER.search(ent.text)
        vaf = _VAF.search(ent.text)
        cdna = next((w for w in written_words(ent[width:]) if w.startswith("c.")), None)
        finding = VariantFinding(
            **base,
            gene=gene,
            hgvs_c=cdna.rstrip(".,;:)") if cdna else None,
            hgvs_p=change.three_letter,
            consequence=_CONSEQUENCE.get(change.kind),
            exon=int(exon.group(1)) if exon else None,
            vaf=float(vaf.group(1)) / 100 if vaf and float(vaf.group(1)) <= 100 else None,
        )
        return Alteration(gene, change.short, finding)
    if label == EXON:
        return _exon(ent, gene, base)
    if label == COPY_NUMBER:
        return _copy_number(ent, gene, base)
    if label == NAMED:
        return _named(ent, gene, width, base)
    if label == MUTATION:
        kind = next((_MUTATION_KINDS[w] for w in ent.text.lower().split() if w in _MUTATION_KINDS), None)
        finding = VariantFinding(**base, gene=gene, consequence=kind or "protein_altering_variant")
        return Alteration(gene, "mutation", finding)
    return None


_NAMED_CONSEQUENCE = {"ITD": "inframe_insertion", "TKD": "protein_altering_variant"}
"""FLT3-ITDs are in-frame duplications; FLT3-TKD mutations are mostly D835/I836 substitutions but include
small in-frame deletions there, so only 'protein altering' is certain without the change."""


def _named(ent: Span, gene: str, width: int, base: dict[str, Any]) -> Alteration:
    """A named alteration ("FLT3-ITD"), with its protein change when one is written ("FLT3-TKD D835Y")."""
    name = str(ent._.target_rule.metadata["label"])
    change = _protein_change(ent, width)
    finding = VariantFinding(
        **base,
        gene=gene,
        hgvs_p=change.three_letter if change is not None else None,
        consequence=_CONSEQUENCE.get(change.kind) if change is not None else _NAMED_CONSEQUENCE[name],
        label=name,
    )
    return Alteration(gene, change.short if change is not None else name, finding)


_CDNA_SPLICE = re.compile(r"^c\.\d+([+-])[12][ACGT]>[ACGT]$")
_CDNA_INDEL = re.compile(r"^c\.(\d+)(?:_(\d+))?(del|dup|ins)([ACGT]*)$")


def _cdna_consequence(hgvs_c: str) -> str | None:
    """The consequence a coding DNA change implies by itself (HGVS c. numbering).

    ±1/±2 intronic substitutions hit the canonical splice donor (+) or acceptor (−) site; a
    coding deletion, duplication or insertion whose length is not a multiple of three shifts the
    reading frame. Substitutions need the codon, which the text does not give: None.
    """
    splice = _CDNA_SPLICE.match(hgvs_c)
    if splice is not None:
        return "splice_donor_variant" if splice.group(1) == "+" else "splice_acceptor_variant"
    indel = _CDNA_INDEL.match(hgvs_c)
    if indel is None:
        return None
    start, end, kind, bases = indel.groups()
    if kind == "ins":
        length = len(bases)
    else:
        length = int(end) - int(start) + 1 if end else 1
        if bases and len(bases) != length:
            return None
    if length == 0:
        return None
    if length % 3:
        return "frameshift_variant"
    return "inframe_deletion" if kind == "del" else "inframe_insertion"


def _cdna_variant(ent: Span, gene: str, width: int, base: dict[str, Any]) -> Alteration | None:
    word = next((w for w in written_words(ent[width:]) if w.startswith("c.")), None)
    if word is None:
        return None
    hgvs_c = word.rstrip(".,;:)")
    finding = VariantFinding(**base, gene=gene, hgvs_c=hgvs_c, consequence=_cdna_consequence(hgvs_c))
    return Alteration(gene, hgvs_c, finding)


def _exon(ent: Span, gene: str, base: dict[str, Any]) -> Alteration | None:
    text = ent.text
    compact = next((m for m in (_EXON_COMPACT.match(t.text) for t in ent) if m), None)
    if compact is not None:
        number = compact.group(1) or compact.group(3) or compact.group(4)
        text = f"exon {number} {compact.group(2) or 'del'}"
    exon = _EXON_NUMBER.search(text)
    if exon is None:
        return None
    hgvs_c = _bracketed_cdna(ent)
    stated = _cdna_consequence(hgvs_c) if hgvs_c is not None else None
    for pattern, consequence, word in _EXON_KINDS:
        if pattern.search(text.split(exon.group(0), 1)[1]):
            number = int(exon.group(1))
            finding = VariantFinding(
                **base, gene=gene, hgvs_c=hgvs_c, consequence=stated or consequence, exon=number
            )
            return Alteration(gene, f"exon {number} {word}", finding)
    return None


def _bracketed_cdna(ent: Span) -> str | None:
    """The cDNA change in the brackets right after an exon statement: "NPM1 exon 12 insertion (type A,
    c.860_863dupTCTG)" is a 4-base duplication, a frameshift rather than the in-frame insertion an
    "exon insertion" usually means."""
    doc = ent.doc
    if ent.end >= len(doc) or doc[ent.end].text != "(":
        return None
    end = next((t.i for t in doc[ent.end : ent.sent.end] if t.text == ")"), None)
    if end is None:
        return None
    word = next((w for w in written_words(doc[ent.end + 1 : end]) if w.startswith("c.")), None)
    return word.rstrip(".,;:") if word is not None else None


_THREE_PRIME_KINASES = frozenset({"ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3"})
_FIVE_PRIME_KINASES = frozenset({"FGFR2", "FGFR3"})
_WRITTEN_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


def fusion_driver(five: str, three: str) -> str:
    """The gene a fusion is actionable through: the known driver of the two.

    When both are drivers, ALK, ROS1, RET and NTRK1-3 fusions keep the kinase domain in the 3'
    partner (EML4-ALK, KIF5B-RET), while FGFR2 and FGFR3 fusions keep it in the 5' partner
    (FGFR2-BICC1, FGFR3-TACC3); otherwise the 3' gene, which carries the kinase in most
    oncogenic fusions. With no known driver the 5' gene stands for the fusion.
    """
    if five in FUSION_DRIVERS and three in FUSION_DRIVERS:
        if three not in _THREE_PRIME_KINASES and five in _FIVE_PRIME_KINASES:
            return five
        return three
    if three in FUSION_DRIVERS:
        return three
    return five


def _written_gene(tokens: Span) -> tuple[str, int] | None:
    """A known gene starting `tokens`, else a symbol-like word the vocabulary lacks ("XYZ1")."""
    hit = gene_at(tokens)
    if hit is not None:
        return hit
    if len(tokens) and _WRITTEN_SYMBOL.match(tokens[0].text):
        return canonical_gene(tokens[0].text) or tokens[0].text, 1
    return None


def _fusion(ent: Span, base: dict[str, Any]) -> Alteration | None:
    """Genes joined by a hyphen or "::" are written 5' to 3' (HGNC fusion nomenclature); in
    "ALK fusion with EML4" the orientation is not stated."""
    first = _written_gene(ent)
    if first is not None:
        after = first[1]
        joint = after
        while joint < len(ent) and ent[joint].text in FUSION_JOINTS:
            joint += 1
        second = _written_gene(ent[joint:]) if joint > after else None
        if second is not None:
            five, three = first[0], second[0]
            gene = fusion_driver(five, three)
            partner = three if gene == five else five
            finding = FusionFinding(**base, gene=gene, partner=partner, five_prime=five, three_prime=three)
            return Alteration(gene, "fusion", finding)
    genes = genes_in(ent)
    if not genes:
        return None
    if len(genes) == 1:
        return Alteration(genes[0], "fusion", FusionFinding(**base, gene=genes[0]))
    named, other = genes[0], genes[1]
    gene, partner = (
        (other, named) if other in FUSION_DRIVERS and named not in FUSION_DRIVERS else (named, other)
    )
    return Alteration(gene, "fusion", FusionFinding(**base, gene=gene, partner=partner))


def _copy_number(ent: Span, gene: str, base: dict[str, Any]) -> Alteration:
    text = ent.text.lower()
    call: Literal["amplification", "gain", "loss", "deep_deletion"]
    if "amp" in text:
        call, excluded = "amplification", "amplification"
    elif "gain" in text:
        call, excluded = "gain", "gain"
    elif any(word in text for word in ("homozygous", "deep", "biallelic")):
        call, excluded = "deep_deletion", "deletion"
    else:
        call, excluded = "loss", "loss"
    return Alteration(gene, excluded, CopyNumberFinding(**base, gene=gene, call=call))


_CHAIN_ALTERATION = {
    MUTATION: "mutation",
    VARIANT: "mutation",
    EXON: "mutation",
    FUSION: "fusion",
    COPY_NUMBER: "amplification",
}


def chain_alteration(ent: Span) -> str | None:
    """The alteration named at the end of a list of genes: "KRAS, NRAS or BRAF mutations" → mutation,
    "No ROS1, RET or NTRK fusion" → fusion (a gene family such as NTRK may sit in the list)."""
    for token in ent.doc[ent.end :]:
        label = token.ent_type_
        if label and label != GENE:
            return _CHAIN_ALTERATION.get(label)
        if token.lower_ in _ALTERATION_NOUNS:
            return _ALTERATION_NOUNS[token.lower_]
        if not (label or token.is_upper or token.lower_ in {",", "and", "or", "nor", "/", "&"}):
            return None
    return None


_ALTERATION_NOUNS = {
    "mutation": "mutation",
    "mutations": "mutation",
    "variant": "mutation",
    "variants": "mutation",
    "fusion": "fusion",
    "fusions": "fusion",
    "rearrangement": "fusion",
    "rearrangements": "fusion",
    "amplification": "amplification",
    "amplifications": "amplification",
}


def named_between(ent: Span, negation: Cue) -> str | None:
    """The alteration named between a negation and its gene ("no mutations detected in KRAS")."""
    start, end = (negation.end, ent.start) if negation.end <= ent.start else (ent.end, negation.start)
    return next(
        (_ALTERATION_NOUNS[t.lower_] for t in ent.doc[start:end] if t.lower_ in _ALTERATION_NOUNS), None
    )
