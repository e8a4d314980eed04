"""Fixes for two fakesnow 0.12 defects that would make the local engine disagree with Snowflake.

1. A MERGE inside BEGIN ... COMMIT fails: fakesnow records a (missing) table comment for the temporary
   table it creates, which writes to a second DuckDB database inside the open transaction.
2. The server sends a NULL timestamp as 1970-01-01: its Arrow struct encoding drops the null mask.
"""

from __future__ import annotations

from collections.abc import Callable

import fakesnow.arrow as arrow
import fakesnow.transforms as transforms
import pyarrow as pa
from sqlglot import Expr


def _without_empty_comment(original: Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    def extract_comment_on_table(expression: Expr) -> Expr:
        new = original(expression)
        recorded = new.args.get("table_comment")
        if recorded is not None and recorded[1] is None:
            new.args.pop("table_comment")
        return new

    extract_comment_on_table.fixed = True  # type: ignore[attr-defined]
    return extract_comment_on_table


def _keeping_nulls(original: Callable[[pa.Array], pa.Array]) -> Callable[[pa.Array], pa.Array]:
    def timestamp_to_sf_struct(ts: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        struct = original(ts)
        if not ts.null_count:
            return struct
        fields = [struct.type.field(i) for i in range(struct.type.num_fields)]
        children = [struct.field(i) for i in range(struct.type.num_fields)]
        return pa.StructArray.from_arrays(children, fields=fields, mask=ts.is_null())

    timestamp_to_sf_struct.fixed = True  # type: ignore[attr-defined]
    return timestamp_to_sf_struct


def apply() -> None:
    """Patch the loaded fakesnow modules; safe to call more than once."""
    if not getattr(transforms.extract_comment_on_table, "fixed", False):
        transforms.extract_comment_on_table = _without_empty_comment(transforms.extract_comment_on_table)
    if not getattr(arrow.timestamp_to_sf_struct, "fixed", False):
        arrow.timestamp_to_sf_struct = _keeping_nulls(arrow.timestamp_to_sf_struct)
