"""Import clinical trials written in CTML, the Clinical Trial Markup Language of MatchMiner.

CTML (matchminer-engine, matchengine-v2; Dana-Farber) describes a trial as a document with a
`treatment_list` of steps, arms and dose levels; any of them may carry a `match` tree of `and` / `or`
nodes whose leaves are `genomic` and `clinical` criteria. Each step, arm or dose level that has a
match tree becomes one `TrialArm` (MatchMiner matches at those levels; a trial-level `match` is not
used for matching and is ignored with a warning). Its recruitment status follows its own
`*_suspended` flag; a trial whose `status` is not open closes every arm.

Mapping choices, each stated so a reviewer can check them:
- A mapping with several keys (`{genomic: ..., clinical: ...}`) is an AND of its entries, as in
  matchengine-v2's match paths; a clinical mapping with several fields is an AND of one criterion each.
- '!' before a genomic value negates the whole genomic criterion (the patient must not carry it), as
  matchengine-v2 does; before a diagnosis it excludes that tumor type.
- Diagnoses are OncoTree names (any case) or codes; `_SOLID_` / `_LIQUID_` are all solid / all
  hematologic tumors. A name this OncoTree release does not have is kept unresolved, with a warning;
  matching then reports the criterion as unknown rather than guessing a code.
- Clinical fields integrome cannot evaluate (disease_status, prior-line counts, brain metastases ...)
  are kept on the arm as `not_evaluated` text for the reader; they neither pass nor fail a patient.
- Anything else unexpected (an unknown field, a value of the wrong type, an unsupported vocabulary
  term) stops the import with the file, the JSON pointer (and the YAML line) and what was expected:
  silently dropping a criterion would widen eligibility.

Accepted files: one trial (JSON object or YAML document), a JSON array of trials, concatenated JSON
objects, or several YAML documents. Nothing is written unless every file of an import is valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from integrome.errors import KnowledgeBaseError
from integrome.model.trials import (
    BiomarkerCriterion,
    CnvCall,
    CriteriaNode,
    DiagnosisCriterion,
    GenomicCriterion,
    Trial,
    TrialArm,
    TrialSet,
    TrialSite,
    TrialStatus,
    VariantCategory,
    VariantClassification,
)

__all__ = ["CTML_SOURCE", "CtmlImport", "CtmlImportReport", "import_ctml", "parse_ctml", "read_ctml"]

CTML_SOURCE = "CTML import"
"""`Trial.source` of imported trials; insights cite the source file and trial id under this name."""

_SUFFIXES = (".json", ".yaml", ".yml")
_NCT = re.compile(r"^NCT\d{8}$")
_COMPARISON = re.compile(r"^(>=|<=|==|>|<)\s*(\d+(?:\.\d+)?)$")
_WILDCARD = re.compile(r"^(?:p\.)?([ACDEFGHIKLMNPQRSTVWY])(\d+)$")
_GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-\.@/]*$")

_CATEGORIES: dict[str, VariantCategory] = {
    "mutation": "mutation",
    "copy number variation": "cnv",
    "cnv": "cnv",
    "structural variation": "sv",
    "sv": "sv",
    "any variation": "any",
}
_CNV_CALLS: dict[str, CnvCall] = {
    "high amplification": "amplification",
    "high level amplification": "amplification",
    "amplification": "amplification",
    "low amplification": "gain",
    "gain": "gain",
    "heterozygous deletion": "loss",
    "homozygous deletion": "deep_deletion",
    "deep deletion": "deep_deletion",
}
_CLASSIFICATIONS: dict[str, VariantClassification] = {
    "missense_mutation": "missense",
    "nonsense_mutation": "nonsense",
    "frame_shift_del": "frameshift",
    "frame_shift_ins": "frameshift",
    "frameshift": "frameshift",
    "frameshift_mutation": "frameshift",
    "in_frame_del": "inframe_deletion",
    "in_frame_ins": "inframe_insertion",
    "splice_site": "splice_site",
    "splice_acceptor": "splice_site",
    "splice_donor": "splice_site",
    "splice site_mutation": "splice_site",
    "translation_start_site": "start_lost",
    "initiator_codon": "start_lost",
    "nonstop_mutation": "stop_lost",
    "silent": "synonymous",
    "synonymous": "synonymous",
    "intron": "noncoding",
    "intron_mutation": "noncoding",
    "3'utr": "noncoding",
    "3_prime_utr": "noncoding",
    "5'utr": "noncoding",
    "5_prime_utr": "noncoding",
    "5'utr_mutation": "noncoding",
    "5'flank": "noncoding",
    "3'flank": "noncoding",
    "rna": "noncoding",
    "igr": "noncoding",
    "intergenic_variant": "noncoding",
}
"""MAF Variant_Classification terms (and the variants CTML files use) by the group they require."""

_MS_STATUS = {"msi-h": "positive", "msi-l": "low", "mss": "negative"}
_MMR_STATUS = {"mmr-deficient": "positive", "mmr-proficient": "negative"}
_YES_NO = {"yes": "positive", "no": "negative"}
_RECEPTOR = {"positive": "positive", "negative": "negative"}
_SIGNATURES = {
    "apobec_signature": "APOBEC signature",
    "pole_signature": "POLE signature",
    "tobacco_signature": "Tobacco signature",
    "temozolomide_signature": "Temozolomide signature",
    "uva_signature": "UVA signature",
}
_RECEPTORS = {"her2_status": "HER2", "er_status": "ER", "pr_status": "PR"}
_GENOMIC_FIELDS = frozenset(
    {
        "hugo_symbol",
        "variant_category",
        "protein_change",
        "wildcard_protein_change",
        "exon",
        "variant_classification",
        "true_variant_classification",
        "cnv_call",
        "wildtype",
        "fusion_partner_hugo_symbol",
        "display_name",
        "oncokb_variant",
        "mmr_status",
        "ms_status",
        *_SIGNATURES,
    }
)
_NEGATABLE = frozenset(
    {
        "variant_category",
        "protein_change",
        "oncokb_variant",
        "wildcard_protein_change",
        "variant_classification",
        "true_variant_classification",
        "cnv_call",
        "mmr_status",
        "ms_status",
    }
)
_NOT_EVALUATED = {
    "disease_status": "disease status",
    "molecular_marker_other": "other molecular marker",
    "number_prior_lines_therapy_allowed": "number of prior lines of therapy allowed",
    "active_brain_metastases_allowed": "active brain metastases allowed",
    "brca1_germline_mutation": "BRCA1 germline mutation",
}
"""Clinical fields with no counterpart in a PatientProfile: shown to the reader, never evaluated."""
_CLINICAL_FIELDS = frozenset(
    {"oncotree_primary_diagnosis", "age_numerical", "gender", "sex", "tmb_numerical", *_RECEPTORS}
) | frozenset(_NOT_EVALUATED)
_OPEN = ("open", "recruiting", "enrolling by invitation")
_CLOSED = (
    "closed",
    "suspended",
    "terminated",
    "completed",
    "withdrawn",
    "not yet recruiting",
    "active, not recruiting",
    "temporarily closed",
)


@dataclass
class CtmlImport:
    """Trials read from CTML files, with what the reader should know about the conversion."""

    trials: list[Trial] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CtmlImportReport:
    output: Path
    files: int
    trials: int
    arms: int
    open_arms: int
    warnings: list[str]


class _Invalid(Exception):
    """A problem at a place in the document; formatted with file, pointer and line by the caller."""

    def __init__(self, path: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


def _fail(path: tuple[str | int, ...], problem: str) -> NoReturn:
    raise _Invalid(path, problem)


def _found(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, bool | int | float):
        return f"{type(value).__name__} {json.dumps(value)}"
    return type(value).__name__


def import_ctml(path: Path, kb_dir: Path) -> CtmlImportReport:
    """Read CTML trials from a file or folder and write them to `kb_dir/trials/ctml-<name>.json`.

    All files are validated before anything is written; re-importing the same path replaces the
    earlier output, so an import is repeatable.
    """
    from integrome.knowledge.trials import TRIALS_FOLDER, build_trial_store, write_trial_set

    read = read_ctml(path)
    trial_set = TrialSet(source=CTML_SOURCE, source_version=path.name, trials=read.trials)
    output = kb_dir / TRIALS_FOLDER / f"ctml-{_slug(path)}.json"
    store = build_trial_store([(str(output), trial_set)])
    write_trial_set(trial_set, output)
    arms = [arm for trial in read.trials for arm in trial.arms]
    return CtmlImportReport(
        output=output,
        files=len(read.files),
        trials=len(read.trials),
        arms=len(arms),
        open_arms=sum(1 for arm in arms if arm.status == "open"),
        warnings=[*read.warnings, *store.warnings],
    )


def _slug(path: Path) -> str:
    stem = path.name.removesuffix("".join(path.suffixes)) if path.is_file() else path.name
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "trials"


def read_ctml(path: Path) -> CtmlImport:
    """Trials of one CTML file, or of every .json/.yaml/.yml file in a folder (sorted by name)."""
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _SUFFIXES)
        if not paths:
            raise KnowledgeBaseError(f"{path}: no CTML files (.json, .yaml, .yml) in this folder")
    elif path.is_file():
        paths = [path]
    else:
        raise KnowledgeBaseError(f"{path}: no such CTML file or folder")
    result = CtmlImport()
    seen: dict[str, str] = {}
    for file in paths:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(f"{file}: cannot read the CTML file ({exc})") from exc
        one = parse_ctml(text, str(file))
        for trial in one.trials:
            if trial.id in seen:
                raise KnowledgeBaseError(f"{file}: trial {trial.id} is already defined in {seen[trial.id]}")
            seen[trial.id] = str(file)
        result.trials.extend(one.trials)
        result.warnings.extend(one.warnings)
        result.files.append(str(file))
    return result


def parse_ctml(text: str, name: str) -> CtmlImport:
    """Trials of one CTML text; `name` (the file name) decides JSON (.json) or YAML and labels errors."""
    is_json = name.endswith(".json")
    documents = _json_documents(text, name) if is_json else _yaml_documents(text, name)
    result = CtmlImport(files=[name])
    base = Path(name).name
    multi = len(documents) > 1
    for index, document in enumerate(documents):
        label = f"document {index + 1}: " if multi else ""
        warnings: list[str] = []
        try:
            trial = _trial(document, base, warnings)
        except _Invalid as exc:
            raise KnowledgeBaseError(_where(name, text, is_json, multi, index, exc) + exc.problem) from exc
        result.trials.append(trial)
        warnings.extend(_unresolved(trial))
        result.warnings.extend(f"{name}: {label}{warning}" for warning in warnings)
    return result


def _where(name: str, text: str, is_json: bool, multi: bool, index: int, exc: _Invalid) -> str:
    pointer = "/" + "/".join(str(part) for part in exc.path)
    parts = [name]
    if multi:
        parts.append(f"document {index + 1}")
    if not is_json:
        line = _yaml_line(text, index, exc.path)
        if line is not None:
            parts.append(f"line {line}")
    parts.append(pointer)
    return ": ".join(parts) + ": "


def _json_documents(text: str, name: str) -> list[Any]:
    """A JSON array of trials, one object, or objects one after another (matchengine-v2 accepts all)."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    stripped = text.strip()
    if not stripped:
        raise KnowledgeBaseError(f"{name}: empty file; expected a CTML trial")
    try:
        while position < len(text):
            while position < len(text) and text[position].isspace():
                position += 1
            if position == len(text):
                break
            value, position = decoder.raw_decode(text, position)
            documents.extend(value if isinstance(value, list) else [value])
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(
            f"{name}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    return documents


def _yaml_documents(text: str, name: str) -> list[Any]:
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        raise KnowledgeBaseError(f"{name}: {where}invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{name}: invalid YAML: {exc}") from exc
    if not documents:
        raise KnowledgeBaseError(f"{name}: empty file; expected a CTML trial")
    flat: list[Any] = []
    for document in documents:
        flat.extend(document if isinstance(document, list) else [document])
    return flat


def _yaml_line(text: str, index: int, path: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest node on `path` in YAML document `index` (for error messages)."""
    nodes = [node for node in yaml.compose_all(text, Loader=yaml.SafeLoader) if node is not None]
    if index >= len(nodes):
        return None
    node: yaml.Node = nodes[index]
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


# --- trial ----------------------------------------------------------------------------------------


def _trial(doc: Any, file: str, warnings: list[str]) -> Trial:
    if not isinstance(doc, dict):
        _fail(
            (), f"expected a CTML trial (a mapping with protocol_no and treatment_list), found {_found(doc)}"
        )
    protocol_no = _optional_text(doc, "protocol_no", ())
    nct_raw = _optional_text(doc, "nct_id", ())
    nct_id = nct_raw if nct_raw is not None and _NCT.match(nct_raw) else None
    if nct_raw is not None and nct_id is None:
        warnings.append(
            f"/nct_id: {nct_raw!r} is not a ClinicalTrials.gov number (NCT and 8 digits); not linked"
        )
    trial_id = nct_id or protocol_no
    if trial_id is None:
        _fail((), "expected protocol_no or nct_id identifying the trial; found neither")
    title = next(
        (t for t in (_optional_text(doc, key, ()) for key in ("short_title", "long_title", "title")) if t),
        f"Protocol {protocol_no}" if protocol_no else trial_id,
    )
    status = _status(doc, warnings)
    if "match" in doc:
        warnings.append(
            "/match: a trial-level match tree is not used for matching (MatchMiner matches steps, arms "
            "and dose levels)"
        )
    arms = _arms(doc, trial_closed=status == "closed")
    if not arms:
        _fail(
            ("treatment_list",),
            "no step, arm or dose level has a match tree; expected at least one `match` with criteria "
            "under treatment_list/step[]/(arm[]/(dose_level[]))",
        )
    try:
        return Trial(
            id=_trial_id(trial_id),
            nct_id=nct_id,
            title=title,
            phase=_optional_text(doc, "phase", ()),
            status=status,
            sites=_sites(doc),
            drugs=_drugs(doc),
            arms=arms,
            source=CTML_SOURCE,
            source_file=file,
        )
    except ValidationError as exc:
        from integrome.knowledge.trials import describe_validation_error

        _fail((), f"not a valid trial: {describe_validation_error(exc)}")


def _trial_id(value: str) -> str:
    """Protocol numbers as ids: spaces and other punctuation become '-' (the raw value stays readable)."""
    return re.sub(r"[^A-Za-z0-9_.:/\-]+", "-", value).strip("-") or value


def _optional_text(doc: dict[str, Any], key: str, path: tuple[str | int, ...]) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        _fail((*path, key), f"expected text, found {_found(value)}")
    text = str(value).strip()
    return text or None


def _status(doc: dict[str, Any], warnings: list[str]) -> TrialStatus:
    raw = _optional_text(doc, "status", ())
    if raw is None:
        return "unknown"
    text = raw.lower()
    if any(word in text for word in _CLOSED):
        return "closed"
    if any(word in text for word in _OPEN):
        return "open"
    warnings.append(f"/status: {raw!r} is not a recruitment status integrome knows; treated as unknown")
    return "unknown"


def _sites(doc: dict[str, Any]) -> list[TrialSite]:
    site_list = doc.get("site_list")
    sites = site_list.get("site") if isinstance(site_list, dict) else None
    if not isinstance(sites, list):
        return []
    return [
        TrialSite(name=str(site["site_name"]).strip())
        for site in sites
        if isinstance(site, dict) and site.get("site_name")
    ]


def _drugs(doc: dict[str, Any]) -> list[str]:
    from integrome.normalize.drugs import canonical_drug

    drug_list = doc.get("drug_list")
    entries = drug_list.get("drug") if isinstance(drug_list, dict) else None
    names: list[str] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        raw = entry.get("drug_name") if isinstance(entry, dict) else None
        if raw is None:
            continue
        if not isinstance(raw, str):
            _fail(("drug_list", "drug", index, "drug_name"), f"expected a drug name, found {_found(raw)}")
        known = canonical_drug(text=raw)
        name = known.name if known is not None else " ".join(raw.split()).lower()
        if name and name not in names:
            names.append(name)
    return names


def _suspended(level: dict[str, Any], key: str, path: tuple[str | int, ...]) -> bool:
    value = level.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().upper() in ("Y", "N", "YES", "NO"):
        return value.strip().upper().startswith("Y")
    _fail((*path, key), f"expected Y or N, found {_found(value)}")


def _arms(doc: dict[str, Any], trial_closed: bool) -> list[TrialArm]:
    treatment = doc.get("treatment_list")
    if not isinstance(treatment, dict):
        _fail(("treatment_list",), f"expected a mapping with a `step` list, found {_found(treatment)}")
    steps = treatment.get("step")
    if not isinstance(steps, list):
        _fail(("treatment_list", "step"), f"expected a list of steps, found {_found(steps)}")
    arms: list[TrialArm] = []
    for s, step in enumerate(steps):
        step_path: tuple[str | int, ...] = ("treatment_list", "step", s)
        if not isinstance(step, dict):
            _fail(step_path, f"expected a step mapping, found {_found(step)}")
        step_code = _optional_text(step, "step_code", step_path) or str(s + 1)
        step_arms = step.get("arm") or []
        if not isinstance(step_arms, list):
            _fail((*step_path, "arm"), f"expected a list of arms, found {_found(step_arms)}")
        inner: list[TrialArm] = []
        level_open: list[bool] = []
        for a, arm in enumerate(step_arms):
            arm_path = (*step_path, "arm", a)
            if not isinstance(arm, dict):
                _fail(arm_path, f"expected an arm mapping, found {_found(arm)}")
            arm_code = _optional_text(arm, "arm_code", arm_path) or f"arm {a + 1}"
            arm_open = not _suspended(arm, "arm_suspended", arm_path)
            level_open.append(arm_open)
            inner.extend(_level(arm, arm_path, arm_code, "arm_description", arm_open and not trial_closed))
            doses = arm.get("dose_level") or []
            if not isinstance(doses, list):
                _fail((*arm_path, "dose_level"), f"expected a list of dose levels, found {_found(doses)}")
            for d, dose in enumerate(doses):
                dose_path = (*arm_path, "dose_level", d)
                if not isinstance(dose, dict):
                    _fail(dose_path, f"expected a dose level mapping, found {_found(dose)}")
                level_code = _optional_text(dose, "level_code", dose_path) or f"level {d + 1}"
                dose_open = not _suspended(dose, "level_suspended", dose_path)
                level_open.append(dose_open)
                dose_id = f"{arm_code} / {level_code}"
                inner.extend(
                    _level(dose, dose_path, dose_id, "level_description", dose_open and not trial_closed)
                )
        # A step stays open while any of its arms or dose levels is open (matchengine-v2's rule).
        step_open = (any(level_open) or not level_open) and not trial_closed
        arms.extend(_level(step, step_path, f"step {step_code}", None, step_open))
        arms.extend(inner)
    return _unique_ids(arms)


def _level(
    level: dict[str, Any], path: tuple[str | int, ...], arm_id: str, title_key: str | None, is_open: bool
) -> list[TrialArm]:
    if "match" not in level:
        return []
    not_evaluated: list[str] = []
    criteria = _match(level["match"], (*path, "match"), not_evaluated)
    if criteria is None:
        return []
    title = _optional_text(level, title_key, path) if title_key else None
    return [
        TrialArm(
            id=arm_id,
            title=title,
            status="open" if is_open else "closed",
            criteria=criteria,
            not_evaluated=list(dict.fromkeys(not_evaluated)),
        )
    ]


def _unique_ids(arms: list[TrialArm]) -> list[TrialArm]:
    seen: dict[str, int] = {}
    unique: list[TrialArm] = []
    for arm in arms:
        count = seen.get(arm.id, 0) + 1
        seen[arm.id] = count
        unique.append(arm if count == 1 else arm.model_copy(update={"id": f"{arm.id} #{count}"}))
    return unique


# --- match trees ----------------------------------------------------------------------------------


def _match(value: Any, path: tuple[str | int, ...], notes: list[str]) -> CriteriaNode | None:
    """A `match` list: the AND of its items (an empty list means no criteria at this level)."""
    if not isinstance(value, list):
        _fail(path, f"expected a list of match nodes, found {_found(value)}")
    return _combine([_node(item, (*path, i), notes) for i, item in enumerate(value)], "all")


def _combine(nodes: list[CriteriaNode | None], how: str) -> CriteriaNode | None:
    """AND ("all") or OR ("any") of the nodes left; nested nodes of the same kind are flattened."""
    kept: list[CriteriaNode] = []
    for node in nodes:
        if node is not None:
            same = node.all if how == "all" else node.any
            kept.extend(same if same is not None else [node])
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return CriteriaNode(all=kept) if how == "all" else CriteriaNode(any=kept)


def _node(item: Any, path: tuple[str | int, ...], notes: list[str]) -> CriteriaNode | None:
    """One mapping of a match tree; several keys are an AND of their entries."""
    if not isinstance(item, dict) or not item:
        _fail(path, f"expected a mapping with and, or, genomic or clinical, found {_found(item)}")
    parts: list[CriteriaNode | None] = []
    for key, value in item.items():
        where = (*path, key)
        if key in ("and", "or"):
            if not isinstance(value, list) or not value:
                _fail(where, f"expected a non-empty list of match nodes, found {_found(value)}")
            children = [_node(child, (*where, i), notes) for i, child in enumerate(value)]
            if key == "or" and any(child is None for child in children):
                # An alternative made only of unevaluated fields cannot be decided: drop it (stricter).
                notes.append("an alternative with only unevaluated criteria was left out of an `or`")
            parts.append(_combine(children, "all" if key == "and" else "any"))
        elif key == "genomic":
            parts.append(_genomic(value, where))
        elif key == "clinical":
            parts.append(_clinical(value, where, notes))
        else:
            _fail(where, f"unknown match node {key!r}; expected and, or, genomic or clinical")
    return _combine(parts, "all")


def _text_value(value: Any, path: tuple[str | int, ...], what: str) -> tuple[str, bool]:
    """(value without a leading '!', negated?)."""
    if not isinstance(value, str) or not value.strip():
        _fail(path, f"expected {what}, found {_found(value)}")
    text = value.strip()
    return (text[1:].strip(), True) if text.startswith("!") else (text, False)


def _choice(value: Any, path: tuple[str | int, ...], table: dict[str, Any], what: str) -> tuple[Any, bool]:
    text, negated = _text_value(value, path, what)
    key = text.lower()
    if key not in table:
        _fail(path, f"expected {what}, found {text!r}")
    return table[key], negated


def _gene(value: Any, path: tuple[str | int, ...]) -> str | None:
    """An HGNC symbol (aliases resolved); None for CTML's any_gene. Non-text is an error."""
    from integrome.normalize.genes import canonical_gene

    if not isinstance(value, str) or not value.strip():
        _fail(path, f"expected a gene symbol (text), found {_found(value)}")
    text = value.strip()
    if text.lower() == "any_gene":
        return None
    if text.startswith("!"):
        _fail(path, "a negated gene symbol is not supported; negate the variant_category instead")
    if not _GENE.match(text):
        _fail(path, f"expected a gene symbol, found {text!r}")
    return canonical_gene(text) or text


def _genomic(value: Any, path: tuple[str | int, ...]) -> CriteriaNode:
    if not isinstance(value, dict) or not value:
        _fail(path, f"expected a mapping of genomic fields, found {_found(value)}")
    unknown = sorted(set(value) - _GENOMIC_FIELDS)
    if unknown:
        _fail((*path, unknown[0]), f"unknown genomic field; expected one of {sorted(_GENOMIC_FIELDS)}")
    for key, raw in value.items():
        if key not in _NEGATABLE and isinstance(raw, str) and raw.strip().startswith("!"):
            _fail((*path, key), "'!' negation is supported on variant values, not on this field")
    markers = [key for key in ("mmr_status", "ms_status", *_SIGNATURES) if key in value]
    if markers:
        return _genomic_markers(value, path, markers)
    return _variant(value, path)


def _genomic_markers(value: dict[str, Any], path: tuple[str | int, ...], markers: list[str]) -> CriteriaNode:
    """MMR/MSI status and mutational signatures are results about the tumor, not about one gene."""
    gene = value.get("hugo_symbol")
    if gene is not None and not isinstance(gene, str):
        _fail((*path, "hugo_symbol"), f"expected a gene symbol (text) or nothing, found {_found(gene)}")
    variant_fields = sorted(set(value) & {"protein_change", "wildcard_protein_change", "exon", "cnv_call"})
    if variant_fields:
        _fail((*path, variant_fields[0]), f"cannot be combined with {markers[0]} in one genomic criterion")
    nodes: list[CriteriaNode] = []
    for key in markers:
        if key == "mmr_status":
            status, negated = _choice(
                value[key], (*path, key), _MMR_STATUS, "MMR-Deficient or MMR-Proficient"
            )
            name = "MMR"
        elif key == "ms_status":
            status, negated = _choice(value[key], (*path, key), _MS_STATUS, "MSI-H, MSI-L or MSS")
            name = "MSI"
        else:
            status, negated = _choice(value[key], (*path, key), _YES_NO, "Yes or No")
            name = _SIGNATURES[key]
        nodes.append(CriteriaNode(biomarker=BiomarkerCriterion(name=name, status=status, negated=negated)))
    return CriteriaNode(all=nodes) if len(nodes) > 1 else nodes[0]


def _variant(value: dict[str, Any], path: tuple[str | int, ...]) -> CriteriaNode:
    negated = False
    fields: dict[str, Any] = {}

    def take(key: str, parse: Callable[[Any, tuple[str | int, ...]], tuple[Any, bool]]) -> None:
        nonlocal negated
        if value.get(key) is None:
            return
        parsed, neg = parse(value[key], (*path, key))
        negated = negated or neg
        fields[key] = parsed

    take(
        "variant_category",
        lambda v, p: _choice(
            v, p, _CATEGORIES, "Mutation, Copy Number Variation, Structural Variation or Any Variation"
        ),
    )
    take("protein_change", _protein_change)
    take("oncokb_variant", _protein_change)
    oncokb = fields.pop("oncokb_variant", None)
    if oncokb is not None and fields.setdefault("protein_change", oncokb) != oncokb:
        _fail((*path, "oncokb_variant"), "expected the same protein change as protein_change")
    take("wildcard_protein_change", _wildcard)
    take("variant_classification", _classification)
    take("true_variant_classification", _classification)
    take(
        "cnv_call",
        lambda v, p: _choice(
            v, p, _CNV_CALLS, "a CNV call such as High Amplification or Homozygous Deletion"
        ),
    )
    if value.get("exon") is not None:
        fields["exon"] = _exon(value["exon"], (*path, "exon"))
    wildtype = value.get("wildtype")
    if wildtype is not None and not isinstance(wildtype, bool):
        _fail((*path, "wildtype"), f"expected true or false, found {_found(wildtype)}")
    partner = value.get("fusion_partner_hugo_symbol")
    fusion_partner: str | None = None
    if partner is not None:
        if isinstance(partner, str) and partner.strip().lower() == "intergenic":
            fusion_partner = "intergenic"
        else:
            fusion_partner = _gene(partner, (*path, "fusion_partner_hugo_symbol")) or "any"
    gene_raw = value.get("hugo_symbol")
    if gene_raw is None and fusion_partner is None:
        _fail((*path, "hugo_symbol"), "expected a gene symbol; a variant criterion names its gene")
    gene = _gene(gene_raw, (*path, "hugo_symbol")) if gene_raw is not None else None
    category = fields.get("variant_category") or _inferred_category(fields, fusion_partner)
    if gene is None and fusion_partner is None:
        fusion_partner = "any"
    classification = fields.get("true_variant_classification") or fields.get("variant_classification")
    try:
        criterion = GenomicCriterion(
            gene=gene,
            variant_category=category,
            protein_change=fields.get("protein_change"),
            wildcard_protein_change=fields.get("wildcard_protein_change"),
            exon=fields.get("exon"),
            variant_classification=classification,
            cnv_call=fields.get("cnv_call"),
            fusion_partner=fusion_partner,
            negated=negated,
            wildtype=bool(wildtype) and not negated,
        )
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        _fail(path, f"inconsistent genomic criterion: {message}")
    return CriteriaNode(genomic=criterion)


def _inferred_category(fields: dict[str, Any], fusion_partner: str | None) -> VariantCategory:
    """CTML usually names the category; when it does not, infer it from the other fields."""
    if "cnv_call" in fields:
        return "cnv"
    if fusion_partner is not None:
        return "sv"
    mutation_keys = ("protein_change", "wildcard_protein_change", "exon", "variant_classification")
    if any(key in fields for key in (*mutation_keys, "true_variant_classification")):
        return "mutation"
    return "any"


def _protein_change(value: Any, path: tuple[str | int, ...]) -> tuple[str, bool]:
    from integrome.normalize.variants import parse_protein_change

    text, negated = _text_value(value, path, "an HGVS protein change such as p.G12C")
    change = parse_protein_change(text)
    if change is None or change.kind == "unknown":
        _fail(path, f"expected an HGVS protein change such as p.G12C, found {text!r}")
    return change.short, negated


def _wildcard(value: Any, path: tuple[str | int, ...]) -> tuple[str, bool]:
    text, negated = _text_value(value, path, "a residue and codon such as p.V600")
    found = _WILDCARD.match(text)
    if found is None:
        _fail(path, f"expected a residue and codon such as p.V600, found {text!r}")
    return f"{found.group(1)}{found.group(2)}", negated


def _classification(value: Any, path: tuple[str | int, ...]) -> tuple[str, bool]:
    text, negated = _text_value(value, path, "a MAF Variant_Classification")
    group = _CLASSIFICATIONS.get(text.lower())
    if group is None:
        known = ", ".join(sorted({key for key in _CLASSIFICATIONS if "_" in key and "'" not in key}))
        _fail(path, f"unsupported variant_classification {text!r}; supported MAF terms include {known}")
    return group, negated


def _exon(value: Any, path: tuple[str | int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        _fail(path, f"expected an exon number, found {_found(value)}")
    return int(value)


def _clinical(value: Any, path: tuple[str | int, ...], notes: list[str]) -> CriteriaNode | None:
    if not isinstance(value, dict) or not value:
        _fail(path, f"expected a mapping of clinical fields, found {_found(value)}")
    unknown = sorted(set(value) - _CLINICAL_FIELDS)
    if unknown:
        _fail((*path, unknown[0]), f"unknown clinical field; expected one of {sorted(_CLINICAL_FIELDS)}")
    nodes: list[CriteriaNode | None] = []
    for key, raw in value.items():
        where = (*path, key)
        if key == "oncotree_primary_diagnosis":
            nodes.append(CriteriaNode(diagnosis=_diagnosis(raw, where)))
        elif key == "age_numerical":
            nodes.append(CriteriaNode(age=_comparison(raw, where, "an age comparison such as '>=18'")))
        elif key in ("gender", "sex"):
            sex, _ = _choice(raw, where, {"female": "female", "male": "male"}, "Female or Male")
            nodes.append(CriteriaNode(sex=sex))
        elif key == "tmb_numerical":
            comparison = _comparison(raw, where, "a TMB comparison such as '>=10'")
            nodes.append(CriteriaNode(biomarker=BiomarkerCriterion(name="TMB", value=comparison)))
        elif key in _RECEPTORS:
            if isinstance(raw, str) and raw.strip().lower() == "unknown":
                notes.append(f"{_RECEPTORS[key]} status unknown")
                continue
            status, negated = _choice(raw, where, _RECEPTOR, "Positive or Negative")
            nodes.append(
                CriteriaNode(
                    biomarker=BiomarkerCriterion(name=_RECEPTORS[key], status=status, negated=negated)
                )
            )
        else:
            shown = ", ".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)
            notes.append(f"{_NOT_EVALUATED[key]}: {shown}")
    return _combine(nodes, "all")


def _comparison(value: Any, path: tuple[str | int, ...], what: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"expected {what}, found {_found(value)}")
    found = _COMPARISON.match(value.strip())
    if found is None:
        _fail(path, f"expected {what}, found {value!r}")
    return f"{found.group(1)}{found.group(2)}"


def _diagnosis(value: Any, path: tuple[str | int, ...]) -> DiagnosisCriterion:
    text, exclude = _text_value(value, path, "an OncoTree diagnosis name")
    pseudo = {"_SOLID_": "SOLID", "_LIQUID_": "LIQUID"}.get(text.upper())
    if pseudo is not None:
        return DiagnosisCriterion(codes=[pseudo], name=text, exclude=exclude)
    return DiagnosisCriterion(codes=list(_oncotree_codes(text)), name=text, exclude=exclude)


def _oncotree_codes(text: str) -> tuple[str, ...]:
    """Codes whose OncoTree name is `text` (any case; a few names belong to several sites), or the
    code itself when `text` is a code; empty when this release has neither."""
    from integrome.normalize.diseases import oncotree

    by_name = _names_to_codes()
    codes = by_name.get(text.casefold())
    if codes:
        return codes
    resolved = oncotree().resolve(text)
    return (resolved,) if resolved is not None and resolved != "TISSUE" else ()


@cache
def _names_to_codes() -> dict[str, tuple[str, ...]]:
    from integrome.normalize.diseases import oncotree

    tree = oncotree()
    names: dict[str, list[str]] = {}
    for code in sorted(tree.codes):
        if code != "TISSUE":
            names.setdefault(tree.name(code).casefold(), []).append(code)
    return {name: tuple(codes) for name, codes in names.items()}


def _unresolved(trial: Trial) -> list[str]:
    """Warnings for diagnosis names left without OncoTree codes (matched as unknown, never guessed)."""
    from integrome.knowledge.trials import iter_leaves
    from integrome.normalize.diseases import ONCOTREE_RELEASE

    warnings = []
    for arm in trial.arms:
        for _, node in iter_leaves(arm.criteria, ""):
            if node.diagnosis is not None and not node.diagnosis.codes:
                warnings.append(
                    f"trial {trial.id}, arm {arm.id}: diagnosis {node.diagnosis.name!r} is neither a name "
                    f"nor a code in OncoTree {ONCOTREE_RELEASE}; matching reports it as unknown"
                )
    return warnings
