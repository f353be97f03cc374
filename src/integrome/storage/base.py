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
    "LAB_ID",
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
    "TokenSubject",
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


# --- access hardening: lab links and token revocation (begin) -----------------------------------

LAB_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"
"""A laboratory id: a catalog provider id (`Provider.id`, a lowercase slug), at most 100 characters."""


@dataclass(frozen=True)
class TokenSubject:
    """What a request with a locally issued token needs to know about its user, read at once."""

    user: UserRecord
    tokens_valid_after: datetime | None
    """Tokens issued before this time are refused; None = no revocation."""
    revoked: bool
    """The token id asked about was revoked (signed out)."""


# --- access hardening (end) -----------------------------------------------------------------------


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
class TokenId:
    """A JWT id (`iss`, `jti`) to remember until `expires_at`, to refuse its replay."""

    issuer: str
    jti: str
    expires_at: datetime


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

    # --- access hardening: lab links and token revocation (begin) -------------------------------
    @abstractmethod
    def set_user_active(self, name: str, active: bool) -> UserRecord:
        """Activate or deactivate a user. Deactivating also refuses every token issued so far (as
        `revoke_user_tokens` at the transaction's time), so activating again does not bring old
        tokens back. `NotFoundError` for an unknown name."""

    @abstractmethod
    def revoke_user_tokens(self, name: str, before: datetime) -> datetime:
        """Refuse the user's tokens issued before `before`; returns the cut-off now in force, which
        never moves back (an earlier `before` than the stored one changes nothing). `NotFoundError`
        for an unknown name."""

    @abstractmethod
    def revoke_token(self, jti: str, user_id: int, expires_at: datetime) -> None:
        """Refuse the token with this id until `expires_at` (sign-out); revoking it again is a
        no-op. `NotFoundError` for an unknown user id."""

    @abstractmethod
    def token_subject(self, name: str, jti: str) -> TokenSubject | None:
        """The user `name` with their token cut-off and whether token id `jti` is revoked, in one
        statement over two primary-key/unique lookups (run on every request); None when there is
        no such user."""

    @abstractmethod
    def purge_revoked_tokens(self, now: datetime) -> int:
        """Forget revoked token ids that expired before `now` (they are refused as expired);
        returns how many."""

    @abstractmethod
    def link_lab(self, name: str, lab_id: str) -> None:
        """Let lab user `name` publish the catalogs of laboratory `lab_id` (see `LAB_ID`); linking
        twice is a no-op. `NotFoundError` for an unknown user, `ConflictError` when the user's
        role is not lab, `StorageError` when `lab_id` does not match `LAB_ID` (callers check
        first, so users see their own message)."""

    @abstractmethod
    def unlink_lab(self, name: str, lab_id: str) -> bool:
        """Remove the link; False when there was none. `NotFoundError` for an unknown user."""

    @abstractmethod
    def user_labs(self, user_id: int) -> list[str]:
        """The laboratory ids the user is linked to, sorted; empty for an unknown id."""

    # --- access hardening (end) -----------------------------------------------------------------

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

    @abstractmethod
    def append_audits(self, events: Sequence[AuditEvent]) -> None:
        """Record many events in one statement (the audit rows of a group commit)."""

    # CDS Hooks token ids (replay protection across server processes)
    @abstractmethod
    def claim_jtis(self, tokens: Sequence[TokenId], *, now: datetime) -> list[bool]:
        """Record each token id until its `expires_at`, in one statement; per token False when it
        is a replay: recorded and not yet expired, or repeated earlier in `tokens`. An expired
        record of the same id is replaced."""

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
    def transaction(self, *, queued: bool = False) -> AbstractContextManager[Transaction]:
        """Commit when the block ends normally, roll back everything when it raises.

        `queued=True` is for a process's busy writer (the CDS Hooks group commit): where the
        database cannot let writers of several processes wait their turn without polling (an
        SQLite file: its busy handler sleeps 1, 2, 5, 10… ms between tries), such transactions
        queue on an operating-system lock instead, and each starts as soon as the last ends."""

    @abstractmethod
    def ping(self) -> None:
        """Return when the database answers a query; `StorageError` otherwise (readiness)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the repository is unusable afterwards."""
