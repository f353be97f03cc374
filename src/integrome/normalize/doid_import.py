"""Derive Disease Ontology → OncoTree mappings through NCI Thesaurus codes both sides share.

DOID (CC0) lists NCIt cross-references per disease (`DOreports/allXREFinDO.tsv`: id, label, xref);
OncoTree lists NCIt codes per node (`ontology_mappings.txt`: ONCOTREE_CODE, NCIT_CODE, ...). A DOID
whose NCIt codes all lead to one OncoTree code maps to it; a DOID reaching several codes is
ambiguous and left out. CIViC scopes its evidence by DOID, so this bridge lets CIViC records be
matched against OncoTree-coded diagnoses. The shipped `doid_oncotree.tsv` is a reviewed subset.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from integrome.errors import InputError

__all__ = ["DoidMapping", "import_doid_xrefs", "read_oncotree_nci", "read_snomed_xrefs"]


@dataclass(frozen=True)
class DoidMapping:
    """One DOID term mapped to one OncoTree code through the NCIt codes listed."""

    doid: str
    label: str
    oncotree: str
    nci: tuple[str, ...]


def _rows(path: Path, required: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(path, "line 1", f"expected columns {', '.join(missing)}; header is {header}")
            for number, row in enumerate(reader, start=2):
                if None in row or any(row.get(c) is None for c in required):
                    raise InputError(path, f"line {number}", f"expected {len(header)} tab-separated fields")
                yield (
                    number,
                    {k: v.strip().strip('"') for k, v in row.items() if k is not None and v is not None},
                )
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"expected a readable TSV file ({exc})") from exc


def read_oncotree_nci(mappings_path: Path) -> dict[str, set[str]]:
    """NCIt code → OncoTree codes, from OncoTree's ontology_mappings table."""
    nci_to_oncotree: dict[str, set[str]] = {}
    for _, row in _rows(mappings_path, ("ONCOTREE_CODE", "NCIT_CODE")):
        for nci in row["NCIT_CODE"].split(","):
            if nci.strip():
                nci_to_oncotree.setdefault(nci.strip(), set()).add(row["ONCOTREE_CODE"])
    return nci_to_oncotree


def import_doid_xrefs(
    xref_path: Path, mappings_path: Path, extra_nci: dict[str, set[str]] | None = None
) -> list[DoidMapping]:
    """DOID → OncoTree mappings that are unambiguous through NCIt, sorted by DOID.

    `extra_nci` adds NCIt → OncoTree pairs from another source (the OncoTree release JSON's
    externalReferences) to those of `mappings_path`.
    """
    nci_to_oncotree = read_oncotree_nci(mappings_path)
    for nci, codes in (extra_nci or {}).items():
        nci_to_oncotree.setdefault(nci, set()).update(codes)
    labels: dict[str, str] = {}
    reached: dict[str, dict[str, set[str]]] = {}
    for number, row in _rows(xref_path, ("id", "label", "xref")):
        doid, xref = row["id"], row["xref"]
        if not doid.startswith("DOID:"):
            raise InputError(xref_path, f"line {number}", f"expected a DOID identifier, found {doid!r}")
        labels[doid] = row["label"]
        if not xref.startswith("NCI:"):
            continue
        nci = xref.removeprefix("NCI:")
        for code in nci_to_oncotree.get(nci, ()):
            reached.setdefault(doid, {}).setdefault(code, set()).add(nci)
    mappings = [
        DoidMapping(doid, labels[doid], code, tuple(sorted(ncis)))
        for doid, codes in reached.items()
        if len(codes) == 1
        for code, ncis in codes.items()
    ]
    return sorted(mappings, key=lambda m: (int(m.doid.removeprefix("DOID:")), m.oncotree))


def read_snomed_xrefs(xref_path: Path) -> dict[str, set[str]]:
    """DOID → SNOMED CT concept ids listed as `SNOMEDCT_US_<release>:<id>` cross-references."""
    snomed: dict[str, set[str]] = {}
    for _, row in _rows(xref_path, ("id", "label", "xref")):
        prefix, _, code = row["xref"].partition(":")
        if prefix.startswith("SNOMEDCT") and code.isdigit():
            snomed.setdefault(row["id"], set()).add(code)
    return snomed
