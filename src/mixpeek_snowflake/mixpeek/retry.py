"""Retry timing and classification for Mixpeek requests: which failures to retry and how long to wait."""

from __future__ import annotations

import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

TRANSIENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts one request gets and how long to wait between them."""

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 30.0
    budget: float = 180.0
    unreachable_attempts: int = 3

    def wait_for(self, attempt: int, hint: float | None) -> float:
        """Return the wait after failed attempt number `attempt` (from 1): the hint, else backoff, capped."""
        if hint is not None:
            return min(max(hint, 0.0), self.max_delay)
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def next_wait(self, attempt: int, hint: float | None, waited: float, unreachable: bool = False) -> float | None:
        """Return the wait before another attempt, or None when attempts or the wait budget are spent.

        A host that refused the connection or has no address gets `unreachable_attempts` only: nothing listens
        there, so a long wait would only hide the mistake.
        """
        if attempt >= (min(self.max_attempts, self.unreachable_attempts) if unreachable else self.max_attempts):
            return None
        wait = self.wait_for(attempt, hint)
        if waited + wait > self.budget:
            return None
        return wait


def is_retryable_status(status: int) -> bool:
    """Return True for statuses worth another attempt: 429 and every 5xx."""
    return status == 429 or 500 <= status <= 599


def error_details(body: Any) -> Mapping[str, Any]:
    """Return `error.details` of an error body, or the legacy `detail.error.details`, or an empty mapping."""
    if not isinstance(body, Mapping):
        return {}
    error = body.get("error")
    if not isinstance(error, Mapping):
        detail = body.get("detail")
        error = detail.get("error") if isinstance(detail, Mapping) else None
    details = error.get("details") if isinstance(error, Mapping) else None
    return details if isinstance(details, Mapping) else {}


def error_fields(body: Any) -> tuple[str, str]:
    """Return (message, type) from an ErrorResponse body or its legacy/FastAPI shapes."""
    if not isinstance(body, Mapping):
        return "", ""
    error = body.get("error")
    detail = body.get("detail")
    if not isinstance(error, Mapping) and isinstance(detail, Mapping):
        error = detail.get("error")
    if isinstance(error, Mapping):
        return str(error.get("message") or ""), str(error.get("type") or "")
    if isinstance(detail, str):
        return detail, ""
    return "", ""


def status_is_retryable(status: int, body: Any) -> bool:
    """Return True when the status is transient and the body does not say `retryable: false`."""
    return is_retryable_status(status) and error_details(body).get("retryable") is not False


def parse_seconds(value: Any) -> float | None:
    """Return a finite, non-negative number of seconds from a header or body value, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_hint(headers: Mapping[str, str], body: Any) -> float | None:
    """Return the server's wait hint: `Retry-After` seconds first, then `retry_after_seconds` in the body."""
    header = parse_seconds(headers.get("Retry-After"))
    if header is not None:
        return header
    return parse_seconds(error_details(body).get("retry_after_seconds"))


def unreachable_reason(exc: BaseException) -> str | None:
    """Why nothing answered at the address, when exc (or what caused it) says so: a refusal or an unknown host."""
    pending, seen = [exc], set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, socket.gaierror):
            return "host name not found"
        linked = (error.__cause__, error.__context__, getattr(error, "reason", None), *error.args)
        pending += [link for link in linked if isinstance(link, BaseException)]
    return None
