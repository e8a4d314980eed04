"""The emulator's clock: ISO-8601 timestamps that sort lexically in time order, only move forward, and fall as far
apart as a real collection's changes do (seconds mostly, minutes often, hours now and then)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
MIN_STEP = timedelta(milliseconds=1)
START_AGE = timedelta(days=180)
GAPS = ((0.6, 0.05, 120.0), (0.3, 120.0, 3600.0), (0.1, 3600.0, 6 * 3600.0))


def format_timestamp(moment: datetime) -> str:
    """Render a datetime as the emulator's fixed UTC format, e.g. 2026-03-01T12:00:00.123456Z."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 string (with Z or an offset, or naive meaning UTC) into an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_start(now: datetime | None = None) -> str:
    """Midnight UTC, START_AGE before now: the seeded history and the changes of any test or soak stay in the
    machine clock's past (as a real collection's do), whatever the machine's date."""
    moment = (now or datetime.now(UTC)) - START_AGE
    return format_timestamp(moment.replace(hour=0, minute=0, second=0, microsecond=0))


class Pace:
    """The gap before each change: 60 % within two minutes, 30 % up to an hour, 10 % up to six hours (about 28
    minutes on average), from a seeded stream so a run repeats. Most consecutive changes fall further apart than
    the sync's 300 s overlap window."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def gap(self) -> timedelta:
        """The time until the next change."""
        roll, floor = self._rng.random(), 0.0
        for share, low, high in GAPS:
            floor += share
            if roll < floor:
                return timedelta(seconds=self._rng.uniform(low, high))
        return timedelta(seconds=GAPS[-1][2])


class LogicalClock:
    """Hands out strictly increasing timestamps: each tick a Pace gap later, or a given step (at least 1 ms)."""

    def __init__(
        self, start: str | None = None, lock: AbstractContextManager[Any] | None = None, pace: Pace | None = None
    ) -> None:
        self._now = parse_timestamp(start or default_start())
        self._lock = lock or threading.RLock()
        self._pace = pace or Pace()
        self._step: timedelta | None = None

    def now(self) -> str:
        """The current time, without advancing."""
        with self._lock:
            return format_timestamp(self._now)

    def tick(self, step: timedelta | None = None) -> str:
        """Advance by `step` (never less than 1 ms), or by the pace's next gap, and return the new time."""
        with self._lock:
            gap = step if step is not None else self._step or self._pace.gap()
            self._now += max(gap, MIN_STEP)
            return format_timestamp(self._now)

    @contextmanager
    def steady(self, step: timedelta) -> Iterator[None]:
        """Within the block, every tick without a step advances by `step`: changes that happen during one listing,
        seconds apart as in a real collection."""
        with self._lock:
            before, self._step = self._step, step
        try:
            yield
        finally:
            with self._lock:
                self._step = before
