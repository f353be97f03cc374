"""Every user-facing failure in integrome is one of these classes.

    IntegromeError                      base; never raised directly
    ├── InputError                      a patient input cannot be used (file, location, expected)
    │   ├── FormatDetectionError        no known input format matches the content
    │   └── UnsupportedBuildError       the genome build is unknown or not supported
    ├── KnowledgeBaseError              a knowledge-base file or import is invalid
    ├── StorageError                    the database refused or lost an operation
    │   └── NotFoundError               an id does not exist
    ├── DeliveryError                   an output could not be written or rendered
    └── ConfigError                     a setting is missing or invalid

`cli/`, `api/` and `batch/` catch `IntegromeError` and show only its message (one line, exit 2 on
the CLI, a problem+json body over HTTP). Anything else is a bug and keeps its traceback. Lower
libraries' errors are wrapped where they enter (`raise InputError(...) from exc`).
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "DeliveryError",
    "FormatDetectionError",
    "InputError",
    "IntegromeError",
    "KnowledgeBaseError",
    "NotFoundError",
    "StorageError",
    "UnsupportedBuildError",
]


class IntegromeError(Exception):
    """Base of all errors meant for the user: the message alone must be enough to act on."""


class InputError(IntegromeError):
    """A patient input is unreadable or malformed.

    The message names the file, the place in it (line, record or JSON pointer) and what was
    expected, so the user can fix the input without a traceback.
    """

    def __init__(self, file: str | Path | None, location: str | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.location = location
        self.problem = problem
        where = self.file or "<input>"
        if location:
            where = f"{where}:{location}"
        super().__init__(f"{where}: {problem}")


class FormatDetectionError(InputError):
    """The content matches none of the supported input formats."""


class UnsupportedBuildError(InputError):
    """The genome build is unknown (no header hint and no --build) or not GRCh37/GRCh38."""


class KnowledgeBaseError(IntegromeError):
    """A knowledge-base data file, catalog or import source failed validation."""


class StorageError(IntegromeError):
    """The storage backend failed; the operation left nothing partial behind."""


class NotFoundError(StorageError):
    """The requested record does not exist (or is not visible to the caller)."""


class DeliveryError(IntegromeError):
    """A report or export could not be produced."""


class ConfigError(IntegromeError):
    """A setting is missing or invalid."""
