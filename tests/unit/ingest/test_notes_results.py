"""Clinical notes and free-text report results: fusions of any known gene, FLT3-ITD/TKD, lists of
tested positions, and the IHC, IGHV, del(17p), pan-TRK and TMB results."""

from __future__ import annotations

from typing import Any

import pytest

from integrome.ingest._grades import tmb_status
from integrome.ingest._notes_genomic import fusion_driver
from integrome.ingest._notes_pipeline import pipeline
from integrome.ingest.fhir import read_fhir_data
from integrome.ingest.notes import extract_text
from integrome.model import BiomarkerFinding, Finding, FusionFinding, NegativeFinding, VariantFinding


@pytest.fixture(scope="session", autouse=True)
def notes_pipeline() -> None:
    """The medspaCy pipeline is built once per test session; every test reuses it."""
    pipeline()


def _findings(text: str) -> list[Finding]:
    return extract_text(text, source="fhir", provenance="bundle.json#Observation/o1").findings


def _fusions(text: str) -> list[tuple[object, ...]]:
    return [
        (f.gene, f.partner, f.five_prime, f.three_prime)
        for f in _findings(text)
        if isinstance(f, FusionFinding)
    ]


def _negatives(text: str) -> list[tuple[str, str]]:
    return [(f.gene, f.alteration) for f in _findings(text) if isinstance(f, NegativeFinding)]


def _biomarkers(text: str) -> list[tuple[object, ...]]:
    return [
        (f.biomarker, f.value, f.status, f.method) for f in _findings(text) if isinstance(f, BiomarkerFinding)
    ]


class TestFusions:
    @pytest.mark.parametrize(
        "text",
        [
            "FGFR2-BICC1 fusion detected (FGFR2 exon 17 :: BICC1 exon 3), in-frame",
            "FGFR2::BICC1",
            "FGFR2–BICC1 rearrangement",
            "FGFR2-BICC1 translocation",
        ],
    )
    def test_fgfr2_bicc1_keeps_the_fgfr2_kinase_at_the_five_prime_end(self, text: str) -> None:
        assert _fusions(text) == [("FGFR2", "BICC1", "FGFR2", "BICC1")]

    def test_double_colon_fusion_nomenclature_is_read(self) -> None:
        assert _fusions("EML4::ALK fusion detected") == [("ALK", "EML4", "EML4", "ALK")]

    def test_partner_missing_from_the_vocabulary_is_kept_as_written(self) -> None:
        assert _fusions("FGFR2-WAC1 fusion") == [("FGFR2", "WAC1", "FGFR2", "WAC1")]
        assert _fusions("XYZ9-ROS1 rearrangement") == [("ROS1", "XYZ9", "XYZ9", "ROS1")]

    def test_unknown_symbol_next_to_a_driver_needs_the_word_fusion(self) -> None:
        assert _fusions("FGFR2-WAC1") == []

    def test_fusion_with_partner_in_words_has_no_orientation(self) -> None:
        assert _fusions("ALK fusion with EML4") == [("ALK", "EML4", None, None)]

    def test_hyphenated_genes_without_a_driver_are_a_list_not_a_fusion(self) -> None:
        assert _fusions("KRAS-NRAS wild type") == []
        assert _negatives("KRAS-NRAS wild type") == [("KRAS", "mutation"), ("NRAS", "mutation")]

    @pytest.mark.parametrize(
        ("five", "three", "driver"),
        [
            ("EML4", "ALK", "ALK"),
            ("FGFR2", "BICC1", "FGFR2"),
            ("FGFR3", "TACC3", "FGFR3"),
            ("FGFR2", "ALK", "ALK"),
            ("FGFR3", "NTRK1", "NTRK1"),
            ("TMPRSS2", "ERG", "TMPRSS2"),
        ],
    )
    def test_driver_is_the_kinase_partner(self, five: str, three: str, driver: str) -> None:
        assert fusion_driver(five, three) == driver


