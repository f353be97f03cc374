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
the analysis id, and patient pseudonyms under their keyed hash (a key never changes patient). A
repeated call for a stored analysis costs one unit of work, group-committed with those of
concurrent calls: the token's `jti` claim, an index-only query for the patient's newest analysis
id (a newer analysis gives a new id, so nothing stale is served) and the audit row; no parsing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

from integrome.api.cds_security import REPLAYED, CdsCaller, CdsTokenVerifier
from integrome.api.jwt import TokenError
from integrome.api.service import patient_source_key
from integrome.deliver.cds_hooks import PREFETCH, CdsPatient, cds_patient
from integrome.errors import InputError
from integrome.model import Analysis, Medication, Patient, PatientProfile
from integrome.settings import CdsClient, Settings
from integrome.storage.base import AuditEvent, Repository, Transaction

if TYPE_CHECKING:
    import httpx

    from integrome.knowledge import KnowledgeBase

__all__ = [
    "CdsRuntime",
    "FhirAuthorization",
    "HookRequest",
    "PatientData",
    "PreconditionFailed",
    "TokenUse",
]

log = logging.getLogger("integrome.api")

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


@dataclass
class _Waiter:
    operation: Callable[[Transaction], Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    finished: bool = False
    result: Any = None
    error: BaseException | None = None


class _GroupCommit:
    """Group commit of small writes (audit rows, `jti` claims): a call returns only once its write
    is committed (no read goes unaudited, no token is accepted twice), and the writes of calls
    arriving meanwhile share one transaction.

    SQLite serializes commits, so one commit per call caps a server; with group commit the cap
    grows with the batch. The caller whose write opens an idle writer commits the batch; on
    finishing, it hands the writer to the first caller still waiting, whose write is in the next
    batch. A write that fails fails its whole batch (each write is a single statement that
    reports a conflict as a value, so only a database fault does that).
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._lock = threading.Lock()
        self._pending: list[_Waiter] = []
        self._writing = False

    def run(self, operation: Callable[[Transaction], V]) -> V:
        """`operation(tx)` committed, and its result."""
        waiter = _Waiter(operation)
        with self._lock:
            self._pending.append(waiter)
            if not self._writing:
                self._writing = waiter.lead = True
        while not waiter.finished:
            if not waiter.lead:
                waiter.done.wait()
                waiter.done.clear()
            if waiter.lead and not waiter.finished:
                self._commit_batch()
        if waiter.error is not None:
            raise waiter.error
        result: V = waiter.result
        return result

    def _commit_batch(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            with self.repository.transaction() as tx:
                for waiter in batch:
                    waiter.result = waiter.operation(tx)
        except Exception as exc:
            error = exc
        finally:
            with self._lock:
                for waiter in batch:
                    waiter.error = error
                    waiter.lead = False
                    waiter.finished = True
                    waiter.done.set()
                if self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False


class _DatabaseReplay:
    """`jti` replay protection in the database (`Transaction.claim_jti`), so it holds across all
    server processes sharing it; expired ids are purged about once a minute."""

    def __init__(self, writer: _GroupCommit, purge_interval: float = 60.0) -> None:
        self._writer = writer
        self._purge_interval = purge_interval
        self._last_purge = float("-inf")
        self._lock = threading.Lock()

    def claim(self, issuer: str, jti: str, *, until: float, now: float) -> bool:
        return self._writer.run(lambda tx: self.claim_in(tx, issuer, jti, until=until, now=now))

    def claim_in(self, tx: Transaction, issuer: str, jti: str, *, until: float, now: float) -> bool:
        """The claim as part of a caller's unit of work (the purge rides along when due)."""
        at = datetime.fromtimestamp(now, UTC)
        with self._lock:
            purge = now - self._last_purge >= self._purge_interval
            if purge:
                self._last_purge = now
        if purge:
            tx.purge_jti(at)
        return tx.claim_jti(issuer, jti, expires_at=datetime.fromtimestamp(until, UTC), now=at)


@dataclass(frozen=True)
class _Record:
    """The EHR's data for this call, read once per distinct content."""

    profile: PatientProfile | None
    patient_id: str | None
    """The record's own patient id (first identifier, else resource id), when a Patient came."""
    digest: str


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
        self._writer = _GroupCommit(repository)
        self._replay = _DatabaseReplay(self._writer)
        self.verifier = CdsTokenVerifier(settings.cds_clients, replay=self._replay)
        self._clock = clock
        self._kb: KnowledgeBase | None = None
        self._kb_lock = threading.Lock()
        self._analyses: _Lru[str, Analysis] = _Lru(64)
        self._records: _Lru[str, _Record] = _Lru(256)
        self._patients: _Lru[tuple[str, str, str], CdsPatient] = _Lru(1024)
        self._patient_ids: _Lru[str, str] = _Lru(4096)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base, loaded once (files are hashed on every `load_knowledge_base` call,
        which a per-call check cannot afford)."""
        with self._kb_lock:
            if self._kb is None:
                from integrome.knowledge import load_knowledge_base

                self._kb = load_knowledge_base(extra_dir=self.settings.kb_path)
            return self._kb

    # -- gathering --------------------------------------------------------------------------

    def claim(self, use: TokenUse) -> None:
        """Record the call's `jti` (once); `TokenError` when it was already used."""
        if use.claimed:
            return
        use.claimed = True
        if not self._writer.run(lambda tx: self._claim(tx, use.caller)):
            raise TokenError(REPLAYED)

    def _claim(self, tx: Transaction, caller: CdsCaller) -> bool:
        return self._replay.claim_in(tx, caller.issuer, caller.jti, until=caller.until, now=time.time())

    def patient_data(self, request: HookRequest, use: TokenUse, *, client_ip: str | None) -> PatientData:
        """Everything the cards need for this call (see the module docstring for the order)."""
        caller = use.caller
        context_id = request.patient_id()
        provided = self._provided(request, self.verifier.client(caller.issuer))
        record = self._record(provided)
        stored = self._stored(record, context_id, request, use, client_ip)
        if stored is None and "genomics" not in provided:
            raise PreconditionFailed(
                "no integrome analysis is stored for this patient and the request neither prefetched "
                "the genomics key nor allowed this service to read the FHIR server"
            )
        medications: list[Medication] | None = None
        if "medications" in provided:
            medications = list(record.profile.patient.medications) if record.profile is not None else []
        meds_key = _canonical([m.model_dump() for m in medications]) if medications is not None else "-"
        key = (stored or "-", record.digest, meds_key)
        patient = self._patients.get(key)
        if patient is None:
            patient = self._patients.put(key, self._build(stored, record, context_id, medications))
        return PatientData(patient=patient, patient_reference=f"Patient/{context_id}")

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

    def _stored(
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
        keys = [patient_source_key(self.pseudonym_key, i) for i in dict.fromkeys(ids)]
        caller = use.caller
        user = request.context.get("userId")
        actor = f"{caller.issuer}#{user}" if isinstance(user, str) and user else caller.issuer

        def work(tx: Transaction) -> tuple[bool, str | None]:
            if not self._claim(tx, caller):
                return False, None
            for key in keys:
                patient_id = self._patient_ids.get(key)
                if patient_id is None:
                    patient = tx.find_patient(key)
                    if patient is None:
                        continue
                    patient_id = self._patient_ids.put(key, patient.id)
                analysis_id = tx.latest_analysis_id(patient_id)
                if analysis_id is not None:
                    tx.append_audit(
                        AuditEvent(
                            actor=actor[:200],
                            role="cds-client",
                            action=f"cds.{request.hook}",
                            outcome="success",
                            patient_id=patient_id,
                            analysis_id=analysis_id,
                            client_ip=client_ip,
                        )
                    )
                    return True, analysis_id
            return True, None

        use.claimed = True
        fresh, analysis_id = self._writer.run(work)
        if not fresh:
            raise TokenError(REPLAYED)
        return analysis_id

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
