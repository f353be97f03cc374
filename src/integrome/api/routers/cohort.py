"""`/api/v1/cohort`: the de-identified view for researchers.

Each analysis becomes one row without any identifier: no patient id or pseudonym, no analysis id,
no names, no dates; age as a ten-year band (90+ pooled, HIPAA Safe Harbor), sex, coded diagnoses
(free-text diagnoses are left out, they may quote the record) and counts of insight kinds.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from integrome.api.audit import record
from integrome.api.auth import Principal
from integrome.api.dependencies import Repo, client_ip, require_roles
from integrome.api.problems import problem_responses
from integrome.api.service import age_band
from integrome.model import Analysis
from integrome.storage.base import AnalysisQuery

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["research"])


class CohortDiagnosis(BaseModel):
    system: str
    code: str
    oncotree: str | None


class CohortRow(BaseModel):
    age_band: str
    sex: Literal["female", "male", "other", "unknown"]
    diagnoses: list[CohortDiagnosis]
    insight_kinds: dict[str, int]


class CohortPage(BaseModel):
    items: list[CohortRow]
    total: int
    offset: int
    limit: int


def cohort_row(analysis: Analysis, analysed_year: int) -> CohortRow:
    from datetime import date

    birth = analysis.patient.birth_date
    birth_year = int(birth[:4]) if birth and birth[:4].isdigit() else None
    return CohortRow(
        age_band=age_band(birth_year, date(analysed_year, 12, 31)),
        sex=analysis.patient.sex,
        diagnoses=[
            CohortDiagnosis(system=d.system, code=d.code, oncotree=d.oncotree)
            if d.system != "text"
            else CohortDiagnosis(system="oncotree", code=d.oncotree, oncotree=d.oncotree)
            for d in analysis.patient.diagnoses
            if d.system != "text" or d.oncotree
        ],
        insight_kinds=dict(sorted(Counter(i.kind for i in analysis.insights).items())),
    )


@router.get("/cohort", response_model=CohortPage, responses=problem_responses(401, 403, 422))
def cohort(
    request: Request,
    repository: Repo,
    principal: Annotated[Principal, Depends(require_roles("researcher", audit_action="cohort.view"))],
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CohortPage:
    """De-identified rows, one per analysis."""
    with repository.transaction() as tx:
        page = tx.list_analyses(AnalysisQuery(offset=offset, limit=limit))
        record(tx, principal, "cohort.view", client_ip=client_ip(request))
    rows = [
        cohort_row(Analysis.model_validate_json(item.analysis_json), item.created_at.year)
        for item in page.items
    ]
    return CohortPage(items=rows, total=page.total, offset=page.offset, limit=page.limit)
