"""Web pages for physicians and laboratories (issue 7): sign in, upload a case and watch it run,
the patient list, the report with filters and folded evidence, the knowledge-base and catalog
browsers, and a laboratory's page to manage its tests.

Pages are server-rendered and work without scripts; `static/app.js` only adds upload and job
progress and live filtering. Everything goes through the REST API's own code: sign-in and its
audit (`routers.auth.issue_token`), access checks and audited reads (`routers.analyses._read`),
jobs (`JobRunner`, `service.run_and_store`, `routers.jobs.get_job`), the report view
(`deliver.html.build_view` and the report's template partials) and catalog publishing
(`knowledge.catalog.import_catalog`). Not part of the OpenAPI document: these are pages, not API.
"""

from __future__ import annotations

import pathlib
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from integrome.api.audit import record
from integrome.api.auth import Authenticator, Principal
from integrome.api.dependencies import (
    AppSettings,
    Repo,
    client_ip,
    get_authenticator,
    get_blobs,
    get_jobs,
    get_pseudonym_key,
)
from integrome.api.jobs import JobRunner
from integrome.api.jwt import TokenError
from integrome.api.routers.analyses import ANALYSIS_ID, _read
from integrome.api.routers.auth import issue_token
from integrome.api.routers.jobs import get_job
from integrome.api.routers.kb import authorize_publishing, unlinked_laboratories
from integrome.api.service import RunRequest, analysis_job
from integrome.api.uploads import receive_upload
from integrome.api.web_kb import PAGE_SIZE, CatalogFilters, KbFilters, catalog_rows, kb_rows
from integrome.api.web_lab import (
    ACCREDITATIONS,
    METHODS,
    CatalogForm,
    FormProblem,
    PublishedCatalog,
    TestForm,
    catalog_from_forms,
    form_from_test,
    published_catalogs,
    save_catalog,
    with_test,
)
from integrome.api.web_render import WebRoute, render_page
from integrome.api.web_report import SECTION_CHOICES, SEVERITY_CHOICES, ReportFilters, filter_report
from integrome.api.web_session import (
    CSRF_COOKIE,
    CSRF_HEADER,
    HOME,
    SESSION_COOKIE,
    WEB_PREFIX,
    end_session,
    page_roles,
    page_user,
    safe_next,
    session_principal,
    sign_in_url,
    start_session,
    verify_csrf,
)
from integrome.api.web_static import static_response
from integrome.model import Analysis, Build, Origin
from integrome.storage.base import AnalysisQuery, AnalysisRecord
from integrome.storage.blobs import BlobStore

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=WebRoute)

Clinical = Annotated[Principal, Depends(page_roles("clinician", audit_action="analysis.access"))]
LabUser = Annotated[Principal, Depends(page_roles("lab"))]
SignedIn = Annotated[Principal, Depends(page_user)]
AnalysisId = Annotated[str, Path(pattern=ANALYSIS_ID)]
JobId = Annotated[str, Path(pattern=r"^job-[0-9a-f]{16}$")]
_FORM_LIMIT = 64 * 1024
"""Largest form body (sign-in, sign-out, a catalog test: a few hundred bytes in practice)."""
_HOME_OF_ROLE = {"clinician": "patients", "admin": "patients", "lab": "lab", "researcher": "kb"}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


@router.get("/")
def root() -> RedirectResponse:
    return _see_other(HOME)


@router.get(f"{WEB_PREFIX}/static/{{name}}")
def static(name: str) -> Response:
    return static_response(name)


@router.get(HOME)
def home(request: Request) -> RedirectResponse:
    """Each role lands on its own page."""
    principal = session_principal(request)
    if principal is None:
        return _see_other(sign_in_url(HOME))
    return _see_other(f"{WEB_PREFIX}/{_HOME_OF_ROLE[principal.role]}")


# --- sign-in -------------------------------------------------------------------------------------


@router.get(f"{WEB_PREFIX}/signin")
def sign_in_form(request: Request, next_path: Annotated[str | None, Query(alias="next")] = None) -> Response:
    if session_principal(request) is not None:
        return _see_other(safe_next(next_path))
    return render_page(request, "signin.html.j2", next_path=safe_next(next_path), error=None, username="")


