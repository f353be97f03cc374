"""Fusion calls → FusionFinding: partners, 5'/3' orientation, breakpoints, frame, kinase domain.

Tables (header decides, `_tables.table_format`): STAR-Fusion (`#FusionName` 5'--3', Left/Right
breakpoints, `PROT_FUSION_TYPE` when run with --examine_coding_effect), Arriba (`#gene1`/`gene2`,
gene1 is the 5' partner when the transcribed strand is known, `reading_frame`,
`retained_protein_domains`), PCGR (`FusionGene` A--B, `SplitReads`), cBioPortal structural variants
(`Site1_Hugo_Symbol` = 5', `Site2_Effect_On_Frame`) and fusions (`Hugo_Symbol`, `Fusion`, `Frame`),
and a generic table (`five_prime_gene`, `three_prime_gene`[, `in_frame`]). Structural variants in
VCFs (SVTYPE=BND/INV/DEL/DUP/TRA with mate or END) are read by `read_vcf_fusions`, naming the genes
at both breakpoints from the packaged gene loci (DNA layer; orientation is not derived there).

Kinase domain (`kinase_domain_retained`): Arriba's `retained_protein_domains` answers it directly
when present. Otherwise, when the orientation is known, a fusion that puts a 3'-kinase gene (ALK,
ROS1, RET, NTRK1-3, BRAF, ABL1, NRG1's EGF-like domain, PDGFRA/B, JAK2) at the 5' end, or an FGFR at
the 3' end, cannot carry that gene's kinase/functional domain: in the oncogenic fusions of the
first group the partner contributes the 5' end and the kinase gene the 3' part with its kinase
domain (e.g. EML4-ALK, TPM3-NTRK1; Cocco, Scaltriti & Drilon, Nat Rev Clin Oncol 2018;15:731-747),
while FGFR1-3 fusions keep the FGFR kinase at the 5' end (FGFR3-TACC3, FGFR2-BICC1). Such a
fusion gets `kinase_domain_retained=False`; the right orientation alone is not proof the domain is
kept (the breakpoint could lie inside it), so it stays None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._result import IngestResult
from integrome.ingest._tables import Row, Table, document, read_table
from integrome.model import Build, Coverage, Finding, FusionFinding, InputDocument, OmicsLayer
from integrome.normalize.genes import canonical_gene
from integrome.normalize.loci import gene_chromosome, genes_at
from integrome.normalize.variants import normalize_chrom

__all__ = [
    "FIVE_PRIME_KINASES",
    "THREE_PRIME_KINASES",
    "FusionOptions",
    "kinase_domain_retained",
    "read_fusions",
    "read_vcf_fusions",
]

THREE_PRIME_KINASES = frozenset(
    {"ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "BRAF", "ABL1", "NRG1", "PDGFRA", "PDGFRB", "JAK2"}
)
"""Genes whose actionable fusions keep their 3' part (kinase or, for NRG1, EGF-like domain)."""
FIVE_PRIME_KINASES = frozenset({"FGFR1", "FGFR2", "FGFR3"})
"""Genes whose actionable fusions keep their 5' part with the kinase domain."""

_ACTIONABLE = THREE_PRIME_KINASES | FIVE_PRIME_KINASES | {"NUTM1", "KMT2A", "MET", "EGFR", "ERBB2"}
_SV_TYPES = frozenset({"BND", "INV", "DEL", "DUP", "TRA"})
_BND_MATE = re.compile(r"[\[\]]([^\[\]:]+):(\d+)[\[\]]")


@dataclass(frozen=True)
class FusionOptions:
    genes: frozenset[str] | None = None
    """When given, only fusions involving one of these genes are reported (others are counted)."""
    build: Build | None = None


@dataclass(frozen=True)
class _Call:
    five: str | None
    three: str | None
    oriented: bool
    line: int
    five_breakpoint: str | None = None
    three_breakpoint: str | None = None
    reads: int | None = None
    in_frame: bool | None = None
    kinase: bool | None = None
    note: str | None = None


def kinase_domain_retained(five: str | None, three: str | None, gene: str) -> bool | None:
    """False when the orientation leaves `gene`'s kinase domain out (module docstring), else None."""
    if gene in THREE_PRIME_KINASES and five == gene and three != gene:
        return False
    if gene in FIVE_PRIME_KINASES and three == gene and five != gene:
        return False
    return None


