"""Clinical notes: genomic and biomarker results in words, their negation and their context."""

from __future__ import annotations

import pytest

from integrome.ingest._notes_pipeline import pipeline
from integrome.ingest.notes import TextExtraction, extract_text
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    NegativeFinding,
    VariantFinding,
)


@pytest.fixture(scope="session", autouse=True)
def notes_pipeline() -> None:
    """The medspaCy pipeline is built once per test session; every test reuses it."""
    pipeline()


def _notes(text: str) -> TextExtraction:
    return extract_text(text, source="notes", provenance="note.txt")


def _findings(text: str) -> list[Finding]:
    return _notes(text).findings


def _summary(finding: Finding) -> tuple[object, ...]:
    """The facts of a finding a matcher uses, in a compact tuple."""
    if isinstance(finding, VariantFinding):
        return ("variant", finding.gene, finding.hgvs_p or finding.hgvs_c, finding.consequence, finding.exon)
    if isinstance(finding, NegativeFinding):
        return ("negative", finding.gene, finding.alteration)
    if isinstance(finding, FusionFinding):
        return ("fusion", finding.gene, finding.partner)
    if isinstance(finding, CopyNumberFinding):
        return ("copy_number", finding.gene, finding.call)
    return ("biomarker", finding.biomarker, finding.value, finding.status)


def _summaries(text: str) -> list[tuple[object, ...]]:
    return [_summary(f) for f in _findings(text)]


