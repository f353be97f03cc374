"""Genomics Reporting variant Observations → site genotypes for star-allele calling.

A germline variant Observation (HL7 Genomics Reporting: 69548-6 with an exact genomic position
from 81290-9 g.HGVS or 48013-7 + 81254-5 + 69547-8/69551-0, the build declared by the NC_
accession or 62374-4, and 53034-5 allelic state) states the patient's genotype at that one
position, as a VCF record does: heterozygous → ref/alt, homozygous → alt/alt, hemizygous → one
alt allele (a haploid call, read on chrX/chrY only).

A variant list asserts only what it lists. No reference call is made for any other position, and
a region-studied (53041-0) statement names genes, not the positions examined, so the positions a
report leaves out stay missing and the PGx caller reports them (`missing_positions`) exactly as it
does for positions absent from a VCF. Reference calls would need position-level coverage, which
the model does not carry.

Alleles are read as VCF alleles: SNVs, and indels written with the shared anchor base (the IG's
CYP2C19 example: 1-based `T>TATA`, `GT>G`). Not read as sites: somatic variants (not the patient's
germline genotype), variants without an allelic state, indels without an anchor base and
multi-base substitutions (their position cannot be matched to a definition's without guessing),
and hemizygous calls on autosomes (the other copy's deletion is a structural call the
position-level caller cannot represent). Variants of unknown origin are read, as the VCF reader
reads records of a file whose origin it cannot tell.
"""

from __future__ import annotations

from typing import Any

from integrome.ingest._fhir_common import Collector, Located
from integrome.model import SiteGenotype, VariantFinding

__all__ = ["merge_sites", "variant_site"]

_BASES = frozenset("ACGT")
_SEX_CHROMOSOMES = frozenset({"chrX", "chrY"})


def variant_site(finding: VariantFinding, located: Located, out: Collector) -> SiteGenotype | None:
    """The site genotype a variant finding states, or None when it states none (module docstring)."""
    chrom, pos, ref, alt, build = finding.chrom, finding.pos, finding.ref, finding.alt, finding.build
    if finding.origin == "somatic" or finding.zygosity == "unknown":
        return None
    if chrom is None or pos is None or ref is None or alt is None or build is None:
        return None
    if not _vcf_alleles(ref, alt):
        return None
    if finding.zygosity == "hemizygous":
        if chrom not in _SEX_CHROMOSOMES:
            out.warn(
                located,
                f"hemizygous {chrom}:{pos} {ref}>{alt} on an autosome implies a deletion of the other "
                "copy; not used for star-allele calling",
            )
            return None
        alleles: list[str | None] = [alt]
    elif finding.zygosity == "homozygous":
        alleles = [alt, alt]
    else:
        alleles = [ref, alt]
    return SiteGenotype(
        chrom=chrom,
        pos=pos,
        ref=ref,
        alts=[alt],
        alleles=alleles,
        build=build,
        source="fhir",
        provenance=out.provenance(located),
    )


def _vcf_alleles(ref: str, alt: str) -> bool:
    """An SNV, or an indel whose alleles share the VCF anchor base."""
    if not (set(ref) | set(alt)) <= _BASES or ref == alt:
        return False
    if len(ref) == len(alt):
        return len(ref) == 1
    return ref[0] == alt[0]


def merge_sites(out: Collector) -> list[SiteGenotype]:
    """One genotype per position: repeats collapse, two heterozygous ALTs make ALT1/ALT2.

    Observations that disagree about one position (heterozygous and homozygous, different
    reference bases, a third ALT) leave it uncalled, with a warning: guessing which one is right
    could turn a poor metabolizer into a normal one.
    """
    by_position: dict[tuple[str, str, int], list[tuple[Located, SiteGenotype]]] = {}
    for located, site in out.site_calls:
        by_position.setdefault((site.build, site.chrom, site.pos), []).append((located, site))
    sites: list[SiteGenotype] = []
    for (_, chrom, pos), group in by_position.items():
        distinct = list({_genotype(site): site for _, site in group}.values())
        places = "; also ".join(dict.fromkeys(site.provenance for _, site in group if site.provenance))
        if len(distinct) == 1:
            sites.append(distinct[0].model_copy(update={"provenance": places or None}))
            continue
        merged = _two_alts(distinct)
        if merged is not None:
            sites.append(merged.model_copy(update={"provenance": places or None}))
            continue
        others = ", ".join(located.label for located, _ in group[1:])
        out.warn(
            group[0][0],
            f"{chrom}:{pos} genotype contradicts {others}; the position is not used for star-allele calling",
        )
    return sites


def _genotype(site: SiteGenotype) -> tuple[Any, ...]:
    return site.ref, tuple(site.alts), tuple(site.alleles)


def _two_alts(sites: list[SiteGenotype]) -> SiteGenotype | None:
    """Two heterozygous calls of different ALTs over one REF: the genotype is ALT1/ALT2."""
    if len(sites) != 2 or any(len(s.alleles) != 2 or s.alleles[0] != s.ref for s in sites):
        return None
    first, second = sites
    if first.ref != second.ref or first.alts == second.alts:
        return None
    alts = sorted({*first.alts, *second.alts})
    return first.model_copy(update={"alts": alts, "alleles": list(alts)})
