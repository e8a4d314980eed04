"""Fixes for four fakesnow 0.12 defects that would make the local engine disagree with Snowflake.

1. A MERGE inside BEGIN ... COMMIT fails: fakesnow records a (missing) table comment for the temporary
   table it creates, which writes to a second DuckDB database inside the open transaction.
2. The server sends a NULL timestamp as 1970-01-01: its Arrow struct encoding drops the null mask.
3. SQL injection: fakesnow formats table and view COMMENTs (and table, schema and column names) into its
   information-schema INSERTs unescaped, so a comment such as x'); DROP TABLE t; -- runs as SQL in DuckDB.
4. CURRENT_TRANSACTION() is unknown; fakesnow answers NULL here (no transaction it can name). The strict engine
   answers it with the transaction it tracks.
"""

from __future__ import annotations

from collections.abc import Callable

import fakesnow.arrow as arrow
import fakesnow.info_schema as info_schema
import fakesnow.transforms as transforms
import pyarrow as pa
from sqlglot import Expr, exp


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


def _knowing_current_transaction(original: Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    def current_version(expression: Expr) -> Expr:
        if type(expression).__name__ == "CurrentTransaction":
            return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
        return original(expression)

    current_version.fixed = True  # type: ignore[attr-defined]
    return current_version


def escaped(text: str) -> str:
    """Text safe inside a DuckDB '...' literal: each quote doubled (DuckDB gives backslashes no meaning)."""
    return str(text).replace("'", "''")


def _escaping_comment(original: Callable[[str, str, str, str], str]) -> Callable[[str, str, str, str], str]:
    def insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str) -> str:
        return original(escaped(catalog), escaped(schema), escaped(table), escaped(comment))

    insert_table_comment_sql.fixed = True  # type: ignore[attr-defined]
    return insert_table_comment_sql


def _escaping_lengths(
    original: Callable[[str, str, str, list[tuple[str, int]]], str],
) -> Callable[[str, str, str, list[tuple[str, int]]], str]:
    def insert_text_lengths_sql(catalog: str, schema: str, table: str, text_lengths: list[tuple[str, int]]) -> str:
        lengths = [(escaped(name), int(size)) for name, size in text_lengths]
        return original(escaped(catalog), escaped(schema), escaped(table), lengths)

    insert_text_lengths_sql.fixed = True  # type: ignore[attr-defined]
    return insert_text_lengths_sql


def apply() -> None:
    """Patch the loaded fakesnow modules; safe to call more than once."""
    if not getattr(transforms.extract_comment_on_table, "fixed", False):
        transforms.extract_comment_on_table = _without_empty_comment(transforms.extract_comment_on_table)  # type: ignore[assignment]
    if not getattr(arrow.timestamp_to_sf_struct, "fixed", False):
        arrow.timestamp_to_sf_struct = _keeping_nulls(arrow.timestamp_to_sf_struct)  # type: ignore[assignment]
    if not getattr(info_schema.insert_table_comment_sql, "fixed", False):
        info_schema.insert_table_comment_sql = _escaping_comment(info_schema.insert_table_comment_sql)  # type: ignore[assignment]
    if not getattr(transforms.current_version, "fixed", False):
        transforms.current_version = _knowing_current_transaction(transforms.current_version)  # type: ignore[assignment]
    if not getattr(info_schema.insert_text_lengths_sql, "fixed", False):
        info_schema.insert_text_lengths_sql = _escaping_lengths(info_schema.insert_text_lengths_sql)  # type: ignore[assignment]
