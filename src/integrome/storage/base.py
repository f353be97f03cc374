"""The storage contract: what every backend does, stated once, tested once (tests/unit/storage/contract.py).

A `Repository` hands out `Transaction`s; the caller (API request, CLI command, job worker) owns
each one and keeps it short (SQLAlchemy, "When do I construct a Session"): everything done inside
`with repository.transaction() as tx:` is committed together when the block ends, and nothing of
it is kept when the block raises. So an analysis, its inputs' metadata and the audit row that
records its creation land together or not at all.

Errors: every failure is a `StorageError`; a missing id is `NotFoundError`; a duplicate unique
value (user name) is `ConflictError`. The audit log is append-only: the contract has no way to
change or delete an audit row, and the SQL schema rejects UPDATE and DELETE on it.

Patients are pseudonymous: the record's own patient id never reaches the database; a keyed
hash of it (`source_key`) finds the same patient again, and the stored demographics are sex and
birth year only. The full analysis document (which does hold the record's id and birth date) is
stored as the clinician's report; researcher views are built from the minimal columns.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from integrome.errors import StorageError

__all__ = [
    "ROLES",
    "AnalysisQuery",
    "AnalysisRecord",
    "AuditEvent",
    "AuditRecord",
    "CdsFeedback",
    "ConflictError",
    "DocumentMeta",
    "JobRecord",
    "JobStatus",
    "NewAnalysis",
    "Page",
    "PatientRecord",
    "Repository",
    "Role",
    "Transaction",
    "UserRecord",
]

Role = Literal["clinician", "lab", "researcher", "admin"]
ROLES: tuple[Role, ...] = ("clinician", "lab", "researcher", "admin")

JobStatus = Literal["queued", "running", "succeeded", "failed"]


class ConflictError(StorageError):
    """A unique value (user name) is already taken."""


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: Role
    password_hash: str | None
    """None for users who sign in through an external issuer only."""
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class PatientRecord:
    id: str
    """Pseudonym (`pt-` + 16 hex), the only patient id the API and audit log use."""
    sex: str
    birth_year: int | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class DocumentMeta:
    """One input file of an analysis: what it was, not what it said (the raw file is not kept)."""

    name: str
    format: str
    sha256: str
    size: int
    role: str = "unknown"
    blob: str | None = None
    """sha256 of the file as uploaded, its key in the raw-input store (`sha256` above is the
    reader's content hash, e.g. of a gzipped file's decompressed text); None = not kept."""


@dataclass(frozen=True)
class NewAnalysis:
    """What `add_analysis` stores in one transaction."""

    patient_source_key: str
    """Keyed hash of the record's patient id (see module docstring)."""
    sex: str
    birth_year: int | None
    kb_version: str
    analysis_json: str
    documents: Sequence[DocumentMeta]
    genes: Sequence[str]
    drugs: Sequence[str]
    created_by: int | None
    rerun_of: str | None = None
    options_json: str = "{}"
    """How the inputs were read (sample, build, role), so a re-run reads them the same way."""
    alias_source_keys: Sequence[str] = ()
    """Further keyed hashes naming the same patient (that of `Patient/<FHIR id>` when the record id
    is an MRN), so a caller knowing only the other id finds the patient too."""


@dataclass(frozen=True)
class AnalysisRecord:
    id: str
    patient_id: str
    kb_version: str
    created_by: int | None
    created_at: datetime
    rerun_of: str | None
    options_json: str
    analysis_json: str
    documents: tuple[DocumentMeta, ...]
    genes: tuple[str, ...]
    drugs: tuple[str, ...]


