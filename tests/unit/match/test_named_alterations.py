"""Alterations reports name without an HGVS change (FLT3-ITD, FLT3-TKD) match the records that
describe them by exons or codons, and only those."""

from __future__ import annotations

import pytest

from integrome.knowledge import load_knowledge_base
from integrome.match._alterations import finding_matches
from integrome.model import Alteration, VariantFinding

ITD_EXONS = Alteration(type="exon_insertion", exons=[14, 15])
TKD_CODONS = Alteration(type="codon", codons=[835, 836])


def named(label: str, consequence: str, **extra: object) -> VariantFinding:
    return VariantFinding(id="f1", source="fhir", gene="FLT3", consequence=consequence, label=label, **extra)  # type: ignore[arg-type]


def test_flt3_itd_matches_the_exon_14_15_insertion_record() -> None:
    assert finding_matches(ITD_EXONS, "FLT3", named("ITD", "inframe_insertion"))


def test_flt3_itd_does_not_match_a_record_of_one_of_its_exons_only() -> None:
    assert not finding_matches(
        Alteration(type="exon_insertion", exons=[14]), "FLT3", named("ITD", "inframe_insertion")
    )


def test_flt3_itd_is_not_a_tkd_codon_change() -> None:
    assert not finding_matches(TKD_CODONS, "FLT3", named("ITD", "inframe_insertion"))


def test_flt3_tkd_without_a_change_matches_the_d835_i836_record() -> None:
    assert finding_matches(TKD_CODONS, "FLT3", named("TKD", "protein_altering_variant"))


def test_tkd_name_does_not_hide_a_stated_change_elsewhere() -> None:
    stated = named("TKD", "missense_variant", hgvs_p="p.Asn676Lys")
    assert not finding_matches(TKD_CODONS, "FLT3", stated)


@pytest.mark.parametrize("gene", ["KIT", "EGFR"])
def test_the_names_belong_to_flt3_only(gene: str) -> None:
    other = VariantFinding(id="f1", source="fhir", gene=gene, consequence="inframe_insertion", label="ITD")
    assert not finding_matches(ITD_EXONS, gene, other)


def test_shipped_flt3_itd_records_match_a_reported_flt3_itd() -> None:
    kb = load_knowledge_base()
    itd = named("ITD", "inframe_insertion")
    matched = {record.id for record in kb.for_gene("FLT3") if finding_matches(record.alteration, "FLT3", itd)}
    assert {"FLT3-ITD-AML-midostaurin", "FLT3-ITD-AML-quizartinib"} <= matched
    assert not {record_id for record_id in matched if "TKD" in record_id}
