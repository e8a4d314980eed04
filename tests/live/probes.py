"""Small helpers for the live semantics tests: Snowpark sessions as a deployment role, probe procedures."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from live.deployment import ROOT, SNOW, Deployment


@contextmanager
def session_as(deployment: Deployment, role: str = "owner_role", **parameters: Any) -> Iterator[Any]:
    """A Snowpark session on the deployment's connection: one of its roles, its schema, the given session parameters."""
    from snowflake.snowpark import Session

    session = Session.builder.config("connection_name", deployment.connection).create()
    try:
        session.use_role(deployment.env[role])
        session.use_warehouse(deployment.env["warehouse"])
        session.use_schema(f"{deployment.env['database']}.{deployment.env['schema']}")
        for name, value in parameters.items():
            literal = value if isinstance(value, bool | int) else "'" + str(value).replace("'", "''") + "'"
            session.sql(f"ALTER SESSION SET {name} = {literal}").collect()
        yield session
    finally:
        session.close()


def qualified(deployment: Deployment, name: str) -> str:
    """DATABASE.SCHEMA.NAME of an object of the deployment."""
    return f"{deployment.env['database']}.{deployment.env['schema']}.{name}"


def create_probe(session: Any, deployment: Deployment, name: str, arguments: str, body: str) -> str:
    """An owner's-rights Python procedure `run(session, …)` returning VARIANT; its qualified name."""
    procedure = qualified(deployment, name)
    session.sql(
        f"CREATE OR REPLACE PROCEDURE {procedure}({arguments}) RETURNS VARIANT LANGUAGE PYTHON "
        "RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' "
        f"EXECUTE AS OWNER AS $$\n{body}\n$$"
    ).collect()
    return procedure


def call_value(session: Any, call: str) -> Any:
    """The VARIANT a CALL returns, decoded."""
    value = session.sql(f"CALL {call}").collect()[0][0]
    return json.loads(value) if isinstance(value, str) else value


def run_sql_file(deployment: Deployment, file: str, *variables: str) -> subprocess.CompletedProcess[str]:
    """`snow sql -f sql/FILE` with the deployment's names, as the Makefile runs it."""
    command = [SNOW, "sql", "-f", f"sql/{file}", "--connection", deployment.connection]
    for variable in variables:
        command += ["-D", variable]
    env = {**os.environ, **deployment.env}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
