"""diff_knowledge_bases: real knowledge-base folders layered over the packaged core, and KB values
built from the packaged records with one part altered."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrome.examples import DEMO_KB_DIR
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.knowledge.diff import (
    CountChange,
    FieldChange,
    KbContents,
    PgxRuleRef,
    RecordChange,
    diff_knowledge_bases,
    kb_contents,
)
from integrome.knowledge.pgx_defs import definition_to_json
from integrome.knowledge.trials import example_trials

RECORD = "EGFR-L858R-erlotinib"


@pytest.fixture(scope="module")
def core() -> KbContents:
    return kb_contents(load_knowledge_base())


def write_records(folder: Path, records: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = {"kind": "biomarkers", "source": "test copy of packaged records", "records": records}
    (folder / "biomarkers.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return folder


def packaged_record(record_id: str, **changes: Any) -> dict[str, Any]:
    record = next(r for r in load_knowledge_base().biomarkers if r.id == record_id)
    return {**record.model_dump(mode="json", exclude_defaults=True), **changes}


def counts(diff_counts: list[CountChange]) -> dict[str, tuple[int, int]]:
    return {c.part: (c.old, c.new) for c in diff_counts}


def test_a_knowledge_base_compared_with_itself_is_identical(core: KbContents) -> None:
    diff = diff_knowledge_bases(core, core)
    assert diff.identical
    assert diff.old_version == diff.new_version == core.kb.version


def test_modified_copy_of_a_record_is_changed_in_exactly_that_field(core: KbContents, tmp_path: Path) -> None:
    folder = write_records(tmp_path / "kb", [packaged_record(RECORD, evidence_level="B")])
    diff = diff_knowledge_bases(core, kb_contents(load_knowledge_base(extra_dir=folder)))
    assert diff.biomarkers_changed == [
        RecordChange(
            id=RECORD, label="EGFR L858R", changes=[FieldChange(field="evidence_level", old="A", new="B")]
        )
    ]
    assert not diff.biomarkers_added
    assert not diff.biomarkers_removed
    assert diff.old_version != diff.new_version


def test_record_under_a_new_id_is_added_and_counted(core: KbContents, tmp_path: Path) -> None:
    folder = write_records(tmp_path / "kb", [packaged_record(RECORD, id="TEST-copy")])
    diff = diff_knowledge_bases(core, kb_contents(load_knowledge_base(extra_dir=folder)))
    assert [(r.id, r.drugs, r.evidence_level) for r in diff.biomarkers_added] == [
        ("TEST-copy", ["erlotinib"], "A")
    ]
    assert not diff.biomarkers_changed
    old, new = counts(diff.counts)["biomarker records"]
    assert new == old + 1


def test_record_missing_from_the_new_knowledge_base_is_removed(core: KbContents, tmp_path: Path) -> None:
    folder = write_records(tmp_path / "kb", [packaged_record(RECORD, id="TEST-copy")])
    diff = diff_knowledge_bases(kb_contents(load_knowledge_base(extra_dir=folder)), core)
    assert [r.id for r in diff.biomarkers_removed] == ["TEST-copy"]
    assert not diff.biomarkers_added


def test_hotspots_are_compared_by_genomic_key(core: KbContents) -> None:
    edited_index = next(i for i, h in enumerate(core.kb.hotspots) if h.hgvs_c is not None)
    edited = core.kb.hotspots[edited_index]
    dropped = core.kb.hotspots[edited_index + 1]
    hotspots = [h for h in core.kb.hotspots if h not in (edited, dropped)]
    hotspots.append(edited.model_copy(update={"hgvs_c": None}))
    kb = KnowledgeBase(version="test", files=(), biomarkers=core.kb.biomarkers, hotspots=hotspots)
    diff = diff_knowledge_bases(core, dataclasses.replace(core, kb=kb))
    assert [(h.gene, h.hgvs_p, h.pos) for h in diff.hotspots_removed] == [
        (dropped.gene, dropped.hgvs_p, dropped.pos)
    ]
    [change] = diff.hotspots_changed
    assert (change.hotspot.gene, change.hotspot.pos) == (edited.gene, edited.pos)
    assert change.changes == [FieldChange(field="hgvs_c", old=edited.hgvs_c, new=None)]
    assert not diff.hotspots_added


def test_imported_allele_definition_that_differs_is_a_changed_gene(core: KbContents, tmp_path: Path) -> None:
    definitions = tmp_path / "kb" / "pgx" / "definitions"
    definitions.mkdir(parents=True)
    cyp2c19 = definition_to_json(core.pgx.definitions["CYP2C19"])
    alleles = cyp2c19["alleles"]
    assert isinstance(alleles, list)
    cyp2c19["alleles"] = alleles[:-1]
    (definitions / "CYP2C19.json").write_text(json.dumps(cyp2c19), encoding="utf-8")
    unchanged = definition_to_json(core.pgx.definitions["DPYD"])
    (definitions / "DPYD.json").write_text(json.dumps(unchanged), encoding="utf-8")
    diff = diff_knowledge_bases(core, kb_contents(load_knowledge_base(extra_dir=tmp_path / "kb")))
    assert diff.pgx_definitions_changed == ["CYP2C19"]
    assert not diff.pgx_definitions_added
    assert not diff.pgx_definitions_removed


def test_cpic_recommendation_dropped_or_reworded_is_a_rule_change(core: KbContents) -> None:
    recommendations = dict(core.pgx.recommendations)
    dropped, reworded = sorted(recommendations)[:2]
    del recommendations[dropped]
    recommendations[reworded] = recommendations[reworded] + " (reworded)"
    pgx = dataclasses.replace(core.pgx, recommendations=recommendations)
    diff = diff_knowledge_bases(core, dataclasses.replace(core, pgx=pgx))
    drug, gene, phenotype = dropped
    assert diff.pgx_rules_removed == [
        PgxRuleRef(source="CPIC table", drugs=[drug], genes=[gene], applies_to=[phenotype])
    ]
    assert [(r.drugs, r.genes, r.applies_to) for r in diff.pgx_rules_changed] == [
        ([reworded[0]], [reworded[1]], [reworded[2]])
    ]
    assert counts(diff.counts)["PGx CPIC recommendations"] == (
        len(core.pgx.recommendations) + len(core.pgx.two_gene_recommendations),
        len(core.pgx.recommendations) + len(core.pgx.two_gene_recommendations) - 1,
    )


def test_curated_pgx_rule_added_in_new_is_listed_with_its_condition(core: KbContents) -> None:
    first, *rest = core.pgx.rules
    diff = diff_knowledge_bases(
        dataclasses.replace(core, pgx=dataclasses.replace(core.pgx, rules=rest)), core
    )
    [added] = diff.pgx_rules_added
    assert (added.source, added.drugs, added.genes) == ("curated", list(first.drugs), [first.gene])
    assert added.applies_to


def test_trial_files_in_the_new_folder_change_the_trial_count(core: KbContents) -> None:
    diff = diff_knowledge_bases(core, kb_contents(load_knowledge_base(extra_dir=DEMO_KB_DIR)))
    assert counts(diff.counts)["trials"] == (0, len(example_trials()))
    assert not diff.identical
    assert not diff.biomarkers_changed


def test_fewer_testing_rules_change_only_that_count(core: KbContents) -> None:
    gaps = dataclasses.replace(core.gaps, rules=core.gaps.rules[1:])
    diff = diff_knowledge_bases(core, dataclasses.replace(core, gaps=gaps))
    changed = {part: pair for part, pair in counts(diff.counts).items() if pair[0] != pair[1]}
    assert changed == {"guideline testing rules": (len(core.gaps.rules), len(core.gaps.rules) - 1)}
