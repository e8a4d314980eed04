"""The enrichment source: its columns, the column → metadata key plan, typed values, and rows grouped by key."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from mixpeek_snowflake.enrich.options import EnrichRequest
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError, truncate
from mixpeek_snowflake.snowflake.identifiers import quote
from mixpeek_snowflake.snowflake.timestamps import format_watermark

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
JSON_TYPES = frozenset({"VariantType", "MapType", "ArrayType", "StructType", "GeographyType", "GeometryType"})


@dataclass(frozen=True)
class SourceColumn:
    """One column of the source as Snowpark describes it."""

    name: str
    kind: str
    scale: int | None = None


@dataclass(frozen=True)
class MappedColumn:
    """A source column and the dotted key it is written to, e.g. PRICE → metadata.sf_price."""

    column: SourceColumn
    target: str


@dataclass(frozen=True)
class SourcePlan:
    """What one run reads (key + mapped columns, ordered by key) and where each value goes."""

    key: SourceColumn
    mapped: tuple[MappedColumn, ...]
    select_sql: str
    mapping_id: str

    @property
    def columns(self) -> dict[str, str]:
        """Column name → dotted target key, for the summary."""
        return {m.column.name: m.target for m in self.mapped}


@dataclass(frozen=True)
class SourceRow:
    """One distinct key with its update_data, or the reason it cannot be sent."""

    key: Any
    key_text: str | None
    update_data: dict[str, Any] | None
    problem: str | None = None
    row: int | None = None


def unquoted(name: str) -> str:
    """A Snowpark column name without the double quotes it adds to case-sensitive names."""
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def describe(session: Any, from_sql: str, display: str) -> list[SourceColumn]:
    """The source's columns, read from the query's description (nothing is fetched)."""
    problem = None
    try:
        fields = session.sql(f"SELECT * FROM {from_sql}").schema.fields
    except Exception as exc:
        problem = f"{display} cannot be read {scrubbed(exc)}"
    if problem is not None:
        raise InvalidArgument("source", problem)
    return [
        SourceColumn(unquoted(f.name), type(f.datatype).__name__, getattr(f.datatype, "scale", None)) for f in fields
    ]


def find_column(columns: list[SourceColumn], wanted: str, argument: str) -> SourceColumn:
    """The column named `wanted` (exact name first, else case-insensitively), or a clear error listing them."""
    exact = [c for c in columns if c.name == wanted]
    loose = exact or [c for c in columns if c.name.upper() == wanted.upper()]
    if len(loose) == 1:
        return loose[0]
    names = ", ".join(c.name for c in columns)
    problem = "matches several columns by case" if loose else "is not a column of the source"
    raise InvalidArgument(argument, f"{wanted!r} {problem}; the source has: {names}")


def plan_source(request: EnrichRequest, columns: list[SourceColumn]) -> SourcePlan:
    """Check the key and option columns against the source and decide each column's metadata key."""
    options = request.options
    key = find_column(columns, request.key_column, "key_column")
    if options.columns is not None:
        chosen = [find_column(columns, name, "option columns") for name in options.columns]
    else:
        chosen = [c for c in columns if c != key]
    renamed = {find_column(columns, col, "option rename").name: target for col, target in options.rename.items()}
    _check_renamed(renamed, chosen)
    mapped = tuple(
        MappedColumn(c, "metadata." + (renamed.get(c.name) or _default_key(c, options.prefix))) for c in chosen
    )
    _check_mapped(mapped)
    return SourcePlan(key, mapped, _select(request.source.sql, key, mapped), _mapping_id(options.key_field, mapped))


def _default_key(column: SourceColumn, prefix: str) -> str:
    name = prefix + column.name.lower()
    if not all(ch.isalnum() or ch in "_-" for ch in name) or not name.isascii():
        raise InvalidArgument(
            "option rename",
            f"column {column.name!r} gives the metadata key {name!r}, which is not a plain name; "
            f'rename it, e.g. {{"rename": {{"{column.name}": "my_key"}}}}',
        )
    return name


def _check_renamed(renamed: dict[str, str], chosen: list[SourceColumn]) -> None:
    pushed = {c.name for c in chosen}
    stray = sorted(set(renamed) - pushed)
    if stray:
        raise InvalidArgument("option rename", f"names columns that are not pushed: {', '.join(stray)}")


def _check_mapped(mapped: tuple[MappedColumn, ...]) -> None:
    if not mapped:
        raise InvalidArgument("source", "has no column to push besides the key column")
    targets = [m.target for m in mapped]
    for target in targets:
        parts = target.split(".")
        clash = [p for p in (".".join(parts[:n]) for n in range(2, len(parts) + 1)) if p in targets]
        if targets.count(target) > 1 or len(clash) > 1:
            raise InvalidArgument(
                "option rename",
                f"two columns write to {target!r} or to a key that contains it; give them distinct keys",
            )
    binary = [m.column.name for m in mapped if m.column.kind == "BinaryType"]
    if binary:
        raise InvalidArgument(
            "source",
            f"BINARY columns cannot be sent as JSON: {', '.join(binary)}; "
            "convert them in a query, e.g. HEX_ENCODE(col)",
        )


def _select(from_sql: str, key: SourceColumn, mapped: tuple[MappedColumn, ...]) -> str:
    names = ", ".join(quote(c.name) for c in (key, *(m.column for m in mapped)))
    return f"SELECT {names}, COUNT(*) OVER () FROM {from_sql} ORDER BY {quote(key.name)}"


