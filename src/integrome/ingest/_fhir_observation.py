"""FHIR Observation → variant, genotype, biomarker or lab value.

Genomic observations follow the HL7 Genomics Reporting IG (STU2 2022 and STU3): a variant is LOINC
69548-6 with components (48018-6 gene studied, 48004-6 c.HGVS, 48005-3 p.HGVS, 81290-9 g.HGVS,
81252-9 discrete variant, 48013-7 genomic reference sequence, 81254-5 allele start-end with
92822-6 coordinate system, 69547-8/69551-0 ref/alt, 62374-4 assembly, 48002-0 genomic source
class, 53034-5 allelic state, 81258-6 VAF); a genotype is 84413-4 and a haplotype 84414-2.
A germline variant with an exact position and allelic state is also the patient's genotype at
that position, for star-allele calling (`_fhir_sites`).
Tumour biomarkers are read by `_fhir_biomarkers`. Free-text results go through the clinical-notes
extractor. Everything else with a value is kept as a lab observation.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from integrome.ingest._fhir_biomarkers import read_biomarker
from integrome.ingest._fhir_common import (
    LOINC,
    Collector,
    Json,
    Located,
    cc_strings,
    cc_text,
    codes,
    codings,
    date_part,
    first_coding,
    gene_symbol,
    protein_hgvs,
    value_polarity,
    value_quantity,
)
from integrome.ingest._fhir_sites import variant_site
from integrome.model import (
    Build,
    CopyNumberFinding,
    FusionFinding,
    GenotypeCall,
    LabObservation,
    NegativeFinding,
    Origin,
    VariantFinding,
    Zygosity,
)
from integrome.normalize.variants import chromosome_of_accession

__all__ = ["read_observation", "read_text_results"]

_VARIANT, _GENOTYPE, _HAPLOTYPE, _REGION_STUDIED = "69548-6", "84413-4", "84414-2", "53041-0"
_GENE_STUDIED = "48018-6"
_COMPLEX_VARIANT_TYPE = "81263-6"
_SKIPPED_CODES = {
    "51968-6",  # overall interpretation: the lab's summary of the results read individually
    "82120-7",  # allelic phase (sequence-phase-relationship)
    "therapeutic-implication",
    "diagnostic-implication",
    "molecular-consequence",
    "grouper",
}
_SKIPPED_PROFILES = {
    "therapeutic-implication",
    "diagnostic-implication",
    "molecular-consequence",
    "overall-interpretation",
    "grouper",
    "sequence-phase-relationship",
}
_BUILD_CODES: dict[str, Build] = {"LA14029-5": "GRCh37", "LA26806-2": "GRCh38"}
_ORIGIN_CODES: dict[str, Origin] = {"LA6683-2": "germline", "LA6684-0": "somatic"}
_ZYGOSITY_CODES: dict[str, Zygosity] = {
    "LA6706-1": "heterozygous",
    "LA6705-3": "homozygous",
    "LA6707-9": "hemizygous",
}
_ZYGOSITY_WORDS: dict[str, Zygosity] = {
    "heterozygous": "heterozygous",
    "homozygous": "homozygous",
    "hemizygous": "hemizygous",
}
_ZERO_BASED, _ONE_BASED = (
    "LA30100-4",
    "LA30102-0",
)  # 92822-6 "0-based interval" / "1-based character" counting
_NO_CALL = "LA18198-4"

_CNV_CHANGE_TYPE = "SO:0001019"  # 48019-4 copy_number_variation, as in the IG's CNV examples
_CNV_WORDING = re.compile(r"amplif|copy[ -]?number|\b(gain|loss|deep deletion|homozygous deletion)\b", re.I)
_CnvCall = Literal["amplification", "gain", "loss", "deep_deletion", "neutral"]
_CNV_CALLS: tuple[tuple[re.Pattern[str], _CnvCall], ...] = (
    (re.compile(r"deep deletion|homozygous deletion|biallelic (loss|deletion)", re.I), "deep_deletion"),
    (re.compile(r"amplif", re.I), "amplification"),
    (re.compile(r"\bgain\b|duplication", re.I), "gain"),
    (re.compile(r"\bloss\b|deletion", re.I), "loss"),
    (re.compile(r"neutral", re.I), "neutral"),
)
_FUSION_WORDING = re.compile(r"fusion|rearrange|::", re.I)
_FUSION_PAIR = re.compile(
    r"([A-Za-z0-9-]+)\s*(?:::|-|/)\s*([A-Za-z0-9-]+)\s+fusion|([A-Za-z0-9-]+)::([A-Za-z0-9-]+)"
)
_G_HGVS = re.compile(
    r"^(?:(?P<acc>NC_0000\d\d\.\d+)|(?:chr)?(?P<chrom>[0-9]{1,2}|X|Y)):g\.(?P<pos>\d+)(?P<ref>[ACGT])>(?P<alt>[ACGT])$"
)
_DISCRETE = re.compile(
    r"^(?P<tx>[A-Z]{2}_\d+\.\d+)\((?P<gene>[^)]+)\):(?P<c>c\.\S+)(?:\s+\((?P<p>p\.[^)]+)\))?"
)
_STAR_DIPLOTYPE = re.compile(
    r"^(?:(?P<gene>[A-Z][A-Z0-9-]*)\s*)?(?P<a1>\*[^\s/*]+)\s*/\s*(?:[A-Z][A-Z0-9-]*\s*)?(?P<a2>\*[^\s/*]+)$"
)
_PLAIN_DIPLOTYPE = re.compile(r"^(?:(?P<gene>[A-Z][A-Z0-9-]+)\s+)?(?P<a1>[^\s/]+)/(?P<a2>[^\s/]+)$")
_HAPLOTYPE_VALUE = re.compile(r"^(?:(?P<gene>[A-Z][A-Z0-9-]*)\s*)?(?P<allele>\*\S+)$")
_GL_ALLELE = re.compile(r"^(?P<gene>HLA-[A-Z0-9]+)[*:](?P<allele>[0-9][0-9A-Z:]*)$")
_ALLELE_IN_NAME = re.compile(
    r"\b(HLA-[A-Z0-9]+|[A-Z][A-Z0-9]{1,9})\s?(\*[0-9]{1,3}(?::[0-9]{2,3}){0,3}[A-Z]?)"
)


def read_observation(located: Located, out: Collector) -> None:
    """Route one Observation to the reader of its kind (first match wins)."""
    obs = located.resource
    if obs.get("status") in ("entered-in-error", "cancelled"):
        return
    code = obs.get("code") or {}
    all_codes = {str(c.get("code")) for c in codings(code)}
    profiles = {str(p).rsplit("/", 1)[-1] for p in obs.get("meta", {}).get("profile", [])}
    if all_codes & _SKIPPED_CODES or profiles & _SKIPPED_PROFILES:
        return
    loinc = codes(code)
    if _VARIANT in loinc or "variant" in profiles:
        _variant(located, out)
    elif _GENOTYPE in loinc or "genotype" in profiles:
        _genotype(located, out)
    elif _HAPLOTYPE in loinc or "haplotype" in profiles:
        _haplotype(located, out)
    elif _REGION_STUDIED in loinc or "region-studied" in profiles:
        for component in _components(obs).get(_GENE_STUDIED, []):
            out.cover(_component_gene(component))
    elif not (_presence_test(located, out) or read_biomarker(located, out) or _text_result(located, out)):
        _lab(located, out)


def read_text_results(text: str, context: str, located: Located, out: Collector) -> bool:
    """Findings stated in free text (a result string, a report conclusion); True when any were found.

    Only the result text is read: a test name such as "KRAS/NRAS/BRAF mutation analysis" lists
    what was tested, not what was found. The name (`context`) only supplies the origin of
    findings the text leaves open: a tumour test is somatic, a germline test germline.
    """
    from integrome.ingest.notes import extract_text

    extraction = extract_text(text, source="fhir", provenance=out.provenance(located))
    origin = _origin_hint(context)
    for finding in extraction.findings:
        update: dict[str, Any] = {"id": out.next_id()}
        if finding.origin == "unknown" and origin != "unknown":
            update["origin"] = origin
        out.findings.append(finding.model_copy(update=update))
    out.warnings.extend(extraction.warnings)
    return bool(extraction.findings)


def _origin_hint(context: str) -> Origin:
    if re.search(r"\b(germ-?line|constitutional|hereditary|inherited)\b", context, re.I):
        return "germline"
    if re.search(r"\b(somatic|tumou?r|neoplasm|cancer)\b", context, re.I):
        return "somatic"
    return "unknown"


# --- components and values ---------------------------------------------------------------------


def _components(obs: Json) -> dict[str, list[Json]]:
    found: dict[str, list[Json]] = {}
    for component in obs.get("component", []):
        for coding in codings(component.get("code")):
            if coding.get("code"):
                found.setdefault(str(coding["code"]), []).append(component)
    return found


def _strings(component: Json) -> list[str]:
    if isinstance(component.get("valueString"), str):
        return [component["valueString"]]
    return cc_strings(component.get("valueCodeableConcept"))


def _first(comps: dict[str, list[Json]], code: str, contains: str = "") -> str | None:
    for component in comps.get(code, []):
        for text in _strings(component):
            if contains in text:
                return text.strip()
    return None


def _component_codes(comps: dict[str, list[Json]], code: str) -> set[str]:
    return {
        str(c.get("code")) for comp in comps.get(code, []) for c in codings(comp.get("valueCodeableConcept"))
    }


def _component_gene(component: Json) -> str | None:
    concept = component.get("valueCodeableConcept") or {}
    for coding in codings(concept):
        code = str(coding.get("code", ""))
        if code.upper().startswith("HGNC:") or "genenames" in str(coding.get("system", "")):
            found = gene_symbol(str(coding.get("display") or ""), hgnc_id=code)
            if found:
                return found
    for text in _strings(component):
        found = gene_symbol(text)
        if found:
            return found
    return None


# --- genomics ----------------------------------------------------------------------------------


def _variant(located: Located, out: Collector) -> None:
    obs = located.resource
    comps = _components(obs)
    if _COMPLEX_VARIANT_TYPE in comps:
        return  # a compound/haplotype grouping; its member variants are observations of their own
    value_codes = {str(c.get("code")) for c in codings(obs.get("valueCodeableConcept"))}
    if _NO_CALL in value_codes:
        out.warn(located, "variant reported as 'no call'; not read as present or absent")
        return
    genes = [g for g in map(_component_gene, comps.get(_GENE_STUDIED, [])) if g]
    gene = genes[0] if genes else None
    variation = _first(comps, "81252-9") or ""
    transcript = _first(comps, "51958-7")
    hgvs_c, hgvs_p = _first(comps, "48004-6", "c."), _first(comps, "48005-3", "p.")
    discrete = _DISCRETE.match(_first(comps, "81252-9", "c.") or "")
    if discrete is not None:
        gene = gene or gene_symbol(discrete["gene"])
        transcript = transcript or discrete["tx"]
        hgvs_c = hgvs_c or discrete["c"]
        hgvs_p = hgvs_p or discrete["p"]
    if hgvs_c and ":" not in hgvs_c and transcript:
        hgvs_c = f"{transcript}:{hgvs_c}"
    protein = protein_hgvs(hgvs_p)
    if value_polarity(obs) is False:
        if gene is None:
            out.warn(located, "variant reported absent without a gene studied; not read")
            return
        from integrome.normalize.variants import short_protein

        excluded = (short_protein(hgvs_p) if hgvs_p else None) or hgvs_c or _named(variation, gene) or "any"
        out.findings.append(
            NegativeFinding(
                id=out.next_id(),
                gene=gene,
                alteration=excluded,
                method=cc_text(obs.get("method")) or None,
                source="fhir",
                origin=_origin(comps),
                provenance=out.provenance(located),
            )
        )
        return
    if gene is not None and not (hgvs_c or protein) and _structural(located, comps, genes, variation, out):
        return
    build = next((_BUILD_CODES[c] for c in _component_codes(comps, "62374-4") if c in _BUILD_CODES), None)
    if build is None:
        build = _build_from_text(" ".join(_first(comps, "62374-4") or ""))
    coordinates = _coordinates(comps, _first(comps, "81290-9", "g."), build)
    if not (gene or hgvs_c or protein or coordinates):
        out.warn(located, "variant has no gene, HGVS or genomic coordinates; not read")
        return
    chrom, pos, ref, alt, build = coordinates or (None, None, None, None, build)
    finding = VariantFinding(
        id=out.next_id(),
        source="fhir",
        origin=_origin(comps),
        provenance=out.provenance(located),
        gene=gene,
        hgvs_c=hgvs_c,
        hgvs_p=protein,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        build=build,
        zygosity=_zygosity(comps),
        vaf=_vaf(comps, located, out),
        consequence=_consequence(comps),
    )
    out.findings.append(finding)
    site = variant_site(finding, located, out)
    if site is not None:
        out.site_calls.append((located, site))


def _named(variation: str, gene: str) -> str | None:
    """What an absent variant's variation code names besides the gene: 'ALK fusion' → 'fusion'."""
    rest = re.sub(rf"\b{re.escape(gene)}\b", "", variation).strip(" :-")
    return rest.lower() if rest and not rest.lower().startswith(("c.", "p.")) else None


