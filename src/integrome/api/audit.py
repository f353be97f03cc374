"""Audit trail of patient data access (issue 7: who, what, which patient, when, from where).

Successful reads and writes are recorded inside the request's own transaction, so the data and
its audit row commit together. Refusals (401/403/404 on a patient resource) are recorded in a
transaction of their own, because the request's work is rolled back.
"""

from __future__ import annotations

from typing import Literal

from integrome.api.auth import Principal
from integrome.storage.base import AuditEvent, AuditRecord, Repository, Transaction

__all__ = ["record", "record_refusal"]

Outcome = Literal["success", "denied", "failed"]


def record(
    tx: Transaction,
    principal: Principal,
    action: str,
    *,
    client_ip: str | None,
    patient_id: str | None = None,
    analysis_id: str | None = None,
    outcome: Outcome = "success",
) -> AuditRecord:
    return tx.append_audit(
        AuditEvent(
            actor=principal.name,
            role=principal.role,
            action=action,
            outcome=outcome,
            patient_id=patient_id,
            analysis_id=analysis_id,
            client_ip=client_ip,
        )
    )


def record_refusal(
    repository: Repository,
    principal: Principal,
    action: str,
    *,
    client_ip: str | None,
    patient_id: str | None = None,
    analysis_id: str | None = None,
) -> None:
    with repository.transaction() as tx:
        record(
            tx,
            principal,
            action,
            client_ip=client_ip,
            patient_id=patient_id,
            analysis_id=analysis_id,
            outcome="denied",
        )
