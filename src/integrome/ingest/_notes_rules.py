"""medspaCy rules for clinical notes: what to find, what changes its meaning, and note sections.

Targets (TargetMatcher) are whole result phrases, so one entity carries one fact: "KRAS exon 2
p.G12D", "HER2 2+ by IHC", "EML4-ALK fusion", "PD-L1 TPS 60%". Token patterns use regular
expressions only inside single tokens (a protein change, a number); everything else is vocabulary
generated from `integrome.normalize` (`_notes_vocab`). Where rules match overlapping text the
longest match wins (medspaCy's pruning): "HER2-negative" beats "HER2", and "sarcoma tumor board"
(not a diagnosis) beats "sarcoma".

ConText (Harkema et al., J Biomed Inform 2009; medspaCy's implementation) links each target to the
modifiers in its scope. Besides negation, uncertainty, hypothetical and family, medication status
is expressed as ConText categories: CURRENT ("continue", "on", "taking"), PLANNED ("plan to
start", "will start", "planned") and HISTORICAL ("s/p", "discontinued", "after progression on").
PANEL_CONTENT marks what an assay tested rather than what it found ("positions tested: DPYD
c.1905+1G>A, ...", "genotyping of", "tested for", "screened for", "panel includes", "assay covers",
"designed to detect"); it scopes forward (or backward, "... positions") over a list of tested items
only (`_only_tested_items_between`), so a list of genotyped positions never becomes a finding unless
an AFFIRMED cue ("detected", "positive") or a zygosity word (a GERMLINE cue with metadata
`zygosity`) states a result for the item itself (`_notes_extract`). "screening for" / "screen for"
stay HYPOTHETICAL: they as often announce a test still to be done.
Negation reaches a target only across lists of other targets and filler words ("no KRAS, NRAS or
BRAF mutation"; "NRAS and BRAF wild type"), never across a clause, so "KRAS G12D detected; NRAS
and BRAF wild type" negates NRAS and BRAF only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from integrome.ingest._notes_vocab import (
    BIOMARKER_GENES,
    DISEASE_HEADS_NEEDING_QUALIFIER,
    EXTENT_WORDS,
    FUSION_DRIVERS,
    IHC_LOSS_GENES,
    MMR_GENES,
    NON_ONCOLOGY_DIAGNOSES,
    disease_abbreviations,
    disease_phrases,
    disease_qualifiers,
    gene_names,
)
from integrome.normalize.drugs import drug_names

if TYPE_CHECKING:
    from medspacy.context import ConTextRule
    from medspacy.section_detection import SectionRule
    from medspacy.target_matcher import TargetRule
    from spacy.tokens import Span

__all__ = [
    "AFFIRMED",
    "BIOMARKER",
    "COPY_NUMBER",
    "CURRENT",
    "DIAGNOSIS",
    "DOSED",
    "DRUG",
    "EXON",
    "FAMILY",
    "FINDING_TYPES",
    "FUSION",
    "FUSION_JOINTS",
    "GENE",
    "GERMLINE",
    "HISTORICAL",
    "HYPOTHETICAL",
    "ISH",
    "METHOD",
    "MUTATION",
    "NAMED",
    "NEGATED",
    "NOT_DIAGNOSIS",
    "PANEL",
    "PLANNED",
    "POSSIBLE",
    "SECTION_TITLES",
    "SOMATIC",
    "UNCERTAIN",
    "UNCERTAIN_VARIANT",
    "VARIANT",
    "context_rules",
    "section_rules",
    "target_rules",
]

Pattern = list[dict[str, Any]]
Tokenize = Callable[[str], list[str]]

DIAGNOSIS = "DIAGNOSIS"
NOT_DIAGNOSIS = "NOT_DIAGNOSIS"
DRUG = "DRUG"
VARIANT = "VARIANT"
UNCERTAIN_VARIANT = "UNCERTAIN_VARIANT"
EXON = "EXON_ALTERATION"
FUSION = "FUSION"
COPY_NUMBER = "COPY_NUMBER"
MUTATION = "GENE_MUTATION"
NAMED = "NAMED_ALTERATION"
GENE = "GENE"
BIOMARKER = "BIOMARKER"
ISH = "ISH_RESULT"
FINDING_TYPES = frozenset(
    {VARIANT, UNCERTAIN_VARIANT, EXON, FUSION, COPY_NUMBER, MUTATION, NAMED, GENE, BIOMARKER, ISH}
)

NEGATED = "NEGATED_EXISTENCE"
POSSIBLE = "POSSIBLE_EXISTENCE"
HYPOTHETICAL = "HYPOTHETICAL"
FAMILY = "FAMILY"
HISTORICAL = "HISTORICAL"
PLANNED = "PLANNED"
CURRENT = "CURRENT"
DOSED = "DOSED"
UNCERTAIN = "UNCERTAIN_SIGNIFICANCE"
GERMLINE = "GERMLINE"
SOMATIC = "SOMATIC"
METHOD = "METHOD"
AFFIRMED = "AFFIRMED"
PANEL = "PANEL_CONTENT"
_PATIENT = "PATIENT"


def _split(text: str) -> tuple[str, ...]:
    """A `|`-separated phrase list written across lines."""
    return tuple(phrase.strip() for phrase in text.split("|") if phrase.strip())


# --- token helpers -----------------------------------------------------------------------------


def _words(*words: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"LOWER": {"IN": list(words)}}
    return {**token, "OP": op} if op else token


def _orth(*texts: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"ORTH": {"IN": list(texts)}}
    return {**token, "OP": op} if op else token


def _regex(pattern: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"TEXT": {"REGEX": pattern}}
    return {**token, "OP": op} if op else token


_HYPHEN = ("-", "–", "−")
_NUMBER = r"^[<>≤≥]?\d+(?:\.\d+)?$"
"""A number; the clinical tokenizer keeps a sentence-final period on tokens such as "L858R.", so
the token patterns below accept it."""
_AA1 = "[ACDEFGHIKLMNPQRSTVWY]"
_AA3 = "(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val)"
_AA = f"(?:{_AA3}|{_AA1})"
_FRAMESHIFT = rf"(?:{_AA}|X)?fs(?:Ter\d+|X?\d+)?"
_CHANGE = rf"^{_AA}\d{{1,4}}(?:{_AA3}|Ter|{_AA1}|X|{_FRAMESHIFT}|del|dup|ins{_AA}+|delins{_AA}+)\.?$"
_POSITION = rf"^{_AA}\d{{1,4}}$"
_RANGE_END = rf"^{_AA}\d{{1,4}}(?:del|dup|ins{_AA}+|delins{_AA}+)\.?$"
_CDNA = r"^c\.[-*]?\d+\S*$"
_EXON_WORD = r"^(?:ex(?:on)?\d+(?:del|ins|skip(?:ping)?)|del\d+|\d+del)\.?$"

_MUTATION_WORDS = _split("""
    mutation | mutations | mutated | mutant | variant | variants | alteration | alterations | altered |
    pathogenic | deleterious | activating | mut | mt | missense | nonsense | frameshift | truncating""")
_FUSION_WORDS = _split(
    "fusion | fusions | rearrangement | rearrangements | rearranged | translocation | translocated"
)
_AMPLIFICATION_WORDS = _split("amplification | amplified | amp | amplifications | overamplification")
_STATUS = _split("positive | pos | negative | neg | equivocal | low | high | ultralow | indeterminate")
_ISH_WORDS = _split("fish | ish | sish | cish | ddish")


# --- vocabularies as token alternatives --------------------------------------------------------


def _gene_alternatives(tokenize: Tokenize, *, only: frozenset[str] | None = None) -> list[Pattern]:
    """One token pattern per way a gene can be written; the first holds every single-token name in one
    IN set, the others are the multi-token names ("HER-2", "PD-L1", "HLA-B")."""
    single: set[str] = set()
    multi: list[Pattern] = []
    for name, symbol in gene_names().items():
        if only is not None and symbol not in only:
            continue
        tokens = tokenize(name)
        if len(tokens) == 1:
            single.add(name)
        else:
            multi.append([{"ORTH": token} for token in tokens])
    return [[{"ORTH": {"IN": sorted(single)}}], *multi]


def _with_genes(genes: list[Pattern], *bodies: Pattern) -> list[Pattern]:
    return [[*gene, *body] for gene in genes for body in bodies]


# --- targets: genomic findings -----------------------------------------------------------------


def _variant_patterns(genes: list[Pattern]) -> list[Pattern]:
    """Gene + protein or cDNA change: "BRAF V600E", "KRAS exon 2 p.G12D", "KRAS c.34G>T (p.G12C)",
    "DPYD: c.1905+1G>A"."""
    lead = [_words("exon", "ex", op="?"), _regex(r"^\d+$", op="?"), _orth("(", op="?")]
    p_dot = [_orth("p.", op="?"), _orth("(", op="?")]
    cdna = [_regex(_CDNA), _orth(">", op="?"), _regex(r"^[ACGT]+$", op="?"), _orth("("), _orth("p.")]
    vaf = [
        _orth("(", ",", op="?"),
        _words("vaf", "af", op="?"),
        _orth(":", "=", op="?"),
        _regex(_NUMBER, op="?"),
        _orth("%", op="?"),
        _orth(")", op="?"),
    ]
    tail = [_orth(")", op="?"), _orth(*_HYPHEN, op="?"), _words(*_MUTATION_WORDS, "positive", op="?"), *vaf]
    changes: list[Pattern] = [
        [_regex(_CHANGE)],
        [_regex(_POSITION), _orth("_"), _regex(_RANGE_END)],
        [_regex(_POSITION), _orth("*")],
        # the clinical tokenizer splits unit-like final letters: "E545K" → "E545" "K", "T790M" → "T790" "M"
        [{**_regex(_POSITION), "SPACY": False}, _regex(rf"^{_AA1}\.?$")],
    ]
    bodies: list[Pattern] = []
    for change in changes:
        bodies.append([*lead, *p_dot, *change, *tail])
        bodies.append([*cdna, _orth("(", op="?"), *change, *tail])
        bodies.append([_words(*_MUTATION_WORDS), _orth("("), *p_dot, *change, _orth(")")])
    # a cDNA change alone ("BRCA2 c.5946delT", "DPYD c.1905+1G>A"; the tokenizer splits it at + - _ >)
    bodies.append([_regex(_CDNA), _regex(r"^[-+_>*ACGTacgtdelinsup0-9.]+$", op="{0,5}"), *tail])
    # a genotype result written after its gene ("Genotyping of DPYD: c.1905+1G>A heterozygous")
    return _with_genes(genes, *([_orth(":", op="?"), *body] for body in bodies))


def _uncertain_patterns(genes: list[Pattern]) -> list[Pattern]:
    """A variant reported as of uncertain significance ("BRCA2 c.123A>G, variant of uncertain
    significance", "BRCA2 VUS"): its own target, so that it is recognized and left out."""
    within = {"LOWER": {"NOT_IN": [",", ";", ".", "and", "or"]}, "OP": "{0,4}"}
    significance = [
        _words("variant", "variants"),
        _words("of"),
        _words("uncertain", "unknown", "undetermined"),
        _words("significance", "clinical", op="+"),
    ]
    return _with_genes(
        genes, [within, *significance], [within, _orth(",", "(", op="?"), _words("vus", "vous")]
    )


def _exon_patterns(genes: list[Pattern]) -> list[Pattern]:
    """Gene + exon + kind: "EGFR exon 19 deletion", "MET exon 14 skipping", "EGFR ex19del", "METex14"."""
    kinds = _split("""
        deletion | deletions | del | insertion | insertions | ins | skipping | skip | mutation | mutations |
        alteration | alterations | duplication | duplications | dup | missense""")
    in_frame = [_words("in", op="?"), _orth(*_HYPHEN, op="?"), _words("frame", op="?")]
    bodies: list[Pattern] = [
        [
            _words("exon", "ex"),
            _regex(r"^\d+$"),
            *in_frame,
            _words(*kinds),
            _words("mutation", "variant", op="?"),
        ],
        [_regex(_EXON_WORD)],
    ]
    return [*_with_genes(genes, *bodies), [_regex(r"^METex14$"), _words("skipping", op="?")]]


FUSION_JOINTS = ("-", "–", "−", "::", ":")
"""What joins the 5' and the 3' gene of a fusion as written ("EML4-ALK", "FGFR2::BICC1"; the clinical
tokenizer splits "::" into two ":")."""
_NOT_PARTNERS = ("IHC", "FISH", "ISH", "NGS", "RNA", "DNA", "PCR", "CDX", "TKI", "ITD", "TKD")
_PARTNER = {"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]{1,9}$", "NOT_IN": list(_NOT_PARTNERS)}}
"""A gene symbol integrome's vocabulary lacks: fusion drivers have many rare partners."""


