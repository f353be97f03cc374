"""Copy-number tables: calls per gene with the documented CNVkit thresholds, real PCGR/MOAlmanac files."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError, UnsupportedBuildError
from integrome.ingest.cnv import CopyNumberOptions, call_copy_number, call_log2, read_copy_number
from integrome.ingest.detect import detect_format
from integrome.model import CopyNumberFinding


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _calls(path: Path, **options: object) -> dict[str, CopyNumberFinding]:
    result = read_copy_number(path, CopyNumberOptions(**options))  # type: ignore[arg-type]
    return {f.gene: f for f in result.findings if isinstance(f, CopyNumberFinding)}


def test_amplification_needs_two_and_a_half_times_ploidy() -> None:
    assert call_copy_number(5, 2.0)[0] == "amplification"
    assert call_copy_number(4, 2.0)[0] == "gain"
    assert call_copy_number(9, 4.0)[0] == "gain"
    assert call_copy_number(10, 4.0)[0] == "amplification"


def test_zero_copies_is_deep_deletion_and_one_copy_is_loss() -> None:
    assert call_copy_number(0.2)[0] == "deep_deletion"
    assert call_copy_number(1)[0] == "loss"
    assert call_copy_number(2)[0] == "neutral"


def test_log2_without_purity_uses_cnvkit_default_thresholds() -> None:
    assert call_log2(-1.2)[0] == "deep_deletion"
    assert call_log2(-0.3)[0] == "loss"
    assert call_log2(0.1)[0] == "neutral"
    assert call_log2(0.8)[0] == "gain"
    assert call_log2(1.4)[0] == "amplification"


def test_purity_rescales_a_modest_log2_into_an_amplification() -> None:
    # 40% purity: log2 1.0 means (2*2 - 2*0.6)/0.4 = 7 copies in the tumour cells.
    call, copies, _ = call_log2(1.0, ploidy=2.0, purity=0.4)
    assert copies == pytest.approx(7.0)
    assert call == "amplification"
    assert call_log2(1.0)[0] == "gain"


def test_pcgr_brca_segments_call_erbb2_amplified_on_grch38(shared_data: Path) -> None:
    path = shared_data / "pcgr-examples" / "T001-BRCA.grch38.cna.tsv"
    assert detect_format(path) == "copy_number"
    result = read_copy_number(path)
    calls = {f.gene: f for f in result.findings if isinstance(f, CopyNumberFinding)}
    assert calls["ERBB2"].call == "amplification"
    assert calls["ERBB2"].copy_number == 9
    assert calls["ERBB2"].omics_layer == "dna"
    assert len(result.segments) == 260
    assert result.segments[0].chrom == "chr1"


def test_pcgr_grch37_segments_use_grch37_loci(shared_data: Path) -> None:
    calls = _calls(shared_data / "pcgr-examples" / "T001-BRCA.grch37.cna.tsv")
    assert calls["ERBB2"].call == "amplification"
    assert calls["NRAS"].copy_number == 24


def test_moalmanac_called_cna_maps_deletion_to_deep_deletion(shared_data: Path) -> None:
    calls = _calls(
        shared_data / "moalmanac-examples" / "input" / "example_patient.capture.somatic.called.cna.txt"
    )
    assert calls["CDK4"].call == "amplification"
    assert calls["CDKN2A"].call == "deep_deletion"
    assert "BLM" not in calls  # 'Wild type' is not an alteration


def test_moalmanac_annotated_segments_report_gains_only_for_genes_of_interest(shared_data: Path) -> None:
    path = shared_data / "moalmanac-examples" / "input" / "example_patient.capture.somatic.seg.annotated.gz"
    calls = _calls(path, genes=frozenset({"BRAF", "CDKN2A"}))
    assert calls["BRAF"].call == "gain"
    assert calls["CDKN2A"].call == "loss"
    assert all(c.call == "amplification" for g, c in calls.items() if g not in ("BRAF", "CDKN2A"))


def test_cnvkit_bins_take_the_median_so_one_noisy_bin_is_not_a_deletion(tmp_path: Path) -> None:
    rows = "".join(
        f"chr10\t{87863113 + i * 1000}\t{87863900 + i * 1000}\tPTEN\t{v}\t300\t1\n"
        for i, v in enumerate([-0.05, 0.02, -2.5, 0.04, -0.01])
    )
    path = _write(tmp_path, "s.cnr", "chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n" + rows)
    assert "PTEN" not in _calls(path)


def test_cnvkit_segments_with_gene_lists_call_each_gene(tmp_path: Path) -> None:
    text = (
        "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\n"
        "chr17\t39600000\t39800000\tERBB2,GRB7\t2.8\t900\t40\t30\n"
        "chr9\t21900000\t22000000\tCDKN2A,CDKN2B\t-3.1\t10\t12\t8\n"
    )
    calls = _calls(_write(tmp_path, "s.cns", text))
    assert calls["ERBB2"].call == "amplification"
    assert calls["CDKN2B"].call == "deep_deletion"


def test_purple_gene_copy_number_uses_min_for_deletion_and_max_for_amplification(tmp_path: Path) -> None:
    text = (
        "chromosome\tstart\tend\tgene\tminCopyNumber\tmaxCopyNumber\n"
        "9\t21967753\t21995301\tCDKN2A\t0.1\t1.9\n"
        "12\t68808176\t68850686\tMDM2\t2.0\t31.5\n"
    )
    calls = _calls(_write(tmp_path, "t.purple.cnv.gene.tsv", text), ploidy=3.1)
    assert calls["CDKN2A"].call == "deep_deletion"
    assert calls["MDM2"].call == "amplification"


def test_cbioportal_discrete_cna_reads_gistic_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "data_CNA.txt",
        "Hugo_Symbol\tEntrez_Gene_Id\tS1\nMET\t4233\t2\nPTEN\t5728\t-2\nKRAS\t3845\t0\n",
    )
    assert detect_format(path) == "copy_number"
    calls = _calls(path)
    assert calls["MET"].call == "amplification"
    assert calls["PTEN"].call == "deep_deletion"


def test_segments_without_gene_names_or_build_name_the_missing_build(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "tumor.seg", "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\t7\t1\t2000\t10\t1.5\n"
    )
    with pytest.raises(UnsupportedBuildError, match=r"tumor.seg:line 2: .*--build"):
        read_copy_number(path)


def test_non_numeric_log2_names_file_and_line(tmp_path: Path) -> None:
    text = "CONTIG\tSTART\tEND\tNUM_POINTS_COPY_RATIO\tMEAN_LOG2_COPY_RATIO\nchr7\t1\t500\t3\thigh\n"
    path = _write(tmp_path, "t.called.seg", "@HD\tVN:1.6\n" + text)
    with pytest.raises(InputError, match=r"t.called.seg:line 3: mean_log2_copy_ratio must be a number"):
        read_copy_number(path, CopyNumberOptions(build="GRCh38"))


def test_segment_end_before_start_is_an_input_error(tmp_path: Path) -> None:
    text = "Chromosome\tStart\tEnd\tnMajor\tnMinor\n1\t5000\t100\t1\t1\n"
    with pytest.raises(InputError, match=r"x.grch38.cna.tsv:line 2: segment end 100 is before its start"):
        read_copy_number(_write(tmp_path, "x.grch38.cna.tsv", text))


def test_unknown_call_word_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "calls.txt", "gene\tcall\nEGFR\tAmplification\nMET\thuge\n")
    with pytest.raises(InputError, match=r"calls.txt:line 3: call must be"):
        read_copy_number(path)


def test_purity_outside_zero_to_one_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "calls.txt", "gene\tcall\nEGFR\tAmplification\n")
    with pytest.raises(InputError, match="purity must be in"):
        read_copy_number(path, CopyNumberOptions(purity=1.5))


def test_grch37_segments_say_which_genes_have_no_grch37_locus(shared_data: Path) -> None:
    # MYC is amplified (5 copies) in the GRCh38 version of this tumor, but the packaged loci table has no
    # GRCh37 span for it: the GRCh37 report must say MYC was not assessed instead of staying silent.
    result = read_copy_number(
        shared_data / "pcgr-examples" / "T001-BRCA.grch37.cna.tsv",
        CopyNumberOptions(genes=frozenset({"MYC", "AKT1", "ERBB2"})),
    )
    assert "MYC" not in {f.gene for f in result.findings if isinstance(f, CopyNumberFinding)}
    (warning,) = [w for w in result.warnings if "GRCh37" in w]
    assert warning == (
        "T001-BRCA.grch37.cna.tsv: copy number not assessed for 2 genes without a packaged GRCh37 locus "
        "(AKT1, MYC); segments without gene names are placed on genes by coordinates"
    )


def test_grch38_segments_and_named_genes_raise_no_locus_warning(shared_data: Path) -> None:
    options = CopyNumberOptions(genes=frozenset({"MYC", "AKT1"}))
    grch38 = read_copy_number(shared_data / "pcgr-examples" / "T001-BRCA.grch38.cna.tsv", options)
    assert not any("locus" in w for w in grch38.warnings)
    named = shared_data / "moalmanac-examples" / "input" / "example_patient.capture.somatic.called.cna.txt"
    assert not any("locus" in w for w in read_copy_number(named, CopyNumberOptions(build="GRCh37")).warnings)
