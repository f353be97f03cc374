"""Clinical notes: the public API, the acceptance notes, diagnoses and provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest._notes_pipeline import pipeline
from integrome.ingest.notes import TextExtraction, extract_text, pipeline_load_seconds, read_notes


@pytest.fixture(scope="session", autouse=True)
def notes_pipeline() -> None:
    """The medspaCy pipeline is built once per test session (a few seconds); every test reuses it."""
    pipeline()


def _notes(text: str) -> TextExtraction:
    return extract_text(text, source="notes", provenance="note.txt")


def _diagnoses(text: str) -> list[tuple[str, str | None]]:
    return [(d.code, d.oncotree) for d in _notes(text).diagnoses]


class TestAcceptanceNotes:
    @pytest.mark.shared
    def test_gist_note_gives_gist_diagnosis_and_active_imatinib(self, shared_acceptance: Path) -> None:
        result = read_notes(shared_acceptance / "cases/03-gist-kit-d816v-imatinib-resistance/notes.txt")
        assert [(d.system, d.display, d.oncotree, d.source) for d in result.diagnoses] == [
            ("text", "gastric GIST", "GIST", "notes")
        ]
        assert [(m.name, m.rxnorm, m.status, m.source) for m in result.medications] == [
            ("imatinib", "282388", "active", "notes")
        ]
        assert result.findings == []
        assert result.document.format == "notes"
        assert result.document.name == "notes.txt"

    @pytest.mark.shared
    def test_depression_note_gives_mdd_and_active_escitalopram(self, shared_acceptance: Path) -> None:
        result = read_notes(shared_acceptance / "cases/04-depression-escitalopram-cyp2c19-um/notes.txt")
        assert [(d.code, d.oncotree) for d in result.diagnoses] == [("major depressive disorder", None)]
        assert [(m.name, m.status) for m in result.medications] == [("escitalopram", "active")]
        assert result.warnings == []

    def test_kras_detected_with_nras_and_braf_wild_type(self) -> None:
        result = extract_text(
            "KRAS exon 2 p.G12D detected; NRAS and BRAF wild type", source="fhir", provenance="b.json#Obs/1"
        )
        variant, nras, braf = result.findings
        assert (variant.kind, variant.gene, variant.hgvs_p, variant.exon) == (
            "variant",
            "KRAS",
            "p.Gly12Asp",
            2,
        )
        assert [(f.kind, f.gene, f.alteration) for f in (nras, braf)] == [
            ("negative", "NRAS", "mutation"),
            ("negative", "BRAF", "mutation"),
        ]
        assert {f.source for f in result.findings} == {"fhir"}
        assert {f.provenance for f in result.findings} == {"b.json#Obs/1"}

    def test_intact_mmr_proteins_mean_mmr_proficient(self) -> None:
        result = _notes("Intact nuclear expression of MLH1, PMS2, MSH2 and MSH6 (MMR proficient)")
        assert [(f.biomarker, f.value, f.status, f.method) for f in result.findings] == [
            ("MMR", "proficient", "negative", "IHC")
        ]


class TestDiagnoses:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("58-year-old man with a 9 cm gastric GIST.", [("gastric gist", "GIST")]),
            ("Stage IVB lung adenocarcinoma.", [("lung adenocarcinoma", "LUAD")]),
            ("Metastatic right-sided colon cancer.", [("colon cancer", "COADREAD")]),
            ("Recurrent major depressive disorder, moderate.", [("major depressive disorder", None)]),
            ("HIV-1 infection, treatment naive.", [("hiv-1 infection", None)]),
            ("Known metastatic NSCLC.", [("nsclc", "NSCLC")]),
            ("History of breast cancer in 2015.", [("breast cancer", "BREAST")]),
            (
                "Stage IVB adenocarcinoma of the right upper lobe.",
                [("adenocarcinoma of the right upper lobe", "LUAD")],
            ),
        ],
    )
    def test_patient_diagnosis_is_normalized_text_with_oncotree(
        self, text: str, expected: list[tuple[str, str | None]]
    ) -> None:
        assert _diagnoses(text) == expected

    def test_display_keeps_the_wording_and_code_drops_extent(self) -> None:
        (diagnosis,) = _notes("Patient with metastatic right-sided colon cancer.").diagnoses
        assert diagnosis.display == "metastatic right-sided colon cancer"
        assert diagnosis.code == "colon cancer"
        assert diagnosis.system == "text"

    @pytest.mark.parametrize(
        "text",
        [
            "Her mother had breast cancer.",
            "Family history: sister with ovarian cancer.",
            "Breast cancer in her maternal aunt.",
            "No history of HIV.",
            "No hepatic or renal disease.",
            "Possible recurrence of lung cancer.",
            "Rule out colon cancer.",
            "If lung cancer is confirmed, refer to thoracic oncology.",
            "Review at the sarcoma tumor board.",
            "SARCOMA CLINIC - FOLLOW-UP VISIT",
            "Colon cancer screening is up to date.",
            "HIV negative.",
            "Atrial fibrillation: none.",
        ],
    )
    def test_statement_that_is_not_the_patients_diagnosis_gives_none(self, text: str) -> None:
        assert _diagnoses(text) == []

    def test_family_history_does_not_hide_the_patients_own_diagnosis(self) -> None:
        assert _diagnoses("Mother had breast cancer; the patient has lung adenocarcinoma.") == [
            ("lung adenocarcinoma", "LUAD")
        ]

    def test_repeated_diagnosis_is_listed_once(self) -> None:
        assert _diagnoses("Lung adenocarcinoma. Plan for lung adenocarcinoma: osimertinib.") == [
            ("lung adenocarcinoma", "LUAD")
        ]


class TestProvenanceAndFiles:
    def test_multiline_text_findings_name_their_line(self) -> None:
        result = extract_text("Molecular:\n\nEGFR L858R detected.", source="notes", provenance="n.txt")
        assert [f.provenance for f in result.findings] == ["n.txt:line 3"]

    def test_finding_ids_are_provisional_and_unique(self) -> None:
        result = _notes("KRAS G12C. TP53 R273H. STK11 loss.")
        assert [f.id for f in result.findings] == ["notes-1", "notes-2"]

    def test_empty_text_extracts_nothing(self) -> None:
        assert extract_text("  \n", source="notes", provenance="x") == TextExtraction()

    def test_read_notes_of_empty_file_raises_input_error(self, tmp_path: Path) -> None:
        path = tmp_path / "note.txt"
        path.write_text("\n \n", encoding="utf-8")
        with pytest.raises(InputError, match=r"^note.txt: expected clinical note text, found an empty file$"):
            read_notes(path)

    def test_read_notes_of_non_utf8_bytes_names_line_and_offset(self, tmp_path: Path) -> None:
        path = tmp_path / "note.txt"
        path.write_bytes("Plan:\ncontinue imatinib, caf\xe9".encode("latin-1"))
        with pytest.raises(
            InputError, match=r"^note.txt:line 2: expected UTF-8 text, found byte 0xe9 at byte offset"
        ):
            read_notes(path)

    def test_read_notes_accepts_a_byte_order_mark(self, tmp_path: Path) -> None:
        path = tmp_path / "note.txt"
        path.write_text("\ufeffContinue imatinib 400 mg daily.", encoding="utf-8")
        assert [(m.name, m.status) for m in read_notes(path).medications] == [("imatinib", "active")]

    def test_pipeline_load_time_is_recorded_once_built(self) -> None:
        seconds = pipeline_load_seconds()
        assert seconds is not None
        assert 0 < seconds < 60


_THORACIC_NOTE = """THORACIC ONCOLOGY - FOLLOW-UP
Date: 2025-02-27

