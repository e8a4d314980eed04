"""Error types the bundle raises: each message says what failed and what to do about it."""

from __future__ import annotations

MAX_DETAIL_CHARS = 500


def truncate(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """Shorten text for an error message, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


class MixpeekSnowflakeError(Exception):
    """Base class of every error the bundle raises on purpose."""


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
