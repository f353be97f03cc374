"""VCF header: validation, genome build, sample choice, origin hints and annotation formats.

The header is parsed here rather than by htslib so that a malformed file fails with the line
that is wrong (VCF 4.3 §1.4-1.5: meta lines, then one `#CHROM` line, then records) and so the
lean record scan knows the column layout before it touches a record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from integrome.errors import InputError, UnsupportedBuildError
from integrome.ingest._vcf_source import EMPTY
from integrome.model import Build, Origin
from integrome.normalize.genes import canonical_gene

__all__ = ["FIXED_COLUMNS", "VcfHeader", "choose_sample", "detect_build", "parse_header"]

FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")

# Primary-chromosome lengths of the two supported assemblies (UCSC chromInfo / GRC).
_LENGTHS: dict[Build, dict[str, int]] = {
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
}  # fmt: skip

_BUILD_TOKENS: tuple[tuple[Build, re.Pattern[str]], ...] = (
    ("GRCh38", re.compile(r"grch38|hg38|hs38|(?<![a-z0-9])b38(?![0-9])|assembly38")),
    ("GRCh37", re.compile(r"grch37|hg19|hs37|(?<![a-z0-9])b37(?![0-9])|human_g1k_v37|assembly19")),
)
_UNSUPPORTED = re.compile(r"hg18|ncbi36|grch36|chm13|t2t|(?<![a-z0-9])hs1(?![0-9])|hg17")
_LIFTOVER = re.compile(r"(hg19|hg38|grch37|grch38)to(hg19|hg38|grch37|grch38)")
_ATTR = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^,>]*)')
_TUMOR = re.compile(r"tumou?r", re.IGNORECASE)
_NORMAL = re.compile(r"normal|germline", re.IGNORECASE)
_GERMLINE_SOURCE = re.compile(r"germline", re.IGNORECASE)
_CALLER_SOURCE = re.compile(r"mutect|strelka", re.IGNORECASE)
_SOMATIC_SOURCE = re.compile(r"somatic|tumou?r", re.IGNORECASE)
_CSQ_FORMAT = re.compile(r"Format:\s*([^\"]+)")
_ANN_FORMAT = re.compile(r"'([^']+)'")

ANN_FIELDS = (
    "Allele",
    "Annotation",
    "Annotation_Impact",
    "Gene_Name",
    "Gene_ID",
    "Feature_Type",
    "Feature_ID",
    "Transcript_BioType",
    "Rank",
    "HGVS.c",
    "HGVS.p",
)
"""SnpEff ANN sub-fields in specification order (the first eleven; the rest are not used)."""


@dataclass(frozen=True)
class VcfHeader:
    """What the header says, with the line numbers needed for error messages."""

    meta: tuple[tuple[str, str], ...]
    """(key, value) of every `##key=value` line, in order."""
    info: dict[str, dict[str, str]]
    contigs: dict[str, dict[str, str]]
    samples: tuple[str, ...]
    n_lines: int
    """Header lines including `#CHROM`: the first record is on line n_lines + 1."""
    csq_fields: tuple[str, ...] | None = None
    ann_fields: tuple[str, ...] | None = None
    tumor_sample: str | None = None
    normal_sample: str | None = None
    panel_genes: tuple[str, ...] | None = None
    by_key: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Values of `##key=` lines, grouped by key."""

    @property
    def n_columns(self) -> int:
        return 8 + (1 + len(self.samples) if self.samples else 0)

    def values(self, key: str) -> list[str]:
        """All values of `##key=` lines."""
        return self.by_key.get(key, [])

    def origin(self, role: Origin) -> Origin:
        """File-level origin: caller conventions in the header, then `role`, then weaker hints.

        Mutect2 writes ##tumor_sample/##normal_sample; a Mutect or Strelka ##source/##content
        is a somatic call set unless Strelka's ##content says germline. The command line's role
        comes next. Weaker hints follow: ##source text saying germline, somatic or tumor; a
        sample column named TUMOR (Strelka); PCGR's tumor convention INFO/TVAF; a defined
        INFO/SOMATIC flag.
        """
        if self.tumor_sample or self.normal_sample:
            return "somatic"
        described = " ".join(self.values("source") + self.values("content"))
        if _CALLER_SOURCE.search(described):
            return "germline" if _GERMLINE_SOURCE.search(described) else "somatic"
        if role != "unknown":
            return role
        if _GERMLINE_SOURCE.search(described):
            return "germline"
        if (
            _SOMATIC_SOURCE.search(described)
            or any(_TUMOR.search(name) for name in self.samples)
            or {"TVAF", "SOMATIC"} & self.info.keys()
        ):
            return "somatic"
        return "unknown"

    def somatic_call_set(self, role: Origin) -> bool:
        """True when the file holds only somatic calls: a paired caller's output, PCGR's somatic
        input convention (INFO/TVAF), or the user said --somatic.

        Such a file carries no germline genotype: the caller removed germline variants, so a
        pharmacogene position is neither called nor wild type. A header that only defines
        INFO/SOMATIC or mentions a tumor is not one: tumor-only panels keep germline calls.
        """
        if self.tumor_sample or self.normal_sample:
            return True
        described = " ".join(self.values("source") + self.values("content"))
        if _CALLER_SOURCE.search(described):
            return not _GERMLINE_SOURCE.search(described)
        return role == "somatic" or "TVAF" in self.info

    def annotated(self) -> bool:
        """True when records can carry gene annotation (VEP, SnpEff or plain lab keys)."""
        return bool(self.csq_fields or self.ann_fields or {"GENE", "GENEINFO"} & self.info.keys())


