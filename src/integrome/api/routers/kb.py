"""`/api/v1/kb`, `/api/v1/catalog`, `/api/v1/trials`: the knowledge the server analyzes with.

Reading is open to every signed-in role. Publishing a laboratory test catalog is for the lab role
(and admins): the file is validated and imported exactly as `integrome kb import catalog` does,
into the server's knowledge-base folder (INTEGROME_KB_PATH), which changes the KB version.

A lab user publishes only for the laboratories an admin linked them to (`integrome users
link-lab`, `PUT /api/v1/users/{name}/labs/{lab_id}`): every provider of the catalog sent, and
every provider of the published catalog it replaces, must be one of them, so no laboratory can
publish under another's name or overwrite another's catalog. A lab user without links publishes
nothing; admins publish anything. A refusal is a 403, written to the audit log.
"""

from __future__ import annotations

import pathlib
import tempfile
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from integrome.api.audit import record, record_refusal
from integrome.api.auth import Principal
from integrome.api.dependencies import AppSettings, Caller, Repo, client_ip, require_roles
from integrome.api.problems import problem_responses
from integrome.api.uploads import JSON_TYPES
from integrome.errors import KnowledgeBaseError
from integrome.knowledge import KbInfo, load_knowledge_base
from integrome.model import Catalog, CatalogTest, Provider, Trial
from integrome.storage.base import Repository

__all__ = ["authorize_publishing", "published_labs", "router", "unlinked_laboratories"]

router = APIRouter(prefix="/api/v1", tags=["knowledge base"])

_CATALOG_LIMIT = 5 * 1024 * 1024
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


class CatalogEntryOut(BaseModel):
    test: CatalogTest
    provider: Provider
    catalog: str
    catalog_version: str
    example_catalog: bool = Field(description="illustrative example data, not a real laboratory's offer")


class PublishedCatalog(BaseModel):
    name: str
    version: str
    tests: int
    replaced: bool = Field(description="an earlier catalog of the same name was replaced")
    kb_version: str


def published_labs(kb_path: pathlib.Path, name: str) -> frozenset[str] | None:
    """Provider ids of the published catalog file(s) called `name` (whatever the suffix: a PUT as
    YAML sits beside an earlier JSON one); None when one of them cannot be read, so its owner is
    unknown."""
    from integrome.knowledge.catalog import CATALOG_DIR, CATALOG_SUFFIXES, parse_catalog

    labs: set[str] = set()
    for suffix in CATALOG_SUFFIXES:
        path = kb_path / CATALOG_DIR / f"{name}{suffix}"
        if not path.is_file():
            continue
        try:
            catalog = parse_catalog(path.read_text(encoding="utf-8"), path.name)
        except (OSError, UnicodeDecodeError, KnowledgeBaseError):
            return None
        labs.update(provider.id for provider in catalog.providers)
    return frozenset(labs)


def unlinked_laboratories(
    catalog: Catalog, linked: frozenset[str] | None, *, replacing: Iterable[str] = ()
) -> list[str]:
    """The laboratories of `catalog` (and of the published catalog it would replace, `replacing`)
    a user linked to `linked` may not publish for; None is an admin, who publishes anything.
    Empty: the user may save it. The web lab page offers Edit by the same rule."""
    if linked is None:
        return []
    return sorted(({provider.id for provider in catalog.providers} | set(replacing)) - linked)


def authorize_publishing(
    repository: Repository,
    principal: Principal,
    catalog: Catalog,
    *,
    kb_path: pathlib.Path,
    name: str,
    client_ip: str | None,
) -> None:
    """403 (audited as a denied `catalog.publish`) unless the caller is an admin or linked to every
    laboratory of `catalog` and of the published catalog `name` it would replace."""
    if principal.role == "admin":
        return
    with repository.transaction() as tx:
        linked = frozenset(tx.user_labs(principal.user_id))
    replaced = published_labs(kb_path, name)
    if replaced is None:
        reason = f"the published catalog {name!r} cannot be read, so only an admin may replace it"
    else:
        missing = unlinked_laboratories(catalog, linked, replacing=replaced)
        if not missing:
            return
        reason = (
            f"user {principal.name!r} is not linked to laboratory {', '.join(map(repr, missing))}; "
            "an admin links lab users to their laboratories"
        )
    record_refusal(repository, principal, "catalog.publish", client_ip=client_ip)
    raise HTTPException(403, reason)


