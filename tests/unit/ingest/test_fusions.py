"""Fusion tables and VCF breakends: partners, orientation, kinase domain, real PCGR and STAR-Fusion files."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.detect import detect_format
from integrome.ingest.fusions import FusionOptions, kinase_domain_retained, read_fusions
from integrome.ingest.load import IngestOptions, read_input
from integrome.model import FusionFinding

KINASES = frozenset({"ALK", "NTRK1", "NTRK3", "FGFR2", "FGFR3", "RET", "BRAF", "ABL1"})


def _fusions(path: Path, genes: frozenset[str] | None = KINASES) -> dict[str, FusionFinding]:
    result = read_fusions(path, FusionOptions(genes=genes))
    return {f.gene: f for f in result.findings if isinstance(f, FusionFinding)}


def test_reverse_orientation_loses_the_three_prime_kinase() -> None:
    assert kinase_domain_retained("NTRK1", "TPM3", "NTRK1") is False
    assert kinase_domain_retained("TPM3", "NTRK1", "NTRK1") is None
    assert kinase_domain_retained("TACC3", "FGFR3", "FGFR3") is False
    assert kinase_domain_retained("FGFR3", "TACC3", "FGFR3") is None


def test_pcgr_fusions_name_partners_breakpoints_and_reads(shared_data: Path) -> None:
    path = shared_data / "pcgr-examples" / "T001-BRCA.grch38.fusions.tsv"
    assert detect_format(path) == "fusions"
    fusions = _fusions(path)
    alk = fusions["ALK"]
    assert (alk.five_prime, alk.three_prime, alk.partner) == ("EML4", "ALK", "EML4")
    assert alk.five_prime_breakpoint == "chr2:42295554"
    assert alk.supporting_reads == 100
    assert alk.omics_layer == "rna"
    assert fusions["NTRK1"].kinase_domain_retained is False
    assert fusions["FGFR3"].kinase_domain_retained is None


def test_pcgr_fusions_with_one_empty_partner_keep_the_named_gene(shared_data: Path) -> None:
    fusions = _fusions(shared_data / "pcgr-examples" / "T001-BRCA.grch37.fusions.tsv", genes=None)
    assert any(f.gene == "NTRK3" and f.partner is None for f in fusions.values())
    assert fusions["FGFR2"].three_prime is None


def test_star_fusion_name_contradicted_by_its_breakpoints_yields_to_the_gene_columns(
    shared_data: Path,
) -> None:
    # MOAlmanac's example names line 2 EML4--ALK, but its breakpoints (chr6, chr11) lie in the
    # LeftGene/RightGene CD2AP and C11orf80; EML4 and ALK are both on chr2, so no ALK fusion is called.
    path = shared_data / "moalmanac-examples" / "input" / "example_patient.rna.star.fusions.txt"
    result = read_fusions(path, FusionOptions(genes=KINASES))
    assert not any(isinstance(f, FusionFinding) and f.gene == "ALK" for f in result.findings)
    assert any(
        "line 2: #FusionName EML4--ALK disagrees with LeftGene/RightGene CD2AP/C11orf80" in w
        and "EML4 (chr2) and ALK (chr2) do not fit the breakpoints chr6:47471176/chr11:66563752" in w
        and "LeftGene/RightGene were used" in w
        for w in result.warnings
    )
    assert any("178 fusions involve no knowledge-base gene" in w for w in result.warnings)


def test_star_fusion_name_that_fits_its_breakpoints_is_kept_over_gene_columns(tmp_path: Path) -> None:
    path = tmp_path / "star-fusion.fusion_predictions.tsv"
    path.write_text(
        "#FusionName\tJunctionReadCount\tSpanningFragCount\tLeftGene\tLeftBreakpoint\tRightGene\tRightBreakpoint\n"
        "EML4--ALK\t10\t4\tLOC1^ENSG1\t2:42295554:+\tLOC2^ENSG2\t2:29223528:-\n"
    )
    result = read_fusions(path)
    (alk,) = result.findings
    assert isinstance(alk, FusionFinding)
    assert (alk.five_prime, alk.three_prime, alk.supporting_reads) == ("EML4", "ALK", 14)
    assert any(
        "disagrees with LeftGene/RightGene LOC1/LOC2; #FusionName was used" in w for w in result.warnings
    )


def test_arriba_domains_and_frame_are_read(tmp_path: Path) -> None:
    header = (
        "#gene1\tgene2\tstrand1(gene/fusion)\tstrand2(gene/fusion)\tbreakpoint1\tbreakpoint2\tsplit_reads1"
        "\tsplit_reads2\tdiscordant_mates\treading_frame\tretained_protein_domains\n"
    )
    row = (
        "EML4\tALK\t+/+\t-/+\t2:42295554\t2:29223528\t12\t8\t5\tin-frame\tWD40|Protein_kinase_domain(100%)\n"
    )
    path = tmp_path / "fusions.tsv"
    path.write_text(header + row)
    (alk,) = read_fusions(path).findings
    assert isinstance(alk, FusionFinding)
    assert alk.in_frame is True
    assert alk.kinase_domain_retained is True
    assert alk.supporting_reads == 25


def test_star_fusion_name_without_double_dash_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "star-fusion.fusion_predictions.tsv"
    path.write_text(
        "#FusionName\tJunctionReadCount\tSpanningFragCount\tLeftBreakpoint\tRightBreakpoint\nEML4-ALK\t3\t2\t2:1:+\t2:2:-\n"
    )
    with pytest.raises(InputError, match=r"line 2: #FusionName must look like GENE1--GENE2"):
        read_fusions(path)


def test_vcf_breakends_become_dna_fusions_named_from_gene_loci(tmp_path: Path) -> None:
    vcf = tmp_path / "sv.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="SV type">\n'
        "##contig=<ID=chr2,length=242193529>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
        "chr2\t42295554\tbnd1\tA\tA]chr2:29223528]\t60\tPASS\tSVTYPE=BND;MATEID=bnd2\tGT\t0/1\n"
        "chr2\t29223528\tbnd2\tT\tT]chr2:42295554]\t60\tPASS\tSVTYPE=BND;MATEID=bnd1\tGT\t0/1\n"
    )
    result = read_input(vcf, IngestOptions())
    fusions = [f for f in result.findings if isinstance(f, FusionFinding)]
    assert len(fusions) == 1
    assert {fusions[0].gene, fusions[0].partner} == {"ALK", "EML4"}
    assert fusions[0].gene == "ALK"
    assert fusions[0].omics_layer == "dna"
    assert fusions[0].caller == "VCF structural variant"
