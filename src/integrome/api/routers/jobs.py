"""`/api/v1/jobs/{id}`: status and progress of a background analysis.

Only the user who submitted a job (or an admin) sees it; others get 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from integrome.api.dependencies import Caller, Repo
from integrome.api.problems import problem_responses
from integrome.errors import NotFoundError
from integrome.storage.base import JobRecord, JobStatus

__all__ = ["JobOut", "job_out", "router"]

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


class JobOut(BaseModel):
    id: str
    status: JobStatus
    progress: int = Field(description="input records read so far (VCF/MAF scan)")
    message: str | None = Field(description="why the job failed")
    analysis_id: str | None
    analysis_url: str | None
    created_at: datetime
    updated_at: datetime


def job_out(job: JobRecord) -> JobOut:
    return JobOut(
        id=job.id,
        status=job.status,
        progress=job.progress,
        message=job.message,
        analysis_id=job.analysis_id,
        analysis_url=f"/api/v1/analyses/{job.analysis_id}" if job.analysis_id else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


@router.get("/{job_id}", response_model=JobOut, responses=problem_responses(401, 404, 422))
def get_job(
    job_id: Annotated[str, Path(pattern=r"^job-[0-9a-f]{16}$")], repository: Repo, principal: Caller
) -> JobOut:
    with repository.transaction() as tx:
        try:
            job = tx.get_job(job_id)
        except NotFoundError:
            job = None
    if job is None or (principal.role != "admin" and job.created_by != principal.user_id):
        raise HTTPException(404, f"no job {job_id}")
    return job_out(job)
