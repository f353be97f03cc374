"""Full parse of one VCF record line: columns, genotype, allele depth and annotation.

Only records that pass the lean pre-filter come here, so clarity wins over speed. Field
semantics follow VCF 4.3 §1.6 (GT, AD Number=R, AF Number=A, DP) and, for annotation, the
formats of Ensembl VEP (`CSQ`, fields named in the header's "Format:"), SnpEff (`ANN`, the
"VCF annotation format" specification) and plain lab keys (GENE, GENEINFO as in ClinVar's VCF,
HGVSC, HGVSP, ClinVar's MC molecular consequence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from integrome.errors import InputError
from integrome.ingest._vcf_header import VcfHeader
from integrome.model import Origin, Zygosity
from integrome.normalize.genes import canonical_gene
from integrome.normalize.variants import normalize_chrom, three_letter_protein

__all__ = ["Annotation", "Record", "RecordParser", "clean_gene"]

_GENE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-\.@/]*$")
_BASES = re.compile(r"^[ACGTNacgtn]+$")
_FIRST_INT = re.compile(r"^(\d+)")
_HAPLOID_SEX = frozenset({"chrX", "chrY"})
_INTRONIC_EFFECTS = frozenset(
    {
        "intron_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "splice_donor_5th_base_variant",
        "splice_donor_region_variant",
        "splice_polypyrimidine_tract_variant",
    }
)
"""Sequence Ontology terms for positions inside an intron (the canonical acceptor and donor
dinucleotides are intronic by their SO definitions): SnpEff's Rank then counts introns, not exons."""


@dataclass(frozen=True)
class Annotation:
    gene: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    consequence: str | None = None
    exon: int | None = None
    intron: int | None = None

    @property
    def from_input(self) -> bool:
        """Gene and a change named by the file (the contract's `annotation="input"`)."""
        return self.gene is not None and (self.hgvs_c is not None or self.hgvs_p is not None)


@dataclass(frozen=True)
class Record:
    chrom: str
    """Normalized ('chr7')."""
    pos: int
    ref: str
    alts: tuple[str, ...]
    filter_pass: bool
    info: dict[str, str]
    sample: dict[str, str]
    """FORMAT key → value of the chosen sample (empty for sites-only files)."""
    gt: tuple[int | None, ...] | None
    """Allele indexes of the chosen sample's GT; None when there is no GT."""
    phased: bool
    location: str

    def carried(self) -> list[int]:
        """ALT allele indexes (1-based) the sample carries; every ALT when there is no genotype."""
        if self.gt is None:
            return list(range(1, len(self.alts) + 1))
        return sorted({a for a in self.gt if a is not None and a > 0})

    def bases(self) -> list[str | None]:
        """GT as bases (None for '.'): the SiteGenotype representation."""
        alleles = (self.ref, *self.alts)
        return [alleles[a] if a is not None else None for a in (self.gt or ())]

    def zygosity(self, allele: int) -> Zygosity:
        if not self.gt:
            return "unknown"
        if len(self.gt) == 1:
            return "hemizygous" if self.chrom in _HAPLOID_SEX and self.gt[0] == allele else "unknown"
        if all(a == allele for a in self.gt):
            return "homozygous"
        if None in self.gt:
            return "unknown"
        return "heterozygous"


def clean_gene(symbol: str) -> str | None:
    """Current HGNC symbol; a well-formed symbol outside the gene table is kept as written."""
    text = symbol.strip()
    if not text or text in {".", "-"}:
        return None
    canonical = canonical_gene(text)
    if canonical is not None:
        return canonical
    return text if _GENE_SYMBOL.match(text) and len(text) <= 40 else None


def _per_allele(value: str | None, allele: int, n_alts: int) -> str | None:
    """The value for ALT `allele` of a Number=A field (or the single value of a one-ALT record)."""
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) == n_alts:
        part = parts[allele - 1]
    elif len(parts) == 1:
        part = parts[0]
    else:
        return None
    return part if part not in {"", "."} else None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _fraction_from_depths(value: str | None, allele: int, n_alts: int, depth: int | None) -> float | None:
    """alt reads / all reads from an AD-like (Number=R) field, falling back to DP as denominator."""
    if value is None:
        return None
    counts = [_int(part) for part in value.split(",")]
    if len(counts) != n_alts + 1 or counts[allele] is None:
        return None
    alt = counts[allele]
    assert alt is not None
    total = sum(c for c in counts if c is not None)
    if total <= 0:
        total = depth or 0
    return alt / total if total > 0 else None


def _vep_alleles(ref: str, alts: tuple[str, ...]) -> list[str]:
    """VEP's allele string per ALT: for indels, a first base shared by REF and every ALT is dropped.

    This is how VEP's VCF parser derives the CSQ `Allele` (an empty allele is written '-').
    """
    real = [a for a in alts if a != "*"]
    if any(len(a) != len(ref) for a in real) and all(a[0] == ref[0] for a in real):
        return [a if a == "*" else a[1:] or "-" for a in alts]
    return list(alts)


