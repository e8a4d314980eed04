"""An enforced rate limit: requests beyond `per_minute` a minute are answered 429, as Mixpeek answers them.

A token bucket refilled at per_minute / 60 tokens a second, holding at most one second's worth: stricter than a
per-minute window, so a client that stays under it stays under Mixpeek's per-minute limits too.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .api import Response
from .errors import error_body

CATEGORY = "data"


class RateLimit:
    """Admits requests while tokens last; counts what it admitted and refused."""

    def __init__(self, per_minute: int, burst: float | None = None, clock: Callable[[], float] = time.monotonic):
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.burst = max(1.0, burst if burst is not None else self.rate)
        self._clock = clock
        self._tokens = self.burst
        self._at = clock()
        self._lock = threading.Lock()
        self.admitted = 0
        self.refused = 0

    def admit(self) -> float | None:
        """None when the request may go ahead, else the seconds until a token is free."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.admitted += 1
                return None
            self.refused += 1
            return (1.0 - self._tokens) / self.rate

    def refusal(self, wait: float) -> Response:
        """The 429 Mixpeek sends: Retry-After and error.details.retry_after_seconds."""
        seconds = max(1, math.ceil(wait))
        message = f"rate limit exceeded: {self.per_minute} requests per minute"
        body = error_body(429, message, "RateLimitError", details={"retryable": True, "retry_after_seconds": seconds})
        return Response(429, body, {"Retry-After": str(seconds)})
