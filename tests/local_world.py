"""Shared by the suites that run the real handlers: fresh databases, the emulator as Mixpeek, no sleeps."""

from __future__ import annotations

import functools
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

from mixpeek_local.emulator import Emulator, Store
from mixpeek_local.engine import strict
from mixpeek_local.engine.server import close_session, open_session
from mixpeek_local.engine.strict import Caller
from mixpeek_snowflake import procedures
from mixpeek_snowflake.mixpeek.client import MixpeekClient

T = TypeVar("T")


@contextmanager
def fresh_session(engine: dict[str, Any], prefix: str) -> Iterator[Any]:
    """A Snowpark Session on a database of its own, named prefix_<random>, closed afterwards."""
    session = open_session(engine, database=f"{prefix}_{uuid.uuid4().hex[:10].upper()}")
    try:
        yield session
    finally:
        close_session(session)


def point_handlers_at(monkeypatch: pytest.MonkeyPatch, base_url: str, api_key: str, namespace: str) -> None:
    """Set the environment the handlers read their Mixpeek base URL, key and namespace from."""
    monkeypatch.setenv("MIXPEEK_API_KEY", api_key)
    monkeypatch.setenv("MIXPEEK_BASE_URL", base_url)
    monkeypatch.setenv("MIXPEEK_NAMESPACE", namespace)


@contextmanager
def serving(store: Store, monkeypatch: pytest.MonkeyPatch, api_key: str, namespace: str) -> Iterator[Emulator]:
    """The emulator over store, with the handlers pointed at it."""
    with Emulator(store, api_key=api_key) as emulator:
        point_handlers_at(monkeypatch, emulator.base_url, api_key, namespace)
        yield emulator


def never_sleeping(monkeypatch: pytest.MonkeyPatch, waits: list[float], **client_kwargs: Any) -> list[float]:
    """Make the handlers' client record its retry waits in waits instead of sleeping (with extra arguments)."""
    factory = functools.partial(MixpeekClient, sleep=waits.append, **client_kwargs)
    monkeypatch.setattr(procedures, "MixpeekClient", factory)
    return waits


HELD_PORTS: list[socket.socket] = []


def closed_port() -> int:
    """A loopback port nothing listens on: bound and never listened on, and held so for the rest of the test run,
    so no other server can take it while a test expects a refused connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    HELD_PORTS.append(sock)
    return sock.getsockname()[1]


def call(
    handler: Callable[..., T],
    session: Any,
    *args: Any,
    caller: Caller | None = None,
    home: tuple[str, str] | None = None,
    **kwargs: Any,
) -> T:
    """CALL a handler as Snowflake runs it: through the strict engine (unless MIXPEEK_STRICT_ENGINE=0), in the
    procedure's home schema (default: the session's current one, where the test deployed it) and for `caller`
    (default: the caller MIXPEEK_STRICT_* describes). Every end-to-end test calls its handlers through this."""
    if not strict.enabled():
        return handler(session, *args, **kwargs)
    caller = caller or strict.caller_from_environment()
    return strict.call(handler, session, *args, caller=caller, home=home, **kwargs)


def _called(name: str) -> Callable[..., Any]:
    def handler(session: Any, *args: Any, **kwargs: Any) -> Any:
        return call(getattr(procedures, name), session, *args, **kwargs)

    handler.__name__ = name
    handler.__doc__ = f"CALL {name} through the strict engine (local_world.call)."
    return handler


sync_mixpeek_collection = _called("sync_mixpeek_collection")
refresh_mixpeek_labels = _called("refresh_mixpeek_labels")
reset_mixpeek_sync = _called("reset_mixpeek_sync")
enrich_mixpeek_documents = _called("enrich_mixpeek_documents")
create_mixpeek_views = _called("create_mixpeek_views")
