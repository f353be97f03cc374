"""What a CDS Hooks call knows about its patient: prefetch, the EHR's FHIR server, stored analyses.

Sources, per CDS Hooks 2.0 "Providing FHIR Resources to a CDS Service":

1. `prefetch`: each key of our templates (`deliver.cds_hooks.PREFETCH`) the EHR answered. A key
   with value null means "no data" (the patient has no active medications, say); a missing key
   means "not provided".
2. The EHR's FHIR server, for keys it did not provide, when it sent `fhirServer` and
   `fhirAuthorization` and that server is one of the CDS client's registered `fhir_servers`
   (the bearer token is never sent anywhere else, redirects are not followed).
3. The patient's newest stored integrome analysis, found by the same keyed hash of the record's
   patient id that storing it used (the Patient's first identifier, else its resource id), or by
   the alias key of `Patient/<context.patientId>` stored beside an MRN's.

The stored analysis carries the genomic results; the EHR's data adds genotype results for genes
it did not assess and, when the medications key was answered, the current medication list. With
no stored analysis the EHR data is analyzed on its own. With neither, the service cannot know the
patient's results and answers 412 Precondition Failed, as the spec requires.

Parsed analyses, read EHR data and the per-patient card inputs are cached (bounded LRU) under
the analysis id. A repeated call for a stored analysis costs one unit of work, group-committed
with those of concurrent calls by `CdsWriter`: the token's `jti` claim, index-only queries for
the patient's newest analysis id (a newer analysis gives a new id, so nothing stale is served)
and the audit row; no parsing, and no thread hop but the writer's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from integrome.api.cds_security import CdsCaller, CdsTokenVerifier
from integrome.api.jwt import TokenError
from integrome.api.service import patient_source_key
from integrome.deliver.cds_hooks import PREFETCH, CdsPatient, cds_patient
from integrome.errors import InputError, StorageError
from integrome.model import Analysis, Medication, Patient, PatientProfile
from integrome.settings import CdsClient, Settings
from integrome.storage.base import AuditEvent, Repository, TokenId, Transaction

if TYPE_CHECKING:
    import httpx

    from integrome.knowledge import KnowledgeBase

__all__ = [
    "CdsRead",
    "CdsRuntime",
    "CdsWriter",
    "FhirAuthorization",
    "HookRequest",
    "PatientData",
    "PreconditionFailed",
    "ReadOutcome",
    "TokenUse",
]

log = logging.getLogger("integrome.api")

REPLAYED = "token rejected: this jti was already used (replay)"
_TOKEN = re.compile(r"\{\{context\.([A-Za-z0-9_]+)\}\}")
_RECORD_TYPES = frozenset({"Patient", "Condition", "MedicationRequest", "Observation"})
_MAX_PAGES = 10
_FETCH_TIMEOUT = 3.0

K = TypeVar("K")
V = TypeVar("V")


class FhirAuthorization(BaseModel):
    """CDS Hooks 2.0 "Passing the Access Token to the CDS Service"."""

    model_config = ConfigDict(extra="allow")

    access_token: str = Field(min_length=1)
    token_type: str
    expires_in: int
    scope: str
    subject: str


class HookRequest(BaseModel):
    """The body of a CDS Service call (spec "Calling a CDS Service", HTTP Request)."""

    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str = Field(min_length=1, max_length=200)
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_token(self) -> HookRequest:
        if self.fhirAuthorization is not None and not self.fhirServer:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self

    def patient_id(self) -> str:
        value = self.context.get("patientId")
        if not isinstance(value, str) or not value:
            raise InputError("request", "context.patientId", "expected the FHIR id of the patient in context")
        return value


class _FetchFailed(Exception):
    """One prefetch query against the FHIR server failed; the key counts as not provided."""


class PreconditionFailed(Exception):
    """The service could not obtain the data it needs (→ 412, spec "HTTP Status Codes")."""


class _Lru(Generic[K, V]):
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value


@dataclass(frozen=True)
class CdsRead:
    """One CDS service call's unit of work: claim its token id and, unless `keys` is empty, find
    the patient's newest stored analysis (keyed hashes tried in order) and audit the read."""

    token: TokenId
    keys: tuple[str, ...] = ()
    actor: str = ""
    action: str = ""
    client_ip: str | None = None


