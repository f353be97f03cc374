"""The trial store: clinical trials read from trial files (`integrome.trials/1`, JSON or YAML).

integrome ships no real trials: there is no trial registry offline, and a stale copy of one would
send patients to closed studies. The packaged store (`knowledge/data/trials/`) is therefore empty;
users bring trials in with `integrome kb import ctml PATH`, which writes a trial file into the
`trials/` folder of their knowledge-base folder, where this module reads it. A clearly fictional
example set (ids EXAMPLE-001 ...) ships with the example patients for the demo and tests
(`example_trials`), outside the knowledge-base data so that it never loads by default and never
changes the KB version. The file format is documented in `knowledge/data/trials/README.md`.

Problems stop the load with a `KnowledgeBaseError` naming the file and the JSON pointer of the
field; vocabulary doubts that do not make a trial unusable (a gene symbol HGNC does not know) are
collected as warnings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.model.trials import TRIALS_SCHEMA, CriteriaNode, Trial, TrialSet

if TYPE_CHECKING:
    from integrome.knowledge.base import KnowledgeBase

__all__ = [
    "EXAMPLE_FILE",
    "TRIALS_FOLDER",
    "TrialStore",
    "build_trial_store",
    "describe_validation_error",
    "example_trials",
    "iter_leaves",
    "load_trial_store",
    "parse_trial_set",
    "read_trial_set",
    "trial_store",
    "write_trial_set",
]

TRIALS_FOLDER = "trials"
"""Sub-folder of a knowledge-base folder (and of the packaged data) that holds trial files."""
EXAMPLE_FILE = "kb/trials/example-trials.json"
"""The fictional example set, relative to the `integrome.examples` package (not in the default store)."""
_SUFFIXES = (".json", ".yaml", ".yml")
_PSEUDO_CODES = frozenset({"SOLID", "LIQUID", "ANY"})


class TrialStore:
    """Trials by id, with the files they came from and the load's warnings. A plain value."""

    def __init__(self, trials: Iterable[Trial], files: Sequence[str] = (), warnings: Sequence[str] = ()):
        self.trials: tuple[Trial, ...] = tuple(trials)
        self.files = tuple(files)
        self.warnings = tuple(warnings)
        self._by_id = {trial.id: trial for trial in self.trials}

    def __len__(self) -> int:
        return len(self.trials)

    def __repr__(self) -> str:
        return f"TrialStore(trials={len(self.trials)}, files={len(self.files)})"

    def get(self, trial_id: str) -> Trial | None:
        return self._by_id.get(trial_id)