def _fusion_patterns(genes: list[Pattern], drivers: Pattern, fusion_positive: list[Pattern]) -> list[Pattern]:
    """ "EML4-ALK fusion", "EML4::ALK", "FGFR2–BICC1 rearrangement", "ALK fusion with EML4", "ALK
    rearrangement", "ROS1-rearranged", "ALK positive".

    Two genes joined by a hyphen or "::" are a fusion by themselves when one is a fusion driver
    ("KRAS-NRAS wild type" is a list); other pairs, and a driver joined to a symbol the vocabulary
    does not know ("FGFR2-XYZ1 fusion"), need the word fusion/rearrangement after them.
    """
    joints: list[Pattern] = [[_orth(*FUSION_JOINTS)], [_orth(":"), _orth(":")]]
    tail = [_words(*_FUSION_WORDS, op="?"), _words("positive", op="?")]
    named = [_words(*_FUSION_WORDS), _words("positive", op="?")]
    single = genes[0]  # fusion partners are single-token symbols (EML4, KIF5B, ETV6, CD74, ...)
    patterns: list[Pattern] = []
    for joint in joints:
        patterns.append([*single, *joint, *drivers, *tail])
        patterns.append([*drivers, *joint, *single, *tail])
        patterns.append([*single, *joint, *single, *named])
        patterns.append([*drivers, *joint, _PARTNER, *named])
        patterns.append([_PARTNER, *joint, *drivers, *named])
    patterns.append([*single, _words(*_FUSION_WORDS), _words("with", "to"), *single])
    patterns += _with_genes(genes, [_orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_FUSION_WORDS)])
    patterns += _with_genes(fusion_positive, [_orth(*_HYPHEN, op="?"), _words("positive")], [_orth("+")])
    return patterns


