"""Read the knowledge-base YAML files, validate every record, and build a `KnowledgeBase`.

The curated core ships in `integrome/knowledge/data/` (read with importlib.resources); an optional
extra folder (e.g. written by `integrome kb import civic`) layers records over it: an extra record
with the id of a core record replaces it. The file format is documented in `data/README.md`.

Every problem is reported as a `KnowledgeBaseError` naming the file, the line and index of the
record, its id and the field, so a curator can fix the YAML without a traceback. Vocabulary
problems that do not make a record unusable for matching (a drug or gene symbol the normalizer does
not know) are collected as warnings instead; the test suite requires none in the core.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.base import BASE_VERSION, KbFile, KnowledgeBase, Layer, hotspot_key
from integrome.model.knowledge import BiomarkerRecord, HotspotVariant

__all__ = ["kb_version", "load_knowledge_base", "parse_kb_file"]

_CORE_NAME = "knowledge/data"
_KINDS = ("biomarkers", "hotspots")
_TOP_KEYS = {"kind", "source", "source_version", "defaults", "records"}
_PSEUDO_ROOTS = ("SOLID", "ANY")
_OWNED_ELSEWHERE = frozenset({"pgx", "testing", "catalog", "trials", "diagnostic"})
"""Sub-folders of data/ (and of extra folders) that belong to other loaders (PGx, guideline testing rules,
the test catalog, clinical trials, diagnostic hallmark fusions): hashed into the version, not parsed here."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader (libyaml when available) that keeps dates as strings.

    The models store dates as ISO strings; PyYAML's timestamp resolver would turn `2025-06-01`
    into a `datetime.date` that strict validation rejects.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class _DataFile:
    name: str
    hash_name: str
    layer: Layer
    data: bytes
    parse: bool


_cache: dict[tuple[str | None, str], KnowledgeBase] = {}


def load_knowledge_base(extra_dir: Path | None = None) -> KnowledgeBase:
    """The packaged core knowledge base, with `extra_dir`'s records layered over it.

    Files are re-read on every call (a few hundred kB) so that the version always reflects the
    content; parsing and validation are cached per (extra_dir, version).
    """
    extra = Path(extra_dir).resolve() if extra_dir is not None else None
    data_files = [*_core_files(), *(_extra_files(extra) if extra is not None else [])]
    version = kb_version((f.hash_name, f.data) for f in data_files)
    key = (str(extra) if extra is not None else None, version)
    cached = _cache.get(key)
    if cached is None:
        cached = _build(data_files, version, extra)
        _cache[key] = cached
    return cached


def kb_version(named_contents: Iterator[tuple[str, bytes]] | Sequence[tuple[str, bytes]]) -> str:
    """`BASE_VERSION+<8 hex>`: sha256 over the files' names and bytes in name order.

    Content-derived and free of timestamps, so deterministic runs and stored analyses can be
    compared by version alone.
    """
    digest = hashlib.sha256()
    for name, data in sorted(named_contents):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(data).digest())
    return f"{BASE_VERSION}+{digest.hexdigest()[:8]}"


def parse_kb_file(text: str, name: str, layer: Layer = "core") -> KbFile:
    """Parse and validate one knowledge file; errors name the file, line, record and field."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise KnowledgeBaseError(f"{name}: {where}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{name}: invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise KnowledgeBaseError(f"{name}: expected a mapping with 'kind' and 'records' at the top")
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise KnowledgeBaseError(f"{name}: unknown top-level key(s) {unknown}; expected {sorted(_TOP_KEYS)}")
    kind = document.get("kind")
    if kind not in _KINDS:
        raise KnowledgeBaseError(f"{name}: kind: expected one of {list(_KINDS)}, found {kind!r}")
    source = document.get("source")
    if not isinstance(source, str) or not source:
        raise KnowledgeBaseError(
            f"{name}: source: expected a non-empty string naming where the records come from"
        )
    source_version = document.get("source_version")
    if source_version is not None and not isinstance(source_version, str):
        raise KnowledgeBaseError(f"{name}: source_version: expected a string, found {source_version!r}")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise KnowledgeBaseError(
            f"{name}: defaults: expected a mapping of field values shared by all records"
        )
    records = document.get("records")
    if not isinstance(records, list):
        raise KnowledgeBaseError(f"{name}: records: expected a list of records")
    lines = _record_lines(node, len(records))
    model = BiomarkerRecord if kind == "biomarkers" else HotspotVariant
    parsed: list[Any] = []
    for index, raw in enumerate(records):
        where = f"{name}: line {lines[index]}: record {index + 1}"
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(f"{where}: expected a mapping of fields, found {type(raw).__name__}")
        if "id" in raw:
            where = f"{where} ({raw['id']})"
        try:
            parsed.append(model.model_validate({**defaults, **raw}))
        except ValidationError as exc:
            raise KnowledgeBaseError(f"{where}: {_describe(exc)}") from exc
    return KbFile(
        name=name,
        layer=layer,
        kind=kind,
        source=source,
        source_version=source_version,
        biomarkers=tuple(parsed) if kind == "biomarkers" else (),
        hotspots=tuple(parsed) if kind == "hotspots" else (),
        lines=tuple(lines),
    )


def _record_lines(node: yaml.Node | None, count: int) -> list[int]:
    """1-based line of each item of the top-level `records` sequence (0 when unknown)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "records" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return [0] * count


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "record"
        parts.append(f"{loc}: {error['msg']}")
    return "; ".join(parts)


