"""SQL text of create_mixpeek_views: views over the synced table, sampling and probes; identifiers quoted.

Typed columns yield NULL for a malformed value instead of failing the query. Timestamps are read with explicit
formats, so the reader's TIMESTAMP_INPUT_FORMAT never applies, and converted to UTC (TIMESTAMP_NTZ, like the
table's own columns): a trailing Z means +00:00, an offset is honoured, text without one is taken as UTC
(https://docs.snowflake.com/en/sql-reference/functions/to_timestamp). A vector is cast only from an array of the
right size whose every element is a number (https://docs.snowflake.com/en/sql-reference/data-types-vector).
"""

from __future__ import annotations

from collections.abc import Sequence

from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.views.specs import DOCUMENT, INDEX, TABLE, ViewColumn, ViewSpec

ROW_ALIAS = "d"
ITEM_ALIAS = "f"
CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
VECTOR_PROBE = "SELECT VECTOR_COSINE_SIMILARITY([1, 0]::VECTOR(FLOAT, 2), [1, 0]::VECTOR(FLOAT, 2))"
TRY_CASTS = {"FLOAT": "DOUBLE", "NUMBER(38,0)": "NUMBER(38,0)", "BOOLEAN": "BOOLEAN"}
TIMESTAMP_SHAPE = "____-__-__%"
OFFSET_FORMATS = ('YYYY-MM-DD"T"HH24:MI:SS.FFTZH:TZM', 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')
UTC_FORMATS = ('YYYY-MM-DD"T"HH24:MI:SS.FF', 'YYYY-MM-DD"T"HH24:MI:SS', "YYYY-MM-DD")
NUMBER_TYPES = "'INTEGER', 'DECIMAL', 'DOUBLE'"


def literal(text: str) -> str:
    """A single-quoted Snowflake string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def json_path(base: str, path: Sequence[str]) -> str:
    """Bracket access down a VARIANT, e.g. d."DOCUMENT"['metadata']['price']; any key text is safe here."""
    return base + "".join(f"[{literal(key)}]" for key in path)


def source_value(column: ViewColumn) -> str:
    """Where a column's raw value comes from: a table column, the document, the array element or its index."""
    if column.origin == TABLE:
        return f"{ROW_ALIAS}.{quote(column.path[0])}"
    if column.origin == INDEX:
        return f"{ITEM_ALIAS}.INDEX"
    base = f'{ROW_ALIAS}."DOCUMENT"' if column.origin == DOCUMENT else f"{ITEM_ALIAS}.VALUE"
    return json_path(base, column.path)


def typed_value(column: ViewColumn) -> str:
    """The column's expression, cast to its type without failing on a malformed value."""
    value = source_value(column)
    if column.origin in (TABLE, INDEX):
        return value
    text = f"{value}::VARCHAR"
    if column.type == "VARCHAR":
        return text
    if column.type in TRY_CASTS:
        return f"TRY_CAST({text} AS {TRY_CASTS[column.type]})"
    if column.type == "TIMESTAMP_NTZ":
        return f"CASE WHEN {text} LIKE '{TIMESTAMP_SHAPE}' THEN {utc_timestamp(text)} END"
    if column.dimensions:
        return vector(value, column.dimensions)
    return value


def utc_timestamp(text: str) -> str:
    """ISO-8601 text as naive UTC, or NULL: explicit formats, offsets (and Z) converted, no offset meaning UTC."""
    iso = f"REGEXP_REPLACE(REPLACE({text}, ' ', 'T'), '[Zz]$', '+00:00')"
    zoned = [
        f"TO_TIMESTAMP_NTZ(CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ({iso}, {literal(f)})))" for f in OFFSET_FORMATS
    ]
    naive = [f"TRY_TO_TIMESTAMP_NTZ({iso}, {literal(f)})" for f in UTC_FORMATS]
    return f"COALESCE({', '.join(zoned + naive)})"


def vector(value: str, size: int) -> str:
    """VECTOR(FLOAT, size) from an array of exactly size numbers; NULL for any other value (null or text elements)."""
    array = f"AS_ARRAY({value})"
    numbers = f"ARRAY_SIZE(FILTER({array}, e -> TYPEOF(e) IN ({NUMBER_TYPES})))"
    return (
        f"CASE WHEN ARRAY_SIZE({array}) = {size} AND {numbers} = {size} "
        f"THEN TRANSFORM({array}, e -> e::FLOAT)::VECTOR(FLOAT, {size}) END"
    )


def _array_input(path: Sequence[str]) -> str:
    value = json_path(f'{ROW_ALIAS}."DOCUMENT"', path)
    return f"CASE WHEN ARRAY_SIZE({value}) IS NOT NULL THEN {value} END"


def create_view(view: ViewSpec, target: TableName, source: TableName, collection_id: str) -> str:
    """CREATE OR REPLACE VIEW with commented columns over the live documents of one collection; grants survive."""
    columns = ",\n  ".join(f"{quote(c.name)} COMMENT {literal(c.comment)}" for c in view.columns)
    values = ",\n  ".join(typed_value(c) for c in view.columns)
    rows = f"{source.sql} {ROW_ALIAS}"
    if view.array_path is not None:
        rows += f",\n  LATERAL FLATTEN(INPUT => {_array_input(view.array_path)}) {ITEM_ALIAS}"
    return (
        f"CREATE OR REPLACE VIEW {target.sql} (\n  {columns}\n) COPY GRANTS COMMENT = {literal(view.comment)} AS\n"
        f"SELECT\n  {values}\nFROM {rows}\n"
        f'WHERE {ROW_ALIAS}."COLLECTION_ID" = {literal(collection_id)} AND NOT {ROW_ALIAS}."IS_DELETED"'
    )


def table_exists(database: str) -> str:
    """Params: schema, name, schema, name. Counts the table or view in the database's information schema."""
    where = "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
    info = f"{quote(database)}.INFORMATION_SCHEMA"
    return f"SELECT (SELECT COUNT(*) FROM {info}.TABLES {where}) + (SELECT COUNT(*) FROM {info}.VIEWS {where})"


def views_named_like(database: str) -> str:
    """Params: schema, name prefix. Views whose names start with the prefix."""
    return (
        f"SELECT TABLE_NAME FROM {quote(database)}.INFORMATION_SCHEMA.VIEWS "
        "WHERE TABLE_SCHEMA = ? AND STARTSWITH(TABLE_NAME, ?) ORDER BY TABLE_NAME"
    )


def sample_fields(source: TableName, rows: int, excluded: int) -> str:
    """Params: collection id, then `excluded` root keys. Root fields of the newest live documents, one per row."""
    keys = ", ".join("?" for _ in range(excluded)) or "''"
    newest = (
        f'SELECT "DOCUMENT_ID", "DOCUMENT" FROM {source.sql} WHERE "COLLECTION_ID" = ? AND NOT "IS_DELETED" '
        f'ORDER BY "UPDATED_AT" DESC, "DOCUMENT_ID" LIMIT {int(rows)}'
    )
    return (
        f'SELECT {ROW_ALIAS}."DOCUMENT_ID", {ITEM_ALIAS}.KEY, {ITEM_ALIAS}.VALUE FROM ({newest}) {ROW_ALIAS}, '
        f'LATERAL FLATTEN(INPUT => {ROW_ALIAS}."DOCUMENT") {ITEM_ALIAS} '
        f"WHERE LEFT({ITEM_ALIAS}.KEY, 1) <> '_' AND {ITEM_ALIAS}.KEY NOT IN ({keys})"
    )
