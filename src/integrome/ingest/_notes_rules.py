"""medspaCy rules for clinical notes: what to find, what changes its meaning, and note sections.

Targets (TargetMatcher) are whole result phrases, so one entity carries one fact: "KRAS exon 2
p.G12D", "HER2 2+ by IHC", "EML4-ALK fusion", "PD-L1 TPS 60%". Token patterns use regular
expressions only inside single tokens (a protein change, a percentage); everything else is
vocabulary generated from `integrome.normalize` (`_notes_vocab`). Where several rules match
overlapping text the longest wins (medspaCy's pruning), which is how "HER2-negative" beats "HER2"
and "sarcoma tumor board" (not a diagnosis) beats "sarcoma".

ConText (Chapman et al., J Biomed Inform 2007; medspaCy's implementation) assigns each target the
modifiers in its scope. Besides the classic negation, uncertainty, hypothetical and family
categories, medication status is expressed as ConText categories too: CURRENT ("continue",
"on", "taking"), PLANNED ("plan to start", "will start", "planned") and HISTORICAL ("s/p",
"discontinued", "after progression on"). Negation of a finding only reaches across a list of
other findings ("no KRAS, NRAS or BRAF mutation"; "NRAS and BRAF wild type"), never across a
clause, so "KRAS G12D detected; NRAS and BRAF wild type" negates NRAS and BRAF only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from integrome.ingest._notes_vocab import (
    BIOMARKER_GENES,
    DISEASE_HEADS_NEEDING_QUALIFIER,
    EXTENT_WORDS,
    MMR_GENES,
    NON_ONCOLOGY_DIAGNOSES,
    disease_abbreviations,
    disease_phrases,
    disease_qualifiers,
    drug_phrases,
    gene_names,
)

if TYPE_CHECKING:
    from medspacy.context import ConTextRule
    from medspacy.section_detection import SectionRule
    from medspacy.target_matcher import TargetRule
    from spacy.tokens import Span

__all__ = [
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
    "GENE",
    "GERMLINE",
    "HISTORICAL",
    "HYPOTHETICAL",
    "ISH",
    "METHOD",
    "MUTATION",
    "NEGATED",
    "NOT_DIAGNOSIS",
    "PLANNED",
    "POSSIBLE",
    "SOMATIC",
    "UNCERTAIN",
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
EXON = "EXON_ALTERATION"
FUSION = "FUSION"
COPY_NUMBER = "COPY_NUMBER"
MUTATION = "GENE_MUTATION"
GENE = "GENE"
BIOMARKER = "BIOMARKER"
ISH = "ISH_RESULT"
FINDING_TYPES = frozenset({VARIANT, EXON, FUSION, COPY_NUMBER, MUTATION, GENE, BIOMARKER, ISH})

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
_PATIENT = "PATIENT"

# --- token helpers -----------------------------------------------------------------------------


def _words(*words: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"LOWER": {"IN": list(words)}}
    if op:
        token["OP"] = op
    return token


def _orth(*texts: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"ORTH": {"IN": list(texts)}}
    if op:
        token["OP"] = op
    return token


def _regex(pattern: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"TEXT": {"REGEX": pattern}}
    if op:
        token["OP"] = op
    return token


_HYPHEN = ("-", "–", "−")
_NUMBER = r"^[<>≤≥]?\d+(?:\.\d+)?$"
_AA1 = "[ACDEFGHIKLMNPQRSTVWY]"
_AA3 = "(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val)"
_AA = f"(?:{_AA3}|{_AA1})"
_CHANGE = rf"^{_AA}\d{{1,4}}(?:{_AA3}|Ter|{_AA1}|X|fs(?:Ter\d+|X?\d+)?|del|dup|ins{_AA}+|delins{_AA}+)$"
_POSITION = rf"^{_AA}\d{{1,4}}$"
_RANGE_END = rf"^{_AA}\d{{1,4}}(?:del|dup|ins{_AA}+|delins{_AA}+)$"
_CDNA = r"^c\.[-*]?\d+\S*$"
_EXON_WORD = r"^(?:ex(?:on)?\d+(?:del|ins|skip(?:ping)?)|del\d+|\d+del)$"

_MUTATION_WORDS = (
    "mutation", "mutations", "mutated", "mutant", "variant", "variants", "alteration", "alterations",
    "altered", "pathogenic", "deleterious", "activating", "mut", "mt",
)  # fmt: skip
_FUSION_WORDS = (
    "fusion",
    "fusions",
    "rearrangement",
    "rearrangements",
    "rearranged",
    "translocation",
    "translocated",
)
_AMPLIFICATION_WORDS = ("amplification", "amplified", "amp", "amplifications", "overamplification")
_LOSS_WORDS = (
    "deletion",
    "deleted",
    "loss",
    "deep",
    "homozygous",
    "biallelic",
    "copy",
    "number",
    "gain",
    "gains",
)
_POSITIVE = ("positive", "pos", "high", "detected", "present")
_STATUS = (
    "positive",
    "pos",
    "negative",
    "neg",
    "equivocal",
    "low",
    "high",
    "ultralow",
    "ultra-low",
    "indeterminate",
)

_GENE_FILLER = ("exon", "exons", "ex", "codon", "p.", "(", ")", ":")


# --- vocabularies as token alternatives --------------------------------------------------------


def _gene_alternatives(tokenize: Tokenize, *, exclude: frozenset[str] = frozenset()) -> list[Pattern]:
    """One token pattern per way a gene can be written (single-token names share one IN set)."""
    single: set[str] = set()
    multi: list[Pattern] = []
    for name, symbol in gene_names().items():
        if symbol in exclude:
            continue
        tokens = tokenize(name)
        if len(tokens) == 1:
            single.add(name)
        else:
            multi.append([{"ORTH": token} for token in tokens])
    return [[{"ORTH": {"IN": sorted(single)}}], *multi]


def _with_genes(genes: list[Pattern], *bodies: Pattern, prefix: Pattern | None = None) -> list[Pattern]:
    return [[*(prefix or []), *gene, *body] for gene in genes for body in bodies]


# --- targets -----------------------------------------------------------------------------------


def _variant_patterns(genes: list[Pattern]) -> list[Pattern]:
    """Gene + protein change: "BRAF V600E", "KRAS exon 2 p.G12D", "EGFR p.(Leu858Arg)", "KRAS c.34G>T (p.G12C)"."""
    lead = [_words("exon", "ex", op="?"), _regex(r"^\d+$", op="?"), _orth("(", op="?")]
    cdna = [_regex(_CDNA), _orth(">", op="?"), _regex(r"^[ACGT]+$", op="?"), _orth("(")]
    tail = [_orth(")", op="?"), _orth(*_HYPHEN, op="?"), _words(*_MUTATION_WORDS, "positive", op="?")]
    changes: list[Pattern] = [
        [_regex(_CHANGE)],
        [_regex(_POSITION), _orth("_"), _regex(_RANGE_END)],
        [_regex(_POSITION), _orth("*")],
    ]
    bodies: list[Pattern] = []
    for change in changes:
        for p_dot in ([_orth("p.", op="?"), _orth("(", op="?")],):
            bodies.append([*lead, *p_dot, *change, *tail])
            bodies.append([*cdna, _orth("p."), _orth("(", op="?"), *change, *tail])
            bodies.append([_words(*_MUTATION_WORDS), _orth("("), *p_dot, *change, _orth(")")])
    return _with_genes(genes, *bodies)


def _exon_patterns(genes: list[Pattern]) -> list[Pattern]:
    """Gene + exon + kind: "EGFR exon 19 deletion", "MET exon 14 skipping", "EGFR ex19del", "METex14"."""
    kinds = (
        "deletion", "deletions", "del", "insertion", "insertions", "ins", "skipping", "skip", "mutation",
        "mutations", "alteration", "alterations", "duplication", "duplications", "dup",
    )  # fmt: skip
    bodies: list[Pattern] = [
        [_words("exon", "ex"), _regex(r"^\d+$"), _words("in", op="?"), _orth(*_HYPHEN, op="?"),
         _words("frame", op="?"), _words(*kinds), _words("mutation", "mutations", "variant", op="?")],
        [_regex(_EXON_WORD)],
    ]  # fmt: skip
    return [*_with_genes(genes, *bodies), [_regex(r"^METex14$"), _words("skipping", op="?")]]


def _fusion_patterns(genes: list[Pattern], fusion_positive: list[Pattern]) -> list[Pattern]:
    """ "EML4-ALK fusion", "EML4::ALK", "ALK rearrangement", "ROS1-rearranged", "ALK positive"."""
    joint = [_orth(*_HYPHEN, "::", ":")]
    patterns = [
        [*five, *joint, *three, _words(*_FUSION_WORDS, op="?"), _words("positive", op="?")]
        for five in genes
        for three in genes
    ]
    patterns += _with_genes(genes, [_orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_FUSION_WORDS)])
    patterns += _with_genes(fusion_positive, [_orth(*_HYPHEN, op="?"), _words("positive")], [_orth("+")])
    return patterns


def _copy_number_patterns(genes: list[Pattern]) -> list[Pattern]:
    """ "ERBB2 amplification", "HER2 amplified", "MET copy number gain", "CDKN2A homozygous deletion"."""
    return _with_genes(
        genes,
        [_orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_AMPLIFICATION_WORDS)],
        [_words("copy"), _words("number"), _words("gain", "gains", "loss", "amplification")],
        [_words("homozygous", "deep", "biallelic"), _words("deletion", "deletions", "deleted", "loss")],
        [_words("homozygously"), _words("deleted")],
    )


def _mutation_patterns(genes: list[Pattern], positive_genes: list[Pattern]) -> list[Pattern]:
    """Gene-level mutation mentions: "KRAS mutation", "BRCA2 pathogenic variant", "EGFR-mutant", "EGFR+"."""
    patterns = _with_genes(
        genes,
        [_orth(*_HYPHEN, op="?"), _words("gene", op="?"), _words(*_MUTATION_WORDS),
         _words("mutation", "mutations", "variant", "variants", op="?")],
    )  # fmt: skip
    patterns += _with_genes(positive_genes, [_orth(*_HYPHEN, op="?"), _words("positive")], [_orth("+")])
    return patterns


_HER2 = [
    [_words("her2", "erbb2", "her2neu")],
    [_words("her"), _orth(*_HYPHEN), _orth("2")],
    [_words("her2"), _orth("/"), _words("neu")],
]
_ER = [[_orth("ER", "ERα")], [_words("estrogen", "oestrogen"), _words("receptor", "receptors")]]
_PR = [[_orth("PR", "PgR", "PGR")], [_words("progesterone"), _words("receptor", "receptors")]]
_PDL1 = [
    [_words("pd"), _orth(*_HYPHEN), _words("l1")],
    [_words("pdl1")],
    [_words("pd"), _words("l1")],
    [_words("programmed"), _words("death"), _orth(*_HYPHEN, op="?"), _words("ligand"), _orth("1")],
]
_TMB = [
    [_words("tmb")],
    [_words("tumor", "tumour"), _words("mutational", "mutation"), _words("burden", "load")],
]
_IHC_FILLER = _words(
    ":", "by", "ihc", "(", ")", "score", "of", "is", "was", "=", "status", "expression", op="{0,4}"
)
_SCORE = [_orth("0", "1", "2", "3"), _orth("+", op="?")]
_PERCENT = [_regex(_NUMBER), _orth("%")]
_CLONE = [_orth("("), _regex(r"^[A-Za-z0-9]+$", op="{1,3}"), _orth(")")]


def _biomarker_rule(name: str, pattern: Pattern, *biomarkers: str) -> tuple[str, Pattern, dict[str, Any]]:
    return name, pattern, {"biomarkers": biomarkers}


def _biomarker_patterns() -> list[tuple[str, Pattern, dict[str, Any]]]:
    """Result phrases of the standard tumour biomarkers, each tagged with the biomarker(s) it reports."""
    rules: list[tuple[str, Pattern, dict[str, Any]]] = []
    status = [_orth(*_HYPHEN, op="?"), _words(*_STATUS)]
    for her2 in _HER2:
        rules.append(_biomarker_rule("HER2 IHC score", [*her2, _IHC_FILLER, *_SCORE, _words("by", op="?"),
                                                        _words("ihc", op="?")], "HER2"))  # fmt: skip
        rules.append(_biomarker_rule("HER2 status", [*her2, _words("ihc", op="?"), *status], "HER2"))
        rules.append(_biomarker_rule("HER2 sign", [*her2, _orth("+", *_HYPHEN)], "HER2"))
        rules.append(_biomarker_rule("HER2 ISH", [*her2, _words("fish", "ish", "sish", "cish", "ddish", op="?"),
                                                  _words("not", "non", "un", op="?"), _orth(*_HYPHEN, op="?"),
                                                  _words("amplified", "unamplified")], "HER2"))  # fmt: skip
    for er in _ER:
        for pr in _PR:
            for joint in ("/", "and", ","):
                rules.append(_biomarker_rule("ER/PR status", [*er, _words(joint), *pr, *status], "ER", "PR"))
                rules.append(
                    _biomarker_rule("ER/PR sign", [*er, _words(joint), *pr, _orth("+", *_HYPHEN)], "ER", "PR")
                )
    for name, receptor in (("ER", _ER), ("PR", _PR)):
        for form in receptor:
            rules.append(_biomarker_rule(f"{name} percent", [*form, _IHC_FILLER, *_PERCENT], name))
            rules.append(_biomarker_rule(f"{name} status", [*form, *status, _orth("(", op="?"),
                                                            _regex(_NUMBER, op="?"), _orth("%", op="?"),
                                                            _orth(")", op="?")], name))  # fmt: skip
            rules.append(_biomarker_rule(f"{name} sign", [*form, _orth("+", *_HYPHEN)], name))
    score_words = _words("tps", "cps", "tumor", "tumour", "proportion", "combined", "positive", "positivity",
                         "score", "expression", "ic", "tc", ":", "=", "of", "is", "was", "(", ")", op="{0,5}")  # fmt: skip
    for pdl1 in _PDL1:
        rules.append(_biomarker_rule("PD-L1 score", [*pdl1, *[dict(t, OP="?") for t in _CLONE], score_words,
                                                     *_PERCENT], "PD-L1"))  # fmt: skip
        rules.append(_biomarker_rule("PD-L1 CPS", [*pdl1, *[dict(t, OP="?") for t in _CLONE], score_words,
                                                   _regex(_NUMBER)], "PD-L1"))  # fmt: skip
        rules.append(
            _biomarker_rule("PD-L1 status", [*pdl1, *[dict(t, OP="?") for t in _CLONE], *status], "PD-L1")
        )
    rules.append(
        _biomarker_rule("TPS", [_words("tps"), _words(":", "=", "of", "is", op="?"), *_PERCENT], "PD-L1")
    )
    rules.append(
        _biomarker_rule(
            "CPS", [_words("cps"), _words(":", "=", "of", "is", op="?"), _regex(_NUMBER)], "PD-L1"
        )
    )
    rules.append(_biomarker_rule("TPS words", [_words("tumor", "tumour"), _words("proportion"), _words("score"),
                                               _words(":", "=", "of", "is", op="?"), *_PERCENT], "PD-L1"))  # fmt: skip
    rules.append(_biomarker_rule("CPS words", [_words("combined"), _words("positive"), _words("score"),
                                               _words(":", "=", "of", "is", op="?"), _regex(_NUMBER)], "PD-L1"))  # fmt: skip
    msi_value = _words("h", "high", "l", "low", "stable", "mss", "msi-h")
    rules += [
        _biomarker_rule(
            "MSI",
            [_words("msi"), _words(":", "status", "is", op="{0,2}"), _orth(*_HYPHEN, op="?"), msi_value],
            "MSI",
        ),  # fmt: skip
        _biomarker_rule("MSS", [_orth("MSS")], "MSI"),
        _biomarker_rule(
            "MSI words",
            [
                _words("microsatellite"),
                _words("instability", "instable", "unstable"),
                _orth(*_HYPHEN, op="?"),
                _orth("(", op="?"),
                _words("msi", op="?"),
                _orth(*_HYPHEN, op="?"),
                _words("h", "high", "l", "low"),
                _orth(")", op="?"),
            ],
            "MSI",
        ),  # fmt: skip
        _biomarker_rule(
            "MS stable",
            [
                _words("microsatellite"),
                _orth(*_HYPHEN, op="?"),
                _words("stable"),
                _orth("(", op="?"),
                _words("mss", op="?"),
                _orth(")", op="?"),
            ],
            "MSI",
        ),  # fmt: skip
        _biomarker_rule(
            "MSI high words", [_words("high"), _words("microsatellite"), _words("instability")], "MSI"
        ),
    ]
    mmr_state = _words("deficient", "deficiency", "proficient", "intact", "retained", "preserved", "lost",
                       "loss", "absent", "abnormal", "normal")  # fmt: skip
    mmr_name = [[_words("mmr")], [_words("mismatch"), _orth(*_HYPHEN, op="?"), _words("repair")]]
    for name in mmr_name:
        rules.append(_biomarker_rule("MMR status", [*name, _orth(*_HYPHEN, op="?"),
                                                    _words("protein", "proteins", "status", ":", "is", "expression",
                                                           op="{0,2}"), mmr_state], "MMR"))  # fmt: skip
        rules.append(_biomarker_rule("MMR qualified", [_words("deficient", "proficient"), *name], "MMR"))
    rules.append(_biomarker_rule("dMMR", [_words("dmmr", "pmmr", "mmrd", "mmrp")], "MMR"))
    rules.append(_biomarker_rule("MMR-D", [_words("mmr"), _orth(*_HYPHEN), _words("d", "p")], "MMR"))
    mmr_list = _orth(*MMR_GENES, ",", "and", "/", "or", op="+")
    loss = _words("loss", "lost", "absence", "absent", "deficient", "deficiency")
    intact = _words("intact", "retained", "preserved", "normal")
    expression = _words(
        "nuclear", "expression", "staining", "immunoreactivity", "of", "protein", "proteins", op="{0,4}"
    )
    rules += [
        _biomarker_rule(
            "MMR protein loss", [loss, expression, _orth(*MMR_GENES), mmr_list, expression], "MMR"
        ),
        _biomarker_rule("MMR protein loss", [loss, expression, _orth(*MMR_GENES), expression], "MMR"),
        _biomarker_rule("MMR protein loss", [_orth(*MMR_GENES), mmr_list, expression, loss], "MMR"),
        _biomarker_rule("MMR protein loss", [_orth(*MMR_GENES), expression, loss], "MMR"),
        _biomarker_rule("MMR intact", [intact, expression, _orth(*MMR_GENES), mmr_list, expression], "MMR"),
        _biomarker_rule("MMR intact", [_orth(*MMR_GENES), mmr_list, expression, intact], "MMR"),
    ]
    for tmb in _TMB:
        rules.append(_biomarker_rule("TMB value", [*tmb, _words(":", "of", "is", "was", "=", "score", op="{0,2}"),
                                                   _regex(_NUMBER), _words("mut", "muts", "mutations", "m", op="?"),
                                                   _orth("/", op="?"), _words("per", op="?"),
                                                   _words("mb", "megabase", "megabases", op="?")], "TMB"))  # fmt: skip
        rules.append(_biomarker_rule("TMB status", [*tmb, _words(":", "is", op="?"), _orth(*_HYPHEN, op="?"),
                                                    _words("h", "high", "l", "low", "intermediate")], "TMB"))  # fmt: skip
        rules.append(_biomarker_rule("high TMB", [_words("high", "low"), *tmb], "TMB"))
    return rules


def _ish_patterns() -> list[Pattern]:
    """An ISH result without its gene ("FISH not amplified"); it is attached to the HER2 mention beside it."""
    return [
        [_words("fish", "ish", "sish", "cish", "ddish"), _words(":", "was", "is", "showed", "result", op="{0,2}"),
         _words("not", "non", op="?"), _orth(*_HYPHEN, op="?"),
         _words("amplified", "unamplified", "negative", "positive", "equivocal")],
    ]  # fmt: skip


def _diagnosis_patterns(tokenize: Tokenize) -> tuple[list[Pattern], list[Pattern]]:
    """(diagnosis patterns, non-diagnosis patterns): qualifier words + head noun, and their look-alikes."""
    qualifiers, heads = disease_qualifiers()
    adjectives = sorted(qualifiers | EXTENT_WORDS)
    free_heads = sorted(heads - DISEASE_HEADS_NEEDING_QUALIFIER)
    adjective = _words(*adjectives)
    stage = _regex(r"^(?:0|I{1,3}|IV)[A-Ca-c]?\d?$")
    lead: Pattern = [_words("stage", op="?"), dict(stage, OP="?"), {**adjective, "OP": "{0,6}"}]
    joined_adjective = {"LOWER": {"IN": [*adjectives, *_HYPHEN]}, "OP": "{0,6}"}
    of_site: Pattern = [_words("of"), _words("the", op="?"), {**adjective, "OP": "{1,3}"}]
    abbreviations = sorted(disease_abbreviations())
    found: list[Pattern] = []
    for head in (free_heads, sorted(DISEASE_HEADS_NEEDING_QUALIFIER)):
        needs = head is not free_heads
        core: Pattern = [{**adjective, "OP": "{1,6}"} if needs else joined_adjective, _words(*head)]
        found.append([*lead[:2], *core])
        found.append([*lead[:2], *core, *of_site])
    found.append([*lead[:2], _words(*sorted(DISEASE_HEADS_NEEDING_QUALIFIER)), *of_site])
    found.append([*lead[:2], joined_adjective, {"LOWER": {"IN": abbreviations}, "IS_LOWER": False}])
    for phrase in (*disease_phrases(), *NON_ONCOLOGY_DIAGNOSES):
        words = tokenize(phrase)
        if len(words) > 1 or words[0].lower() not in abbreviations:
            found.append([{"LOWER": word.lower()} for word in words])
    not_diagnosis_words = _words(
        "clinic", "board", "service", "team", "center", "centre", "program", "programme", "institute",
        "screening", "risk", "genetics", "support", "foundation", "society", "registry", "conference",
        "specialist", "unit", "panel", "predisposition", "awareness", "prevention", "genotype", "survivorship",
    )  # fmt: skip
    any_word = {"LOWER": {"IN": [*adjectives, *heads, *_HYPHEN]}, "OP": "{0,6}"}
    not_diagnosis = [[any_word, _words(*sorted(heads), *abbreviations), not_diagnosis_words]]
    return found, not_diagnosis


def target_rules(tokenize: Tokenize) -> list[TargetRule]:
    """Every TargetRule of the notes pipeline; `tokenize` is the pipeline's own tokenizer."""
    from medspacy.target_matcher import TargetRule

    genes = _gene_alternatives(tokenize)
    plain_genes = _gene_alternatives(tokenize, exclude=frozenset({"ERBB2"}))
    fusion_positive = _gene_alternatives(tokenize, exclude=frozenset(gene_names().values()) - {"ALK", "ROS1"})
    mutation_positive = _gene_alternatives(
        tokenize, exclude=frozenset(gene_names().values()) - (BIOMARKER_GENES - {"ALK", "ROS1", "ERBB2"})
    )
    rules: list[TargetRule] = []

    def add(
        category: str, literal: str, patterns: Iterable[Pattern], metadata: dict[str, Any] | None = None
    ) -> None:
        rules.extend(TargetRule(literal, category, pattern=p, metadata=metadata) for p in patterns)

    diagnoses, not_diagnoses = _diagnosis_patterns(tokenize)
    add(DIAGNOSIS, "diagnosis", diagnoses)
    add(NOT_DIAGNOSIS, "not a diagnosis", not_diagnoses)
    add(DRUG, "drug", ([{"LOWER": w.lower()} for w in tokenize(name)] for name in drug_phrases()))
    add(VARIANT, "gene protein change", _variant_patterns(genes))
    add(EXON, "gene exon alteration", _exon_patterns(genes))
    add(FUSION, "gene fusion", _fusion_patterns(genes, fusion_positive))
    add(COPY_NUMBER, "gene copy number", _copy_number_patterns(genes))
    add(MUTATION, "gene mutation", _mutation_patterns(plain_genes, mutation_positive))
    add(GENE, "gene", genes)
    for literal, pattern, metadata in _biomarker_patterns():
        add(BIOMARKER, literal, [pattern], metadata)
    add(ISH, "ISH result", _ish_patterns())
    return rules