def _mapping_id(key_field: str, mapped: tuple[MappedColumn, ...]) -> str:
    spec = json.dumps({"key_field": key_field, "targets": sorted(m.target for m in mapped)}, separators=(",", ":"))
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def to_json_value(value: Any, column: SourceColumn) -> Any:
    """A Snowflake value as the JSON value Mixpeek stores; ValueError when JSON cannot hold it."""
    if value is None:
        return None
    if column.kind in JSON_TYPES:
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(value, bool | str | int | list | dict):
        return value
    if isinstance(value, Decimal):
        return _decimal(value, column)
    if isinstance(value, float):
        return _finite(value, column)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return format_watermark(moment)
    if isinstance(value, date | time):
        return value.isoformat()
    raise ValueError(f"column {column.name}: {type(value).__name__} values cannot be sent as JSON")


def _decimal(value: Decimal, column: SourceColumn) -> int | float:
    if not value.is_finite():
        raise ValueError(f"column {column.name}: {value} cannot be sent as JSON")
    if column.scale == 0 or (column.scale is None and value == value.to_integral_value()):
        return int(value)
    return float(value)


def _finite(value: float, column: SourceColumn) -> float:
    if not math.isfinite(value):
        raise ValueError(f"column {column.name}: {value} cannot be sent as JSON")
    return value


def key_text(key: Any) -> str:
    """How a key is shown in the state and failure tables: the string itself, else its JSON."""
    return key if isinstance(key, str) else json.dumps(key, sort_keys=True)


def convert_row(row: tuple[Any, ...], plan: SourcePlan) -> SourceRow:
    """One source row (key first) as update_data; a value JSON cannot hold makes the row a failure."""
    try:
        key = to_json_value(row[0], plan.key)
    except ValueError as exc:
        return SourceRow(None, repr(row[0]), None, f"key: {exc}")
    if key is None:
        return SourceRow(None, None, None, f"key column {plan.key.name} is NULL")
    try:
        data = {m.target: to_json_value(v, m.column) for m, v in zip(plan.mapped, row[1:], strict=True)}
    except ValueError as exc:
        return SourceRow(key, key_text(key), None, str(exc))
    return SourceRow(key, key_text(key), data)


def grouped_rows(rows: Iterable[tuple[Any, ...]], plan: SourcePlan) -> Iterator[SourceRow]:
    """Convert rows ordered by key; a key on several rows becomes one failure instead of a guess.

    Each SourceRow carries the 1-based number of its first row in the key-ordered read.
    """
    pending: list[tuple[Any, ...]] = []
    first = 1
    for number, row in enumerate(rows, start=1):
        if pending and (row[0] is None or row[0] != pending[0][0]):
            yield _one(pending, plan, first)
            pending, first = [], number
        pending.append(row)
    if pending:
        yield _one(pending, plan, first)


def _one(group: list[tuple[Any, ...]], plan: SourcePlan, number: int) -> SourceRow:
    converted = replace(convert_row(group[0], plan), row=number)
    if len(group) == 1 or converted.key is None:
        return converted
    problem = f"key appears on {len(group)} source rows; nothing was sent for it (make the key unique)"
    return SourceRow(converted.key, converted.key_text, None, problem, number)


def scrubbed(exc: BaseException) -> str:
    """An error's code and text with every quoted part removed (a cast error quotes the value it failed on)."""
    code = getattr(exc, "sql_error_code", None)
    detail = truncate(_QUOTED.sub("'…'", " ".join(str(exc).split())), 300)
    where = f"Snowflake error {code}" if code is not None else type(exc).__name__
    return f"({where}; quoted values removed): {detail}"


def source_error(exc: BaseException, display: str) -> MixpeekSnowflakeError:
    """The error to raise when reading the source failed, free of source values."""
    return MixpeekSnowflakeError(f"the source {display} could not be read {scrubbed(exc)}")


def read_rows(session: Any, sql: str, display: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a query whose last column counts them, without it; an error while reading is raised as
    source_error, with no chain back to the original, and a caller's ROWS_PER_RESULTSET that cut the answer is refused
    after the last row."""
    read, total = 0, 0
    for row in _raw_rows(session, sql, display):
        read, total = read + 1, int(row[-1])
        yield row[:-1]
    if read < total:
        raise MixpeekSnowflakeError(
            f"source {display}: the caller's ROWS_PER_RESULTSET returned {read} of its {total} rows; "
            "CALL with ROWS_PER_RESULTSET = 0 (the default)"
        )


def _raw_rows(session: Any, sql: str, display: str) -> Iterator[tuple[Any, ...]]:
    failure: MixpeekSnowflakeError | None = None
    try:
        rows = iter(session.sql(sql).to_local_iterator())
    except Exception as exc:
        failure = source_error(exc, display)
    if failure is not None:
        raise failure
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            failure = source_error(exc, display)
        if failure is not None:
            raise failure
        yield tuple(row)


def row_item(row: SourceRow) -> dict[str, Any]:
    """A grouped source row as the JSON object the caller's side hands over to the owner's side."""
    return {"key": row.key, "text": row.key_text, "data": row.update_data, "problem": row.problem, "row": row.row}


def item_row(item: dict[str, Any]) -> SourceRow:
    """The SourceRow a handed-over JSON object holds (row_item's inverse)."""
    return SourceRow(item.get("key"), item.get("text"), item.get("data"), item.get("problem"), item.get("row"))


def column_item(column: SourceColumn) -> dict[str, Any]:
    """A described column as handed over: the owner's side plans from it and never describes the source."""
    return {"name": column.name, "kind": column.kind, "scale": column.scale}


def item_column(item: dict[str, Any]) -> SourceColumn:
    """The SourceColumn a handed-over JSON object holds; InvalidArgument on anything else."""
    name, kind, scale = item.get("name"), item.get("kind"), item.get("scale")
    if not isinstance(name, str) or not isinstance(kind, str) or not (scale is None or isinstance(scale, int)):
        raise InvalidArgument("token", "the handed-over source columns are not readable")
    return SourceColumn(name, kind, scale)
