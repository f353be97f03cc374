"""Clinical notes: diagnoses, medications with status, and biomarker results stated in free text.

The text runs through a medspaCy pipeline (`_notes_pipeline`: clinical tokenizer, PyRuSH
sentences, TargetMatcher, ConText, Sectionizer) whose rules are generated from integrome's own
gene, drug and tumour vocabularies (`_notes_rules`). Only what is asserted about the patient is
kept: negated, hypothetical, uncertain and family-history mentions are not findings, and a
negated test result becomes a `NegativeFinding`. How each kind of statement is represented is
documented in `_notes_extract`.

`extract_text` is also used for free-text values inside structured inputs (a FHIR
Observation.valueString or DiagnosticReport.conclusion).
"""

from __future__ import annotations

from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._notes_extract import TextExtraction, extract_doc
from integrome.ingest._notes_io import read_utf8, text_document
from integrome.ingest._notes_pipeline import pipeline, pipeline_load_seconds
from integrome.ingest._result import IngestResult
from integrome.model import Source

__all__ = ["TextExtraction", "extract_text", "pipeline_load_seconds", "read_notes"]


def extract_text(text: str, *, source: Source, provenance: str) -> TextExtraction:
    """Diagnoses, medications and findings asserted in `text`.

    `provenance` names where the text came from ("notes.txt", "bundle.json#Observation/x");
    findings and warnings of a multi-line text add the line ("notes.txt:line 12").
    """
    if not text.strip():
        return TextExtraction()
    return extract_doc(pipeline()(text), source=source, provenance=provenance)


def read_notes(path: Path) -> IngestResult:
    """Read a UTF-8 clinical note. Empty or undecodable files raise `InputError`."""
    text, data = read_utf8(path)
    if not text.strip():
        raise InputError(path.name, None, "expected clinical note text, found an empty file")
    extraction = extract_text(text, source="notes", provenance=path.name)
    return IngestResult(
        document=text_document(path, data, "notes"),
        diagnoses=extraction.diagnoses,
        medications=extraction.medications,
        findings=extraction.findings,
        warnings=extraction.warnings,
    )
