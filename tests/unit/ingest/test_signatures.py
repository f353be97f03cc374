"""TMB computed from somatic variants (hand-checked against MOAlmanac), MSI and HRD caller outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.detect import detect_format
from integrome.ingest.load import IngestOptions, load_inputs
from integrome.ingest.maf import read_maf
from integrome.ingest.signatures import bed_territory_mb, compute_tmb, read_signatures
from integrome.model import BiomarkerFinding, Origin, VariantFinding


def _variant(pos: int, consequence: str | None, origin: Origin = "somatic") -> VariantFinding:
    return VariantFinding(
        id=f"v{pos}",
        source="vcf",
        origin=origin,
        chrom="chr1",
        pos=pos,
        ref="A",
        alt="T",
        build="GRCh38",
        consequence=consequence,
    )


def test_tmb_counts_only_coding_non_synonymous_somatic_variants() -> None:
    findings = [
        _variant(1, "missense_variant"),
        _variant(2, "stop_gained"),
        _variant(3, "frameshift_variant"),
        _variant(4, "splice_donor_variant"),
        _variant(5, "synonymous_variant"),
        _variant(6, "intron_variant"),
        _variant(7, "missense_variant", origin="germline"),
        _variant(1, "missense_variant"),  # same position again: counted once
    ]
    result = compute_tmb(findings, territory_mb=0.5)
    assert result.mutations == 4
    assert result.tmb == 8.0


def test_unannotated_variants_are_not_counted_but_reported() -> None:
    result = compute_tmb([_variant(1, None), _variant(2, "missense_variant")], territory_mb=1.0)
    assert (result.mutations, result.unannotated) == (1, 1)


def test_moalmanac_example_tmb_matches_its_published_output(shared_data: Path) -> None:
    """MOAlmanac reports 204 non-synonymous mutations over 29,908,096 bases = 6.821 mut/Mb."""
    folder = shared_data / "moalmanac-examples" / "input"
    snvs = read_maf(folder / "example_patient.capture.somatic.snvs.maf").findings
    indels = read_maf(folder / "example_patient.capture.somatic.indels.maf").findings
    bases = int((folder / "example_patient.capture.somatic.coverage.txt").read_text())
    result = compute_tmb([*snvs, *indels], bases / 1e6)
    assert result.mutations == 204
    assert result.tmb == pytest.approx(6.82, abs=0.005)


def test_load_inputs_adds_a_computed_tmb_finding(shared_data: Path) -> None:
    folder = shared_data / "moalmanac-examples" / "input"
    paths = [
        folder / "example_patient.capture.somatic.snvs.maf",
        folder / "example_patient.capture.somatic.indels.maf",
    ]
    profile = load_inputs(paths, IngestOptions(tmb_territory_mb=29.908096))
    (tmb,) = [f for f in profile.findings if isinstance(f, BiomarkerFinding) and f.biomarker == "TMB"]
    assert tmb.numeric == 6.82
    assert tmb.status == "negative"
    assert tmb.method == "computed"


def test_bed_territory_merges_overlapping_targets(tmp_path: Path) -> None:
    bed = tmp_path / "panel.bed"
    bed.write_text("chr1\t100\t600\tA\nchr1\t500\t1100\tB\nchr2\t0\t1000\tC\n")
    assert bed_territory_mb(bed) == pytest.approx(0.002)


def test_bad_bed_line_names_its_line(tmp_path: Path) -> None:
    bed = tmp_path / "panel.bed"
    bed.write_text("chr1\t100\t600\nchr1\tx\t9\n")
    with pytest.raises(InputError, match=r"panel.bed:line 2: expected BED columns"):
        bed_territory_mb(bed)


@pytest.mark.parametrize(
    ("score", "status"), [("12.5", "positive"), ("4.1", "equivocal"), ("0.8", "negative")]
)
def test_msisensor_score_uses_msk_impact_cutoffs(tmp_path: Path, score: str, status: str) -> None:
    path = tmp_path / "tumor.msi"
    path.write_text(f"Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n2000\t100\t{score}\n")
    assert detect_format(path) == "signatures"
    (finding,) = read_signatures(path).findings
    assert isinstance(finding, BiomarkerFinding)
    assert (finding.biomarker, finding.status) == ("MSI", status)


def test_mantis_status_file_call_is_used_as_given(tmp_path: Path) -> None:
    path = tmp_path / "sample.status"
    path.write_text(
        "Average Metric Value (Abbr)\tValue\tThreshold\tStatus\n"
        "Step-Wise Difference (DIF)\t0.5123\t0.4000   \tUnstable\n"
        "Euclidean Distance (EUC)\t0.31\t0.1880   \tUnstable\n"
    )
    (finding,) = read_signatures(path).findings
    assert isinstance(finding, BiomarkerFinding)
    assert finding.status == "positive"
    assert finding.value.startswith("MSI-H")


def test_hrd_sum_at_42_is_positive(tmp_path: Path) -> None:
    path = tmp_path / "scarhrd.tsv"
    path.write_text("HRD\tTelomeric AI\tLST\tHRD-sum\n14\t16\t12\t42\n")
    (finding,) = read_signatures(path).findings
    assert isinstance(finding, BiomarkerFinding)
    assert (finding.biomarker, finding.status) == ("HRD", "positive")


def test_msisensor_non_numeric_score_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tumor.msi"
    path.write_text("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n2000\t100\thigh\n")
    with pytest.raises(InputError, match=r"tumor.msi:line 2: MSI score \(%\) must be a number"):
        read_signatures(path)


def test_moalmanac_signature_contributions_are_a_signatures_table_not_notes(shared_data: Path) -> None:
    path = shared_data / "moalmanac-examples" / "input" / "example_patient.capture.sbs_contributions.txt"
    assert detect_format(path) == "signatures"
    result = read_signatures(path)
    assert result.findings == []
    assert result.document.format == "signatures"
    (warning,) = result.warnings
    assert warning.startswith("example_patient.capture.sbs_contributions.txt: COSMIC mutational-signature")
    assert "not interpreted" in warning
    assert "SBS7a 42%, SBS30 23%, SBS5 22%, SBS10b 12%" in warning
    assert "SBS1 " not in warning  # below the 6% MOAlmanac review floor


def test_signature_contribution_outside_zero_to_one_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sbs.tsv"
    path.write_text("signature\tcontribution\nSBS1\t0.2\nSBS3\t1.7\n")
    with pytest.raises(InputError, match=r"sbs.tsv:line 3: SBS3 contribution must be a fraction from 0 to 1"):
        read_signatures(path)
