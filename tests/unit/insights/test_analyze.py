"""analyze() on hand-built profiles with the real packaged knowledge base.

Profiles 01-03 mirror the public acceptance cases (../shared/acceptance/cases) at the profile
level, so these tests exercise matching and tiering without depending on the ingest stage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from integrome import analyze as top_level_analyze
from integrome.insights import analyze
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.model import (
    Analysis,
    BiomarkerFinding,
    Diagnosis,
    Finding,
    Insight,
    Medication,
    NegativeFinding,
    Patient,
    PatientProfile,
    SiteGenotype,
    VariantFinding,
)

NOW = "2025-03-07T12:00:00Z"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The packaged records in a KB object of our own: analyze loads PGx tables into the KB it is
    given, and `load_knowledge_base()` hands every caller the same cached instance."""
    packaged = load_knowledge_base()
    return KnowledgeBase(
        version=packaged.version,
        files=packaged.files,
        biomarkers=packaged.biomarkers,
        hotspots=packaged.hotspots,
    )


def somatic(
    fid: str, gene: str, hgvs_p: str, chrom: str, pos: int, ref: str, alt: str, vaf: float
) -> VariantFinding:
    return VariantFinding(
        id=fid,
        source="vcf",
        origin="somatic",
        gene=gene,
        hgvs_p=hgvs_p,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        build="GRCh38",
        zygosity="heterozygous",
        vaf=vaf,
        provenance=f"variants.vcf:{gene}",
    )


def make_profile(
    oncotree: str | None, display: str, findings: list[Finding], medications: list[tuple[str, str]]
) -> PatientProfile:
    diagnoses = [Diagnosis(system="text", code=display, display=display, oncotree=oncotree)]
    meds = [Medication(name=name, status=status) for name, status in medications]
    return PatientProfile(patient=Patient(id="p1", diagnoses=diagnoses, medications=meds), findings=findings)


def nsclc_kras_g12c() -> PatientProfile:
    """Case 01: stage IVB lung adenocarcinoma after carboplatin + pemetrexed + pembrolizumab."""
    return make_profile(
        "LUAD",
        "Adenocarcinoma of right lower lobe of lung, stage IVB",
        [
            somatic("f1", "KRAS", "p.Gly12Cys", "chr12", 25245351, "C", "A", 0.342),
            somatic("f2", "TP53", "p.Arg273His", "chr17", 7673802, "C", "T", 0.413),
            BiomarkerFinding(
                id="f3",
                source="fhir",
                biomarker="PD-L1",
                method="IHC",
                scoring="TPS",
                value="20%",
                numeric=20.0,
                unit="%",
                status="positive",
            ),
            NegativeFinding(id="f4", source="fhir", gene="ALK", alteration="fusion", method="IHC"),
        ],
        [
            ("carboplatin", "stopped"),
            ("pemetrexed", "stopped"),
            ("pembrolizumab", "stopped"),
            ("amlodipine", "active"),
        ],
    )


def crc_braf_v600e() -> PatientProfile:
    """Case 02: metastatic right-sided colon adenocarcinoma after FOLFOX + bevacizumab."""
    return make_profile(
        "COAD",
        "Adenocarcinoma of ascending colon, metastatic to liver and peritoneum",
        [
            somatic("f1", "BRAF", "p.Val600Glu", "chr7", 140753336, "A", "T", 0.421),
            somatic("f2", "TP53", "p.Arg248Gln", "chr17", 7674220, "C", "T", 0.389),
            BiomarkerFinding(
                id="f3", source="fhir", biomarker="MMR", method="IHC", value="proficient", status="negative"
            ),
            BiomarkerFinding(
                id="f4", source="fhir", biomarker="MSI", method="NGS", value="MSS", status="negative"
            ),
            NegativeFinding(id="f5", source="fhir", gene="KRAS", alteration="mutation", method="NGS"),
            NegativeFinding(id="f6", source="fhir", gene="NRAS", alteration="mutation", method="NGS"),
        ],
        [
            ("oxaliplatin", "stopped"),
            ("fluorouracil", "stopped"),
            ("leucovorin", "stopped"),
            ("bevacizumab", "stopped"),
            ("metformin", "active"),
        ],
    )


