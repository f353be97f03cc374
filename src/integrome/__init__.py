"""integrome: one patient's scattered data in, cited and tiered insights out."""

from integrome.errors import InputError, IntegromeError, KnowledgeBaseError
from integrome.insights import analyze
from integrome.model import Analysis, Insight, PatientProfile, PgxResult

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
