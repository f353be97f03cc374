"""Reading the curated tab-separated tables shipped in `normalize/data/`.

Every packaged table is UTF-8 TSV: `#` lines carry the source and licence, the first other line is
the header. Reading them through `importlib.resources` keeps them working from a wheel or a zip.
"""

from __future__ import annotations

from importlib import resources

from integrome.errors import KnowledgeBaseError

__all__ = ["read_packaged_tsv", "split_multi"]


def read_packaged_tsv(name: str) -> list[dict[str, str]]:
    """Rows of `normalize/data/<name>` as dicts keyed by the header; a malformed row is a packaging bug."""
    text = resources.files("integrome.normalize").joinpath("data", name).read_text(encoding="utf-8")
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            continue
        if len(fields) != len(header):
            raise KnowledgeBaseError(
                f"normalize/data/{name}:{number}: expected {len(header)} fields, found {len(fields)}"
            )
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def split_multi(value: str) -> tuple[str, ...]:
    """A `|`-separated cell as a tuple without empty parts."""
    return tuple(part for part in value.split("|") if part)
