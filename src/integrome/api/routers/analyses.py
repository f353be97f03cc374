"""`/api/v1/analyses`: create (FHIR Bundle JSON or multipart files), list, read, reports (HTML, PDF,
FHIR Genomics Reporting), re-run.

Access (issue 7): clinicians see analyses they created and those of patients they created or are
assigned to; admins see all; researchers and labs get 403 here (researchers use `/cohort`).
An analysis the caller may not see answers 404, so ids do not reveal which patients exist. Every
read, write and refusal is written to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from integrome.api.audit import record, record_refusal
from integrome.api.auth import Principal
from integrome.api.dependencies import (
    AppSettings,
    Repo,
    client_ip,
    get_blobs,
    get_jobs,
    get_pseudonym_key,
    require_roles,
)
from integrome.api.jobs import JobRunner
from integrome.api.problems import problem_responses
from integrome.api.routers.jobs import JobOut, job_out
from integrome.api.service import (
    RunRequest,
    analysis_job,
    changes_between,
    precheck,
    rerun_analysis,
    run_and_store,
)
from integrome.api.uploads import MAX_FILES, receive_upload
from integrome.errors import IntegromeError, NotFoundError
from integrome.model import Analysis, Build, Origin
from integrome.storage.base import AnalysisQuery, AnalysisRecord, Repository, Transaction
from integrome.storage.blobs import BlobStore

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/analyses", tags=["analyses"])

ANALYSIS_ID = r"^an-[0-9a-f]{16}$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")
AnalysisId = Annotated[str, Path(pattern=ANALYSIS_ID, description="analysis id (an- + 16 hex)")]
Clinical = Annotated[Principal, Depends(require_roles("clinician", audit_action="analysis.access"))]
Blobs = Annotated[BlobStore, Depends(get_blobs)]
PseudonymKey = Annotated[bytes, Depends(get_pseudonym_key)]
Jobs = Annotated[JobRunner, Depends(get_jobs)]

BUNDLE_TYPES = (
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
)
"""FHIR R4 Bundle.type value set (http://hl7.org/fhir/R4/valueset-bundle-type.html)."""

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a FHIR R4 Bundle (Patient, Condition, Observation, MedicationStatement)",
                    "required": ["resourceType", "type"],
                    "properties": {
                        "resourceType": {"type": "string", "enum": ["Bundle"]},
                        "type": {"type": "string", "enum": list(BUNDLE_TYPES)},
                        "entry": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "fullUrl": {"type": "string"},
                                    "resource": {
                                        "type": "object",
                                        "required": ["resourceType"],
                                        "properties": {"resourceType": {"type": "string"}},
                                    },
                                },
                            },
                        },
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_FILES,
                            "items": {"type": "string", "format": "binary"},
                            "description": "FHIR Bundle, Phenopacket, VCF/VCF.GZ/BCF, MAF or notes; "
                            "the format is detected from the content",
                        }
                    },
                }
            },
        },
    }
}


class DocumentOut(BaseModel):
    name: str
    format: str
    sha256: str = Field(description="hash of the content the reader parsed")
    size: int
    role: str


class ChangesOut(BaseModel):
    """What a re-run changed (insights are compared by their content-derived ids)."""

    kb_version_before: str
    kb_version_after: str
    added: list[str] = Field(description="titles of insights the new knowledge base adds")
    removed: list[str] = Field(description="titles of insights it no longer gives")


class AnalysisOut(BaseModel):
    id: str
    patient_id: str = Field(description="pseudonym of the patient (never the record's own id)")
    created_at: datetime
    kb_version: str
    rerun_of: str | None
    documents: list[DocumentOut]
    analysis: Analysis
    changes: ChangesOut | None = None


class AnalysisSummary(BaseModel):
    id: str
    patient_id: str
    created_at: datetime
    kb_version: str
    rerun_of: str | None
    genes: list[str]
    drugs: list[str]


class AnalysisPage(BaseModel):
    items: list[AnalysisSummary]
    total: int
    offset: int
    limit: int


