"""The sync procedure's arguments and options, validated before any request or statement runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mixpeek_snowflake.arguments import (
    DEFAULT_TARGET,
    OptionChecks,
    base_url_option,
    boolean_option,
    check_options,
    filters_option,
    integer_option,
    namespace_option,
    parse_collection,
)
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName

MODES = ("incremental", "full")
STAGING_MODES = ("procedure", "table_function")
MAX_REQUESTS_PER_MINUTE = 1_000_000


def staging_option(name: str, value: object) -> str:
    """procedure (the procedure binds each page into an INSERT) or table_function (one INSERT … SELECT over the
    fetch table function, docs/performance.md), in any case."""
    staging = value.strip().lower() if isinstance(value, str) else None
    if staging not in STAGING_MODES:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected one of {', '.join(STAGING_MODES)}")
    return staging


@dataclass(frozen=True)
class SyncOptions:
    """Options of sync_mixpeek_collection; every field has the default a Task would want."""

    namespace: str | None = None
    partitions: int = 4
    page_size: int = 1000
    filters: dict[str, Any] | None = None
    dry_run: bool = False
    base_url: str | None = None
    overlap_seconds: int = 300
    lease_seconds: int = 3600
    include_vectors: bool = False
    redefine: bool = False
    reject_retention_days: int = 30
    staging: str = "procedure"
    requests_per_minute: int | None = None


@dataclass(frozen=True)
class SyncRequest:
    """A validated CALL of sync_mixpeek_collection; `given` holds the options the CALL named, checked."""

    collection: str
    target: TableName
    mode: str
    options: SyncOptions
    given: dict[str, Any] = field(default_factory=dict, compare=False)


OPTION_CHECKS: OptionChecks = {
    "namespace": namespace_option,
    "partitions": integer_option(1, 256),
    "page_size": integer_option(1, 1000),
    "filters": filters_option,
    "dry_run": boolean_option,
    "base_url": base_url_option,
    "overlap_seconds": integer_option(0, 7 * 86400),
    "lease_seconds": integer_option(60, 7 * 86400),
    "include_vectors": boolean_option,
    "redefine": boolean_option,
    "reject_retention_days": integer_option(1, 3650),
    "staging": staging_option,
    "requests_per_minute": integer_option(1, MAX_REQUESTS_PER_MINUTE),
}
EXAMPLE = '{"partitions": 8}'


def parse_options(options: object) -> SyncOptions:
    """Validate the options VARIANT (an object, its JSON text, or NULL) into SyncOptions."""
    return SyncOptions(**check_options(options, OPTION_CHECKS, EXAMPLE))


def parse_mode(value: object) -> str:
    """Accept incremental or full, in any case."""
    mode = value.strip().lower() if isinstance(value, str) else None
    if mode not in MODES:
        raise InvalidArgument("mode", f"{value!r} is not allowed; expected one of {', '.join(MODES)}")
    return mode


def parse_sync_request(collection_id: object, target_table: object, mode: object, options: object) -> SyncRequest:
    """Validate every argument of the procedure, in signature order."""
    collection = parse_collection(collection_id)
    target = TableName.parse(DEFAULT_TARGET if target_table is None else target_table)
    checked_mode = parse_mode("incremental" if mode is None else mode)
    given = check_options(options, OPTION_CHECKS, EXAMPLE)
    return SyncRequest(collection, target, checked_mode, SyncOptions(**given), given)


def parse_reset_request(collection_id: object, target_table: object) -> tuple[str, TableName]:
    """Validate the arguments of reset_mixpeek_sync."""
    return parse_collection(collection_id), TableName.parse(DEFAULT_TARGET if target_table is None else target_table)
