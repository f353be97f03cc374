"""An analysis built directly from the models, with one insight of each section's kind.

The citations are real public sources for the statements they back (CPIC clopidogrel 2022,
FLAURA, the Tagrisso and Erbitux labels, CPIC DPYD 2017).
"""

from __future__ import annotations

from integrome.model import (
    Analysis,
    BiomarkerFinding,
    Citation,
    Diagnosis,
    InputDocument,
    Insight,
    Medication,
    NegativeFinding,
    Patient,
    PgxResult,
    TestOption,
    VariantFinding,
)

CPIC_CLOPIDOGREL = Citation(
    source="CPIC", id="PMID 35034351", url="https://pubmed.ncbi.nlm.nih.gov/35034351/"
)
FLAURA = Citation(source="PMID", id="29151359")
TAGRISSO = Citation(source="FDA", id="Tagrisso (osimertinib) label")
ERBITUX = Citation(source="FDA", id="Erbitux (cetuximab) label")
CPIC_DPYD = Citation(source="PMID", id="29152729")


def make_analysis(**changes: object) -> Analysis:
    """The reference analysis; keyword arguments replace top-level fields."""
    patient = Patient(
        id="DEMO-0001",
        sex="female",
        birth_date="1961-04-02",
        diagnoses=[
            Diagnosis(
                system="http://snomed.info/sct",
                code="254626006",
                display="Adenocarcinoma of lung",
                oncotree="LUAD",
            )
        ],
        medications=[
            Medication(name="clopidogrel", rxnorm="32968", status="active", text="Clopidogrel 75 mg tablet"),
            Medication(name="osimertinib", status="planned"),
            Medication(name="carboplatin", status="stopped"),
        ],
    )
    findings = [
        VariantFinding(
            id="f1",
            source="vcf",
            origin="somatic",
            gene="EGFR",
            hgvs_c="NM_005228.5:c.2573T>G",
            hgvs_p="p.Leu858Arg",
            chrom="chr7",
            pos=55191822,
            ref="T",
            alt="G",
            build="GRCh38",
            vaf=0.31,
            consequence="missense_variant",
            provenance="tumor.vcf:line 20",
        ),
        VariantFinding(
            id="f2",
            source="vcf",
            origin="somatic",
            chrom="chr3",
            pos=1000,
            ref="A",
            alt="C",
            build="GRCh38",
            vaf=0.12,
            annotation="none",
        ),
        BiomarkerFinding(
            id="f3",
            source="fhir",
            biomarker="PD-L1",
            gene="CD274",
            method="IHC",
            scoring="TPS",
            value="60%",
            numeric=60.0,
            unit="%",
            status="positive",
        ),
        NegativeFinding(id="f4", source="notes", gene="ALK", alteration="fusion", method="IHC"),
    ]
    insights = [
        Insight(
            id="i1",
            kind="therapy",
            title="Osimertinib for EGFR L858R",
            summary="EGFR L858R predicts benefit from osimertinib in metastatic NSCLC.",
            genes=["EGFR"],
            drugs=["osimertinib"],
            tier="IA",
            evidence_level="A",
            rationale=["EGFR L858R found in the tumor VCF at 31% VAF."],
            finding_ids=["f1"],
            citations=[TAGRISSO, FLAURA],
        ),
        Insight(
            id="i2",
            kind="pgx",
            title="Clopidogrel: CYP2C19 poor metabolizer",
            summary="Avoid clopidogrel; use prasugrel or ticagrelor if not contraindicated.",
            severity="critical",
            genes=["CYP2C19"],
            drugs=["clopidogrel"],
            evidence_level="A",
            classification="strong",
            alternatives=["prasugrel", "ticagrelor"],
            citations=[CPIC_CLOPIDOGREL],
        ),
        Insight(
            id="i3",
            kind="resistance",
            title="Cetuximab resistance",
            summary="RAS-mutant colorectal cancer does not respond to cetuximab.",
            severity="warning",
            genes=["KRAS"],
            drugs=["cetuximab"],
            tier="IA",
            citations=[ERBITUX],
        ),
        Insight(
            id="i4",
            kind="test_recommendation",
            title="DPYD genotyping before fluoropyrimidines",
            summary="Genotype DPYD before starting a fluoropyrimidine.",
            genes=["DPYD"],
            tests=["DPYD genotyping"],
            urgency="soon",
            specimen="blood",
            options=[
                TestOption(
                    test_id="t1",
                    name="DPYD targeted genotyping",
                    provider="Example Lab",
                    covers=["DPYD"],
                    turnaround_days=7,
                )
            ],
            citations=[CPIC_DPYD],
        ),
        Insight(
            id="i5",
            kind="trial",
            title="FLAURA (NCT02296125)",
            summary="Osimertinib versus gefitinib or erlotinib in untreated EGFR-mutant NSCLC.",
            genes=["EGFR"],
            drugs=["osimertinib"],
            citations=[Citation(source="ClinicalTrials.gov", id="NCT02296125")],
        ),
    ]
    pgx = [
        PgxResult(
            gene="CYP2C19", diplotype="*2/*2", phenotype="Poor Metabolizer", assessed=True, source="vcf"
        ),
        PgxResult(
            gene="CYP2C9",
            phenotype="Not assessed",
            assessed=False,
            missing_positions=[
                "chr10:94938683 (rs114071557)",
                "chr10:94938719",
                "chr10:94938737 (rs67807361)",
                "chr10:94938771 (rs142240658)",
                "chr10:94938788",
                "chr10:94942290 (rs1799853)",
            ],
        ),
    ]
    fields: dict[str, object] = {
        "kb_version": "2026.1.0",
        "generated_at": "2026-01-01T00:00:00Z",
        "patient": patient,
        "findings": findings,
        "pgx": pgx,
        "insights": insights,
        "warnings": ["germline.vcf:line 12: FILTER is not PASS; call ignored"],
        "inputs": [
            InputDocument(name="tumor.vcf", format="vcf", sha256="ab" * 32, size=2048, role="somatic"),
        ],
    }
    fields.update(changes)
    return Analysis.model_validate(fields)
