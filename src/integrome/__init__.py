"""integrome: one patient's scattered data in, cited and tiered insights out.

`analyze` is imported on first use: it pulls in every matcher, and the CLI's `--help` or a
storage-only caller should not pay for that (PERFORMANCE.md: start-up dominates small runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from integrome.errors import InputError, IntegromeError, KnowledgeBaseError
from integrome.model import Analysis, Insight, PatientProfile, PgxResult

if TYPE_CHECKING:
    from integrome.insights import analyze

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "InputError",
    "Insight",
    "IntegromeError",
    "KnowledgeBaseError",
    "PatientProfile",
    "PgxResult",
    "__version__",
    "analyze",
]


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from integrome.insights import analyze

        return analyze
    raise AttributeError(f"module 'integrome' has no attribute {name!r}")