# --- context -----------------------------------------------------------------------------------

_COORDINATION = frozenset(
    {",", "and", "or", "nor", "/", "&", "as", "well", "either", "neither", "both", "plus"}
)
_FILLER = frozenset(
    {
        "of", "any", "evidence", "for", "the", "a", "an", "known", "detectable", "other", "history",
        "pathogenic", "likely", "activating", "actionable", "sensitizing", "targetable", "somatic",
        "germline", "significant", "clinically", "was", "were", "is", "are", "been", "has", "have", "by",
        "on", "in", "with", "testing", "tested", "test", "ngs", "pcr", "ihc", "fish", "ish", "sequencing",
        "panel", "analysis", "assay", "exon", "exons", "codon", "codons", "(", ")", ":", "-", "–", "found",
        "identified", "seen", "present", "gene", "genes", "mutation", "mutations", "alteration",
        "alterations", "variant", "variants", "fusion", "fusions", "rearrangement", "rearrangements",
        "amplification", "expression", "status", "tumor", "tumour", "also", "all", "three", "both", "hotspot",
        "hotspots", "either", "otherwise", "definite", "further", "additional", "new", "reportable",
        "currently", "ctdna", "plasma", "liquid", "biopsy", "tissue", "result", "results",
    }
)  # fmt: skip


