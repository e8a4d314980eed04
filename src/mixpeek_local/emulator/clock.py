"""A logical clock whose ISO-8601 timestamps sort lexically in time order and only move forward."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
DEFAULT_START = "2026-01-05T09:00:00.000000Z"
MIN_STEP = timedelta(milliseconds=1)


def format_timestamp(moment: datetime) -> str:
    """Render a datetime as the emulator's fixed UTC format, e.g. 2026-03-01T12:00:00.123456Z."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 string (with Z or an offset, or naive meaning UTC) into an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LogicalClock:
    """Hands out strictly increasing timestamps, at least one millisecond apart."""

    def __init__(self, start: str = DEFAULT_START, lock: AbstractContextManager[Any] | None = None) -> None:
        self._now = parse_timestamp(start)
        self._lock = lock or threading.RLock()

    def now(self) -> str:
        """The current time, without advancing."""
        with self._lock:
            return format_timestamp(self._now)

    def tick(self, step: timedelta = MIN_STEP) -> str:
        """Advance by `step` (never less than 1 ms) and return the new time."""
        with self._lock:
            self._now += max(step, MIN_STEP)
            return format_timestamp(self._now)