def _iso_8601(value: object) -> object:
    """Only ISO 8601 text: pydantic would also read '100' as a Unix timestamp, which the
    documented `date-time` format does not allow."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date-time with time zone, e.g. 2026-11-25T00:00:00Z")
    return value


def _out(record_: AnalysisRecord, changes: ChangesOut | None = None) -> AnalysisOut:
    return AnalysisOut(
        id=record_.id,
        patient_id=record_.patient_id,
        created_at=record_.created_at,
        kb_version=record_.kb_version,
        rerun_of=record_.rerun_of,
        documents=[
            DocumentOut(name=d.name, format=d.format, sha256=d.sha256, size=d.size, role=d.role)
            for d in record_.documents
        ],
        analysis=Analysis.model_validate_json(record_.analysis_json),
        changes=changes,
    )


def _visible(tx: Transaction, principal: Principal, record_: AnalysisRecord) -> bool:
    if principal.role == "admin":
        return True
    return record_.created_by == principal.user_id or tx.can_see_patient(
        principal.user_id, record_.patient_id
    )


def _read(
    request: Request, repository: Repository, principal: Principal, analysis_id: str, action: str
) -> AnalysisRecord:
    """The analysis if the caller may see it (audited), else 404 (the refusal audited)."""
    with repository.transaction() as tx:
        try:
            found = tx.get_analysis(analysis_id)
        except NotFoundError:
            found = None
        if found is not None and _visible(tx, principal, found):
            record(
                tx,
                principal,
                action,
                client_ip=client_ip(request),
                patient_id=found.patient_id,
                analysis_id=found.id,
            )
            return found
    record_refusal(repository, principal, action, client_ip=client_ip(request), analysis_id=analysis_id)
    raise HTTPException(404, f"no analysis {analysis_id}")


@router.post(
    "",
    status_code=201,
    response_model=AnalysisOut,
    responses={
        202: {"model": JobOut, "description": "accepted as a background job; poll the job"},
        **problem_responses(401, 403, 413, 415, 422),
    },
    openapi_extra=_BODY,
)
async def create_analysis(
    request: Request,
    response: Response,
    settings: AppSettings,
    repository: Repo,
    blobs: Blobs,
    pseudonym_key: PseudonymKey,
    jobs: Jobs,
    principal: Clinical,
    run_async: Annotated[
        bool, Query(alias="async", description="run as a background job: 202 + job, poll /api/v1/jobs/{id}")
    ] = False,
    sample: Annotated[
        str | None, Query(max_length=200, description="VCF sample to read when a VCF holds several")
    ] = None,
    build: Annotated[
        Build | None, Query(description="genome build of VCFs whose header does not say")
    ] = None,
    role: Annotated[
        Origin, Query(description="somatic/germline for VCFs whose header does not say")
    ] = "unknown",
) -> Any:
    """Analyze one patient's files. Small inputs are analyzed in the request (201); with
    `?async=true`, or when the upload exceeds the server's background threshold, the analysis
    runs as a background job (202 + job to poll)."""
    upload = await receive_upload(request, settings.data_dir / "uploads", settings.max_upload_bytes)
    run = RunRequest(sample=sample, build=build, role=role)
    ip = client_ip(request)
    paths = [f.path for f in upload.files]
    if run_async or upload.total_bytes > settings.async_upload_bytes:
        try:
            await run_in_threadpool(precheck, paths)
        except BaseException:
            upload.discard()
            raise
        job = jobs.create(principal.user_id)

        work = analysis_job(
            paths,
            run,
            settings=settings,
            repository=repository,
            blobs=blobs,
            pseudonym_key=pseudonym_key,
            principal=principal,
            client_ip=ip,
        )
        jobs.submit(job.id, work, upload.discard)
        return JSONResponse(
            job_out(job).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/api/v1/jobs/{job.id}"},
        )
    try:
        stored = await run_in_threadpool(
            run_and_store,
            paths,
            run,
            settings=settings,
            repository=repository,
            blobs=blobs,
            pseudonym_key=pseudonym_key,
            principal=principal,
            client_ip=ip,
        )
    except IntegromeError:
        with repository.transaction() as tx:
            record(tx, principal, "analysis.create", client_ip=ip, outcome="failed")
        raise
    finally:
        upload.discard()
    response.headers["Location"] = f"/api/v1/analyses/{stored.id}"
    return _out(stored)


@router.get("", response_model=AnalysisPage, responses=problem_responses(401, 403, 422))
def list_analyses(
    request: Request,
    repository: Repo,
    principal: Clinical,
    patient_id: Annotated[
        str | None, Query(pattern=r"^pt-[0-9a-f]{16}$", description="patient pseudonym")
    ] = None,
    gene: Annotated[str | None, Query(max_length=50, description="HGNC symbol, e.g. EGFR")] = None,
    drug: Annotated[str | None, Query(max_length=100, description="lowercase generic drug name")] = None,
    created_from: Annotated[
        AwareDatetime | None, BeforeValidator(_iso_8601), Query(description="created at or after (ISO 8601)")
    ] = None,
    created_to: Annotated[
        AwareDatetime | None, BeforeValidator(_iso_8601), Query(description="created before (ISO 8601)")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AnalysisPage:
    """Analyses the caller may see, newest first; filters combine with AND."""
    query = AnalysisQuery(
        visible_to=None if principal.role == "admin" else principal.user_id,
        patient_id=patient_id,
        gene=gene.upper() if gene else None,
        drug=drug.lower() if drug else None,
        created_from=created_from,
        created_to=created_to,
        offset=offset,
        limit=limit,
    )
    with repository.transaction() as tx:
        page = tx.list_analyses(query)
        for patient in sorted({item.patient_id for item in page.items}):
            record(tx, principal, "analysis.list", client_ip=client_ip(request), patient_id=patient)
    return AnalysisPage(
        items=[
            AnalysisSummary(
                id=item.id,
                patient_id=item.patient_id,
                created_at=item.created_at,
                kb_version=item.kb_version,
                rerun_of=item.rerun_of,
                genes=list(item.genes),
                drugs=list(item.drugs),
            )
            for item in page.items
        ],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/{analysis_id}.html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **problem_responses(401, 403, 404, 422)},
)
def analysis_html(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> HTMLResponse:
    """The physician report as HTML."""
    from integrome.deliver import render_html

    found = _read(request, repository, principal, analysis_id, "analysis.read.html")
    return HTMLResponse(render_html(Analysis.model_validate_json(found.analysis_json)))


@router.get(
    "/{analysis_id}.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
def analysis_pdf(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> Response:
    """The physician report as PDF (same content as the HTML)."""
    from integrome.deliver import render_pdf

    found = _read(request, repository, principal, analysis_id, "analysis.read.pdf")
    pdf = render_pdf(Analysis.model_validate_json(found.analysis_json))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{found.id}.pdf"'},
    )


@router.get(
    "/{analysis_id}/fhir",
    response_class=Response,
    responses={
        200: {
            "description": "HL7 Genomics Reporting Bundle (FHIR R4)",
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
def analysis_fhir(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> Response:
    """The analysis as an HL7 Genomics Reporting FHIR Bundle, for an EHR to file."""
    from integrome.deliver import render_fhir_bundle

    found = _read(request, repository, principal, analysis_id, "analysis.read.fhir")
    bundle = render_fhir_bundle(Analysis.model_validate_json(found.analysis_json))
    return Response(bundle, media_type="application/fhir+json")


@router.get("/{analysis_id}", response_model=AnalysisOut, responses=problem_responses(401, 403, 404, 422))
def get_analysis(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> AnalysisOut:
    """One analysis: the `integrome.analysis/1` document with its storage metadata."""
    return _out(_read(request, repository, principal, analysis_id, "analysis.read"))


@router.post(
    "/{analysis_id}/rerun",
    status_code=201,
    response_model=AnalysisOut,
    responses=problem_responses(401, 403, 404, 422),
)
def rerun(
    request: Request,
    response: Response,
    analysis_id: AnalysisId,
    settings: AppSettings,
    repository: Repo,
    blobs: Blobs,
    pseudonym_key: PseudonymKey,
    principal: Clinical,
) -> AnalysisOut:
    """Analyze the stored inputs again with the current knowledge base: a new analysis linked to
    the original, with the insights that were added or removed."""
    original = _read(request, repository, principal, analysis_id, "analysis.read")
    stored = rerun_analysis(
        original,
        settings=settings,
        repository=repository,
        blobs=blobs,
        pseudonym_key=pseudonym_key,
        principal=principal,
        client_ip=client_ip(request),
    )
    changes = changes_between(
        Analysis.model_validate_json(original.analysis_json),
        Analysis.model_validate_json(stored.analysis_json),
    )
    response.headers["Location"] = f"/api/v1/analyses/{stored.id}"
    return _out(stored, ChangesOut(**vars(changes)))