41-year-old woman, never smoker, with stage IVB lung adenocarcinoma (liver and bone metastases).
Her father had colon cancer. No systemic therapy given so far.

Molecular results:
- DNA panel: TP53 missense only; EGFR, KRAS, BRAF, ERBB2, MET negative.
- RNA fusion panel: EML4-ALK fusion detected (EML4 exon 13 :: ALK exon 20). No ROS1, RET or NTRK fusion.
- PD-L1 TPS 5%.

Medications: atorvastatin 20 mg daily
Allergies: penicillin

Assessment: ALK-rearranged metastatic NSCLC, treatment-naive.
Plan: start alectinib 600 mg twice daily; restage in 8 weeks.
"""


def test_structured_clinic_note_gives_diagnoses_medications_and_findings() -> None:
    result = _notes(_THORACIC_NOTE)
    assert [(d.code, d.oncotree) for d in result.diagnoses] == [
        ("lung adenocarcinoma", "LUAD"),
        ("nsclc", "NSCLC"),
    ]
    assert [(m.name, m.status, m.text) for m in result.medications] == [
        ("atorvastatin", "active", "atorvastatin 20 mg daily"),
        ("alectinib", "planned", "alectinib 600 mg twice daily"),
    ]
    summary = [(f.kind, f.gene, getattr(f, "alteration", None)) for f in result.findings]
    assert summary == [
        ("variant", "TP53", None),
        ("negative", "EGFR", "any"),
        ("negative", "KRAS", "any"),
        ("negative", "BRAF", "any"),
        ("negative", "ERBB2", "any"),
        ("negative", "MET", "any"),
        ("fusion", "ALK", None),
        ("negative", "ROS1", "fusion"),
        ("negative", "RET", "fusion"),
        ("biomarker", "CD274", None),
    ]
    assert [f.provenance for f in result.findings][-1] == "note.txt:line 10"