def _named_patterns(tokenize: Tokenize) -> list[tuple[str, list[Pattern]]]:
    """Alterations reports name instead of giving a change: "FLT3-ITD", "FLT3 internal tandem
    duplication", "FLT3-TKD D835Y", "FLT3 TKD (D835/I836)"; the name goes into the rule's metadata."""
    flt3 = _gene_alternatives(tokenize, only=frozenset({"FLT3"}))
    hyphen = _orth(*_HYPHEN, op="?")
    kind = _words(*_MUTATION_WORDS, "positive", op="?")
    codons = [
        _orth("(", op="?"),
        {"TEXT": {"REGEX": rf"^(?:{_AA1}\d{{3,4}}{_AA1}?|/|,|and|or)$"}, "OP": "{0,5}"},
        _orth(")", op="?"),
    ]
    itd: list[Pattern] = [
        [hyphen, _orth("ITD", "ITDs"), kind],
        [_words("internal"), _words("tandem"), _words("duplication", "duplications")],
    ]
    tkd: list[Pattern] = [
        [hyphen, _orth("TKD"), kind, *codons, kind],
        [_words("tyrosine"), _words("kinase"), _words("domain"), kind, *codons, kind],
    ]
    return [("ITD", _with_genes(flt3, *itd)), ("TKD", _with_genes(flt3, *tkd))]


def _copy_number_patterns(genes: list[Pattern]) -> list[Pattern]:
    """ "ERBB2 amplification", "HER2 amplified", "MET copy number gain", "CDKN2A homozygous deletion"."""
    paired = [_orth("/", op="?"), _regex(r"^[A-Z]$", op="?")]  # "CDKN2A/B homozygous deletion"
    return _with_genes(
        genes,
        [*paired, _orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_AMPLIFICATION_WORDS)],
        [_words("copy"), _words("number"), _words("gain", "gains", "loss", "amplification")],
        [
            *paired,
            _words("homozygous", "deep", "biallelic"),
            _words("deletion", "deletions", "deleted", "loss"),
        ],
        [_words("homozygously"), _words("deleted")],
    )


def _mutation_patterns(genes: list[Pattern], positive_genes: list[Pattern]) -> list[Pattern]:
    """Gene-level mutation mentions: "KRAS mutation", "BRCA2 pathogenic variant", "EGFR-mutant", "EGFR+"."""
    kind = _words("mutation", "mutations", "variant", "variants", op="?")
    patterns = _with_genes(
        genes, [_orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_MUTATION_WORDS), kind]
    )
    patterns += _with_genes(positive_genes, [_orth(*_HYPHEN, op="?"), _words("positive")], [_orth("+")])
    return patterns


# --- targets: biomarkers -----------------------------------------------------------------------

_HER2: list[Pattern] = [
    [_words("her2", "erbb2", "her2neu")],
    [_words("her"), _orth(*_HYPHEN), _orth("2")],
    [_words("her2"), _orth("/"), _words("neu")],
]
_ER: list[Pattern] = [
    [_orth("ER", "ERα")],
    [_words("estrogen", "oestrogen"), _words("receptor", "receptors")],
]
_PR: list[Pattern] = [[_orth("PR", "PgR", "PGR")], [_words("progesterone"), _words("receptor", "receptors")]]
_PDL1: list[Pattern] = [
    [_words("pd"), _orth(*_HYPHEN), _words("l1")],
    [_words("pdl1")],
    [_words("pd"), _words("l1")],
    [_words("programmed"), _words("death"), _orth(*_HYPHEN, op="?"), _words("ligand"), _orth("1")],
]
_TMB: list[Pattern] = [
    [_words("tmb")],
    [_words("tumor", "tumour"), _words("mutational", "mutation"), _words("burden", "load")],
]
_IHC_FILLER = _words(
    ":", "):", "by", "ihc", "(", ")", "score", "of", "is", "was", "=", "status", "expression", op="{0,4}"
)
_SCORE: Pattern = [_orth("0", "1", "2", "3"), _orth("+", op="?")]
_PERCENT: Pattern = [
    _regex(_NUMBER, op="?"),
    _orth(*_HYPHEN, op="?"),
    _orth("<", ">", "≤", "≥", op="?"),
    _orth("=", op="?"),
    _regex(_NUMBER),
    _orth("%"),
]
_CLONE: Pattern = [_orth("(", op="?"), _regex(r"^[A-Za-z0-9-]+$", op="{0,3}"), _orth(")", op="?")]
_PDL1_WORDS = _words(
    "tps", "cps", "tumor", "tumour", "proportion", "combined", "positive", "positivity", "score",
    "expression", "ic", "tc", ":", "):", "=", "of", "is", "was", "(", ")", op="{0,5}",
)  # fmt: skip
_SCORE_LEAD = _words(":", "=", "of", "is", op="?")

BiomarkerRule = tuple[str, Pattern, tuple[str, ...]]


def _her2_rules() -> list[BiomarkerRule]:
    status = [_orth(*_HYPHEN, op="?"), _words(*_STATUS)]
    rules: list[BiomarkerRule] = []
    for her2 in _HER2:
        by_ihc = [_words("by", op="?"), _words("ihc", op="?")]
        rules.append(("HER2 IHC score", [*her2, _IHC_FILLER, *_SCORE, *by_ihc], ("HER2",)))
        score_note = [
            _orth("(", op="?"),
            _orth("0", "1", "2", "3", op="?"),
            _orth("+", op="?"),
            _orth(")", op="?"),
        ]
        rules.append(("HER2 status", [*her2, _words("ihc", op="?"), *status, *score_note], ("HER2",)))
        rules.append(("HER2 sign", [*her2, _orth("+", *_HYPHEN)], ("HER2",)))
        ish = _words(*_ISH_WORDS, op="?")
        not_amplified = [_words("not", "non"), _orth(*_HYPHEN, op="?"), _words("amplified")]
        rules.append(("HER2 ISH negative", [*her2, ish, *not_amplified], ("HER2",)))
        rules.append(("HER2 ISH negative", [*her2, ish, _words("unamplified", "nonamplified")], ("HER2",)))
    return rules


