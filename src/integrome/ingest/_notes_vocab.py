"""Vocabularies the clinical-note rules are generated from.

Gene symbols, drug names and tumour names come from `integrome.normalize` (the same tables that
normalize structured inputs), so a drug or gene the rest of integrome knows is also recognized in
free text, and every recognized mention normalizes the same way. What is curated here is only
what those tables do not hold: which genes are tested as single biomarkers (so that "ALK
negative" means a test result), words that qualify a tumour name, and common non-oncology
diagnoses that pharmacogenomic guidance depends on.
"""

from __future__ import annotations

import re
from functools import cache

from integrome.normalize.diseases import disease_synonyms, oncotree
from integrome.normalize.genes import canonical_gene, load_packaged_genes

__all__ = [
    "ANATOMY_WORDS",
    "BIOMARKER_GENES",
    "DISEASE_HEADS_NEEDING_QUALIFIER",
    "EXTENT_WORDS",
    "FUSION_DRIVERS",
    "IHC_LOSS_GENES",
    "MMR_GENES",
    "NON_ONCOLOGY_DIAGNOSES",
    "disease_abbreviations",
    "disease_phrases",
    "disease_qualifiers",
    "gene_names",
]

BIOMARKER_GENES = frozenset(
    {
        "AKT1", "ALK", "ATM", "BRAF", "BRCA1", "BRCA2", "CDK12", "CHEK2", "EGFR", "ERBB2", "ESR1",
        "FGFR1", "FGFR2", "FGFR3", "FLT3", "HRAS", "IDH1", "IDH2", "JAK2", "KIT", "KRAS", "MET",
        "NRAS", "NRG1", "NTRK1", "NTRK2", "NTRK3", "PALB2", "PDGFRA", "PIK3CA", "POLE", "PTEN",
        "RAD51C", "RAD51D", "RET", "ROS1", "TP53",
    }
)  # fmt: skip
"""Genes reported on their own as a test result ("ALK negative", "EGFR wild type"): only these make
a bare gene name negated by "negative"/"no" a NegativeFinding, so "no ACE inhibitor" or "FH: none"
never becomes a tested-negative gene."""

FUSION_DRIVERS = frozenset(
    {"ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "FGFR1", "FGFR2", "FGFR3", "NRG1", "BRAF", "MET",
     "ABL1", "PDGFRA", "PDGFRB", "RARA", "JAK2", "FGFR4", "NUTM1", "ESR1"}
)  # fmt: skip
"""The kinase or driver side of a fusion: `FusionFinding.gene` is the actionable partner ("EML4-ALK"
→ ALK), else the 5' gene."""

IHC_LOSS_GENES = frozenset({"ATRX"})
"""Proteins whose bare "loss" in a report means loss of staining on immunohistochemistry: ATRX loss
is the IHC surrogate of ATRX mutation in diffuse gliomas (WHO CNS5, 2021). Other genes need a
staining word ("PTEN loss" may be a deletion)."""

MMR_GENES = ("MLH1", "MSH2", "MSH6", "PMS2")
"""The four mismatch-repair proteins of the standard IHC panel."""

EXTENT_WORDS = frozenset(
    {
        "metastatic", "advanced", "recurrent", "relapsed", "refractory", "unresectable", "locally",
        "widely", "newly", "diagnosed", "early", "oligometastatic", "progressive", "stage", "de", "novo",
        "extensive", "limited", "resected", "localized", "right-sided", "left-sided",
    }
)  # fmt: skip
"""Words describing extent or course, kept in a diagnosis' display but not in its normalized code."""

ANATOMY_WORDS = frozenset({"lobe", "lobes", "upper", "lower", "middle", "right", "left", "flexure", "antrum"})
"""Site words of notes that tumour names lack ("adenocarcinoma of the right upper lobe")."""

DISEASE_HEADS_NEEDING_QUALIFIER = frozenset(
    {"cancer", "cancers", "carcinoma", "carcinomas", "adenocarcinoma", "adenocarcinomas", "tumor",
     "tumors", "tumour", "tumours", "neoplasm", "neoplasms", "malignancy", "malignancies"}
)  # fmt: skip
"""Generic heads that name a diagnosis only with a site or histology word ("gastric cancer", not the
"cancer" of "cancer genetics")."""

_EXTRA_HEADS = frozenset({"leukemia", "leukaemia", "lymphoma", "lymphomas", "myeloma", "sarcoma", "sarcomas"})

