"""FHIR Genomics Reporting variant Observations → site genotypes for star-allele calling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrome.ingest.fhir import read_fhir, read_fhir_data
from integrome.model import SiteGenotype

LOINC = "http://loinc.org"
HETEROZYGOUS = ("LA6706-1", "heterozygous")
HOMOZYGOUS = ("LA6705-3", "homozygous")
HEMIZYGOUS = ("LA6707-9", "hemizygous")
GERMLINE = ("LA6683-2", "Germline")
SOMATIC = ("LA6684-0", "Somatic")


def coded(code: str, display: str, system: str = LOINC) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": coded(code, code), **value}


def variant(
    oid: str,
    hgvs_g: str,
    allelic_state: tuple[str, str] | None = HETEROZYGOUS,
    origin: tuple[str, str] | None = GERMLINE,
) -> dict[str, Any]:
    """A variant Observation shaped like the IG's examples: g.HGVS on an NC_ accession."""
    components = [
        component("48018-6", valueCodeableConcept=coded("HGNC:2621", "CYP2C19", "http://www.genenames.org")),
        component("81290-9", valueCodeableConcept=coded(hgvs_g, hgvs_g, "http://varnomen.hgvs.org")),
    ]
    if allelic_state is not None:
        components.append(component("53034-5", valueCodeableConcept=coded(*allelic_state)))
    if origin is not None:
        components.append(component("48002-0", valueCodeableConcept=coded(*origin)))
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": coded("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": coded("LA9633-4", "Present"),
        "component": components,
    }


def read(*resources: dict[str, Any]) -> Any:
    return read_fhir_data(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
        name="pgx.json",
    )


def test_heterozygous_germline_variant_is_a_ref_alt_site_from_fhir() -> None:
    result = read(variant("rs4244285", "NC_000010.11:g.94781859G>A"))
    assert result.sites == [
        SiteGenotype(
            chrom="chr10",
            pos=94781859,
            ref="G",
            alts=["A"],
            alleles=["G", "A"],
            build="GRCh38",
            source="fhir",
            provenance="pgx.json#Observation/rs4244285",
        )
    ]


def test_homozygous_variant_is_an_alt_alt_site() -> None:
    result = read(variant("rs4244285", "NC_000010.11:g.94781859G>A", HOMOZYGOUS))
    assert result.sites[0].alleles == ["A", "A"]


def test_grch37_accession_sets_the_site_build() -> None:
    result = read(variant("rs4244285", "NC_000010.10:g.96541616G>A"))
    assert (result.sites[0].build, result.sites[0].pos) == ("GRCh37", 96541616)


def test_ig_component_coordinates_give_a_site() -> None:
    """The IG's CYP2C19 example: reference sequence + 1-based start + ref/alt, no g.HGVS."""
    obs = variant("rs4244285", "unused", HETEROZYGOUS)
    obs["component"] = [
        component("62374-4", valueCodeableConcept=coded("LA14029-5", "GRCh37")),
        component("48013-7", valueCodeableConcept=coded("NC_000010.10", "NC_000010.10")),
        component("53034-5", valueCodeableConcept=coded(*HETEROZYGOUS)),
        component("69547-8", valueString="G"),
        component("69551-0", valueString="A"),
        component("92822-6", valueCodeableConcept=coded("LA30102-0", "1-based character counting")),
        component("81254-5", valueRange={"low": {"value": 96541616}}),
    ]
    site = read(obs).sites[0]
    assert (site.chrom, site.pos, site.ref, site.alleles, site.build) == (
        "chr10",
        96541616,
        "G",
        ["G", "A"],
        "GRCh37",
    )


def test_somatic_variant_is_not_a_germline_site() -> None:
    result = read(variant("tumour", "NC_000010.11:g.94781859G>A", origin=SOMATIC))
    assert result.findings
    assert result.sites == []


def test_variant_without_allelic_state_is_not_a_site() -> None:
    result = read(variant("no-state", "NC_000010.11:g.94781859G>A", allelic_state=None))
    assert result.findings
    assert result.sites == []


def test_variant_of_unknown_origin_with_allelic_state_is_a_site() -> None:
    assert read(variant("unknown-origin", "NC_000010.11:g.94781859G>A", origin=None)).sites


def test_hemizygous_x_variant_is_a_haploid_site() -> None:
    result = read(variant("g6pd", "NC_000023.11:g.154536002C>T", HEMIZYGOUS))
    assert result.sites[0].alleles == ["T"]


def test_hemizygous_autosomal_variant_is_not_a_site_and_warns() -> None:
    result = read(variant("hemi", "NC_000010.11:g.94781859G>A", HEMIZYGOUS))
    assert result.sites == []
    assert any("hemizygous chr10:94781859" in w and "Observation/hemi" in w for w in result.warnings)


def test_two_heterozygous_alts_at_one_position_make_alt1_alt2() -> None:
    result = read(
        variant("a", "NC_000010.11:g.94781859G>A"),
        variant("b", "NC_000010.11:g.94781859G>T"),
    )
    assert [(s.alts, s.alleles) for s in result.sites] == [(["A", "T"], ["A", "T"])]


def test_repeated_observation_gives_one_site() -> None:
    result = read(
        variant("a", "NC_000010.11:g.94781859G>A"),
        variant("b", "NC_000010.11:g.94781859G>A"),
    )
    assert len(result.sites) == 1


def test_contradicting_allelic_states_leave_the_position_uncalled_with_a_warning() -> None:
    result = read(
        variant("het", "NC_000010.11:g.94781859G>A", HETEROZYGOUS),
        variant("hom", "NC_000010.11:g.94781859G>A", HOMOZYGOUS),
    )
    assert result.sites == []
    assert any("chr10:94781859" in w and "Observation/hom" in w for w in result.warnings)


def test_ig_cyp2c19_report_variants_become_grch37_sites(shared_data: Path) -> None:
    """74 variants, GRCh37, no genomic source class: SNVs and anchored indels are sites; the
    multi-base substitution ATTC>TATT is not."""
    result = read_fhir(shared_data / "fhir-genomics-reporting/examples-stu2-2022/report-CYP2C19.xml")
    assert len(result.sites) == 73
    assert {s.build for s in result.sites} == {"GRCh37"}
    assert {s.source for s in result.sites} == {"fhir"}
    insertion = next(s for s in result.sites if s.pos == 96466884)
    assert (insertion.ref, insertion.alleles) == ("T", ["TATA", "TATA"])
    assert not any(s.pos == 96536045 for s in result.sites)