def _only_lists_between(target: Span, modifier: Span, _between: Span) -> bool:
    """ConText `on_modifies`: a negation reaches a target only across lists, fillers and other targets.

    "no KRAS, NRAS or BRAF mutation" negates all three; "no progression on osimertinib for EGFR
    exon 19 deletion" does not negate the deletion, because verbs and nouns stand between.
    """
    doc = target.doc
    start, end = (
        (modifier.end, target.start) if modifier.start < target.start else (target.end, modifier.start)
    )
    for token in doc[start:end]:
        if token.ent_type_ or token.lower_ in _COORDINATION or token.lower_ in _FILLER or token.like_num:
            continue
        return False
    return True


def _rule_specs() -> list[tuple[str, str, list[str | Pattern], dict[str, Any]]]:
    """(category, direction, phrases or token patterns, options) for every ConText rule."""
    finding_or_diagnosis = {
        "allowed_types": {*FINDING_TYPES, DIAGNOSIS, DRUG},
        "on_modifies": _only_lists_between,
    }
    drug_only = {"allowed_types": {DRUG}}
    specs: list[tuple[str, str, list[str | Pattern], dict[str, Any]]] = [
        (
            NEGATED,
            "FORWARD",
            [
                "no",
                "not",
                "without",
                "negative for",
                "neg for",
                "absence of",
                "lack of",
                "lacks",
                "free of",
                "no evidence of",
                "no sign of",
                "ruled out",
                "denies",
                "denied",
                "never",
                "never had",
                "never received",
                "not on",
                "no known",
                "no detectable",
                "did not detect",
                "did not reveal",
                "did not show",
                "did not identify",
                "did not demonstrate",
                "failed to detect",
                "failed to reveal",
                "no other",
                "nor",
                "not taking",
                "not receiving",
                "avoid",
                "avoided",
                "contraindicated",
            ],
            finding_or_diagnosis,
        ),  # fmt: skip
        (
            NEGATED,
            "BACKWARD",
            [
                "negative",
                "neg",
                "was negative",
                "were negative",
                "is negative",
                "are negative",
                "absent",
                "not detected",
                "undetected",
                "not identified",
                "not found",
                "not seen",
                "not present",
                "not observed",
                "none detected",
                "none identified",
                "was ruled out",
                "is ruled out",
                "has been ruled out",
                "excluded",
                "was excluded",
            ],
            finding_or_diagnosis,
        ),  # fmt: skip
        (
            NEGATED,
            "BACKWARD",
            [
                "wild type",
                "wild-type",
                "wildtype",
                "wt",
                "unmutated",
                "non-mutated",
                "nonmutated",
                "not mutated",
            ],
            {**finding_or_diagnosis, "metadata": {"alteration": "mutation"}},
        ),  # fmt: skip
        (
            NEGATED,
            "BACKWARD",
            ["not amplified", "non-amplified", "nonamplified", "unamplified"],
            {**finding_or_diagnosis, "metadata": {"alteration": "amplification"}},
        ),
        (
            NEGATED,
            "BACKWARD",
            ["not rearranged", "non-rearranged"],
            {**finding_or_diagnosis, "metadata": {"alteration": "fusion"}},
        ),
        (
            NEGATED,
            "PSEUDO",
            [
                "no change",
                "no changes",
                "no dose change",
                "no side effects",
                "no toxicity",
                "no adverse",
                "not only",
                "no interruption",
                "no significant change",
                "negative predictive",
                "not certain",
            ],
            {},
        ),  # fmt: skip
        (
            POSSIBLE,
            "FORWARD",
            [
                "possible",
                "possibly",
                "probable",
                "suspected",
                "suspicion of",
                "suspicious for",
                "concerning for",
                "concern for",
                "worrisome for",
                "rule out",
                "r/o",
                "cannot exclude",
                "question of",
                "differential",
                "presumed",
                "versus",
            ],
            {"allowed_types": {DIAGNOSIS}},
        ),  # fmt: skip
        (
            POSSIBLE,
            "BACKWARD",
            [
                "cannot be excluded",
                "not excluded",
                "not ruled out",
                "is suspected",
                "was suspected",
                "suspected",
            ],
            {"allowed_types": {DIAGNOSIS}},
        ),  # fmt: skip
        (
            HYPOTHETICAL,
            "FORWARD",
            ["if", "in case of", "in the event of", "unless", "whether"],
            {"metadata": {"conditional": True}},
        ),
        (
            HYPOTHETICAL,
            "FORWARD",
            [
                "should",
                "would",
                "could",
                "consider",
                "considering",
                "may consider",
                "candidate for",
                "eligible for",
                "potential",
                "potentially",
                "may benefit",
                "test for",
                "testing for",
                "tested for",
                "evaluate for",
                "evaluation for",
                "check for",
                "screen for",
                "screening for",
                "to assess",
                "to rule out",
                "await",
                "awaiting",
                "sent for",
                "send for",
                "order",
                "ordered",
                "request",
                "requested",
                "discuss",
                "discussed",
                "options include",
                "option of",
                "such as",
                "alternative",
                "alternatives",
                "instead of",
            ],
            {},
        ),  # fmt: skip
        (HYPOTHETICAL, "BIDIRECTIONAL", ["pending", "awaited"], {"max_scope": 6}),
        (
            HYPOTHETICAL,
            "BACKWARD",
            [
                "is pending",
                "are pending",
                "was sent",
                "were sent",
                "has been sent",
                "is awaited",
                "are awaited",
                "to be sent",
                "if positive",
                "if negative",
                "if present",
                "not tested",
                "not performed",
                "not done",
                "not assessed",
                "not evaluated",
                "not available",
                "could be considered",
                "would be considered",
                "may be considered",
                "would be an option",
                "is an option",
                "are options",
                "insufficient",
                "qns",
            ],
            {},
        ),  # fmt: skip
        (
            UNCERTAIN,
            "BIDIRECTIONAL",
            [
                "vus",
                "variant of uncertain significance",
                "variant of unknown significance",
                "uncertain significance",
                "unknown significance",
                "of uncertain",
                "likely benign",
                "benign",
                "polymorphism",
            ],
            {"allowed_types": set(FINDING_TYPES), "max_scope": 6},
        ),  # fmt: skip
        (
            FAMILY,
            "FORWARD",
            [
                "family history",
                "family hx",
                "fhx",
                "fh of",
                "family member",
                "relative",
                "relatives",
                [_words("maternal", "paternal", op="?"), _words(*_RELATIVES)],
                [_words(*_RELATIVES), _orth("'s", "’s")],
            ],
            {"terminated_by": {_PATIENT}},
        ),  # fmt: skip
        (
            FAMILY,
            "BACKWARD",
            [
                [
                    _words("in", "of"),
                    _words("his", "her", "their", "the", "a", op="?"),
                    _words("maternal", "paternal", op="?"),
                    _words(*_RELATIVES),
                ],
                "runs in the family",
                "in the family",
            ],
            {"terminated_by": {_PATIENT}},
        ),  # fmt: skip
        (
            _PATIENT,
            "PSEUDO",
            ["patient", "pt", "she", "he", "our patient", "the patient", "herself", "himself"],
            {},
        ),
        (
            HISTORICAL,
            "FORWARD",
            [
                "s/p",
                [_words("s"), _orth("/"), _words("p")],
                "status post",
                "prior",
                "previous",
                "history of",
                "h/o",
                "hx of",
                "formerly",
                "previously received",
                "previously treated with",
                "was treated with",
                "were treated with",
                "treated previously with",
                "received",
                "had received",
                "completion of",
                "after progression on",
                "progressed on",
                "progression on",
                "progressed through",
                "progression through",
                "progressed after",
                "progression after",
                "after failure of",
                "refractory to",
                "intolerant of",
                "intolerant to",
                "intolerance to",
                "stop",
                "discontinue",
                "d/c",
                "hold",
                "off",
                "was on",
                "were on",
                "had been on",
                "no longer on",
                "no longer taking",
                "no longer",
                "came off",
                "taken off",
                "switched from",
                "changed from",
                "last dose of",
            ],
            {**drug_only, "max_scope": 10, "terminated_by": {PLANNED, CURRENT}},
        ),  # fmt: skip
        (
            HISTORICAL,
            "BIDIRECTIONAL",
            ["discontinued", "stopped", "completed", "held", "failed", "previously"],
            {**drug_only, "max_scope": 8, "terminated_by": {PLANNED, CURRENT}},
        ),
        (
            HISTORICAL,
            "BACKWARD",
            [
                "was discontinued",
                "was stopped",
                "was held",
                "on hold",
                "ended",
                "was completed",
                "in the past",
                "years ago",
                "months ago",
                "was tried",
                "were tried",
                "tried",
                "ineffective",
                "not tolerated",
                "stopped due to",
                "discontinued due to",
            ],
            {**drug_only, "max_scope": 8, "terminated_by": {PLANNED, CURRENT}},
        ),  # fmt: skip
        (
            PLANNED,
            "BIDIRECTIONAL",
            ["planned"],
            {**drug_only, "max_scope": 8, "terminated_by": {HISTORICAL, CURRENT}},
        ),
        (
            PLANNED,
            "FORWARD",
            [
                "plan to start",
                "plan to",
                "plans to",
                "planning to",
                "plan for",
                "will start",
                "will begin",
                "will initiate",
                "will receive",
                "will be started on",
                "will add",
                "will switch to",
                "to start",
                "to begin",
                "to initiate",
                "start",
                "begin",
                "initiate",
                "starting",
                "initiating",
                "recommend",
                "recommended",
                "recommend starting",
                "we recommend",
                "proceed with",
                "schedule",
                "scheduled for",
                "next line",
                "switch to",
                "switching to",
                "change to",
                "transition to",
                "add",
                "adding",
                "resume",
                "restart",
                "rechallenge with",
                "to receive",
                "intend to start",
                "prescribe",
                "order for",
            ],
            {**drug_only, "max_scope": 10, "terminated_by": {HISTORICAL, CURRENT}},
        ),  # fmt: skip
        (
            PLANNED,
            "BACKWARD",
            [
                "is planned",
                "are planned",
                "to be started",
                "will be started",
                "is recommended",
                "are recommended",
                "was recommended",
                "scheduled",
                "is scheduled",
                "to follow",
            ],
            {**drug_only, "max_scope": 8, "terminated_by": {HISTORICAL, CURRENT}},
        ),  # fmt: skip
        (
            CURRENT,
            "FORWARD",
            [
                [_words("on")],
                "currently on",
                "remains on",
                "remain on",
                "maintained on",
                "continue",
                "continues",
                "continuing",
                "continued",
                "taking",
                "takes",
                "receiving",
                "currently receiving",
                "tolerating",
                "tolerates",
                "started on",
                "began",
                "now on",
                "still on",
                "using",
                "is being treated with",
                "being treated with",
                "progressing on",
                "increase",
                "decrease",
                "decreased",
                "reduce",
                "titrate",
                "maintenance",
                "cycle",
            ],
            {**drug_only, "max_scope": 4, "terminated_by": {HISTORICAL, PLANNED}},
        ),  # fmt: skip
        (
            CURRENT,
            "BIDIRECTIONAL",
            ["started", "initiated", "continued", "currently", "increased", "reduced", "titrated"],
            {**drug_only, "max_scope": 8, "terminated_by": {HISTORICAL, PLANNED}},
        ),
        (
            CURRENT,
            "BACKWARD",
            [
                "was started",
                "were started",
                "was initiated",
                "ongoing",
                "current",
                "is continued",
                "was increased",
                "was reduced",
                "was titrated",
            ],
            {**drug_only, "max_scope": 8, "terminated_by": {HISTORICAL, PLANNED}},
        ),  # fmt: skip
        (
            DOSED,
            "BACKWARD",
            [
                "daily",
                "once daily",
                "twice daily",
                "bid",
                "tid",
                "qd",
                "qhs",
                "weekly",
                "q2w",
                "q3w",
                "q4w",
                "every 2 weeks",
                "every 3 weeks",
                "every 4 weeks",
                "mg",
                "mcg",
                "mg/m2",
            ],
            {**drug_only, "max_scope": 6},
        ),  # fmt: skip
        (
            GERMLINE,
            "BIDIRECTIONAL",
            ["germline", "inherited", "hereditary", "constitutional", "heterozygous", "carrier"],
            {"allowed_types": set(FINDING_TYPES), "max_scope": 5},
        ),  # fmt: skip
        (
            SOMATIC,
            "BIDIRECTIONAL",
            ["somatic", "tumor", "tumour", "ctdna", "liquid biopsy", "plasma", "acquired"],
            {"allowed_types": set(FINDING_TYPES), "max_scope": 5},
        ),  # fmt: skip
        (
            "TERMINATE",
            "TERMINATE",
            [
                ";",
                "but",
                "however",
                "although",
                "though",
                "whereas",
                "while",
                "except",
                "apart from",
                "aside from",
                "other than",
                "which",
            ],
            {},
        ),  # fmt: skip
    ]
    for method, phrases in _METHODS.items():
        specs.append((METHOD, "BIDIRECTIONAL", list(phrases),
                      {"allowed_types": set(FINDING_TYPES), "metadata": {"method": method}}))  # fmt: skip
    return specs