NON_ONCOLOGY_DIAGNOSES = (
    "major depressive disorder", "major depression", "recurrent depression", "clinical depression",
    "depressive disorder", "generalized anxiety disorder", "anxiety disorder", "panic disorder",
    "bipolar disorder", "schizophrenia", "schizoaffective disorder", "obsessive-compulsive disorder",
    "post-traumatic stress disorder", "PTSD", "ADHD", "attention deficit hyperactivity disorder",
    "HIV", "HIV-1", "HIV-1 infection", "HIV infection", "human immunodeficiency virus infection",
    "hepatitis B", "hepatitis C", "chronic hepatitis B", "chronic hepatitis C", "tuberculosis",
    "hypertension", "atrial fibrillation", "coronary artery disease", "acute coronary syndrome",
    "myocardial infarction", "heart failure", "stroke", "transient ischemic attack",
    "deep vein thrombosis", "pulmonary embolism", "venous thromboembolism", "peripheral artery disease",
    "hyperlipidemia", "hypercholesterolemia", "familial hypercholesterolemia", "type 2 diabetes",
    "type 2 diabetes mellitus", "type 1 diabetes", "diabetes mellitus", "hypothyroidism", "gout",
    "rheumatoid arthritis", "psoriasis", "Crohn's disease", "ulcerative colitis",
    "inflammatory bowel disease", "epilepsy", "seizure disorder", "migraine", "chronic pain",
    "multiple sclerosis", "Parkinson's disease", "Alzheimer's disease", "asthma", "COPD",
    "chronic obstructive pulmonary disease", "chronic kidney disease", "cystic fibrosis",
    "sickle cell disease", "G6PD deficiency", "malignant hyperthermia", "GERD",
    "gastroesophageal reflux disease", "osteoporosis",
)  # fmt: skip
"""Common non-oncology diagnoses relevant to drug choice (they become `system="text"` diagnoses)."""

_STOPWORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "like", "not", "nos", "of", "on", "or",
     "other", "the", "to", "type", "with", "without", "unknown", "mixed", "disease", "diseases",
     "syndrome", "abnormal", "abnormalities", "aberration", "associated", "altered", "between",
     "changes", "complete", "deficient", "excess", "features", "forming", "genetic", "biallelic",
     "codeleted", "down", "center", "essential", "disorder", "disorders", "mutant", "mutated",
     "mutation", "wildtype", "positive", "negative", "rearranged", "amplified", "expressing", "driven"}
)  # fmt: skip
"""Words of tumour names that say nothing about site or histology, or belong to a biomarker in a
note ("KRAS-mutant colorectal cancer", "MMR deficient colorectal cancer" name colorectal cancer)."""
_WORD = re.compile(r"[A-Za-z]+")


@cache
def gene_names() -> dict[str, str]:
    """Written gene name → approved symbol: the packaged symbols plus curated clinical aliases.

    HGNC aliases in general are left out: many are clinical abbreviations or English words in
    capitals (ALL, CML, PSA, NHL, P21), and a gene falsely read in a note becomes a false finding.
    """
    table = load_packaged_genes()
    names = {record.symbol: record.symbol for record in table.records}
    spoken = ("HER2", "HER-2", "Her2", "HER2/neu", "PD-L1", "PDL1", "c-KIT", "c-Kit", "c-MET", "c-Met")
    for alias in (*table.extra_aliases, *spoken):
        symbol = canonical_gene(alias.removesuffix("/neu"))
        if symbol is not None:
            names[alias] = symbol
    return names


@cache
def disease_phrases() -> tuple[str, ...]:
    """OncoTree node names and the curated tumour synonyms `normalize.diseases` maps from text."""
    tree = oncotree()
    names = {tree.name(code) for code in tree.codes if tree.level(code) >= 2}
    return tuple(sorted(names | disease_synonyms().keys()))


@cache
def disease_abbreviations() -> frozenset[str]:
    """Single-word tumour abbreviations among the synonyms (nsclc, gist, mcrc, tnbc), lowercase."""
    return frozenset(
        s.lower() for s in disease_synonyms() if re.fullmatch(r"[a-z]{2,6}", s) and not s.endswith("oma")
    )


@cache
def disease_qualifiers() -> tuple[frozenset[str], frozenset[str]]:
    """(site/histology qualifier words, head nouns) of tumour names, lowercase.

    Heads are the words ending in -oma plus cancer/leukemia/neoplasm/tumor; qualifiers are the
    other words of OncoTree names and synonyms (lung, gastric, ductal, non, small, cell, ...).
    """
    words = {w.lower() for phrase in disease_phrases() for w in _WORD.findall(phrase)}
    heads = {w for w in words if w.endswith(("oma", "omas"))} | DISEASE_HEADS_NEEDING_QUALIFIER | _EXTRA_HEADS
    genes = {name.lower() for name in gene_names()}
    qualifiers = {w for w in words - heads - _STOPWORDS - disease_abbreviations() - genes if len(w) >= 3}
    return frozenset(qualifiers | ANATOMY_WORDS), frozenset(heads)