@router.get("/kb", response_model=KbInfo, responses=problem_responses(401))
def kb_info(settings: AppSettings, _caller: Caller) -> KbInfo:
    """Version, sources and record counts of the knowledge base analyses use now."""
    return load_knowledge_base(extra_dir=settings.kb_path).info()


@router.get("/catalog/tests", response_model=list[CatalogEntryOut], responses=problem_responses(401))
def catalog_tests(settings: AppSettings, _caller: Caller) -> list[CatalogEntryOut]:
    """Orderable laboratory tests: the packaged example catalog plus every published one."""
    from integrome.knowledge.catalog import load_catalog

    return [
        CatalogEntryOut(
            test=entry.test,
            provider=entry.provider,
            catalog=entry.catalog,
            catalog_version=entry.catalog_version,
            example_catalog=entry.example_catalog,
        )
        for entry in load_catalog(settings.kb_path)
    ]


@router.put(
    "/catalog/{name}",
    response_model=PublishedCatalog,
    responses=problem_responses(401, 403, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "integrome.catalog/1 (format: knowledge/data/catalog/README.md)",
                        "required": ["schema", "version", "name", "providers", "tests"],
                        "properties": {
                            "schema": {"type": "string", "enum": ["integrome.catalog/1"]},
                            "version": {"type": "string", "minLength": 1},
                            "name": {"type": "string", "minLength": 1},
                            "providers": {"type": "array", "minItems": 1, "items": {"type": "object"}},
                            "tests": {"type": "array", "minItems": 1, "items": {"type": "object"}},
                        },
                    }
                },
                "application/yaml": {"schema": {"type": "string", "description": "integrome.catalog/1"}},
            },
        }
    },
)
async def publish_catalog(
    request: Request,
    name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="catalog file name")],
    settings: AppSettings,
    repository: Repo,
    principal: Annotated[Principal, Depends(require_roles("lab"))],
) -> PublishedCatalog:
    """Publish (or replace) a laboratory's test catalog, schema `integrome.catalog/1`."""
    from fastapi.concurrency import run_in_threadpool

    from integrome.knowledge.catalog import import_catalog, parse_catalog

    if settings.kb_path is None:
        raise HTTPException(
            409, "this server has no knowledge-base folder to publish into (INTEGROME_KB_PATH)"
        )
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in (*JSON_TYPES, *_YAML_TYPES):
        raise HTTPException(415, "send the catalog as application/json or application/yaml")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _CATALOG_LIMIT:
            raise HTTPException(413, f"a catalog is at most {_CATALOG_LIMIT} bytes")
    suffix = ".json" if media_type in JSON_TYPES else ".yaml"
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(
            422, f"{name}{suffix}: expected UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    try:
        catalog = await run_in_threadpool(parse_catalog, text, f"{name}{suffix}")
    except KnowledgeBaseError as exc:
        raise HTTPException(422, " ".join(str(exc).split())) from exc
    await run_in_threadpool(
        authorize_publishing,
        repository,
        principal,
        catalog,
        kb_path=settings.kb_path,
        name=name,
        client_ip=client_ip(request),
    )
    scratch = settings.data_dir / "uploads"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="catalog-", dir=scratch) as folder:
        source = pathlib.Path(folder) / f"{name}{suffix}"
        source.write_bytes(bytes(body))
        try:
            imported = await run_in_threadpool(import_catalog, source, settings.kb_path)
        except KnowledgeBaseError as exc:
            raise HTTPException(422, " ".join(str(exc).replace(f"{folder}/", "").split())) from exc
    kb = load_knowledge_base(extra_dir=settings.kb_path)
    with repository.transaction() as tx:
        record(tx, principal, "catalog.publish", client_ip=client_ip(request))
    return PublishedCatalog(
        name=imported.catalog.name,
        version=imported.catalog.version,
        tests=len(imported.catalog.tests),
        replaced=imported.replaced,
        kb_version=kb.version,
    )


@router.get("/trials", response_model=list[Trial], responses=problem_responses(401))
def trials(settings: AppSettings, _caller: Caller) -> list[Trial]:
    """Clinical trials the matcher evaluates (imported CTML files and packaged ones)."""
    from integrome.knowledge.trials import trial_store

    return list(trial_store(load_knowledge_base(extra_dir=settings.kb_path)).trials)
