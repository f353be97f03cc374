"""Matching against MatchMiner's own CTML test trials, its boolean cases, and through `analyze`."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from integrome.insights import analyze
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.sources.ctml import import_ctml, parse_ctml, read_ctml
from integrome.knowledge.trials import TrialStore
from integrome.match._trial_criteria import patient_facts
from integrome.match.trials import TrialMatchConfig, compile_trials, evaluate_arm, match_trials
from integrome.model import (
    BiomarkerFinding,
    Coverage,
    Diagnosis,
    Finding,
    Patient,
    PatientProfile,
    VariantFinding,
)
from integrome.normalize.diseases import oncotree

AS_OF = "2026-01-01"
EGFR_DEL19 = VariantFinding(
    id="f1", source="maf", gene="EGFR", hgvs_p="p.Glu746_Ala750del", consequence="inframe_deletion"
)
BOOLEAN_CASES = (
    "and_and_and",
    "and_and_or",
    "and_or_and",
    "and_or_or",
    "or_and_and",
    "or_and_or",
    "or_or_and",
    "or_or_or",
)


@pytest.fixture(scope="module")
def integration(shared_data: Path) -> Path:
    return shared_data / "ctml-trials/matchengine-v2/tests/data/integration_trials"


def _profile(
    findings: list[Finding], oncotree_code: str | None = "LUAD", birth_date: str = "1961-04-02"
) -> PatientProfile:
    diagnoses = (
        [Diagnosis(system="oncotree", code=oncotree_code, display=oncotree_code, oncotree=oncotree_code)]
        if oncotree_code
        else []
    )
    return PatientProfile(
        patient=Patient(id="p", sex="female", birth_date=birth_date, diagnoses=diagnoses),
        findings=findings,
        coverage=[Coverage(input="t.maf", assay="maf", genes=["EGFR", "BRAF", "ARID1A", "TP53"])],
    )


def _arms(path: Path, profile: PatientProfile) -> dict[str, str]:
    store = TrialStore(read_ctml(path).trials)
    result = match_trials(profile, store, as_of=AS_OF)
    return {m.arm.id: m.verdict for m in result.matches}


def test_egfr_exon19_deletion_nsclc_is_eligible_for_the_open_egfr_arm(integration: Path) -> None:
    result = match_trials(
        _profile([EGFR_DEL19]), TrialStore(read_ctml(integration / "all_open.json").trials), as_of=AS_OF
    )
    [match] = result.matches
    assert (match.trial.id, match.arm.id, match.verdict) == ("10-002", "ARM 1", "eligible")
    [insight] = result.insights
    assert insight.summary == "Eligible on coded data: EGFR in-frame deletion in Lung Adenocarcinoma"
    assert insight.citations[0].source == "CTML import"
    assert insight.citations[0].id == "all_open.json: 10-002"
    assert "Other matching arms: step 1 (eligible)" in insight.rationale


def test_closed_arms_are_not_reported_but_an_open_dose_level_under_a_closed_arm_is(integration: Path) -> None:
    profile = _profile([EGFR_DEL19])
    assert _arms(integration / "all_closed.json", profile) == {}
    assert _arms(integration / "all_closed_trial_closed.json", profile) == {}
    assert _arms(integration / "closed_step_arm.json", profile) == {"step 1": "eligible"}


def test_wildcard_protein_change_matches_braf_v600e_not_arid1a(integration: Path) -> None:
    v600e = VariantFinding(id="f2", source="maf", gene="BRAF", hgvs_p="p.V600E")
    assert _arms(integration / "wildcard_protein_found.json", _profile([v600e])) == {"step 1": "eligible"}
    assert _arms(integration / "wildcard_protein_not_found.json", _profile([v600e])) == {}


def test_age_limits_split_adults_and_children(integration: Path) -> None:
    adult, child = _profile([], birth_date="1980-01-01"), _profile([], birth_date="2015-01-01")
    assert _arms(integration / "older_than_18.json", adult) == {"DOSE": "eligible"}
    assert _arms(integration / "older_than_18.json", child) == {}
    assert _arms(integration / "younger_than_18.json", child) == {"DOSE": "eligible"}


def test_tmb_trial_matches_on_the_reported_value(integration: Path) -> None:
    tmb = BiomarkerFinding(
        id="b1", source="fhir", biomarker="TMB", value="40 mut/Mb", numeric=40.0, status="positive"
    )
    assert _arms(integration / "tmb.json", _profile([tmb])) == {"DOSE": "eligible"}
    assert _arms(integration / "tmb.json", _profile([])) == {}


def test_nras_negated_trial_needs_nras_tested(shared_data: Path) -> None:
    path = shared_data / "ctml-trials/matchengine-v2/tests/data/trials/11-111.json"
    tested = _profile([]).model_copy(
        update={"coverage": [Coverage(input="p.vcf", assay="vcf", genes=["NRAS"])]}
    )
    nras = VariantFinding(id="f3", source="vcf", gene="NRAS", hgvs_p="p.Gly12Asp")
    assert _arms(path, tested) == {"EXP 3": "eligible"}
    assert _arms(path, tested.model_copy(update={"findings": [nras]})) == {}


# --- matchengine-v2 boolean cases -----------------------------------------------------------------


def _ctml_node(node: Any) -> Any:
    """The abstract case (g1/c1 leaves) as CTML: g<n> a mutation in gene TESTG<n>, c<n> the n-th
    tissue-level OncoTree type (patients get those as diagnoses, or the root when none is true)."""
    if isinstance(node, list):
        return [_ctml_node(item) for item in node]
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("and", "or"):
            converted[key] = _ctml_node(value)
        elif key.startswith("g"):
            converted["genomic"] = {"hugo_symbol": f"TESTG{key[1:]}", "variant_category": "Mutation"}
        else:
            converted["clinical"] = {"oncotree_primary_diagnosis": _LEVEL1[int(key[1:])]}
    return converted


_LEVEL1 = sorted(code for code in oncotree().codes if oncotree().level(code) == 1)


def _labels(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_labels(item) for item in node))
    return set().union(*((_labels(v) if k in ("and", "or") else {k}) for k, v in node.items()))


@pytest.mark.parametrize("case", BOOLEAN_CASES)
def test_boolean_case_matches_matchengine_match_paths(shared_data: Path, case: str) -> None:
    """For every assignment of met / not met to the leaves, the arm is eligible exactly when one of
    matchengine-v2's expected match paths (a multi-key mapping needs all its keys) is fully met."""
    data = shared_data / "ctml-trials/matchengine-v2/tests/data"
    tree = json.loads((data / f"ctml_boolean_cases/{case}.json").read_text())
    expected = json.loads((data / "get_match_paths_expected.json").read_text())[f"{case}.json"]
    paths = [
        {key for level in path["criteria_list"] for criterion in level["criteria"] for key in criterion}
        for path in expected
    ]
    document = {
        "protocol_no": "BOOL-1",
        "treatment_list": {"step": [{"arm": [{"arm_code": "A", "match": [_ctml_node(tree)]}]}]},
    }
    [trial] = parse_ctml(json.dumps(document), f"{case}.json").trials
    [arm] = compile_trials([trial]).arms
    labels = sorted(_labels(tree))
    genes = [f"TESTG{label[1:]}" for label in labels if label.startswith("g")]
    for values in itertools.product((True, False), repeat=len(labels)):
        true = {label for label, value in zip(labels, values, strict=True) if value}
        findings: list[Finding] = [
            VariantFinding(id=f"f{label}", source="vcf", gene=f"TESTG{label[1:]}", hgvs_p="p.Ala100Thr")
            for label in sorted(true)
            if label.startswith("g")
        ]
        codes = [_LEVEL1[int(label[1:])] for label in sorted(true) if label.startswith("c")] or ["TISSUE"]
        profile = PatientProfile(
            patient=Patient(
                id="p", diagnoses=[Diagnosis(system="oncotree", code=c, display=c, oncotree=c) for c in codes]
            ),
            findings=findings,
            coverage=[Coverage(input="t.vcf", assay="vcf", genes=genes)],
        )
        facts = patient_facts(profile, codes, oncotree(), AS_OF)
        found = evaluate_arm(arm, facts, TrialMatchConfig())
        eligible = found is not None and found.verdict == "eligible"
        assert eligible == any(path <= true for path in paths), (case, sorted(true))


# --- through analyze ------------------------------------------------------------------------------


def test_analysis_reports_imported_trials_as_trial_insights(shared_data: Path, tmp_path: Path) -> None:
    import_ctml(
        shared_data / "ctml-trials/matchengine-v2/tests/data/integration_trials/all_open.json", tmp_path
    )
    kb = load_knowledge_base(extra_dir=tmp_path)
    analysis = analyze(_profile([EGFR_DEL19]), kb, generated_at="2026-01-01T00:00:00Z")
    trials = [insight for insight in analysis.insights if insight.kind == "trial"]
    assert [insight.title for insight in trials] == ["10-002: Protocol 10-002"]
    assert re.fullmatch(r"i\d+", trials[0].id)
