"""Trial matching throughput: 10,000 synthetic patients against 1,000 synthetic trials.

Run: `.venv/bin/python benchmarks/trials.py [--patients N] [--trials N] [--baseline N]`. Trials and
patients are generated from a fixed seed (OncoTree codes of the packaged release, a pool of cancer
genes, hotspot changes, amplifications, fusions, TMB), so every run matches the same cohort.

Reported, as PERFORMANCE.md asks, with baselines measured in the same process run:
- patients per second through `match_trials` (index lookup, three-valued evaluation, and insights
  for the eligible trials and the ten best near misses);
- the same matcher without the hook index (every arm evaluated for every patient) on a subset,
  which shows what the index buys;
- the ratio to MatchMiner's published throughput of about 26,000 patients a day (0.3 patients/s).
Prints the machine; not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from integrome.match._scope import tumor_codes
from integrome.match._trial_criteria import patient_facts
from integrome.match.trials import CompiledTrials, TrialMatchConfig, compile_trials, match_trials
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Coverage,
    Diagnosis,
    Finding,
    FusionFinding,
    Patient,
    PatientProfile,
    VariantFinding,
)
from integrome.model.trials import (
    BiomarkerCriterion,
    CriteriaNode,
    DiagnosisCriterion,
    GenomicCriterion,
    Trial,
    TrialArm,
)
from integrome.normalize.diseases import oncotree

MATCHMINER_PATIENTS_PER_SECOND = 26_000 / 86_400
"""MatchMiner: about 26,000 patients a day matched against trials (published figure, PERFORMANCE.md)."""
AS_OF = "2026-01-01"

HOTSPOTS = {
    "KRAS": ["G12C", "G12D", "G12V", "G13D", "Q61H"],
    "NRAS": ["Q61K", "Q61R", "G12D"],
    "BRAF": ["V600E", "V600K", "G469A"],
    "EGFR": ["L858R", "T790M", "G719S", "L861Q"],
    "PIK3CA": ["H1047R", "E545K", "E542K"],
    "IDH1": ["R132H", "R132C"],
    "IDH2": ["R140Q", "R172K"],
    "ERBB2": ["S310F", "V777L"],
    "KIT": ["D816V", "V560D"],
    "AKT1": ["E17K"],
    "FGFR3": ["S249C", "R248C"],
    "ESR1": ["D538G", "Y537S"],
    "TP53": ["R175H", "R248Q", "R273H"],
    "CTNNB1": ["S45F", "T41A"],
    "MET": ["Y1003C"],
}
OTHER_GENES = ["BRCA1", "BRCA2", "ATM", "PTEN", "ARID1A", "CDKN2A", "STK11", "KEAP1", "NF1", "RB1", "SMAD4"]
AMPLIFIED = ["ERBB2", "MET", "FGFR2", "CCNE1", "MYC", "EGFR", "CDK4", "MDM2"]
FUSED = [("ALK", "EML4"), ("ROS1", "CD74"), ("RET", "KIF5B"), ("NTRK1", "TPM3"), ("FGFR2", "BICC1")]
PASSENGER_GENES = 300
"""Genes besides the named ones that panels cover and passenger variants hit (sampled from HGNC)."""
TRIAL_LEVELS = (1, 2, 3)
"""OncoTree levels trials name (tissue such as LUNG, main types such as NSCLC, subtypes such as LUAD)."""
PATIENT_LEVELS = (2, 3, 4)


def _codes(levels: tuple[int, ...]) -> list[str]:
    tree = oncotree()
    return sorted(code for code in tree.codes if tree.level(code) in levels)


def _passenger_genes() -> list[str]:
    from integrome.normalize.genes import gene_table

    named = {*HOTSPOTS, *OTHER_GENES, *AMPLIFIED, *(gene for pair in FUSED for gene in pair)}
    symbols = sorted(record.symbol for record in gene_table().records if record.symbol not in named)
    return random.Random(3).sample(symbols, PASSENGER_GENES)


def _genomic(rng: random.Random) -> CriteriaNode:
    roll = rng.random()
    if roll < 0.55:
        gene = rng.choice(list(HOTSPOTS))
        change = rng.choice(HOTSPOTS[gene]) if rng.random() < 0.8 else None
        return CriteriaNode(genomic=GenomicCriterion(gene=gene, protein_change=change))
    if roll < 0.7:
        return CriteriaNode(genomic=GenomicCriterion(gene=rng.choice(OTHER_GENES)))
    if roll < 0.85:
        gene = rng.choice(AMPLIFIED)
        return CriteriaNode(
            genomic=GenomicCriterion(gene=gene, variant_category="cnv", cnv_call="amplification")
        )
    return CriteriaNode(genomic=GenomicCriterion(gene=rng.choice(FUSED)[0], variant_category="sv"))


def synthetic_trials(count: int, seed: int = 7) -> list[Trial]:
    """Arms: tumor type (5% any solid tumor) AND age >= 18 AND one of 1-3 alterations, sometimes
    TMB >= 10 or KRAS wild type; 85% of trials and 90% of arms open."""
    rng = random.Random(seed)
    codes = _codes(TRIAL_LEVELS)
    trials = []
    for number in range(count):
        arms = []
        for arm_number in range(rng.choice((1, 1, 2, 3))):
            diagnosis = ["SOLID"] if rng.random() < 0.05 else rng.sample(codes, rng.choice((1, 1, 2)))
            molecular = [_genomic(rng) for _ in range(rng.choice((1, 1, 2, 3)))]
            parts = [
                CriteriaNode(diagnosis=DiagnosisCriterion(codes=diagnosis)),
                CriteriaNode(age=">=18"),
                molecular[0] if len(molecular) == 1 else CriteriaNode(any=molecular),
            ]
            if rng.random() < 0.1:
                parts.append(CriteriaNode(biomarker=BiomarkerCriterion(name="TMB", value=">=10")))
            if rng.random() < 0.1:
                parts.append(CriteriaNode(genomic=GenomicCriterion(gene="KRAS", wildtype=True)))
            status = "open" if rng.random() < 0.9 else "closed"
            arms.append(TrialArm(id=f"ARM {arm_number + 1}", status=status, criteria=CriteriaNode(all=parts)))
        trials.append(
            Trial(
                id=f"SYN-{number:05d}",
                title=f"Synthetic benchmark trial {number}",
                status="open" if rng.random() < 0.85 else "closed",
                arms=arms,
                source="integrome benchmark (synthetic)",
            )
        )
    return trials


def synthetic_patients(count: int, seed: int = 11) -> list[PatientProfile]:
    """A coded tumor, a birth date, 3-10 variants (passengers, a driver hotspot half the time),
    sometimes an amplification, a fusion or a TMB result, and a panel of 70% of the genes."""
    rng = random.Random(seed)
    codes = _codes(PATIENT_LEVELS)
    passengers = _passenger_genes()
    genes = [*HOTSPOTS, *OTHER_GENES, *AMPLIFIED, *passengers]
    patients = []
    for number in range(count):
        code = rng.choice(codes)
        findings: list[Finding] = []
        if rng.random() < 0.5:
            gene = rng.choice(list(HOTSPOTS))
            findings.append(
                VariantFinding(id="d1", source="vcf", gene=gene, hgvs_p=f"p.{rng.choice(HOTSPOTS[gene])}")
            )
        for index in range(rng.randint(3, 10)):
            gene = rng.choice(OTHER_GENES) if rng.random() < 0.1 else rng.choice(passengers)
            findings.append(VariantFinding(id=f"f{index}", source="vcf", gene=gene, hgvs_p="p.A100T"))
        if rng.random() < 0.1:
            findings.append(
                CopyNumberFinding(id="c1", source="table", gene=rng.choice(AMPLIFIED), call="amplification")
            )
        if rng.random() < 0.03:
            gene, partner = rng.choice(FUSED)
            findings.append(FusionFinding(id="s1", source="table", gene=gene, partner=partner))
        if rng.random() < 0.3:
            tmb = round(rng.uniform(0, 30), 1)
            status = "positive" if tmb >= 10 else "negative"
            findings.append(
                BiomarkerFinding(
                    id="b1", source="fhir", biomarker="TMB", value=f"{tmb} mut/Mb", numeric=tmb, status=status
                )
            )
        panel = sorted(rng.sample(genes, int(len(genes) * 0.7)))
        birth = f"{rng.randint(1940, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        patients.append(
            PatientProfile(
                patient=Patient(
                    id=f"P{number:05d}",
                    sex=rng.choice(("female", "male")),
                    birth_date=birth,
                    diagnoses=[Diagnosis(system="oncotree", code=code, display=code, oncotree=code)],
                ),
                findings=findings,
                coverage=[Coverage(input="panel.vcf", assay="vcf", genes=panel)],
            )
        )
    return patients


def _match_all(
    patients: list[PatientProfile], compiled: CompiledTrials, config: TrialMatchConfig
) -> list[list[tuple[str, str, str]]]:
    """Per patient: (trial, arm, verdict) of every reported trial, in rank order."""
    return [
        [
            (m.trial.id, m.arm.id, m.verdict)
            for m in match_trials(p, compiled, as_of=AS_OF, config=config).matches
        ]
        for p in patients
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=300, help="patients for the no-index baseline")
    args = parser.parse_args()

    start = time.perf_counter()
    trials = synthetic_trials(args.trials)
    patients = synthetic_patients(args.patients)
    generate = time.perf_counter() - start

    start = time.perf_counter()
    compiled = compile_trials(trials)
    compile_seconds = time.perf_counter() - start

    config = TrialMatchConfig()
    start = time.perf_counter()
    results = _match_all(patients, compiled, config)
    indexed = time.perf_counter() - start
    eligible = sum(1 for found in results for match in found if match[2] == "eligible")
    near = sum(1 for found in results for match in found if match[2] == "near_miss")
    rate = len(patients) / indexed

    # Baseline: the same matcher with every arm a candidate (no index), on a subset.
    every_arm = CompiledTrials(compiled.arms, {}, {}, range(len(compiled)))
    subset = patients[: args.baseline]
    start = time.perf_counter()
    baseline = _match_all(subset, every_arm, config)
    naive_rate = len(subset) / (time.perf_counter() - start)
    if baseline != results[: len(subset)]:
        raise SystemExit("the index changed the results: it must only skip arms that cannot match")

    tree = oncotree()
    facts = [patient_facts(p, tumor_codes(p.patient, tree)[0], tree, AS_OF) for p in subset]
    candidates = sum(len(compiled.candidates(f)) for f in facts) / len(facts)
    machine = platform.processor() or platform.machine()
    n = len(patients)
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}, one process")
    print(f"cohort: {n:,} patients x {len(trials):,} trials ({len(compiled):,} arms)")
    print(f"generate: {generate:.1f} s")
    print(f"compile + index: {compile_seconds:.2f} s")
    print(f"matching: {indexed:.2f} s = {rate:,.0f} patients/s")
    per = f"{eligible / n:.1f} eligible and {near / n:.1f} near-miss trials"
    print(f"  per patient: {per}")
    print(f"  arms evaluated per patient: {candidates:.0f} of {len(compiled):,}")
    print(f"same matcher without the index ({len(subset)} patients): {naive_rate:,.0f} patients/s")
    print(f"  index speed-up: {rate / naive_rate:.1f}x (results identical)")
    print(
        f"vs MatchMiner's 26,000 patients/day ({MATCHMINER_PATIENTS_PER_SECOND:.2f} patients/s): "
        f"{rate / MATCHMINER_PATIENTS_PER_SECOND:,.0f}x"
    )


if __name__ == "__main__":
    main()
