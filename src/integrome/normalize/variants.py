"""Variant notation: HGVS protein changes, genomic keys and consequence categories.

Protein changes follow HGVS nomenclature (varnomen.hgvs.org, "Protein" recommendations): the
one-letter (`p.V600E`, MAF `HGVSp_Short`) and three-letter (`p.Val600Glu`, VEP `HGVSp`) forms
parse to the same value, so a knowledge-base record written one way matches a VCF annotated the
other way. Genomic keys follow VCF 4.3 allele representation (shared prefix/suffix trimmed, one
anchor base kept for indels); full normalization also needs left-alignment against the reference
(Tan et al., Bioinformatics 2015, PMID 25701572), which `left_align` does given a sequence fetcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from integrome.model import Build

__all__ = [
    "ConsequenceCategory",
    "GenomicKey",
    "ProteinChange",
    "ProteinKind",
    "chromosome_accession",
    "chromosome_of_accession",
    "consequence_category",
    "genomic_key",
    "is_protein_altering",
    "left_align",
    "normalize_chrom",
    "parse_protein_change",
    "short_protein",
    "three_letter_protein",
]

ProteinKind = Literal[
    "missense",
    "nonsense",
    "synonymous",
    "frameshift",
    "inframe_deletion",
    "inframe_insertion",
    "delins",
    "duplication",
    "start_lost",
    "stop_lost",
    "extension",
    "unknown",
]
ConsequenceCategory = Literal[
    "missense",
    "nonsense",
    "frameshift",
    "inframe_indel",
    "splice",
    "start_lost",
    "stop_lost",
    "synonymous",
    "noncoding",
    "other",
]
GenomicKey = tuple[str, int, str, str]

_THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
    "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
    "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U", "Pyl": "O", "Ter": "*",
}  # fmt: skip
_ONE_TO_THREE = {one: three for three, one in _THREE_TO_ONE.items()}
_THREE_RE = re.compile("|".join(_THREE_TO_ONE))
_AA = "ACDEFGHIKLMNPQRSTVWYUO*"
_SINGLE = re.compile(rf"^([{_AA}])(\d+)(.*)$")
_RANGE = re.compile(rf"^([{_AA}])(\d+)_([{_AA}])(\d+)(.*)$")
_SEQ = re.compile(rf"^[{_AA}]+$")


@dataclass(frozen=True)
class ProteinChange:
    """A protein-level change in one-letter amino-acid codes ('*' is a stop codon).

    `alt` holds the new residue(s): the substituted residue, the inserted or replacing sequence, or
    '' where HGVS names none (deletions, duplications, frameshifts, codon-only references such as
    "V600"). Frameshifts keep only their first changed codon ("R1443fs"), the level at which
    knowledge bases record them.
    """

    ref: str
    position: int
    end_ref: str | None
    end_position: int | None
    alt: str
    kind: ProteinKind

    @property
    def short(self) -> str:
        """One-letter form without the `p.` prefix: V600E, E746_A750del, Q61*, R1443fs."""
        return self._render(lambda aa: aa)

    @property
    def three_letter(self) -> str:
        """HGVS three-letter form: p.Val600Glu, p.Glu746_Ala750del, p.Gln61Ter, p.Arg1443fs."""
        if self.position == 0:
            return "p.="
        return "p." + self._render(lambda seq: "".join(_ONE_TO_THREE[aa] for aa in seq))

    def _render(self, code: Callable[[str], str]) -> str:
        if self.position == 0:
            return "="
        start = f"{code(self.ref)}{self.position}"
        if self.end_position is not None and self.end_ref is not None:
            start = f"{start}_{code(self.end_ref)}{self.end_position}"
        suffix = {
            "synonymous": "=",
            "frameshift": "fs",
            "inframe_deletion": "del",
            "duplication": "dup",
            "start_lost": "?",
            "inframe_insertion": f"ins{code(self.alt)}",
            "delins": f"delins{code(self.alt)}",
            "stop_lost": f"{code(self.alt)}ext" if self.alt else "ext",
            "extension": f"{code(self.alt)}ext" if self.alt else "ext",
        }.get(self.kind)
        if suffix is None:
            suffix = code(self.alt) if self.alt else ""
        return start + suffix


def _to_one_letter(body: str) -> str:
    return _THREE_RE.sub(lambda m: _THREE_TO_ONE[m.group(0)], body)


def _strip(text: str) -> str:
    body = unquote(text.strip())
    if ":" in body:
        body = body.rsplit(":", 1)[1]
    body = body.removeprefix("p.")
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    return body


def parse_protein_change(text: str) -> ProteinChange | None:
    """Parse an HGVS protein change in one- or three-letter form; None when it is not one.

    Accepts an optional accession prefix (NP_004324.2:, ENSP…:), `p.`, predicted-change parentheses,
    URL escapes (VEP writes `=` as %3D), legacy `X` for stop and trailing frameshift lengths.
    """
    body = _strip(text)
    if body == "=":
        return ProteinChange("", 0, None, None, "", "synonymous")
    if not body or body in {"?", "0", "0?"}:
        return None
    body = _to_one_letter(body)
    ranged = _RANGE.match(body)
    if ranged is not None:
        return _parse_range(ranged)
    single = _SINGLE.match(body)
    return _parse_single(single) if single is not None else None


def _stop(seq: str) -> str:
    return seq.replace("X", "*")


def _deleted_or_duplicated(rest: str, word: str) -> bool:
    """`del`/`dup`, also in the older form that lists the residues (p.E746_A750delELREA)."""
    return rest == word or (
        rest.startswith(word) and not rest.startswith("delins") and bool(_SEQ.match(rest[3:]))
    )


def _parse_range(match: re.Match[str]) -> ProteinChange | None:
    ref, start, end_ref, end, rest = match.groups()
    position, end_position = int(start), int(end)
    if end_position <= position:
        return None
    kind: ProteinKind
    alt = ""
    if rest.startswith("delins") and _SEQ.match(_stop(rest[6:])):
        kind, alt = "delins", _stop(rest[6:])
    elif _deleted_or_duplicated(rest, "del"):
        kind = "inframe_deletion"
    elif _deleted_or_duplicated(rest, "dup"):
        kind = "duplication"
    elif rest.startswith("ins") and _SEQ.match(_stop(rest[3:])):
        kind, alt = "inframe_insertion", _stop(rest[3:])
    else:
        return None
    return ProteinChange(ref, position, end_ref, end_position, alt, kind)


def _parse_single(match: re.Match[str]) -> ProteinChange | None:
    ref, start, rest = match.groups()
    position = int(start)
    rest = _stop(rest) if not rest.startswith(("del", "dup", "ins")) else rest
    kind: ProteinKind
    alt = ""
    if rest in {"=", ref}:
        kind, alt = "synonymous", ref
    elif rest == "?":
        kind = "start_lost" if ref == "M" and position == 1 else "unknown"
    elif rest == "":
        kind = "unknown"
    elif re.fullmatch(rf"[{_AA}]?fs(\*(\d+|\?)?)?", rest):
        kind = "frameshift"
    elif rest.startswith("delins") and _SEQ.match(_stop(rest[6:])):
        kind, alt = "delins", _stop(rest[6:])
    elif _deleted_or_duplicated(rest, "del"):
        kind = "inframe_deletion"
    elif _deleted_or_duplicated(rest, "dup"):
        kind = "duplication"
    elif m := re.fullmatch(rf"([{_AA}]?)ext.*", rest):
        alt = m.group(1)
        kind = "stop_lost" if ref == "*" else "extension"
    elif len(rest) == 1 and rest in _AA:
        alt = rest
        if rest == "*":
            kind = "nonsense"
        elif ref == "*":
            kind = "stop_lost"
        elif ref == "M" and position == 1:
            kind = "start_lost"
        else:
            kind = "missense"
    else:
        return None
    return ProteinChange(ref, position, None, None, alt, kind)


def short_protein(text: str) -> str | None:
    """One-letter form (V600E) of any accepted notation, or None."""
    change = parse_protein_change(text)
    return change.short if change is not None else None


def three_letter_protein(text: str) -> str | None:
    """HGVS three-letter form (p.Val600Glu) of any accepted notation, or None."""
    change = parse_protein_change(text)
    return change.three_letter if change is not None else None


_CHROM_NAMES = {str(n): f"chr{n}" for n in range(1, 23)} | {
    "X": "chrX",
    "Y": "chrY",
    "M": "chrM",
    "MT": "chrM",
}


def normalize_chrom(chrom: str) -> str:
    """UCSC-style name for the primary assembly chromosomes ('7', 'CHR7' → 'chr7'; 'MT' → 'chrM').

    Other contigs (alt, random, decoy) are returned unchanged: they have no shared naming.
    """
    bare = chrom.strip()
    if bare[:3].lower() == "chr":
        bare = bare[3:]
    return _CHROM_NAMES.get(bare.upper(), chrom)


# RefSeq accessions of the primary chromosomes (NCBI assembly reports GCF_000001405.25 and .26):
# every GRCh38 sequence is the GRCh37 one with its version incremented by one.
_GRCH37_VERSIONS = dict(
    zip(
        [*(str(n) for n in range(1, 23)), "X", "Y"],
        [10, 11, 11, 11, 9, 11, 13, 10, 11, 10, 9, 11, 10, 8, 9, 9, 10, 9, 9, 10, 8, 10, 10, 9],
        strict=True,
    )
)
_ACCESSION = re.compile(r"^NC_0000(\d\d)\.(\d+)$")


def chromosome_accession(chrom: str, build: Build) -> str | None:
    """chr7 + GRCh38 → NC_000007.14, the accession HGVS g. names and FHIR genomic-ref-seq carry.

    None for sequences without one shared accession per build (chrM, alt contigs).
    """
    name = normalize_chrom(chrom).removeprefix("chr")
    if name not in _GRCH37_VERSIONS:
        return None
    number = {"X": 23, "Y": 24}.get(name) or int(name)
    return f"NC_0000{number:02d}.{_GRCH37_VERSIONS[name] + (build == 'GRCh38')}"


def chromosome_of_accession(accession: str) -> tuple[str | None, Build | None]:
    """NC_0000NN.v → (chrN, build); the version tells GRCh37 from GRCh38 (None when neither)."""
    match = _ACCESSION.match(accession.strip())
    if match is None:
        return None, None
    number = int(match[1])
    name = {23: "X", 24: "Y"}.get(number, str(number))
    if name not in _GRCH37_VERSIONS:
        return None, None
    builds: dict[int, Build] = {_GRCH37_VERSIONS[name]: "GRCh37", _GRCH37_VERSIONS[name] + 1: "GRCh38"}
    return f"chr{name}", builds.get(int(match[2]))


def _is_sequence(allele: str) -> bool:
    return bool(allele) and all(base in "ACGTN" for base in allele)


def genomic_key(chrom: str, pos: int, ref: str, alt: str) -> GenomicKey:
    """Comparable key of a VCF allele: normalized chromosome, trimmed alleles, uppercase bases.

    Shared trailing bases are trimmed first, then shared leading bases (moving `pos`), but an
    allele never becomes empty: indels keep their left anchor base as VCF requires. Symbolic or
    missing alleles (`<DEL>`, `*`, `.`) are left as they are.
    """
    ref, alt = ref.upper(), alt.upper()
    if not (_is_sequence(ref) and _is_sequence(alt)):
        return normalize_chrom(chrom), pos, ref, alt
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return normalize_chrom(chrom), pos, ref, alt


def left_align(key: GenomicKey, fetch: Callable[[str, int, int], str]) -> GenomicKey:
    """Shift a trimmed indel to its leftmost equivalent position (VCF normalization).

    `fetch(chrom, start, end)` returns reference bases for the 0-based half-open interval, as
    `pysam.FastaFile.fetch` does; it receives the key's chromosome name. Substitutions, MNVs and
    complex changes are returned unchanged. The anchor base is rotated into the indel while it
    equals the indel's last base (the vt/bcftools norm algorithm).
    """
    chrom, pos, ref, alt = genomic_key(*key)
    if not (_is_sequence(ref) and _is_sequence(alt)) or len(ref) == len(alt) or min(len(ref), len(alt)) != 1:
        return chrom, pos, ref, alt
    if ref[0] != alt[0]:
        return chrom, pos, ref, alt
    deletion = len(ref) > len(alt)
    anchor, indel = ref[0], (ref if deletion else alt)[1:]
    window = ""
    while pos > 1 and anchor == indel[-1]:
        if not window:
            start = max(0, pos - 1 - 64)
            window = fetch(chrom, start, pos - 1).upper()
            if not window:
                break
        indel = anchor + indel[:-1]
        anchor, window, pos = window[-1], window[:-1], pos - 1
    allele = anchor + indel
    return (chrom, pos, allele, anchor) if deletion else (chrom, pos, anchor, allele)


_SEVERITY: tuple[tuple[ConsequenceCategory, frozenset[str]], ...] = (
    ("frameshift", frozenset({"frameshift_variant", "frameshift_elongation", "frameshift_truncation"})),
    ("nonsense", frozenset({"stop_gained"})),
    ("splice", frozenset({"splice_acceptor_variant", "splice_donor_variant"})),
    ("start_lost", frozenset({"start_lost"})),
    ("stop_lost", frozenset({"stop_lost"})),
    (
        "inframe_indel",
        frozenset(
            {
                "inframe_deletion",
                "inframe_insertion",
                "disruptive_inframe_deletion",
                "disruptive_inframe_insertion",
                "conservative_inframe_deletion",
                "conservative_inframe_insertion",
            }
        ),
    ),
    ("missense", frozenset({"missense_variant"})),
    ("synonymous", frozenset({"synonymous_variant", "stop_retained_variant", "start_retained_variant"})),
    (
        "noncoding",
        frozenset(
            {
                "5_prime_UTR_variant",
                "3_prime_UTR_variant",
                "5_prime_UTR_premature_start_codon_gain_variant",
                "intron_variant",
                "upstream_gene_variant",
                "downstream_gene_variant",
                "intergenic_variant",
                "intergenic_region",
                "intragenic_variant",
                "non_coding_transcript_exon_variant",
                "non_coding_transcript_variant",
                "non_coding_exon_variant",
                "NMD_transcript_variant",
                "mature_miRNA_variant",
                "regulatory_region_variant",
                "TF_binding_site_variant",
                "TFBS_ablation",
                "TFBS_amplification",
                "regulatory_region_ablation",
                "regulatory_region_amplification",
            }
        ),
    ),
)


def consequence_category(terms: Iterable[str]) -> ConsequenceCategory:
    """The most severe category among Sequence Ontology terms (VEP Consequence, SnpEff Annotation).

    Terms may be combined with '&' (both tools) or ','; the order of severity follows VEP's
    consequence ranking. splice_region_variant and other near-splice terms are "other": only the
    canonical ±1/2 acceptor/donor sites count as "splice".
    """
    found = {part.strip() for term in terms for part in re.split(r"[&,]", term) if part.strip()}
    for category, members in _SEVERITY:
        if found & members:
            return category
    return "other"


_PROTEIN_ALTERING: frozenset[ConsequenceCategory] = frozenset(
    {"missense", "nonsense", "frameshift", "inframe_indel", "splice", "start_lost", "stop_lost"}
)


def is_protein_altering(category: ConsequenceCategory) -> bool:
    """True for categories that change the protein sequence (splice-site changes included)."""
    return category in _PROTEIN_ALTERING
