"""The diagnostic test catalog: load, validate and import laboratory test catalogs.

A catalog file (schema `integrome.catalog/1`, format in `data/catalog/README.md`) lists providers
and the tests they offer with what each test detects. The packaged example catalog
(`data/catalog/example_catalog.yaml`) is layered under the catalogs a user or a laboratory imported
into a knowledge-base folder (`<kb>/catalog/`, written by `integrome kb import catalog FILE`): an
imported test or provider with the id of an earlier one replaces it, so a laboratory updates its
tests by importing a new version. Every problem is a `KnowledgeBaseError` that names the file, the
line and index of the record, its id and the field.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.model.catalog import Assessable, Catalog, CatalogTest, Provider

__all__ = [
    "CATALOG_DIR",
    "CATALOG_SUFFIXES",
    "PROTEIN_TARGETS",
    "PSEUDO_DISEASES",
    "RESULT_TARGETS",
    "CatalogEntry",
    "ImportedCatalog",
    "check_assessable",
    "check_diseases",
    "import_catalog",
    "load_catalog",
    "packaged_files",
    "parse_catalog",
    "read_yaml",
    "yaml_records",
]

M = TypeVar("M", bound=BaseModel)

CATALOG_DIR = "catalog"
"""Sub-folder of a knowledge-base folder that holds catalogs (packaged and imported alike)."""
CATALOG_SUFFIXES = (".yaml", ".yml", ".json")

PROTEIN_TARGETS = frozenset(
    {"PD-L1", "HER2", "MMR", "ALK", "ROS1", "ER", "PR", "KIT", "SDHB", "CLDN18", "p53", "pan-TRK"}
)
"""IHC targets a test may list under `proteins` (MMR = the MLH1/PMS2/MSH2/MSH6 panel)."""
RESULT_TARGETS = frozenset({"MSI", "TMB", "HRD", "1p/19q", "MGMT", "IGHV", "del(17p)"})
"""Named results a test may list under `results`: microsatellite instability, tumor mutational burden,
homologous-recombination deficiency score, 1p/19q codeletion, MGMT promoter methylation, IGHV
mutation status, 17p deletion."""
PSEUDO_DISEASES = ("SOLID", "ANY")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that keeps dates as strings (`version: 2026-01-15` stays text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(text: str, name: str) -> tuple[Any, dict[str, list[int]]]:
    """The document and, for each top-level sequence, the 1-based line of each item (for errors)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise KnowledgeBaseError(f"{name}: {where}: invalid YAML/JSON: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{name}: invalid YAML/JSON: {exc}") from exc
    finally:
        loader.dispose()
    lines: dict[str, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                lines[str(key.value)] = [item.start_mark.line + 1 for item in value.value]
    return document, lines


def yaml_records(
    document: dict[str, Any],
    lines: dict[str, list[int]],
    name: str,
    key: str,
    model: type[M],
    defaults: dict[str, Any],
) -> list[tuple[M, str]]:
    """The list under `key` as `model` instances (each over `defaults`), each with where it stands
    (`file: line N: key[i] (id)`) for the errors of later checks."""
    raw_records = document.get(key, [])
    if not isinstance(raw_records, list):
        raise KnowledgeBaseError(f"{name}: {key}: expected a list of records")
    line_numbers = lines.get(key, [])
    out: list[tuple[M, str]] = []
    for index, raw in enumerate(raw_records):
        line = f"line {line_numbers[index]}: " if index < len(line_numbers) else ""
        where = f"{name}: {line}{key}[{index}]"
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(f"{where}: expected a mapping of fields, found {type(raw).__name__}")
        if "id" in raw:
            where += f" ({raw['id']})"
        try:
            record = model.model_validate({**defaults, **raw})
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "record"
            raise KnowledgeBaseError(f"{where}: {field}: {error['msg']}") from exc
        out.append((record, where))
    return out


def _record_where(name: str, lines: dict[str, list[int]], document: Any, loc: Sequence[Any]) -> str:
    """'file: line 12: tests[3] (foundationone-cdx)' for a pydantic error location."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        key, index = loc[0], loc[1]
        line = lines.get(key, [])
        where = f"{name}: line {line[index]}" if index < len(line) else name
        where += f": {key}[{index}]"
        records = document.get(key) if isinstance(document, dict) else None
        if isinstance(records, list) and index < len(records) and isinstance(records[index], dict):
            record_id = records[index].get("id")
            if record_id is not None:
                where += f" ({record_id})"
        return where
    return name


def _field(loc: Sequence[Any]) -> str:
    rest = loc[2:] if len(loc) >= 2 and isinstance(loc[1], int) else loc
    return ".".join(str(part) for part in rest) or "record"


def parse_catalog(text: str, name: str) -> Catalog:
    """Validate one catalog file; errors name the file, line, record (index and id) and field."""
    document, lines = read_yaml(text, name)
    if not isinstance(document, dict):
        raise KnowledgeBaseError(
            f"{name}: expected a mapping with schema, version, name, providers and tests at the top"
        )
    try:
        catalog = Catalog.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        where = _record_where(name, lines, document, loc)
        raise KnowledgeBaseError(f"{where}: {_field(loc)}: {error['msg']}") from exc
    for index, provider in enumerate(catalog.providers):
        _check_provider(provider, _where(name, lines, "providers", index, provider.id))
    for index, test in enumerate(catalog.tests):
        _check_test(test, _where(name, lines, "tests", index, test.id))
    return catalog


def _where(name: str, lines: dict[str, list[int]], key: str, index: int, record_id: str) -> str:
    line = lines.get(key, [])
    at = f"line {line[index]}: " if index < len(line) else ""
    return f"{name}: {at}{key}[{index}] ({record_id})"


def _check_provider(provider: Provider, where: str) -> None:
    if provider.url is not None and not provider.url.startswith(("https://", "http://")):
        raise KnowledgeBaseError(f"{where}: url: expected an http(s) address, found {provider.url!r}")


def _check_test(test: CatalogTest, where: str) -> None:
    for part in sorted(test.covers, key=str):
        check_assessable(part, f"{where}: {_FIELD_OF_KIND[part.kind]}")
    for index, claim in enumerate(test.companion):
        check_diseases(claim.diseases, f"{where}: companion.{index}.diseases")
        _check_drugs(claim.drugs, f"{where}: companion.{index}.drugs")


_FIELD_OF_KIND = {
    "mutation": "genes",
    "copy_number": "copy_number",
    "fusion": "fusions",
    "protein": "proteins",
    "result": "results",
    "genotype": "genotypes",
}


def check_assessable(part: Assessable, where: str) -> None:
    """Genes must be approved HGNC symbols; proteins and results come from a closed vocabulary."""
    if part.is_gene:
        from integrome.normalize.genes import canonical_gene

        approved = canonical_gene(part.target)
        if approved != part.target:
            hint = f"; use the approved symbol {approved}" if approved else ""
            raise KnowledgeBaseError(f"{where}: {part.target!r} is not an approved HGNC gene symbol{hint}")
    elif part.kind == "protein" and part.target not in PROTEIN_TARGETS:
        raise KnowledgeBaseError(
            f"{where}: unknown IHC target {part.target!r}; expected one of {sorted(PROTEIN_TARGETS)}"
        )
    elif part.kind == "result" and part.target not in RESULT_TARGETS:
        raise KnowledgeBaseError(
            f"{where}: unknown result {part.target!r}; expected one of {sorted(RESULT_TARGETS)}"
        )


def check_diseases(codes: Iterable[str], where: str) -> None:
    from integrome.normalize.diseases import oncotree

    tree = oncotree()
    for code in codes:
        if code not in PSEUDO_DISEASES and code not in tree:
            raise KnowledgeBaseError(
                f"{where}: unknown OncoTree code {code!r}; expected a code of the packaged OncoTree "
                "release or SOLID/ANY"
            )


def _check_drugs(drugs: Iterable[str], where: str) -> None:
    from integrome.normalize.drugs import canonical_drug

    for drug in drugs:
        known = canonical_drug(text=drug)
        if known is None or known.name != drug:
            hint = f"; the generic name is {known.name!r}" if known is not None else ""
            raise KnowledgeBaseError(f"{where}: {drug!r} is not a known generic drug name{hint}")


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    """One orderable test with its provider and the catalog (file) it came from."""

    test: CatalogTest
    provider: Provider
    catalog: str
    catalog_version: str
    source: str
    example_catalog: bool


def packaged_files(
    folder: str, suffixes: tuple[str, ...] = (".yaml", ".yml")
) -> tuple[tuple[str, bytes], ...]:
    """(name, content) of the packaged data files in `knowledge/data/<folder>`, sorted by name:
    the key the loaders cache their parsed tables under."""
    directory = files("integrome.knowledge").joinpath("data", folder)
    return tuple(
        sorted(
            (f"knowledge/data/{folder}/{item.name}", item.read_bytes())
            for item in directory.iterdir()
            if item.name.endswith(suffixes)
        )
    )


def _imported(extra_dir: Path) -> list[tuple[str, bytes]]:
    folder = extra_dir / CATALOG_DIR
    if not folder.is_dir():
        return []
    return [
        (str(path), path.read_bytes()) for path in sorted(folder.iterdir()) if path.suffix in CATALOG_SUFFIXES
    ]


def load_catalog(extra_dir: Path | None = None) -> tuple[CatalogEntry, ...]:
    """The packaged example catalog, then every catalog imported into `extra_dir`, later ids winning.

    Files are re-read on each call (they are small); parsing is cached on their content.
    """
    named = [
        *packaged_files(CATALOG_DIR, CATALOG_SUFFIXES),
        *(_imported(extra_dir) if extra_dir is not None else []),
    ]
    return _entries(tuple(named))


@cache
def _entries(named: tuple[tuple[str, bytes], ...]) -> tuple[CatalogEntry, ...]:
    tests: dict[str, CatalogEntry] = {}
    providers: dict[str, Provider] = {}
    for name, data in named:
        catalog = parse_catalog(_text(name, data), name)
        providers.update({provider.id: provider for provider in catalog.providers})
        for test in catalog.tests:
            tests.pop(test.id, None)
            tests[test.id] = CatalogEntry(
                test=test,
                provider=providers[test.provider],
                catalog=catalog.name,
                catalog_version=catalog.version,
                source=name,
                example_catalog=catalog.example,
            )
    return tuple(tests.values())


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(f"{name}: expected UTF-8 text ({exc.reason} at byte {exc.start})") from exc


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCatalog:
    path: Path
    catalog: Catalog
    replaced: bool
    """True when a catalog of the same file name was already imported (a laboratory's update)."""


def import_catalog(source: Path, kb_dir: Path) -> ImportedCatalog:
    """Validate `source` and copy it into `kb_dir/catalog/`, atomically; nothing is written on error.

    The file keeps its name and bytes, so the catalog a laboratory published is exactly what
    integrome reads; the knowledge-base version changes with it (it is hashed with the other files).
    """
    if source.suffix not in CATALOG_SUFFIXES:
        raise KnowledgeBaseError(
            f"{source}: expected a catalog file ending in {', '.join(CATALOG_SUFFIXES)}, "
            f"found {source.suffix!r}"
        )
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"{source}: cannot read the catalog ({exc.strerror})") from exc
    catalog = parse_catalog(_text(str(source), data), str(source))
    folder = kb_dir / CATALOG_DIR
    target = folder / source.name
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        replaced = target.exists()
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".import-", suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise KnowledgeBaseError(f"{folder}: cannot write the catalog ({exc.strerror})") from exc
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
    return ImportedCatalog(path=target, catalog=catalog, replaced=replaced)