def _structural(
    located: Located, comps: dict[str, list[Json]], genes: list[str], variation: str, out: Collector
) -> bool:
    """Copy-number changes and fusions reported as Variant observations; True when one was read.

    A copy-number variant has DNA change type copy_number_variation (SO:0001019, the IG's CNV
    examples) or a variation named as an amplification, gain, loss or deletion; the call comes from
    that wording, else from the copy number against the diploid two. A fusion is named as one
    ("ROS1 Fusion" in the IG's somatic example, "EML4::ALK fusion" in HGVS notation); partners come
    from the genes studied and the "5'::3'" name.
    """
    change_types = {
        str(c.get("code"))
        for comp in comps.get("48019-4", [])
        for c in codings(comp.get("valueCodeableConcept"))
    }
    provenance = out.provenance(located)
    if _CNV_CHANGE_TYPE in change_types or _CNV_WORDING.search(variation):
        copies = next((q[0] for comp in comps.get("82155-3", []) if (q := value_quantity(comp))), None)
        call: _CnvCall | None = next(
            (name for pattern, name in _CNV_CALLS if pattern.search(variation)), None
        )
        if call is None and copies is not None and copies != 2:
            call = "gain" if copies > 2 else "loss"
        if call is None:
            out.warn(
                located, f"copy-number variant of {genes[0]} states no gain, loss or copy number; not read"
            )
            return True
        out.findings.append(
            CopyNumberFinding(
                id=out.next_id(),
                source="fhir",
                origin=_origin(comps),
                provenance=provenance,
                gene=genes[0],
                call=call,
                copy_number=copies,
            )
        )
        return True
    if not _FUSION_WORDING.search(variation):
        return False
    pair = _FUSION_PAIR.search(variation)
    five, three = ((pair[1] or pair[3]), (pair[2] or pair[4])) if pair else (None, None)
    five, three = (gene_symbol(five) if five else None), (gene_symbol(three) if three else None)
    partner = next((g for g in [*genes[1:], five, three] if g and g != genes[0]), None)
    out.findings.append(
        FusionFinding(
            id=out.next_id(),
            source="fhir",
            origin=_origin(comps),
            provenance=provenance,
            gene=genes[0],
            partner=partner,
            five_prime=five if three else None,
            three_prime=three if five else None,
        )
    )
    return True