class TestVariants:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("EGFR L858R.", ("variant", "EGFR", "p.Leu858Arg", "missense_variant", None)),
            ("BRAF V600E mutation detected", ("variant", "BRAF", "p.Val600Glu", "missense_variant", None)),
            ("KRAS p.G12C", ("variant", "KRAS", "p.Gly12Cys", "missense_variant", None)),
            ("KRAS exon 2 p.G12D", ("variant", "KRAS", "p.Gly12Asp", "missense_variant", 2)),
            ("EGFR p.(Leu858Arg)", ("variant", "EGFR", "p.Leu858Arg", "missense_variant", None)),
            ("KRAS c.34G>T (p.G12C)", ("variant", "KRAS", "p.Gly12Cys", "missense_variant", None)),
            ("PIK3CA E545K", ("variant", "PIK3CA", "p.Glu545Lys", "missense_variant", None)),
            ("EGFR T790M-positive.", ("variant", "EGFR", "p.Thr790Met", "missense_variant", None)),
            ("EGFR p.E746_A750del", ("variant", "EGFR", "p.Glu746_Ala750del", "inframe_deletion", None)),
            ("KRAS Q61*", ("variant", "KRAS", "p.Gln61Ter", "stop_gained", None)),
            ("KIT D816V (exon 17)", ("variant", "KIT", "p.Asp816Val", "missense_variant", None)),
        ],
    )
    def test_protein_change_becomes_three_letter_hgvs(self, text: str, expected: tuple[object, ...]) -> None:
        assert _summaries(text) == [expected]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("EGFR exon 19 deletion detected.", ("variant", "EGFR", None, "inframe_deletion", 19)),
            ("EGFR ex19del", ("variant", "EGFR", None, "inframe_deletion", 19)),
            ("EGFR exon 20 insertion", ("variant", "EGFR", None, "inframe_insertion", 20)),
            ("MET exon 14 skipping mutation", ("variant", "MET", None, "exon_loss_variant", 14)),
            ("METex14 skipping", ("variant", "MET", None, "exon_loss_variant", 14)),
            ("KIT exon 11 mutation", ("variant", "KIT", None, "protein_altering_variant", 11)),
        ],
    )
    def test_exon_level_alteration_sets_consequence_and_exon(
        self, text: str, expected: tuple[object, ...]
    ) -> None:
        assert _summaries(text) == [expected]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "BRCA2 c.5946delT pathogenic variant",
                ("variant", "BRCA2", "c.5946delT", "frameshift_variant", None),
            ),
            ("BRCA1 c.68_69delAG", ("variant", "BRCA1", "c.68_69delAG", "frameshift_variant", None)),
            ("DPYD c.1905+1G>A", ("variant", "DPYD", "c.1905+1G>A", "splice_donor_variant", None)),
            ("MLH1 c.1906-2A>G.", ("variant", "MLH1", "c.1906-2A>G", "splice_acceptor_variant", None)),
            ("KRAS c.35G>A", ("variant", "KRAS", "c.35G>A", None, None)),
        ],
    )
    def test_cdna_change_keeps_hgvs_c_and_the_consequence_it_implies(
        self, text: str, expected: tuple[object, ...]
    ) -> None:
        assert _summaries(text) == [expected]

    def test_cdna_and_protein_change_are_both_kept(self) -> None:
        (variant,) = _findings("BRCA2 c.5946del (p.Ser1982Argfs*22), VAF 51%")
        assert isinstance(variant, VariantFinding)
        assert (variant.hgvs_c, variant.hgvs_p, variant.consequence) == (
            "c.5946del",
            "p.Ser1982fs",
            "frameshift_variant",
        )

    def test_missense_mutation_without_a_change_is_a_missense_variant(self) -> None:
        assert _summaries("TP53 missense mutation (VAF 41%).") == [
            ("variant", "TP53", None, "missense_variant", None)
        ]

    def test_gene_level_mutation_is_protein_altering_without_hgvs(self) -> None:
        assert _summaries("KRAS-mutant colorectal cancer") == [
            ("variant", "KRAS", None, "protein_altering_variant", None)
        ]

    def test_list_of_variants_gives_each(self) -> None:
        assert [s[1:3] for s in _summaries("TP53 p.R273H and PIK3CA E545K; IDH1 R132H.")] == [
            ("TP53", "p.Arg273His"),
            ("PIK3CA", "p.Glu545Lys"),
            ("IDH1", "p.Arg132His"),
        ]

    def test_vaf_in_parentheses_is_kept_as_a_fraction(self) -> None:
        (variant,) = _findings("KRAS G12C (VAF 23%)")
        assert isinstance(variant, VariantFinding)
        assert variant.vaf == pytest.approx(0.23)

    def test_tumor_and_germline_words_set_origin(self) -> None:
        tumor = _findings("Tumor NGS: KRAS G12C (VAF 23%), TP53 R273H.")
        germline = _findings("Germline BRCA1 pathogenic variant.")
        assert [f.origin for f in tumor] == ["somatic", "somatic"]
        assert [f.origin for f in germline] == ["germline"]

    @pytest.mark.parametrize(
        "text", ["BRCA2 variant of uncertain significance.", "BRCA2 c.123A>G (VUS)", "VUS in BRCA2 c.123A>G."]
    )
    def test_variant_of_uncertain_significance_is_not_a_finding(self, text: str) -> None:
        result = _notes(text)
        assert result.findings == []
        assert len(result.warnings) == 1
        assert result.warnings[0].endswith("is of uncertain significance; not a finding")


class TestFusionsAndCopyNumber:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("EML4-ALK fusion detected.", ("fusion", "ALK", "EML4")),
            ("CD74-ROS1 fusion", ("fusion", "ROS1", "CD74")),
            ("ALK rearrangement positive by FISH.", ("fusion", "ALK", None)),
            ("ROS1-rearranged NSCLC", ("fusion", "ROS1", None)),
            ("ALK positive", ("fusion", "ALK", None)),
            ("ALK FISH positive.", ("fusion", "ALK", None)),
        ],
    )
    def test_fusion_names_the_driver_and_its_partner(self, text: str, expected: tuple[object, ...]) -> None:
        assert _summaries(text) == [expected]

    def test_partnerless_fusion_repeating_a_named_one_is_dropped(self) -> None:
        assert _summaries("EML4-ALK fusion detected. Assessment: ALK-rearranged NSCLC.") == [
            ("fusion", "ALK", "EML4")
        ]

    def test_fusion_records_five_and_three_prime_genes(self) -> None:
        (fusion,) = _findings("EML4-ALK fusion")
        assert isinstance(fusion, FusionFinding)
        assert (fusion.five_prime, fusion.three_prime) == ("EML4", "ALK")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ERBB2 amplification.", ("copy_number", "ERBB2", "amplification")),
            ("HER2 amplified.", ("copy_number", "ERBB2", "amplification")),
            ("MET FISH amplified.", ("copy_number", "MET", "amplification")),
            ("CDKN2A homozygous deletion", ("copy_number", "CDKN2A", "deep_deletion")),
            ("MET copy number gain", ("copy_number", "MET", "gain")),
        ],
    )
    def test_copy_number_call(self, text: str, expected: tuple[object, ...]) -> None:
        assert _summaries(text) == [expected]