def _receptor_rules() -> list[BiomarkerRule]:
    status = [_orth(*_HYPHEN, op="?"), _words(*_STATUS)]
    sign = _orth("+", *_HYPHEN)
    rules: list[BiomarkerRule] = []
    for er in _ER:
        for pr in _PR:
            joint = _words("/", "and", ",")
            rules.append(("ER/PR status", [*er, joint, *pr, *status], ("ER", "PR")))
            rules.append(("ER/PR sign", [*er, joint, *pr, sign], ("ER", "PR")))
    percent_after_status = [
        _orth("(", op="?"),
        _regex(_NUMBER, op="?"),
        _orth("%", op="?"),
        _orth(")", op="?"),
    ]
    for name, receptor in (("ER", _ER), ("PR", _PR)):
        for form in receptor:
            rules.append((f"{name} percent", [*form, _IHC_FILLER, *_PERCENT], (name,)))
            rules.append((f"{name} status", [*form, *status, *percent_after_status], (name,)))
            rules.append((f"{name} sign", [*form, sign], (name,)))
    return rules


def _pdl1_rules() -> list[BiomarkerRule]:
    status = [_orth(*_HYPHEN, op="?"), _words(*_STATUS)]
    rules: list[BiomarkerRule] = []
    for pdl1 in _PDL1:
        rules.append(("PD-L1 percent", [*pdl1, *_CLONE, _PDL1_WORDS, *_PERCENT], ("PD-L1",)))
        rules.append(("PD-L1 score", [*pdl1, *_CLONE, _PDL1_WORDS, _regex(_NUMBER)], ("PD-L1",)))
        rules.append(("PD-L1 status", [*pdl1, *_CLONE, *status], ("PD-L1",)))
    tps_words = [_words("tumor", "tumour"), _words("proportion"), _words("score")]
    cps_words = [_words("combined"), _words("positive"), _words("score")]
    rules += [
        ("TPS", [_words("tps"), _SCORE_LEAD, *_PERCENT], ("PD-L1",)),
        ("CPS", [_words("cps"), _SCORE_LEAD, _regex(_NUMBER)], ("PD-L1",)),
        ("TPS words", [*tps_words, _SCORE_LEAD, *_PERCENT], ("PD-L1",)),
        ("CPS words", [*cps_words, _SCORE_LEAD, _regex(_NUMBER)], ("PD-L1",)),
    ]
    return rules


def _msi_rules() -> list[BiomarkerRule]:
    hyphen = _orth(*_HYPHEN, op="?")
    level = _words("h", "h.", "high", "l", "l.", "low")
    status_words = _words(":", "status", "is", op="{0,2}")
    words = [_words("microsatellite"), _words("instability", "instable", "unstable"), hyphen]
    in_brackets = [_orth("(", op="?"), _words("msi", op="?"), hyphen, level, _orth(")", op="?")]
    stable = [_words("microsatellite"), hyphen, _words("stable")]
    return [
        (
            "MSI",
            [_words("msi"), status_words, hyphen, _words("h", "h.", "high", "l", "l.", "low", "stable")],
            ("MSI",),
        ),
        ("MSS", [_orth("MSS")], ("MSI",)),
        ("MSI words", [*words, *in_brackets], ("MSI",)),
        ("MS stable", [*stable, _orth("(", op="?"), _words("mss", op="?"), _orth(")", op="?")], ("MSI",)),
        ("MSI high words", [_words("high"), _words("microsatellite"), _words("instability")], ("MSI",)),
    ]


def _mmr_rules() -> list[BiomarkerRule]:
    state = _words(
        "deficient", "deficiency", "proficient", "intact", "retained", "preserved", "lost", "loss", "absent",
        "abnormal", "normal",
    )  # fmt: skip
    filler = _words("protein", "proteins", "status", ":", "is", "expression", op="{0,2}")
    rules: list[BiomarkerRule] = []
    for name in ([_words("mmr")], [_words("mismatch"), _orth(*_HYPHEN, op="?"), _words("repair")]):
        rules.append(("MMR status", [*name, _orth(*_HYPHEN, op="?"), filler, state], ("MMR",)))
        rules.append(("MMR qualified", [_words("deficient", "proficient"), *name], ("MMR",)))
    rules.append(("dMMR", [_words("dmmr", "pmmr", "mmrd", "mmrp")], ("MMR",)))
    rules.append(("MMR-D", [_words("mmr"), _orth(*_HYPHEN), _words("d", "p")], ("MMR",)))
    gene = _orth(*MMR_GENES)
    more_genes = _orth(*MMR_GENES, ",", "and", "/", "or", op="+")
    loss = _words("loss", "lost", "absence", "absent", "deficient", "deficiency")
    intact = _words("intact", "retained", "preserved", "normal")
    expression = _words(
        "nuclear", "expression", "staining", "immunoreactivity", "of", "protein", "proteins", op="{0,4}"
    )
    rules += [
        ("MMR protein loss", [loss, expression, gene, more_genes, expression], ("MMR",)),
        ("MMR protein loss", [loss, expression, gene, expression], ("MMR",)),
        ("MMR protein loss", [gene, more_genes, expression, loss], ("MMR",)),
        ("MMR protein loss", [gene, expression, loss], ("MMR",)),
        ("MMR intact", [intact, expression, gene, more_genes, expression], ("MMR",)),
        ("MMR intact", [gene, more_genes, expression, intact], ("MMR",)),
    ]
    return rules


def _tmb_rules() -> list[BiomarkerRule]:
    unit = [
        _words("mut", "muts", "mutations", "m", op="?"),
        _orth("/", op="?"),
        _words("per", op="?"),
        _words("mb", "megabase", "megabases", op="?"),
    ]
    rules: list[BiomarkerRule] = []
    for tmb in _TMB:
        lead = _words(":", "of", "is", "was", "=", "score", op="{0,2}")
        rules.append(("TMB value", [*tmb, lead, _regex(_NUMBER), *unit], ("TMB",)))
        level = [
            _words(":", "is", op="?"),
            _orth(*_HYPHEN, op="?"),
            _words("h", "h.", "high", "l", "l.", "low", "intermediate"),
        ]
        value_note = [_orth("(", op="?"), _regex(_NUMBER, op="?"), *unit, _orth(")", op="?")]
        rules.append(("TMB status", [*tmb, *level, *value_note], ("TMB",)))
        rules.append(("high TMB", [_words("high", "low"), *tmb], ("TMB",)))
    return rules