def gist_kit_d816v() -> PatientProfile:
    """Case 03: metastatic gastric GIST progressing on imatinib 400 mg."""
    return make_profile(
        "GIST",
        "Gastrointestinal stromal tumor of stomach, metastatic to liver",
        [
            somatic("f1", "KIT", "p.Asp816Val", "chr4", 54733155, "A", "T", 0.363),
            BiomarkerFinding(
                id="f2",
                source="fhir",
                biomarker="KIT",
                gene="KIT",
                method="IHC",
                value="positive",
                status="positive",
            ),
        ],
        [("imatinib", "active"), ("atorvastatin", "active")],
    )


def insights_of(
    analysis: Analysis, kind: str, gene: str | None = None, drug: str | None = None
) -> list[Insight]:
    return [
        i
        for i in analysis.insights
        if i.kind == kind and (gene is None or gene in i.genes) and (drug is None or drug in i.drugs)
    ]


# --- case 01: KRAS G12C lung adenocarcinoma ------------------------------------------------------------


def test_kras_g12c_luad_gets_a_tier_ia_kras_g12c_inhibitor(kb: KnowledgeBase) -> None:
    analysis = analyze(nsclc_kras_g12c(), kb, generated_at=NOW)
    inhibitors = insights_of(analysis, "therapy", "KRAS", "sotorasib") + insights_of(
        analysis, "therapy", "KRAS", "adagrasib"
    )
    assert inhibitors
    assert all(i.tier == "IA" for i in inhibitors)


def test_kras_g12c_luad_gets_no_osimertinib_and_no_tp53_therapy(kb: KnowledgeBase) -> None:
    analysis = analyze(nsclc_kras_g12c(), kb, generated_at=NOW)
    assert insights_of(analysis, "therapy", drug="osimertinib") == []
    assert insights_of(analysis, "therapy", gene="TP53") == []


def test_kras_g12c_is_not_called_resistance_to_its_inhibitors(kb: KnowledgeBase) -> None:
    analysis = analyze(nsclc_kras_g12c(), kb, generated_at=NOW)
    for drug in ("sotorasib", "adagrasib"):
        assert insights_of(analysis, "resistance", "KRAS", drug) == []


# --- case 02: BRAF V600E colon adenocarcinoma ----------------------------------------------------------


def test_braf_v600e_crc_gets_encorafenib_with_anti_egfr_tier_ia(kb: KnowledgeBase) -> None:
    analysis = analyze(crc_braf_v600e(), kb, generated_at=NOW)
    combos = [
        i
        for i in insights_of(analysis, "therapy", "BRAF", "encorafenib")
        if {"cetuximab", "panitumumab"} & set(i.drugs)
    ]
    assert any(i.tier == "IA" for i in combos)


def test_braf_v600e_crc_never_gets_tier_ia_dabrafenib_trametinib_without_anti_egfr(kb: KnowledgeBase) -> None:
    analysis = analyze(crc_braf_v600e(), kb, generated_at=NOW)
    for insight in insights_of(analysis, "therapy", "BRAF", "dabrafenib"):
        if "trametinib" in insight.drugs and not {"cetuximab", "panitumumab"} & set(insight.drugs):
            assert insight.tier != "IA"


def test_braf_v600e_is_not_called_resistance_to_encorafenib(kb: KnowledgeBase) -> None:
    analysis = analyze(crc_braf_v600e(), kb, generated_at=NOW)
    assert insights_of(analysis, "resistance", "BRAF", "encorafenib") == []


# --- case 03: KIT D816V GIST on imatinib -----------------------------------------------------------------


def test_kit_d816v_gist_reports_imatinib_resistance_as_critical_for_a_patient_on_it(
    kb: KnowledgeBase,
) -> None:
    analysis = analyze(gist_kit_d816v(), kb, generated_at=NOW)
    (resistance,) = insights_of(analysis, "resistance", "KIT", "imatinib")
    assert resistance.severity == "critical"
    assert analysis.insights[0] == resistance


