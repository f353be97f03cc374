"""Writing the cohort tables: Parquet for analysis tools, TSV for people and spreadsheets.

Each file is written beside its target and renamed over it, so a reader never sees half a table.
Parquet keeps list columns as lists; the TSV joins them with ';' and writes nulls as empty cells.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from integrome.batch.summary import ColumnType
from integrome.errors import DeliveryError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["LIST_SEPARATOR", "write_table", "write_tsv"]

LIST_SEPARATOR = ";"


def write_table(
    out: Path, name: str, columns: Sequence[tuple[str, ColumnType]], records: Sequence[dict[str, object]]
) -> list[Path]:
    """`<out>/<name>.parquet` and `<out>/<name>.tsv` with exactly `columns`, in order."""
    parquet = out / f"{name}.parquet"
    frame = _frame(columns, records)
    _replace(parquet, lambda path: frame.write_parquet(path))
    return [parquet, write_tsv(out / f"{name}.tsv", columns, records)]


def write_tsv(
    path: Path, columns: Sequence[tuple[str, ColumnType]], records: Sequence[dict[str, object]]
) -> Path:
    """A tab-separated table with a header row; list cells joined with ';'; nulls and empty lists
    are empty cells."""
    import polars as pl

    flat = _frame(columns, records).with_columns(
        pl.when(pl.col(column).list.len() > 0).then(pl.col(column).list.join(LIST_SEPARATOR)).alias(column)
        for column, kind in columns
        if kind == "list[str]"
    )
    _replace(path, lambda target: flat.write_csv(target, separator="\t", null_value=""))
    return path


def _frame(columns: Sequence[tuple[str, ColumnType]], records: Sequence[dict[str, object]]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(list(records), schema={column: _dtype(kind) for column, kind in columns})


def _dtype(kind: ColumnType) -> pl.DataType:
    import polars as pl

    dtypes: dict[ColumnType, pl.DataType] = {
        "str": pl.String(),
        "int": pl.Int64(),
        "float": pl.Float64(),
        "bool": pl.Boolean(),
        "list[str]": pl.List(pl.String()),
    }
    return dtypes[kind]


def _replace(target: Path, write: Callable[[Path], None]) -> None:
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        write(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise DeliveryError(f"{target}: cannot write the table ({exc.strerror or exc})") from exc
    finally:
        partial.unlink(missing_ok=True)
