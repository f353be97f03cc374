"""read_vcf: genotypes, sites of interest, samples, origin, builds, coverage and file kinds."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest

from integrome.errors import InputError
from integrome.ingest.vcf import VcfOptions, read_vcf
from integrome.model import VariantFinding

HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Low quality">
##INFO=<ID=GENE,Number=1,Type=String,Description="Gene">
##INFO=<ID=HGVSP,Number=A,Type=String,Description="Protein change">
##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic">
##INFO=<ID=SS,Number=1,Type=String,Description="Somatic status">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">
"""
CONTIGS = "".join(
    f"##contig=<ID={c},length={n}>\n"
    for c, n in (("chr1", 248956422), ("chr7", 159345973), ("chr10", 133797422), ("chrX", 156040895))
)


def write_vcf(
    tmp_path: Path,
    records: list[str],
    *,
    samples: tuple[str, ...] = ("S1",),
    header: str = HEADER,
    name: str = "in.vcf",
) -> Path:
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + (
        "\tFORMAT\t" + "\t".join(samples) if samples else ""
    )
    path = tmp_path / name
    body = "".join(r.replace(" ", "\t") + "\n" for r in records)
    path.write_text(header + CONTIGS + columns + "\n" + body)
    return path


def variants(result_findings: list[object]) -> list[VariantFinding]:
    found = [f for f in result_findings if isinstance(f, VariantFinding)]
    assert len(found) == len(result_findings)
    return found


SITES = {"GRCh38": frozenset({("chr10", 94761900), ("chr10", 94781859), ("chr1", 97450058)})}


# -- shared acceptance and PCGR files ---------------------------------------------------------------


def test_acceptance_somatic_vcf_reports_kras_g12c_with_vaf_and_three_letter_change(
    shared_acceptance: Path,
) -> None:
    result = read_vcf(shared_acceptance / "cases/01-nsclc-kras-g12c/variants.vcf")
    kras = variants(result.findings)[0]
    assert (kras.gene, kras.hgvs_p, kras.hgvs_c) == ("KRAS", "p.Gly12Cys", "c.34G>T")
    assert (kras.chrom, kras.pos, kras.ref, kras.alt, kras.build) == ("chr12", 25245351, "C", "A", "GRCh38")
    assert (kras.origin, kras.zygosity, kras.vaf, kras.depth) == ("somatic", "heterozygous", 0.342, 500)
    assert kras.annotation == "input"
    assert kras.provenance == "variants.vcf:line 17"
    assert result.coverage[0].genes == ["KRAS", "TP53"]


def test_acceptance_germline_panel_records_reference_calls_as_assessed(shared_acceptance: Path) -> None:
    result = read_vcf(
        shared_acceptance / "cases/05-crc-irinotecan-ugt1a1-outside-call/variants.vcf",
        VcfOptions(sites_of_interest={"GRCh38": frozenset({("chr1", 97450058), ("chr1", 1000)})}),
    )
    assert result.findings == []
    assert [(s.chrom, s.pos, s.alleles) for s in result.sites] == [("chr1", 97450058, ["C", "C"])]
    assert result.document.role == "germline"
    assert result.coverage[0].genes == ["DPYD"]


def test_acceptance_cyp2c19_star17_homozygous_call_is_a_site_and_a_finding(shared_acceptance: Path) -> None:
    result = read_vcf(
        shared_acceptance / "cases/04-depression-escitalopram-cyp2c19-um/variants.vcf",
        VcfOptions(sites_of_interest=SITES),
    )
    sites = {s.pos: s.alleles for s in result.sites}
    assert sites == {94761900: ["T", "T"], 94781859: ["G", "G"]}
    (star17,) = variants(result.findings)
    assert (star17.pos, star17.zygosity, star17.origin) == (94761900, "homozygous", "germline")


def test_every_acceptance_vcf_is_read_as_grch38(shared_acceptance: Path) -> None:
    for path in sorted(shared_acceptance.glob("cases/*/variants.vcf")):
        result = read_vcf(path)
        assert result.coverage[0].build == "GRCh38", path


