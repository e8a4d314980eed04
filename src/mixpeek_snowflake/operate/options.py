"""Arguments of the target procedures: the pair, the schedule classes, the options each scheduled sync is given."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mixpeek_snowflake.arguments import decode_object, parse_collection
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName

HOURLY_INCREMENTAL = "hourly_incremental"
DAILY_FULL = "daily_full"
SCHEDULES = {HOURLY_INCREMENTAL: ("incremental", 3600), DAILY_FULL: ("full", 86400)}
DEFAULT_SCHEDULE = f"{HOURLY_INCREMENTAL},{DAILY_FULL}"
TARGET_KEYS = ("schedule", "stale_after_seconds")
MAX_STALE_SECONDS = 366 * 86400
MAX_REASON_CHARS = 1000
_RUN_ID = re.compile(r"run_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{8}")
EXAMPLE = '{"namespace": "ns_abc", "schedule": "hourly_incremental"}'

SyncCheck = Callable[[str, str, dict[str, Any]], None]
"""Refuses sync options (collection, target, options) the way sync_mixpeek_collection would."""


@dataclass(frozen=True)
class TargetRequest:
    """A validated call of add_mixpeek_target or change_mixpeek_target."""

    collection: str
    target: TableName
    sync_options: dict[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    stale_after_seconds: int | None = None
    given: frozenset[str] = frozenset()


def parse_schedule(value: object) -> str:
    """hourly_incremental, daily_full, or both (a list, or the names joined by a comma) in that order."""
    names = value if isinstance(value, list) else value.split(",") if isinstance(value, str) else None
    wanted = {str(name).strip() for name in names or []}
    if not names or not wanted or not wanted <= set(SCHEDULES):
        raise InvalidArgument(
            "option schedule",
            f"{value!r} is not allowed; expected {HOURLY_INCREMENTAL}, {DAILY_FULL} or both "
            f'(["{HOURLY_INCREMENTAL}", "{DAILY_FULL}"])',
        )
    return ",".join(name for name in SCHEDULES if name in wanted)


def schedule_classes(schedule: str) -> list[str]:
    """The classes a stored SCHEDULE value names, in canonical order."""
    return [name for name in SCHEDULES if name in schedule.split(",")]


def _stale_after(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 60 <= value <= MAX_STALE_SECONDS:
        raise InvalidArgument(
            "option stale_after_seconds", f"{value!r} is not allowed; expected an integer 60 to {MAX_STALE_SECONDS}"
        )
    return value


def parse_pair(collection_id: object, target_table: object) -> tuple[str, TableName]:
    """The collection id and the target table as given (qualified later in the procedure's schema)."""
    return parse_collection(collection_id), TableName.parse(target_table, "target_table")


def parse_target_request(
    collection_id: object, target_table: object, options: object, check_sync: SyncCheck
) -> TargetRequest:
    """Validate the pair and the options: schedule and stale_after_seconds for the target, the rest for its syncs."""
    collection, target = parse_pair(collection_id, target_table)
    decoded = decode_object(options, "options", EXAMPLE)
    if decoded is None:
        decoded = {}
    if not isinstance(decoded, Mapping):
        raise InvalidArgument("options", f"expected an object such as {EXAMPLE}, not {decoded!r}")
    given = dict(decoded)
    schedule = parse_schedule(given["schedule"]) if given.get("schedule") is not None else None
    stale = _stale_after(given["stale_after_seconds"]) if given.get("stale_after_seconds") is not None else None
    sync_options = {k: v for k, v in given.items() if k not in TARGET_KEYS}
    check_sync(collection, target.display, {k: v for k, v in sync_options.items() if v is not None})
    return TargetRequest(collection, target, sync_options, schedule, stale, frozenset(given))


def parse_reason(value: object) -> str:
    """Why a target is paused: 1 to 1000 printable characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON_CHARS or not value.isprintable():
        raise InvalidArgument("reason", f"expected why the target is paused, 1 to {MAX_REASON_CHARS} characters")
    return value.strip()


def parse_run_id(value: object) -> str:
    """A sync run id such as run_20260101T120000Z_1a2b3c4d (the LEASE_RUN_ID mixpeek-snowflake status shows)."""
    if not isinstance(value, str) or not _RUN_ID.fullmatch(value):
        raise InvalidArgument(
            "run_id", f"{value!r} is not allowed; expected a run id such as run_20260101T120000Z_1a2b3c4d"
        )
    return value
