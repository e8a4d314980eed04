"""The local Snowflake engine: fakesnow's server (DuckDB) reached through a real Snowpark Session."""

from __future__ import annotations

import atexit
import contextlib
import logging
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mixpeek_local.engine import fixes

DEFAULT_DATABASE = "MIXPEEK"
DEFAULT_SCHEMA = "PUBLIC"
QUIET_LOGGERS = ("sqlglot", "fakesnow", "fakesnow.server", "snowflake.connector", "snowflake.snowpark")


def _free_port(host: str) -> int:
    with contextlib.closing(socket.socket(type=socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextmanager
def local_server(local_dir: Path | None = None, host: str = "127.0.0.1") -> Iterator[dict[str, Any]]:
    """Start fakesnow's server quietly in a thread; persist databases under local_dir when given.

    Yields the connection kwargs for snowflake.connector or Snowpark's Session.builder.configs.
    """
    import fakesnow.server
    import uvicorn

    fixes.apply()
    warnings.filterwarnings("ignore", category=UserWarning, module="fakesnow")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    params: dict[str, Any] = {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}
    if local_dir is not None:
        local_dir.mkdir(parents=True, exist_ok=True)
        params["FAKESNOW_DB_PATH"] = str(local_dir.resolve())
    port = _free_port(host)
    config = uvicorn.Config(fakesnow.server.app, host=host, port=port, log_level="error", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fakesnow server", daemon=True)
    thread.start()
    while thread.is_alive() and not server.started:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the local Snowflake engine (fakesnow) did not start")
    try:
        yield {
            "user": "fake",
            "password": "snow",
            "account": "fakesnow",
            "host": host,
            "port": port,
            "protocol": "http",
            "session_parameters": params,
            "network_timeout": 1,
        }
    finally:
        server.should_exit = True
        thread.join()


def open_session(kwargs: dict[str, Any], database: str = DEFAULT_DATABASE, schema: str = DEFAULT_SCHEMA) -> Any:
    """A Snowpark Session on the local server, with the database and schema created and in use."""
    from snowflake.snowpark import Session

    session = Session.builder.configs({**kwargs, "database": database, "schema": schema}).create()
    session.sql(f'CREATE DATABASE IF NOT EXISTS "{database}"').collect()
    session.sql(f'CREATE SCHEMA IF NOT EXISTS "{database}"."{schema}"').collect()
    session.sql(f'USE SCHEMA "{database}"."{schema}"').collect()
    return session


@contextmanager
def local_session(local_dir: Path | None = None, database: str = DEFAULT_DATABASE) -> Iterator[Any]:
    """A Snowpark Session on a fresh local server (see local_server)."""
    with local_server(local_dir) as kwargs:
        session = open_session(kwargs, database)
        try:
            yield session
        finally:
            close_session(session)


def close_session(session: Any) -> None:
    """Close a local session for good.

    Session.close() runs SYSTEM$CANCEL_ALL_QUERIES, which fakesnow lacks, so the connection never counts as
    closed and Snowpark's exit hook would retry against the stopped server; close it and drop the hook.
    """
    atexit.unregister(session._close_at_exit)
    with contextlib.suppress(Exception):
        session.close()
    with contextlib.suppress(Exception):
        session.connection.close()


@contextmanager
def target_session(local_dir: Path, connection: str | None = None) -> Iterator[Any]:
    """A session on a real account (a Snowflake CLI connection name) or on the local engine under local_dir."""
    if connection is None:
        with local_session(local_dir) as session:
            yield session
        return
    from snowflake.snowpark import Session

    session = Session.builder.config("connection_name", connection).create()
    try:
        yield session
    finally:
        session.close()