async def _posted_form(request: Request) -> dict[str, list[str]]:
    """The form's text fields (all values of each) after the CSRF check. The length is checked
    before anything is read: a browser always sends it for a form, and forms here are small."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "send the form with a Content-Length")
    if int(length) > _FORM_LIMIT:
        raise HTTPException(413, f"a form is at most {_FORM_LIMIT} bytes")
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    verify_csrf(request, values.get("csrf_token", [""])[0])
    return values


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items()}


@router.post(f"{WEB_PREFIX}/signin")
async def sign_in(
    request: Request,
    repository: Repo,
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
) -> Response:
    """The REST password flow (`issue_token`, audited), with the token kept in a session cookie."""
    fields = _single(await _posted_form(request))
    next_path = safe_next(fields.get("next"))
    username = fields.get("username", "")
    form = OAuth2PasswordRequestForm(
        username=username, password=fields.get("password", ""), grant_type="password"
    )
    try:
        token = await run_in_threadpool(issue_token, request, form, repository, authenticator)
    except HTTPException:
        return render_page(
            request,
            "signin.html.j2",
            status=400,
            next_path=next_path,
            error="Incorrect user name or password.",
            username=username,
        )
    response = _see_other(next_path)
    start_session(response, request, token.access_token, token.expires_in)
    response.delete_cookie(CSRF_COOKIE, path=WEB_PREFIX)
    return response


@router.post(f"{WEB_PREFIX}/signout")
async def sign_out(
    request: Request,
    repository: Repo,
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
) -> Response:
    """Ends the session and revokes its token (as `POST /api/v1/auth/logout`), so a copy of the
    cookie is useless afterwards."""
    await _posted_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            principal = await run_in_threadpool(authenticator.revoke, token)
        except TokenError:
            pass  # an expired or tampered cookie: nothing left to revoke
        else:
            with repository.transaction() as tx:
                record(tx, principal, "logout", client_ip=client_ip(request))
    response = _see_other(f"{WEB_PREFIX}/signin")
    end_session(response, request)
    return response


# --- patients and analyses ------------------------------------------------------------------------


def _diagnosis(analysis: Analysis) -> str:
    diagnoses = analysis.patient.diagnoses
    coded = [d for d in diagnoses if d.oncotree] or diagnoses
    return coded[0].display if coded else "—"


@router.get(f"{WEB_PREFIX}/patients")
def patients(
    request: Request,
    repository: Repo,
    principal: Clinical,
    gene: Annotated[str | None, Query(max_length=50)] = None,
    drug: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Patients the clinician may see, newest analysis first; a patient's analyses on this page
    are grouped under its newest one."""
    gene_filter = (gene or "").strip().upper() or None
    drug_filter = (drug or "").strip().lower() or None
    query = AnalysisQuery(
        visible_to=None if principal.role == "admin" else principal.user_id,
        gene=gene_filter,
        drug=drug_filter,
        offset=offset,
        limit=PAGE_SIZE,
    )
    with repository.transaction() as tx:
        page = tx.list_analyses(query)
        for patient in sorted({item.patient_id for item in page.items}):
            record(tx, principal, "analysis.list", client_ip=client_ip(request), patient_id=patient)
    groups: dict[str, list[AnalysisRecord]] = {}
    for item in page.items:
        groups.setdefault(item.patient_id, []).append(item)
    rows = []
    for patient_id, analyses in groups.items():
        latest = Analysis.model_validate_json(analyses[0].analysis_json)
        severities = Counter(i.severity for i in latest.insights)
        rows.append(
            {
                "patient_id": patient_id,
                "record_id": latest.patient.id,
                "sex": latest.patient.sex,
                "birth_date": latest.patient.birth_date,
                "diagnosis": _diagnosis(latest),
                "genes": list(analyses[0].genes),
                "critical": severities["critical"],
                "warning": severities["warning"],
                "insights": len(latest.insights),
                "latest": analyses[0],
                "earlier": analyses[1:],
            }
        )
    return render_page(
        request,
        "patients.html.j2",
        rows=rows,
        total=page.total,
        offset=offset,
        page_size=PAGE_SIZE,
        gene=gene_filter or "",
        drug=drug_filter or "",
    )


@router.get(f"{WEB_PREFIX}/upload")
def upload_form(request: Request, _principal: Clinical) -> Response:
    return render_page(request, "upload.html.j2")


