"""Injectable faults: error statuses, redirects, dropped, truncated or dripped replies, bad JSON, delays, loops."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .errors import default_type, error_body

KINDS = ("status", "redirect", "drop", "truncate", "invalid_json", "delay", "repeat_cursor", "drip")
WRITE_METHODS = ("PATCH", "PUT", "DELETE")


@dataclass
class Fault:
    """One fault, applied to `times` requests whose path contains `path_contains`, after letting `after` pass.

    `message` replaces a status fault's error message; a redirect fault answers `status` (3xx) to `location`;
    a drip fault sends the real answer `drip_bytes` at a time, `delay` seconds apart (a slow-drip body).
    """

    kind: str
    path_contains: str = "/documents/list"
    times: int = 1
    status: int = 503
    retry_after: float | None = None
    retry_after_body: float | None = None
    retryable: bool | None = None
    delay: float = 0.0
    error_type: str | None = None
    code: str | None = None
    after: int = 0
    message: str | None = None
    location: str | None = None
    drip_bytes: int = 16

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.after < 0:
            raise ValueError("after must be 0 or more")
        if self.drip_bytes < 1:
            raise ValueError("drip_bytes must be at least 1")
        if self.kind == "redirect" and not (300 <= self.status < 400 and self.location):
            raise ValueError("a redirect fault needs a 3xx status and a location")

    def error_response(self, method: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The ErrorResponse body and headers a status fault answers with."""
        details: dict[str, Any] = {}
        if self.retryable is not None:
            details["retryable"] = self.retryable
        if self.retry_after_body is not None:
            details["retry_after_seconds"] = self.retry_after_body
        error_type = self.error_type or _status_type(self.status, method)
        message = self.message or (
            f"Injected fault: the emulator answered {self.status} {error_type} without doing the work."
        )
        headers = {"Retry-After": _seconds(self.retry_after)} if self.retry_after is not None else {}
        return error_body(self.status, message, error_type, self.code, details or None), headers


def _status_type(status: int, method: str) -> str:
    if status == 503 and method in WRITE_METHODS:
        return "WriterReadOnlyError"
    return default_type(status)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class FaultQueue:
    """Queued faults, consumed in order by matching requests; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._repeat_next: str | None = None
        self.applied: Counter[str] = Counter()

    def add(self, fault: Fault) -> None:
        """Queue a fault (a copy, so the caller's object is not used up)."""
        with self._lock:
            self._faults.append(Fault(**vars(fault)))

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()
            self._repeat_next = None

    def pending(self) -> list[Fault]:
        """Copies of the faults still queued."""
        with self._lock:
            return [Fault(**vars(f)) for f in self._faults]

    @property
    def repeat_pending(self) -> bool:
        """Whether a first-page repeat_cursor fault waits for its follow-up request."""
        with self._lock:
            return self._repeat_next is not None

    def take(self, path: str) -> Fault | None:
        """The first queued fault matching `path`, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in path:
                    if fault.after:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    self.applied[fault.kind] += 1
                    return fault
        return None

    def repeat_cursor(self, body: dict[str, Any], request_cursor: str | None, armed: bool) -> dict[str, Any]:
        """Rewrite pagination.next_cursor so the client sees a cursor loop."""
        pagination = body.get("pagination")
        if not isinstance(pagination, dict):
            return body
        with self._lock:
            if armed and request_cursor is None:
                self._repeat_next = pagination.get("next_cursor")
                return body
            if armed or (request_cursor is not None and request_cursor == self._repeat_next):
                self._repeat_next = None
                return {**body, "pagination": {**pagination, "next_cursor": request_cursor}}
        return body