class TestNegatives:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("No KRAS mutation.", [("negative", "KRAS", "mutation")]),
            ("KRAS wild type.", [("negative", "KRAS", "mutation")]),
            ("EGFR wild-type.", [("negative", "EGFR", "mutation")]),
            ("ALK negative.", [("negative", "ALK", "any")]),
            ("Negative for ALK rearrangement.", [("negative", "ALK", "fusion")]),
            ("ROS1 fusion negative", [("negative", "ROS1", "fusion")]),
            ("BRAF V600E not detected.", [("negative", "BRAF", "V600E")]),
            ("Without BRAF V600E.", [("negative", "BRAF", "V600E")]),
            ("EGFR T790M negative.", [("negative", "EGFR", "T790M")]),
            ("No EGFR exon 19 deletion.", [("negative", "EGFR", "exon 19 deletion")]),
            ("MET amplification not detected", [("negative", "MET", "amplification")]),
            ("MET not amplified", [("negative", "MET", "amplification")]),
            ("ALK IHC (D5F3) negative.", [("negative", "ALK", "any")]),
            ("ROS1 FISH negative.", [("negative", "ROS1", "any")]),
            ("No CDKN2A/B homozygous deletion.", [("negative", "CDKN2A", "deletion")]),
        ],
    )
    def test_negated_result_becomes_negative_finding(
        self, text: str, expected: list[tuple[object, ...]]
    ) -> None:
        assert _summaries(text) == expected

    @pytest.mark.parametrize(
        ("text", "alteration"),
        [
            ("NRAS and BRAF wild type", "mutation"),
            ("No KRAS, NRAS or BRAF mutations were detected by NGS.", "mutation"),
            ("No KRAS, NRAS, BRAF mutations detected.", "mutation"),
            ("No mutations detected in KRAS, NRAS, BRAF.", "mutation"),
            ("No fusions were identified in ALK, ROS1 or RET.", "fusion"),
            ("No ROS1, RET or NTRK fusion.", "fusion"),
            ("EGFR, ALK and ROS1 negative.", "any"),
        ],
    )
    def test_negation_covers_every_gene_of_a_list(self, text: str, alteration: str) -> None:
        negatives = [s for s in _summaries(text) if s[0] == "negative"]
        assert len(negatives) >= 2
        assert {s[2] for s in negatives} == {alteration}

    def test_method_of_a_negative_result_is_kept(self) -> None:
        (negative,) = [
            f for f in _findings("KRAS mutation not detected by NGS.") if isinstance(f, NegativeFinding)
        ]
        assert negative.method == "NGS"

    def test_negation_stops_at_a_semicolon(self) -> None:
        assert _summaries("KRAS G12C not detected; EGFR L858R detected.") == [
            ("negative", "KRAS", "G12C"),
            ("variant", "EGFR", "p.Leu858Arg", "missense_variant", None),
        ]

    def test_affirmed_finding_after_a_negated_one_is_present(self) -> None:
        assert _summaries("No KRAS mutation, BRAF V600E detected.") == [
            ("negative", "KRAS", "mutation"),
            ("variant", "BRAF", "p.Val600Glu", "missense_variant", None),
        ]

    def test_negation_does_not_reach_across_a_clause(self) -> None:
        assert _summaries("No progression on osimertinib for EGFR exon 19 deletion.") == [
            ("variant", "EGFR", None, "inframe_deletion", 19)
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "No ACE inhibitor.",
            "No TNF inhibitors in the past.",
            "No OTC medications.",
            "Negative for FH.",
        ],
    )
    def test_negated_gene_symbol_used_as_a_word_is_not_a_negative_finding(self, text: str) -> None:
        assert _findings(text) == []