@pytest.mark.parametrize(
    ("name", "build", "count"),
    [
        ("T001-COAD.grch38.vcf.gz", "GRCh38", 3313),
        ("T001-COAD.grch37.vcf.gz", "GRCh37", 3317),
        ("T001-BRCA.grch38.vcf.gz", "GRCh38", 196),
        ("T001-BRCA.grch37.vcf.gz", "GRCh37", 196),
    ],
)
def test_pcgr_example_build_comes_from_the_liftover_header(
    shared_data: Path, name: str, build: str, count: int
) -> None:
    result = read_vcf(shared_data / "pcgr-examples" / name)
    assert result.coverage[0].build == build
    assert len(result.findings) == count
    assert {f.build for f in variants(result.findings)} == {build}


def test_pcgr_tumor_normal_record_takes_vaf_and_depth_from_the_tumor(shared_data: Path) -> None:
    result = read_vcf(shared_data / "pcgr-examples/T001-BRCA.grch38.vcf.gz")
    first = variants(result.findings)[0]
    assert (first.chrom, first.pos, first.ref, first.alt) == ("chr1", 1968826, "C", "T")
    assert first.vaf == pytest.approx(32 / 144, abs=1e-4)
    assert (first.depth, first.origin, first.annotation) == (144, "somatic", "none")
    assert result.coverage[0].genes is None


# -- genotypes and sites ------------------------------------------------------------------------------


def test_multiallelic_record_gives_one_finding_per_carried_allele(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr7 100 . A C,G 50 PASS GENE=EGFR GT:AD:DP 1/2:2,10,8:20",
            "chr7 200 . A C,G 50 PASS GENE=EGFR GT:AD:DP 0/2:10,0,10:20",
        ],
    )
    found = variants(read_vcf(path).findings)
    assert [(f.pos, f.alt, f.vaf, f.zygosity) for f in found] == [
        (100, "C", 0.5, "heterozygous"),
        (100, "G", 0.4, "heterozygous"),
        (200, "G", 0.5, "heterozygous"),
    ]


def test_reference_call_at_a_site_is_recorded_and_other_positions_are_not(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr10 94761900 rs12248560 C T 99 PASS . GT 0/0",
            "chr10 94761901 . C T 99 PASS . GT 0/0",
            "chr10 94781859 rs4244285 G A 99 PASS . GT 0/1",
        ],
    )
    result = read_vcf(path, VcfOptions(role="germline", sites_of_interest=SITES))
    assert [(s.pos, s.alleles, s.alts) for s in result.sites] == [
        (94761900, ["C", "C"], ["T"]),
        (94781859, ["G", "A"], ["A"]),
    ]
    assert [f.pos for f in variants(result.findings)] == [94781859]


def test_phased_genotype_sets_the_phased_flag(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        ["chr10 94761900 . C T 99 PASS . GT 1|0", "chr10 94781859 . G A 99 PASS . GT 0/1"],
    )
    sites = read_vcf(path, VcfOptions(sites_of_interest=SITES)).sites
    assert [(s.alleles, s.phased) for s in sites] == [(["T", "C"], True), (["G", "A"], False)]


def test_no_call_at_a_site_is_recorded_with_missing_alleles(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr10 94761900 . C T 99 PASS . GT ./."])
    result = read_vcf(path, VcfOptions(sites_of_interest=SITES))
    assert [s.alleles for s in result.sites] == [[None, None]]
    assert result.findings == []


def test_site_keys_match_files_that_name_chromosomes_without_chr(tmp_path: Path) -> None:
    header = HEADER.replace("##reference=GRCh38\n", "##reference=GRCh38\n##contig=<ID=10,length=133797422>\n")
    path = write_vcf(tmp_path, ["10 94761900 . C T 99 PASS . GT 0/1"], header=header)
    result = read_vcf(path, VcfOptions(sites_of_interest=SITES))
    assert [(s.chrom, s.pos) for s in result.sites] == [("chr10", 94761900)]
    assert variants(result.findings)[0].chrom == "chr10"


def test_filtered_records_are_counted_in_a_warning_and_kept_as_failed_sites(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr7 100 . A C 50 LowQual . GT 0/1",
            "chr10 94761900 . C T 99 LowQual . GT 0/1",
            "chr7 300 . A C 50 . . GT 0/1",
        ],
    )
    result = read_vcf(path, VcfOptions(sites_of_interest=SITES))
    assert [f.pos for f in variants(result.findings)] == [300]
    assert [(s.pos, s.filter_pass) for s in result.sites] == [(94761900, False)]
    assert "in.vcf: 2 records with FILTER != PASS were not used (first at line 18)" in result.warnings


