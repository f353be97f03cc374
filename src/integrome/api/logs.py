"""Structured JSON logs: one object per line on stderr, for log collectors.

What may be logged is decided where the log call is made: request method, route template, status,
duration, user name, role and pseudonymous ids. Patient content (names, record ids, birth dates,
variants, file names) and exception messages never are; `extra` fields outside `SAFE_FIELDS` are
dropped here as a second guard.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["SAFE_FIELDS", "JsonFormatter", "configure_logging"]

SAFE_FIELDS = frozenset(
    {
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "user",
        "role",
        "analysis_id",
        "job_id",
        "patient_id",
        "error_type",
        "where",
        "host",
        "port",
        "workers",
        "database",
    }
)


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...safe extras}`; tracebacks are reduced to the
    exception type so a message quoting patient data cannot reach the log."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in SAFE_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records through the JSON formatter (server processes only)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
