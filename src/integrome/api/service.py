"""What the analysis endpoints and background jobs do, kept out of the routers.

The analysis itself is `pipeline.run_analysis` (the same code the CLI runs); this module only
adds what a server needs around it: the patient pseudonym, storing the analysis with its inputs'
metadata and raw files and the audit row in one transaction, re-runs, and views for each role.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from integrome.api.audit import record
from integrome.api.auth import Principal
from integrome.errors import ConfigError, NotFoundError, StorageError
from integrome.model import Analysis, Build, Origin
from integrome.settings import Settings
from integrome.storage.base import AnalysisRecord, DocumentMeta, NewAnalysis, Repository
from integrome.storage.blobs import BlobStore

__all__ = [
    "AnalysisChanges",
    "RunRequest",
    "age_band",
    "analysis_job",
    "analysis_terms",
    "changes_between",
    "load_pseudonym_key",
    "patient_source_key",
    "precheck",
    "rerun_analysis",
    "run_and_store",
]

_KEY_FILE = "pseudonym-key"


@dataclass(frozen=True)
class RunRequest:
    """Reading options a client may set (same meaning as `integrome analyze`)."""

    sample: str | None = None
    build: Build | None = None
    role: Origin = "unknown"


def load_pseudonym_key(settings: Settings) -> bytes:
    """`pseudonym_key`, or a random key kept in `data_dir/pseudonym-key` (created once, 0600)."""
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode()
        if len(key) < 32:
            raise ConfigError("INTEGROME_PSEUDONYM_KEY must be at least 32 bytes")
        return key
    path = settings.data_dir / _KEY_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def patient_source_key(key: bytes, record_patient_id: str) -> str:
    """HMAC-SHA256 of the record's patient id: finds the same patient again without storing the id
    (a plain hash of a medical record number could be reversed by trying all numbers)."""
    return hmac.new(key, record_patient_id.encode(), hashlib.sha256).hexdigest()


def analysis_terms(analysis: Analysis) -> tuple[list[str], list[str]]:
    """Genes and drugs the list filters match: those of findings, PGx results that were assessed,
    insights, and the patient's medications."""
    genes = {g for i in analysis.insights for g in i.genes}
    genes |= {p.gene for p in analysis.pgx if p.assessed}
    genes |= {gene for f in analysis.findings if isinstance(gene := getattr(f, "gene", None), str)}
    drugs = {d for i in analysis.insights for d in i.drugs} | {m.name for m in analysis.patient.medications}
    return sorted(genes), sorted(drugs)


def age_band(birth_year: int | None, on: date) -> str:
    """Ten-year band ('60-69'); 90 and older pooled ('90+', HIPAA Safe Harbor 164.514(b)(2)(i)(C))."""
    if birth_year is None:
        return "unknown"
    age = on.year - birth_year
    if age < 0:
        return "unknown"
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def _birth_year(analysis: Analysis) -> int | None:
    text = analysis.patient.birth_date
    return int(text[:4]) if text and text[:4].isdigit() else None


_SMALL_FORMATS = ("fhir", "phenopacket", "notes", "outside_calls")


def precheck(paths: Sequence[Path]) -> None:
    """Refuse unusable inputs before a background job is accepted, so the client gets the 422
    now instead of a failed job later: every file's format is detected, and the small
    structured ones (FHIR, phenopacket, notes, outside calls) are read in full. VCF and MAF files,
    the reason for background jobs, are only detected here and scanned by the job."""
    from integrome.ingest.detect import detect_format
    from integrome.ingest.load import IngestOptions, read_input

    for path in paths:
        if detect_format(path) in _SMALL_FORMATS:
            read_input(path, IngestOptions())


def _run(
    paths: Sequence[Path], run: RunRequest, settings: Settings, progress: Callable[[str, int], None] | None
) -> Analysis:
    from integrome.pipeline import RunOptions, run_analysis

    options = RunOptions(
        sample=run.sample,
        build=run.build,
        role=run.role,
        kb_dir=settings.kb_path,
        deterministic=settings.deterministic,
        progress=progress,
    )
    return run_analysis(paths, options=options)