def _named_result_rules() -> list[BiomarkerRule]:
    """pan-TRK IHC ("pan-TRK IHC positive"), IGHV mutation status ("IGHV unmutated", "mutated IGHV")
    and del(17p) ("del(17p) by FISH in 62% of nuclei", "17p deletion")."""
    status = [_orth(*_HYPHEN, op="?"), _words(*_STATUS)]
    ihc = _words("ihc", "immunohistochemistry", ":", "):", "(", ")", "by", "is", "was", op="{0,4}")
    rules: list[BiomarkerRule] = [
        ("pan-TRK", [_words("pan"), _orth(*_HYPHEN, op="?"), _words("trk"), ihc, *status], ("pan-TRK",)),
        ("pan-TRK", [_words("pantrk"), ihc, *status], ("pan-TRK",)),
    ]
    state = [
        _words("non", "un", op="?"),
        _orth(*_HYPHEN, op="?"),
        _words("mutated", "unmutated", "nonmutated", "hypermutated"),
    ]
    filler = _words(":", "status", "is", "was", "gene", "somatic", "hypermutation", op="{0,3}")
    rules += [
        ("IGHV status", [_words("ighv"), _orth(*_HYPHEN, op="?"), filler, *state], ("IGHV",)),
        ("IGHV status", [*state, _words("ighv")], ("IGHV",)),
    ]
    arm = _words("17p", "17p13", "17p13.1")
    nuclei = [
        _orth("(", op="?"),
        {"TEXT": {"NOT_IN": ["(", ")", ";", "."]}, "OP": "{0,4}"},
        _orth(")", op="?"),
        _words("detected", "present", "identified", op="?"),
        _words("by", op="?"),
        _words("fish", "ish", op="?"),
        _words("in", op="?"),
        _regex(_NUMBER, op="?"),
        _orth("%", op="?"),
        _words("of", op="?"),
        _words("nuclei", "cells", op="?"),
    ]
    for form in (
        [_words("del"), _orth("("), arm, _orth(")")],
        [_words("del17p")],
        [arm, _orth(*_HYPHEN, op="?"), _words("deletion", "deleted", "loss")],
        [_words("deletion", "loss"), _words("of"), _words("chromosome", op="?"), arm],
    ):
        rules.append(("del(17p)", [*form, *nuclei], ("del(17p)",)))
    return rules


def _protein_loss_rules(tokenize: Tokenize) -> list[BiomarkerRule]:
    """Loss or retention of a protein on immunohistochemistry: "loss of nuclear ATRX expression",
    "BAP1 expression lost", "ATRX loss (IHC)"; a bare "ATRX loss" too, the way glioma reports write
    the ATRX stain (the MMR proteins have rules of their own)."""
    symbols = frozenset(gene_names().values()) - set(MMR_GENES)
    genes = _gene_alternatives(tokenize, only=symbols)
    atrx = _gene_alternatives(tokenize, only=frozenset(IHC_LOSS_GENES))
    loss = _words("loss", "lost", "absent")
    state = _words("loss", "lost", "absent", "retained", "intact", "preserved")
    stain = _words("expression", "staining", "immunostaining", "immunoreactivity", "ihc")
    nuclear = _words("nuclear", "protein", op="{0,2}")
    by_ihc: list[Pattern] = [
        [_orth("("), _words("ihc"), _orth(")")],
        [_words("by", "on"), _words("ihc", "immunohistochemistry")],
    ]
    patterns = _with_genes(
        genes,
        [nuclear, stain, _words(":", "is", "was", op="{0,2}"), state],
        *([state, *tail] for tail in by_ihc),
    )
    patterns += [[loss, _words("of"), nuclear, *gene, nuclear, stain] for gene in genes]
    patterns += _with_genes(atrx, [_orth(*_HYPHEN, op="?"), state])
    patterns += [[_words("loss"), _words("of"), *gene] for gene in atrx]
    return [("protein loss", pattern, ("PROTEIN",)) for pattern in patterns]


def _ish_patterns() -> list[Pattern]:
    """An ISH result without its gene ("FISH not amplified"); it is attached to the HER2 mention beside it."""
    verb = _words(":", "was", "is", "showed", "result", op="{0,2}")
    result = _words("amplified", "unamplified", "negative", "positive", "equivocal")
    return [[_words(*_ISH_WORDS), verb, _words("not", "non", op="?"), _orth(*_HYPHEN, op="?"), result]]


# --- targets: diagnoses and drugs --------------------------------------------------------------


def _diagnosis_patterns() -> tuple[list[Pattern], list[Pattern]]:
    """(diagnosis patterns, look-alike patterns that are not a diagnosis, such as "sarcoma clinic")."""
    qualifiers, heads = disease_qualifiers()
    adjectives = sorted(qualifiers | EXTENT_WORDS | {"sided"})
    adjective = _words(*adjectives)
    joined = {"LOWER": {"IN": [*adjectives, *_HYPHEN]}, "OP": "{0,6}"}
    of_site: Pattern = [_words("of"), _words("the", op="?"), {**adjective, "OP": "{1,3}"}]
    free_heads = _words(*sorted(heads - DISEASE_HEADS_NEEDING_QUALIFIER))
    generic_heads = _words(*sorted(DISEASE_HEADS_NEEDING_QUALIFIER))
    abbreviations = sorted(disease_abbreviations())
    abbreviation = {"LOWER": {"IN": abbreviations}, "IS_LOWER": False}
    stages: list[Pattern] = [[], [_words("stage"), _regex(r"^(?:0|I{1,3}|IV)[A-Ca-c]?\d?$")]]
    cores: list[Pattern] = [
        [joined, free_heads],
        [joined, free_heads, *of_site],
        [joined, adjective, generic_heads],
        [joined, adjective, generic_heads, *of_site],
        [generic_heads, *of_site],
        [joined, abbreviation],
    ]
    found = [[*stage, *core] for stage in stages for core in cores]
    setting = _words(
        *_split("""
            clinic | board | service | team | center | centre | program | programme | institute |
            screening | risk | genetics | support | foundation | society | registry | conference |
            specialist | unit | panel | predisposition | awareness | prevention | genotype | survivorship""")
    )
    lead = {"LOWER": {"IN": [*adjectives, *heads, *_HYPHEN]}, "OP": "{0,6}"}
    not_diagnosis = [[lead, _words(*sorted(heads), *abbreviations), setting]]
    return found, not_diagnosis


