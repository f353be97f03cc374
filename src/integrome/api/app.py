"""The FastAPI application: `create_app(settings)` builds one, wired to its own database.

Tests and `integrome serve` build the app the same way; nothing is global, so two apps with
two databases can live in one process. Routers are included here and hold no wiring of their
own: another feature (CDS Hooks, web pages) adds its router with one `include_router` line and
takes settings, repository and caller from `api.dependencies`.
"""

from __future__ import annotations

import gc
import itertools
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrome import __version__
from integrome.api.auth import Authenticator
from integrome.api.jobs import JobRunner
from integrome.api.logs import configure_logging
from integrome.api.problems import install_problem_handlers
from integrome.api.routers import analyses, auth, cds_hooks, cohort, health, jobs, kb, patients, web
from integrome.api.service import load_pseudonym_key
from integrome.api.uploads import remove_stale
from integrome.settings import Settings
from integrome.storage import create_repository
from integrome.storage.blobs import BlobStore

__all__ = ["CdsCors", "RequestLog", "create_app", "create_app_from_env", "warm_up"]

log = logging.getLogger("integrome.api")


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """A ready app: database opened (and migrated unless `migrate=False`), signing key loaded,
    background job pool started. Its lifespan fails orphaned jobs and removes stale upload
    scratch folders at start-up, and stops the pool at shutdown."""
    settings = settings or Settings()
    if settings.kb_path is not None:
        settings.kb_path.mkdir(parents=True, exist_ok=True)
    repository = create_repository(settings.resolved_database_url(), migrate=migrate)
    runner = JobRunner(repository, settings.job_workers)

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        runner.recover_orphans()
        remove_stale(settings.data_dir / "uploads", time.time())
        try:
            yield
        finally:
            runner.shutdown()
            cds = getattr(served.state, "cds", None)
            if cds is not None:
                cds.close()
            repository.close()

    app = FastAPI(
        title="integrome",
        version=__version__,
        summary="Evidence-graded, cited decision support from one patient's scattered data.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.repository = repository
    app.state.authenticator = Authenticator(settings, repository)
    app.state.jobs = runner
    app.state.blobs = BlobStore(settings.data_dir / "inputs")
    app.state.pseudonym_key = load_pseudonym_key(settings)
    install_problem_handlers(app)
    app.add_middleware(RequestLog)
    if settings.cors_origins:
        app.add_middleware(CdsCors, origins=settings.cors_origins)
    # Routes are matched in order: the CDS Hooks services, the latency-bound ones, come first.
    for module in (cds_hooks, health, auth, analyses, jobs, patients, cohort, kb, web):
        app.include_router(module.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` worker processes: settings from the environment; the
    schema was migrated once by `integrome serve` before the workers started."""
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings, migrate=False)
    warm_up(app)
    return app


def warm_up(app: FastAPI) -> None:
    """Prepare a server process before it takes traffic: with CDS clients configured, load what
    the services answer from (the first EHR call would otherwise wait for it, and every call
    behind it), then exclude everything loaded so far from the cyclic garbage collector's scans
    (`gc.freeze`): the knowledge base is long-lived, and walking it in a full collection paused
    every call in flight."""
    if app.state.settings.cds_clients:
        cds_hooks.cds_runtime(app).warm()
    gc.collect()
    gc.freeze()


class CdsCors:
    """CORS (Starlette's middleware) for the CDS Hooks paths only: browser-based CDS clients such as
    the CDS Hooks sandbox call them from another origin with a bearer JWT (no cookies, so no
    credentials mode); the rest of the API keeps the browser's same-origin rule."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/cds-services" or path.startswith("/cds-services/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class RequestLog:
    """One JSON log line per request: method, route template (never the raw path or query, which
    may carry identifiers), status, duration and a request id echoed in `X-Request-ID`.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs the rest
    of the app in a task group and streams the response through memory channels, which cost more
    CPU per call than a CDS Hooks answer from a stored analysis."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._prefix = secrets.token_hex(8)
        """Request ids are this process's random prefix and a counter: unique across processes and
        restarts without a system call per request (uuid4 reads the OS random source each time)."""
        self._counter = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"{self._prefix}{next(self._counter):08x}"
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                route = scope.get("route")
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": getattr(route, "path", "unmatched"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
