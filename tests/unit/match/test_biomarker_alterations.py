"""One behaviour per alteration type: does a finding carry the record's alteration?"""

from __future__ import annotations

from typing import Any

import pytest

from integrome.match._alterations import finding_matches
from integrome.model import (
    Alteration,
    BiomarkerFinding,
    CopyNumberFinding,
    FusionFinding,
    NegativeFinding,
    VariantFinding,
)


def variant(gene: str = "BRAF", hgvs_p: str | None = "p.Val600Glu", **extra: Any) -> VariantFinding:
    return VariantFinding(id="f1", source="vcf", gene=gene, hgvs_p=hgvs_p, **extra)


def biomarker(name: str, value: str, status: str = "positive", **extra: Any) -> BiomarkerFinding:
    return BiomarkerFinding(id="f1", source="fhir", biomarker=name, value=value, status=status, **extra)


# protein_change


def test_three_letter_vcf_protein_matches_one_letter_record_value() -> None:
    alteration = Alteration(type="protein_change", values=["V600E"])
    assert finding_matches(alteration, "BRAF", variant())


def test_protein_change_of_another_gene_does_not_match() -> None:
    alteration = Alteration(type="protein_change", values=["V600E"])
    assert not finding_matches(alteration, "BRAF", variant(gene="NRAS"))


def test_different_substitution_at_same_codon_does_not_match_protein_change() -> None:
    alteration = Alteration(type="protein_change", values=["V600E"])
    assert not finding_matches(alteration, "BRAF", variant(hgvs_p="p.Val600Lys"))


def test_deletion_named_by_record_matches_three_letter_deletion() -> None:
    alteration = Alteration(type="protein_change", values=["E746_A750del"])
    assert finding_matches(alteration, "EGFR", variant("EGFR", "p.Glu746_Ala750del"))


def test_variant_without_protein_change_does_not_match_protein_change() -> None:
    alteration = Alteration(type="protein_change", values=["V600E"])
    assert not finding_matches(alteration, "BRAF", variant(hgvs_p=None))


# codon


def test_any_missense_at_listed_codon_matches_codon_record() -> None:
    alteration = Alteration(type="codon", codons=[12, 13])
    assert finding_matches(alteration, "KRAS", variant("KRAS", "p.Gly12Asp"))


def test_excluded_value_at_codon_does_not_match() -> None:
    alteration = Alteration(type="codon", codons=[12], exclude_values=["G12C"])
    assert not finding_matches(alteration, "KRAS", variant("KRAS", "p.Gly12Cys"))


def test_nonsense_change_at_codon_is_not_a_codon_missense() -> None:
    alteration = Alteration(type="codon", codons=[12])
    assert not finding_matches(alteration, "KRAS", variant("KRAS", "p.Gly12Ter"))


# exon deletion / insertion / mutation


def test_egfr_exon19_deletion_matches_by_protein_position_when_exon_is_missing() -> None:
    alteration = Alteration(type="exon_deletion", exons=[19])
    assert finding_matches(alteration, "EGFR", variant("EGFR", "p.Glu746_Ala750del"))


def test_egfr_exon19_deletion_matches_by_annotated_exon_and_consequence() -> None:
    alteration = Alteration(type="exon_deletion", exons=[19])
    finding = variant("EGFR", None, exon=19, consequence="inframe_deletion")
    assert finding_matches(alteration, "EGFR", finding)


def test_net_deleting_delins_in_exon19_counts_as_exon_deletion() -> None:
    alteration = Alteration(type="exon_deletion", exons=[19])
    assert finding_matches(alteration, "EGFR", variant("EGFR", "p.Leu747_Ala750delinsPro"))


def test_missense_in_exon19_is_not_an_exon_deletion() -> None:
    alteration = Alteration(type="exon_deletion", exons=[19])
    assert not finding_matches(alteration, "EGFR", variant("EGFR", "p.Leu747Pro"))