@router.post(f"{WEB_PREFIX}/upload")
async def upload(
    request: Request,
    settings: AppSettings,
    repository: Repo,
    blobs: Annotated[BlobStore, Depends(get_blobs)],
    pseudonym_key: Annotated[bytes, Depends(get_pseudonym_key)],
    jobs: Annotated[JobRunner, Depends(get_jobs)],
    principal: Clinical,
    csrf_token: Annotated[str | None, Query(max_length=200)] = None,
    sample: Annotated[str | None, Query(max_length=200)] = None,
    build: Annotated[Build | None, Query()] = None,
    role: Annotated[Origin, Query()] = "unknown",
) -> Response:
    """Stream the files to disk (the API's `receive_upload`: size limit, safe names) and analyze
    them as a background job, so the browser can show progress; then go to the job's page.

    The multipart body holds only the files, so the CSRF token travels in the `X-CSRF-Token`
    header (script) or the form's action URL (no script), and reading options in the query."""
    verify_csrf(request, request.headers.get(CSRF_HEADER) or csrf_token)
    received = await receive_upload(request, settings.data_dir / "uploads", settings.max_upload_bytes)
    run = RunRequest(sample=sample or None, build=build, role=role)
    ip = client_ip(request)
    paths = [f.path for f in received.files]
    try:
        job = jobs.create(principal.user_id)
    except BaseException:
        received.discard()
        raise

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
    jobs.submit(job.id, work, received.discard)
    return _see_other(f"{WEB_PREFIX}/jobs/{job.id}")


def _job_state(job_id: str, repository: Repo, principal: Principal) -> dict[str, Any]:
    job = get_job(job_id, repository, principal)
    return {
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "report_url": f"{WEB_PREFIX}/analyses/{job.analysis_id}" if job.analysis_id else None,
    }


@router.get(f"{WEB_PREFIX}/jobs/{{job_id}}")
def job_page(request: Request, job_id: JobId, repository: Repo, principal: Clinical) -> Response:
    """Progress of an upload's analysis; a finished job goes straight to its report."""
    state = _job_state(job_id, repository, principal)
    if state["report_url"] is not None:
        return _see_other(state["report_url"])
    return render_page(request, "job.html.j2", job_id=job_id, job=state)


@router.get(f"{WEB_PREFIX}/jobs/{{job_id}}/status")
def job_status(job_id: JobId, repository: Repo, principal: Clinical) -> JSONResponse:
    """The job's state for the progress script (polled about once a second)."""
    return JSONResponse(_job_state(job_id, repository, principal), headers={"Cache-Control": "no-store"})