def test_haploid_call_on_chrx_is_hemizygous(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chrX 5000 . G A 99 PASS . GT:AD 1:0,30"])
    (finding,) = variants(read_vcf(path).findings)
    assert (finding.zygosity, finding.vaf) == ("hemizygous", 1.0)


def test_vaf_falls_back_from_format_af_to_allele_depths(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr7 100 . A C 50 PASS . GT:AD:DP:AF 0/1:30,10:40:0.3",
            "chr7 200 . A C 50 PASS . GT:AD:DP 0/1:30,10:40",
        ],
    )
    assert [f.vaf for f in variants(read_vcf(path).findings)] == [0.3, 0.25]


def test_symbolic_alleles_are_counted_not_reported(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path, ["chr7 100 . A <DEL> 50 PASS . GT 0/1", "chr7 200 . A C,<NON_REF> 50 PASS . GT 0/1"]
    )
    result = read_vcf(path)
    assert [f.pos for f in variants(result.findings)] == [200]
    assert any("1 symbolic or breakend ALT alleles" in w for w in result.warnings)


def test_sites_only_vcf_reports_every_alt_with_unknown_zygosity(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS SOMATIC", "chr7 200 . A . 50 PASS ."], samples=())
    (finding,) = variants(read_vcf(path).findings)
    assert (finding.pos, finding.zygosity, finding.origin) == (100, "unknown", "somatic")


# -- germline filtering -------------------------------------------------------------------------------


def test_germline_file_reports_only_genes_and_sites_of_interest(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr7 100 . A C 50 PASS GENE=EGFR GT 0/1",
            "chr7 200 . A C 50 PASS GENE=BRAF GT 1/1",
            "chr7 300 . A C 50 PASS . GT 0/1",
            "chr7 400 . A C 50 PASS GENE=BRAF GT 0/0",
            "chr10 94781859 . G A 99 PASS . GT 0/1",
        ],
    )
    options = VcfOptions(role="germline", genes_of_interest=frozenset({"EGFR"}), sites_of_interest=SITES)
    result = read_vcf(path, options)
    assert [f.pos for f in variants(result.findings)] == [100, 94781859]
    assert (
        "in.vcf: 2 germline non-reference records outside the genes and sites of interest were not reported"
        in result.warnings
    )