def test_exon20_insertion_does_not_match_exon19_deletion_record() -> None:
    alteration = Alteration(type="exon_deletion", exons=[19])
    assert not finding_matches(alteration, "EGFR", variant("EGFR", "p.Asp770_Asn771insSerValAsp"))


def test_egfr_exon20_insertion_matches_exon_insertion_record() -> None:
    alteration = Alteration(type="exon_insertion", exons=[20])
    assert finding_matches(alteration, "EGFR", variant("EGFR", "p.Asp770_Asn771insSerValAsp"))


def test_duplication_in_exon20_counts_as_insertion() -> None:
    alteration = Alteration(type="exon_insertion", exons=[20])
    assert finding_matches(alteration, "EGFR", variant("EGFR", "p.Ala767_Val769dup"))


def test_exon_mutation_accepts_missense_in_annotated_exon() -> None:
    alteration = Alteration(type="exon_mutation", exons=[11])
    finding = variant("KIT", "p.Val559Asp", exon=11, consequence="missense_variant")
    assert finding_matches(alteration, "KIT", finding)


def test_exon_mutation_rejects_synonymous_change() -> None:
    alteration = Alteration(type="exon_mutation", exons=[11])
    finding = variant("KIT", "p.Val559=", exon=11, consequence="synonymous_variant")
    assert not finding_matches(alteration, "KIT", finding)


def test_exon_mutation_needs_an_exon_it_can_place() -> None:
    alteration = Alteration(type="exon_mutation", exons=[17])
    assert not finding_matches(alteration, "KIT", variant("KIT", "p.Asp816Val"))


# exon skipping


def test_met_splice_variant_in_exon14_is_exon_skipping() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = variant("MET", None, exon=14, consequence="splice_donor_variant")
    assert finding_matches(alteration, "MET", finding)


def test_notes_exon_skipping_consequence_matches() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = VariantFinding(id="f1", source="notes", gene="MET", exon=14, consequence="exon_skipping")
    assert finding_matches(alteration, "MET", finding)


def test_met_exon_loss_stated_by_notes_or_fhir_is_exon_skipping() -> None:
    """The notes extractor and FHIR ingest state "MET exon 14 skipping" as SO exon_loss_variant."""
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = VariantFinding(id="f1", source="fhir", gene="MET", exon=14, consequence="exon_loss_variant")
    assert finding_matches(alteration, "MET", finding)


def test_met_exon_loss_of_another_exon_is_not_exon_14_skipping() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = VariantFinding(id="f1", source="notes", gene="MET", exon=2, consequence="exon_loss_variant")
    assert not finding_matches(alteration, "MET", finding)


def test_met_missense_in_exon14_is_not_exon_skipping() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = variant("MET", "p.Tyr1003Cys", exon=14, consequence="missense_variant")
    assert not finding_matches(alteration, "MET", finding)


def test_metex14_biomarker_result_is_exon_skipping() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    assert finding_matches(alteration, "MET", biomarker("METex14", "detected", gene="MET"))


def test_intragenic_met_rna_fusion_is_exon_skipping() -> None:
    alteration = Alteration(type="exon_skipping", exons=[14])
    finding = FusionFinding(id="f1", source="table", gene="MET", five_prime="MET", three_prime="MET")
    assert finding_matches(alteration, "MET", finding)


# any mutation / loss of function


def test_any_mutation_accepts_missense_by_consequence() -> None:
    alteration = Alteration(type="any_mutation")
    finding = variant("KRAS", None, consequence="missense_variant")
    assert finding_matches(alteration, "KRAS", finding)


def test_any_mutation_rejects_intronic_variant() -> None:
    alteration = Alteration(type="any_mutation")
    finding = variant("KRAS", None, consequence="intron_variant")
    assert not finding_matches(alteration, "KRAS", finding)


