"""Least privilege, read from the rendered SQL: who runs each step, who owns what, who may do what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from project import sqlfacts
from project.entities import qualified_name, table_name, table_specs
from project.sqlfacts import Executed, Grant

STEP_ROLES = {
    "00_roles.sql": {"USERADMIN"},
    "10_containers.sql": {"SYSADMIN"},
    "20_egress.sql": {"SECURITYADMIN"},
    "25_secret.sql": {"SECURITYADMIN"},
    "30_integration.sql": {"ACCOUNTADMIN"},
    "50_governance.sql": {"SYSADMIN", "owner"},
    "55_row_access.sql": {"SYSADMIN", "owner"},
    "90_grants.sql": {"owner", "SECURITYADMIN"},
    "undeploy.sql": {"owner", "ACCOUNTADMIN", "SECURITYADMIN"},
    "undeploy_data.sql": {"owner", "USERADMIN"},
}
BROAD_PRIVILEGES = {"ALL", "ALL PRIVILEGES", "OWNERSHIP", "MANAGE GRANTS", "APPLY MASKING POLICY", "APPLY TAG"}
OWNER_SCHEMA_PRIVILEGES = {
    "CREATE TABLE",
    "CREATE VIEW",
    "CREATE STAGE",
    "CREATE PROCEDURE",
    "CREATE FUNCTION",
    "CREATE TASK",
    "CREATE TAG",
    "CREATE MASKING POLICY",
    "CREATE ROW ACCESS POLICY",
}
OPERATOR_TABLES = {
    "MIXPEEK_SYNC_RUNS",
    "MIXPEEK_SYNC_STATE",
    "MIXPEEK_SYNC_REJECTS",
    "MIXPEEK_ENRICH_STATE",
    "MIXPEEK_ENRICH_FAILURES",
    "MIXPEEK_STAGE_FILES",
    "MIXPEEK_INGEST_STATE",
    "MIXPEEK_INGEST_RUNS",
    "MIXPEEK_SYNC_TARGETS",
    "MIXPEEK_OPERATION_RUNS",
}
OPERATOR_VIEWS = {"MIXPEEK_TARGET_HEALTH", "MIXPEEK_RUNS"}
NOT_FOR_READERS = {"MIXPEEK_ENRICH_STATE", "MIXPEEK_ENRICH_FAILURES", "MIXPEEK_SYNC_TARGETS", "MIXPEEK_OPERATION_RUNS"}
BULK_KINDS = ("ALL ", "FUTURE ")


@pytest.fixture(scope="module")
def granted(deployed: list[Executed]) -> list[Grant]:
    return sqlfacts.grants(deployed)


def _privileges(granted: list[Grant], grantee: str, kind: str, name: str = "") -> set[str]:
    return {p for g in granted if (g.grantee, g.kind, g.name) == (grantee, kind, name.upper()) for p in g.privileges}


def _grantee_kinds(granted: list[Grant], grantee: str) -> set[str]:
    return {g.kind for g in granted if g.grantee == grantee}


def test_every_file_sets_its_role_before_anything_else(rendered: dict[str, list[str]]) -> None:
    for file, statements in rendered.items():
        assert re.fullmatch(r"USE ROLE \w+", sqlfacts.normalize(statements[0])), file


def test_each_step_runs_as_the_role_it_documents(
    deployed: list[Executed], undeployed: list[Executed], env: dict
) -> None:
    for statement in deployed + undeployed:
        expected = {env["owner_role"] if r == "owner" else r for r in STEP_ROLES.get(statement.file, {"owner"})}
        assert statement.role in expected, statement


def test_accountadmin_only_touches_the_integration_and_the_task_privilege(
    deployed: list[Executed], undeployed: list[Executed], env: dict
) -> None:
    for statement in deployed + undeployed:
        if statement.role == "ACCOUNTADMIN" and not statement.text.startswith("USE ROLE"):
            touches = re.search(
                rf"INTEGRATION (IF (NOT )?EXISTS )?{env['integration']}\b|EXECUTE (MANAGED )?TASK ON ACCOUNT",
                statement.text,
            )
            assert touches, statement


def _schema(env: dict) -> str:
    return f"{env['database']}.{env['schema']}".upper()


def test_nothing_is_granted_to_public_users_or_shares(deployed: list[Executed], granted: list[Grant]) -> None:
    assert granted
    assert all(g.grantee_kind == "ROLE" and g.grantee != "PUBLIC" for g in granted)
    assert not [s for s in deployed if re.search(r"\bTO (ROLE )?PUBLIC\b|\bIN DATABASE\b", s.text)]


def test_the_only_bulk_grants_are_select_on_the_bundle_schema_views_to_readers(
    deployed: list[Executed], granted: list[Grant], env: dict
) -> None:
    bulk = {(g.privileges, g.kind, g.name, g.grantee, g.role) for g in granted if g.kind.startswith(BULK_KINDS)}
    reader, schema = env["reader_role"], _schema(env)
    assert bulk == {
        (frozenset({"SELECT"}), f"{scope} VIEWS IN SCHEMA", schema, reader, "SECURITYADMIN")
        for scope in ("ALL", "FUTURE")
    }
    bulk_texts = [s.text for s in deployed if re.search(r"\b(FUTURE|ALL) \w+ IN SCHEMA\b", s.text)]
    assert len(bulk_texts) == len(bulk)


def test_securityadmin_only_keeps_the_rule_and_the_secret_and_grants_reads(deployed: list[Executed], env: dict) -> None:
    acting = [s for s in deployed if s.role == "SECURITYADMIN" and not s.text.startswith("USE ROLE")]
    rule, secret = (f"{_schema(env)}.{env[name]}".upper() for name in ("network_rule", "secret"))
    allowed = (
        rf"(CREATE|ALTER) NETWORK RULE (IF NOT EXISTS )?{rule} .*",
        rf"(CREATE|ALTER) SECRET (IF NOT EXISTS )?{secret} .*",
        rf"GRANT READ ON SECRET {secret} TO ROLE {env['owner_role']}",
        r"GRANT SELECT ON (ALL|FUTURE) VIEWS IN SCHEMA \S+ TO ROLE \S+",
    )
    assert acting
    assert all(any(re.fullmatch(p, s.text, re.S) for p in allowed) for s in acting), acting


def test_the_owner_may_create_the_views_the_readers_then_select(granted: list[Grant], env: dict) -> None:
    assert "CREATE VIEW" in _privileges(granted, env["owner_role"], "SCHEMA", _schema(env))
    reader_views = {g.kind for g in granted if g.grantee == env["reader_role"] and "VIEWS" in g.kind}
    assert reader_views == {"ALL VIEWS IN SCHEMA", "FUTURE VIEWS IN SCHEMA"}


def test_no_broad_privilege_is_granted(granted: list[Grant]) -> None:
    assert not [g for g in granted if g.privileges & BROAD_PRIVILEGES]


def test_the_owner_role_owns_everything_the_bundle_creates_in_its_schema(deployed: list[Executed], env: dict) -> None:
    prefix = f"{env['database']}.{env['schema']}.".upper()
    in_schema = [c for c in sqlfacts.created(deployed) if c.name.startswith(prefix)]
    owned = {c.kind for c in in_schema if c.role == env["owner_role"]}
    assert {"TABLE", "TAG", "MASKING POLICY", "ROW ACCESS POLICY", "TASK"} <= owned
    assert not owned & {"SECRET", "NETWORK RULE"}
    assert all(c.role == env["owner_role"] for c in in_schema if c.kind not in ("SECRET", "NETWORK RULE"))


def test_security_roles_own_the_rule_the_secret_and_the_integration(deployed: list[Executed], env: dict) -> None:
    owners = {(c.kind, c.name): c.role for c in sqlfacts.created(deployed)}
    schema = _schema(env)
    assert owners[("NETWORK RULE", f"{schema}.{env['network_rule']}".upper())] == "SECURITYADMIN"
    assert owners[("SECRET", f"{schema}.{env['secret']}".upper())] == "SECURITYADMIN"
    assert owners[("EXTERNAL ACCESS INTEGRATION", env["integration"].upper())] == "ACCOUNTADMIN"
    altered = [s for s in deployed if re.match(r"ALTER (NETWORK RULE|SECRET|EXTERNAL ACCESS INTEGRATION) ", s.text)]
    assert altered and all(s.role in ("SECURITYADMIN", "ACCOUNTADMIN") for s in altered)
    inherited = {g.name for g in sqlfacts.grants(deployed) if g.kind == "ROLE" and g.grantee == env["owner_role"]}
    assert "SECURITYADMIN" not in inherited and "ACCOUNTADMIN" not in inherited


def test_the_owner_role_has_what_the_procedures_need(granted: list[Grant], env: dict) -> None:
    owner = env["owner_role"]
    assert _privileges(granted, owner, "INTEGRATION", env["integration"]) == {"USAGE"}
    assert _privileges(granted, owner, "SECRET", f"{env['database']}.{env['schema']}.{env['secret']}") == {"READ"}
    assert _privileges(granted, owner, "ACCOUNT") == {"EXECUTE TASK", "EXECUTE MANAGED TASK"}
    assert _privileges(granted, owner, "DATABASE", env["database"]) == {"USAGE"}
    assert _privileges(granted, owner, "WAREHOUSE", env["warehouse"]) == {"USAGE"}
    schema = f"{env['database']}.{env['schema']}"
    assert _privileges(granted, owner, "SCHEMA", schema) == {"USAGE"} | OWNER_SCHEMA_PRIVILEGES
    assert _privileges(granted, "SYSADMIN", "ROLE", owner) == {"USAGE"}


def test_only_the_owner_may_use_the_integration_or_the_secret(granted: list[Grant], env: dict) -> None:
    users = {g.grantee for g in granted if g.kind in ("INTEGRATION", "SECRET", "NETWORK RULE")}
    assert users == {env["owner_role"]}


def test_the_operator_may_call_every_procedure_and_operate_every_task(
    granted: list[Grant], deployed: list[Executed], entities: dict[str, Any], env: dict
) -> None:
    operator = env["operator_role"]
    for entity in entities.values():
        if entity.get_type() == "procedure":
            assert _privileges(granted, operator, "PROCEDURE", qualified_name(entity)) == {"USAGE"}
    tasks = [c.name for c in sqlfacts.created(deployed) if c.kind == "TASK"]
    assert len(tasks) == 1
    for task in tasks:
        assert _privileges(granted, operator, "TASK", task) == {"OPERATE", "MONITOR"}
    selectable = {g.name for g in granted if g.grantee == operator and g.kind == "TABLE" and g.privileges == {"SELECT"}}
    assert selectable == {f"{_schema(env)}.{name}" for name in OPERATOR_TABLES}
    views = {g.name for g in granted if g.grantee == operator and g.kind == "VIEW" and g.privileges == {"SELECT"}}
    assert views == {f"{_schema(env)}.{name}" for name in OPERATOR_VIEWS}
    kinds = {"DATABASE", "SCHEMA", "WAREHOUSE", "PROCEDURE", "TASK", "TABLE", "VIEW"}
    assert _grantee_kinds(granted, operator) == kinds
    assert {p for g in granted if g.grantee == operator for p in g.privileges} <= {
        "USAGE",
        "SELECT",
        "OPERATE",
        "MONITOR",
        "INSERT",
    }
    inserts = {g.name for g in granted if g.grantee == operator and "INSERT" in g.privileges}
    assert inserts == {f"{_schema(env)}.MIXPEEK_INBOX"}, "the caller's-rights enrich hands rows over, reading none"


def test_the_reader_may_select_every_table_and_use_every_function(
    granted: list[Grant], entities: dict[str, Any], env: dict
) -> None:
    reader = env["reader_role"]
    readable = {table_name(spec, env) for spec in table_specs() if not spec.transient}
    readable -= {f"{_schema(env)}.{name}" for name in NOT_FOR_READERS}
    selectable = {g.name for g in granted if g.grantee == reader and g.kind == "TABLE" and g.privileges == {"SELECT"}}
    assert selectable == readable
    for entity in entities.values():
        if entity.get_type() == "function":
            assert _privileges(granted, reader, "FUNCTION", qualified_name(entity)) == set(), "unmasked results"
    assert _privileges(granted, reader, "DATABASE", env["database"]) == {"USAGE"}
    # CREATE STREAMLIT: the reader deploys the app (docs/app.md, the next test).
    assert _privileges(granted, reader, "SCHEMA", f"{env['database']}.{env['schema']}") == {"USAGE", "CREATE STREAMLIT"}
    assert _privileges(granted, reader, "WAREHOUSE", env["warehouse"]) == {"USAGE"}
    assert {p for g in granted if g.grantee == reader for p in g.privileges} <= {"USAGE", "SELECT", "CREATE STREAMLIT"}
    kinds = {"DATABASE", "SCHEMA", "WAREHOUSE", "TABLE", "ALL VIEWS IN SCHEMA", "FUTURE VIEWS IN SCHEMA"}
    assert _grantee_kinds(granted, reader) == kinds, "readers call no procedure"


def test_the_app_is_deployed_by_the_reader_with_create_streamlit_and_nothing_more(
    granted: list[Grant], deployed: list[Executed], env: dict
) -> None:
    schema = f"{env['database']}.{env['schema']}".upper()
    streamlit = [g for g in granted if any("STREAMLIT" in p for p in g.privileges)]
    assert [(g.privileges, g.kind, g.name, g.grantee, g.role) for g in streamlit] == [
        (frozenset({"CREATE STREAMLIT"}), "SCHEMA", schema, env["reader_role"], "SYSADMIN")
    ]
    (statement,) = [s for s in deployed if "CREATE STREAMLIT" in s.text]
    assert statement.file == "10_containers.sql"


OWNER_ONLY_FUNCTIONS = ("mixpeek_fetch_documents",)


def test_no_role_may_call_the_fetch_function_the_sync_procedure_runs_as_its_owner(
    granted: list[Grant], entities: dict[str, Any]
) -> None:
    for name in OWNER_ONLY_FUNCTIONS:
        assert not [g for g in granted if g.kind == "FUNCTION" and g.name == qualified_name(entities[name])], name


def test_the_sensitive_reader_is_a_reader_that_may_also_search(
    granted: list[Grant], entities: dict[str, Any], env: dict
) -> None:
    sensitive = env["sensitive_reader_role"]
    functions = {
        ("FUNCTION", qualified_name(e))
        for name, e in entities.items()
        if e.get_type() == "function" and name not in OWNER_ONLY_FUNCTIONS
    }
    expected = {("ROLE", env["reader_role"]), *functions}
    assert {(g.kind, g.name) for g in granted if g.grantee == sensitive} == expected
    for kind, name in functions:
        assert _privileges(granted, sensitive, kind, name) == {"USAGE"}