def _build_from_text(text: str) -> Build | None:
    lowered = text.lower()
    if "grch38" in lowered or "hg38" in lowered:
        return "GRCh38"
    if "grch37" in lowered or "hg19" in lowered:
        return "GRCh37"
    return None


def _coordinates(
    comps: dict[str, list[Json]], hgvs_g: str | None, build: Build | None
) -> tuple[str, int, str, str, Build | None] | None:
    """Genomic position from g.HGVS (substitutions) or from reference sequence + start + ref/alt.

    81254-5 positions are only used with an explicit 92822-6 coordinate system: a 0-based
    interval start becomes the 1-based VCF position by adding one.
    """
    match = _G_HGVS.match(hgvs_g or "")
    if match is not None:
        if match["acc"]:
            chrom, accession_build = chromosome_of_accession(match["acc"])
        else:
            chrom, accession_build = f"chr{match['chrom']}", None
        if chrom is not None:
            return chrom, int(match["pos"]), match["ref"], match["alt"], accession_build or build
    refseq = _first(comps, "48013-7", "NC_")
    system = _component_codes(comps, "92822-6")
    ref, alt = _first(comps, "69547-8"), _first(comps, "69551-0")
    start = next(
        (
            comp["valueRange"]["low"]["value"]
            for comp in comps.get("81254-5", [])
            if isinstance(comp.get("valueRange", {}).get("low", {}).get("value"), int | float)
        ),
        None,
    )
    if refseq is None or start is None or not ref or not alt or not system & {_ZERO_BASED, _ONE_BASED}:
        return None
    chrom, accession_build = chromosome_of_accession(refseq)
    if chrom is None:
        return None
    pos = int(start) + 1 if _ZERO_BASED in system else int(start)
    return chrom, pos, ref.upper(), alt.upper(), accession_build or build


