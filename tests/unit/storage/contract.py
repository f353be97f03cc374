"""The storage contract (storage/base.py) as behaviour, written once for every backend.

Each `run_*` takes a freshly migrated, empty `Repository`; each backend's test module builds one
and calls them (anyvar's shared storage tests). Functions taking an `Engine` check what only an
SQL schema can promise (triggers, constraints, a killed writer).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from integrome.errors import NotFoundError, StorageError
from integrome.storage import (
    AnalysisQuery,
    AuditEvent,
    CdsFeedback,
    ConflictError,
    DocumentMeta,
    NewAnalysis,
    Repository,
    TokenId,
)

KEY_A = "a" * 64
KEY_B = "b" * 64


def new_analysis(
    source_key: str = KEY_A,
    *,
    created_by: int | None = None,
    genes: tuple[str, ...] = ("EGFR",),
    drugs: tuple[str, ...] = ("osimertinib",),
    documents: tuple[DocumentMeta, ...] | None = None,
) -> NewAnalysis:
    return NewAnalysis(
        patient_source_key=source_key,
        sex="female",
        birth_year=1961,
        kb_version="2026.11.0+test",
        analysis_json='{"schema": "integrome.analysis/1"}',
        documents=documents
        if documents is not None
        else (
            DocumentMeta(name="bundle.json", format="fhir", sha256="1" * 64, size=1200),
            DocumentMeta(name="tumor.vcf", format="vcf", sha256="2" * 64, size=5400, role="somatic"),
        ),
        genes=genes,
        drugs=drugs,
        created_by=created_by,
    )


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# users ---------------------------------------------------------------------------------------


def run_user_is_stored_and_found_by_name(repository: Repository) -> None:
    with repository.transaction() as tx:
        created = tx.add_user("bob", "clinician", "hash-b")
        tx.add_user("alice", "admin", None)
    with repository.transaction() as tx:
        found = tx.get_user("bob")
        names = [user.name for user in tx.list_users()]
    assert (found.id, found.role, found.password_hash, found.active) == (
        created.id,
        "clinician",
        "hash-b",
        True,
    )
    assert names == ["alice", "bob"]


def run_duplicate_user_name_is_a_conflict(repository: Repository) -> None:
    with repository.transaction() as tx:
        tx.add_user("bob", "clinician", "h")
    with pytest.raises(ConflictError), repository.transaction() as tx:
        tx.add_user("bob", "lab", "h2")
    with repository.transaction() as tx:
        assert tx.get_user("bob").role == "clinician"


def run_unknown_role_is_refused(repository: Repository) -> None:
    with pytest.raises(StorageError), repository.transaction() as tx:
        tx.add_user("eve", "superuser", "h")  # type: ignore[arg-type]


def run_unknown_user_is_not_found(repository: Repository) -> None:
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.get_user("nobody")


def run_password_hash_is_replaced(repository: Repository) -> None:
    with repository.transaction() as tx:
        tx.add_user("bob", "clinician", "old")
        tx.set_password("bob", "new")
    with repository.transaction() as tx:
        assert tx.get_user("bob").password_hash == "new"


# analyses and patients -----------------------------------------------------------------------


def run_analysis_is_stored_with_patient_documents_and_terms(repository: Repository) -> None:
    with repository.transaction() as tx:
        user = tx.add_user("bob", "clinician", "h")
        stored = tx.add_analysis(new_analysis(created_by=user.id))
    with repository.transaction() as tx:
        again = tx.get_analysis(stored.id)
        patient = tx.get_patient(stored.patient_id)
    assert again == stored
    assert stored.id.startswith("an-")
    assert stored.patient_id.startswith("pt-")
    assert [d.name for d in again.documents] == ["bundle.json", "tumor.vcf"]
    assert again.documents[1].role == "somatic"
    assert (again.genes, again.drugs) == (("EGFR",), ("osimertinib",))
    assert (patient.sex, patient.birth_year, patient.created_by) == ("female", 1961, user.id)


def run_same_source_key_is_the_same_patient(repository: Repository) -> None:
    with repository.transaction() as tx:
        first = tx.add_analysis(new_analysis(KEY_A))
        second = tx.add_analysis(new_analysis(KEY_A))
        other = tx.add_analysis(new_analysis(KEY_B))
    assert first.patient_id == second.patient_id != other.patient_id
    assert first.id != second.id


def run_unknown_analysis_is_not_found(repository: Repository) -> None:
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.get_analysis("an-0000000000000000")


def run_list_filters_by_patient_gene_drug_and_date(repository: Repository) -> None:
    with repository.transaction() as tx:
        egfr = tx.add_analysis(new_analysis(KEY_A, genes=("EGFR",), drugs=("osimertinib",)))
        cyp = tx.add_analysis(new_analysis(KEY_B, genes=("CYP2C19",), drugs=("clopidogrel",)))
    with repository.transaction() as tx:
        by_gene = tx.list_analyses(AnalysisQuery(gene="CYP2C19"))
        by_drug = tx.list_analyses(AnalysisQuery(drug="osimertinib"))
        by_patient = tx.list_analyses(AnalysisQuery(patient_id=egfr.patient_id))
        both = tx.list_analyses(AnalysisQuery(gene="EGFR", drug="clopidogrel"))
        future = tx.list_analyses(AnalysisQuery(created_from=datetime.now(UTC) + timedelta(days=1)))
        past = tx.list_analyses(AnalysisQuery(created_to=datetime.now(UTC) + timedelta(days=1)))
    assert [a.id for a in by_gene.items] == [cyp.id]
    assert [a.id for a in by_drug.items] == [egfr.id]
    assert [a.id for a in by_patient.items] == [egfr.id]
    assert both.total == 0
    assert future.total == 0
    assert past.total == 2


def run_list_pages_newest_first_with_total(repository: Repository) -> None:
    ids = []
    for index in range(5):
        with repository.transaction() as tx:
            ids.append(tx.add_analysis(new_analysis(f"{index:064x}")).id)
    with repository.transaction() as tx:
        first = tx.list_analyses(AnalysisQuery(limit=2))
        third = tx.list_analyses(AnalysisQuery(offset=4, limit=2))
    assert first.total == third.total == 5
    assert [a.id for a in first.items] == ids[::-1][:2]
    assert [a.id for a in third.items] == [ids[0]]


def run_clinician_sees_own_assigned_and_created_analyses_only(repository: Repository) -> None:
    with repository.transaction() as tx:
        ann = tx.add_user("ann", "clinician", "h")
        ben = tx.add_user("ben", "clinician", "h")
        anns = tx.add_analysis(new_analysis(KEY_A, created_by=ann.id))
        bens = tx.add_analysis(new_analysis(KEY_B, created_by=ben.id))
        # ben analyses ann's patient later: he sees his own analysis, not ann's earlier one
        bens_of_ann = tx.add_analysis(new_analysis(KEY_A, created_by=ben.id))
    with repository.transaction() as tx:
        ann_sees = {a.id for a in tx.list_analyses(AnalysisQuery(visible_to=ann.id)).items}
        ben_sees = {a.id for a in tx.list_analyses(AnalysisQuery(visible_to=ben.id)).items}
        assert tx.can_see_patient(ann.id, anns.patient_id)
        assert not tx.can_see_patient(ben.id, anns.patient_id)
    assert ann_sees == {anns.id, bens_of_ann.id}
    assert ben_sees == {bens.id, bens_of_ann.id}
    with repository.transaction() as tx:
        tx.assign_patient(anns.patient_id, ben.id)
        tx.assign_patient(anns.patient_id, ben.id)
    with repository.transaction() as tx:
        assert tx.can_see_patient(ben.id, anns.patient_id)
        ben_sees = {a.id for a in tx.list_analyses(AnalysisQuery(visible_to=ben.id)).items}
    assert ben_sees == {anns.id, bens.id, bens_of_ann.id}


def run_assigning_unknown_patient_or_user_is_not_found(repository: Repository) -> None:
    with repository.transaction() as tx:
        user = tx.add_user("ann", "clinician", "h")
        stored = tx.add_analysis(new_analysis())
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.assign_patient("pt-0000000000000000", user.id)
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.assign_patient(stored.patient_id, user.id + 100)


def run_error_inside_transaction_keeps_nothing(repository: Repository) -> None:
    class Boom(Exception):
        pass

    def write_then_fail() -> None:
        with repository.transaction() as tx:
            tx.add_user("ann", "clinician", "h")
            tx.add_analysis(new_analysis())
            tx.append_audit(
                AuditEvent(actor="ann", role="clinician", action="analysis.create", outcome="success")
            )
            raise Boom

    with pytest.raises(Boom):
        write_then_fail()
    with repository.transaction() as tx:
        assert tx.list_users() == []
        assert tx.list_analyses(AnalysisQuery()).total == 0
        assert tx.list_audit() == []


def run_constraint_failure_mid_write_keeps_nothing(repository: Repository) -> None:
    """The second document breaks a constraint after the patient, analysis and first document
    rows were written: the whole analysis is refused and nothing of it remains."""
    broken = (
        DocumentMeta(name="bundle.json", format="fhir", sha256="1" * 64, size=10),
        DocumentMeta(name="tumor.vcf", format="vcf", sha256="2" * 64, size=-1),
    )
    with pytest.raises(StorageError), repository.transaction() as tx:
        tx.add_analysis(new_analysis(documents=broken))
    with repository.transaction() as tx:
        assert tx.list_analyses(AnalysisQuery()).total == 0
        tx.add_analysis(new_analysis())
    with repository.transaction() as tx:
        assert tx.list_analyses(AnalysisQuery()).total == 1


# jobs ----------------------------------------------------------------------------------------


def run_job_moves_from_queued_to_finished_and_then_stays(repository: Repository) -> None:
    with repository.transaction() as tx:
        job = tx.add_job("host:1:abc", None)
        stored = tx.add_analysis(new_analysis())
    assert (job.status, job.progress, job.analysis_id) == ("queued", 0, None)
    with repository.transaction() as tx:
        assert [j.id for j in tx.unfinished_jobs()] == [job.id]
        tx.update_job(job.id, status="running", progress=1000)
        done = tx.update_job(job.id, status="succeeded", analysis_id=stored.id)
    assert (done.status, done.progress, done.analysis_id) == ("succeeded", 1000, stored.id)
    with repository.transaction() as tx:
        assert tx.unfinished_jobs() == []
    with pytest.raises(StorageError), repository.transaction() as tx:
        tx.update_job(job.id, status="failed", message="late")
    with repository.transaction() as tx:
        assert tx.get_job(job.id).status == "succeeded"


def run_unknown_job_is_not_found(repository: Repository) -> None:
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.get_job("job-0000000000000000")


# audit and feedback --------------------------------------------------------------------------


def run_audit_events_are_listed_newest_first_and_filtered(repository: Repository) -> None:
    with repository.transaction() as tx:
        for action, patient in (
            ("analysis.create", "pt-1"),
            ("analysis.read", "pt-2"),
            ("analysis.read", "pt-1"),
        ):
            tx.append_audit(
                AuditEvent(
                    actor="ann",
                    role="clinician",
                    action=action,
                    outcome="success",
                    patient_id=patient,
                    client_ip="10.0.0.7",
                )
            )
        tx.append_audit(AuditEvent(actor="eve", role="researcher", action="analysis.read", outcome="denied"))
    with repository.transaction() as tx:
        everything = tx.list_audit()
        of_patient = tx.list_audit(patient_id="pt-1")
        of_eve = tx.list_audit(actor="eve")
    assert [e.action for e in of_patient] == ["analysis.read", "analysis.create"]
    assert [e.outcome for e in of_eve] == ["denied"]
    assert len(everything) == 4
    assert everything[0].at >= everything[-1].at
    assert everything[-1].client_ip == "10.0.0.7"


def run_transaction_offers_no_way_to_change_audit_rows(repository: Repository) -> None:
    with repository.transaction() as tx:
        names = {name for name in dir(tx) if "audit" in name}
    assert names == {"append_audit", "append_audits", "list_audit"}


def run_cds_feedback_is_stored(repository: Repository) -> None:
    feedback = CdsFeedback(
        service_id="integrome-order-select",
        card_id="0b2e3f4a",
        outcome="overridden",
        outcome_timestamp="2026-11-25T12:00:00Z",
        override_reason="patient already on alternative",
        client="https://ehr.example.org",
    )
    accepted = CdsFeedback(
        service_id="integrome-patient-view",
        card_id="c1",
        outcome="accepted",
        outcome_timestamp="2026-11-25T12:01:00Z",
        accepted_suggestions=("s1", "s2"),
    )
    with repository.transaction() as tx:
        tx.add_cds_feedback(feedback)
        tx.add_cds_feedback(accepted)
    with repository.transaction() as tx:
        assert tx.list_cds_feedback() == [feedback, accepted]
        assert tx.list_cds_feedback("integrome-patient-view") == [accepted]


def run_timestamps_are_aware_utc(repository: Repository) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    with repository.transaction() as tx:
        stored = tx.add_analysis(new_analysis())
    with repository.transaction() as tx:
        again = tx.get_analysis(stored.id)
    assert again.created_at.tzinfo is not None
    assert before <= again.created_at <= datetime.now(UTC) + timedelta(seconds=5)


def run_patient_is_found_by_source_key_or_alias_key(repository: Repository) -> None:
    alias = "c" * 64
    with repository.transaction() as tx:
        stored = tx.add_analysis(replace(new_analysis(KEY_A), alias_source_keys=(alias, KEY_A)))
        tx.add_analysis(replace(new_analysis(KEY_B), alias_source_keys=(alias,)))
    with repository.transaction() as tx:
        by_key = tx.find_patient(KEY_A)
        by_alias = tx.find_patient(alias)
        other = tx.find_patient(KEY_B)
        unknown = tx.find_patient("d" * 64)
    assert by_key is not None
    assert by_alias is not None
    assert other is not None
    assert by_key.id == by_alias.id == stored.patient_id
    assert other.id != stored.patient_id
    assert unknown is None


def run_latest_analysis_id_is_the_newest_of_the_patient(repository: Repository) -> None:
    with repository.transaction() as tx:
        first = tx.add_analysis(new_analysis(KEY_A))
        tx.add_analysis(new_analysis(KEY_B))
    with repository.transaction() as tx:
        assert tx.latest_analysis_id(first.patient_id) == first.id
        assert tx.latest_analysis_id("pt-0000000000000000") is None
    with repository.transaction() as tx:
        second = tx.add_analysis(new_analysis(KEY_A))
    with repository.transaction() as tx:
        newest = tx.list_analyses(AnalysisQuery(patient_id=first.patient_id, limit=1)).items[0]
        assert tx.latest_analysis_id(first.patient_id) == second.id == newest.id


def _claim(repository: Repository, *tokens: TokenId, now: datetime) -> list[bool]:
    with repository.transaction() as tx:
        return tx.claim_jtis(tokens, now=now)


def run_jti_is_claimed_once_until_it_expires(repository: Repository) -> None:
    now = datetime.now(UTC)
    later = now + timedelta(minutes=6)
    a1, b1 = (
        TokenId(issuer, "t1", now + timedelta(minutes=5)) for issuer in ("https://ehr.a", "https://ehr.b")
    )
    assert _claim(repository, a1, b1, now=now) == [True, True]
    assert _claim(repository, a1, now=now) == [False]
    assert _claim(repository, replace(a1, expires_at=later + timedelta(minutes=5)), now=later) == [True]
    assert _claim(repository, a1, now=later) == [False]


def run_jti_repeated_within_one_claim_is_a_replay(repository: Repository) -> None:
    now = datetime.now(UTC)
    token = TokenId("https://ehr.a", "t1", now + timedelta(minutes=5))
    other = TokenId("https://ehr.a", "t2", now + timedelta(minutes=5))
    assert _claim(repository, token, other, token, now=now) == [True, True, False]
    assert _claim(repository, other, now=now) == [False]


def run_many_jti_are_claimed_in_one_call(repository: Repository) -> None:
    now = datetime.now(UTC)
    tokens = [TokenId("https://ehr.a", f"t{n}", now + timedelta(minutes=5)) for n in range(120)]
    assert _claim(repository, *tokens[:70], now=now) == [True] * 70
    assert _claim(repository, *tokens, now=now) == [False] * 70 + [True] * 50


def run_purge_forgets_only_expired_jti(repository: Repository) -> None:
    now = datetime.now(UTC)
    old = TokenId("https://ehr.a", "old", now - timedelta(seconds=1))
    live = TokenId("https://ehr.a", "live", now + timedelta(minutes=5))
    assert _claim(repository, old, live, now=now) == [True, True]
    with repository.transaction() as tx:
        assert tx.purge_jti(now) == 1
    assert _claim(repository, live, now=now) == [False]


def run_audit_events_are_appended_in_one_call(repository: Repository) -> None:
    events = [
        AuditEvent(actor=f"ehr#{n}", role="cds-client", action="cds.order-sign", outcome="success")
        for n in range(3)
    ]
    with repository.transaction() as tx:
        tx.append_audits(events)
        tx.append_audits([])
    with repository.transaction() as tx:
        listed = tx.list_audit()
    assert sorted(e.actor for e in listed) == ["ehr#0", "ehr#1", "ehr#2"]
    assert all(e.at.tzinfo is not None and e.role == "cds-client" for e in listed)


ALL = [
    run_user_is_stored_and_found_by_name,
    run_duplicate_user_name_is_a_conflict,
    run_unknown_role_is_refused,
    run_unknown_user_is_not_found,
    run_password_hash_is_replaced,
    run_analysis_is_stored_with_patient_documents_and_terms,
    run_same_source_key_is_the_same_patient,
    run_unknown_analysis_is_not_found,
    run_list_filters_by_patient_gene_drug_and_date,
    run_list_pages_newest_first_with_total,
    run_clinician_sees_own_assigned_and_created_analyses_only,
    run_assigning_unknown_patient_or_user_is_not_found,
    run_error_inside_transaction_keeps_nothing,
    run_constraint_failure_mid_write_keeps_nothing,
    run_job_moves_from_queued_to_finished_and_then_stays,
    run_unknown_job_is_not_found,
    run_audit_events_are_listed_newest_first_and_filtered,
    run_transaction_offers_no_way_to_change_audit_rows,
    run_cds_feedback_is_stored,
    run_timestamps_are_aware_utc,
    run_patient_is_found_by_source_key_or_alias_key,
    run_latest_analysis_id_is_the_newest_of_the_patient,
    run_jti_is_claimed_once_until_it_expires,
    run_jti_repeated_within_one_claim_is_a_replay,
    run_many_jti_are_claimed_in_one_call,
    run_purge_forgets_only_expired_jti,
    run_audit_events_are_appended_in_one_call,
]
"""Every repository-level behaviour, for backends' parametrized tests."""


# SQL schema ----------------------------------------------------------------------------------


def run_sql_audit_log_rejects_update_and_delete(repository: Repository, engine: Engine) -> None:
    with repository.transaction() as tx:
        tx.append_audit(AuditEvent(actor="ann", role="clinician", action="analysis.read", outcome="success"))
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with repository.transaction() as tx:
        assert [e.actor for e in tx.list_audit()] == ["ann"]


_KILLED_WRITER = """
import sys
from integrome.storage import create_repository
from tests.unit.storage.contract import new_analysis

repository = create_repository(sys.argv[1], migrate=False)
with repository.transaction() as tx:
    tx.add_user("ann", "clinician", "h")
    tx.add_analysis(new_analysis())
    print("written, not committed", flush=True)
    sys.stdin.read()
"""


def run_sql_killed_writer_leaves_nothing(url: str, engine: Engine, cwd: str) -> None:
    """SIGKILL a process between writing an analysis and committing it: nothing is stored."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_WRITER), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": cwd},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == b"written, not committed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    for table in ("users", "patients", "analyses", "input_documents", "analysis_terms"):
        assert _count(engine, table) == 0, table
