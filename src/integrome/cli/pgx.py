"""`integrome pgx VCF`: diplotypes, phenotypes and missing positions per pharmacogene."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from integrome.model import Build, PgxResult

__all__ = ["pgx"]


def pgx(
    vcf: Annotated[Path, typer.Argument(help="Germline VCF, VCF.GZ or BCF (GRCh38 or GRCh37).")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the `pgx` block of analysis.json instead of a table.")
    ] = False,
    outside_calls: Annotated[
        Path | None,
        typer.Option(
            "--outside-calls", help="TSV of outside calls (gene, diplotype or allele), e.g. CYP2D6."
        ),
    ] = None,
    sample: Annotated[
        str | None, typer.Option("--sample", help="Sample column of a multi-sample VCF.")
    ] = None,
    build: Annotated[
        str | None, typer.Option("--build", help="GRCh38 or GRCh37 when the header says neither.")
    ] = None,
) -> None:
    """Call star alleles and CPIC phenotypes from a germline VCF (plus outside calls)."""
    from integrome.errors import InputError
    from integrome.ingest.outside_calls import read_outside_calls
    from integrome.ingest.vcf import VcfOptions, read_vcf
    from integrome.knowledge.pgx import load_pgx_knowledge
    from integrome.match.pgx import results_only
    from integrome.model import Patient, PatientProfile
    from integrome.settings import get_settings

    if build not in (None, "GRCh38", "GRCh37"):
        raise InputError(None, "--build", f"expected GRCh38 or GRCh37, found {build!r}")
    knowledge = load_pgx_knowledge(get_settings().kb_path)
    options = VcfOptions(
        sample=sample,
        build=cast("Build | None", build),
        role="germline",
        sites_of_interest={b: knowledge.sites_of_interest(b) for b in ("GRCh38", "GRCh37")},
        targeted=True,
    )
    ingested = read_vcf(vcf, options)
    genotypes = read_outside_calls(outside_calls).genotypes if outside_calls is not None else []
    profile = PatientProfile(patient=Patient(id=vcf.name), sites=ingested.sites, genotypes=genotypes)
    results = results_only(profile, knowledge)
    if json_output:
        typer.echo(json.dumps({"pgx": [r.model_dump(mode="json") for r in results]}, indent=2))
        return
    _print_table(results, ingested.warnings)


def _print_table(results: list[PgxResult], warnings: list[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    from integrome.cli._output import console

    table = Table(title="Pharmacogenes (CPIC phenotypes)")
    for column in ("Gene", "Diplotype(s)", "Phenotype", "Activity score", "Missing positions", "Note"):
        table.add_column(column)
    for result in results:
        diplotypes = " | ".join([result.diplotype or "—", *result.alternatives])
        missing = str(len(result.missing_positions)) if result.missing_positions else "0"
        if 0 < len(result.missing_positions) <= 3:
            missing = ", ".join(result.missing_positions)
        score = "—" if result.activity_score is None else f"{result.activity_score:g}"
        phenotype = result.phenotype
        if result.functional_phenotype:
            phenotype += f" (functional: {result.functional_phenotype})"
        table.add_row(
            Text(result.gene),
            Text(diplotypes),
            Text(phenotype),
            Text(score),
            Text(missing),
            Text(result.note or ""),
        )
    out = console()
    out.print(table)
    for warning in warnings:
        console(stderr=True).print(Text(f"warning: {warning}"))
