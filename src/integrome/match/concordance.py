"""Agreement across DNA, RNA and protein: concordance is evidence, discordance is a flag.

Pure: takes the profile (findings, RNA/protein levels, coverage) and returns comparisons, the
insights they call for, and rationale lines for the insights built on the compared findings.

Rules:

- HER2/ERBB2: IHC 3+ with DNA amplification is concordant; IHC 2+ (equivocal) with DNA
  amplification supports HER2-positive status, but the guideline still asks for reflex ISH on
  the same specimen (ASCO/CAP HER2 testing guideline, 2018): a test recommendation; IHC 0/1+ with
  DNA amplification, or IHC 3+ where a copy-number assay covering ERBB2 found no amplification,
  is discordant; ERBB2 mRNA or protein levels add support or doubt;
- an amplification whose gene is highly expressed in RNA is concordant, one not expressed is
  discordant; a deep deletion whose gene is still expressed is discordant (subclonal or false call);
- a protein-altering DNA variant in a gene that RNA shows not expressed (TPM < 1) is flagged:
  the mutant allele may not be transcribed;
- a fusion seen both in DNA (SV) and RNA is concordant; a fusion whose orientation leaves the
  kinase domain out is flagged; a 3'-kinase fusion with high RNA expression of the kinase is
  supported;
- MSI-H with proficient MMR IHC, or MSS with deficient MMR, is discordant (ASCP/CAP/AMP/ASCO
  colorectal molecular biomarker guideline, 2017); agreement is concordant;
- a computed and a reported TMB on opposite sides of 10 mut/Mb are discordant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from integrome.model import (
    BiomarkerFinding,
    Citation,
    CopyNumberFinding,
    ExpressionMeasurement,
    Finding,
    FusionFinding,
    Insight,
    LayerConcordance,
    LayerEvidence,
    OmicsLayer,
    PatientProfile,
    VariantFinding,
)

__all__ = ["ASCO_CAP_HER2", "ConcordanceResult", "assess_concordance", "layer_of"]

_Verdict = Literal["concordant", "discordant", "partial"]

ASCO_CAP_HER2 = Citation(
    source="ASCO/CAP",
    id="Human Epidermal Growth Factor Receptor 2 Testing in Breast Cancer guideline update, 2018",
)
_MMR_GUIDELINE = Citation(
    source="ASCP/CAP/AMP/ASCO",
    id="Molecular Biomarkers for the Evaluation of Colorectal Cancer guideline, 2017",
)
_TMB_LABEL = Citation(
    source="FDA", id="KEYTRUDA (pembrolizumab) prescribing information, TMB-H indication, 2020"
)
_PROTEIN_ALTERING = frozenset(
    {
        "missense_variant",
        "stop_gained",
        "frameshift_variant",
        "inframe_insertion",
        "inframe_deletion",
        "splice_donor_variant",
        "splice_acceptor_variant",
        "start_lost",
        "stop_lost",
        "protein_altering_variant",
    }
)


@dataclass
class ConcordanceResult:
    concordance: list[LayerConcordance] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)

    def annotate(self, insights: Iterable[Insight]) -> list[Insight]:
        """Add a cross-layer rationale line to every insight resting on a compared finding."""
        lines: dict[str, list[str]] = defaultdict(list)
        for item in self.concordance:
            line = _rationale(item)
            for evidence in item.layers:
                if evidence.finding_id is not None and line not in lines[evidence.finding_id]:
                    lines[evidence.finding_id].append(line)
        annotated = []
        for insight in insights:
            extra = [line for fid in insight.finding_ids for line in lines.get(fid, [])]
            extra = [line for line in dict.fromkeys(extra) if line not in insight.rationale]
            annotated.append(
                insight.model_copy(update={"rationale": [*insight.rationale, *extra]}) if extra else insight
            )
        return annotated


def _rationale(item: LayerConcordance) -> str:
    label = {"concordant": "Supported across omics layers", "partial": "Cross-layer note"}.get(
        item.verdict, "Cross-layer discordance"
    )
    return f"{label}: {item.note}"


def layer_of(finding: Finding) -> OmicsLayer:
    """The finding's omics layer: as the input stated it, else DNA for variants, copy number and SVs,
    protein for IHC/ISH-free marker results, DNA for computed/NGS markers."""
    if finding.omics_layer is not None:
        return finding.omics_layer
    if isinstance(finding, BiomarkerFinding):
        method = (finding.method or "").upper()
        if "IHC" in method or method == "IF":
            return "protein"
        if "RNA" in method:
            return "rna"
    return "dna"


def assess_concordance(profile: PatientProfile) -> ConcordanceResult:
    """Compare the layers for every gene that has results in more than one (module docstring)."""
    view = _View.of(profile)
    result = ConcordanceResult()
    _her2(view, result)
    _copy_number_rna(view, result)
    _variants_rna(view, result)
    _fusions(view, result)
    _msi_mmr(view, result)
    _tmb(view, result)
    return result


@dataclass
class _View:
    findings: Sequence[Finding]
    rna: dict[str, ExpressionMeasurement]
    protein: dict[str, ExpressionMeasurement]
    cn_genes: frozenset[str]
    """Genes a copy-number input covered (so 'no amplification' can be told from 'not tested')."""

    @classmethod
    def of(cls, profile: PatientProfile) -> _View:
        cn_inputs = {doc.name for doc in profile.inputs if doc.format == "copy_number"}
        cn_genes = {
            gene
            for coverage in profile.coverage
            if coverage.input in cn_inputs and coverage.genes is not None
            for gene in coverage.genes
        }
        return cls(
            profile.findings,
            {m.gene: m for m in profile.expression if m.layer == "rna"},
            {m.gene: m for m in profile.expression if m.layer == "protein"},
            frozenset(cn_genes),
        )

    def copy_number(self, gene: str) -> CopyNumberFinding | None:
        return next((f for f in self.findings if isinstance(f, CopyNumberFinding) and f.gene == gene), None)

    def markers(self, name: str) -> list[BiomarkerFinding]:
        return [f for f in self.findings if isinstance(f, BiomarkerFinding) and f.biomarker.upper() == name]


def _describe_cn(finding: CopyNumberFinding) -> str:
    text = f"{finding.gene} {finding.call.replace('_', ' ')}"
    if finding.copy_number is not None:
        text += f" (copy number {finding.copy_number:g})"
    elif finding.log2_ratio is not None:
        text += f" (log2 {finding.log2_ratio:.2f})"
    return text


def _describe_level(level: ExpressionMeasurement) -> str:
    text = f"{level.gene} {'mRNA' if level.layer == 'rna' else 'protein'} {level.value:g} {level.unit}"
    details = [level.call.replace("_", " ")]
    if level.z_score is not None:
        details.append(f"z {level.z_score:+.1f}")
    if level.percentile is not None:
        details.append(f"percentile {level.percentile:g}")
    return f"{text} ({', '.join(details)})"


def _level_evidence(level: ExpressionMeasurement | None, high_supports: bool = True) -> list[LayerEvidence]:
    if level is None or level.call == "not_assessed":
        return []
    supports: bool | None = None
    if level.call == "high":
        supports = high_supports
    elif level.call in ("low", "not_expressed"):
        supports = not high_supports
    return [LayerEvidence(layer=level.layer, result=_describe_level(level), supports=supports)]


def _her2(view: _View, result: ConcordanceResult) -> None:
    protein = [f for f in view.markers("HER2") if f.method is None or "ISH" not in f.method.upper()]
    ihc = next((f for f in protein if f.status in ("positive", "equivocal", "low", "negative")), None)
    cn = view.copy_number("ERBB2")
    amplified = cn is not None and cn.call == "amplification"
    if ihc is None or (cn is None and "ERBB2" not in view.cn_genes):
        return
    layers = [
        LayerEvidence(layer="protein", result=f"HER2 IHC {ihc.value}", finding_id=ihc.id, supports=None)
    ]
    dna = _describe_cn(cn) if cn is not None else "no ERBB2 amplification in the copy-number assay"
    layers.append(
        LayerEvidence(layer="dna", result=dna, supports=amplified, finding_id=cn.id if cn else None)
    )
    layers += _level_evidence(view.rna.get("ERBB2")) + _level_evidence(view.protein.get("ERBB2"))
    if ihc.status == "positive":
        layers[0] = layers[0].model_copy(update={"supports": True})
        if amplified:
            _add(
                result,
                "ERBB2",
                "concordant",
                layers,
                f"HER2 IHC {ihc.value} and {dna} agree",
                [ASCO_CAP_HER2],
            )
        else:
            note = f"HER2 IHC {ihc.value} but {dna}; confirm HER2 status (ISH) before HER2-directed therapy"
            _add(result, "ERBB2", "discordant", layers, note, [ASCO_CAP_HER2])
        return
    if ihc.status == "equivocal":
        if amplified:
            note = (
                f"HER2 IHC {ihc.value} is equivocal and {dna} supports HER2-positive status; reflex ISH "
                "is still required to assign HER2 status"
            )
            _add(result, "ERBB2", "partial", layers, note, [ASCO_CAP_HER2])
        else:
            note = (
                f"HER2 IHC {ihc.value} is equivocal; {dna}; reflex ISH decides HER2-positive versus HER2-low"
            )
            _add(result, "ERBB2", "partial", layers, note, [ASCO_CAP_HER2])
        result.insights.append(_ish_recommendation(ihc, cn, amplified))
        return
    if amplified:
        layers[0] = layers[0].model_copy(update={"supports": False})
        note = (
            f"{dna} but HER2 IHC {ihc.value}: discordant HER2 results; repeat IHC/ISH on the specimen "
            "before deciding on HER2-directed therapy"
        )
        _add(result, "ERBB2", "discordant", layers, note, [ASCO_CAP_HER2])


def _ish_recommendation(ihc: BiomarkerFinding, cn: CopyNumberFinding | None, amplified: bool) -> Insight:
    dna = f"; DNA shows {_describe_cn(cn)}" if cn is not None else ""
    return Insight(
        id="",
        kind="test_recommendation",
        title="HER2 ISH: reflex test for equivocal HER2 IHC 2+",
        summary="HER2 IHC 2+ is equivocal: order reflex ISH on the same specimen to assign HER2 status.",
        severity="warning" if amplified else "info",
        genes=["ERBB2"],
        tests=["HER2 ISH (reflex for IHC 2+)"],
        rationale=[
            f"HER2 IHC {ihc.value} (equivocal){dna}",
            "ASCO/CAP: IHC 2+ is equivocal and must be resolved by ISH; the result separates "
            "HER2-positive (anti-HER2 therapy) from HER2-low (trastuzumab deruxtecan)",
        ],
        finding_ids=[ihc.id] + ([cn.id] if cn is not None else []),
        citations=[ASCO_CAP_HER2],
    )


def _copy_number_rna(view: _View, result: ConcordanceResult) -> None:
    for finding in view.findings:
        if not isinstance(finding, CopyNumberFinding) or finding.gene == "ERBB2":
            continue
        level = view.rna.get(finding.gene)
        if level is None or level.call == "not_assessed":
            continue
        dna = LayerEvidence(layer="dna", result=_describe_cn(finding), supports=True, finding_id=finding.id)
        if finding.call == "amplification" and level.call in ("high", "not_expressed"):
            verdict: _Verdict = "concordant" if level.call == "high" else "discordant"
            rna = _level_evidence(level)
            note = (
                f"{_describe_cn(finding)} with {_describe_level(level)}"
                if verdict == "concordant"
                else f"{_describe_cn(finding)} but the gene is not expressed in RNA ({level.value:g} "
                f"{level.unit}); the amplified gene may not be driving the tumor"
            )
            _add(result, finding.gene, verdict, [dna, *rna], note)
        elif finding.call == "deep_deletion" and level.call in ("high", "within_range"):
            rna = [LayerEvidence(layer="rna", result=_describe_level(level), supports=False)]
            note = (
                f"{_describe_cn(finding)} but RNA still shows expression ({level.value:g} {level.unit}): "
                "the deletion may be subclonal or a false call"
            )
            _add(result, finding.gene, "discordant", [dna, *rna], note)


def _variants_rna(view: _View, result: ConcordanceResult) -> None:
    for finding in view.findings:
        if not isinstance(finding, VariantFinding) or finding.gene is None or finding.origin == "germline":
            continue
        level = view.rna.get(finding.gene)
        terms = set((finding.consequence or "").replace("&", ",").split(","))
        altering = bool(terms & _PROTEIN_ALTERING) or (
            finding.hgvs_p is not None and "=" not in finding.hgvs_p
        )
        if level is None or level.call != "not_expressed" or not altering:
            continue
        change = finding.hgvs_p or finding.hgvs_c or "variant"
        layers = [
            LayerEvidence(
                layer="dna", result=f"{finding.gene} {change}", supports=True, finding_id=finding.id
            ),
            LayerEvidence(layer="rna", result=_describe_level(level), supports=False),
        ]
        note = (
            f"{finding.gene} {change} is in the DNA but {finding.gene} is not expressed in RNA "
            f"({level.value:g} {level.unit} < 1): the mutant allele may not be transcribed"
        )
        _add(result, finding.gene, "discordant", layers, note)


def _fusions(view: _View, result: ConcordanceResult) -> None:
    by_pair: dict[frozenset[str], list[FusionFinding]] = defaultdict(list)
    for finding in view.findings:
        if isinstance(finding, FusionFinding):
            genes = frozenset(g for g in (finding.gene, finding.partner) if g is not None)
            by_pair[genes].append(finding)
    for fusions in by_pair.values():
        lead = fusions[0]
        name = _fusion_name(lead)
        layers_seen = {layer_of(f) for f in fusions}
        evidence = [
            LayerEvidence(
                layer=layer_of(f),
                result=f"{_fusion_name(f)} ({f.caller or f.source})",
                supports=f.kinase_domain_retained is not False,
                finding_id=f.id,
            )
            for f in fusions
        ]
        broken = [f for f in fusions if f.kinase_domain_retained is False]
        if broken:
            end = "5′" if lead.five_prime == lead.gene else "3′"
            note = (
                f"{name}: {lead.gene} is the {end} partner, so its "
                "kinase domain is not in the fusion product; not used for fusion-directed therapy — "
                "confirm the orientation with the laboratory"
            )
            _add(result, lead.gene, "discordant", evidence, note)
            continue
        level = view.rna.get(lead.gene)
        if len(layers_seen) > 1:
            _add(result, lead.gene, "concordant", evidence, f"{name} is seen in both DNA and RNA")
        elif level is not None and level.call == "high":
            note = f"{name} with high {lead.gene} RNA expression ({_describe_level(level)})"
            _add(result, lead.gene, "concordant", [*evidence, *_level_evidence(level)], note)


def _fusion_name(finding: FusionFinding) -> str:
    five = finding.five_prime or finding.gene
    three = finding.three_prime or finding.partner
    return f"{five}–{three} fusion" if three and three != five else f"{finding.gene} fusion"


def _msi_mmr(view: _View, result: ConcordanceResult) -> None:
    msi = next((f for f in view.markers("MSI") if f.status in ("positive", "negative")), None)
    mmr = next((f for f in view.markers("MMR") if f.status in ("positive", "negative")), None)
    if msi is None or mmr is None:
        return
    layers = [
        LayerEvidence(
            layer=layer_of(msi),
            result=f"MSI {msi.value}",
            supports=msi.status == "positive",
            finding_id=msi.id,
        ),
        LayerEvidence(
            layer="protein",
            result=f"MMR IHC {mmr.value}",
            supports=mmr.status == "positive",
            finding_id=mmr.id,
        ),
    ]
    if msi.status == mmr.status:
        state = "MSI-H / dMMR" if msi.status == "positive" else "MSS / pMMR"
        _add(result, "MLH1", "concordant", layers, f"MSI and MMR IHC agree ({state})", [_MMR_GUIDELINE])
    else:
        note = (
            f"MSI {msi.value} and MMR IHC {mmr.value} disagree; review both tests (tumor content, "
            "MSH6/POLE patterns) before using either for immunotherapy eligibility"
        )
        _add(result, "MLH1", "discordant", layers, note, [_MMR_GUIDELINE])


def _tmb(view: _View, result: ConcordanceResult) -> None:
    values = [f for f in view.markers("TMB") if f.numeric is not None]
    computed = [f for f in values if f.method == "computed"]
    reported = [f for f in values if f.method != "computed"]
    if not computed or not reported:
        return
    mine, theirs = computed[0], reported[0]
    if mine.numeric is None or theirs.numeric is None:
        return
    layers = [
        LayerEvidence(layer="dna", result=f"computed TMB {mine.value}", finding_id=mine.id),
        LayerEvidence(layer="dna", result=f"reported TMB {theirs.value}", finding_id=theirs.id),
    ]
    if (mine.numeric >= 10) != (theirs.numeric >= 10):
        note = (
            f"computed TMB {mine.numeric:g} and reported TMB {theirs.numeric:g} mut/Mb fall on opposite "
            "sides of the TMB-high cutoff (10 mut/Mb); the laboratory's validated value should decide"
        )
        _add(result, "TMB", "discordant", layers, note, [_TMB_LABEL])


def _add(
    result: ConcordanceResult,
    gene: str,
    verdict: _Verdict,
    layers: list[LayerEvidence],
    note: str,
    citations: list[Citation] | None = None,
) -> None:
    topic = " / ".join(dict.fromkeys(evidence.layer.upper() for evidence in layers))
    result.concordance.append(
        LayerConcordance(
            gene=gene,
            topic=f"{gene}: {topic}",
            verdict=verdict,
            layers=layers,
            note=note,
            citations=citations or [],
        )
    )
