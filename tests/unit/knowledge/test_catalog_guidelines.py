"""Guideline testing rules: complete for the diagnoses the issue lists, cited, and validated."""

from __future__ import annotations

import re

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.testing import load_gap_knowledge, parse_testing_files
from integrome.normalize.diseases import oncotree

REQUIRED = {
    "LUAD": ["EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET", "RET", "NTRK", "ERBB2-mutation", "PD-L1"],
    "LUSC": ["PD-L1"],
    "COAD": ["MSI/MMR", "RAS", "BRAF"],
    "IDC": ["ER", "PR", "HER2", "germline-BRCA"],
    "HGSOC": ["germline-ovarian", "tumor-BRCA"],
    "PRAD": ["germline-prostate", "HRR"],
    "PAAD": ["germline-pancreas", "KRAS"],
    "SKCM": ["BRAF"],
    "STAD": ["HER2", "PD-L1", "MSI/MMR"],
    "GEJ": ["HER2"],
    "UEC": ["MSI/MMR", "POLE", "p53"],
    "IHCH": ["FGFR2-fusion", "IDH1"],
    "THPA": ["BRAF", "RET"],
    "THME": ["germline-RET"],
    "GIST": ["KIT", "PDGFRA"],
    "ASTR": ["IDH", "MGMT"],
    "AML": ["FLT3", "NPM1"],
    "CLLSLL": ["del(17p)", "TP53", "IGHV"],
    "BLCA": ["FGFR3"],
    "CCRCC": ["MSI/MMR", "TMB", "NTRK"],
}


@pytest.mark.parametrize(("code", "biomarkers"), sorted(REQUIRED.items()))
def test_each_listed_diagnosis_has_its_guideline_biomarkers(code: str, biomarkers: list[str]) -> None:
    tree = oncotree()
    knowledge = load_gap_knowledge()
    asked = {
        item.biomarker
        for rule in knowledge.rules
        if any(tree.is_a(code, d) for d in rule.diseases)
        and not any(tree.is_a(code, d) for d in rule.excluded_diseases)
        for item in rule.biomarkers
    }
    assert set(biomarkers) <= asked


def test_every_rule_cites_a_named_guideline_or_label_with_a_year() -> None:
    for rule in load_gap_knowledge().rules:
        assert rule.citations
        for citation in rule.citations:
            assert re.search(r"\b(19|20)\d\d\b", citation.id) or citation.source == "FDA", (rule.id, citation)


def test_pmid_citations_link_to_pubmed() -> None:
    for rule in load_gap_knowledge().rules:
        for citation in rule.citations:
            found = re.search(r"PMID (\d+)", citation.id)
            if found:
                assert citation.url == f"https://pubmed.ncbi.nlm.nih.gov/{found.group(1)}/"


RULES = """\
source: test
biomarkers:
  - {id: EGFR, label: EGFR mutation, detect: ["EGFR:mutation"]}
rules:
  - id: lung
    title: Lung
    diseases: [NSCLC]
    specimen: tissue
    biomarkers: [{biomarker: EGFR}]
    statement: test
    citations: [{source: NCCN, id: "NCCN NSCLC, 2025"}]
    reviewed: "2026-11-25"
"""


def test_valid_rule_file_parses() -> None:
    biomarkers, rules = parse_testing_files([("rules.yaml", RULES)])
    assert list(biomarkers) == ["EGFR"]
    assert [r.id for r in rules] == ["lung"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('"EGFR:mutation"', '"EGFR:mutations"'),
            "rules.yaml: line 3: biomarkers[0] (EGFR): detect: Value error, 'EGFR:mutations': "
            "unknown kind 'mutations'",
        ),
        (
            ('    citations: [{source: NCCN, id: "NCCN NSCLC, 2025"}]\n', ""),
            "rules.yaml: line 5: rules[0] (lung): citations: Field required",
        ),
        (
            ('reviewed: "2026-11-25"', "reviewed: yesterday"),
            "rules[0] (lung): reviewed: String should match pattern",
        ),
        (("source: test", "source: test\nkind: rules"), "unknown top-level key(s) ['kind']"),
        (
            ("{biomarker: EGFR}", "{biomarker: ALK}"),
            "rules[0] (lung): biomarkers.0: unknown biomarker id 'ALK'",
        ),
        (("{biomarker: EGFR}", "{biomarker: EGFR, when: {PD-L1: positive}}"), "unknown biomarker id 'PD-L1'"),
        (
            ("diseases: [NSCLC]", "diseases: [LUNGCA]"),
            "rules[0] (lung): diseases: unknown OncoTree code 'LUNGCA'",
        ),
        (
            ('"EGFR:mutation"', '"HER2:mutation"'),
            "biomarkers[0] (EGFR): detect.0: 'HER2' is not an approved HGNC gene symbol; "
            "use the approved symbol ERBB2",
        ),
        (
            ("{biomarker: EGFR}", "{biomarker: EGFR, test: germline}"),
            "test 'germline' does not fit the somatic biomarker 'EGFR'",
        ),
    ],
)
def test_invalid_rule_file_names_file_line_record_and_field(change: tuple[str, str], message: str) -> None:
    text = RULES.replace(*change)
    assert text != RULES
    with pytest.raises(KnowledgeBaseError, match=re.escape(message)):
        parse_testing_files([("rules.yaml", text)])


def test_germline_biomarker_must_be_ordered_as_germline_test() -> None:
    text = RULES.replace('detect: ["EGFR:mutation"]}', 'detect: ["EGFR:mutation"], origin: germline}')
    with pytest.raises(
        KnowledgeBaseError, match="germline biomarkers \\(and only they\\) are ordered as test 'germline'"
    ):
        parse_testing_files([("rules.yaml", text)])
