"""Round trip: our FHIR bundle read back through the FHIR ingest gives the same findings and genotypes."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.deliver.sample import make_analysis

from integrome.deliver import analysis_to_fhir
from integrome.ingest._result import IngestResult
from integrome.ingest.fhir import read_fhir_data
from integrome.model import (
    CopyNumberFinding,
    Finding,
    FusionFinding,
    NegativeFinding,
    PgxResult,
    VariantFinding,
)

_NOT_CARRIED = {"id", "source", "provenance", "annotation", "consequence", "depth", "exon"}
"""Bookkeeping and annotation the IG Variant does not hold (consequence goes to MolecularConsequence)."""

FINDINGS: list[Finding] = [
    VariantFinding(
        id="f1", source="vcf", origin="somatic", gene="EGFR", hgvs_c="NM_005228.5:c.2573T>G",
        hgvs_p="p.Leu858Arg", chrom="chr7", pos=55191822, ref="T", alt="G", build="GRCh38", vaf=0.31,
        zygosity="heterozygous",
    ),
    VariantFinding(
        id="f2", source="vcf", origin="somatic", gene="EGFR", hgvs_c="NM_005228.5:c.2235_2249del",
        hgvs_p="p.Glu746_Ala750del", chrom="chr7", pos=55174771, ref="AGGAATTAAGAGAAGC", alt="A",
        build="GRCh38", vaf=0.12,
    ),
    VariantFinding(
        id="f3", source="vcf", origin="germline", gene="BRCA1", hgvs_c="NM_007294.4:c.68_69del",
        hgvs_p="p.Glu23fs", chrom="chr17", pos=41276044, ref="ACT", alt="A", build="GRCh37",
        zygosity="heterozygous", vaf=0.5,
    ),
    VariantFinding(
        id="f4", source="vcf", origin="germline", gene="G6PD", chrom="chrX", pos=154536002, ref="C",
        alt="T", build="GRCh38", zygosity="hemizygous", vaf=1.0,
    ),
    VariantFinding(id="f5", source="notes", gene="KRAS", hgvs_p="p.Gly12Cys"),
    VariantFinding(id="f6", source="vcf", chrom="chr3", pos=1000, ref="A", alt="C", build="GRCh38", vaf=0.05),
    NegativeFinding(id="f7", source="fhir", origin="somatic", gene="BRAF", alteration="V600E"),
    NegativeFinding(id="f8", source="notes", gene="ALK", alteration="fusion", method="IHC"),
    NegativeFinding(id="f9", source="notes", gene="KRAS", alteration="any"),
    CopyNumberFinding(
        id="f10", source="table", origin="somatic", gene="ERBB2", call="amplification", copy_number=12.0
    ),
    CopyNumberFinding(id="f11", source="table", origin="somatic", gene="CDKN2A", call="deep_deletion"),
    FusionFinding(
        id="f12", source="table", origin="somatic", gene="ALK", partner="EML4", five_prime="EML4",
        three_prime="ALK",
    ),
    FusionFinding(id="f13", source="table", origin="somatic", gene="ROS1"),
]  # fmt: skip

PGX = [
    PgxResult(gene="CYP2C19", diplotype="*2/*17", phenotype="Intermediate Metabolizer", assessed=True),
    PgxResult(gene="DPYD", diplotype="Reference/Reference", phenotype="Normal Metabolizer", assessed=True),
    PgxResult(gene="UGT1A1", diplotype="*28/*28", phenotype="Poor Metabolizer", assessed=True),
    PgxResult(gene="HLA-B", diplotype="*57:01 positive", phenotype="Positive", assessed=True),
    PgxResult(gene="CYP2D6", phenotype="Not assessed", assessed=False),
]


def comparable(findings: list[Any]) -> list[dict[str, Any]]:
    return sorted(
        (f.model_dump(mode="json", exclude=_NOT_CARRIED) for f in findings),
        key=lambda d: sorted((k, str(v)) for k, v in d.items()),
    )


@pytest.fixture(scope="module")
def read_back() -> IngestResult:
    analysis = make_analysis(findings=FINDINGS, pgx=PGX)
    return read_fhir_data(analysis_to_fhir(analysis), name="fhir-bundle.json")


def test_findings_come_back_unchanged(read_back: IngestResult) -> None:
    assert comparable(read_back.findings) == comparable(FINDINGS)


def test_reading_our_bundle_gives_no_warnings(read_back: IngestResult) -> None:
    assert read_back.warnings == []


def test_variant_fields_survive_one_by_one(read_back: IngestResult) -> None:
    variants = {(f.gene, f.hgvs_p): f for f in read_back.findings if isinstance(f, VariantFinding)}
    egfr = variants["EGFR", "p.Leu858Arg"]
    assert (egfr.gene, egfr.hgvs_c, egfr.hgvs_p, egfr.chrom, egfr.pos, egfr.ref, egfr.alt) == (
        "EGFR", "NM_005228.5:c.2573T>G", "p.Leu858Arg", "chr7", 55191822, "T", "G",
    )  # fmt: skip
    assert (egfr.vaf, egfr.origin, egfr.zygosity, egfr.build) == (0.31, "somatic", "heterozygous", "GRCh38")
    brca1 = variants["BRCA1", "p.Glu23fs"]
    assert (brca1.pos, brca1.ref, brca1.alt, brca1.build, brca1.origin) == (
        41276044,
        "ACT",
        "A",
        "GRCh37",
        "germline",
    )
    g6pd = variants["G6PD", None]
    assert (g6pd.zygosity, g6pd.vaf) == ("hemizygous", 1.0)


def test_genotype_calls_come_back_and_not_assessed_genes_do_not(read_back: IngestResult) -> None:
    calls = {(c.gene, c.diplotype, c.allele, c.present) for c in read_back.genotypes}
    assert calls == {
        ("CYP2C19", "*2/*17", None, None),
        ("DPYD", "Reference/Reference", None, None),
        ("UGT1A1", "*28/*28", None, None),
        ("HLA-B", None, "*57:01", True),
    }


def test_the_summary_conclusion_is_not_read_again_as_results() -> None:
    """The report conclusion names insights ('Osimertinib for EGFR L858R'); those are not new findings."""
    analysis = make_analysis()
    result = read_fhir_data(analysis_to_fhir(analysis), name="fhir-bundle.json")
    egfr = [f for f in result.findings if isinstance(f, VariantFinding) and f.gene == "EGFR"]
    assert len(egfr) == 1
    assert egfr[0].vaf == 0.31
