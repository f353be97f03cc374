"""match_biomarkers on hand-built profiles and a KnowledgeBase of fixture records.

The records below are test fixtures shaped like the curated ones (real model classes through the
real matcher); they are not shipped knowledge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from integrome.knowledge import KnowledgeBase
from integrome.match.biomarker import match_biomarkers
from integrome.model import (
    AbsentAlteration,
    Alteration,
    BiomarkerFinding,
    BiomarkerRecord,
    Citation,
    Diagnosis,
    Finding,
    FusionFinding,
    HotspotVariant,
    Insight,
    Medication,
    NegativeFinding,
    Patient,
    PatientProfile,
    VariantFinding,
)

LABEL_CITE = Citation(source="FDA", id="fixture label")


def record(
    id: str,
    gene: str | None,
    alteration: Alteration,
    diseases: list[str],
    drugs: list[str],
    direction: str = "sensitivity",
    level: str = "A",
    **extra: Any,
) -> BiomarkerRecord:
    return BiomarkerRecord(
        id=id,
        gene=gene,
        alteration=alteration,
        label=extra.pop("label", f"{gene} {id}"),
        diseases=diseases,
        drugs=drugs,
        direction=direction,
        evidence_level=level,
        fda_approved=extra.pop("fda_approved", level == "A"),
        statement=extra.pop("statement", f"Fixture statement for {id}."),
        citations=extra.pop("citations", [Citation(source="PMID", id=f"fixture-{id}")]),
        reviewed="2026-11-01",
        **extra,
    )


def kb(*records: BiomarkerRecord, hotspots: Sequence[HotspotVariant] = ()) -> KnowledgeBase:
    return KnowledgeBase(version="test", files=(), biomarkers=records, hotspots=hotspots)


def profile(
    findings: list[Finding], oncotree: str | None = "LUAD", medications: Sequence[tuple[str, str]] = ()
) -> PatientProfile:
    diagnoses = (
        []
        if oncotree is None
        else [Diagnosis(system="oncotree", code=oncotree, display=oncotree, oncotree=oncotree)]
    )
    meds = [Medication(name=name, status=status) for name, status in medications]
    return PatientProfile(patient=Patient(id="p1", diagnoses=diagnoses, medications=meds), findings=findings)


def variant(fid: str, gene: str, hgvs_p: str, source: str = "vcf", **extra: Any) -> VariantFinding:
    return VariantFinding(id=fid, source=source, gene=gene, hgvs_p=hgvs_p, origin="somatic", **extra)


def only(insights: list[Insight], kind: str, drug: str | None = None) -> list[Insight]:
    return [i for i in insights if i.kind == kind and (drug is None or drug in i.drugs)]


G12C = Alteration(type="protein_change", values=["G12C"])
V600E = Alteration(type="protein_change", values=["V600E"])
D816V = Alteration(type="protein_change", values=["D816V"])
KRAS_CODON_12 = Alteration(type="codon", codons=[12, 13])

SOTORASIB_LUNG = record("kras-g12c-sotorasib", "KRAS", G12C, ["NSCLC"], ["sotorasib"], label="KRAS G12C")


def test_kras_g12c_in_lung_adenocarcinoma_is_tier_ia_sotorasib() -> None:
    result = match_biomarkers(profile([variant("f1", "KRAS", "p.Gly12Cys", vaf=0.34)]), kb(SOTORASIB_LUNG))
    (therapy,) = only(result.insights, "therapy")
    assert (therapy.tier, therapy.evidence_level) == ("IA", "A")
    assert therapy.drugs == ["sotorasib"]
    assert therapy.genes == ["KRAS"]
    assert therapy.finding_ids == ["f1"]
    assert therapy.title == "Sotorasib for KRAS G12C"
    assert therapy.rationale[0] == "KRAS p.Gly12Cys at VAF 34% (VCF)"
    assert (
        therapy.rationale[1]
        == "Tumor type: Lung Adenocarcinoma (LUAD), covered by the approval for Non-Small Cell Lung Cancer"
    )


def test_same_variant_outside_the_records_tumor_type_is_tier_iic() -> None:
    result = match_biomarkers(
        profile([variant("f1", "KRAS", "p.Gly12Cys")], oncotree="PAAD"), kb(SOTORASIB_LUNG)
    )
    (therapy,) = only(result.insights, "therapy")
    assert (therapy.tier, therapy.evidence_level) == ("IIC", "C")
    assert any("off-label" in line for line in therapy.rationale)
    assert (
        therapy.summary
        == "Off-label: FDA-approved in Non-Small Cell Lung Cancer, not in Pancreatic Adenocarcinoma."
    )


def test_unknown_tumor_type_caps_tier_and_says_so() -> None:
    result = match_biomarkers(
        profile([variant("f1", "KRAS", "p.Gly12Cys")], oncotree=None), kb(SOTORASIB_LUNG)
    )
    (therapy,) = only(result.insights, "therapy")
    assert therapy.tier == "IIC"
    assert any("Tumor type not coded" in line and "tier IA" in line for line in therapy.rationale)
    assert result.warnings == [
        "no diagnosis maps to an OncoTree tumor type: biomarker evidence is graded as for an "
        "unknown tumor type (tier IIC at most)"
    ]


def test_record_excluding_the_tumor_type_gives_no_insight() -> None:
    agnostic = record(
        "braf-v600e-dab-tram",
        "BRAF",
        V600E,
        ["SOLID"],
        ["dabrafenib", "trametinib"],
        excluded_diseases=["COADREAD"],
    )
    result = match_biomarkers(profile([variant("f1", "BRAF", "p.Val600Glu")], oncotree="COAD"), kb(agnostic))
    assert result.insights == []


def test_kras_mutation_in_crc_suppresses_cetuximab_and_reports_resistance() -> None:
    egfr_ihc = record(
        "egfr-ihc-cetuximab",
        "EGFR",
        Alteration(type="biomarker", biomarker="EGFR", status="positive"),
        ["COADREAD"],
        ["cetuximab"],
    )
    resist_cetuximab = record(
        "kras-cetuximab-res", "KRAS", KRAS_CODON_12, ["COADREAD"], ["cetuximab"], direction="resistance"
    )
    resist_panitumumab = record(
        "kras-panitumumab-res", "KRAS", KRAS_CODON_12, ["COADREAD"], ["panitumumab"], direction="resistance"
    )
    findings: list[Finding] = [
        variant("f1", "KRAS", "p.Gly12Asp"),
        BiomarkerFinding(
            id="f2", source="fhir", biomarker="EGFR", method="IHC", value="positive", status="positive"
        ),
    ]
    result = match_biomarkers(
        profile(findings, oncotree="COAD"), kb(egfr_ihc, resist_cetuximab, resist_panitumumab)
    )
    assert only(result.insights, "therapy") == []
    resistance = only(result.insights, "resistance")
    assert sorted(drug for i in resistance for drug in i.drugs) == ["cetuximab", "panitumumab"]
    (cetuximab,) = only(result.insights, "resistance", "cetuximab")
    assert cetuximab.severity == "warning"
    assert any("Not offered as therapy" in line for line in cetuximab.rationale)


def test_combination_designed_for_the_alteration_survives_its_resistance_record() -> None:
    beacon = record("braf-v600e-enco-cetux", "BRAF", V600E, ["COADREAD"], ["encorafenib", "cetuximab"])
    mono = record(
        "braf-v600e-cetux-res", "BRAF", V600E, ["COADREAD"], ["cetuximab"], direction="resistance", level="B"
    )
    result = match_biomarkers(
        profile([variant("f1", "BRAF", "p.Val600Glu")], oncotree="COAD"), kb(beacon, mono)
    )
    (therapy,) = only(result.insights, "therapy")
    assert therapy.drugs == ["encorafenib", "cetuximab"]
    assert therapy.tier == "IA"
    assert therapy.title == "Encorafenib + cetuximab for BRAF braf-v600e-enco-cetux"
    assert only(result.insights, "resistance", "cetuximab")


def test_kit_d816v_resistance_is_critical_for_a_patient_on_imatinib_and_removes_imatinib() -> None:
    kit_any = record(
        "kit-any-imatinib", "KIT", Alteration(type="any_mutation"), ["GIST"], ["imatinib"], level="B"
    )
    resist = record(
        "kit-d816v-imatinib-res", "KIT", D816V, ["GIST"], ["imatinib"], direction="resistance", level="B"
    )
    avapritinib_mel = record("kit-d816v-avapritinib", "KIT", D816V, ["MEL"], ["avapritinib"])
    result = match_biomarkers(
        profile([variant("f1", "KIT", "p.Asp816Val")], oncotree="GIST", medications=[("imatinib", "active")]),
        kb(kit_any, resist, avapritinib_mel),
    )
    assert only(result.insights, "therapy", "imatinib") == []
    (resistance,) = only(result.insights, "resistance", "imatinib")
    assert resistance.severity == "critical"
    assert "currently taking" in resistance.summary
    (avapritinib,) = only(result.insights, "therapy", "avapritinib")
    assert avapritinib.tier == "IIC"


def test_resistance_without_the_drug_in_use_is_a_warning() -> None:
    resist = record(
        "kit-d816v-imatinib-res", "KIT", D816V, ["GIST"], ["imatinib"], direction="resistance", level="B"
    )
    result = match_biomarkers(profile([variant("f1", "KIT", "p.Asp816Val")], oncotree="GIST"), kb(resist))
    (resistance,) = only(result.insights, "resistance")
    assert (resistance.severity, resistance.tier) == ("warning", "IB")


def test_off_label_resistance_is_reported_only_for_a_drug_in_use() -> None:
    resist = record("kit-d816v-imatinib-res-mel", "KIT", D816V, ["MEL"], ["imatinib"], direction="resistance")
    finding = [variant("f1", "KIT", "p.Asp816Val")]
    assert match_biomarkers(profile(finding, oncotree="GIST"), kb(resist)).insights == []
    on_drug = match_biomarkers(
        profile(finding, oncotree="GIST", medications=[("imatinib", "planned")]), kb(resist)
    )
    (resistance,) = only(on_drug.insights, "resistance")
    assert resistance.tier == "IIC"
    assert resistance.severity == "critical"


def test_records_with_the_same_regimen_merge_into_one_insight_with_the_best_tier() -> None:
    strong = SOTORASIB_LUNG
    weaker = record(
        "kras-g12c-sotorasib-b",
        "KRAS",
        G12C,
        ["LUAD"],
        ["sotorasib"],
        level="B",
        citations=[Citation(source="PMID", id="fixture-b"), *SOTORASIB_LUNG.citations],
    )
    result = match_biomarkers(profile([variant("f1", "KRAS", "p.Gly12Cys")]), kb(weaker, strong))
    (therapy,) = only(result.insights, "therapy")
    assert therapy.tier == "IA"
    assert [c.id for c in therapy.citations] == ["fixture-kras-g12c-sotorasib", "fixture-b"]


def test_vcf_and_notes_findings_of_one_variant_share_one_insight() -> None:
    findings: list[Finding] = [
        variant("f1", "KRAS", "p.Gly12Cys"),
        variant("f2", "KRAS", "G12C", source="notes"),
    ]
    result = match_biomarkers(profile(findings), kb(SOTORASIB_LUNG))
    (therapy,) = only(result.insights, "therapy")
    assert therapy.finding_ids == ["f1", "f2"]
    assert not any("confirm on the tissue" in line for line in therapy.rationale)


def test_notes_only_finding_asks_for_confirmation_on_tissue() -> None:
    result = match_biomarkers(profile([variant("f1", "KRAS", "G12C", source="notes")]), kb(SOTORASIB_LUNG))
    (therapy,) = only(result.insights, "therapy")
    assert any("confirm on the tissue" in line for line in therapy.rationale)


def test_unannotated_vcf_variant_is_matched_through_a_hotspot_key() -> None:
    hotspot = HotspotVariant(
        gene="KRAS",
        hgvs_p="G12C",
        hgvs_c="c.34G>T",
        transcript="NM_004985.5",
        build="GRCh38",
        chrom="chr12",
        pos=25245351,
        ref="C",
        alt="A",
        citations=[LABEL_CITE],
    )
    bare = VariantFinding(
        id="f1", source="vcf", chrom="12", pos=25245351, ref="C", alt="A", build="GRCh38", annotation="none"
    )
    result = match_biomarkers(profile([bare]), kb(SOTORASIB_LUNG, hotspots=[hotspot]))
    (annotated,) = result.annotated_findings
    assert isinstance(annotated, VariantFinding)
    assert (annotated.gene, annotated.hgvs_p, annotated.annotation) == (
        "KRAS",
        "p.Gly12Cys",
        "knowledge_base",
    )
    assert annotated.hgvs_c == "NM_004985.5:c.34G>T"
    assert only(result.insights, "therapy", "sotorasib")
    assert result.warnings == []


def test_variants_left_unannotated_are_listed_in_one_warning_per_file() -> None:
    bare = [
        VariantFinding(
            id=f"f{n}",
            source="vcf",
            chrom="chr1",
            pos=1000 + n,
            ref="A",
            alt="G",
            build="GRCh38",
            provenance=f"tumor.vcf:line {20 + n}",
        )
        for n in range(1, 8)
    ]
    result = match_biomarkers(profile(list(bare)), kb(SOTORASIB_LUNG))
    assert result.warnings == [
        "7 variants stayed unannotated (no gene/protein annotation in tumor.vcf and no knowledge-base "
        "match): chr1:1001 A>G, chr1:1002 A>G, chr1:1003 A>G, chr1:1004 A>G, chr1:1005 A>G, … and 2 more"
    ]
    assert all(isinstance(f, VariantFinding) and f.annotation == "none" for f in result.annotated_findings)


def test_germline_brca2_truncating_variant_yields_cascade_testing_insight() -> None:
    germline = VariantFinding(id="f1", source="vcf", gene="BRCA2", hgvs_p="p.Glu1857Ter", origin="germline")
    result = match_biomarkers(profile([germline], oncotree="BREAST"), kb())
    (insight,) = only(result.insights, "germline")
    assert insight.genes == ["BRCA2"]
    assert "cascade testing" in insight.summary
    assert insight.citations[0].source == "NCCN"


def test_somatic_truncating_variant_is_not_a_germline_insight() -> None:
    result = match_biomarkers(profile([variant("f1", "BRCA2", "p.Glu1857Ter")], oncotree="BREAST"), kb())
    assert only(result.insights, "germline") == []


def test_prognostic_record_in_tumor_type_yields_prognostic_insight() -> None:
    prognostic = record(
        "braf-v600e-crc-prognosis", "BRAF", V600E, ["COADREAD"], [], direction="prognostic", level="B"
    )
    result = match_biomarkers(
        profile([variant("f1", "BRAF", "p.Val600Glu")], oncotree="COAD"), kb(prognostic)
    )
    (insight,) = only(result.insights, "prognostic")
    assert (insight.tier, insight.drugs) == ("IB", [])


def test_negative_finding_gives_no_insight() -> None:
    negative = NegativeFinding(id="f1", source="fhir", gene="KRAS", alteration="any")
    assert match_biomarkers(profile([negative]), kb(SOTORASIB_LUNG)).insights == []


def test_summary_states_the_approved_setting_without_repeating_the_title() -> None:
    osimertinib = record(
        "egfr-ex19",
        "EGFR",
        Alteration(type="exon_deletion", exons=[19]),
        ["NSCLC"],
        ["osimertinib"],
        label="EGFR exon 19 deletion",
        setting="first-line metastatic",
    )
    result = match_biomarkers(profile([variant("f1", "EGFR", "p.Glu746_Ala750del")]), kb(osimertinib))
    (therapy,) = only(result.insights, "therapy")
    assert therapy.title == "Osimertinib for EGFR exon 19 deletion"
    assert therapy.summary == "FDA-approved in Non-Small Cell Lung Cancer: first-line metastatic."
    assert not any("tier" in line.lower() for line in therapy.rationale)


def test_summaries_stay_within_140_characters_and_the_rationale_keeps_the_whole_setting() -> None:
    setting = "first-line metastatic, after chemoradiation, adjuvant after complete resection " * 3
    long = record(
        "egfr-long",
        "EGFR",
        Alteration(type="exon_deletion", exons=[19]),
        ["NSCLC"],
        ["osimertinib"],
        setting=setting,
    )
    result = match_biomarkers(profile([variant("f1", "EGFR", "p.Glu746_Ala750del")]), kb(long))
    (therapy,) = only(result.insights, "therapy")
    assert len(therapy.summary) <= 140
    assert therapy.summary.endswith("…")
    assert any(setting in line for line in therapy.rationale)
    assert any("exon 19 inferred from the protein position" in line for line in therapy.rationale)


BEACON = record("braf-v600e-enco-cetux", "BRAF", V600E, ["COADREAD"], ["encorafenib", "cetuximab"])
CETUXIMAB_ALONE_FAILS = record(
    "braf-v600e-cetux-res", "BRAF", V600E, ["COADREAD"], ["cetuximab"], direction="resistance", level="B"
)


def test_resistance_is_critical_when_the_failing_drug_is_planned_alone() -> None:
    patient = profile(
        [variant("f1", "BRAF", "p.Val600Glu")], oncotree="COAD", medications=[("cetuximab", "planned")]
    )
    result = match_biomarkers(patient, kb(BEACON, CETUXIMAB_ALONE_FAILS))
    (resistance,) = only(result.insights, "resistance")
    assert resistance.severity == "critical"
    assert any(
        line.startswith("Still an option in combination: encorafenib + cetuximab")
        for line in resistance.rationale
    )


def test_resistance_is_a_warning_when_the_whole_overcoming_combination_is_planned() -> None:
    patient = profile(
        [variant("f1", "BRAF", "p.Val600Glu")],
        oncotree="COAD",
        medications=[("cetuximab", "planned"), ("encorafenib", "planned")],
    )
    result = match_biomarkers(patient, kb(BEACON, CETUXIMAB_ALONE_FAILS))
    (resistance,) = only(result.insights, "resistance")
    assert resistance.severity == "warning"


def test_tumor_type_exclusion_vetoes_the_same_regimen_from_other_tumor_types() -> None:
    agnostic = record(
        "braf-v600e-dab-tram",
        "BRAF",
        V600E,
        ["SOLID"],
        ["dabrafenib", "trametinib"],
        excluded_diseases=["COADREAD"],
    )
    lung = record("braf-v600e-dab-tram-lung", "BRAF", V600E, ["NSCLC"], ["dabrafenib", "trametinib"])
    result = match_biomarkers(
        profile([variant("f1", "BRAF", "p.Val600Glu")], oncotree="COAD"), kb(agnostic, lung)
    )
    assert result.insights == []


def test_off_label_therapy_is_dropped_when_the_finding_has_a_tier_i_option() -> None:
    crc_combo = record("kras-g12c-crc-combo", "KRAS", G12C, ["COADREAD"], ["sotorasib", "panitumumab"])
    result = match_biomarkers(profile([variant("f1", "KRAS", "p.Gly12Cys")]), kb(SOTORASIB_LUNG, crc_combo))
    assert [i.drugs for i in only(result.insights, "therapy")] == [["sotorasib"]]


def test_off_label_therapy_is_the_fallback_without_a_tier_i_option() -> None:
    crc_combo = record("kras-g12c-crc-combo", "KRAS", G12C, ["COADREAD"], ["sotorasib", "panitumumab"])
    result = match_biomarkers(
        profile([variant("f1", "KRAS", "p.Gly12Cys")], oncotree="PAAD"), kb(SOTORASIB_LUNG, crc_combo)
    )
    assert sorted(tuple(i.drugs) for i in only(result.insights, "therapy")) == [
        ("sotorasib",),
        ("sotorasib", "panitumumab"),
    ]


def test_unknown_oncotree_code_is_warned_and_graded_as_unknown_tumor_type() -> None:
    result = match_biomarkers(
        profile([variant("f1", "KRAS", "p.Gly12Cys")], oncotree="NOTACODE"), kb(SOTORASIB_LUNG)
    )
    (therapy,) = only(result.insights, "therapy")
    assert therapy.tier == "IIC"
    assert result.warnings[0] == (
        "diagnosis OncoTree code 'NOTACODE' is not in the packaged OncoTree release; "
        "it was left out of biomarker tiering"
    )


def test_legacy_oncotree_code_is_resolved_before_tiering() -> None:
    glioma = record(
        "idh1-r132h-glioma",
        "IDH1",
        Alteration(type="protein_change", values=["R132H"]),
        ["GB"],
        ["vorasidenib"],
    )
    result = match_biomarkers(profile([variant("f1", "IDH1", "p.Arg132His")], oncotree="GBM"), kb(glioma))
    (therapy,) = only(result.insights, "therapy")
    assert therapy.tier == "IA"


def test_fusion_named_by_its_five_prime_gene_reaches_the_three_prime_genes_record() -> None:
    alk = record("alk-fusion-alectinib", "ALK", Alteration(type="fusion"), ["NSCLC"], ["alectinib"])
    fusion = FusionFinding(id="f1", source="table", gene="EML4", five_prime="EML4", three_prime="ALK")
    (therapy,) = only(match_biomarkers(profile([fusion]), kb(alk)).insights, "therapy")
    assert therapy.finding_ids == ["f1"]
    assert therapy.rationale[0] == "EML4–ALK fusion (results table)"
    assert "LUAD" in therapy.rationale[1]


def test_her2_ihc_result_without_gene_reaches_the_erbb2_record() -> None:
    her2 = record(
        "erbb2-ihc3-trastuzumab",
        "ERBB2",
        Alteration(type="biomarker", biomarker="HER2", levels=["3+"]),
        ["BREAST"],
        ["trastuzumab"],
    )
    result = BiomarkerFinding(
        id="f1", source="fhir", biomarker="HER2", method="IHC", value="3+", status="positive"
    )
    (therapy,) = only(match_biomarkers(profile([result], oncotree="IDC"), kb(her2)).insights, "therapy")
    assert (therapy.tier, therapy.genes) == ("IA", ["ERBB2"])


PD_L1_TPS50 = Alteration(type="biomarker", biomarker="PD-L1", scoring="TPS", min_value=50)
NO_EGFR = AbsentAlteration(
    gene="EGFR", alteration=Alteration(type="exon_mutation", exons=[18, 19, 20, 21]), label="an EGFR mutation"
)
NO_ALK = AbsentAlteration(gene="ALK", alteration=Alteration(type="fusion"), label="an ALK rearrangement")
PEMBROLIZUMAB_TPS50 = record(
    "pdl1-tps50-pembrolizumab",
    "CD274",
    PD_L1_TPS50,
    ["NSCLC"],
    ["pembrolizumab"],
    label="PD-L1 TPS ≥50%",
    requires_absent=[NO_EGFR, NO_ALK],
    citations=[Citation(source="FDA", id="fixture IO label")],
)


def tps(fid: str = "f1", value: float = 60) -> BiomarkerFinding:
    return BiomarkerFinding(
        id=fid,
        source="fhir",
        biomarker="PD-L1",
        scoring="TPS",
        value=f"{value:g}%",
        numeric=value,
        status="positive",
    )


def test_io_record_is_withheld_when_the_label_excluded_egfr_mutation_is_present() -> None:
    findings: list[Finding] = [tps(), variant("f2", "EGFR", "p.Glu746_Ala750del", vaf=0.38)]
    result = match_biomarkers(profile(findings), kb(PEMBROLIZUMAB_TPS50))
    assert only(result.insights, "therapy") == []
    assert result.warnings == [
        "pembrolizumab for PD-L1 TPS ≥50% not listed: its indication excludes tumors with an EGFR mutation "
        "(fixture IO label); found EGFR p.Glu746_Ala750del at VAF 38% (VCF)"
    ]


def test_io_record_applies_when_the_excluded_alterations_are_absent() -> None:
    findings: list[Finding] = [
        tps(),
        variant("f2", "KRAS", "p.Gly12Cys"),
        NegativeFinding(id="f3", source="fhir", gene="EGFR", alteration="any"),
    ]
    result = match_biomarkers(profile(findings), kb(PEMBROLIZUMAB_TPS50))
    (therapy,) = only(result.insights, "therapy", "pembrolizumab")
    assert therapy.tier == "IA"
    assert result.warnings == []
    assert (
        "Label limited to tumors without an EGFR mutation or an ALK rearrangement: none is reported in the "
        "inputs; finding one would withdraw this option"
    ) in therapy.rationale


def test_alk_fusion_stated_only_in_notes_withholds_the_io_record() -> None:
    fusion = FusionFinding(id="f2", source="notes", gene="ALK", five_prime="EML4", three_prime="ALK")
    result = match_biomarkers(profile([tps(), fusion]), kb(PEMBROLIZUMAB_TPS50))
    assert only(result.insights, "therapy") == []
    assert result.warnings[0].endswith("found EML4–ALK fusion (clinical notes)")


def test_withheld_record_outside_the_tumor_type_is_not_warned_about() -> None:
    findings: list[Finding] = [tps(), variant("f2", "EGFR", "p.Leu858Arg")]
    result = match_biomarkers(profile(findings, oncotree="BLCA"), kb(PEMBROLIZUMAB_TPS50))
    assert result.insights == []
    assert result.warnings == []


LETROZOLE_ER = record(
    "er-letrozole",
    "ESR1",
    Alteration(type="biomarker", biomarker="ER", status="positive"),
    ["BREAST"],
    ["letrozole"],
    label="estrogen receptor-positive",
)
PALBOCICLIB_LETROZOLE_ER = record(
    "er-palbociclib-letrozole",
    "ESR1",
    Alteration(type="biomarker", biomarker="ER", status="positive"),
    ["BREAST"],
    ["palbociclib", "letrozole"],
    label="estrogen receptor-positive",
)
FULVESTRANT_ER = record(
    "er-fulvestrant-palbociclib",
    "ESR1",
    Alteration(type="biomarker", biomarker="ER", status="positive"),
    ["BREAST"],
    ["fulvestrant", "palbociclib"],
    label="estrogen receptor-positive",
)
ER_POSITIVE = BiomarkerFinding(id="f1", source="fhir", biomarker="ER", value="95%", status="positive")


def test_regimen_already_received_in_full_is_not_offered_again() -> None:
    patient = profile(
        [ER_POSITIVE], oncotree="IDC", medications=[("letrozole", "stopped"), ("palbociclib", "stopped")]
    )
    result = match_biomarkers(patient, kb(LETROZOLE_ER, PALBOCICLIB_LETROZOLE_ER, FULVESTRANT_ER))
    assert [i.drugs for i in only(result.insights, "therapy")] == [["fulvestrant", "palbociclib"]]
    assert result.warnings == [
        "letrozole not listed: previously received (stopped); check whether it was given in the adjuvant "
        "setting",
        "palbociclib + letrozole not listed: previously received (stopped); check whether it was given in "
        "the adjuvant setting",
    ]


def test_stopped_drug_planned_again_is_still_offered() -> None:
    patient = profile(
        [ER_POSITIVE], oncotree="IDC", medications=[("letrozole", "stopped"), ("letrozole", "planned")]
    )
    result = match_biomarkers(patient, kb(LETROZOLE_ER))
    assert only(result.insights, "therapy", "letrozole")
    assert result.warnings == []


def test_hematologic_record_never_applies_to_a_solid_tumor_even_on_the_drug() -> None:
    cll = record(
        "tp53-cll-fcr-res",
        "TP53",
        Alteration(type="any_mutation"),
        ["CLLSLL"],
        ["fludarabine", "cyclophosphamide", "rituximab"],
        direction="resistance",
    )
    aml = record(
        "tp53-aml-prognosis", "TP53", Alteration(type="any_mutation"), ["AML"], [], direction="prognostic"
    )
    finding = [variant("f1", "TP53", "p.Arg273His")]
    on_drugs = [("fludarabine", "active"), ("cyclophosphamide", "active"), ("rituximab", "active")]
    result = match_biomarkers(profile(finding, oncotree="CUP", medications=on_drugs), kb(cll, aml))
    assert result.insights == []


def test_hematologic_record_never_applies_to_an_unknown_tumor_type() -> None:
    cll = record(
        "tp53-cll-fcr-res",
        "TP53",
        Alteration(type="any_mutation"),
        ["CLLSLL"],
        ["fludarabine", "cyclophosphamide", "rituximab"],
        direction="resistance",
    )
    result = match_biomarkers(profile([variant("f1", "TP53", "p.Arg273His")], oncotree=None), kb(cll))
    assert result.insights == []


def test_hematologic_record_still_applies_to_a_hematologic_malignancy() -> None:
    cll = record(
        "tp53-cll-fcr-res",
        "TP53",
        Alteration(type="any_mutation"),
        ["CLLSLL"],
        ["fludarabine", "cyclophosphamide", "rituximab"],
        direction="resistance",
    )
    result = match_biomarkers(profile([variant("f1", "TP53", "p.Arg273His")], oncotree="CLLSLL"), kb(cll))
    (resistance,) = only(result.insights, "resistance")
    assert resistance.tier == "IA"


def test_prognostic_record_needs_the_tumor_type_to_be_known() -> None:
    prognostic = record(
        "braf-v600e-crc-prognosis", "BRAF", V600E, ["COADREAD"], [], direction="prognostic", level="B"
    )
    result = match_biomarkers(profile([variant("f1", "BRAF", "p.Val600Glu")], oncotree=None), kb(prognostic))
    assert result.insights == []


def test_hotspot_hgvs_c_that_names_its_transcript_is_not_prefixed_again() -> None:
    hotspot = HotspotVariant(
        gene="PDGFRA",
        hgvs_p="D842V",
        hgvs_c="NM_006206.4:c.2525A>T",
        transcript="NM_006206.4",
        build="GRCh38",
        chrom="chr4",
        pos=54285926,
        ref="A",
        alt="T",
        citations=[LABEL_CITE],
    )
    bare = VariantFinding(id="f1", source="vcf", chrom="chr4", pos=54285926, ref="A", alt="T", build="GRCh38")
    (annotated,) = match_biomarkers(
        profile([bare], oncotree="GIST"), kb(hotspots=[hotspot])
    ).annotated_findings
    assert isinstance(annotated, VariantFinding)
    assert annotated.hgvs_c == "NM_006206.4:c.2525A>T"


LAROTRECTINIB = record(
    "ntrk3-fusion-larotrectinib", "NTRK3", Alteration(type="fusion"), ["SOLID"], ["larotrectinib"]
)
PARTNER_LINE = "partner not identified; confirm an in-frame fusion by RNA"


def test_ntrk_fusion_without_a_named_partner_asks_for_rna_confirmation_citing_esmo() -> None:
    fusion = FusionFinding(id="f1", source="table", gene="NTRK3", three_prime="NTRK3", origin="somatic")
    [therapy] = only(match_biomarkers(profile([fusion], "IDC"), kb(LAROTRECTINIB)).insights, "therapy")
    assert therapy.tier == "IA"
    assert therapy.rationale[0].startswith("NTRK3 fusion (5′ partner not named)")
    assert any(line.startswith(f"NTRK3 fusion: {PARTNER_LINE}") for line in therapy.rationale)
    assert any(c.source == "ESMO" and "31268127" in c.id for c in therapy.citations)


def test_ntrk_fusion_with_a_named_partner_needs_no_partner_caveat() -> None:
    fusion = FusionFinding(
        id="f1", source="fhir", gene="NTRK3", partner="ETV6", five_prime="ETV6", three_prime="NTRK3"
    )
    [therapy] = only(match_biomarkers(profile([fusion], "IDC"), kb(LAROTRECTINIB)).insights, "therapy")
    assert not any(PARTNER_LINE in line for line in therapy.rationale)
    assert all(c.source != "ESMO" for c in therapy.citations)
