"""Error types the bundle raises: each message says what failed and what to do about it."""

from __future__ import annotations

import re

MAX_DETAIL_CHARS = 500
MIN_FRAGMENT = 8
REDACTED = "[redacted]"


def truncate(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """Shorten text for an error message, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def redact_fragments(text: str, secret: str, minimum: int = MIN_FRAGMENT) -> str:
    """Text with every run of `minimum` or more characters that also occurs in `secret` (any case) redacted."""
    if not text or not secret:
        return text
    if len(secret) < minimum:
        return re.sub(re.escape(secret), REDACTED, text, flags=re.IGNORECASE)
    folded, key = text.lower(), secret.lower()
    grams = {key[i : i + minimum] for i in range(len(key) - minimum + 1)}
    spans: list[tuple[int, int]] = []
    i = 0
    while i <= len(folded) - minimum:
        if folded[i : i + minimum] not in grams:
            i += 1
            continue
        end = i + minimum
        while end < len(folded) and folded[i : end + 1] in key:
            end += 1
        spans.append((i, end))
        i = end
    return _replace(text, spans)


_PROTECTED: list[str] = []
MAX_PROTECTED = 1


def protect(secret: str) -> None:
    """Remember the latest client's API key: every bundle error and log record from now on redacts its fragments."""
    if secret and secret not in _PROTECTED:
        _PROTECTED.append(secret)
        del _PROTECTED[:-MAX_PROTECTED]


def redact_secrets(text: str) -> str:
    """Text with every 8+ character fragment of each protected secret redacted."""
    for secret in _PROTECTED:
        text = redact_fragments(text, secret)
    return text


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], REDACTED]
        last = end
    return "".join([*parts, text[last:]])


class MixpeekSnowflakeError(Exception):
    """Base class of every error the bundle raises on purpose; its text never holds a fragment of the API key."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_secrets(a) if isinstance(a, str) else a for a in args))


class InvalidArgument(MixpeekSnowflakeError, ValueError):
    """An argument or option was refused before any request or statement ran."""

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        self.problem = problem
        super().__init__(f"invalid {argument}: {problem}")


class MixpeekAPIError(MixpeekSnowflakeError):
    """Mixpeek answered with an error status (after any retries)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str = "",
        path: str = "",
        error_type: str = "",
        retryable: bool = False,
        hint: str = "",
    ) -> None:
        self.status = status
        self.message = truncate(message)
        self.method = method
        self.path = path
        self.error_type = error_type
        self.retryable = retryable
        self.hint = hint
        where = f" on {method} {path}" if method else ""
        kind = f" {error_type}" if error_type else ""
        tail = f" ({hint})" if hint else ""
        super().__init__(f"Mixpeek API error {status}{kind}{where}: {self.message}{tail}")


class MixpeekTransportError(MixpeekSnowflakeError):
    """Mixpeek could not be reached or sent an unreadable answer, and retries ran out."""


class PaginationLoopError(MixpeekSnowflakeError):
    """The API returned a cursor it had already returned: paging on would never end."""


class SyncConflict(MixpeekSnowflakeError):
    """Another sync of the same collection into the same table holds the lease."""