def _attributes(value: str) -> dict[str, str]:
    inner = value.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    out: dict[str, str] = {}
    for match in _ATTR.finditer(inner):
        raw = match.group(2)
        out[match.group(1)] = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
    return out


def parse_header(lines: Sequence[str], file: str) -> VcfHeader:
    """Validate and read header lines (the last one must be `#CHROM`).

    Raises InputError naming the line for a missing `##fileformat=VCF`, a missing or malformed
    `#CHROM` line, or a structured meta line without an ID.
    """
    if not lines or not lines[0].strip():
        raise InputError(file, "line 1", EMPTY)
    first = lines[0].rstrip("\r\n")
    if not first.startswith("##fileformat=VCF"):
        raise InputError(file, "line 1", f"expected '##fileformat=VCFv4.x', found {_clip(first)!r}")
    if lines[-1].startswith("##"):
        raise InputError(
            file, f"after line {len(lines)}", "the file ends inside the header, before the '#CHROM' line"
        )
    meta: list[tuple[str, str]] = []
    values: dict[str, list[str]] = {}
    info: dict[str, dict[str, str]] = {}
    contigs: dict[str, dict[str, str]] = {}
    for number, raw in enumerate(lines[:-1], start=1):
        line = raw.rstrip("\r\n")
        if not line.startswith("##"):
            raise InputError(
                file,
                f"line {number}",
                f"expected a '##' meta line or the '#CHROM' line, found {_clip(line)!r}",
            )
        key, sep, value = line[2:].partition("=")
        if not sep:
            continue
        meta.append((key, value))
        values.setdefault(key, []).append(value)
        if key in ("INFO", "FORMAT", "FILTER", "contig"):
            attrs = _attributes(value)
            if "ID" not in attrs:
                raise InputError(file, f"line {number}", f"##{key} line has no ID=")
            if key in ("INFO", "contig"):
                (info if key == "INFO" else contigs)[attrs["ID"]] = attrs
    samples = _columns(lines[-1].rstrip("\r\n"), file, len(lines))
    csq = info.get("CSQ", {}).get("Description", "")
    csq_match = _CSQ_FORMAT.search(csq)
    ann_fields: tuple[str, ...] | None = None
    if "ANN" in info:
        ann_match = _ANN_FORMAT.search(info["ANN"].get("Description", ""))
        ann_fields = (
            tuple(part.strip() for part in ann_match.group(1).split("|")) if ann_match else ANN_FIELDS
        )
    return VcfHeader(
        meta=tuple(meta),
        info=info,
        contigs=contigs,
        samples=samples,
        n_lines=len(lines),
        csq_fields=tuple(f.strip() for f in csq_match.group(1).split("|")) if csq_match else None,
        ann_fields=ann_fields,
        tumor_sample=_first(values.get("tumor_sample")),
        normal_sample=_first(values.get("normal_sample")),
        panel_genes=_panel_genes(values.get("panel_genes", []) + values.get("targets", [])),
        by_key=values,
    )


def _first(found: list[str] | None) -> str | None:
    return found[0].strip() if found else None


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _columns(line: str, file: str, number: int) -> tuple[str, ...]:
    if not line.startswith("#CHROM"):
        raise InputError(
            file,
            f"line {number}",
            f"expected the '#CHROM POS ID REF ALT QUAL FILTER INFO' header line, found {_clip(line)!r}",
        )
    columns = line.split("\t")
    if tuple(columns[:8]) != FIXED_COLUMNS:
        raise InputError(
            file,
            f"line {number}",
            f"expected tab-separated columns {' '.join(FIXED_COLUMNS)}, found {' '.join(columns[:8])!r}",
        )
    if len(columns) == 9 or (len(columns) > 9 and columns[8] != "FORMAT"):
        raise InputError(file, f"line {number}", "expected FORMAT followed by sample columns after INFO")
    return tuple(columns[9:])


