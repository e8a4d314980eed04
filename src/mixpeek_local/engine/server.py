"""The local Snowflake engine: fakesnow's server (DuckDB) reached through a real Snowpark Session."""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import re
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mixpeek_local.engine import fixes, strict, table_functions

DEFAULT_DATABASE = "MIXPEEK"
DEFAULT_SCHEMA = "PUBLIC"
QUIET_LOGGERS = ("sqlglot", "fakesnow", "fakesnow.server", "snowflake.connector", "snowflake.snowpark")
SILENT_LOGGERS = ("uvicorn.error",)
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


class LocalEngineError(RuntimeError):
    """The local engine cannot open its folder: the message names the folder, the cause and the fix."""


def database_file(local_dir: Path, database: str = DEFAULT_DATABASE) -> Path:
    """The DuckDB file fakesnow keeps a database in under local_dir."""
    return local_dir / f"{database}.db"


def check_local_dir(local_dir: Path, database: str = DEFAULT_DATABASE) -> None:
    """Raise LocalEngineError when the database file is held by another process or is not a DuckDB database."""
    import duckdb

    path = database_file(local_dir, database)
    if not path.exists():
        return
    try:
        with contextlib.closing(duckdb.connect(str(path), read_only=True)) as connection:
            connection.execute("SELECT COUNT(*) FROM duckdb_tables()").fetchall()
    except duckdb.Error as exc:
        raise LocalEngineError(_explain(local_dir, path, str(exc))) from exc


def _explain(local_dir: Path, path: Path, reason: str) -> str:
    holder = _HOLDER.search(reason)
    if holder or "Could not set lock" in reason:
        who = f"PID {holder['pid']}, {Path(holder['program']).name}" if holder else "another process"
        return (
            f"the local engine folder {local_dir} is in use by another process ({who}): one process at a time "
            f"may open {path.name}; wait for that command to end or stop it, or use another --local-dir"
        )
    if "already attached" in reason:
        return (
            f"the local engine folder {local_dir} is already open in this process: close the other session on it "
            "first, or use another local folder"
        )
    reason = reason.removeprefix("IO Error: ").splitlines()[0]
    return (
        f"{path} in the local engine folder {local_dir} is not a readable DuckDB database ({reason}); move it "
        "aside or delete it (its local tables are lost) and run again, or use another --local-dir"
    )


def _remove_fakesnow_bucket() -> None:
    """fakesnow makes a temporary stage folder when imported; remove it when the process ends."""
    from fakesnow.transforms import stage

    if not getattr(_remove_fakesnow_bucket, "registered", False):
        atexit.register(shutil.rmtree, stage.LOCAL_BUCKET_PATH, True)
        _remove_fakesnow_bucket.registered = True  # type: ignore[attr-defined]


def _bound_socket(host: str) -> socket.socket:
    """A socket bound to a free port and kept open for the server, so no other process can take the port first.

    TCP_NODELAY is set here because asyncio sets it on accepted connections only when the listening socket's proto
    is IPPROTO_TCP (0 here): without it every answer waits on Nagle and the client's delayed ACK (about 40 ms a
    statement, measured).
    """
    sock = socket.socket(type=socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, 0))
    return sock


@contextmanager
def local_server(local_dir: Path | None = None, host: str = "127.0.0.1") -> Iterator[dict[str, Any]]:
    """Start fakesnow's server quietly in a thread; persist databases under local_dir when given.

    Yields the connection kwargs for snowflake.connector or Snowpark's Session.builder.configs.
    """
    import uvicorn
    from fakesnow.server import app

    fixes.apply()
    table_functions.install()
    _remove_fakesnow_bucket()
    warnings.filterwarnings("ignore", category=UserWarning, module="fakesnow")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in SILENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    params: dict[str, Any] = {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}
    if local_dir is not None:
        local_dir.mkdir(parents=True, exist_ok=True)
        params["FAKESNOW_DB_PATH"] = str(local_dir.resolve())
    sock = _bound_socket(host)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host=host, port=port, log_level="error", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fakesnow server", daemon=True)
    thread.start()
    while thread.is_alive() and not server.started:
        time.sleep(0.02)
    if not server.started:
        sock.close()
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
        sock.close()
        if local_dir is not None:
            _release(local_dir.resolve())


def _release(db_path: Path) -> None:
    """Close the server-side connections to the files under db_path, so this process may open them again."""
    from fakesnow.server import sessions

    for token, connection in list(sessions.items()):
        if connection.db_path is not None and Path(connection.db_path).resolve() == db_path:
            with contextlib.suppress(Exception):
                connection.close()
            sessions.pop(token, None)
    gc.collect()


def open_session(kwargs: dict[str, Any], database: str = DEFAULT_DATABASE, schema: str = DEFAULT_SCHEMA) -> Any:
    """A Snowpark Session on the local server, with the database and schema created and in use, seen through the
    strict engine (a StrictSession for the caller the environment describes) unless MIXPEEK_STRICT_ENGINE=0."""
    from snowflake.snowpark import Session

    session = Session.builder.configs({**kwargs, "database": database, "schema": schema}).create()
    session.sql(f'CREATE DATABASE IF NOT EXISTS "{database}"').collect()
    session.sql(f'CREATE SCHEMA IF NOT EXISTS "{database}"."{schema}"').collect()
    session.sql(f'USE SCHEMA "{database}"."{schema}"').collect()
    return strict.from_environment(session)


@contextmanager
def local_session(local_dir: Path | None = None, database: str = DEFAULT_DATABASE) -> Iterator[Any]:
    """A Snowpark Session on a fresh local server (see local_server); a busy or corrupt folder is one clear error."""
    if local_dir is not None:
        check_local_dir(local_dir, database)
    with local_server(local_dir) as kwargs:
        try:
            session = open_session(kwargs, database)
        except Exception:
            if local_dir is not None:
                check_local_dir(local_dir, database)
            raise
        try:
            yield session
        finally:
            close_session(session)


def close_session(session: Any) -> None:
    """Close a local session for good.

    Session.close() runs SYSTEM$CANCEL_ALL_QUERIES, which fakesnow lacks, so the connection never counts as
    closed and Snowpark's exit hook would retry against the stopped server; close it and drop the hook.
    """
    session = strict.unwrapped(session)
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