def parse_trial_set(text: str, name: str) -> TrialSet:
    """Parse one trial file; JSON when `name` ends in .json, else YAML. Errors name file and field."""
    try:
        data: Any = json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=_YAML_LOADER)
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(
            f"{name}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise KnowledgeBaseError(f"{name}: {where}invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{name}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeBaseError(
            f"{name}: expected a mapping with schema 'integrome.trials/1', source and trials; "
            f"found {type(data).__name__}"
        )
    try:
        return TrialSet.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeBaseError(f"{name}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem as 'JSON pointer: message' (one line; the rest are usually consequences)."""
    error = exc.errors()[0]
    pointer = "/" + "/".join(str(part) for part in error["loc"]) if error["loc"] else "/"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{pointer}: {error['msg']}{more}"


def read_trial_set(path: Path) -> TrialSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot read the trial file ({exc})") from exc
    return parse_trial_set(text, str(path))


def write_trial_set(trial_set: TrialSet, path: Path) -> None:
    """Write `trial_set` as JSON (defaults left out), replacing `path` atomically so readers never
    see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = trial_set.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    text = json.dumps({"schema": TRIALS_SCHEMA, **data}, indent=1, ensure_ascii=False)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise KnowledgeBaseError(f"{path}: cannot write the trial file ({exc.strerror or exc})") from exc


def build_trial_store(named_sets: Iterable[tuple[str, TrialSet]]) -> TrialStore:
    """Check vocabularies and ids across files, then index the trials.

    A trial id defined in two files is an error (which one should win is the user's call); a
    diagnosis code outside the packaged OncoTree release is an error (the criterion could never be
    met); gene symbols HGNC does not know are warnings (the criterion still matches that symbol).
    """
    trials: list[Trial] = []
    names: list[str] = []
    first: dict[str, str] = {}
    warnings: list[str] = []
    for name, trial_set in named_sets:
        names.append(name)
        for index, trial in enumerate(trial_set.trials):
            where = f"{name}: /trials/{index} ({trial.id})"
            if trial.id in first:
                raise KnowledgeBaseError(f"{where}: duplicate trial id, first defined in {first[trial.id]}")
            first[trial.id] = name
            warnings.extend(_check_vocabulary(trial, where))
            trials.append(trial)
    return TrialStore(trials, names, warnings)


def _check_vocabulary(trial: Trial, where: str) -> list[str]:
    from integrome.normalize.diseases import oncotree
    from integrome.normalize.genes import canonical_gene

    tree = oncotree()
    warnings: list[str] = []
    for a, arm in enumerate(trial.arms):
        for pointer, node in iter_leaves(arm.criteria, f"/arms/{a}/criteria"):
            if node.diagnosis is not None:
                for code in node.diagnosis.codes:
                    if code not in _PSEUDO_CODES and code not in tree:
                        raise KnowledgeBaseError(
                            f"{where}{pointer}/diagnosis/codes: unknown OncoTree code {code!r}; expected a "
                            f"code of the packaged OncoTree release or one of {sorted(_PSEUDO_CODES)}"
                        )
            if node.genomic is not None:
                for gene in (node.genomic.gene, node.genomic.fusion_partner):
                    if (
                        gene is not None
                        and gene not in ("any", "intergenic")
                        and canonical_gene(gene) != gene
                    ):
                        warnings.append(
                            f"{where}{pointer}/genomic: gene {gene!r} is not an approved HGNC symbol; "
                            "the criterion matches only findings reported with exactly this symbol"
                        )
    return warnings


def iter_leaves(node: CriteriaNode, pointer: str = "") -> Iterator[tuple[str, CriteriaNode]]:
    """Every criterion of a tree with its JSON pointer below `pointer`, in document order."""
    for key, children in (("all", node.all), ("any", node.any)):
        if children is not None:
            for index, child in enumerate(children):
                yield from iter_leaves(child, f"{pointer}/{key}/{index}")
            return
    yield pointer, node


def _trial_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _SUFFIXES)


def load_trial_store(extra_dir: Path | None = None) -> TrialStore:
    """The packaged store (empty unless trial files are added to the package) plus the trial files
    in `extra_dir/trials/` (written by `integrome kb import ctml`)."""
    named: list[tuple[str, TrialSet]] = []
    core = files("integrome.knowledge").joinpath("data", TRIALS_FOLDER)
    for item in sorted(core.iterdir() if core.is_dir() else (), key=lambda entry: entry.name):
        if item.is_file() and item.name.endswith(_SUFFIXES):
            name = f"knowledge/data/{TRIALS_FOLDER}/{item.name}"
            named.append((name, parse_trial_set(item.read_text(encoding="utf-8"), name)))
    if extra_dir is not None and (extra_dir / TRIALS_FOLDER).is_dir():
        named.extend((str(path), read_trial_set(path)) for path in _trial_files(extra_dir / TRIALS_FOLDER))
    return build_trial_store(named)


_stores: dict[tuple[str | None, str], TrialStore] = {}


def trial_store(kb: KnowledgeBase) -> TrialStore:
    """The trials that go with `kb`: packaged ones plus those in its extra folder.

    Cached per (extra folder, KB version); the version hashes every file of the packaged data and of
    the extra folder, trial files included, so an import changes the version and the cache key.
    """
    key = (str(kb.extra_dir) if kb.extra_dir is not None else None, kb.version)
    store = _stores.get(key)
    if store is None:
        store = load_trial_store(kb.extra_dir)
        _stores[key] = store
    return store


def example_trials() -> TrialStore:
    """The fictional example trials (EXAMPLE-001 ...) for the demo and tests; never real studies."""
    item = files("integrome.examples").joinpath(*EXAMPLE_FILE.split("/"))
    name = f"examples/{EXAMPLE_FILE}"
    return build_trial_store([(name, parse_trial_set(item.read_text(encoding="utf-8"), name))])


_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
