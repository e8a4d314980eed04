"""The app's one seam to Snowflake: the session, the roles it holds, CALLs to procedures, the search function."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mixpeek_app import config, queries


@dataclass(frozen=True)
class Access:
    """What the session may do, as its active roles say (IS_ROLE_IN_SESSION)."""

    operate: bool
    search: bool


class Backend(Protocol):
    """A Snowpark session with the bundle's procedures and search function behind it."""

    @property
    def session(self) -> Any: ...

    @property
    def defaults(self) -> dict[str, str]: ...

    def query(self, statement: queries.Statement) -> list[dict[str, Any]]: ...

    def call(self, procedure: str, args: Sequence[Any]) -> Any: ...

    def search(self, retriever: str, query: str, limit: int) -> list[dict[str, Any]]: ...


def decoded(value: Any) -> Any:
    """A VARIANT as Snowpark returns it (JSON text) decoded; anything else unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def search_row(row: dict[str, Any]) -> dict[str, Any]:
    """A mixpeek_search row with METADATA and DOCUMENT as objects."""
    return {**row, "METADATA": decoded(row.get("METADATA")), "DOCUMENT": decoded(row.get("DOCUMENT"))}


@dataclass
class SnowflakeBackend:
    """Inside Snowflake: the app's session; procedures and the search function are the deployed bundle's."""

    session: Any
    defaults: dict[str, str] = field(default_factory=dict)
    _bundle: queries.Bundle | None = None

    def bundle(self) -> queries.Bundle:
        if self._bundle is None:
            self._bundle = queries.bundle_of(self.query(queries.context()))
        return self._bundle

    def query(self, statement: queries.Statement) -> list[dict[str, Any]]:
        return queries.run(self.session, statement)

    def call(self, procedure: str, args: Sequence[Any]) -> Any:
        rows = queries.run(self.session, queries.call(self.bundle(), procedure, args))
        return decoded(next(iter(rows[0].values()))) if rows else None

    def search(self, retriever: str, query: str, limit: int) -> list[dict[str, Any]]:
        statement = queries.search(self.bundle(), retriever, query, limit)
        return [search_row(row) for row in queries.run(self.session, statement)]


@dataclass
class LockedBackend:
    """A backend shared by several script threads (the local app): one statement at a time."""

    inner: Backend
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def session(self) -> Any:
        return self.inner.session

    @property
    def defaults(self) -> dict[str, str]:
        return self.inner.defaults

    def query(self, statement: queries.Statement) -> list[dict[str, Any]]:
        with self.lock:
            return self.inner.query(statement)

    def call(self, procedure: str, args: Sequence[Any]) -> Any:
        with self.lock:
            return self.inner.call(procedure, args)

    def search(self, retriever: str, query: str, limit: int) -> list[dict[str, Any]]:
        with self.lock:
            return self.inner.search(retriever, query, limit)


_provider: list[Callable[[], Backend]] = []


def install(provider: Callable[[], Backend] | None) -> None:
    """Serve the app from provider (the local app and the tests); None goes back to Snowflake's session."""
    _provider.clear()
    if provider is not None:
        _provider.append(provider)


def current() -> Backend:
    """The installed backend, or the session Snowflake gives a Streamlit app."""
    if _provider:
        return _provider[0]()
    from snowflake.snowpark.context import get_active_session

    return SnowflakeBackend(get_active_session())


def access(backend: Backend) -> Access:
    """Whether the session may operate targets and may search, from the roles it holds."""
    row = backend.query(queries.roles_in_session((config.OPERATOR_ROLE, config.SEARCH_ROLE)))[0]
    return Access(operate=bool(row["R0"]), search=bool(row["R1"]))


def bundle(backend: Backend) -> queries.Bundle:
    """The bundle schema the backend's session is in."""
    return queries.bundle_of(backend.query(queries.context()))


def existing(backend: Backend) -> set[str]:
    """Names of the bundle schema's tables and views this session can see."""
    return {row["TABLE_NAME"].upper() for row in backend.query(queries.objects(bundle(backend)))}