class TestFlt3:
    def test_flt3_itd_is_an_inframe_insertion_named_itd(self) -> None:
        found = _findings("FLT3-ITD detected, allelic ratio 0.58; FLT3 TKD (D835/I836) not detected")
        variants = [
            (f.gene, f.consequence, f.label, f.hgvs_p, f.exon) for f in found if isinstance(f, VariantFinding)
        ]
        assert variants == [("FLT3", "inframe_insertion", "ITD", None, None)]
        assert [(f.gene, f.alteration) for f in found if isinstance(f, NegativeFinding)] == [("FLT3", "TKD")]

    @pytest.mark.parametrize(
        "text", ["FLT3 internal tandem duplication present", "FLT3 ITD positive (allelic ratio 0.3)"]
    )
    def test_flt3_itd_wordings(self, text: str) -> None:
        assert [(f.kind, getattr(f, "label", None)) for f in _findings(text)] == [("variant", "ITD")]

    def test_flt3_tkd_with_a_change_keeps_the_change(self) -> None:
        (tkd,) = _findings("FLT3-TKD D835Y detected")
        assert isinstance(tkd, VariantFinding)
        assert (tkd.hgvs_p, tkd.consequence, tkd.label) == ("p.Asp835Tyr", "missense_variant", "TKD")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("FLT3-ITD negative", [("FLT3", "ITD")]), ("FLT3-ITD and TKD not detected", [("FLT3", "ITD")])],
    )
    def test_negated_flt3_itd_is_a_negative_itd(self, text: str, expected: list[tuple[str, str]]) -> None:
        assert _negatives(text) == expected
        assert not [f for f in _findings(text) if isinstance(f, VariantFinding)]

    def test_cdna_change_in_brackets_decides_an_exon_insertions_frame(self) -> None:
        (npm1,) = _findings("NPM1 exon 12 insertion (type A, c.860_863dupTCTG) detected")
        assert isinstance(npm1, VariantFinding)
        assert (npm1.hgvs_c, npm1.consequence, npm1.exon) == ("c.860_863dupTCTG", "frameshift_variant", 12)


class TestTestedPositions:
    TESTED = (
        "Targeted genotyping; positions tested: DPYD c.1905+1G>A (*2A), c.1679T>G (*13), c.2846A>T, "
        "c.1236G>A (HapB3)."
    )

    def test_listed_positions_are_not_findings(self) -> None:
        assert _findings(self.TESTED) == []

    def test_positions_named_before_the_word_positions_are_not_findings(self) -> None:
        text = (
            "Germline targeted genotyping. Results: see attached VCF (CYP2C19 *2, *3 and *17 defining "
            "positions; DPYD c.1905+1G>A, c.1679T>G, c.2846A>T and c.1236G>A/HapB3 positions)."
        )
        assert _findings(text) == []

    def test_no_variants_detected_after_the_list_is_a_negative_per_gene(self) -> None:
        (negative,) = _findings(self.TESTED + " No variants detected.")
        assert isinstance(negative, NegativeFinding)
        assert (negative.gene, negative.alteration, negative.provenance) == (
            "DPYD",
            "mutation",
            "bundle.json#Observation/o1",
        )

    def test_nothing_detected_spares_genes_with_a_reported_variant(self) -> None:
        text = "The panel covers KRAS, NRAS and BRAF. KRAS G12D detected. No other variants detected."
        found = _findings(text)
        assert [(f.kind, f.gene) for f in found if isinstance(f, VariantFinding | NegativeFinding)] == [
            ("variant", "KRAS"),
            ("negative", "NRAS"),
            ("negative", "BRAF"),
        ]

    def test_list_of_fusions_tested_negative_excludes_fusions(self) -> None:
        assert _negatives("Panel includes ALK, ROS1 and RET fusions; none detected.") == [
            ("ALK", "fusion"),
            ("ROS1", "fusion"),
            ("RET", "fusion"),
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "Positions tested: DPYD c.1905+1G>A and c.2846A>T, none detected.",
            "Positions tested: DPYD c.1905+1G>A and c.2846A>T: negative.",
        ],
    )
    def test_list_of_tested_positions_ending_in_a_negative_result(self, text: str) -> None:
        assert _negatives(text) == [("DPYD", "mutation")]
        assert not [f for f in _findings(text) if isinstance(f, VariantFinding)]

    def test_nothing_detected_after_a_paragraph_break_does_not_apply(self) -> None:
        assert _findings("Positions tested: DPYD c.1905+1G>A.\n\nImaging: no variants detected") == []

    @pytest.mark.parametrize(
        "text",
        [
            "genotyping of DPYD c.1905+1G>A, c.1679T>G and c.2846A>T",
            "the assay covers EGFR exon 19 deletions, L858R and T790M",
            "tested for KRAS G12C",
            "Patient was tested for KRAS G12C and BRAF V600E.",
            "NGS testing for EGFR L858R",
            "panel includes BRAF V600E",
            "screened for NPM1 and FLT3-ITD",
            "The assay is designed to detect EGFR T790M.",
        ],
    )
    def test_what_an_assay_tests_for_is_not_a_finding(self, text: str) -> None:
        assert _findings(text) == []

    def test_genotyping_list_closed_by_no_variant_detected_is_negative_not_a_variant(self) -> None:
        text = (
            "Pharmacogenomic panel: genotyping of DPYD c.1905+1G>A, c.1679T>G, c.2846A>T and "
            "c.1236G>A/HapB3; no variant detected"
        )
        assert [(f.kind, getattr(f, "gene", None)) for f in _findings(text)] == [("negative", "DPYD")]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("EGFR L858R detected", ("EGFR", "p.Leu858Arg", None)),
            ("KRAS G12C mutation identified (VAF 23%)", ("KRAS", "p.Gly12Cys", None)),
            ("positive for BRAF V600E", ("BRAF", "p.Val600Glu", None)),
            ("NGS: TP53 R273C", ("TP53", "p.Arg273Cys", None)),
            ("tested positive for EGFR exon 19 deletion", ("EGFR", None, None)),
            ("Genotyping of DPYD: c.1905+1G>A heterozygous", ("DPYD", None, "c.1905+1G>A")),
            ("Tested for KRAS G12C: detected.", ("KRAS", "p.Gly12Cys", None)),
            ("Tested for EGFR L858R: positive.", ("EGFR", "p.Leu858Arg", None)),
            ("Tested for KRAS G12C (VAF 23%).", ("KRAS", "p.Gly12Cys", None)),
        ],
    )
    def test_variant_asserted_in_the_patient_is_still_a_finding(
        self, text: str, expected: tuple[object, ...]
    ) -> None:
        (variant,) = _findings(text)
        assert isinstance(variant, VariantFinding)
        assert (variant.gene, variant.hgvs_p, variant.hgvs_c) == expected

    def test_heterozygous_result_after_a_genotyping_cue_is_a_germline_variant(self) -> None:
        (variant,) = _findings("Genotyping of DPYD: c.1905+1G>A heterozygous")
        assert variant.origin == "germline"

    def test_panel_listed_then_a_reported_hit_gives_only_the_hit(self) -> None:
        (variant,) = _findings("Panel covers KRAS, NRAS, BRAF; result: KRAS G12D detected")
        assert isinstance(variant, VariantFinding)
        assert (variant.gene, variant.hgvs_p) == ("KRAS", "p.Gly12Asp")

    def test_no_variant_detected_among_listed_positions_is_a_negative_result(self) -> None:
        text = "no variant detected among DPYD c.1905+1G>A, c.1679T>G"
        assert not [f for f in _findings(text) if f.kind != "negative"]
        assert _negatives(text) == [("DPYD", "c.1905+1G>A")]