def target_rules(tokenize: Tokenize) -> list[TargetRule]:
    """Every TargetRule of the notes pipeline; `tokenize` is the pipeline's own tokenizer."""
    from medspacy.target_matcher import TargetRule

    genes = _gene_alternatives(tokenize)
    all_symbols = frozenset(gene_names().values())
    plain_genes = _gene_alternatives(tokenize, only=all_symbols - {"ERBB2"})
    fusion_positive = _gene_alternatives(tokenize, only=frozenset({"ALK", "ROS1"}))
    drivers = _gene_alternatives(tokenize, only=FUSION_DRIVERS)[0]
    mutation_positive = _gene_alternatives(tokenize, only=BIOMARKER_GENES - {"ALK", "ROS1", "ERBB2", "MET"})
    rules: list[TargetRule] = []

    def add(
        category: str, literal: str, patterns: Iterable[Pattern], metadata: dict[str, Any] | None = None
    ) -> None:
        rules.extend(TargetRule(literal, category, pattern=p, metadata=metadata) for p in patterns)

    diagnoses, not_diagnoses = _diagnosis_patterns()
    add(DIAGNOSIS, "diagnosis", diagnoses)
    add(NOT_DIAGNOSIS, "not a diagnosis", not_diagnoses)
    # Plain names go to medspaCy's PhraseMatcher (a rule without a pattern), which compiles a long
    # vocabulary much faster than one token pattern per name.
    abbreviations = disease_abbreviations()
    rules.extend(
        TargetRule(phrase, DIAGNOSIS)
        for phrase in (*disease_phrases(), *NON_ONCOLOGY_DIAGNOSES)
        if " " in phrase.strip() or (len(phrase) > 4 and phrase.lower() not in abbreviations)
    )
    rules.extend(TargetRule(name, DRUG) for name in drug_names())
    add(VARIANT, "gene protein change", _variant_patterns(genes))
    add(UNCERTAIN_VARIANT, "variant of uncertain significance", _uncertain_patterns(genes))
    add(EXON, "gene exon alteration", _exon_patterns(genes))
    add(FUSION, "gene fusion", _fusion_patterns(genes, drivers, fusion_positive))
    add(COPY_NUMBER, "gene copy number", _copy_number_patterns(genes))
    add(MUTATION, "gene mutation", _mutation_patterns(plain_genes, mutation_positive))
    for name, patterns in _named_patterns(tokenize):
        add(NAMED, f"FLT3 {name}", patterns, {"label": name})
    add(GENE, "gene", genes)
    for literal, pattern, biomarkers in (
        *_her2_rules(),
        *_receptor_rules(),
        *_pdl1_rules(),
        *_msi_rules(),
        *_mmr_rules(),
        *_tmb_rules(),
        *_named_result_rules(),
        *_protein_loss_rules(tokenize),
    ):
        add(BIOMARKER, literal, [pattern], {"biomarkers": biomarkers})
    add(ISH, "ISH result", _ish_patterns())
    return rules


# --- context -----------------------------------------------------------------------------------

_COORDINATION = frozenset(_split(", | and | or | nor | / | & | as | well | either | neither | both | plus"))
_FILLER = frozenset(
    _split("""
        of | any | evidence | for | the | a | an | known | detectable | other | history | pathogenic |
        likely | activating | actionable | sensitizing | targetable | somatic | germline | significant |
        clinically | was | were | is | are | been | has | have | by | on | in | with | testing | tested |
        test | ngs | pcr | ihc | fish | ish | sequencing | panel | analysis | assay | exon | exons | codon |
        codons | ( | ) | : | - | – | found | identified | detected | seen | present | gene | genes |
        mutation | mutations | alteration | alterations | variant | variants | fusion | fusions |
        rearrangement | rearrangements | amplification | expression | status | tumor | tumour | also |
        all | three | hotspot | hotspots | otherwise | definite | further | additional | new | reportable |
        currently | ctdna | plasma | liquid | biopsy | tissue | result | results | itd | tkd | among""")
)


def _only_lists_between(target: Span, modifier: Span, _between: Span) -> bool:
    """ConText `on_modifies`: a negation reaches a target only across lists, fillers, other targets and
    parenthesized remarks ("ALK IHC (D5F3) negative").

    "no KRAS, NRAS or BRAF mutation" negates all three; "no progression on osimertinib for EGFR
    exon 19 deletion" does not negate the deletion, because verbs and nouns stand between.
    """
    doc = target.doc
    start, end = (
        (modifier.end, target.start) if modifier.start < target.start else (target.end, modifier.start)
    )
    depth = 0
    for token in doc[start:end]:
        depth += token.text.count("(") - token.text.count(")")
        if depth > 0 or token.text.startswith(")") or token.ent_type_ or token.like_num:
            continue
        if token.lower_ not in _COORDINATION and token.lower_ not in _FILLER:
            return False
    return True


_RELATIVES = _split("""
    mother | father | sister | brother | aunt | uncle | cousin | grandmother | grandfather | son |
    daughter | sibling | siblings | parent | parents | niece | nephew | grandparent | sisters | brothers |
    mom | dad | twin""")
_METHODS = {
    "IHC": _split("ihc | immunohistochemistry | immunohistochemical | immunostain | immunostaining"),
    "ISH": _split("fish | ish | sish | cish | in situ hybridization | in-situ hybridization"),
    "NGS": _split("""
        ngs | next-generation sequencing | next generation sequencing | sequencing | foundationone |
        guardant360 | oncomine | tempus | comprehensive genomic profiling | cgp"""),
    "PCR": _split("pcr | rt-pcr | qpcr | ddpcr | polymerase chain reaction | cobas"),
}

Spec = tuple[str, str, tuple[str | Pattern, ...], dict[str, Any]]


def _negation_specs() -> list[Spec]:
    reach = {"allowed_types": {*FINDING_TYPES, DIAGNOSIS, DRUG}, "on_modifies": _only_lists_between}
    before = _split("""
        no | not | without | negative for | neg for | absence of | lack of | lacks | free of |
        no evidence of | no sign of | ruled out | denies | denied | never | never had | never received |
        not on | no known | no detectable | did not detect | did not reveal | did not show |
        did not identify | did not demonstrate | failed to detect | failed to reveal | no other | nor |
        not taking | not receiving | avoid | avoided | contraindicated""")
    after = _split("""
        negative | neg | was negative | were negative | is negative | are negative | absent | not detected |
        undetected | not identified | not found | not seen | not present | not observed | none detected |
        none identified | was ruled out | is ruled out | has been ruled out | excluded | was excluded |
        : none | : no | : negative | : absent""")
    wild_type = _split(
        "wild type | wild-type | wildtype | wt | unmutated | non-mutated | nonmutated | not mutated"
    )
    pseudo = _split("""
        no change | no changes | no dose change | no side effects | no toxicity | no adverse | not only |
        no interruption | no significant change | negative predictive | not certain""")
    return [
        (NEGATED, "FORWARD", before, reach),
        (NEGATED, "BACKWARD", after, reach),
        (NEGATED, "BACKWARD", wild_type, {**reach, "metadata": {"alteration": "mutation"}}),
        (NEGATED, "BACKWARD", _split("not amplified | non-amplified | nonamplified | unamplified"),
         {**reach, "metadata": {"alteration": "amplification"}}),
        (NEGATED, "BACKWARD", _split("not rearranged | non-rearranged"),
         {**reach, "metadata": {"alteration": "fusion"}}),
        (NEGATED, "PSEUDO", pseudo, {}),
    ]  # fmt: skip