@dataclass(frozen=True)
class ReadOutcome:
    fresh: bool
    """False: the token id was already used (a replay); nothing was looked up or audited."""
    analysis_id: str | None = None


def _units(
    tx: Transaction, reads: Sequence[CdsRead], now: datetime, patients: _Lru[str, str]
) -> list[ReadOutcome]:
    """The batch's reads: token claims, then per read its patient's newest analysis and, when one
    is found, the audit row (a read of a patient without analysis reads nothing). `patients`
    caches keyed hash → patient id (a key never changes patient); the newest analysis is asked
    anew, once per patient and batch."""
    fresh = tx.claim_jtis([read.token for read in reads], now=now)
    newest: dict[str, str | None] = {}
    unknown: set[str] = set()
    outcomes: list[ReadOutcome] = []
    events: list[AuditEvent] = []
    for read, ok in zip(reads, fresh, strict=True):
        found: tuple[str, str] | None = None
        for key in read.keys if ok else ():
            patient = patients.get(key)
            if patient is None:
                record = tx.find_patient(key) if key not in unknown else None
                if record is None:
                    unknown.add(key)
                    continue
                patient = patients.put(key, record.id)
            if patient not in newest:
                newest[patient] = tx.latest_analysis_id(patient)
            analysis = newest[patient]
            if analysis is not None:
                found = (patient, analysis)
                break
        if found is not None:
            events.append(
                AuditEvent(
                    actor=read.actor,
                    role="cds-client",
                    action=read.action,
                    outcome="success",
                    patient_id=found[0],
                    analysis_id=found[1],
                    client_ip=read.client_ip,
                )
            )
        outcomes.append(ReadOutcome(fresh=ok, analysis_id=found[1] if found else None))
    tx.append_audits(events)
    return outcomes