class TestNamedResults:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("pan-TRK IHC positive", [("pan-TRK", "positive", "positive", "IHC")]),
            ("Pan-TRK (IHC): negative", [("pan-TRK", "negative", "negative", "IHC")]),
        ],
    )
    def test_pan_trk_is_a_screening_result_not_a_fusion(
        self, text: str, expected: list[tuple[object, ...]]
    ) -> None:
        assert _biomarkers(text) == expected
        assert _fusions(text) == []

    @pytest.mark.parametrize(
        ("text", "value", "status"),
        [
            ("IGHV unmutated", "unmutated", "negative"),
            ("Unmutated IGHV (98.9% identity to germline)", "unmutated", "negative"),
            ("IGHV status: mutated", "mutated", "positive"),
            ("IGHV non-mutated", "unmutated", "negative"),
        ],
    )
    def test_ighv_status_follows_the_knowledge_base_convention(
        self, text: str, value: str, status: str
    ) -> None:
        (ighv,) = _findings(text)
        assert isinstance(ighv, BiomarkerFinding)
        assert (ighv.biomarker, ighv.value, ighv.status, ighv.origin) == ("IGHV", value, status, "somatic")

    @pytest.mark.parametrize(
        "text", ["Loss of nuclear ATRX expression in tumor cells", "ATRX loss (IHC)", "IDH1 R132H, ATRX loss"]
    )
    def test_atrx_loss_is_a_protein_loss_on_ihc(self, text: str) -> None:
        assert ("ATRX", "loss", "negative", "IHC") in _biomarkers(text)

    def test_bare_loss_of_other_genes_is_not_read_as_ihc(self) -> None:
        assert _biomarkers("PTEN loss") == []
        assert _biomarkers("BAP1 expression lost") == [("BAP1", "loss", "negative", "IHC")]

    def test_del17p_keeps_the_fraction_of_nuclei(self) -> None:
        (deletion,) = _findings("del(17p) by FISH in 62% of nuclei")
        assert isinstance(deletion, BiomarkerFinding)
        assert (deletion.biomarker, deletion.numeric, deletion.unit, deletion.status, deletion.method) == (
            "del(17p)",
            62.0,
            "%",
            "positive",
            "ISH",
        )

    def test_negated_del17p_is_a_negative_result(self) -> None:
        assert _biomarkers("No del(17p).") == [("del(17p)", "not detected", "negative", None)]

    @pytest.mark.parametrize(("text", "status"), [("TMB 1 mut/Mb", "negative"), ("TMB 8 mut/Mb", "negative")])
    def test_tmb_below_ten_is_negative_like_the_fhir_grading(self, text: str, status: str) -> None:
        (tmb,) = _findings(text)
        assert isinstance(tmb, BiomarkerFinding)
        assert (tmb.status, tmb.numeric is not None) == (status, True)


