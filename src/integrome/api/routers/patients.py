"""`/api/v1/patients/{id}/assignments` and `/api/v1/audit`: who may see a patient, who did.

A clinician who may see a patient can assign a colleague (another clinician) to them, e.g. on
referral; admins can assign anyone. The audit log is readable by admins only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from integrome.api.audit import record, record_refusal
from integrome.api.auth import Principal
from integrome.api.dependencies import Repo, client_ip, require_roles
from integrome.api.problems import problem_responses
from integrome.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["patients"])

PATIENT_ID = r"^pt-[0-9a-f]{16}$"


class Assignment(BaseModel):
    user: str = Field(min_length=1, max_length=200, description="name of the clinician to assign")


class AssignmentOut(BaseModel):
    patient_id: str
    user: str


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    outcome: str
    patient_id: str | None
    analysis_id: str | None
    client_ip: str | None


@router.post(
    "/patients/{patient_id}/assignments",
    status_code=201,
    response_model=AssignmentOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def assign(
    request: Request,
    patient_id: Annotated[str, Path(pattern=PATIENT_ID)],
    assignment: Assignment,
    repository: Repo,
    principal: Annotated[Principal, Depends(require_roles("clinician", audit_action="patient.assign"))],
) -> AssignmentOut:
    """Give a clinician access to a patient's analyses."""
    ip = client_ip(request)
    with repository.transaction() as tx:
        allowed = principal.role == "admin" or tx.can_see_patient(principal.user_id, patient_id)
        if allowed:
            tx.get_patient(patient_id)
            try:
                user = tx.get_user(assignment.user)
            except NotFoundError:
                user = None
            if user is None or user.role != "clinician":
                raise HTTPException(422, "user: patients are assigned to existing clinician users")
            tx.assign_patient(patient_id, user.id)
            record(tx, principal, "patient.assign", client_ip=ip, patient_id=patient_id)
            return AssignmentOut(patient_id=patient_id, user=user.name)
    record_refusal(repository, principal, "patient.assign", client_ip=ip, patient_id=patient_id)
    raise HTTPException(404, f"no patient {patient_id}")


@router.get("/audit", response_model=list[AuditEntry], responses=problem_responses(401, 403, 422))
def audit_log(
    repository: Repo,
    _admin: Annotated[Principal, Depends(require_roles("admin"))],
    patient_id: Annotated[str | None, Query(pattern=PATIENT_ID)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Audit events, newest first (admin only)."""
    with repository.transaction() as tx:
        return [
            AuditEntry(**vars(entry))
            for entry in tx.list_audit(patient_id=patient_id, actor=actor, limit=limit)
        ]
