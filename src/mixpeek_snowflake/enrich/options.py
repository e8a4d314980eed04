"""The enrichment procedure's arguments and options, validated before any statement or request runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mixpeek_snowflake.arguments import (
    OptionChecks,
    base_url_option,
    boolean_option,
    check_options,
    integer_option,
    namespace_option,
    parse_collection,
)
from mixpeek_snowflake.enrich.query import query_names, read_only_query, refuse_bundle_objects
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName, validate_part

MAX_BATCH = 1000
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
DEFAULT_PREFIX = "sf_"
DOCUMENT_ID = "document_id"
SOURCE_ALIAS = '"MIXPEEK_SOURCE"'
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,127}"
_PATH = re.compile(rf"{_SEGMENT}(\.{_SEGMENT}){{0,7}}")
_PREFIX = re.compile(r"[A-Za-z0-9_\-]{0,64}")
_QUERY_START = re.compile(r"(SELECT|WITH)\b", re.IGNORECASE)
PATH_RULE = "dot-separated names of letters, digits, '_' or '-' (at most 8 levels, 128 characters each)"


@dataclass(frozen=True)
class EnrichOptions:
    """Options of enrich_mixpeek_documents; the defaults push every column under metadata.sf_<column>."""

    namespace: str | None = None
    base_url: str | None = None
    dry_run: bool = False
    force: bool = False
    batch_size: int = MAX_BATCH
    prefix: str = DEFAULT_PREFIX
    rename: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None
    key_field: str = DOCUMENT_ID
    state_schema: tuple[str, ...] | None = None
    failure_retention_days: int = DEFAULT_RETENTION_DAYS
    strict: bool = False


@dataclass(frozen=True)
class Source:
    """A validated source: a table or view name, or a read-only query wrapped as a subquery."""

    sql: str
    display: str
    is_query: bool


@dataclass(frozen=True)
class EnrichRequest:
    """A validated CALL of enrich_mixpeek_documents."""

    collection: str
    source: Source
    key_column: str
    options: EnrichOptions


def _batch_size(name: str, value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an integer 1 to {MAX_BATCH}")
    return value


def _prefix(name: str, value: object) -> str:
    if not isinstance(value, str) or not _PREFIX.fullmatch(value):
        raise InvalidArgument(
            f"option {name}", f"{value!r} is not allowed; expected up to 64 letters, digits, '_' or '-' (or '')"
        )
    return value


def metadata_path(value: object, argument: str) -> str:
    """A metadata key or nested path such as "segment" or "pricing.list"."""
    if not isinstance(value, str) or not _PATH.fullmatch(value):
        raise InvalidArgument(argument, f"{value!r} is not allowed; expected {PATH_RULE}")
    return value


def _rename(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidArgument(f"option {name}", 'expected an object of COLUMN: metadata key, e.g. {"LTV": "ltv_usd"}')
    return {
        _column_name(column, f"option {name}"): metadata_path(target, f"option {name}.{column}")
        for column, target in value.items()
    }


def _columns(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidArgument(f"option {name}", 'expected a non-empty list of column names, e.g. ["PRICE", "TIER"]')
    return tuple(_column_name(column, f"option {name}") for column in value)


def _column_name(value: object, argument: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255 or not value.isprintable():
        raise InvalidArgument(argument, f"{value!r} is not a column name")
    return value


def _key_field(name: str, value: object) -> str:
    if value == DOCUMENT_ID:
        return value
    path = metadata_path(value, f"option {name}")
    if path.startswith("_internal") or path == "collection_id":
        raise InvalidArgument(f"option {name}", f"{value!r} is a system field; expected document_id or a user field")
    return path


def _state_schema(name: str, value: object) -> tuple[str, ...]:
    parts = value.split(".") if isinstance(value, str) else []
    if not 1 <= len(parts) <= 2:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected SCHEMA or DATABASE.SCHEMA")
    return tuple(validate_part(part, f"option {name}") for part in parts)


OPTION_CHECKS_ENRICH: OptionChecks = {
    "namespace": namespace_option,
    "base_url": base_url_option,
    "dry_run": boolean_option,
    "force": boolean_option,
    "batch_size": _batch_size,
    "prefix": _prefix,
    "rename": _rename,
    "columns": _columns,
    "key_field": _key_field,
    "state_schema": _state_schema,
    "failure_retention_days": integer_option(1, MAX_RETENTION_DAYS),
    "strict": boolean_option,
}


def parse_enrich_options(options: object) -> EnrichOptions:
    """Validate the options VARIANT (an object, its JSON text, or NULL) into EnrichOptions."""
    return EnrichOptions(**check_options(options, OPTION_CHECKS_ENRICH, '{"dry_run": true}'))


def parse_source(value: object) -> Source:
    """A table or view name, or a single read-only SELECT/WITH query (a trailing ';' is dropped)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidArgument("source", "expected a table or view name, or a query starting with SELECT or WITH")
    if not _QUERY_START.match(text):
        table = TableName.parse(text, "source")
        refuse_bundle_objects([p for p in (table.database, table.schema, table.name) if p])
        return Source(sql=table.sql, display=table.display, is_query=False)
    query = read_only_query(text)
    refuse_bundle_objects(query_names(query))
    return Source(sql=f"(\n{query}\n) AS {SOURCE_ALIAS}", display=_excerpt(query), is_query=True)


def _excerpt(query: str) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= 200 else flat[:200] + "…"


def parse_key_column(value: object) -> str:
    """The key column as written; that it exists is checked against the source's columns."""
    return _column_name(value, "key_column")


def parse_enrich_request(collection_id: object, source: object, key_column: object, options: object) -> EnrichRequest:
    """Validate every argument of the procedure, in signature order."""
    return EnrichRequest(
        collection=parse_collection(collection_id),
        source=parse_source(source),
        key_column=parse_key_column(key_column),
        options=parse_enrich_options(options),
    )