def _uncertainty_specs() -> list[Spec]:
    diagnosis_only = {"allowed_types": {DIAGNOSIS}}
    possible_before = _split("""
        possible | possibly | probable | suspected | suspicion of | suspicious for | concerning for |
        concern for | worrisome for | rule out | r/o | cannot exclude | question of | differential |
        presumed | versus""")
    possible_after = _split(
        "cannot be excluded | not excluded | not ruled out | is suspected | was suspected"
    )
    hypothetical_before = _split("""
        should | would | could | consider | considering | may consider | candidate for | eligible for |
        potential | potentially | may benefit | to test for | will test for | recommend testing for |
        recommend testing | evaluate for | evaluation for | check for | screen for | screening for |
        to assess | to rule out | await | awaiting | sent for | send for | order | ordered | request |
        requested | discuss | discussed | options include | option of | such as | alternative |
        alternatives | instead of""")
    hypothetical_after = _split("""
        is pending | are pending | was sent | were sent | has been sent | is awaited | are awaited |
        to be sent | if positive | if negative | if present | not tested | not performed | not done |
        not assessed | not evaluated | not available | could be considered | would be considered |
        may be considered | would be an option | is an option | are options | insufficient | qns""")
    uncertain = _split("""
        vus | variant of uncertain significance | variant of unknown significance | uncertain significance |
        unknown significance | of uncertain | likely benign | benign | polymorphism""")
    return [
        (POSSIBLE, "FORWARD", possible_before, diagnosis_only),
        (POSSIBLE, "BACKWARD", possible_after, diagnosis_only),
        (HYPOTHETICAL, "FORWARD", _split("if | in case of | in the event of | unless | whether"),
         {"metadata": {"conditional": True}}),
        (HYPOTHETICAL, "FORWARD", hypothetical_before, {}),
        (HYPOTHETICAL, "BIDIRECTIONAL", _split("pending | awaited"), {"max_scope": 6}),
        (HYPOTHETICAL, "BACKWARD", hypothetical_after, {}),
        (UNCERTAIN, "BIDIRECTIONAL", uncertain, {"allowed_types": set(FINDING_TYPES), "max_scope": 6}),
    ]  # fmt: skip


def _family_specs() -> list[Spec]:
    relative = _words(*_RELATIVES)
    before: tuple[str | Pattern, ...] = (
        *_split("family history | family hx | fhx | fh of | family member | relative | relatives"),
        [_words("maternal", "paternal", op="?"), relative],
        [relative, _orth("'s", "’s")],
    )
    after: tuple[str | Pattern, ...] = (
        [_words("in", "of"), _words("his", "her", "their", "the", "a", op="?"),
         _words("maternal", "paternal", op="?"), relative],
        *_split("runs in the family | in the family"),
    )  # fmt: skip
    patient = _split("patient | pt | she | he | our patient | the patient | herself | himself")
    return [
        (FAMILY, "FORWARD", before, {"terminated_by": {_PATIENT}}),
        (FAMILY, "BACKWARD", after, {"terminated_by": {_PATIENT}}),
        (_PATIENT, "PSEUDO", patient, {}),
    ]


def _not_out_of_brackets(target: Span, modifier: Span, _between: Span) -> bool:
    """ConText `on_modifies` for medication status: a cue inside brackets does not reach past them.

    In "ADT (continues leuprolide), abiraterone 2023-2024 (progression)" "continues" stays inside its
    brackets, while "(progression)" still describes the abiraterone written before it.
    """
    if modifier.start > target.start:
        return True
    depth = 0
    for token in target.doc[modifier.end : target.start]:
        depth += token.text.count("(") - token.text.count(")")
        if depth < 0:
            return False
    return True


def _medication_specs() -> list[Spec]:
    def scoped(scope: int, *others: str) -> dict[str, Any]:
        return {
            "allowed_types": {DRUG},
            "max_scope": scope,
            "terminated_by": set(others),
            "on_modifies": _not_out_of_brackets,
        }

    stopped_before = _split("""
        s/p | status post | prior | previous | history of | h/o | hx of | formerly | previously received |
        previously treated with | was treated with | were treated with | treated previously with |
        received | had received | completion of | after progression on | progressed on | progression on |
        progressed through | progression through | after failure of | refractory to | intolerant of |
        intolerant to | intolerance to | stop | discontinue | d/c | hold | off | was on | were on |
        had been on | no longer on | no longer taking | no longer | came off | taken off | switched from |
        changed from | last dose of""")
    stopped_around = _split("discontinued | stopped | completed | held | failed | previously | progressed")
    stopped_after_progression = _split("progression | tapered off | tapered | weaned off | was tapered")
    stopped_after = _split("""
        was discontinued | was stopped | was held | on hold | ended | was completed | in the past |
        years ago | months ago | was tried | were tried | tried | ineffective | not tolerated |
        stopped due to | discontinued due to""")
    planned_before = _split("""
        plan to start | plan to | plans to | planning to | plan for | will start | will begin |
        will initiate | will receive | will be started on | will add | will switch to | to start |
        to begin | to initiate | start | begin | initiate | starting | initiating | recommend |
        recommended | recommend starting | we recommend | proceed with | schedule | scheduled for |
        next line | switch to | switching to | change to | transition to | add | adding | resume | restart |
        rechallenge with | to receive | intend to start | prescribe | order for""")
    planned_after = _split("""
        is planned | are planned | to be started | will be started | is recommended | are recommended |
        was recommended | scheduled | is scheduled | to follow""")
    current_before: tuple[str | Pattern, ...] = (
        [_words("on")],
        *_split("""
            currently on | remains on | remain on | maintained on | continue | continues | continuing |
            taking | takes | receiving | currently receiving | tolerating | tolerates | started on | began |
            now on | still on | using | is being treated with | being treated with | progressing on |
            no progression on | without progression on | stable on | responding to | response to |
            increase | decrease | decreased | reduce | titrate | maintenance | cycle"""),
    )
    current_around = _split("started | initiated | continued | currently | increased | reduced | titrated")
    current_after = _split("""
        was started | were started | was initiated | ongoing | current | is continued | was increased |
        was reduced | was titrated""")
    dosed = _split("""
        daily | once daily | twice daily | bid | tid | qd | qhs | weekly | q2w | q3w | q4w | every 2 weeks |
        every 3 weeks | every 4 weeks | mg | mcg | mg/m2""")
    return [
        (HISTORICAL, "FORWARD", stopped_before, scoped(10, PLANNED, CURRENT)),
        (HISTORICAL, "BIDIRECTIONAL", stopped_around, scoped(8, PLANNED, CURRENT)),
        (HISTORICAL, "BACKWARD", stopped_after, scoped(8, PLANNED, CURRENT)),
        (HISTORICAL, "BACKWARD", stopped_after_progression, scoped(8, PLANNED, CURRENT)),
        (PLANNED, "BIDIRECTIONAL", ("planned",), scoped(8, HISTORICAL, CURRENT)),
        (PLANNED, "FORWARD", planned_before, scoped(10, HISTORICAL, CURRENT)),
        (PLANNED, "BACKWARD", planned_after, scoped(8, HISTORICAL, CURRENT)),
        (CURRENT, "FORWARD", current_before, scoped(4, HISTORICAL, PLANNED)),
        (CURRENT, "BIDIRECTIONAL", current_around, scoped(8, HISTORICAL, PLANNED)),
        (CURRENT, "BACKWARD", current_after, scoped(8, HISTORICAL, PLANNED)),
        (DOSED, "BACKWARD", dosed, scoped(6)),
    ]