@dataclass(frozen=True)
class AnalysisQuery:
    """Filters of `list_analyses`; all given filters must hold. Newest first, then by id."""

    visible_to: int | None = None
    """A clinician's user id: only analyses they created, and those of patients they created or
    are assigned to. None = all."""
    patient_id: str | None = None
    gene: str | None = None
    drug: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class Page:
    items: tuple[AnalysisRecord, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class JobRecord:
    id: str
    status: JobStatus
    progress: int
    """Records read so far from the largest input (VCF/MAF scan), 0 before the scan starts."""
    message: str | None
    analysis_id: str | None
    created_by: int | None
    owner: str
    """The server process running it (`host:pid:boot`), to tell orphans after a restart."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AuditEvent:
    """Who did what to which patient, when, from where, and how it ended (append-only)."""

    actor: str
    role: str
    action: str
    outcome: Literal["success", "denied", "failed"]
    patient_id: str | None = None
    analysis_id: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    outcome: str
    patient_id: str | None
    analysis_id: str | None
    client_ip: str | None


@dataclass(frozen=True)
class CdsFeedback:
    """CDS Hooks 2.0 feedback on one card (spec section "Feedback")."""

    service_id: str
    card_id: str
    outcome: Literal["accepted", "overridden"]
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...] = ()
    override_reason: str | None = None
    override_comment: str | None = None
    client: str | None = field(default=None)
    """The EHR's `iss` (who sent the feedback)."""


class Transaction(ABC):
    """One unit of work; obtained from `Repository.transaction()`, never built directly."""

    # users
    @abstractmethod
    def add_user(self, name: str, role: Role, password_hash: str | None) -> UserRecord:
        """Create a user; `ConflictError` when the name is taken."""

    @abstractmethod
    def get_user(self, name: str) -> UserRecord:
        """The user called `name`; `NotFoundError` when there is none."""

    @abstractmethod
    def list_users(self) -> list[UserRecord]:
        """All users by name."""

    @abstractmethod
    def set_password(self, name: str, password_hash: str) -> None:
        """Replace a user's password hash; `NotFoundError` for an unknown name."""

    # patients
    @abstractmethod
    def get_patient(self, patient_id: str) -> PatientRecord:
        """The patient with this pseudonym; `NotFoundError` when there is none."""

    @abstractmethod
    def find_patient(self, source_key: str) -> PatientRecord | None:
        """The patient whose record id hashes to `source_key`, or None. CDS Hooks calls name the
        patient by the EHR's own id, never by our pseudonym, so this is how they find the analyses.
        An alias key stored with an analysis (`NewAnalysis.alias_source_keys`) finds the patient too."""

    @abstractmethod
    def assign_patient(self, patient_id: str, user_id: int) -> None:
        """Give a clinician access to a patient; assigning twice is a no-op. `NotFoundError` for
        an unknown patient or user."""

    @abstractmethod
    def can_see_patient(self, user_id: int, patient_id: str) -> bool:
        """True when the user created the patient or is assigned to them."""

    # analyses
    @abstractmethod
    def add_analysis(self, new: NewAnalysis) -> AnalysisRecord:
        """Store an analysis with its documents' metadata, creating the patient on first sight
        (matched by `patient_source_key`, `created_by` becomes the patient's creator). A later
        analysis of the same patient by someone else gives them no access to earlier ones: that
        takes an assignment. The new id is random."""

    @abstractmethod
    def get_analysis(self, analysis_id: str) -> AnalysisRecord:
        """`NotFoundError` when there is no analysis with this id."""

    @abstractmethod
    def list_analyses(self, query: AnalysisQuery) -> Page:
        """Analyses matching `query` (see `AnalysisQuery`), one page of them and the total."""

    @abstractmethod
    def latest_analysis_id(self, patient_id: str) -> str | None:
        """The id of the patient's newest analysis (same order as `list_analyses`), or None; an
        index-only query, so a caller holding a parsed analysis can check it is still the newest."""

    # background jobs
    @abstractmethod
    def add_job(self, owner: str, created_by: int | None) -> JobRecord:
        """A new job in status `queued`."""

    @abstractmethod
    def get_job(self, job_id: str) -> JobRecord:
        """`NotFoundError` when there is no job with this id."""

    @abstractmethod
    def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: int | None = None,
        message: str | None = None,
        analysis_id: str | None = None,
    ) -> JobRecord:
        """Change the given fields; a finished job (succeeded/failed) is never changed again:
        `StorageError` when asked to. `NotFoundError` for an unknown id."""

    @abstractmethod
    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs still queued or running, oldest first."""

    # audit log (append-only)
    @abstractmethod
    def append_audit(self, event: AuditEvent) -> AuditRecord:
        """Record one event; the row can never be changed or deleted afterwards."""

    @abstractmethod
    def list_audit(
        self, *, patient_id: str | None = None, actor: str | None = None, limit: int = 100
    ) -> list[AuditRecord]:
        """Newest first."""

    # CDS Hooks token ids (replay protection across server processes)
    @abstractmethod
    def claim_jti(self, issuer: str, jti: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record a token id until `expires_at`; False when it is already recorded and not yet
        expired (a replay). An expired record of the same id is replaced."""

    @abstractmethod
    def purge_jti(self, now: datetime) -> int:
        """Forget token ids expired before `now`; returns how many."""

    # CDS Hooks feedback
    @abstractmethod
    def add_cds_feedback(self, feedback: CdsFeedback) -> int:
        """Store one feedback entry; returns its id."""

    @abstractmethod
    def list_cds_feedback(self, service_id: str | None = None) -> list[CdsFeedback]:
        """Oldest first."""


class Repository(ABC):
    """A storage backend: hands out transactions and reports whether it is reachable."""

    url: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """Commit when the block ends normally, roll back everything when it raises."""

    @abstractmethod
    def ping(self) -> None:
        """Return when the database answers a query; `StorageError` otherwise (readiness)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the repository is unusable afterwards."""