@pytest.mark.parametrize("hgvs_p", ["p.Lys1691Ter", "p.Glu1836fs", "p.Met1?"])
def test_truncating_protein_change_is_loss_of_function(hgvs_p: str) -> None:
    alteration = Alteration(type="loss_of_function")
    assert finding_matches(alteration, "BRCA1", variant("BRCA1", hgvs_p))


def test_canonical_splice_site_from_hgvs_c_is_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    finding = variant("BRCA2", None, hgvs_c="NM_000059.4:c.8487+1G>A")
    assert finding_matches(alteration, "BRCA2", finding)


def test_deep_intronic_change_is_not_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    finding = variant("BRCA2", None, hgvs_c="NM_000059.4:c.8487+12G>A")
    assert not finding_matches(alteration, "BRCA2", finding)


def test_missense_is_not_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    assert not finding_matches(alteration, "BRCA1", variant("BRCA1", "p.Cys61Gly"))


def test_deep_deletion_is_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    finding = CopyNumberFinding(id="f1", source="table", gene="PTEN", call="deep_deletion")
    assert finding_matches(alteration, "PTEN", finding)


# copy number


def test_copy_number_amplification_matches() -> None:
    alteration = Alteration(type="amplification")
    finding = CopyNumberFinding(id="f1", source="table", gene="ERBB2", call="amplification", copy_number=14)
    assert finding_matches(alteration, "ERBB2", finding)


def test_copy_number_gain_is_not_amplification() -> None:
    alteration = Alteration(type="amplification")
    finding = CopyNumberFinding(id="f1", source="table", gene="ERBB2", call="gain")
    assert not finding_matches(alteration, "ERBB2", finding)


def test_her2_ish_amplified_counts_as_erbb2_amplification() -> None:
    alteration = Alteration(type="amplification")
    finding = biomarker("HER2", "amplified", method="FISH")
    assert finding_matches(alteration, "ERBB2", finding)


def test_her2_ihc_positive_is_not_erbb2_amplification() -> None:
    alteration = Alteration(type="amplification")
    assert not finding_matches(alteration, "ERBB2", biomarker("HER2", "3+", method="IHC"))


def test_deep_deletion_matches_deletion_record_but_loss_does_not() -> None:
    alteration = Alteration(type="deletion")
    deep = CopyNumberFinding(id="f1", source="table", gene="CDKN2A", call="deep_deletion")
    shallow = CopyNumberFinding(id="f2", source="table", gene="CDKN2A", call="loss")
    assert finding_matches(alteration, "CDKN2A", deep)
    assert not finding_matches(alteration, "CDKN2A", shallow)


# fusion


def test_fusion_with_gene_as_three_prime_partner_matches() -> None:
    alteration = Alteration(type="fusion")
    finding = FusionFinding(
        id="f1", source="table", gene="ALK", partner="EML4", five_prime="EML4", three_prime="ALK"
    )
    assert finding_matches(alteration, "ALK", finding)


def test_fusion_partner_filter_rejects_other_partner() -> None:
    alteration = Alteration(type="fusion", partners=["BCR"])
    finding = FusionFinding(id="f1", source="table", gene="ABL1", partner="ETV6")
    assert not finding_matches(alteration, "ABL1", finding)


def test_fusion_partner_filter_accepts_listed_partner() -> None:
    alteration = Alteration(type="fusion", partners=["BCR"])
    finding = FusionFinding(id="f1", source="table", gene="ABL1", partner="BCR")
    assert finding_matches(alteration, "ABL1", finding)


def test_reported_rearrangement_biomarker_matches_fusion() -> None:
    alteration = Alteration(type="fusion")
    assert finding_matches(alteration, "ROS1", biomarker("ROS1 rearrangement", "positive", method="FISH"))


# biomarker


def test_her2_alias_maps_to_erbb2_biomarker_name() -> None:
    alteration = Alteration(type="biomarker", biomarker="HER2", levels=["3+"])
    assert finding_matches(alteration, "ERBB2", biomarker("ERBB2", "3+", method="IHC"))


