"""Hotspot genomic keys: GRCh37 re-derived from the shared CIViC exports, GRCh38 from anchors."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.model import HotspotVariant


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _vid(hotspot: HotspotVariant) -> str:
    (vid,) = [c.id.removeprefix("VID") for c in hotspot.citations if c.source == "CIViC"]
    return vid


def _builds(kb: KnowledgeBase) -> dict[tuple[str, str], dict[str, HotspotVariant]]:
    pairs: dict[tuple[str, str], dict[str, HotspotVariant]] = defaultdict(dict)
    for hotspot in kb.hotspots:
        pairs[(hotspot.gene, hotspot.hgvs_p)][hotspot.build] = hotspot
    return pairs


def test_every_hotspot_is_given_on_both_builds(kb: KnowledgeBase) -> None:
    assert all(set(builds) == {"GRCh37", "GRCh38"} for builds in _builds(kb).values())


@pytest.mark.shared
def test_grch37_keys_equal_civic_representative_coordinates(kb: KnowledgeBase, shared_data: Path) -> None:
    path = shared_data / "civic/01-Aug-2021/01-Aug-2021-VariantSummaries.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        civic = {row["variant_id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    checked = 0
    for hotspot in (h for h in kb.hotspots if h.build == "GRCh37"):
        row = civic[_vid(hotspot)]
        assert row["gene"] == hotspot.gene
        assert row["reference_build"] == "GRCh37"
        assert f"chr{row['chromosome']}" == hotspot.chrom
        name = row["variant"].removeprefix("BCR-ABL ")
        if name == hotspot.hgvs_p:
            assert (int(row["start"]), row["reference_bases"], row["variant_bases"]) == (
                hotspot.pos,
                hotspot.ref,
                hotspot.alt,
            )
        else:  # a codon-level CIViC record (IDH2 R140, FLT3 D835): the SNV lies within the codon
            assert name == hotspot.hgvs_p[:-1]
            assert int(row["start"]) <= hotspot.pos <= int(row["stop"])
            if row["reference_bases"]:
                assert (row["reference_bases"], row["variant_bases"]) == (hotspot.ref, hotspot.alt)
        checked += 1
    assert checked == len(kb.hotspots) // 2


@pytest.mark.shared
def test_grch37_keys_agree_with_the_civic_vcf_where_it_has_them(kb: KnowledgeBase, shared_data: Path) -> None:
    by_vid: dict[str, tuple[str, int, str, str]] = {}
    with (shared_data / "civic/01-Oct-2019/01-Oct-2019-civic_accepted.vcf").open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.split("\t")
            if not line.startswith("#") and len(fields) >= 8 and fields[1].isdigit():  # some INFO values wrap
                chrom, pos, vid, ref, alt = fields[:5]
                by_vid[vid] = (f"chr{chrom}", int(pos), ref, alt)
    compared = [h for h in kb.hotspots if h.build == "GRCh37" and _vid(h) in by_vid]
    assert len(compared) >= 40
    for hotspot in compared:
        assert by_vid[_vid(hotspot)] == (hotspot.chrom, hotspot.pos, hotspot.ref, hotspot.alt), hotspot.hgvs_p


def test_each_gene_has_a_single_grch37_to_grch38_offset(kb: KnowledgeBase) -> None:
    offsets: dict[str, set[int]] = defaultdict(set)
    for (gene, _), builds in _builds(kb).items():
        b37, b38 = builds["GRCh37"], builds["GRCh38"]
        assert (b38.chrom, b38.ref, b38.alt) == (b37.chrom, b37.ref, b37.alt)
        offsets[gene].add(b38.pos - b37.pos)
    assert {gene: len(values) for gene, values in offsets.items() if len(values) != 1} == {}


@pytest.mark.shared
def test_grch38_keys_match_the_acceptance_vcf_anchors(kb: KnowledgeBase, shared_acceptance: Path) -> None:
    three_to_one = {
        "Gly": "G",
        "Cys": "C",
        "Arg": "R",
        "His": "H",
        "Val": "V",
        "Glu": "E",
        "Gln": "Q",
        "Asp": "D",
    }
    anchors = 0
    for vcf in sorted(shared_acceptance.glob("cases/0[1-3]*/variants.vcf")):
        for line in vcf.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            chrom, pos, _, ref, alt, _, _, info = line.split("\t")[:8]
            fields = dict(item.split("=", 1) for item in info.split(";") if "=" in item)
            p = fields["HGVSP"].removeprefix("p.")
            short = three_to_one[p[:3]] + p[3:-3] + three_to_one[p[-3:]]
            hit = kb.hotspot("GRCh38", chrom, int(pos), ref, alt)
            assert hit is not None, line
            assert (hit.gene, hit.hgvs_p) == (fields["GENE"], short), line
            anchors += 1
    assert anchors == 5