def _core_files() -> list[_DataFile]:
    root = files("integrome.knowledge").joinpath("data")
    return [
        _DataFile(
            name=f"{_CORE_NAME}/{rel}",
            hash_name=f"core/{rel}",
            layer="core",
            data=item.read_bytes(),
            parse=_is_kb_yaml(rel),
        )
        for rel, item in sorted(_walk(root, ""))
        if not rel.endswith(".md")
    ]


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in node.iterdir():
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                yield from _walk(child, f"{rel}/")
        else:
            yield rel, child


def _extra_files(extra: Path) -> list[_DataFile]:
    if not extra.is_dir():
        raise KnowledgeBaseError(f"{extra}: expected a folder of knowledge-base files")
    out = []
    for path in sorted(p for p in extra.rglob("*") if p.is_file()):
        rel = path.relative_to(extra).as_posix()
        if rel.endswith(".md"):
            continue
        out.append(
            _DataFile(
                name=str(path),
                hash_name=f"extra/{rel}",
                layer="extra",
                data=path.read_bytes(),
                parse=_is_kb_yaml(rel),
            )
        )
    return out


def _is_kb_yaml(rel: str) -> bool:
    return rel.endswith((".yaml", ".yml")) and rel.split("/", 1)[0] not in _OWNED_ELSEWHERE


def _build(data_files: Sequence[_DataFile], version: str, extra: Path | None) -> KnowledgeBase:
    parsed = []
    for f in data_files:
        if not f.parse:
            continue
        try:
            text = f.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KnowledgeBaseError(
                f"{f.name}: expected UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from exc
        parsed.append(parse_kb_file(text, f.name, f.layer))
    biomarkers = _merge_layers(parsed, "biomarkers")
    hotspots = _merge_layers(parsed, "hotspots")
    warnings = _check_vocabularies(biomarkers, hotspots)
    return KnowledgeBase(
        version=version,
        files=parsed,
        biomarkers=[record for record, _ in biomarkers.values()],
        hotspots=[record for record, _ in hotspots.values()],
        warnings=warnings,
        extra_dir=extra,
    )


def _merge_layers(parsed: Sequence[KbFile], kind: str) -> dict[Any, tuple[Any, str]]:
    """Records by id (biomarkers) or genomic key (hotspots); duplicates within a layer are errors."""
    merged: dict[Any, tuple[Any, str]] = {}
    seen_in_layer: dict[tuple[str, Any], str] = {}
    for f in parsed:
        records: Sequence[Any] = f.biomarkers if kind == "biomarkers" else f.hotspots
        for index, record in enumerate(records):
            key = record.id if kind == "biomarkers" else hotspot_key(record)
            where = f"{f.name}: line {f.lines[index]}: record {index + 1}"
            first = seen_in_layer.get((f.layer, key))
            if first is not None:
                what = f"id {key!r}" if kind == "biomarkers" else "genomic key " + ":".join(map(str, key))
                raise KnowledgeBaseError(f"{where}: duplicate {what}, first defined at {first}")
            seen_in_layer[(f.layer, key)] = where
            merged[key] = (record, where)
    return merged


def _check_vocabularies(
    biomarkers: Mapping[str, tuple[BiomarkerRecord, str]],
    hotspots: Mapping[Any, tuple[HotspotVariant, str]],
) -> list[str]:
    """Disease codes and prior-therapy drug classes must exist (else a record could never match, or a
    requirement never be met); genes and drugs are warned about."""
    from integrome.normalize.diseases import oncotree
    from integrome.normalize.drugs import canonical_drug, drugs_in_class
    from integrome.normalize.genes import canonical_gene

    tree = oncotree()
    warnings: list[str] = []
    gene_ok: dict[str, bool] = {}

    def check_gene(gene: str, where: str) -> None:
        if gene not in gene_ok:
            gene_ok[gene] = canonical_gene(gene) == gene
        if not gene_ok[gene]:
            approved = canonical_gene(gene)
            problem = (
                f"is not the approved HGNC symbol ({approved})"
                if approved
                else "is not in the gene vocabulary"
            )
            warnings.append(f"{where}: gene {gene!r} {problem}")

    for record, where in biomarkers.values():
        where = f"{where} ({record.id})"
        for field, codes in (("diseases", record.diseases), ("excluded_diseases", record.excluded_diseases)):
            for code in codes:
                if code not in _PSEUDO_ROOTS and code not in tree:
                    raise KnowledgeBaseError(
                        f"{where}: {field}: unknown OncoTree code {code!r}; expected a code of the "
                        "packaged OncoTree release or SOLID/ANY"
                    )
        genes = [record.gene] if record.gene else []
        for gene in [*genes, *record.alteration.partners]:
            check_gene(gene, where)
        prior_drugs = [drug for prior in record.prior_therapy for drug in prior.drugs]
        for drug in [*record.drugs, *prior_drugs]:
            known = canonical_drug(text=drug)
            if known is None or known.name != drug:
                hint = f" (canonical name: {known.name})" if known is not None else ""
                warnings.append(f"{where}: drug {drug!r} is not in the drug vocabulary{hint}")
        for prior in record.prior_therapy:
            for drug_class in prior.classes:
                if not drugs_in_class(drug_class):
                    # A requirement no drug can meet would call every patient's history 'not met'.
                    raise KnowledgeBaseError(
                        f"{where}: prior_therapy: unknown drug class {drug_class!r}; expected a class "
                        "of the packaged drug table (normalize/data/drugs.tsv)"
                    )
    for hotspot, where in hotspots.values():
        check_gene(hotspot.gene, where)
    return warnings