def test_kit_d816v_gist_gets_no_imatinib_therapy_and_no_tier_ia_avapritinib(kb: KnowledgeBase) -> None:
    analysis = analyze(gist_kit_d816v(), kb, generated_at=NOW)
    assert insights_of(analysis, "therapy", "KIT", "imatinib") == []
    assert all(i.tier != "IA" for i in insights_of(analysis, "therapy", "KIT", "avapritinib"))


# --- resistance, tiers, annotation, determinism ----------------------------------------------------------


def test_kras_g12d_crc_gets_anti_egfr_resistance_instead_of_therapy(kb: KnowledgeBase) -> None:
    profile = make_profile(
        "COAD",
        "Colon adenocarcinoma",
        [somatic("f1", "KRAS", "p.Gly12Asp", "chr12", 25245350, "C", "T", 0.3)],
        [],
    )
    analysis = analyze(profile, kb, generated_at=NOW)
    for drug in ("cetuximab", "panitumumab"):
        assert insights_of(analysis, "therapy", drug=drug) == []
        assert insights_of(analysis, "resistance", "KRAS", drug)


def test_same_variant_is_tier_ia_in_indication_and_iic_elsewhere(kb: KnowledgeBase) -> None:
    variant = somatic("f1", "KRAS", "p.Gly12Cys", "chr12", 25245351, "C", "A", 0.3)
    lung = analyze(make_profile("LUAD", "Lung adenocarcinoma", [variant], []), kb, generated_at=NOW)
    pancreas = analyze(make_profile("PAAD", "Pancreatic adenocarcinoma", [variant], []), kb, generated_at=NOW)
    assert {i.tier for i in insights_of(lung, "therapy", "KRAS", "sotorasib")} == {"IA"}
    assert {i.tier for i in insights_of(pancreas, "therapy", "KRAS", "sotorasib")} == {"IIC"}


def test_unannotated_vcf_variant_is_annotated_and_matched_via_hotspot_key(kb: KnowledgeBase) -> None:
    bare = VariantFinding(
        id="f1",
        source="vcf",
        chrom="chr12",
        pos=25245351,
        ref="C",
        alt="A",
        build="GRCh38",
        annotation="none",
    )
    analysis = analyze(make_profile("LUAD", "Lung adenocarcinoma", [bare], []), kb, generated_at=NOW)
    (finding,) = analysis.findings
    assert isinstance(finding, VariantFinding)
    assert (finding.gene, finding.hgvs_p, finding.annotation) == ("KRAS", "p.Gly12Cys", "knowledge_base")
    assert insights_of(analysis, "therapy", "KRAS", "sotorasib")


def test_analysis_carries_kb_version_patient_and_profile_warnings_once(kb: KnowledgeBase) -> None:
    profile = nsclc_kras_g12c().model_copy(update={"warnings": ["notes.txt:line 3: dose unreadable"] * 2})
    analysis = analyze(profile, kb, generated_at=NOW)
    assert analysis.kb_version == kb.version
    assert analysis.patient == profile.patient
    assert analysis.generated_at == NOW
    assert analysis.warnings.count("notes.txt:line 3: dose unreadable") == 1
    assert [i.id for i in analysis.insights] == [f"i{n}" for n in range(1, len(analysis.insights) + 1)]


def test_every_insight_is_cited(kb: KnowledgeBase) -> None:
    for profile in (nsclc_kras_g12c(), crc_braf_v600e(), gist_kit_d816v()):
        assert all(i.citations for i in analyze(profile, kb, generated_at=NOW).insights)


def test_analyze_twice_gives_identical_json(kb: KnowledgeBase) -> None:
    first = analyze(crc_braf_v600e(), kb, generated_at=NOW).to_json()
    second = analyze(crc_braf_v600e(), kb, generated_at=NOW).to_json()
    assert first == second


def test_analyze_is_exported_from_the_package() -> None:
    assert top_level_analyze is analyze