_RELATIVES = (
    "mother", "father", "sister", "brother", "aunt", "uncle", "cousin", "grandmother", "grandfather",
    "son", "daughter", "sibling", "siblings", "parent", "parents", "niece", "nephew", "grandparent",
    "sisters", "brothers", "mom", "dad", "twin",
)  # fmt: skip
_METHODS = {
    "IHC": ("ihc", "immunohistochemistry", "immunohistochemical", "immunostain", "immunostaining"),
    "ISH": ("fish", "ish", "sish", "cish", "in situ hybridization", "in-situ hybridization"),
    "NGS": ("ngs", "next-generation sequencing", "next generation sequencing", "sequencing", "foundationone",
            "guardant360", "oncomine", "tempus", "comprehensive genomic profiling", "cgp"),
    "PCR": ("pcr", "rt-pcr", "qpcr", "ddpcr", "polymerase chain reaction", "cobas"),
}  # fmt: skip


def _phrase_pattern(phrase: str | Pattern, tokenize: Tokenize) -> tuple[str, Pattern]:
    if isinstance(phrase, list):
        return "pattern", phrase
    return phrase, [{"LOWER": word.lower()} for word in tokenize(phrase)]


def context_rules(tokenize: Tokenize) -> list[ConTextRule]:
    """Every ConText rule: negation, uncertainty, hypothetical, family, medication status, origin, method."""
    from medspacy.context import ConTextRule

    rules: list[ConTextRule] = []
    for category, direction, phrases, options in _rule_specs():
        for phrase in phrases:
            literal, pattern = _phrase_pattern(phrase, tokenize)
            rules.append(ConTextRule(literal, category, pattern=pattern, direction=direction, **options))
    return rules