def read_fusions(path: Path, options: FusionOptions | None = None) -> IngestResult:
    """Read a fusion table (any producer in the module docstring)."""
    options = options or FusionOptions()
    table = read_table(path)
    calls, caller, layer = _parse(table)
    return _result(document(table, "fusions"), table.name, calls, caller, layer, options, [])


def _parse(table: Table) -> tuple[list[_Call], str, OmicsLayer]:
    if table.has("fusionname", "leftbreakpoint"):
        return [_star_fusion(table, row) for row in table.rows], "STAR-Fusion", "rna"
    if table.has("gene1", "gene2", "breakpoint1"):
        return [_arriba(table, row) for row in table.rows], "Arriba", "rna"
    if table.has("fusiongene", "leftbreakpoint"):
        return [_pcgr(table, row) for row in table.rows], "PCGR fusion table", "rna"
    if table.has("site1_hugo_symbol", "site2_hugo_symbol"):
        return [_cbio_sv(table, row) for row in table.rows], "cBioPortal SV", "dna"
    if table.has("hugo_symbol", "fusion"):
        return [_cbio_fusion(table, row) for row in table.rows], "cBioPortal fusion", "dna"
    if table.has("five_prime_gene", "three_prime_gene"):
        return [_generic(table, row) for row in table.rows], "fusion table", "rna"
    raise InputError(table.name, f"line {table.header_line}", "not a known fusion table")


def _pair(text: str | None, table: Table, row: Row, column: str) -> tuple[str | None, str | None]:
    """'EML4--ALK' (STAR-Fusion, PCGR) → ('EML4', 'ALK'); either side may be empty ('--ALK')."""
    if text is None or "--" not in text:
        raise InputError(
            table.name, f"line {row.line}", f"{column} must look like GENE1--GENE2, found {text!r}"
        )
    left, right = text.split("--", 1)
    return left.strip() or None, right.strip() or None


def _breakpoint(text: str | None) -> str | None:
    """'6:47471176:+' or 'chr2:29223528' → 'chr6:47471176'."""
    if text is None:
        return None
    parts = text.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return text
    return f"{normalize_chrom(parts[0])}:{parts[1]}"


