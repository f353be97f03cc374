"""Background analyses: a thread pool owned by the app, job state in the database.

Long VCF scans must not hold an HTTP request open (issue 7), and no broker is needed for one
server: each process runs its jobs in its own threads and writes status and progress to the
`jobs` table, so any worker process answers `GET /api/v1/jobs/{id}`. A job records its owner
(`host:pid:boot`); when a process starts it marks as failed the unfinished jobs of owners on this
host that are gone, so a restart shows lost jobs as failed instead of 'running' forever.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from integrome.errors import IntegromeError
from integrome.storage.base import JobRecord, JobStatus, Repository

__all__ = ["JobRunner", "JobWork", "ProgressReporter"]

log = logging.getLogger("integrome.api.jobs")

ProgressReporter = Callable[[str, int], None]
"""(file name, records read): the pipeline's progress callback."""
JobWork = Callable[[ProgressReporter], str]
"""The work of one job: given a progress reporter, returns the id of the stored analysis."""

_PROGRESS_INTERVAL = 0.5
"""Seconds between progress writes, so a fast scan does not turn into a stream of UPDATEs."""
LOST_MESSAGE = "the server stopped before the job finished; submit the analysis again"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobRunner:
    def __init__(self, repository: Repository, workers: int) -> None:
        self.repository = repository
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="integrome-job")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def create(self, created_by: int | None) -> JobRecord:
        with self.repository.transaction() as tx:
            return tx.add_job(self.owner, created_by)

    def submit(self, job_id: str, work: JobWork, cleanup: Callable[[], None]) -> None:
        """Run `work` in the pool; `cleanup` (removing the upload's temp files) runs in every case."""
        future = self._pool.submit(self._run, job_id, work, cleanup)
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda done: self._done(job_id, done, cleanup))

    def _done(self, job_id: str, future: Future[None], cleanup: Callable[[], None]) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
        if future.cancelled():
            cleanup()

    def _run(self, job_id: str, work: JobWork, cleanup: Callable[[], None]) -> None:
        try:
            self._set(job_id, status="running")
            analysis_id = work(self._reporter(job_id))
            self._set(job_id, status="succeeded", analysis_id=analysis_id)
        except IntegromeError as exc:
            self._set(job_id, status="failed", message=" ".join(str(exc).split()))
        except Exception as exc:
            log.error("background job failed", extra={"job_id": job_id, "error_type": type(exc).__name__})
            self._set(job_id, status="failed", message="internal error; see the server log")
        finally:
            cleanup()

    def _set(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: int | None = None,
        message: str | None = None,
        analysis_id: str | None = None,
    ) -> None:
        with self.repository.transaction() as tx:
            tx.update_job(job_id, status=status, progress=progress, message=message, analysis_id=analysis_id)

    def _reporter(self, job_id: str) -> ProgressReporter:
        last = 0.0
        records_by_file: dict[str, int] = {}

        def report(name: str, records: int) -> None:
            nonlocal last
            records_by_file[name] = records
            now = time.monotonic()
            if now - last >= _PROGRESS_INTERVAL:
                last = now
                self._set(job_id, progress=sum(records_by_file.values()))

        return report

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job's work is done, when this process runs it (else return at once)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.exception(timeout=timeout)

    def recover_orphans(self) -> int:
        """Mark as failed the unfinished jobs whose process on this host is gone; returns how many."""
        failed = 0
        with self.repository.transaction() as tx:
            for job in tx.unfinished_jobs():
                if job.owner == self.owner or not self._orphaned(job.owner):
                    continue
                tx.update_job(job.id, status="failed", message=LOST_MESSAGE)
                failed += 1
        return failed

    def _orphaned(self, owner: str) -> bool:
        host, _, rest = owner.partition(":")
        pid_text, _, _boot = rest.partition(":")
        if host != self.host or not pid_text.isdigit():
            return False
        pid = int(pid_text)
        return pid == os.getpid() or not _process_alive(pid)

    def shutdown(self) -> None:
        """Finish running jobs; jobs still queued are failed honestly rather than left queued."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self.repository.transaction() as tx:
            for job in tx.unfinished_jobs():
                if job.owner == self.owner:
                    tx.update_job(job.id, status="failed", message=LOST_MESSAGE)
