"""read_vcf on bad input: every failure is an InputError naming the file and the place in it."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pysam
import pytest

from integrome.errors import InputError, UnsupportedBuildError
from integrome.ingest.vcf import read_vcf

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)


def write(tmp_path: Path, text: str, name: str = "bad.vcf") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def big_bgzipped(tmp_path: Path) -> Path:
    """A BGZF file of several blocks (each block holds at most 64 KiB of text)."""
    records = "".join(f"chr1\t{p}\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n" for p in range(1, 12001))
    plain = write(tmp_path, HEADER + records, "big.vcf")
    out = tmp_path / "big.vcf.gz"
    pysam.tabix_compress(str(plain), str(out), force=True)
    return out


def block_offsets(path: Path) -> list[int]:
    data = path.read_bytes()
    offsets, offset = [], 0
    while offset < len(data):
        offsets.append(offset)
        offset += struct.unpack("<H", data[offset + 16 : offset + 18])[0] + 1
    return offsets


def test_wrong_column_count_names_the_line_and_the_expected_columns(tmp_path: Path) -> None:
    text = HEADER + "chr1\t100\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\nchr1\t200\t.\tA\tC\t50\tPASS\n"
    with pytest.raises(
        InputError, match=r"bad\.vcf:line 6: expected 10 tab-separated columns for 1 sample, found 7"
    ):
        read_vcf(write(tmp_path, text))


def test_non_vcf_text_is_rejected_at_line_1(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"notes\.txt:line 1: expected '##fileformat=VCFv4.x', found 'Patient"
    ):
        read_vcf(write(tmp_path, "Patient is a 67-year-old man.\n", "notes.txt"))


@pytest.mark.parametrize(
    "content", [b"", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"]
)
def test_empty_file_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.vcf.gz"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty\.vcf\.gz:line 1: the file is empty"):
        read_vcf(path)


def test_missing_chrom_line_is_reported_where_records_start(tmp_path: Path) -> None:
    text = "##fileformat=VCFv4.2\n##reference=GRCh38\nchr1\t100\t.\tA\tC\t50\tPASS\t.\n"
    with pytest.raises(
        InputError, match=r"bad\.vcf:line 3: expected the '#CHROM POS ID REF ALT QUAL FILTER INFO'"
    ):
        read_vcf(write(tmp_path, text))


def test_file_ending_inside_the_header_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"bad\.vcf:after line 2: the file ends inside the header"):
        read_vcf(write(tmp_path, "##fileformat=VCFv4.2\n##reference=GRCh38\n"))


def test_unknown_build_asks_for_the_build_option(tmp_path: Path) -> None:
    text = HEADER.replace("##reference=GRCh38\n", "") + "chr1\t100\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(
        UnsupportedBuildError, match=r"bad\.vcf:header: cannot tell the genome build.*--build GRCh38"
    ):
        read_vcf(write(tmp_path, text))


def test_unsupported_build_is_named(tmp_path: Path) -> None:
    text = HEADER.replace("GRCh38", "hg18") + "chr1\t100\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(UnsupportedBuildError, match=r"genome build 'hg18' is not supported"):
        read_vcf(write(tmp_path, text))


def test_non_numeric_position_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "chr1\tabc\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n"
    with pytest.raises(InputError, match=r"bad\.vcf:line 5: POS must be a positive integer, found 'abc'"):
        read_vcf(write(tmp_path, text))


def test_genotype_naming_a_missing_allele_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "chr1\t100\t.\tA\tC\t50\tPASS\t.\tGT\t0/2\n"
    with pytest.raises(InputError, match=r"bad\.vcf:line 5: GT '0/2' is not a genotype of REF and 1 ALT"):
        read_vcf(write(tmp_path, text))


def test_truncated_bgzip_reports_the_last_complete_line(tmp_path: Path) -> None:
    path = big_bgzipped(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: block_offsets(path)[2] + 500])
    with pytest.raises(
        InputError, match=r"cut\.vcf\.gz:after line \d+: truncated or corrupt compressed data"
    ):
        read_vcf(cut)


def test_bgzip_cut_between_blocks_is_caught_by_the_missing_end_marker(tmp_path: Path) -> None:
    path = big_bgzipped(tmp_path)
    offsets = block_offsets(path)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(path.read_bytes()[: offsets[2]])
    with gzip.open(cut) as handle:
        complete = handle.read().count(b"\n")
    with pytest.raises(InputError, match=rf"after line {complete}: .*end-of-file marker is missing"):
        read_vcf(cut)


def test_truncated_gzip_is_reported_without_the_bgzip_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_bgzipped(tmp_path)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(path.read_bytes()[: block_offsets(path)[2] + 500])
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        InputError, match=r"cut\.vcf\.gz:after line \d+: truncated or corrupt compressed data"
    ):
        read_vcf(cut)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"absent\.vcf: no such file"):
        read_vcf(tmp_path / "absent.vcf")


def test_truncated_bcf_is_reported(tmp_path: Path) -> None:
    records = "".join(f"chr1\t{p}\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n" for p in range(1, 5001))
    plain = write(tmp_path, HEADER.replace("#CHROM", "##contig=<ID=chr1,length=248956422>\n#CHROM") + records)
    bcf = tmp_path / "big.bcf"
    source = pysam.VariantFile(str(plain))
    with source, pysam.VariantFile(str(bcf), "wb", header=source.header) as out:
        for record in source:
            out.write(record)
    cut = tmp_path / "cut.bcf"
    cut.write_bytes(bcf.read_bytes()[:2000])
    with pytest.raises(InputError, match=r"cut\.bcf:end of file: truncated compressed data"):
        read_vcf(cut)