def _panel_genes(values: list[str]) -> tuple[str, ...] | None:
    """Genes listed by `##panel_genes=` / `##targets=` (values that are not gene symbols are ignored)."""
    genes = {canonical_gene(token) for value in values for token in re.split(r"[\s,;|]+", value) if token}
    known = sorted(g for g in genes if g is not None)
    return tuple(known) if known else None


def choose_sample(header: VcfHeader, wanted: str | None, file: str) -> int | None:
    """Index of the sample column to read (None for a sites-only VCF).

    With several samples and none named, the tumor of a tumor/normal pair is chosen when the
    header (##tumor_sample) or the column names (TUMOR; or the column that is not NORMAL) say
    which it is; anything else is ambiguous and must be named.
    """
    samples = header.samples
    listed = ", ".join(samples)
    if wanted is not None:
        if wanted not in samples:
            raise InputError(file, "#CHROM line", f"sample {wanted!r} is not in the file; samples: {listed}")
        return samples.index(wanted)
    if not samples:
        return None
    if len(samples) == 1:
        return 0
    if header.tumor_sample in samples:
        return samples.index(header.tumor_sample)
    tumors = [i for i, name in enumerate(samples) if _TUMOR.search(name)]
    if len(tumors) == 1:
        return tumors[0]
    if len(samples) == 2:
        normals = [
            i for i, name in enumerate(samples) if name == header.normal_sample or _NORMAL.search(name)
        ]
        if len(normals) == 1:
            return 1 - normals[0]
    raise InputError(file, "#CHROM line", f"{len(samples)} samples ({listed}); choose one with --sample")


def _token_build(text: str) -> Build | None:
    lowered = text.lower()
    found = {build for build, pattern in _BUILD_TOKENS if pattern.search(lowered)}
    return found.pop() if len(found) == 1 else None


def _length_build(contigs: dict[str, dict[str, str]]) -> Build | None:
    votes: set[Build] = set()
    for name, attrs in contigs.items():
        bare = name[3:] if name.lower().startswith("chr") else name
        length = attrs.get("length", "")
        for build, table in _LENGTHS.items():
            if length.isdigit() and table.get(bare.upper()) == int(length):
                votes.add(build)
    return votes.pop() if len(votes) == 1 else None


def detect_build(header: VcfHeader, file: str) -> tuple[Build, list[str]]:
    """The genome build from the header, and warnings when header hints disagree.

    Evidence in order of trust: contig lengths (they define the coordinates), contig
    `assembly=`, `##reference`/`##assembly`, then a liftOver target (chain file name such as
    hg19ToHg38, or `##new_reference_genome`, as written by CrossMap and Picard LiftoverVcf).
    """
    candidates: list[tuple[str, Build]] = []
    length_build = _length_build(header.contigs)
    if length_build:
        candidates.append(("##contig lengths", length_build))
    for attrs in header.contigs.values():
        build = _token_build(attrs.get("assembly", ""))
        if build:
            candidates.append(("##contig assembly", build))
            break
    for key in ("reference", "assembly"):
        for value in header.values(key):
            build = _token_build(value)
            if build:
                candidates.append((f"##{key}", build))
    for key, value in header.meta:
        if key.lower().startswith("liftover"):
            lifted = _LIFTOVER.search(value.lower())
            if lifted:
                candidates.append(
                    (f"##{key}", "GRCh38" if lifted.group(2) in ("hg38", "grch38") else "GRCh37")
                )
        elif key == "new_reference_genome":
            build = _token_build(value)
            if build:
                candidates.append((f"##{key}", build))
    if not candidates:
        mentioned = " ".join(header.values("reference") + header.values("assembly")).lower()
        unsupported = _UNSUPPORTED.search(mentioned)
        if unsupported:
            raise UnsupportedBuildError(
                file,
                "header",
                f"genome build {unsupported.group(0)!r} is not supported; use GRCh38 or GRCh37",
            )
        raise UnsupportedBuildError(
            file,
            "header",
            "cannot tell the genome build (no ##reference, ##assembly, or ##contig lengths); "
            "pass --build GRCh38 or --build GRCh37",
        )
    source, build = candidates[0]
    warnings = [
        f"{file}:header: {other_source} suggests {other}, but {source} says {build}; using {build}"
        for other_source, other in candidates[1:]
        if other != build
    ]
    return build, warnings
