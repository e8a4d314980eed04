"""The roles a local session holds: IS_ROLE_IN_SESSION on the local engine, which fakesnow does not have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mixpeek_app import config
from mixpeek_snowflake.snowflake.identifiers import validate_part

# Who may do what, as sql/00_roles.sql and sql/90_grants.sql grant it (the hierarchy included).
AUDIENCES: dict[str, tuple[str, ...]] = {
    "operator": (config.OPERATOR_ROLE, config.SEARCH_ROLE, config.READER_ROLE),
    "searcher": (config.SEARCH_ROLE, config.READER_ROLE),
    "reader": (config.READER_ROLE,),
}


def hold_roles(session: Any, roles: Sequence[str]) -> None:
    """Make IS_ROLE_IN_SESSION(name) true for exactly these roles in this local session.

    fakesnow passes the unknown function to DuckDB, so a temporary macro on the session's own DuckDB connection
    answers it; the app's role check then runs the very statement it runs in Snowflake.
    """
    from fakesnow.server import sessions

    names = ", ".join(f"'{validate_part(role, 'role')}'" for role in roles) or "NULL"
    connection = sessions[session._conn._conn.rest.token]
    connection._duck_conn.execute(f"CREATE OR REPLACE TEMP MACRO is_role_in_session(r) AS upper(r) IN ({names})")
