"""Plain-language pieces of an insight, as the insights stage exposes them.

The wording helpers live in `integrome.match.wording` so that matchers can phrase their insights
without importing this later stage (STYLE.md, folders follow the data flow).
"""

from integrome.match.wording import SUMMARY_LIMIT, clamp, describe_finding, regimen, sentence_case, unique

__all__ = ["SUMMARY_LIMIT", "clamp", "describe_finding", "regimen", "sentence_case", "unique"]