def test_germline_file_without_filters_reports_every_non_reference_call(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1", "chr7 200 . A C 50 PASS . GT 0/0"])
    result = read_vcf(path, VcfOptions(role="germline"))
    assert [(f.pos, f.origin) for f in variants(result.findings)] == [(100, "germline")]
    assert result.warnings == []


# -- origin and samples -------------------------------------------------------------------------------


def test_record_flags_decide_origin_before_the_command_line_role(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        [
            "chr7 100 . A C 50 PASS SOMATIC GT 0/1",
            "chr7 200 . A C 50 PASS SS=1 GT 0/1",
            "chr7 300 . A C 50 PASS . GT 0/1",
        ],
        header=HEADER.replace('##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic">\n', ""),
    )
    found = variants(read_vcf(path, VcfOptions(role="germline")).findings)
    assert [f.origin for f in found] == ["somatic", "germline", "germline"]


def test_several_samples_without_a_choice_fail_listing_the_samples(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1 0/0"], samples=("MOTHER", "CHILD"))
    with pytest.raises(InputError, match=r"in\.vcf:#CHROM line: 2 samples \(MOTHER, CHILD\); choose one"):
        read_vcf(path)


def test_named_sample_column_is_the_one_read(tmp_path: Path) -> None:
    records = ["chr7 100 . A C 50 PASS . GT 0/1 0/0", "chr7 200 . A C 50 PASS . GT 0/0 1/1"]
    path = write_vcf(tmp_path, records, samples=("MOTHER", "CHILD"))
    found = variants(read_vcf(path, VcfOptions(sample="CHILD")).findings)
    assert [(f.pos, f.zygosity) for f in found] == [(200, "homozygous")]
    found = variants(read_vcf(path, VcfOptions(sample="MOTHER")).findings)
    assert [(f.pos, f.zygosity) for f in found] == [(100, "heterozygous")]


def test_unknown_sample_name_fails_listing_the_samples(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"])
    with pytest.raises(InputError, match=r"sample 'TUMOR' is not in the file; samples: S1"):
        read_vcf(path, VcfOptions(sample="TUMOR"))


def test_tumor_column_of_a_pair_is_chosen_and_makes_the_file_somatic(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path, ["chr7 100 . A C 50 PASS . GT:AD 0/0:40,0 0/1:30,10"], samples=("NORMAL", "TUMOR")
    )
    (finding,) = variants(read_vcf(path).findings)
    assert (finding.vaf, finding.origin) == (0.25, "somatic")
    header = HEADER + "##tumor_sample=P1-T\n##normal_sample=P1-N\n"
    records = ["chr7 100 . A C 50 PASS . GT:AD 0/1:30,10 0/0:40,0"]
    path = write_vcf(tmp_path, records, samples=("P1-T", "P1-N"), header=header)
    (finding,) = variants(read_vcf(path).findings)
    assert (finding.vaf, finding.origin) == (0.25, "somatic")


# -- builds and coverage ------------------------------------------------------------------------------


def test_contig_lengths_identify_grch37(tmp_path: Path) -> None:
    header = HEADER.replace("##reference=GRCh38\n", "##contig=<ID=1,length=249250621>\n")
    path = tmp_path / "b37.vcf"
    path.write_text(
        header
        + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n1\t100\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n"
    )
    assert read_vcf(path).coverage[0].build == "GRCh37"


def test_build_option_overrides_the_header(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"])
    result = read_vcf(path, VcfOptions(build="GRCh37"))
    assert variants(result.findings)[0].build == "GRCh37"


def test_targets_bed_names_the_covered_genes(tmp_path: Path) -> None:
    bed = tmp_path / "panel.bed"
    bed.write_text(
        "track name=panel\nchr7\t55019016\t55211628\tEGFR_exon19\nchr12\t25205245\t25250929\tKRAS\n"
    )
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"])
    assert read_vcf(path, VcfOptions(targets_bed=bed)).coverage[0].genes == ["EGFR", "KRAS"]


def test_malformed_targets_bed_fails_with_its_line(tmp_path: Path) -> None:
    bed = tmp_path / "panel.bed"
    bed.write_text("chr7\tstart\t55211628\tEGFR\n")
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"])
    with pytest.raises(InputError, match=r"panel\.bed:line 1: expected BED columns"):
        read_vcf(path, VcfOptions(targets_bed=bed))


def test_panel_genes_header_names_the_covered_genes(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"], header=HEADER + "##panel_genes=EGFR,ALK,HER2\n"
    )
    assert read_vcf(path).coverage[0].genes == ["ALK", "EGFR", "ERBB2"]


def test_unannotated_file_has_unknown_gene_coverage(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"])
    result = read_vcf(path)
    assert result.coverage[0].genes is None
    assert variants(result.findings)[0].annotation == "none"


# -- file kinds -----------------------------------------------------------------------------------------


def _bgzip(path: Path, *, index: bool) -> Path:
    out = Path(f"{path}.gz")
    pysam.tabix_compress(str(path), str(out), force=True)
    if index:
        pysam.tabix_index(str(out), preset="vcf", force=True)
    return out


def test_bcf_input_gives_the_same_findings_as_vcf(tmp_path: Path) -> None:
    path = write_vcf(
        tmp_path,
        ["chr7 100 . A C,G 50 PASS GENE=EGFR GT:AD 1/2:0,5,5", "chr10 94761900 . C T 9 PASS . GT 0/0"],
    )
    bcf = tmp_path / "in.bcf"
    with (
        pysam.VariantFile(str(path)) as source,
        pysam.VariantFile(str(bcf), "wb", header=source.header) as out,
    ):
        for record in source:
            out.write(record)
    options = VcfOptions(sites_of_interest=SITES)
    from_vcf, from_bcf = read_vcf(path, options), read_vcf(bcf, options)
    assert from_bcf.document.format == "bcf"
    assert [(f.pos, f.alt, f.gene, f.vaf) for f in variants(from_bcf.findings)] == [
        (f.pos, f.alt, f.gene, f.vaf) for f in variants(from_vcf.findings)
    ]
    assert [s.alleles for s in from_bcf.sites] == [["C", "C"]]
    assert variants(from_bcf.findings)[0].provenance == "in.bcf:record 1"


def test_targeted_reading_fetches_the_same_sites_as_a_full_scan(tmp_path: Path) -> None:
    records = [f"chr7 {p} . A C 50 PASS . GT 0/1" for p in range(1000, 4000, 3)]
    records += ["chr10 94761900 . C T 99 PASS . GT 0/0", "chr10 94781859 . G A 99 PASS . GT 1/1"]
    path = _bgzip(write_vcf(tmp_path, records), index=True)
    options = VcfOptions(role="germline", sites_of_interest=SITES)
    streamed = read_vcf(path, options)
    targeted = read_vcf(path, VcfOptions(role="germline", sites_of_interest=SITES, targeted=True))
    assert targeted.sites == streamed.sites
    assert [f.pos for f in variants(targeted.findings)] == [94781859]
    assert variants(targeted.findings)[0].provenance == "in.vcf.gz:chr10:94781859"


def test_targeted_reading_without_an_index_streams_the_file(tmp_path: Path) -> None:
    path = _bgzip(write_vcf(tmp_path, ["chr10 94761900 . C T 99 PASS . GT 0/0"]), index=False)
    result = read_vcf(path, VcfOptions(sites_of_interest=SITES, targeted=True))
    assert [s.pos for s in result.sites] == [94761900]
    assert result.warnings == []


def test_gzip_is_read_without_the_bgzip_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bgzip(write_vcf(tmp_path, ["chr7 100 . A C 50 PASS . GT 0/1"]), index=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert [f.pos for f in variants(read_vcf(path).findings)] == [100]


def test_progress_is_reported_with_the_records_read(tmp_path: Path) -> None:
    path = write_vcf(tmp_path, [f"chr7 {p} . A C 50 PASS . GT 0/1" for p in range(1, 2001)])
    seen: list[int] = []
    read_vcf(path, VcfOptions(progress=seen.append))
    assert seen[-1] == 2000


def test_lean_scan_hands_on_every_non_reference_genotype_spelling(tmp_path: Path) -> None:
    genotypes = {
        1: "0/1:5,5",
        2: "1/1",
        3: "0|1:5,5",
        4: "./1:0,5",
        5: "0/0:9,0",
        6: "./.:0,0",
        7: ".",
        8: "0:9,0",
        9: "1:0,9",
        10: "0/0/1:6,3",
        11: "2/0:5,0,5",
        12: "0|0:9,0",
    }
    records = [f"chr7 {pos} . A C,G 50 PASS . GT:AD {gt}" for pos, gt in genotypes.items()]
    records.append("chr7 13 . A C 50 PASS . AD:DP 5,5:10")
    found = variants(read_vcf(write_vcf(tmp_path, records)).findings)
    assert sorted({f.pos for f in found}) == [1, 2, 3, 4, 9, 10, 11, 13]


def test_somatic_call_set_flags_a_call_at_a_pharmacogene_position(shared_data: Path) -> None:
    # PCGR's TCGA colon tumor carries rs3918290 (chr1:97450058 C>T, DPYD c.1905+1G>A) at VAF 47% in its
    # somatic call set: not a germline genotype, but a fluoropyrimidine safety signal that must be said.
    result = read_vcf(
        shared_data / "pcgr-examples" / "T001-COAD.grch38.vcf.gz", VcfOptions(sites_of_interest=SITES)
    )
    assert result.sites == []
    (warning,) = [w for w in result.warnings if "pharmacogene" in w]
    assert warning == (
        "T001-COAD.grch38.vcf.gz:line 176: chr1:97450058 C>T (VAF 47%) is at a pharmacogene "
        "definition position but comes from a somatic call set, which is not the patient's germline "
        "genotype: not used for pharmacogenomics; confirm with germline genotyping"
    )
