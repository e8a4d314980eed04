"""A session whose statements finish before Ctrl-C or SIGTERM lands: the local engine runs in this process.

fakesnow's server is a thread of the CLI's own process. A signal raised while a statement is in flight interrupts
only the client: the server thread goes on executing it, so the run's clean-up could run before its staging INSERT
and find nothing to delete. Blocking SIGINT and SIGTERM while a statement is collected delivers them the moment it
ends, between two statements, as a cancelled CALL on Snowflake never stops half way through one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

STOPPING = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (main thread only; other threads never receive them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class UninterruptedResult:
    """A statement's result whose collect() is not cut short by a signal."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def collect(self) -> list[Any]:
        with signals_held():
            return list(self._result.collect())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


class UninterruptedSession:
    """The session with every statement run to its end before a stopping signal is delivered."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def sql(self, query: str, params: Sequence[Any] | None = None) -> UninterruptedResult:
        return UninterruptedResult(self.session.sql(query, params=params))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)