def _origin(comps: dict[str, list[Json]]) -> Origin:
    for code in _component_codes(comps, "48002-0"):
        if code in _ORIGIN_CODES:
            return _ORIGIN_CODES[code]
    text = (_first(comps, "48002-0") or "").lower()
    return "somatic" if "somatic" in text else "germline" if "germline" in text else "unknown"


def _zygosity(comps: dict[str, list[Json]]) -> Zygosity:
    for code in _component_codes(comps, "53034-5"):
        if code in _ZYGOSITY_CODES:
            return _ZYGOSITY_CODES[code]
    text = (_first(comps, "53034-5") or "").lower()
    return next((zygosity for word, zygosity in _ZYGOSITY_WORDS.items() if word in text), "unknown")


def _vaf(comps: dict[str, list[Json]], located: Located, out: Collector) -> float | None:
    """81258-6 sample VAF as a fraction; a percentage (UCUM `%`, or a value above 1) is divided by 100."""
    for component in comps.get("81258-6", []):
        quantity = value_quantity(component)
        if quantity is None:
            continue
        value, unit = quantity
        fraction = value / 100 if unit == "%" or value > 1 else value
        if 0 <= fraction <= 1:
            return fraction
        out.warn(located, f"variant allele fraction {value} is outside 0-1 (or 0-100 %); ignored")
    return None


