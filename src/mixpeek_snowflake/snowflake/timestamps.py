"""Timestamps as the tables hold them: naive UTC, written as text Snowflake casts and Mixpeek's ISO form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

SQL_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"


def parse_timestamp(value: object) -> datetime | None:
    """An ISO-8601 string as naive UTC, or None when missing or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return parsed


def format_timestamp(value: datetime | None) -> str | None:
    """Naive UTC datetime as text Snowflake casts to TIMESTAMP_NTZ."""
    return value.isoformat(sep=" ", timespec="microseconds") if value else None


def format_watermark(value: datetime) -> str:
    """Naive UTC datetime in the ISO form Mixpeek stores in _internal.updated_at."""
    return value.isoformat(timespec="microseconds") + "Z"


def utc_now() -> datetime:
    """The current time as naive UTC, the convention of every TIMESTAMP_NTZ column."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(prefix: str, now: datetime) -> str:
    """A sortable, unique run id: prefix, time to the second, 8 random hex digits (run_20260101T120000Z_1a2b3c4d)."""
    return f"{prefix}_{now:%Y%m%dT%H%M%SZ}_{uuid.uuid4().hex[:8]}"


def to_timestamp_ntz(expression: str) -> str:
    """SQL turning format_timestamp's text into TIMESTAMP_NTZ with an explicit format, whatever the caller's
    TIMESTAMP_INPUT_FORMAT (https://docs.snowflake.com/en/sql-reference/functions/to_timestamp)."""
    return f"TO_TIMESTAMP_NTZ({expression}, '{SQL_FORMAT}')"


BOUND_TIMESTAMP = to_timestamp_ntz("?")
