"""A requests-per-minute budget: requests spaced evenly, and a budget split across partitions, so a wide fan-out
stays under Mixpeek's per-minute rate limit instead of turning into a storm of 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from mixpeek_snowflake.errors import InvalidArgument

RATE_CATEGORY = "data"
MAX_REQUESTS_PER_MINUTE = 1_000_000


class RequestBudget:
    """At most per_minute requests a minute, one every 60 / per_minute seconds; the first at start + offset.

    Thread-safe: the procedure's listing threads share one budget, each partition of the table function has its own.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        offset: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(per_minute, bool) or not isinstance(per_minute, int | float) or not per_minute > 0:
            raise InvalidArgument("requests_per_minute", f"expected a positive number, got {per_minute!r}")
        self.per_minute = float(per_minute)
        self.interval = 60.0 / self.per_minute
        self._clock = clock
        self._sleep = sleep
        self._next = clock() + max(0.0, offset)
        self._lock = threading.Lock()
        self.waited = 0.0

    def take(self) -> float:
        """Wait for the next slot; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            wait = slot - now
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait


def partition_share(per_minute: float, partitions: int) -> float:
    """Each partition's budget when partitions list at once under one per_minute limit."""
    return per_minute / max(1, partitions)


def partition_offset(per_minute: float, index: int) -> float:
    """Where partition index takes its first request, so the partitions' first requests do not arrive at once."""
    return index * 60.0 / per_minute


def for_partition(per_minute: float, index: int, partitions: int) -> RequestBudget:
    """The budget of one partition of partitions sharing per_minute, its first request staggered by its index."""
    return RequestBudget(partition_share(per_minute, partitions), offset=partition_offset(per_minute, index))


def rate_from_me(me: Any, category: str = RATE_CATEGORY) -> int | None:
    """The per-minute limit of a category in a GET /v1/me answer (rate_limits), or None when it states none."""
    limits = me.get("rate_limits") if isinstance(me, dict) else None
    value = limits.get(category) if isinstance(limits, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_REQUESTS_PER_MINUTE:
        return None
    return value