class CdsWriter:
    """Group commit of CDS Hooks calls: one writer thread per process commits every call waiting
    as one batch, and a call returns only once its batch is committed (no read goes unaudited, no
    token serves twice).

    Why: each call must durably claim its `jti` and audit its read before answering. SQLite
    serializes commits and a commit per call (plus a thread hop per call) capped the service well
    below what its CPU allows; a batch costs a handful of statements and one commit however many
    calls it carries, and the event loop only awaits a future. A failing batch fails its calls;
    the writer goes on with the next. Expired token ids are purged about once a minute, inside a
    batch."""

    def __init__(
        self,
        repository: Repository,
        *,
        purge_interval: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repository = repository
        self._purge_interval = purge_interval
        self._clock = clock
        self._last_purge = float("-inf")
        self._ready = threading.Condition()
        self._pending: list[tuple[CdsRead, asyncio.Future[ReadOutcome]]] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        self._patients: _Lru[str, str] = _Lru(4096)
        self._turns: dict[asyncio.AbstractEventLoop, list[tuple[CdsRead, asyncio.Future[ReadOutcome]]]] = {}

    async def submit(self, read: CdsRead) -> ReadOutcome:
        """The read committed, and its outcome. Reads submitted during one turn of the event loop
        reach the writer together (`_hand_over` runs after the turn), so the writer is woken once
        per turn rather than once per call."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ReadOutcome] = loop.create_future()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = []
            loop.call_soon(self._hand_over, loop)
        turn.append((read, future))
        return await future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        turn = self._turns.pop(loop)
        with self._ready:
            if self._closed:
                _settle([(future, StorageError("the CDS Hooks writer is closed")) for _, future in turn])
                return
            self._pending.extend(turn)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="integrome-cds-writer", daemon=True)
                self._thread.start()
            self._ready.notify()

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            self._commit(batch)

    def _commit(self, batch: list[tuple[CdsRead, asyncio.Future[ReadOutcome]]]) -> None:
        now = self._clock()
        at = datetime.fromtimestamp(now, UTC)
        purge = now - self._last_purge >= self._purge_interval
        outcomes: list[ReadOutcome] | None = None
        error: BaseException | None = None
        try:
            with self.repository.transaction(queued=True) as tx:
                if purge:
                    tx.purge_jti(at)
                outcomes = _units(tx, [read for read, _ in batch], at, self._patients)
            if purge:
                self._last_purge = now
        except Exception as exc:
            error = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[ReadOutcome], Any]]] = {}
        for index, (_, future) in enumerate(batch):
            result = error if outcomes is None else outcomes[index]
            by_loop.setdefault(future.get_loop(), []).append((future, result))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:
                continue  # that event loop has closed: nobody awaits these calls any more


def _settle(settled: list[tuple[asyncio.Future[ReadOutcome], Any]]) -> None:
    for future, result in settled:
        if future.done():
            continue  # the call was cancelled (client gone); its read is committed all the same
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


@dataclass(frozen=True)
class _Record:
    """The EHR's data for this call, read once per distinct content."""

    profile: PatientProfile | None
    patient_id: str | None
    """The record's own patient id (first identifier, else resource id), when a Patient came."""
    digest: str


@dataclass(frozen=True)
class _EhrData:
    """What the EHR sent or let us read for this call."""

    record: _Record
    genomics: bool
    """The genomics key was answered (prefetch or FHIR server), even if with no data."""
    medications: list[Medication] | None
    """The current medication list when the medications key was answered, else None."""
    medications_key: str


_NO_EHR_DATA = _EhrData(_Record(profile=None, patient_id=None, digest="-"), False, None, "-")


def _token_id(caller: CdsCaller) -> TokenId:
    return TokenId(caller.issuer, caller.jti, datetime.fromtimestamp(caller.until, UTC))


@dataclass
class TokenUse:
    """A verified CDS service call whose `jti` is not yet claimed: the claim, the patient lookup and
    the audit row of the read run as one unit of work in one group commit. `claimed` once the
    claim ran; a call that fails earlier must still claim it (`CdsRuntime.claim`), so a token
    never serves twice."""

    caller: CdsCaller
    claimed: bool = False


@dataclass(frozen=True)
class PatientData:
    """What the cards are built from."""

    patient: CdsPatient
    patient_reference: str
    """`Patient/<id>` as the EHR names the patient, for the resources suggestions create."""


def _canonical(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CdsRuntime:
    """Per-app CDS Hooks state: token verifier, knowledge base, audit writer and caches."""

    def __init__(
        self,
        settings: Settings,
        repository: Repository,
        pseudonym_key: bytes,
        *,
        clock: Callable[[], str] = _now,
    ) -> None:
        self.settings = settings
        self.repository = repository
        self.pseudonym_key = pseudonym_key
        self._writer = CdsWriter(repository)
        self.verifier = CdsTokenVerifier(settings.cds_clients)
        self._clock = clock
        self._kb: KnowledgeBase | None = None
        self._kb_lock = threading.Lock()
        self._analyses: _Lru[str, Analysis] = _Lru(64)
        self._records: _Lru[str, _Record] = _Lru(256)
        self._patients: _Lru[tuple[str, str, str], CdsPatient] = _Lru(1024)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base, loaded once (files are hashed on every `load_knowledge_base` call,
        which a per-call check cannot afford)."""
        with self._kb_lock:
            if self._kb is None:
                from integrome.knowledge import load_knowledge_base

                self._kb = load_knowledge_base(extra_dir=self.settings.kb_path)
            return self._kb

    def warm(self) -> None:
        """Load the knowledge base and its PGx tables now (about 0.4 s), not in the first call,
        which every call arriving meanwhile would queue behind."""
        _ = self.kb.pgx

    # -- gathering --------------------------------------------------------------------------

    def close(self) -> None:
        """Commit what the writer holds and stop it (app shutdown)."""
        self._writer.close()

    async def claim(self, use: TokenUse) -> None:
        """Record the call's `jti` (once); `TokenError` when it was already used."""
        if use.claimed:
            return
        use.claimed = True
        if not (await self._writer.submit(CdsRead(_token_id(use.caller)))).fresh:
            raise TokenError(REPLAYED)

    async def patient_data(
        self, request: HookRequest, use: TokenUse, *, client_ip: str | None
    ) -> PatientData:
        """Everything the cards need for this call (see the module docstring for the order).

        A call that brings no EHR data runs on the event loop but for its group commit; reading
        the EHR's data (prefetch, FHIR server) and building a patient not yet cached run in the
        thread pool."""
        context_id = request.patient_id()
        if request.prefetch or request.fhirAuthorization is not None:
            client = self.verifier.client(use.caller.issuer)
            ehr = await run_in_threadpool(self._ehr, request, client)
        else:
            ehr = _NO_EHR_DATA
        stored = await self._stored(ehr.record, context_id, request, use, client_ip)
        if stored is None and not ehr.genomics:
            raise PreconditionFailed(
                "no integrome analysis is stored for this patient and the request neither prefetched "
                "the genomics key nor allowed this service to read the FHIR server"
            )
        key = (stored or "-", ehr.record.digest, ehr.medications_key)
        patient = self._patients.get(key)
        if patient is None:
            built = await run_in_threadpool(self._build, stored, ehr.record, context_id, ehr.medications)
            patient = self._patients.put(key, built)
        return PatientData(patient=patient, patient_reference=f"Patient/{context_id}")

    def _ehr(self, request: HookRequest, client: CdsClient) -> _EhrData:
        provided = self._provided(request, client)
        record = self._record(provided)
        medications: list[Medication] | None = None
        if "medications" in provided:
            medications = list(record.profile.patient.medications) if record.profile is not None else []
        return _EhrData(
            record=record,
            genomics="genomics" in provided,
            medications=medications,
            medications_key=_canonical([m.model_dump() for m in medications])
            if medications is not None
            else "-",
        )

    def _build(
        self,
        stored: str | None,
        record: _Record,
        context_id: str,
        medications: list[Medication] | None,
    ) -> CdsPatient:
        if stored is not None:
            analysis = self._analysis(stored)
            basis = (
                f"integrome analysis {stored} of {analysis.generated_at[:10]} "
                f"(knowledge base {analysis.kb_version})"
            )
        elif record.profile is not None:
            from integrome.insights import analyze

            analysis = analyze(record.profile, self.kb, generated_at=self._clock())
            basis = f"the EHR record as sent with this request (knowledge base {analysis.kb_version})"
        else:
            analysis = Analysis(
                kb_version=self.kb.version, generated_at=self._clock(), patient=Patient(id=context_id)
            )
            basis = "no genomic data on file"
        return cds_patient(analysis, self.kb, basis=basis, record=record.profile, medications=medications)

    def _analysis(self, analysis_id: str) -> Analysis:
        """The parsed analysis; the row is read and parsed only when it is not cached (an analysis
        never changes once stored)."""
        analysis = self._analyses.get(analysis_id)
        if analysis is None:
            with self.repository.transaction() as tx:
                stored = tx.get_analysis(analysis_id)
            analysis = self._analyses.put(analysis_id, Analysis.model_validate_json(stored.analysis_json))
        return analysis

    def _provided(self, request: HookRequest, client: CdsClient) -> dict[str, Any]:
        """Prefetch values per key (None = answered with no data), completed from the FHIR server."""
        provided: dict[str, Any] = {}
        for key, value in (request.prefetch or {}).items():
            if key not in PREFETCH:
                continue
            if value is not None and not (
                isinstance(value, dict) and isinstance(value.get("resourceType"), str)
            ):
                raise InputError("request", f"prefetch.{key}", "expected a FHIR resource or null")
            provided[key] = value
        missing = [key for key in PREFETCH if key not in provided]
        server = request.fhirServer
        authorization = request.fhirAuthorization
        if missing and server and authorization is not None and _allowed(server, client):
            for key in missing:
                query = _query(PREFETCH[key], request.context)
                if query is None:
                    continue
                try:
                    provided[key] = self._fetch(server, authorization, query)
                except _FetchFailed as exc:
                    log.warning(
                        "cds prefetch from the FHIR server failed", extra={"key": key, "reason": str(exc)}
                    )
        return provided

    def _record(self, provided: Mapping[str, Any]) -> _Record:
        resources: list[dict[str, Any]] = []
        for value in provided.values():
            if value is None:
                continue
            if value.get("resourceType") == "Bundle":
                for entry in value.get("entry") or []:
                    resource = entry.get("resource") if isinstance(entry, dict) else None
                    if isinstance(resource, dict) and resource.get("resourceType") in _RECORD_TYPES:
                        resources.append(resource)
            elif value.get("resourceType") in _RECORD_TYPES:
                resources.append(value)
        if not resources:
            return _Record(profile=None, patient_id=None, digest="-")
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
        digest = _canonical(bundle)
        cached = self._records.get(digest)
        if cached is not None:
            return cached
        from integrome.ingest.fhir import read_fhir_data
        from integrome.ingest.load import merge_results

        result = read_fhir_data(bundle, name="prefetch")
        return self._records.put(
            digest, _Record(profile=merge_results([result]), patient_id=result.patient.id, digest=digest)
        )

    async def _stored(
        self,
        record: _Record,
        context_id: str,
        request: HookRequest,
        use: TokenUse,
        client_ip: str | None,
    ) -> str | None:
        """The id of the patient's newest stored analysis, in one unit of work with the token's
        `jti` claim and the audit row of the read (committed before anything is used).

        Tried in order: the record's patient id, the context's, `Patient/<context id>`."""
        ids = [i for i in (record.patient_id, context_id) if i]
        ids.append(f"Patient/{context_id}")
        caller = use.caller
        user = request.context.get("userId")
        actor = f"{caller.issuer}#{user}" if isinstance(user, str) and user else caller.issuer
        read = CdsRead(
            token=_token_id(caller),
            keys=tuple(patient_source_key(self.pseudonym_key, i) for i in dict.fromkeys(ids)),
            actor=actor[:200],
            action=f"cds.{request.hook}",
            client_ip=client_ip,
        )
        use.claimed = True
        outcome = await self._writer.submit(read)
        if not outcome.fresh:
            raise TokenError(REPLAYED)
        return outcome.analysis_id

    # -- FHIR server ------------------------------------------------------------------------

    def _fetch(self, server: str, authorization: FhirAuthorization, query: str) -> Any:
        """One prefetch query against the EHR's FHIR server; search results are paged through
        (same server only). A read that finds nothing is `None`, as in a prefetch."""
        import httpx

        if authorization.token_type.lower() != "bearer":
            raise _FetchFailed("fhirAuthorization.token_type is not Bearer")
        base = server.rstrip("/")
        headers = {"Authorization": f"Bearer {authorization.access_token}", "Accept": "application/fhir+json"}
        url = f"{base}/{query}"
        try:
            with httpx.Client(timeout=_FETCH_TIMEOUT, follow_redirects=False) as client:
                return _pages(client, url, headers, base, single="?" not in query)
        except (httpx.HTTPError, ValueError) as exc:
            raise _FetchFailed(type(exc).__name__) from exc


def _pages(client: httpx.Client, url: str, headers: dict[str, str], base: str, *, single: bool) -> Any:
    result: dict[str, Any] | None = None
    next_url: str | None = url
    for _ in range(_MAX_PAGES):
        if next_url is None:
            break
        response = client.get(next_url, headers=headers)
        if response.status_code == 404 and single:
            return None
        response.raise_for_status()
        page = response.json()
        if not isinstance(page, dict) or not isinstance(page.get("resourceType"), str):
            raise _FetchFailed("the answer is not a FHIR resource")
        if page["resourceType"] != "Bundle":
            return page
        if result is None:
            result = page
        else:
            result.setdefault("entry", []).extend(page.get("entry") or [])
        next_url = _next_link(page, base)
    return result


def _allowed(server: str, client: CdsClient) -> bool:
    base = server.rstrip("/")
    return any(base == allowed.rstrip("/") for allowed in client.fhir_servers)


def _query(template: str, context: Mapping[str, Any]) -> str | None:
    """The template with its `{{context.x}}` tokens filled; None when a token has no value."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(match.group(1))
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            missing = True
            return ""
        return quote(str(value), safe="")

    query = _TOKEN.sub(fill, template)
    return None if missing else query


def _next_link(page: Mapping[str, Any], base: str) -> str | None:
    for link in page.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            url: str = link["url"]
            return url if url.startswith(f"{base}/") else None
    return None
