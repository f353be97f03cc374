"""How findings and their sources are worded in rationale lines."""

from __future__ import annotations

from integrome.match.wording import describe_finding, finding_place
from integrome.model import FusionFinding, NegativeFinding, VariantFinding


def test_fhir_place_keeps_the_resource_type_and_drops_its_id() -> None:
    finding = VariantFinding(
        id="f1",
        source="vcf",
        gene="EGFR",
        provenance="tumor.vcf:line 19; also bundle.json#DiagnosticReport/f335b95a-b5cc-552a-89e7",
    )
    assert finding_place(finding) == "tumor.vcf line 19, bundle.json DiagnosticReport"


def test_json_pointer_place_names_the_file_only() -> None:
    finding = VariantFinding(
        id="f1", source="phenopacket", gene="BRAF", provenance="pp.json:/interpretations/0"
    )
    assert finding_place(finding) == "pp.json"


def test_finding_without_provenance_is_placed_by_its_input_kind() -> None:
    assert finding_place(NegativeFinding(id="f1", source="notes", gene="ALK")) == "clinical notes"


def test_negative_for_any_alteration_reads_as_gene_negative() -> None:
    assert describe_finding(NegativeFinding(id="f1", source="fhir", gene="ALK")) == "ALK negative"
    fusion = NegativeFinding(id="f2", source="fhir", gene="ROS1", alteration="fusion")
    assert describe_finding(fusion) == "ROS1 fusion negative"


def test_variant_without_hgvs_is_named_by_its_report_label_or_consequence() -> None:
    itd = VariantFinding(id="f1", source="fhir", gene="FLT3", label="ITD")
    assert describe_finding(itd) == "FLT3 ITD"
    skipping = VariantFinding(id="f2", source="fhir", gene="MET", consequence="exon_loss_variant", exon=14)
    assert describe_finding(skipping) == "MET exon loss (exon 14)"


def test_fusion_without_a_named_five_prime_partner_says_so() -> None:
    fusion = FusionFinding(id="f1", source="table", gene="NTRK3", three_prime="NTRK3")
    assert describe_finding(fusion) == "NTRK3 fusion (5′ partner not named)"


def test_fusion_without_a_named_three_prime_partner_says_so() -> None:
    fusion = FusionFinding(id="f1", source="table", gene="FGFR2", five_prime="FGFR2")
    assert describe_finding(fusion) == "FGFR2 fusion (3′ partner not named)"


def test_fusion_with_both_partners_names_them_five_prime_first() -> None:
    fusion = FusionFinding(
        id="f1", source="table", gene="ALK", partner="EML4", five_prime="EML4", three_prime="ALK"
    )
    assert describe_finding(fusion) == "EML4–ALK fusion"


def test_intragenic_fusion_keeps_both_ends() -> None:
    fusion = FusionFinding(id="f1", source="table", gene="MET", five_prime="MET", three_prime="MET")
    assert describe_finding(fusion) == "MET–MET fusion"
