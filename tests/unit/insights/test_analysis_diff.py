"""diff_analyses on real analyses of the demo patient run against two knowledge-base folders, and on
analyses altered in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from integrome.examples import DEMO_KB_DIR, demo_inputs
from integrome.insights.diff import PgxChange, diff_analyses, insight_key
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.diff import FieldChange
from integrome.model import Analysis, Citation, Insight
from integrome.pipeline import RunOptions, run_analysis

RECORD = "EGFR-L858R-erlotinib"


def level_b_copy(folder: Path) -> Path:
    """A KB folder whose only record is the packaged erlotinib/L858R record at evidence level B."""
    record = next(r for r in load_knowledge_base().biomarkers if r.id == RECORD)
    data: dict[str, Any] = {**record.model_dump(mode="json", exclude_defaults=True), "evidence_level": "B"}
    folder.mkdir(parents=True)
    document = {"kind": "biomarkers", "source": "test copy", "records": [data]}
    (folder / "biomarkers.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Analysis]:
    """OLD: the core with erlotinib/L858R lowered to level B. NEW: the core plus the example trials."""
    old_kb = level_b_copy(tmp_path_factory.mktemp("old") / "kb")
    old = run_analysis(demo_inputs(), options=RunOptions(kb_dir=old_kb, deterministic=True))
    new = run_analysis(demo_inputs(), options=RunOptions(kb_dir=DEMO_KB_DIR, deterministic=True))
    return old, new


def insight(kind: str = "therapy", **fields: Any) -> Insight:
    values: dict[str, Any] = {
        "id": "i1",
        "kind": kind,
        "title": "t",
        "summary": "s",
        "citations": [Citation(source="PMID", id="1")],
        **fields,
    }
    return Insight(**values)


def test_raised_evidence_level_is_a_tier_change_of_the_same_insight(runs: tuple[Analysis, Analysis]) -> None:
    old, new = runs
    diff = diff_analyses(old, new)
    [change] = diff.insights_changed
    assert change.title == "Erlotinib for EGFR L858R"
    fields = {c.field: (c.old, c.new) for c in change.changes}
    assert fields["tier"] == ("IB", "IA")
    assert fields["evidence_level"] == ("B", "A")
    assert set(fields) == {"tier", "evidence_level"}


def test_insights_pair_by_what_they_are_about_not_by_number(runs: tuple[Analysis, Analysis]) -> None:
    old, new = runs
    [change] = diff_analyses(old, new).insights_changed
    before = next(i for i in old.insights if i.id == change.old_id)
    after = next(i for i in new.insights if i.id == change.new_id)
    assert before.id != after.id
    assert before.drugs == after.drugs == ["erlotinib"]


def test_trials_of_the_new_knowledge_base_are_new_insights(runs: tuple[Analysis, Analysis]) -> None:
    old, new = runs
    diff = diff_analyses(old, new)
    trials = [i for i in new.insights if i.kind == "trial"]
    assert trials
    assert [(r.id, r.kind) for r in diff.insights_added] == [(i.id, "trial") for i in trials]
    assert not diff.insights_removed


def test_swapping_the_analyses_turns_new_insights_into_removed_ones(runs: tuple[Analysis, Analysis]) -> None:
    old, new = runs
    forward, backward = diff_analyses(old, new), diff_analyses(new, old)
    assert [r.title for r in backward.insights_removed] == [r.title for r in forward.insights_added]
    assert not backward.insights_added


def test_kb_versions_of_both_runs_are_reported(runs: tuple[Analysis, Analysis]) -> None:
    old, new = runs
    diff = diff_analyses(old, new)
    assert (diff.old_kb_version, diff.new_kb_version) == (old.kb_version, new.kb_version)
    assert diff.old_kb_version != diff.new_kb_version
    assert diff.patient_id == diff.old_patient_id == new.patient.id


def test_an_analysis_compared_with_itself_is_identical(runs: tuple[Analysis, Analysis]) -> None:
    _, new = runs
    assert diff_analyses(new, new).identical


def test_pgx_phenotype_change_is_reported_for_that_gene(runs: tuple[Analysis, Analysis]) -> None:
    _, new = runs
    pgx = [
        r.model_copy(update={"diplotype": "*1/*2", "phenotype": "Intermediate Metabolizer"})
        if r.gene == "CYP2C19"
        else r
        for r in new.pgx
    ]
    diff = diff_analyses(new.model_copy(update={"pgx": pgx}), new)
    old_cyp2c19 = next(r for r in new.pgx if r.gene == "CYP2C19")
    assert diff.pgx_changed == [
        PgxChange(
            gene="CYP2C19",
            changes=[
                FieldChange(field="diplotype", old="*1/*2", new=old_cyp2c19.diplotype),
                FieldChange(field="phenotype", old="Intermediate Metabolizer", new=old_cyp2c19.phenotype),
            ],
        )
    ]
    assert not diff.insights_changed


def test_pgx_gene_only_in_the_new_analysis_is_added(runs: tuple[Analysis, Analysis]) -> None:
    _, new = runs
    without = new.model_copy(update={"pgx": [r for r in new.pgx if r.gene != "DPYD"]})
    diff = diff_analyses(without, new)
    assert [r.gene for r in diff.pgx_added] == ["DPYD"]
    assert not diff.pgx_changed


def test_severity_change_is_reported(runs: tuple[Analysis, Analysis]) -> None:
    _, new = runs
    critical = next(i for i in new.insights if i.severity == "critical")
    softened = [i.model_copy(update={"severity": "warning"}) if i is critical else i for i in new.insights]
    [change] = diff_analyses(new, new.model_copy(update={"insights": softened})).insights_changed
    assert change.changes == [FieldChange(field="severity", old="critical", new="warning")]


def test_trial_insight_key_is_the_trial_id() -> None:
    before = insight("trial", title="EXAMPLE-003: KRAS G12C solid tumors", tests=["KRAS testing"])
    after = insight("trial", title="EXAMPLE-003: KRAS G12C solid tumors", genes=["KRAS"])
    assert insight_key(before) == insight_key(after) == ("trial", "EXAMPLE-003")


def test_insight_key_ignores_gene_and_drug_order() -> None:
    a = insight(genes=["EGFR", "MET"], drugs=["amivantamab", "lazertinib"])
    b = insight(genes=["MET", "EGFR"], drugs=["lazertinib", "amivantamab"])
    assert insight_key(a) == insight_key(b)
    assert insight_key(a) != insight_key(insight("resistance", genes=["EGFR", "MET"], drugs=a.drugs))


def test_insights_sharing_a_key_pair_up_in_reading_order(runs: tuple[Analysis, Analysis]) -> None:
    _, new = runs
    twins = [
        insight(id="i1", genes=["EGFR"], drugs=["osimertinib"], tier="IA"),
        insight(id="i2", genes=["EGFR"], drugs=["osimertinib"], tier="IIC"),
    ]
    lowered = [twins[0], twins[1].model_copy(update={"tier": "IID"})]
    diff = diff_analyses(
        new.model_copy(update={"insights": twins}), new.model_copy(update={"insights": lowered})
    )
    [change] = diff.insights_changed
    assert (change.old_id, change.new_id) == ("i2", "i2")
    assert change.changes == [FieldChange(field="tier", old="IIC", new="IID")]