def _consequence(comps: dict[str, list[Json]]) -> str | None:
    for component in comps.get("molecular-consequence", []):
        for coding in codings(component.get("valueCodeableConcept")):
            if str(coding.get("code", "")).startswith("SO:") and coding.get("display"):
                return str(coding["display"])
    return None


def _genotype(located: Located, out: Collector) -> None:
    obs = located.resource
    genes = [g for g in map(_component_gene, _components(obs).get(_GENE_STUDIED, [])) if g]
    wordings = [*cc_strings(obs.get("valueCodeableConcept")), str(obs.get("valueString") or "")]
    parsed = next((p for p in map(_parse_genotype, wordings) if p is not None), None)
    if parsed is None:
        out.warn(located, f"genotype {wordings[0] if wordings else ''!r} is not a diplotype integrome reads")
        return
    stated_gene, diplotype = parsed
    gene = gene_symbol(stated_gene) if stated_gene else (genes[0] if len(genes) == 1 else None)
    if gene is None:
        out.warn(located, f"genotype {diplotype!r} names no single gene studied")
        return
    out.genotypes.append(
        GenotypeCall(gene=gene, diplotype=diplotype, source="fhir", provenance=out.provenance(located))
    )


def _parse_genotype(text: str) -> tuple[str | None, str] | None:
    """'UGT1A1 *28/*28', '*1/*2', 'CYP2C9*2/CYP2C9*5', HLA GL strings 'hla#3.23.0#HLA-B*15:01+HLA-B*57:01'."""
    text = text.strip()
    if text.lower().startswith("hla#") or ("+" in text and text.startswith("HLA-")):
        body = text.rsplit("#", 1)[-1]
        alleles = [_GL_ALLELE.match(part.strip()) for part in body.split("+")]
        if len(alleles) != 2 or any(a is None for a in alleles) or re.search(r"[|/~^]", body):
            return None
        genes = {match["gene"] for match in alleles if match is not None}
        if len(genes) != 1:
            return None
        first, second = (f"*{match['allele']}" for match in alleles if match is not None)
        return genes.pop(), f"{first}/{second}"
    match = _STAR_DIPLOTYPE.match(text) or _PLAIN_DIPLOTYPE.match(text)
    if match is None:
        return None
    return match["gene"], f"{match['a1']}/{match['a2']}"


