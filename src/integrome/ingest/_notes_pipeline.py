"""The medspaCy pipeline for clinical notes, built once per process.

A blank English spaCy model (no statistical model, nothing downloaded) with medspaCy's clinical
tokenizer, the PyRuSH sentence splitter, the TargetMatcher, ConText and the Sectionizer, all fed
the rules of `_notes_rules`. Building it takes a few seconds (importing spaCy and compiling the
vocabulary patterns), so it is cached and `pipeline_load_seconds()` reports what the first call
cost.
"""

from __future__ import annotations

import time
import warnings
from functools import cache
from typing import TYPE_CHECKING

from integrome.ingest._notes_rules import context_rules, section_rules, target_rules

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["pipeline", "pipeline_load_seconds"]

_LOAD_SECONDS: list[float] = []


@cache
def pipeline() -> Language:
    """The notes pipeline: tokenizer → PyRuSH → TargetMatcher → ConText → Sectionizer."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        # medspaCy silences every Python warning process-wide when imported; keep that local. spaCy's
        # CLI helpers, imported with it, use a click API deprecated in click 8.2: not ours to act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        import medspacy
        from loguru import logger

    # PyRuSH logs every sentence split at DEBUG through loguru's default stderr sink.
    logger.disable("PyRuSH")
    nlp = medspacy.load(
        medspacy_enable=["medspacy_tokenizer", "medspacy_pyrush", "medspacy_target_matcher"],
        load_rules=False,
    )

    def tokenize(text: str) -> list[str]:
        return [token.text for token in nlp.tokenizer(text)]

    nlp.get_pipe("medspacy_target_matcher").add(target_rules(tokenize))
    context = nlp.add_pipe(
        "medspacy_context", config={"rules": None, "span_attrs": None, "prune_on_target_overlap": True}
    )
    context.add(context_rules(tokenize))
    sectionizer = nlp.add_pipe("medspacy_sectionizer", config={"rules": None, "span_attrs": None})
    sectionizer.add(section_rules(tokenize))
    _LOAD_SECONDS.append(time.perf_counter() - started)
    loaded: Language = nlp
    return loaded


def pipeline_load_seconds() -> float | None:
    """Seconds the first `pipeline()` call took in this process (None before it ran)."""
    return _LOAD_SECONDS[0] if _LOAD_SECONDS else None