# --- sections ----------------------------------------------------------------------------------

SECTION_TITLES: dict[str, Sequence[str]] = {
    "family_history": ("family history", "family hx", "fhx", "fh"),
    "allergies": ("allergies", "allergy", "drug allergies", "adverse drug reactions", "intolerances"),
    "medications": ("medications", "current medications", "meds", "current meds", "home medications",
                    "medication list", "active medications", "outpatient medications"),
    "prior_treatment": ("prior therapy", "prior therapies", "prior treatment", "prior treatments",
                        "treatment history", "oncologic history", "oncology history", "previous treatment",
                        "previous treatments", "past treatment", "prior lines of therapy"),
    "plan": ("plan", "assessment and plan", "assessment/plan", "a/p", "recommendations", "recommendation",
             "impression and plan", "treatment plan"),
    "past_medical_history": ("past medical history", "pmh", "medical history"),
    "social_history": ("social history", "sh"),
    "other": ("assessment", "impression", "diagnosis", "diagnoses", "hpi", "history of present illness",
              "molecular", "molecular results", "pathology", "biomarkers", "labs", "imaging", "exam",
              "physical exam", "review of systems", "ros", "interval history", "subjective", "objective",
              "results", "genomic results", "chief complaint", "cc"),
}  # fmt: skip
"""Section headers (at the start of a line, followed by a colon) and the category they open."""


def section_rules(tokenize: Tokenize) -> list[SectionRule]:
    """SectionRules for the headers in `SECTION_TITLES`."""
    from medspacy.section_detection import SectionRule

    return [
        SectionRule(f"{title}:", category, pattern=[*_phrase_pattern(title, tokenize)[1], {"ORTH": ":"}])
        for category, titles in SECTION_TITLES.items()
        for title in titles
    ]