def store(
    analysis: Analysis,
    paths: Sequence[Path],
    run: RunRequest,
    *,
    repository: Repository,
    blobs: BlobStore,
    pseudonym_key: bytes,
    principal: Principal,
    client_ip: str | None,
    rerun_of: str | None = None,
) -> AnalysisRecord:
    """Keep the raw inputs, then write analysis + documents + audit row in one transaction; when
    the transaction fails, the raw files this call added are removed again."""
    by_name = {path.name: path for path in paths}
    added: list[str] = []
    documents: list[DocumentMeta] = []
    try:
        for document in analysis.inputs:
            path = by_name.get(document.name)
            blob = _sha256(path) if path is not None else None
            if path is not None and blob is not None and blobs.put(path, blob):
                added.append(blob)
            documents.append(
                DocumentMeta(
                    name=document.name,
                    format=document.format,
                    sha256=document.sha256,
                    size=document.size,
                    role=document.role,
                    blob=blob,
                )
            )
        genes, drugs = analysis_terms(analysis)
        new = NewAnalysis(
            patient_source_key=patient_source_key(pseudonym_key, analysis.patient.id),
            alias_source_keys=tuple(
                patient_source_key(pseudonym_key, reference)
                for reference in (analysis.patient.record_reference,)
                if reference
            ),
            sex=analysis.patient.sex,
            birth_year=_birth_year(analysis),
            kb_version=analysis.kb_version,
            analysis_json=analysis.to_json(),
            documents=documents,
            genes=genes,
            drugs=drugs,
            created_by=principal.user_id,
            rerun_of=rerun_of,
            options_json=json.dumps(asdict(run), sort_keys=True),
        )
        with repository.transaction() as tx:
            stored = tx.add_analysis(new)
            action = "analysis.rerun" if rerun_of else "analysis.create"
            record(
                tx,
                principal,
                action,
                client_ip=client_ip,
                patient_id=stored.patient_id,
                analysis_id=stored.id,
            )
    except BaseException:
        for digest in added:
            blobs.remove(digest)
        raise
    return stored


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def run_and_store(
    paths: Sequence[Path],
    run: RunRequest,
    *,
    settings: Settings,
    repository: Repository,
    blobs: BlobStore,
    pseudonym_key: bytes,
    principal: Principal,
    client_ip: str | None,
    progress: Callable[[str, int], None] | None = None,
) -> AnalysisRecord:
    analysis = _run(paths, run, settings, progress)
    return store(
        analysis,
        paths,
        run,
        repository=repository,
        blobs=blobs,
        pseudonym_key=pseudonym_key,
        principal=principal,
        client_ip=client_ip,
    )


def analysis_job(
    paths: Sequence[Path],
    run: RunRequest,
    *,
    settings: Settings,
    repository: Repository,
    blobs: BlobStore,
    pseudonym_key: bytes,
    principal: Principal,
    client_ip: str | None,
) -> Callable[[Callable[[str, int], None]], str]:
    """The background work of one analysis (REST `?async=true` and web uploads): run it with the
    job's progress reporter, store it, and return the stored analysis id for the job record."""

    def work(progress: Callable[[str, int], None]) -> str:
        return run_and_store(
            paths,
            run,
            settings=settings,
            repository=repository,
            blobs=blobs,
            pseudonym_key=pseudonym_key,
            principal=principal,
            client_ip=client_ip,
            progress=progress,
        ).id

    return work


@dataclass(frozen=True)
class AnalysisChanges:
    """What a re-run changed, by insight (ids are derived from content, so equal ids = same insight)."""

    kb_version_before: str
    kb_version_after: str
    added: list[str]
    removed: list[str]


def changes_between(before: Analysis, after: Analysis) -> AnalysisChanges:
    old = {i.id: i.title for i in before.insights}
    new = {i.id: i.title for i in after.insights}
    return AnalysisChanges(
        kb_version_before=before.kb_version,
        kb_version_after=after.kb_version,
        added=sorted(new[i] for i in new.keys() - old.keys()),
        removed=sorted(old[i] for i in old.keys() - new.keys()),
    )


def rerun_analysis(
    original: AnalysisRecord,
    *,
    settings: Settings,
    repository: Repository,
    blobs: BlobStore,
    pseudonym_key: bytes,
    principal: Principal,
    client_ip: str | None,
) -> AnalysisRecord:
    """Analyze the stored raw inputs again with the current knowledge base, as a new analysis
    linked to the original (which is kept unchanged: a report once issued stays as issued)."""
    missing = [d.name for d in original.documents if d.blob is None or not blobs.exists(d.blob)]
    if missing:
        raise NotFoundError(f"the raw input {missing[0]} of analysis {original.id} is no longer stored")
    scratch = settings.data_dir / "uploads"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rerun-", dir=scratch) as folder:
        paths: list[Path] = []
        for position, document in enumerate(original.documents):
            target = Path(folder) / str(position) / Path(document.name).name
            target.parent.mkdir()
            try:
                os.link(blobs.path(document.blob or ""), target)
            except OSError as exc:
                raise StorageError(f"cannot read a stored input ({exc.strerror or exc})") from exc
            paths.append(target)
        analysis = _run(paths, RunRequest(**json.loads(original.options_json)), settings, None)
        return store(
            analysis,
            paths,
            RunRequest(**json.loads(original.options_json)),
            repository=repository,
            blobs=blobs,
            pseudonym_key=pseudonym_key,
            principal=principal,
            client_ip=client_ip,
            rerun_of=original.id,
        )