class TestFhirAgreement:
    @staticmethod
    def _read(*resources: dict[str, Any]) -> list[Finding]:
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
        return read_fhir_data(bundle, name="b.json").findings

    @pytest.mark.parametrize("value", [1.0, 8.0, 10.0, 14.0])
    def test_tmb_number_gets_one_status_from_fhir_and_from_text(self, value: float) -> None:
        coded = {
            "resourceType": "Observation",
            "id": "tmb",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "94076-7"}]},
            "valueQuantity": {"value": value, "unit": "mutations/Mb"},
        }
        (from_fhir,) = self._read(coded)
        (from_text,) = _findings(f"TMB {value:g} mut/Mb")
        assert isinstance(from_fhir, BiomarkerFinding)
        assert isinstance(from_text, BiomarkerFinding)
        assert from_fhir.status == from_text.status == tmb_status(value)

    def test_pan_trk_observation_is_a_biomarker_result(self) -> None:
        positive = {"coding": [{"system": "http://snomed.info/sct", "code": "10828004"}], "text": "Positive"}
        stain = {
            "resourceType": "Observation",
            "id": "trk",
            "status": "final",
            "code": {"text": "Pan-TRK immunohistochemistry"},
            "valueCodeableConcept": positive,
        }
        (finding,) = self._read(stain)
        assert isinstance(finding, BiomarkerFinding)
        assert (finding.biomarker, finding.gene, finding.method, finding.status) == (
            "pan-TRK",
            None,
            "IHC",
            "positive",
        )

    def test_report_conclusion_listing_tested_positions_yields_no_variant(self) -> None:
        report = {
            "resourceType": "DiagnosticReport",
            "id": "pgx",
            "status": "final",
            "code": {"text": "DPYD targeted genotyping, blood"},
            "conclusion": (
                "Targeted genotyping; positions tested: DPYD c.1905+1G>A (*2A), c.1679T>G (*13), c.2846A>T, "
                "c.1236G>A (HapB3). No variants detected."
            ),
        }
        assert [(f.kind, getattr(f, "gene", None)) for f in self._read(report)] == [("negative", "DPYD")]

    def test_report_conclusion_genotyping_of_listed_positions_yields_no_variant(self) -> None:
        report = {
            "resourceType": "DiagnosticReport",
            "id": "pgx",
            "status": "final",
            "code": {"text": "Pharmacogenomic panel"},
            "conclusion": "Genotyping of DPYD c.1905+1G>A, c.1679T>G and c.2846A>T.",
        }
        assert self._read(report) == []

    def test_tmb_threshold_is_ten_mutations_per_megabase(self) -> None:
        assert [tmb_status(value) for value in (9.9, 10.0, 14.0)] == ["negative", "positive", "positive"]


class TestExonStatements:
    def test_exon_missense_statement_is_a_missense_variant_in_that_exon(self) -> None:
        (egfr,) = _findings("Reportable alterations: see attached VCF (EGFR exon 21 missense).")
        assert isinstance(egfr, VariantFinding)
        assert (egfr.gene, egfr.consequence, egfr.exon) == ("EGFR", "missense_variant", 21)

    def test_positions_in_brackets_after_a_result_describe_it(self) -> None:
        (deletion,) = _findings("EGFR exon 19 deletion (positions 746-750) detected")
        assert isinstance(deletion, VariantFinding)
