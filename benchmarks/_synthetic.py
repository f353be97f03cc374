"""Synthetic whole-genome VCF for benchmarks: GRCh38, one sample, bgzipped and tabix-indexed.

The file stands in for a real WGS call set (about 4.5 million records, PERFORMANCE.md) without
shipping or downloading patient data. Content is deterministic (fixed seed), so every run and
every benchmark times the same bytes. Files are cached: a `##synthetic=` header line records the
generator version and parameters, and a file whose line does not match is rebuilt.

Records look like GATK HaplotypeCaller output (GT:AD:DP:GQ): mostly SNVs, some indels, about 1%
multi-allelic and 2% failing a filter. `sites` are written as heterozygous SNVs (0/1) at exactly
the given positions, replacing a random record at the same position if there is one.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["DATA_DIR", "GRCH38_LENGTHS", "ensure_synthetic_wgs"]

DATA_DIR = Path(__file__).resolve().parent / ".data"
"""Cache folder for generated inputs (gitignored)."""

GENERATOR_VERSION = 1
SEED = 20261125

GRCH38_LENGTHS: dict[str, int] = {
    "chr1": 248956422,
    "chr2": 242193529,
    "chr3": 198295559,
    "chr4": 190214555,
    "chr5": 181538259,
    "chr6": 170805979,
    "chr7": 159345973,
    "chr8": 145138636,
    "chr9": 138394717,
    "chr10": 133797422,
    "chr11": 135086622,
    "chr12": 133275309,
    "chr13": 114364328,
    "chr14": 107043718,
    "chr15": 101991189,
    "chr16": 90338345,
    "chr17": 83257441,
    "chr18": 80373285,
    "chr19": 58617616,
    "chr20": 64444167,
    "chr21": 46709983,
    "chr22": 50818468,
    "chrX": 156040895,
    "chrY": 57227415,
}

_BASES = "ACGT"


def ensure_synthetic_wgs(
    path: Path,
    n_records: int = 4_500_000,
    sites: Iterable[tuple[str, int, str, str]] = (),
) -> Path:
    """Return `path` (a .vcf.gz with a .tbi beside it), generating it unless a matching copy exists.

    `path` is normally under `DATA_DIR`; a relative path is taken relative to `DATA_DIR`.
    `sites` are (chrom 'chrN', pos, ref, alt) written as 0/1 SNV or indel records.
    """
    if not path.is_absolute():
        path = DATA_DIR / path
    unique = {(c, p, r, a) for c, p, r, a in sites}
    for chrom, pos, _, _ in unique:
        if chrom not in GRCH38_LENGTHS or not 0 < pos <= GRCH38_LENGTHS[chrom]:
            raise ValueError(f"site {chrom}:{pos} is not on a GRCh38 primary chromosome")
    site_list = sorted(unique, key=lambda s: (_chrom_rank(s[0]), s[1]))
    stamp = _stamp(n_records, site_list)
    index = Path(f"{path}.tbi")
    if path.exists() and index.exists() and _stamp_of(path) == stamp:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    _write_bgzf(partial, _lines(n_records, site_list, stamp))
    partial.replace(path)
    _index(path)
    return path


def _chrom_rank(chrom: str) -> int:
    return list(GRCH38_LENGTHS).index(chrom)


def _stamp(n_records: int, sites: list[tuple[str, int, str, str]]) -> str:
    digest = hashlib.sha256(repr(sites).encode()).hexdigest()[:16]
    return f"version={GENERATOR_VERSION};seed={SEED};records={n_records};sites={digest}"


def _stamp_of(path: Path) -> str | None:
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if not line.startswith("##"):
                return None
            if line.startswith("##synthetic="):
                return line[len("##synthetic=") :].rstrip("\n")
    return None


def _header(stamp: str) -> list[str]:
    lines = [
        "##fileformat=VCFv4.2",
        "##source=integrome-benchmarks synthetic WGS (not a real person)",
        f"##synthetic={stamp}",
        "##reference=GRCh38",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes">',
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##INFO=<ID=MQ,Number=1,Type=Float,Description="RMS mapping quality">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    ]
    lines += [f"##contig=<ID={c},length={n},assembly=GRCh38>" for c, n in GRCH38_LENGTHS.items()]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSYNTH-WGS-0001")
    return lines


def _lines(n_records: int, sites: list[tuple[str, int, str, str]], stamp: str) -> Iterator[str]:
    rng = random.Random(SEED)
    yield from _header(stamp)
    total = sum(GRCH38_LENGTHS.values())
    by_chrom: dict[str, dict[int, tuple[str, str]]] = {}
    for chrom, pos, ref, alt in sites:
        by_chrom.setdefault(chrom, {})[pos] = (ref, alt)
    for chrom, length in GRCH38_LENGTHS.items():
        count = round(n_records * length / total)
        chrom_sites = by_chrom.get(chrom, {})
        positions = set(rng.sample(range(1, length - 100), count)) | set(chrom_sites)
        for pos in sorted(positions):
            if pos in chrom_sites:
                ref, alt = chrom_sites[pos]
                yield (
                    f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t250.6\tPASS\tAC=1;AF=0.500;AN=2;DP=32;MQ=60.00"
                    "\tGT:AD:DP:GQ\t0/1:16,16:32:99"
                )
            else:
                yield _random_record(rng, chrom, pos)


def _random_record(rng: random.Random, chrom: str, pos: int) -> str:
    ref = rng.choice(_BASES)
    roll = rng.random()
    if roll < 0.85:
        alts = [rng.choice(_BASES.replace(ref, ""))]
    elif roll < 0.92:
        alts = [ref + "".join(rng.choice(_BASES) for _ in range(rng.randint(1, 6)))]
    elif roll < 0.99:
        ref += "".join(rng.choice(_BASES) for _ in range(rng.randint(1, 6)))
        alts = [ref[0]]
    else:
        alts = [b for b in _BASES if b != ref][:2]
    depth = rng.randint(12, 60)
    qual = f"{rng.uniform(30, 900):.2f}"
    filt = "LowQual" if rng.random() < 0.02 else "PASS"
    if len(alts) == 2:
        half = depth // 2
        return (
            f"{chrom}\t{pos}\t.\t{ref}\t{alts[0]},{alts[1]}\t{qual}\t{filt}\tAC=1,1;AF=0.500,0.500;AN=2;"
            f"DP={depth};MQ=60.00\tGT:AD:DP:GQ\t1/2:0,{half},{depth - half}:{depth}:99"
        )
    if rng.random() < 0.62:
        alt_reads = depth // 2 + rng.randint(-4, 4)
        gt, ac, af = "0/1", 1, "0.500"
    else:
        alt_reads = depth - rng.randint(0, 1)
        gt, ac, af = "1/1", 2, "1.00"
    gq = rng.randint(20, 99)
    return (
        f"{chrom}\t{pos}\t.\t{ref}\t{alts[0]}\t{qual}\t{filt}\tAC={ac};AF={af};AN=2;DP={depth};MQ=60.00"
        f"\tGT:AD:DP:GQ\t{gt}:{depth - alt_reads},{alt_reads}:{depth}:{gq}"
    )


def _write_bgzf(path: Path, lines: Iterator[str]) -> None:
    """Compress with the `bgzip` binary (2 threads) when installed, else with pysam's BGZF writer."""
    chunk: list[str] = []
    bgzip = shutil.which("bgzip")
    if bgzip:
        with path.open("wb") as out:
            proc = subprocess.Popen([bgzip, "-c", "-@2"], stdin=subprocess.PIPE, stdout=out)
            assert proc.stdin is not None
            for line in lines:
                chunk.append(line)
                if len(chunk) == 20000:
                    proc.stdin.write(("\n".join(chunk) + "\n").encode())
                    chunk.clear()
            proc.stdin.write(("\n".join(chunk) + "\n").encode() if chunk else b"")
            proc.stdin.close()
            if proc.wait() != 0:
                raise RuntimeError(f"bgzip failed writing {path}")
        return
    from pysam.libcbgzf import BGZFile

    with BGZFile(str(path), "wb", None) as out:
        for line in lines:
            chunk.append(line)
            if len(chunk) == 20000:
                out.write(("\n".join(chunk) + "\n").encode())
                chunk.clear()
        if chunk:
            out.write(("\n".join(chunk) + "\n").encode())


def _index(path: Path) -> None:
    """Tabix index with the `tabix` binary when installed, else pysam's binding of the same code."""
    tabix = shutil.which("tabix")
    if tabix:
        subprocess.run([tabix, "-f", "-p", "vcf", str(path)], check=True)
        return
    import pysam

    pysam.tabix_index(str(path), preset="vcf", force=True, keep_original=True)