def test_biomarker_level_outside_accepted_levels_does_not_match() -> None:
    alteration = Alteration(type="biomarker", biomarker="HER2", levels=["3+"])
    assert not finding_matches(alteration, "ERBB2", biomarker("HER2", "2+", status="equivocal"))


def test_pd_l1_tps_at_threshold_matches_minimum() -> None:
    alteration = Alteration(type="biomarker", biomarker="PD-L1", scoring="TPS", min_value=50)
    finding = biomarker("PD-L1", "50%", numeric=50.0, scoring="TPS")
    assert finding_matches(alteration, None, finding)


def test_pd_l1_tps_below_minimum_does_not_match() -> None:
    alteration = Alteration(type="biomarker", biomarker="PD-L1", scoring="TPS", min_value=50)
    assert not finding_matches(alteration, None, biomarker("PDL1", "20%", scoring="TPS"))


def test_pd_l1_cps_result_does_not_satisfy_tps_record() -> None:
    alteration = Alteration(type="biomarker", biomarker="PD-L1", scoring="TPS", min_value=50)
    assert not finding_matches(alteration, None, biomarker("PD-L1", "60", numeric=60.0, scoring="CPS"))


def test_biomarker_record_without_criteria_needs_a_positive_result() -> None:
    alteration = Alteration(type="biomarker", biomarker="MSI")
    assert finding_matches(alteration, None, biomarker("MSI", "MSI-H"))
    assert not finding_matches(alteration, None, biomarker("MSI", "MSS", status="negative"))


def test_biomarker_status_must_agree() -> None:
    alteration = Alteration(type="biomarker", biomarker="HER2", status="low")
    assert finding_matches(alteration, "ERBB2", biomarker("HER2", "1+", status="low"))
    assert not finding_matches(alteration, "ERBB2", biomarker("HER2", "3+"))


# origin and negatives


def test_germline_only_record_rejects_somatic_finding() -> None:
    alteration = Alteration(type="loss_of_function", origin="germline")
    finding = variant("BRCA2", "p.Lys1691Ter", origin="somatic")
    assert not finding_matches(alteration, "BRCA2", finding)


def test_germline_only_record_accepts_finding_of_unknown_origin() -> None:
    alteration = Alteration(type="loss_of_function", origin="germline")
    assert finding_matches(alteration, "BRCA2", variant("BRCA2", "p.Lys1691Ter"))


@pytest.mark.parametrize(
    "alteration",
    [
        Alteration(type="any_mutation"),
        Alteration(type="fusion"),
        Alteration(type="protein_change", values=["G12C"]),
        Alteration(type="amplification"),
    ],
)
def test_negative_finding_never_matches(alteration: Alteration) -> None:
    finding = NegativeFinding(id="f1", source="fhir", gene="KRAS", alteration="any")
    assert not finding_matches(alteration, "KRAS", finding)


def test_kit_exon11_deletion_is_placed_by_protein_position() -> None:
    alteration = Alteration(type="exon_mutation", exons=[11])
    assert finding_matches(alteration, "KIT", variant("KIT", "p.Lys550_Lys558del"))


def test_kit_codon_straddling_exons_11_and_12_is_not_placed_in_exon11() -> None:
    alteration = Alteration(type="exon_mutation", exons=[11])
    assert not finding_matches(alteration, "KIT", variant("KIT", "p.Ser592Pro"))


def test_canonical_splice_donor_consequence_is_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    finding = variant("BRCA1", None, consequence="splice_donor_variant&intron_variant")
    assert finding_matches(alteration, "BRCA1", finding)


def test_splice_region_consequence_is_not_loss_of_function() -> None:
    alteration = Alteration(type="loss_of_function")
    finding = variant("BRCA1", None, consequence="splice_region_variant&intron_variant")
    assert not finding_matches(alteration, "BRCA1", finding)
