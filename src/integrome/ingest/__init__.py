"""ingest stage: patient files → `PatientProfile` parts, one reader per input format.

`load_inputs` is the entry point for a set of files (format detected by content, parts merged);
the per-format readers are public for callers that already know what they hold (the API posts
FHIR JSON bodies to `read_fhir_data`). Heavy libraries (fhir.resources, pysam, the clinical-text
NLP pipeline) load only when a reader first needs them.
"""

from integrome.ingest._result import IngestResult, PatientFacts
from integrome.ingest.detect import FormatName, detect_format
from integrome.ingest.fhir import read_fhir, read_fhir_data
from integrome.ingest.load import IngestOptions, load_inputs, merge_results, read_input
from integrome.ingest.maf import read_maf
from integrome.ingest.notes import TextExtraction, extract_text, read_notes
from integrome.ingest.outside_calls import read_outside_calls
from integrome.ingest.phenopacket import read_phenopacket, read_phenopacket_data
from integrome.ingest.vcf import VcfOptions, read_vcf

__all__ = [
    "FormatName",
    "IngestOptions",
    "IngestResult",
    "PatientFacts",
    "TextExtraction",
    "VcfOptions",
    "detect_format",
    "extract_text",
    "load_inputs",
    "merge_results",
    "read_fhir",
    "read_fhir_data",
    "read_input",
    "read_maf",
    "read_notes",
    "read_outside_calls",
    "read_phenopacket",
    "read_phenopacket_data",
    "read_vcf",
]
