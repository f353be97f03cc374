"""CTML import: MatchMiner's trial files become trials with arms and criteria trees, or clear errors.

The files under ../shared/data/ctml-trials are read in place (matchminer-engine and matchengine-v2
test data); the small inline documents pin one mapping rule each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.sources.ctml import CTML_SOURCE, import_ctml, parse_ctml, read_ctml
from integrome.knowledge.trials import load_trial_store
from integrome.model import CriteriaNode, Trial


@pytest.fixture(scope="module")
def ctml(shared_data: Path) -> Path:
    return shared_data / "ctml-trials"


def _only_trial(path: Path) -> Trial:
    trials = read_ctml(path).trials
    assert len(trials) == 1
    return trials[0]


def _arm(trial: Trial, arm_id: str) -> CriteriaNode:
    return next(arm.criteria for arm in trial.arms if arm.id == arm_id)


def _yaml_trial(match: str, extra: str = "") -> str:
    return (
        "protocol_no: 99-001\n"
        f"{extra}"
        "treatment_list:\n"
        "  step:\n"
        "  - step_code: '1'\n"
        "    arm:\n"
        "    - arm_code: A\n"
        "      arm_suspended: N\n"
        "      match:\n" + "".join(f"      {line}\n" for line in match.strip().splitlines())
    )


# --- the shared CTML examples ---------------------------------------------------------------------


def test_match_trees_at_dose_arm_and_step_level_become_arms(ctml: Path) -> None:
    folder = ctml / "matchminer-engine/tests/data/yaml"
    assert [arm.id for arm in _only_trial(folder / "00-001.yml").arms] == ["DOSE / 1"]
    assert [arm.id for arm in _only_trial(folder / "00-002.yml").arms] == ["DOSE"]
    assert [arm.id for arm in _only_trial(folder / "00-003.yml").arms] == ["step 1"]


def test_ctml_example_maps_criteria_onto_the_tree(ctml: Path) -> None:
    trial = _only_trial(ctml / "matchminer-engine/examples/trial.example.yml")
    criteria = _arm(trial, "A")
    assert criteria.model_dump(exclude_defaults=True) == {
        "all": [
            {"diagnosis": {"codes": ["BREAST"], "name": "Breast"}},
            {"age": ">=18"},
            {
                "any": [
                    {"genomic": {"gene": "PIK3CA", "protein_change": "H1047R"}},
                    {"genomic": {"gene": "TP53"}},
                ]
            },
        ]
    }
    assert trial.source == CTML_SOURCE
    assert trial.source_file == "trial.example.yml"


def test_bad_schema_yaml_is_rejected_with_file_line_and_pointer(ctml: Path) -> None:
    path = ctml / "matchminer-engine/tests/data/yaml/bad-schema.yml"
    with pytest.raises(KnowledgeBaseError) as caught:
        read_ctml(path)
    message = str(caught.value)
    assert message.startswith(
        f"{path}: line 139: /treatment_list: no step, arm or dose level has a match tree"
    )


def test_yaml_syntax_error_is_rejected_with_its_line(ctml: Path) -> None:
    path = ctml / "matchminer-engine/tests/data/yaml/00-000.yml"
    with pytest.raises(KnowledgeBaseError, match=r"00-000\.yml: line 2 column 33: invalid YAML"):
        read_ctml(path)


def test_trial_without_protocol_number_or_nct_id_is_rejected(ctml: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"11-112\.json: /: expected protocol_no or nct_id"):
        read_ctml(ctml / "matchengine-v2/tests/data/trials/11-112.json")


def test_value_of_the_wrong_type_is_rejected_with_its_json_pointer(ctml: Path) -> None:
    path = ctml / "matchengine-v2/tests/data/integration_trials/massive_match_clause.json"
    with pytest.raises(KnowledgeBaseError) as caught:
        read_ctml(path)
    assert str(caught.value) == (
        f"{path}: /treatment_list/step/0/arm/0/match/0/and/2/or/1/clinical/her2_status: "
        "expected Positive or Negative, found bool false"
    )


def test_suspended_levels_close_only_themselves_and_a_closed_trial_closes_all(ctml: Path) -> None:
    folder = ctml / "matchengine-v2/tests/data/integration_trials"

    def statuses(name: str) -> dict[str, str]:
        return {arm.id: arm.status for arm in _only_trial(folder / name).arms}

    assert statuses("all_open.json") == {"step 1": "open", "ARM 1": "open", "ARM 1 / LEVEL 1": "open"}
    assert statuses("closed_dose.json") == {"step 1": "open", "ARM 1": "open", "ARM 1 / LEVEL 1": "closed"}
    assert statuses("closed_step_arm.json") == {
        "step 1": "open",
        "ARM 1": "closed",
        "ARM 1 / LEVEL 1": "open",
    }
    assert set(statuses("all_closed.json").values()) == {"closed"}
    closed = _only_trial(folder / "all_closed_trial_closed.json")
    assert closed.status == "closed"
    assert {arm.status for arm in closed.arms} == {"closed"}


def test_concatenated_json_objects_read_like_a_json_array(ctml: Path) -> None:
    folder = ctml / "matchengine-v2/tests/data/trials"
    concatenated = read_ctml(folder / "two_trials_one_doc.json").trials
    array = read_ctml(folder / "trials_json_array.json").trials
    assert [t.id for t in concatenated] == ["11-111", "22-222"]
    strip = {"source_file"}
    assert [t.model_dump(exclude=strip) for t in concatenated] == [t.model_dump(exclude=strip) for t in array]


def test_json_and_yaml_forms_of_a_trial_import_the_same(ctml: Path) -> None:
    data = ctml / "matchengine-v2/tests/data"
    from_json = _only_trial(data / "trials/11-111.json")
    from_yaml = _only_trial(data / "yaml/11-111.yaml")
    assert from_json.model_dump(exclude={"source_file"}) == from_yaml.model_dump(exclude={"source_file"})


def test_bang_before_the_variant_category_negates_the_genomic_criterion(ctml: Path) -> None:
    trial = _only_trial(ctml / "matchengine-v2/tests/data/trials/11-111.json")
    genomic = _arm(trial, "EXP 3").genomic
    assert genomic is not None
    assert (genomic.gene, genomic.protein_change, genomic.negated) == ("NRAS", "G12D", True)


def test_diagnosis_names_resolve_to_oncotree_codes_or_stay_unresolved_with_a_warning(ctml: Path) -> None:
    folder = ctml / "matchengine-v2/tests/data/integration_trials"
    all_open = _only_trial(folder / "all_open.json")
    arm = _arm(all_open, "ARM 1").model_dump(exclude_defaults=True)["all"]
    assert {"diagnosis": {"codes": ["NSCLC"], "name": "Non-Small Cell Lung Cancer"}} in arm
    solid = _arm(_only_trial(ctml / "matchminer-engine/tests/data/yaml/00-002.yml"), "DOSE")
    assert {"diagnosis": {"codes": ["SOLID"], "name": "_SOLID_"}} in solid.model_dump(exclude_defaults=True)[
        "all"
    ]
    read = read_ctml(ctml / "matchminer-engine/tests/data/yaml/00-004.yml")
    assert any(
        "diagnosis 'Myelodysplasia' is neither a name nor a code in OncoTree" in w for w in read.warnings
    )


def test_structural_variant_wildcards_become_fusion_partners(ctml: Path) -> None:
    trial = _only_trial(ctml / "matchengine-v2/tests/data/integration_trials/structured_sv.json")
    alternatives = _arm(trial, "DOSE").model_dump(exclude_defaults=True)["all"][-1]["any"]
    partners = [(alt["genomic"].get("gene"), alt["genomic"].get("fusion_partner")) for alt in alternatives]
    assert ("KIF5B", "ALK") in partners
    assert ("NPM1", "intergenic") in partners
    assert ("KRAS", "any") in partners
    assert (None, "BRCA") in partners


def test_signature_and_tmb_criteria_become_biomarker_criteria(ctml: Path) -> None:
    folder = ctml / "matchengine-v2/tests/data/integration_trials"
    signatures = _arm(_only_trial(folder / "signatures.json"), "DOSE").any
    assert signatures is not None
    assert {(n.biomarker.name, n.biomarker.status) for n in signatures if n.biomarker} >= {
        ("APOBEC signature", "positive"),
        ("POLE signature", "negative"),
    }
    tmb = _arm(_only_trial(folder / "tmb.json"), "DOSE").any
    assert tmb is not None
    assert [n.biomarker.value for n in tmb if n.biomarker] == [">=10", ">15", "<=40", "<40", "==40"]


def test_folder_import_writes_a_trial_file_the_store_loads(ctml: Path, tmp_path: Path) -> None:
    report = import_ctml(ctml / "matchengine-v2/tests/data/yaml", tmp_path)
    assert report.output == tmp_path / "trials" / "ctml-yaml.json"
    assert (report.files, report.trials, report.arms) == (2, 2, 3)
    store = load_trial_store(tmp_path)
    assert [trial.id for trial in store.trials] == ["11-111", "11-112"]
    assert json.loads(report.output.read_text())["schema"] == "integrome.trials/1"


def test_folder_with_one_invalid_file_writes_nothing(ctml: Path, tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"00-000\.yml: line 2 column 33: invalid YAML"):
        import_ctml(ctml / "matchminer-engine/tests/data/yaml", tmp_path)
    assert not (tmp_path / "trials").exists()


# --- mapping rules, one document each -------------------------------------------------------------


def test_several_keys_in_one_match_mapping_are_an_and() -> None:
    text = _yaml_trial(
        "- genomic: {hugo_symbol: KRAS, variant_category: Mutation}\n  clinical: {gender: Female}"
    )
    criteria = parse_ctml(text, "t.yaml").trials[0].arms[0].criteria
    assert criteria.model_dump(exclude_defaults=True) == {
        "all": [{"genomic": {"gene": "KRAS"}}, {"sex": "female"}]
    }


def test_gene_aliases_resolve_to_hgnc_symbols() -> None:
    text = _yaml_trial(
        "- genomic: {hugo_symbol: HER2, variant_category: Copy Number Variation,"
        " cnv_call: High Amplification}"
    )
    genomic = parse_ctml(text, "t.yaml").trials[0].arms[0].criteria.genomic
    assert genomic is not None
    assert (genomic.gene, genomic.variant_category, genomic.cnv_call) == ("ERBB2", "cnv", "amplification")


def test_unevaluated_clinical_fields_are_kept_as_notes_not_criteria() -> None:
    text = _yaml_trial(
        "- and:\n"
        "  - clinical: {oncotree_primary_diagnosis: Lung Adenocarcinoma,\n"
        "               disease_status: [Advanced, Metastatic]}\n"
        "  - genomic: {hugo_symbol: EGFR, wildcard_protein_change: p.L858}"
    )
    arm = parse_ctml(text, "t.yaml").trials[0].arms[0]
    assert arm.not_evaluated == ["disease status: Advanced, Metastatic"]
    assert arm.criteria.model_dump(exclude_defaults=True) == {
        "all": [
            {"diagnosis": {"codes": ["LUAD"], "name": "Lung Adenocarcinoma"}},
            {"genomic": {"gene": "EGFR", "wildcard_protein_change": "L858"}},
        ]
    }


def test_unknown_genomic_field_is_rejected_naming_the_field() -> None:
    text = _yaml_trial("- genomic: {hugo_symbol: KRAS, variant_categroy: Mutation}")
    with pytest.raises(KnowledgeBaseError) as caught:
        parse_ctml(text, "typo.yaml")
    message = str(caught.value)
    assert message.startswith(
        "typo.yaml: line 9: /treatment_list/step/0/arm/0/match/0/genomic/variant_categroy:"
    )
    assert "unknown genomic field" in message


def test_unsupported_variant_classification_is_rejected() -> None:
    text = _yaml_trial("- genomic: {hugo_symbol: KRAS, variant_classification: Nonsense-ish}")
    with pytest.raises(KnowledgeBaseError, match="unsupported variant_classification 'Nonsense-ish'"):
        parse_ctml(text, "t.yaml")


def test_unparseable_protein_change_is_rejected() -> None:
    text = _yaml_trial("- genomic: {hugo_symbol: KRAS, protein_change: twelve}")
    with pytest.raises(
        KnowledgeBaseError, match=r"expected an HGVS protein change such as p\.G12C, found 'twelve'"
    ):
        parse_ctml(text, "t.yaml")


def test_a_real_nct_number_is_kept_and_a_fake_one_is_warned_about() -> None:
    real = parse_ctml(_yaml_trial("- clinical: {age_numerical: '>=18'}", "nct_id: NCT01234567\n"), "a.yaml")
    assert (real.trials[0].id, real.trials[0].nct_id) == ("NCT01234567", "NCT01234567")
    fake = parse_ctml(_yaml_trial("- clinical: {age_numerical: '>=18'}", "nct_id: NCT000\n"), "b.yaml")
    assert (fake.trials[0].id, fake.trials[0].nct_id) == ("99-001", None)
    assert fake.warnings == [
        "b.yaml: /nct_id: 'NCT000' is not a ClinicalTrials.gov number (NCT and 8 digits); not linked"
    ]


def test_recruitment_status_text_maps_to_open_closed_or_unknown() -> None:
    def status(text: str) -> str:
        return (
            parse_ctml(_yaml_trial("- clinical: {age_numerical: '>=18'}", f"status: {text}\n"), "t.yaml")
            .trials[0]
            .status
        )

    assert status("Open to Accrual") == "open"
    assert status("Closed to Accrual") == "closed"
    assert status("Suspended") == "closed"
    assert status("Pending review") == "unknown"
