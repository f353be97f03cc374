"""Liveness and readiness for load balancers and orchestrators (no authentication, no data).

`/health` answers as long as the process serves requests; `/ready` also needs the database to
answer, so traffic is sent only to instances that can do real work.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from integrome import __version__
from integrome.api.dependencies import Repo
from integrome.api.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Ready(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]


@router.get("/health", response_model=Health)
async def health() -> Health:
    """Async: a sync endpoint would answer through the thread pool."""
    return Health(status="ok", version=__version__)


@router.get("/ready", response_model=Ready, responses=problem_responses(503))
def ready(repository: Repo) -> Ready:
    repository.ping()
    return Ready(status="ready", database="ok")