def _frame(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.lower().replace("_", "-").replace(" ", "-")
    if lowered in ("inframe", "in-frame", "yes", "true"):
        return True
    if lowered in ("frameshift", "out-of-frame", "no", "false"):
        return False
    return None


def _reads(table: Table, row: Row, *columns: str) -> int | None:
    values = [table.integer(row, column) for column in columns if column in table.columns]
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def _star_fusion(table: Table, row: Row) -> _Call:
    """#FusionName is STAR-Fusion's label for LeftGene--RightGene; when an edited file makes them
    disagree, the pair whose genes lie on the breakpoints' chromosomes is the one the reads support."""
    five, three = _pair(row.get("fusionname"), table, row, "#FusionName")
    named = (_symbol(row.get("leftgene")), _symbol(row.get("rightgene")))
    breakpoints = (_breakpoint(row.get("leftbreakpoint")), _breakpoint(row.get("rightbreakpoint")))
    note = None
    if all(named) and named != (_symbol(five), _symbol(three)):
        note = (
            f"{table.name}:line {row.line}: #FusionName {five}--{three} disagrees with LeftGene/RightGene "
            f"{named[0]}/{named[1]}"
        )
        misplaced = _off_breakpoints((five, three), breakpoints)
        if misplaced and not _off_breakpoints(named, breakpoints):
            where = " and ".join(f"{gene} ({chrom})" for gene, chrom in misplaced)
            note += (
                f"; {where} do not fit the breakpoints {breakpoints[0]}/{breakpoints[1]}, "
                "so LeftGene/RightGene were used"
            )
            five, three = named
        else:
            note += "; #FusionName was used"
    return _Call(
        five,
        three,
        True,
        row.line,
        *breakpoints,
        _reads(table, row, table.first("junctionreadcount", "junctionreads") or "", "spanningfragcount"),
        _frame(row.get("prot_fusion_type")),
        note=note,
    )


def _off_breakpoints(
    genes: tuple[str | None, str | None], breakpoints: tuple[str | None, str | None]
) -> list[tuple[str, str]]:
    """(gene, its chromosome) for each gene whose known chromosome differs from its breakpoint's."""
    misplaced = []
    for gene, breakpoint in zip(genes, breakpoints, strict=True):
        symbol = _symbol(gene)
        chrom = gene_chromosome(symbol) if symbol else None
        if chrom is not None and breakpoint is not None and breakpoint.split(":")[0] != chrom:
            misplaced.append((symbol or "", chrom))
    return misplaced


def _arriba(table: Table, row: Row) -> _Call:
    gene1, gene2 = (_arriba_gene(row.get(column)) for column in ("gene1", "gene2"))
    strands = [
        (row.get(column) or "./.").split("/")[-1]
        for column in ("strand1(gene/fusion)", "strand2(gene/fusion)")
    ]
    oriented = "." not in strands
    domains = row.get("retained_protein_domains")
    kinase = None
    if domains is not None:
        parts = domains.split("|")
        three_part = parts[1] if len(parts) > 1 else ""
        five_part = parts[0]
        if gene2 in THREE_PRIME_KINASES:
            kinase = "kinase" in three_part.lower()
        elif gene1 in FIVE_PRIME_KINASES:
            kinase = "kinase" in five_part.lower()
    return _Call(
        gene1,
        gene2,
        oriented,
        row.line,
        _breakpoint(row.get("breakpoint1")),
        _breakpoint(row.get("breakpoint2")),
        _reads(table, row, "split_reads1", "split_reads2", "discordant_mates"),
        _frame(row.get("reading_frame")),
        kinase,
    )


def _arriba_gene(text: str | None) -> str | None:
    """Arriba names intergenic breakpoints 'GENE1(123),GENE2(456)': no single gene there."""
    if text is None or "," in text:
        return None
    return text.split("(")[0] or None


def _pcgr(table: Table, row: Row) -> _Call:
    five, three = _pair(row.get("fusiongene"), table, row, "FusionGene")
    return _Call(
        five,
        three,
        True,
        row.line,
        _breakpoint(row.get("leftbreakpoint")),
        _breakpoint(row.get("rightbreakpoint")),
        _reads(table, row, "splitreads"),
    )


def _cbio_sv(table: Table, row: Row) -> _Call:
    def position(site: str) -> str | None:
        chrom, pos = row.get(f"{site}_chromosome"), row.get(f"{site}_position")
        return f"{normalize_chrom(chrom)}:{pos}" if chrom and pos else None

    return _Call(
        row.get("site1_hugo_symbol"),
        row.get("site2_hugo_symbol"),
        True,
        row.line,
        position("site1"),
        position("site2"),
        _reads(table, row, "tumor_split_read_count", "tumor_paired_end_read_count"),
        _frame(row.get("site2_effect_on_frame")),
    )


def _cbio_fusion(table: Table, row: Row) -> _Call:
    """cBioPortal data_fusions.txt: 'EML4-ALK fusion' (5'-3'), or 'ALK-intragenic'."""
    text = (row.get("fusion") or "").removesuffix(" fusion").strip()
    genes = [part for part in re.split(r"-(?=[A-Z0-9])", text) if part]
    gene = row.get("hugo_symbol")
    if len(genes) == 2 and genes[1] != "intragenic":
        return _Call(genes[0], genes[1], True, row.line, in_frame=_frame(row.get("frame")))
    return _Call(gene, None, False, row.line, in_frame=_frame(row.get("frame")))


def _generic(table: Table, row: Row) -> _Call:
    return _Call(
        row.get("five_prime_gene"),
        row.get("three_prime_gene"),
        True,
        row.line,
        _breakpoint(row.get("five_prime_breakpoint")),
        _breakpoint(row.get("three_prime_breakpoint")),
        _reads(table, row, "reads") if "reads" in table.columns else None,
        _frame(row.get("in_frame")),
    )


def _result(
    doc: InputDocument,
    name: str,
    calls: list[_Call],
    caller: str,
    layer: OmicsLayer,
    options: FusionOptions,
    warnings: list[str],
) -> IngestResult:
    findings: list[Finding] = []
    skipped = 0
    genes_seen: set[str] = set()
    for call in calls:
        if call.note is not None:
            warnings.append(call.note)
        five = _symbol(call.five)
        three = _symbol(call.three)
        involved = {g for g in (five, three) if g is not None}
        if not involved:
            warnings.append(f"{name}:line {call.line}: no gene named at either breakpoint; not used")
            continue
        genes_seen |= involved
        if options.genes is not None and not involved & options.genes:
            skipped += 1
            continue
        gene = _lead(five, three)
        partner = (three if gene == five else five) if five != three else gene
        retained = call.kinase
        if retained is None and call.oriented:
            retained = kinase_domain_retained(five, three, gene)
        findings.append(
            FusionFinding(
                id=f"u{len(findings) + 1}",
                source="table",
                origin="somatic",
                provenance=f"{name}:line {call.line}",
                omics_layer=layer,
                gene=gene,
                partner=partner,
                five_prime=five if call.oriented else None,
                three_prime=three if call.oriented else None,
                in_frame=call.in_frame,
                five_prime_breakpoint=call.five_breakpoint,
                three_prime_breakpoint=call.three_breakpoint,
                supporting_reads=call.reads,
                kinase_domain_retained=retained,
                caller=caller,
            )
        )
    if skipped:
        warnings.append(f"{name}: {skipped} fusions involve no knowledge-base gene and were not reported")
    coverage = Coverage(input=name, assay="table", origin="somatic", genes=None, build=None)
    return IngestResult(document=doc, findings=findings, coverage=[coverage], warnings=warnings)


def _symbol(name: str | None) -> str | None:
    if name is None:
        return None
    base = name.split("^")[0].strip()
    if not base:
        return None
    return canonical_gene(base) or (base if re.match(r"^[A-Za-z0-9][A-Za-z0-9\-.@/]*$", base) else None)


def _lead(five: str | None, three: str | None) -> str:
    """The actionable partner when one is, else the 5' gene (FusionFinding.gene's contract)."""
    for gene in (three, five):
        if gene is not None and gene in _ACTIONABLE:
            return gene
    lead = five or three
    assert lead is not None
    return lead


# --- structural variants in VCF ---------------------------------------------------------------------


def read_vcf_fusions(path: Path, build: Build, document: InputDocument) -> IngestResult:
    """Fusions from a VCF's structural-variant records: two breakpoints in two different loci genes
    (or a MET-MET event). Orientation is not derived (gene strands are not packaged)."""
    from integrome.ingest.detect import read_input_bytes

    name = path.name
    calls: list[_Call] = []
    seen: set[frozenset[str]] = set()
    for number, fields in _records(read_input_bytes(path), name):
        first, second = _sv_ends(fields, name, number)
        if first is None or second is None:
            continue
        left = genes_at(build, *first)
        right = genes_at(build, *second)
        if not left or not right:
            continue
        five, three = left[0], right[0]
        key = frozenset({f"{first[0]}:{first[1]}", f"{second[0]}:{second[1]}"})
        if (five == three and five != "MET") or key in seen:
            continue
        seen.add(key)
        calls.append(_Call(five, three, False, number, f"{first[0]}:{first[1]}", f"{second[0]}:{second[1]}"))
    if not calls:
        return IngestResult(document=document)
    result = _result(document, name, calls, "VCF structural variant", "dna", FusionOptions(build=build), [])
    result.coverage = []
    return result


def _records(raw: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 8:
            raise InputError(name, f"line {number}", f"expected at least 8 VCF columns, found {len(fields)}")
        yield number, fields


def _sv_ends(
    fields: list[str], name: str, number: int
) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    info = dict(item.partition("=")[::2] for item in fields[7].split(";"))
    alt = fields[4]
    mate = _BND_MATE.search(alt)
    svtype = info.get("SVTYPE", "")
    if mate is None and svtype not in _SV_TYPES:
        return None, None
    try:
        pos = int(fields[1])
    except ValueError as exc:
        raise InputError(name, f"line {number}", f"POS must be a number, found {fields[1]!r}") from exc
    first = (normalize_chrom(fields[0]), pos)
    if mate is not None:
        return first, (normalize_chrom(mate.group(1)), int(mate.group(2)))
    end = info.get("END")
    chrom2 = info.get("CHR2", fields[0])
    if end is None or not end.isdigit():
        return first, None
    return first, (normalize_chrom(chrom2), int(end))
