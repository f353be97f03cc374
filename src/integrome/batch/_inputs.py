"""Which patients a cohort holds and which files belong to each.

A cohort is either a folder with one sub-folder per patient (the files directly inside it are
that patient's inputs, as for `integrome analyze`) or a manifest TSV. Patients are sorted by
their key (folder name or manifest id) and numbered in that order, which gives each one a
pseudonym that is the same whatever engine or worker count analyzes the cohort.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from integrome.errors import InputError

__all__ = ["CohortPatient", "read_cohort"]

MANIFEST_ID_COLUMN = "patient_id"
_KEY = re.compile(r"^[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]{0,199}$")
"""A patient key becomes a folder name under `<out>/patients/`: no path separators, no control
characters, not hidden (so '.' and '..' are impossible), at most 200 characters."""


@dataclass(frozen=True)
class CohortPatient:
    """One patient of the cohort: its key (folder name or manifest id), its pseudonym in the
    summary tables, and its input files."""

    key: str
    pseudonym: str
    inputs: tuple[Path, ...]
    origin: Path
    """The patient folder, or the manifest it was listed in (named in error messages)."""


def read_cohort(source: Path, *, exclude: Sequence[str] = ()) -> list[CohortPatient]:
    """The patients of a cohort folder or manifest TSV, sorted by key.

    In a folder, hidden entries and files matching an `exclude` glob are skipped; files beside
    the patient folders are not inputs of any patient. A folder without patient sub-folders, a
    malformed manifest or a manifest naming a missing file is an `InputError`: nothing has been
    analyzed yet, so the user fixes the cohort before hours of work start.
    """
    if source.is_dir():
        found = _read_folder(source, exclude)
    elif source.is_file():
        found = _read_manifest(source)
    else:
        raise InputError(source, None, "expected a cohort folder or a manifest TSV, found nothing")
    if not found:
        raise InputError(source, None, "expected one sub-folder per patient, found none")
    width = max(4, len(str(len(found))))
    return [
        CohortPatient(key=key, pseudonym=f"P{number:0{width}d}", inputs=inputs, origin=origin)
        for number, (key, (inputs, origin)) in enumerate(sorted(found.items()), start=1)
    ]


def _read_folder(source: Path, exclude: Sequence[str]) -> dict[str, tuple[tuple[Path, ...], Path]]:
    found: dict[str, tuple[tuple[Path, ...], Path]] = {}
    for folder in sorted(source.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        if not _KEY.match(folder.name):
            raise InputError(folder, None, "expected a patient folder name without control characters")
        files = tuple(
            path
            for path in sorted(folder.iterdir())
            if path.is_file()
            and not path.name.startswith(".")
            and not any(fnmatch.fnmatchcase(path.name, pattern) for pattern in exclude)
        )
        found[folder.name] = (files, folder)
    return found


def _read_manifest(manifest: Path) -> dict[str, tuple[tuple[Path, ...], Path]]:
    """Tab-separated, header first: `patient_id`, then one or more file columns. A patient may
    span several rows; relative paths are relative to the manifest's folder; blank lines and
    lines starting with '#' are skipped."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(manifest, f"byte {exc.start}", "expected a UTF-8 manifest TSV") from exc
    except OSError as exc:
        raise InputError(manifest, None, f"cannot read the manifest: {exc.strerror or exc}") from exc
    files: dict[str, list[Path]] = {}
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if not header_seen:
            if cells[0] != MANIFEST_ID_COLUMN or len(cells) < 2:
                raise InputError(
                    manifest,
                    f"line {number}",
                    f"expected a tab-separated header '{MANIFEST_ID_COLUMN}<TAB>path', found {line[:60]!r}",
                )
            header_seen = True
            continue
        key = cells[0]
        if not _KEY.match(key):
            raise InputError(
                manifest,
                f"line {number} column 1",
                f"expected a patient id usable as a folder name (no '/', not starting with '.'), "
                f"found {key!r}",
            )
        listed = [(column, cell) for column, cell in enumerate(cells[1:], start=2) if cell]
        if not listed:
            raise InputError(manifest, f"line {number}", f"expected at least one file for patient {key!r}")
        paths = files.setdefault(key, [])
        for column, cell in listed:
            path = Path(cell) if Path(cell).is_absolute() else manifest.parent / cell
            if not path.is_file():
                found = "a folder" if path.is_dir() else "nothing"
                raise InputError(
                    manifest,
                    f"line {number} column {column}",
                    f"expected an input file, found {found} at {cell}",
                )
            if path not in paths:
                paths.append(path)
    if not header_seen:
        raise InputError(manifest, None, f"expected a header line starting with '{MANIFEST_ID_COLUMN}'")
    if not files:
        raise InputError(manifest, None, "expected at least one patient row after the header, found none")
    return {key: (tuple(paths), manifest) for key, paths in files.items()}