def _rank(rank: str | None) -> int | None:
    """'13/20' (VEP EXON/INTRON, SnpEff Rank: number / total in the transcript) → 13."""
    match = _FIRST_INT.match(rank or "")
    return int(match.group(1)) if match else None


def _protein(text: str | None) -> str | None:
    """Three-letter HGVS without the protein accession; text that does not parse is kept as written."""
    if not text or text in {".", "-"}:
        return None
    return three_letter_protein(text) or unquote(text.strip()).rsplit(":", 1)[-1]


def _coding(text: str | None, transcript: str | None) -> str | None:
    if not text or text in {".", "-"}:
        return None
    if ":" in text or not transcript:
        return text
    return f"{transcript}:{text}"


class RecordParser:
    """Parses record lines of one file with its header's definitions."""

    def __init__(self, header: VcfHeader, sample_index: int | None, name: str) -> None:
        self.header = header
        self.sample_index = sample_index
        self.name = name
        self.n_columns = header.n_columns

    def error(self, location: str, problem: str) -> InputError:
        return InputError(self.name, location, problem)

    def column_error(self, line: bytes | str, location: str) -> InputError:
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        found = len(text.rstrip("\r\n").split("\t"))
        samples = len(self.header.samples)
        layout = f"for {samples} sample{'s' if samples != 1 else ''}" if samples else "for a sites-only VCF"
        return self.error(
            location, f"expected {self.n_columns} tab-separated columns {layout}, found {found}"
        )

    def parse(self, line: str, location: str) -> Record:
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != self.n_columns:
            raise self.column_error(line, location)
        chrom, pos_text, _, ref, alt_text, _, filt, info_text = fields[:8]
        if not pos_text.isdigit() or int(pos_text) < 1:
            raise self.error(location, f"POS must be a positive integer, found {pos_text!r}")
        if not _BASES.match(ref):
            raise self.error(location, f"REF must be bases A, C, G, T or N, found {ref!r}")
        alts = tuple(alt_text.split(",")) if alt_text != "." else ()
        info: dict[str, str] = {}
        if info_text != ".":
            for item in info_text.split(";"):
                key, _, value = item.partition("=")
                info[key] = value
        sample: dict[str, str] = {}
        gt: tuple[int | None, ...] | None = None
        phased = False
        if self.sample_index is not None:
            keys = fields[8].split(":")
            values = fields[9 + self.sample_index].split(":")
            if len(values) > len(keys):
                raise self.error(
                    location, f"sample has {len(values)} values for {len(keys)} FORMAT keys {fields[8]!r}"
                )
            sample = dict(zip(keys, values, strict=False))
            if "GT" in sample:
                gt, phased = self._genotype(sample["GT"], len(alts), location)
        return Record(
            chrom=normalize_chrom(chrom),
            pos=int(pos_text),
            ref=ref,
            alts=alts,
            filter_pass=filt in {"PASS", "."},
            info=info,
            sample=sample,
            gt=gt,
            phased=phased,
            location=location,
        )

    def _genotype(self, text: str, n_alts: int, location: str) -> tuple[tuple[int | None, ...], bool]:
        parts = re.split(r"[/|]", text)
        alleles: list[int | None] = []
        for part in parts:
            if part == ".":
                alleles.append(None)
            elif part.isdigit() and int(part) <= n_alts:
                alleles.append(int(part))
            else:
                raise self.error(
                    location, f"GT {text!r} is not a genotype of REF and {n_alts} ALT allele(s) (e.g. 0/1)"
                )
        return tuple(alleles), "|" in text and "/" not in text

    # -- per-allele values ----------------------------------------------------------------------

    def vaf(self, record: Record, allele: int, origin: Origin) -> float | None:
        """FORMAT AF, else AD (or PCGR's tumor ADT) fraction, else INFO TVAF, else INFO AF (somatic)."""
        n_alts = len(record.alts)
        depth = self.depth(record)
        value = _float(_per_allele(record.sample.get("AF"), allele, n_alts))
        if value is None:
            value = _fraction_from_depths(record.sample.get("AD"), allele, n_alts, depth)
        if value is None:
            value = _fraction_from_depths(record.sample.get("ADT"), allele, n_alts, depth)
        single = len(self.header.samples) <= 1
        if value is None and single:
            value = _float(_per_allele(record.info.get("TVAF"), allele, n_alts))
        if value is None and single and origin == "somatic":
            value = _float(_per_allele(record.info.get("AF"), allele, n_alts))
        if value is None or not 0.0 <= value <= 1.0:
            return None
        return round(value, 4)

    def depth(self, record: Record) -> int | None:
        """FORMAT DP, else PCGR's FORMAT DPT / INFO TDP (tumor depth), else INFO DP (one sample)."""
        for value in (record.sample.get("DP"), record.sample.get("DPT"), record.info.get("TDP")):
            parsed = _int(value)
            if parsed is not None:
                return parsed
        return _int(record.info.get("DP")) if len(self.header.samples) <= 1 else None

    def origin(self, record: Record, file_origin: Origin) -> Origin:
        """INFO SOMATIC flag; VarScan's SS (2 somatic, 1 germline) in INFO or FORMAT; else the file's."""
        if "SOMATIC" in record.info:
            return "somatic"
        status = record.info.get("SS") or record.sample.get("SS")
        if status == "2":
            return "somatic"
        if status == "1":
            return "germline"
        return file_origin

    # -- annotation ------------------------------------------------------------------------------

    def annotation(self, record: Record, allele: int) -> Annotation:
        """Annotation of one ALT allele: VEP CSQ, else SnpEff ANN, else plain lab INFO keys."""
        if self.header.csq_fields and record.info.get("CSQ"):
            found = self._csq(record, allele)
            if found is not None:
                return found
        if self.header.ann_fields and record.info.get("ANN"):
            found = self._ann(record, allele)
            if found is not None:
                return found
        return self._plain(record, allele)

    def _entries(self, value: str, names: tuple[str, ...]) -> list[dict[str, str]]:
        entries = []
        for raw in value.split(","):
            parts = raw.split("|")
            entries.append(dict(zip(names, parts + [""] * (len(names) - len(parts)), strict=False)))
        return entries

    def _csq(self, record: Record, allele: int) -> Annotation | None:
        assert self.header.csq_fields is not None
        entries = self._entries(record.info["CSQ"], self.header.csq_fields)
        if "ALLELE_NUM" in self.header.csq_fields:
            mine = [e for e in entries if e.get("ALLELE_NUM") == str(allele)]
        else:
            wanted = _vep_alleles(record.ref, record.alts)[allele - 1]
            mine = [e for e in entries if e.get("Allele") == wanted]
        if not mine and len(record.alts) == 1:
            mine = entries
        if not mine:
            return None
        chosen = (
            next((e for e in mine if e.get("PICK") == "1"), None)
            or next((e for e in mine if e.get("MANE_SELECT") or e.get("MANE")), None)
            or next((e for e in mine if e.get("CANONICAL") == "YES"), None)
            or next((e for e in mine if e.get("BIOTYPE") == "protein_coding"), None)
            or mine[0]
        )
        consequence = chosen.get("Consequence", "").split("&")[0] or None
        return Annotation(
            gene=clean_gene(chosen.get("SYMBOL", "")),
            hgvs_c=_coding(unquote(chosen.get("HGVSc", "")), chosen.get("Feature") or None),
            hgvs_p=_protein(chosen.get("HGVSp")),
            consequence=consequence,
            exon=_rank(chosen.get("EXON")),
            intron=_rank(chosen.get("INTRON")),
        )

    def _ann(self, record: Record, allele: int) -> Annotation | None:
        assert self.header.ann_fields is not None
        entries = self._entries(record.info["ANN"], self.header.ann_fields)
        mine = [e for e in entries if e.get("Allele") == record.alts[allele - 1]]
        if not mine and len(record.alts) == 1:
            mine = [e for e in entries if "-" not in e.get("Allele", "")] or entries
        if not mine:
            return None
        chosen = next(
            (e for e in mine if e.get("Transcript_BioType") in {"protein_coding", "Coding"}), mine[0]
        )
        effects = chosen.get("Annotation", "").split("&")
        consequence = effects[0] or None
        rank = _rank(chosen.get("Rank")) if consequence else None
        intronic = bool(_INTRONIC_EFFECTS.intersection(effects))
        return Annotation(
            gene=clean_gene(chosen.get("Gene_Name", "")),
            hgvs_c=_coding(chosen.get("HGVS.c"), chosen.get("Feature_ID") or None),
            hgvs_p=_protein(chosen.get("HGVS.p")),
            consequence=consequence,
            exon=None if intronic else rank,
            intron=rank if intronic else None,
        )

    def _plain(self, record: Record, allele: int) -> Annotation:
        n_alts = len(record.alts)
        gene_text = record.info.get("GENE")
        if gene_text is None and record.info.get("GENEINFO"):
            gene_text = record.info["GENEINFO"].split("|")[0].split(":")[0]
        gene = clean_gene(gene_text.split(",")[0]) if gene_text else None
        consequence = None
        molecular = record.info.get("MC")
        if molecular:
            consequence = molecular.split(",")[0].partition("|")[2] or None
        return Annotation(
            gene=gene,
            hgvs_c=_coding(_per_allele(record.info.get("HGVSC"), allele, n_alts), None),
            hgvs_p=_protein(_per_allele(record.info.get("HGVSP"), allele, n_alts)),
            consequence=consequence,
        )