# --- the public acceptance checker on the profile-level analyses ---------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("case", "build"),
    [
        ("01-nsclc-kras-g12c", nsclc_kras_g12c),
        ("02-crc-braf-v600e", crc_braf_v600e),
        ("03-gist-kit-d816v-imatinib-resistance", gist_kit_d816v),
    ],
)
def test_acceptance_checker_passes_on_profile_level_analysis(
    case: str, build: Any, kb: KnowledgeBase, shared_acceptance: Path, tmp_path: Path
) -> None:
    output = tmp_path / "analysis.json"
    output.write_text(analyze(build(), kb, generated_at=NOW).to_json())
    checker = subprocess.run(
        [
            sys.executable,
            str(shared_acceptance / "check.py"),
            str(shared_acceptance / "cases" / case),
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checker.returncode == 0, checker.stdout + checker.stderr
    assert json.loads(output.read_text())["schema"] == "integrome.analysis/1"


# --- pharmacogenomic testing before drugs the analysis proposes ----------------------------------


def untreated_crc_braf_v600e(medications: list[tuple[str, str]] | None = None) -> PatientProfile:
    return make_profile(
        "COAD",
        "Adenocarcinoma of ascending colon, metastatic to liver",
        [somatic("f1", "BRAF", "p.Val600Glu", "chr7", 140753336, "A", "T", 0.421)],
        medications or [],
    )


def dpyd_tests(analysis: Analysis) -> list[Insight]:
    return [
        i for i in analysis.insights if i.kind == "test_recommendation" and i.tests == ["DPYD genotyping"]
    ]


def test_proposed_fluoropyrimidine_regimen_without_dpyd_result_recommends_dpyd_genotyping(
    kb: KnowledgeBase,
) -> None:
    analysis = analyze(untreated_crc_braf_v600e(), kb, generated_at=NOW)
    regimen = next(
        i for i in insights_of(analysis, "therapy", "BRAF", "encorafenib") if "fluorouracil" in i.drugs
    )
    (test,) = dpyd_tests(analysis)
    assert test.severity == "warning"
    assert test.drugs == ["fluorouracil"]
    assert any(c.source == "CPIC" and c.id == "PMID:29152729" for c in test.citations)
    assert any(regimen.title in line and "proposed" in line for line in test.rationale)
    dpyd = next(r for r in analysis.pgx if r.gene == "DPYD")
    assert (dpyd.assessed, dpyd.phenotype) == (False, "Not assessed")
    assert any(line.startswith("Before fluorouracil: DPYD genotyping") for line in regimen.rationale)


def test_planned_capecitabine_without_dpyd_result_recommends_dpyd_genotyping_once(kb: KnowledgeBase) -> None:
    analysis = analyze(untreated_crc_braf_v600e([("capecitabine", "planned")]), kb, generated_at=NOW)
    (test,) = [i for i in dpyd_tests(analysis)]
    assert "capecitabine" in test.drugs


def test_no_dpyd_recommendation_without_a_proposed_or_planned_fluoropyrimidine(kb: KnowledgeBase) -> None:
    analysis = analyze(nsclc_kras_g12c(), kb, generated_at=NOW)
    assert dpyd_tests(analysis) == []


def test_proposed_fluoropyrimidine_regimen_carries_avoid_for_a_dpyd_poor_metabolizer(
    kb: KnowledgeBase,
) -> None:
    star2a_homozygous = SiteGenotype(chrom="chr1", pos=97450058, ref="C", alts=["T"], alleles=["T", "T"])
    profile = untreated_crc_braf_v600e().model_copy(update={"sites": [star2a_homozygous]})
    analysis = analyze(profile, kb, generated_at=NOW)
    regimen = next(
        i for i in insights_of(analysis, "therapy", "BRAF", "encorafenib") if "fluorouracil" in i.drugs
    )
    assert (regimen.tier, regimen.severity) == ("IA", "critical")
    assert "avoiding fluorouracil" in regimen.summary
    (alert,) = insights_of(analysis, "contraindication", "DPYD", "fluorouracil")
    assert alert.severity == "critical"
    assert any(line.startswith("fluorouracil is part of a proposed option") for line in alert.rationale)
    assert dpyd_tests(analysis) == []