@router.get(f"{WEB_PREFIX}/analyses/{{analysis_id}}")
def analysis_page(
    request: Request,
    analysis_id: AnalysisId,
    repository: Repo,
    principal: Clinical,
    section: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=40)] = None,
    gene: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The physician report (the file report's content and layout) with filters, folded evidence
    and links to the PDF and JSON."""
    from integrome.deliver.html import build_view

    found = _read(request, repository, principal, analysis_id, "analysis.read.web")
    analysis = Analysis.model_validate_json(found.analysis_json)
    filters = ReportFilters.from_query(section, severity, gene, q)
    filtered = filter_report(build_view(analysis), filters)
    return render_page(
        request,
        "analysis.html.j2",
        stored=found,
        report=filtered.view,
        filtered=filtered,
        filters=filters,
        section_choices=SECTION_CHOICES,
        severity_choices=SEVERITY_CHOICES,
        expandable=True,
    )


@router.get(f"{WEB_PREFIX}/analyses/{{analysis_id}}/report.pdf")
def analysis_pdf(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> Response:
    from integrome.deliver import render_pdf

    found = _read(request, repository, principal, analysis_id, "analysis.read.pdf")
    pdf = render_pdf(Analysis.model_validate_json(found.analysis_json))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get(f"{WEB_PREFIX}/analyses/{{analysis_id}}/analysis.json")
def analysis_json(
    request: Request, analysis_id: AnalysisId, repository: Repo, principal: Clinical
) -> Response:
    found = _read(request, repository, principal, analysis_id, "analysis.read")
    return Response(
        found.analysis_json,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{found.id}.json"',
            "Cache-Control": "no-store",
        },
    )


# --- knowledge base and catalog ---------------------------------------------------------------------


@router.get(f"{WEB_PREFIX}/kb")
def kb_page(
    request: Request,
    settings: AppSettings,
    _principal: SignedIn,
    gene: Annotated[str | None, Query(max_length=50)] = None,
    drug: Annotated[str | None, Query(max_length=100)] = None,
    disease: Annotated[str | None, Query(max_length=50)] = None,
    level: Annotated[str | None, Query(max_length=5)] = None,
    direction: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Biomarker records with their statements and citations, filtered."""
    from integrome.knowledge import load_knowledge_base

    kb = load_knowledge_base(extra_dir=settings.kb_path)
    filters = KbFilters.from_query(gene, drug, disease, level, direction, q)
    rows = kb_rows(kb.biomarkers, filters)
    return render_page(
        request,
        "kb.html.j2",
        kb_version=kb.version,
        record_count=len(kb.biomarkers),
        rows=rows[offset : offset + PAGE_SIZE],
        total=len(rows),
        offset=offset,
        page_size=PAGE_SIZE,
        filters=filters,
        genes=sorted(kb.genes),
        page_base="/web/kb?"
        + urlencode(
            {
                "gene": filters.gene or "",
                "drug": filters.drug or "",
                "disease": filters.disease or "",
                "level": filters.level or "",
                "direction": filters.direction or "",
                "q": filters.text or "",
            }
        ),
    )


@router.get(f"{WEB_PREFIX}/catalog")
def catalog_page(
    request: Request,
    settings: AppSettings,
    _principal: SignedIn,
    target: Annotated[str | None, Query(max_length=40)] = None,
    method: Annotated[str | None, Query(max_length=40)] = None,
    provider: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Orderable tests: the packaged example catalog plus every published one, filtered."""
    from integrome.knowledge.catalog import load_catalog

    entries = load_catalog(settings.kb_path)
    filters = CatalogFilters.from_query(target, method, provider, q)
    providers = sorted({(e.provider.id, e.provider.name) for e in entries}, key=lambda p: p[1].casefold())
    return render_page(
        request,
        "catalog.html.j2",
        rows=catalog_rows(entries, filters),
        total=len(entries),
        filters=filters,
        methods=METHODS,
        providers=providers,
    )


# --- a laboratory's tests -------------------------------------------------------------------------------


def _kb_path(settings: AppSettings) -> pathlib.Path:
    if settings.kb_path is None:
        raise HTTPException(
            409, "this server has no knowledge-base folder to publish into (set INTEGROME_KB_PATH)"
        )
    return settings.kb_path


def _published(settings: AppSettings, slug: str) -> PublishedCatalog:
    for published in published_catalogs(_kb_path(settings)):
        if published.slug == slug:
            return published
    raise HTTPException(404, f"no published catalog {slug!r}")


@router.get(f"{WEB_PREFIX}/lab")
def lab_page(
    request: Request,
    settings: AppSettings,
    repository: Repo,
    principal: LabUser,
    saved: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The catalogs published on this server, their tests, and where to add or change one: Add and
    Edit only for the catalogs the user may publish (admins: all; a lab user: those of the
    laboratories an admin linked them to), the others marked read-only."""
    from integrome.knowledge import load_knowledge_base

    catalogs = published_catalogs(settings.kb_path) if settings.kb_path is not None else []
    kb_version = load_knowledge_base(extra_dir=settings.kb_path).version
    linked: frozenset[str] | None = None
    if principal.role != "admin":
        with repository.transaction() as tx:
            linked = frozenset(tx.user_labs(principal.user_id))
    return render_page(
        request,
        "lab.html.j2",
        catalogs=catalogs,
        unlinked={p.slug: unlinked_laboratories(p.catalog, linked) for p in catalogs},
        publishing=settings.kb_path is not None,
        saved=saved,
        kb_version=kb_version,
    )


def _test_page(
    request: Request,
    *,
    form: TestForm,
    catalog: CatalogForm | None,
    published: PublishedCatalog | None,
    version: str,
    editing: str | None,
    problem: FormProblem | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    providers = [(p.id, p.name) for p in published.catalog.providers] if published is not None else []
    return render_page(
        request,
        "lab_test.html.j2",
        status=status,
        form=form,
        catalog_form=catalog,
        published=published,
        providers=providers,
        version=version,
        editing=editing,
        problem=problem,
        error=error,
        methods=METHODS,
        accreditations=ACCREDITATIONS,
    )


async def _save(
    request: Request,
    settings: AppSettings,
    repository: Repo,
    principal: Principal,
    catalog: Any,
    file_name: str,
) -> str:
    kb_path = _kb_path(settings)
    await run_in_threadpool(
        authorize_publishing,
        repository,
        principal,
        catalog,
        kb_path=kb_path,
        name=pathlib.Path(file_name).stem,
        client_ip=client_ip(request),
    )
    await run_in_threadpool(save_catalog, catalog, file_name, kb_path, settings.data_dir / "uploads")
    with repository.transaction() as tx:
        record(tx, principal, "catalog.publish", client_ip=client_ip(request))
    return file_name


@router.get(f"{WEB_PREFIX}/lab/new")
def new_catalog_form(request: Request, settings: AppSettings, _principal: LabUser) -> Response:
    _kb_path(settings)
    return _test_page(
        request, form=TestForm(), catalog=CatalogForm(), published=None, version="", editing=None
    )


@router.post(f"{WEB_PREFIX}/lab/new")
async def new_catalog(
    request: Request, settings: AppSettings, repository: Repo, principal: LabUser
) -> Response:
    """A laboratory's first catalog: the laboratory, the catalog's name and version, one test."""
    from integrome.errors import KnowledgeBaseError

    values = await _posted_form(request)
    fields = _single(values)
    catalog_form = CatalogForm(
        slug=fields.get("slug", "").strip(),
        name=fields.get("name_catalog", "").strip(),
        version=fields.get("version", "").strip(),
        provider_id=fields.get("provider_id", "").strip(),
        provider_name=fields.get("provider_name", "").strip(),
        country=fields.get("country", "").strip(),
        provider_url=fields.get("provider_url", "").strip(),
        accreditation=tuple(a for a in values.get("accreditation", []) if a in ACCREDITATIONS),
    )
    form = TestForm.from_mapping(fields | {"provider": catalog_form.provider_id})
    try:
        if any(p.slug == catalog_form.slug for p in published_catalogs(_kb_path(settings))):
            raise FormProblem("slug", f"a catalog {catalog_form.slug!r} exists; add tests to it instead")
        catalog = catalog_from_forms(catalog_form, form)
        await _save(request, settings, repository, principal, catalog, f"{catalog_form.slug}.yaml")
    except (FormProblem, KnowledgeBaseError) as exc:
        problem = exc if isinstance(exc, FormProblem) else None
        return _test_page(
            request,
            form=form,
            catalog=catalog_form,
            published=None,
            version=catalog_form.version,
            editing=None,
            problem=problem,
            error=str(exc),
            status=422,
        )
    return _see_other(f"{WEB_PREFIX}/lab?saved={form.id}")


@router.get(f"{WEB_PREFIX}/lab/{{slug}}/tests/new")
def new_test_form(request: Request, slug: str, settings: AppSettings, _principal: LabUser) -> Response:
    published = _published(settings, slug)
    form = TestForm(provider=published.catalog.providers[0].id)
    return _test_page(
        request, form=form, catalog=None, published=published, version=published.catalog.version, editing=None
    )


@router.get(f"{WEB_PREFIX}/lab/{{slug}}/tests/{{test_id}}")
def edit_test_form(
    request: Request, slug: str, test_id: str, settings: AppSettings, _principal: LabUser
) -> Response:
    published = _published(settings, slug)
    test = next((t for t in published.catalog.tests if t.id == test_id), None)
    if test is None:
        raise HTTPException(404, f"catalog {slug!r} has no test {test_id!r}")
    return _test_page(
        request,
        form=form_from_test(test),
        catalog=None,
        published=published,
        version=published.catalog.version,
        editing=test_id,
    )


async def _save_test(
    request: Request,
    slug: str,
    replaces: str | None,
    settings: AppSettings,
    repository: Repo,
    principal: Principal,
) -> Response:
    from integrome.errors import KnowledgeBaseError

    published = _published(settings, slug)
    fields = _single(await _posted_form(request))
    form = TestForm.from_mapping(fields)
    version = fields.get("version", "").strip()
    try:
        catalog = with_test(published, form, version, replaces)
        await _save(request, settings, repository, principal, catalog, published.file_name)
    except (FormProblem, KnowledgeBaseError) as exc:
        return _test_page(
            request,
            form=form,
            catalog=None,
            published=published,
            version=version,
            editing=replaces,
            problem=exc if isinstance(exc, FormProblem) else None,
            error=str(exc),
            status=422,
        )
    return _see_other(f"{WEB_PREFIX}/lab?saved={form.id}")


@router.post(f"{WEB_PREFIX}/lab/{{slug}}/tests/new")
async def add_test(
    request: Request, slug: str, settings: AppSettings, repository: Repo, principal: LabUser
) -> Response:
    return await _save_test(request, slug, None, settings, repository, principal)


@router.post(f"{WEB_PREFIX}/lab/{{slug}}/tests/{{test_id}}")
async def edit_test(
    request: Request, slug: str, test_id: str, settings: AppSettings, repository: Repo, principal: LabUser
) -> Response:
    return await _save_test(request, slug, test_id, settings, repository, principal)