def _finding_specs() -> list[Spec]:
    findings = {"allowed_types": set(FINDING_TYPES)}
    germline = _split("germline | inherited | hereditary | constitutional | carrier")
    zygosity = _split("heterozygous | homozygous | hemizygous | heterozygote | homozygote")
    somatic = _split("somatic | tumor | tumour | ctdna | liquid biopsy | plasma | acquired")
    affirmed = _split("""
        detected | was detected | were detected | is detected | identified | was identified | present |
        is present | found | noted | confirmed | positive | is positive | was positive""")
    specs: list[Spec] = [
        (AFFIRMED, "BACKWARD", affirmed, {**findings, "max_scope": 2}),
        (GERMLINE, "BIDIRECTIONAL", germline, findings),
        (GERMLINE, "BIDIRECTIONAL", zygosity, {**findings, "metadata": {"zygosity": True}}),
        (SOMATIC, "BIDIRECTIONAL", somatic, findings),
    ]
    for method, phrases in _METHODS.items():
        specs.append((METHOD, "BIDIRECTIONAL", phrases, {**findings, "metadata": {"method": method}}))
    return specs


_LIST_WORDS = frozenset(
    _split("""
        the | following | allele | alleles | variant | variants | position | positions | defining | star |
        haplotype | haplotypes | codon | codons | exon | exons | gene | genes | hotspot | hotspots""")
)


def _only_tested_items_between(target: Span, modifier: Span, _between: Span) -> bool:
    """ConText `on_modifies` for panel content: the cue reaches a target only across a list of tested
    items, such as "DPYD c.1905+1G>A (*2A), c.1679T>G (*13), c.2846A>T and c.1236G>A/HapB3 positions"."""
    doc = target.doc
    start, end = (
        (modifier.end, target.start) if modifier.start < target.start else (target.end, modifier.start)
    )
    depth = 0
    for token in doc[start:end]:
        depth += token.text.count("(") - token.text.count(")")
        text = token.text
        if text in (".", ";") and depth == 0:
            return False  # PyRuSH keeps "... BRAF. KRAS G12D detected." in one sentence
        if depth > 0 or token.ent_type_ or token.is_punct or any(char.isdigit() for char in text):
            continue
        if text in (">", "*", "+", "_") or text.isupper() or token.lower_ in _COORDINATION | _LIST_WORDS:
            continue
        return False
    # "EGFR exon 19 deletion (positions 746-750)": a cue inside brackets opened after the target
    return not (modifier.start > target.start and depth > 0)


def _panel_specs() -> list[Spec]:
    """What an assay tests, as opposed to what it found: "positions tested: DPYD c.1905+1G>A, ...",
    "(... c.1236G>A/HapB3 positions)", "the panel covers KRAS, NRAS and BRAF"."""
    reach = {"allowed_types": set(FINDING_TYPES), "on_modifies": _only_tested_items_between}
    before = _split("""
        positions tested | tested positions | positions genotyped | genotyped positions | variants tested |
        alleles tested | positions interrogated | loci tested | panel includes | panel included |
        panel covers | panel covered | panel targets | assay covers | assay covered | assay includes |
        assay included | assay targets | assay detects | test covers | test includes | genes tested |
        genes analyzed | genes analysed | genes covered | genes included | genotyped for | interrogates |
        interrogated for | genotyping of | genotyping for | tested for | testing for | screened for |
        designed to detect | designed to identify""")
    after = _split("""
        positions | position | loci | positions tested | were tested | were genotyped | were interrogated |
        were assessed | are covered | were covered | are included | were included""")
    return [(PANEL, "FORWARD", before, reach), (PANEL, "BACKWARD", after, reach)]


def _terminate_specs() -> list[Spec]:
    words = _split(
        "; | but | however | although | though | whereas | while | except | apart from | aside from"
    )
    return [("TERMINATE", "TERMINATE", words, {})]


def _phrase_pattern(phrase: str | Pattern, tokenize: Tokenize) -> tuple[str, Pattern]:
    if isinstance(phrase, list):
        return "pattern", phrase
    return phrase, [{"LOWER": word.lower()} for word in tokenize(phrase)]


def context_rules(tokenize: Tokenize) -> list[ConTextRule]:
    """Every ConText rule: negation, uncertainty, hypothetical, family, medication status, origin, method,
    panel content."""
    from medspacy.context import ConTextRule

    specs = [
        *_negation_specs(),
        *_uncertainty_specs(),
        *_family_specs(),
        *_medication_specs(),
        *_finding_specs(),
        *_panel_specs(),
        *_terminate_specs(),
    ]
    rules: list[ConTextRule] = []
    for category, direction, phrases, options in specs:
        for phrase in phrases:
            literal, pattern = _phrase_pattern(phrase, tokenize)
            rules.append(ConTextRule(literal, category, pattern=pattern, direction=direction, **options))
    return rules


# --- sections ----------------------------------------------------------------------------------

SECTION_TITLES: dict[str, tuple[str, ...]] = {
    "family_history": _split("family history | family hx | fhx"),
    "allergies": _split("allergies | allergy | drug allergies | adverse drug reactions | intolerances"),
    "medications": _split("""
        medications | current medications | meds | current meds | home medications | medication list |
        active medications | outpatient medications"""),
    "prior_treatment": _split("""
        prior | prior therapy | prior therapies | prior treatment | prior treatments | treatment history |
        oncologic history | oncology history | previous treatment | previous treatments | past treatment |
        prior lines of therapy"""),
    "plan": _split("""
        plan | assessment and plan | assessment/plan | a/p | recommendations | recommendation |
        impression and plan | treatment plan"""),
    "past_medical_history": _split("past medical history | pmh | medical history"),
    "social_history": _split("social history"),
    "other": _split("""
        assessment | impression | diagnosis | diagnoses | hpi | history of present illness | molecular |
        molecular results | pathology | biomarkers | labs | imaging | exam | physical exam |
        review of systems | interval history | subjective | objective | results | genomic results |
        chief complaint"""),
}
"""Section headers (followed by a colon) and the category each opens."""


def section_rules(tokenize: Tokenize) -> list[SectionRule]:
    """SectionRules for the headers in `SECTION_TITLES`."""
    from medspacy.section_detection import SectionRule

    return [
        SectionRule(f"{title}:", category, pattern=[*_phrase_pattern(title, tokenize)[1], {"ORTH": ":"}])
        for category, titles in SECTION_TITLES.items()
        for title in titles
    ]