class TestBiomarkers:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("HER2 3+ by IHC.", ("HER2", "3+", "positive")),
            ("HER2 IHC 1+", ("HER2", "1+", "negative")),
            ("HER2 0", ("HER2", "0", "negative")),
            ("HER2 (IHC): 0", ("HER2", "0", "negative")),
            ("HER-2 2+", ("HER2", "2+", "equivocal")),
            ("HER2 equivocal (2+)", ("HER2", "2+", "equivocal")),
            ("HER2-positive", ("HER2", "positive", "positive")),
            ("HER2-low", ("HER2", "low", "low")),
            ("HER2-ultralow", ("HER2", "ultralow", "low")),
        ],
    )
    def test_her2_result_with_asco_cap_status(self, text: str, expected: tuple[str, str, str]) -> None:
        assert _summaries(text) == [("biomarker", *expected)]

    def test_her2_ihc_score_records_method_and_scoring(self) -> None:
        (her2,) = _findings("HER2 3+ by IHC.")
        assert isinstance(her2, BiomarkerFinding)
        assert (her2.gene, her2.method, her2.scoring) == ("ERBB2", "IHC", "IHC 0-3+")

    def test_her2_equivocal_with_fish_not_amplified(self) -> None:
        ihc, ish = _findings("HER2 2+ by IHC, FISH not amplified.")
        assert isinstance(ihc, BiomarkerFinding)
        assert isinstance(ish, BiomarkerFinding)
        assert (ihc.method, ihc.value, ihc.status) == ("IHC", "2+", "equivocal")
        assert (ish.biomarker, ish.method, ish.value, ish.status) == (
            "HER2",
            "ISH",
            "not amplified",
            "negative",
        )

    def test_her2_fish_amplified_is_erbb2_amplification(self) -> None:
        assert _summaries("HER2 2+; FISH amplified.")[1] == ("copy_number", "ERBB2", "amplification")

    def test_fish_result_without_a_gene_is_a_warning(self) -> None:
        result = _notes("FISH not amplified.")
        assert result.findings == []
        assert result.warnings == ["note.txt: 'FISH not amplified' names no gene; not used as a finding"]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ER 90%", [("biomarker", "ER", "90%", "positive")]),
            ("ER 5%", [("biomarker", "ER", "5%", "low")]),
            ("PR <1%", [("biomarker", "PR", "<1%", "negative")]),
            ("PR negative", [("biomarker", "PR", "negative", "negative")]),
            ("estrogen receptor negative", [("biomarker", "ER", "negative", "negative")]),
            ("ER positive (95%)", [("biomarker", "ER", "95%", "positive")]),
            (
                "ER+/PR+/HER2-",
                [
                    ("biomarker", "ER", "positive", "positive"),
                    ("biomarker", "PR", "positive", "positive"),
                    ("biomarker", "HER2", "negative", "negative"),
                ],
            ),
            (
                "ER and PR negative",
                [("biomarker", "ER", "negative", "negative"), ("biomarker", "PR", "negative", "negative")],
            ),
        ],
    )
    def test_hormone_receptor_result(self, text: str, expected: list[tuple[object, ...]]) -> None:
        assert _summaries(text) == expected

    def test_er_percentage_is_numeric_with_percent_unit(self) -> None:
        (er,) = _findings("ER 90%")
        assert isinstance(er, BiomarkerFinding)
        assert (er.gene, er.method, er.scoring, er.numeric, er.unit) == ("ESR1", "IHC", "% nuclei", 90.0, "%")

    @pytest.mark.parametrize(
        ("text", "scoring", "value", "numeric", "status"),
        [
            ("PD-L1 TPS 60%", "TPS", "60%", 60.0, "unknown"),
            ("PD-L1 (22C3) TPS <1%.", "TPS", "<1%", 1.0, "unknown"),
            ("PD-L1 tumor proportion score of 80%", "TPS", "80%", 80.0, "unknown"),
            ("PD-L1 CPS 12", "CPS", "12", 12.0, "unknown"),
            ("PD-L1 negative.", None, "negative", None, "negative"),
            ("PD-L1 high", None, "positive", None, "positive"),
        ],
    )
    def test_pdl1_score_keeps_scoring_and_number(
        self, text: str, scoring: str | None, value: str, numeric: float | None, status: str
    ) -> None:
        (pdl1,) = _findings(text)
        assert isinstance(pdl1, BiomarkerFinding)
        assert (pdl1.biomarker, pdl1.gene, pdl1.method) == ("PD-L1", "CD274", "IHC")
        assert (pdl1.scoring, pdl1.value, pdl1.numeric, pdl1.status) == (scoring, value, numeric, status)

    def test_tps_and_cps_of_one_sentence_are_two_results(self) -> None:
        assert [(f.scoring, f.value) for f in _findings("PD-L1 TPS 60%, CPS 12.")] == [  # type: ignore[union-attr]
            ("TPS", "60%"),
            ("CPS", "12"),
        ]

    @pytest.mark.parametrize(
        ("text", "value", "status"),
        [
            ("MSI-H.", "MSI-H", "positive"),
            ("MSI-high", "MSI-H", "positive"),
            ("microsatellite instability-high", "MSI-H", "positive"),
            ("Microsatellite stable.", "MSS", "negative"),
            ("MSS", "MSS", "negative"),
            ("MSI-L", "MSI-L", "low"),
        ],
    )
    def test_msi_status(self, text: str, value: str, status: str) -> None:
        assert _summaries(text) == [("biomarker", "MSI", value, status)]

    @pytest.mark.parametrize(
        ("text", "value", "status"),
        [
            ("dMMR", "deficient", "positive"),
            ("MMR deficient", "deficient", "positive"),
            ("Loss of MLH1 and PMS2 expression.", "deficient", "positive"),
            ("MLH1/PMS2 loss", "deficient", "positive"),
            ("pMMR", "proficient", "negative"),
            ("MMR proficient", "proficient", "negative"),
            ("Mismatch repair proteins intact.", "proficient", "negative"),
            ("Loss of MLH1 and PMS2; MSH2 and MSH6 intact.", "deficient", "positive"),
        ],
    )
    def test_mmr_status(self, text: str, value: str, status: str) -> None:
        assert _summaries(text) == [("biomarker", "MMR", value, status)]

    @pytest.mark.parametrize(
        ("text", "value", "numeric", "status"),
        [
            ("TMB 14 mut/Mb", "14 mut/Mb", 14.0, "positive"),
            ("TMB of 3.2 mutations/Mb", "3.2 mut/Mb", 3.2, "negative"),
            ("TMB 10 mut/Mb", "10 mut/Mb", 10.0, "positive"),
            ("TMB-high", "TMB-high", None, "positive"),
            ("TMB-H", "TMB-high", None, "positive"),
            ("TMB-high (22 mut/Mb)", "22 mut/Mb", 22.0, "positive"),
            ("TMB low", "TMB-low", None, "low"),
        ],
    )
    def test_tmb_value_and_status(self, text: str, value: str, numeric: float | None, status: str) -> None:
        (tmb,) = _findings(text)
        assert isinstance(tmb, BiomarkerFinding)
        assert (tmb.biomarker, tmb.value, tmb.numeric, tmb.status, tmb.method) == (
            "TMB",
            value,
            numeric,
            status,
            "NGS",
        )


class TestContext:
    @pytest.mark.parametrize(
        "text",
        [
            "If HER2 positive, would consider trastuzumab.",
            "Recommend testing for EGFR mutations.",
            "MSI testing pending.",
            "PD-L1 pending.",
            "Awaiting NGS results for KRAS.",
            "HER2 testing was not performed.",
            "Her sister carries a BRCA1 pathogenic variant.",
            "Family history: mother with BRCA2 mutation.",
        ],
    )
    def test_hypothetical_pending_or_family_result_is_not_a_finding(self, text: str) -> None:
        assert _findings(text) == []

    def test_germline_negative_panel_gives_germline_negatives(self) -> None:
        negatives = _findings("Germline testing for BRCA1 and BRCA2 negative.")
        assert [(f.gene, f.origin) for f in negatives] == [("BRCA1", "germline"), ("BRCA2", "germline")]

    def test_duplicate_statements_give_one_finding(self) -> None:
        assert len(_findings("MSI-H. Tumor is MSI-high.")) == 1