def _haplotype(located: Located, out: Collector) -> None:
    obs = located.resource
    genes = [g for g in map(_component_gene, _components(obs).get(_GENE_STUDIED, [])) if g]
    for wording in [*cc_strings(obs.get("valueCodeableConcept")), str(obs.get("valueString") or "")]:
        gl = _GL_ALLELE.match(wording.strip())
        star = _HAPLOTYPE_VALUE.match(wording.strip())
        if gl is not None:
            stated, allele = gl["gene"], f"*{gl['allele']}"
        elif star is not None:
            stated, allele = star["gene"], star["allele"]
        else:
            continue
        gene = gene_symbol(stated) if stated else (genes[0] if len(genes) == 1 else None)
        if gene is not None:
            out.genotypes.append(
                GenotypeCall(
                    gene=gene, allele=allele, present=True, source="fhir", provenance=out.provenance(located)
                )
            )
            return
    out.warn(located, "haplotype without a recognizable gene and star/HLA allele; not read")


def _presence_test(located: Located, out: Collector) -> bool:
    """Allele presence tests named in the code, e.g. 'HLA-B*57:01 [Presence] in Blood' = Positive."""
    obs = located.resource
    match = next(filter(None, map(_ALLELE_IN_NAME.search, cc_strings(obs.get("code")))), None)
    gene = gene_symbol(match[1]) if match is not None else None
    if match is None or gene is None:
        return False
    present = value_polarity(obs)
    if present is None:
        out.warn(located, f"{gene}{match[2]} test result is neither positive nor negative; not read")
        return True
    out.genotypes.append(
        GenotypeCall(
            gene=gene, allele=match[2], present=present, source="fhir", provenance=out.provenance(located)
        )
    )
    return True


# --- free text and everything else -------------------------------------------------------------


def _text_result(located: Located, out: Collector) -> bool:
    obs = located.resource
    value = obs.get("valueString")
    if not isinstance(value, str) or not value.strip():
        return False
    return read_text_results(value, cc_text(obs.get("code")), located, out)


def _lab(located: Located, out: Collector) -> None:
    obs = located.resource
    name = cc_text(obs.get("code")) or "observation"
    date = date_part(
        obs.get("effectiveDateTime") or obs.get("effectivePeriod", {}).get("start") or obs.get("issued")
    )
    holders: list[tuple[Any, Json, str]] = [(obs.get("code"), obs, name)]
    holders += [
        (component.get("code"), component, f"{name}: {cc_text(component.get('code'))}")
        for component in obs.get("component", [])
    ]
    for concept, holder, text in holders:
        value = _value(holder)
        if value is None:
            continue
        shown, numeric, unit = value
        out.observations.append(
            LabObservation(
                code=first_coding(concept, prefer=LOINC),
                text=text,
                value=shown,
                numeric=numeric,
                unit=unit,
                date=date,
            )
        )


def _value(holder: Json) -> tuple[str, float | None, str | None] | None:
    """A FHIR value[x] as (text, number, UCUM unit)."""
    quantity = value_quantity(holder)
    if quantity is not None:
        number, unit = quantity
        written = holder.get("valueQuantity", {})
        shown_unit = str(written.get("unit") or unit or "")
        comparator = str(written.get("comparator", ""))
        return f"{comparator}{number:g}{' ' + shown_unit if shown_unit else ''}", number, unit
    if isinstance(holder.get("valueCodeableConcept"), dict):
        return cc_text(holder["valueCodeableConcept"]), None, None
    if isinstance(holder.get("valueBoolean"), bool):
        return str(holder["valueBoolean"]).lower(), None, None
    for key in ("valueString", "valueDateTime", "valueTime"):
        if isinstance(holder.get(key), str):
            return str(holder[key]), None, None
    if isinstance(holder.get("valueRange"), dict):
        low = holder["valueRange"].get("low", {}).get("value")
        high = holder["valueRange"].get("high", {}).get("value")
        return f"{'' if low is None else low}-{'' if high is None else high}", None, None
    if isinstance(holder.get("valueRatio"), dict):
        ratio = holder["valueRatio"]
        return (
            f"{ratio.get('numerator', {}).get('value')}/{ratio.get('denominator', {}).get('value')}",
            None,
            None,
        )
    if isinstance(holder.get("valuePeriod"), dict):
        period = holder["valuePeriod"]
        return f"{period.get('start', '')}/{period.get('end', '')}", None, None
    return None
