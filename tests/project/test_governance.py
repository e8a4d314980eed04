"""Egress, tags, masking, row access and tasks, read from the rendered SQL and the policies evaluated per role."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest
import sqlglot
from project import sqlfacts
from project.entities import table_name, table_specs
from project.sqlfacts import Executed
from sqlglot import exp

# Source URLs, user metadata, raw documents, excerpts of rejected documents, and the values an enrichment could not
# push (business data bound for Mixpeek metadata). Labels, taxonomies, bookkeeping and enrichment keys are internal.
SENSITIVE_COLUMNS = {"SOURCE_URL", "METADATA", "DOCUMENT", "EXCERPT", "UPDATE_DATA"}
SECRET_VALUE = "https://bucket.example/private/file.mp4"


def _texts(deployed: list[Executed], file: str) -> list[str]:
    return [s.text for s in deployed if s.file == file]


def _one(texts: list[str], pattern: str) -> str:
    found = [t for t in texts if re.match(pattern, t)]
    assert len(found) == 1, (pattern, found)
    return found[0]


def _q(env: dict[str, Any], name: str) -> str:
    return f"{env['database']}.{env['schema']}.{env[name]}"


def test_egress_is_allowed_to_the_mixpeek_api_host_only(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "20_egress.sql")
    assert env["api_host"] == "api.mixpeek.com"
    rule = _one(texts, f"CREATE NETWORK RULE IF NOT EXISTS {_q(env, 'network_rule')} ")
    assert "MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('api.mixpeek.com')" in rule
    assert _one(texts, "ALTER NETWORK RULE ").endswith("SET VALUE_LIST = ('api.mixpeek.com')")


def test_the_integration_names_exactly_the_bundle_rule_and_secret(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "30_integration.sql")
    clauses = (
        f"ALLOWED_NETWORK_RULES = ({_q(env, 'network_rule')}) "
        f"ALLOWED_AUTHENTICATION_SECRETS = ({_q(env, 'secret')}) ENABLED = TRUE"
    )
    assert clauses in _one(texts, f"CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS {env['integration']} ")
    assert _one(texts, "ALTER EXTERNAL ACCESS INTEGRATION ").endswith(f"{env['integration']} SET {clauses}")


def test_the_secret_is_a_generic_string_set_on_every_run(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "25_secret.sql")
    assert "TYPE = GENERIC_STRING SECRET_STRING = '" in _one(texts, f"CREATE SECRET IF NOT EXISTS {_q(env, 'secret')} ")
    assert _one(texts, f"ALTER SECRET {_q(env, 'secret')} SET SECRET_STRING = '")


def test_every_table_is_tagged_with_its_source_and_sensitivity(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "50_governance.sql")
    for spec in table_specs():
        tag = _one(texts, f"ALTER TABLE {table_name(spec, env)} SET TAG ")
        assert f"{_q(env, 'source_tag')} = 'mixpeek'" in tag
        assert re.search(rf"{_q(env, 'sensitivity_tag')} = '(internal|sensitive)'", tag)


def test_sensitive_columns_are_tagged_and_masked_with_the_policy_of_their_type(
    deployed: list[Executed], env: dict
) -> None:
    texts = _texts(deployed, "50_governance.sql")
    policy = {"VARCHAR": _q(env, "mask_varchar_policy"), "VARIANT": _q(env, "mask_variant_policy")}
    masked = set()
    for spec in (s for s in table_specs() if not s.transient):
        for column in (c for c in spec.columns if c.name in SENSITIVE_COLUMNS):
            prefix = f"ALTER TABLE {table_name(spec, env)} MODIFY COLUMN {column.name} SET"
            assert _one(texts, f"{prefix} TAG ").endswith(f"{_q(env, 'sensitivity_tag')} = 'sensitive'")
            assert _one(texts, f"{prefix} MASKING POLICY ").endswith(f"{policy[column.type]} FORCE")
            masked.add(column.name)
    assert masked == SENSITIVE_COLUMNS


def test_only_the_sensitive_columns_are_tagged_sensitive_or_masked(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "50_governance.sql")
    expected = {
        (table_name(spec, env), column)
        for spec in table_specs()
        if not spec.transient
        for column in spec.column_names
        if column in SENSITIVE_COLUMNS
    }
    for setting in ("TAG", "MASKING POLICY"):
        found = set(re.findall(rf"^ALTER TABLE (\S+) MODIFY COLUMN (\w+) SET {setting} ", "\n".join(texts), re.M))
        assert found == expected, setting


def test_labels_and_enrichment_tables_are_tagged_internal(deployed: list[Executed], env: dict) -> None:
    texts = _texts(deployed, "50_governance.sql")
    schema = f"{env['database']}.{env['schema']}"
    for table in ("MIXPEEK_DOCUMENT_LABELS", "MIXPEEK_TAXONOMIES", "MIXPEEK_ENRICH_STATE", "MIXPEEK_ENRICH_FAILURES"):
        tag = _one(texts, f"ALTER TABLE {schema}.{table} SET TAG ")
        assert tag.endswith(f"{_q(env, 'sensitivity_tag')} = 'internal'"), table


# Snowflake's system-defined hierarchy: https://docs.snowflake.com/en/user-guide/security-access-control-overview
SYSTEM_ROLES = {"ACCOUNTADMIN": {"SYSADMIN", "SECURITYADMIN"}, "SECURITYADMIN": {"USERADMIN"}}


def test_no_role_above_the_owner_inherits_the_sensitive_reader(deployed: list[Executed], env: dict) -> None:
    inherits = {**SYSTEM_ROLES, **_role_hierarchy(deployed)}
    for role in ("SYSADMIN", "ACCOUNTADMIN", "SECURITYADMIN", env["owner_role"], env["operator_role"]):
        assert env["sensitive_reader_role"] not in _in_session(role, inherits), role


def _role_hierarchy(deployed: list[Executed]) -> dict[str, set[str]]:
    inherits: dict[str, set[str]] = {}
    for grant in sqlfacts.grants(deployed):
        if grant.kind == "ROLE":
            inherits.setdefault(grant.grantee, set()).add(grant.name)
    return inherits


def _in_session(role: str, inherits: dict[str, set[str]]) -> set[str]:
    """IS_ROLE_IN_SESSION is true for the active role and every role it inherits."""
    found, todo = set(), [role]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(inherits.get(current, ()))
    return found


def _evaluate(body: str, roles: set[str], columns: dict[str, str], database: Any = None) -> Any:
    """The policy body's value for a session holding `roles`, run on DuckDB."""

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.upper() == "IS_ROLE_IN_SESSION":
            argument = node.expressions[0]
            if isinstance(argument, exp.Literal):
                return exp.Boolean(this=argument.name in roles)
            return exp.In(this=argument, expressions=[exp.Literal.string(r) for r in sorted(roles)])
        if isinstance(node, exp.ToVariant):
            return node.this
        if isinstance(node, exp.Column) and not node.table and node.name in columns:
            return exp.Literal.string(columns[node.name])
        if isinstance(node, exp.Table):
            return exp.to_table("entitlements").as_(node.alias) if node.alias else exp.to_table("entitlements")
        return node

    tree = sqlglot.parse_one(body, read="snowflake").transform(substitute)
    return (database or duckdb.connect()).execute(f"SELECT {tree.sql('duckdb')}").fetchall()[0][0]


def _body(deployed: list[Executed], pattern: str) -> str:
    return _one([s.text for s in deployed], pattern).split(" SET BODY -> ", 1)[1]


@pytest.mark.parametrize("policy", ["mask_varchar_policy", "mask_variant_policy"])
def test_masking_shows_sensitive_values_only_to_privileged_roles(
    deployed: list[Executed], env: dict, policy: str
) -> None:
    body = _body(deployed, f"ALTER MASKING POLICY {_q(env, policy)} SET BODY")
    inherits = {**SYSTEM_ROLES, **_role_hierarchy(deployed)}
    privileged = {env["owner_role"], env["sensitive_reader_role"]}
    others = {env["reader_role"], env["operator_role"], "SYSADMIN", "ACCOUNTADMIN", "SECURITYADMIN", "PUBLIC"}
    for role in privileged | others:
        value = _evaluate(body, _in_session(role, inherits), {"val": SECRET_VALUE})
        assert (value == SECRET_VALUE) == (role in privileged), role
        assert value in (SECRET_VALUE, "***MASKED***")


def test_row_access_shows_a_role_only_its_entitled_collections(deployed: list[Executed], env: dict) -> None:
    body = _body(deployed, f"ALTER ROW ACCESS POLICY {_q(env, 'row_access_policy')} SET BODY")
    assert f"FROM {_q(env, 'entitlements_table')} e " in body
    database = duckdb.connect()
    database.sql("CREATE TABLE entitlements (ROLE_NAME VARCHAR, COLLECTION_ID VARCHAR)")
    database.sql(f"INSERT INTO entitlements VALUES ('{env['reader_role']}', 'col_a'), ('{env['operator_role']}', '*')")
    inherits = _role_hierarchy(deployed)
    expected = {
        env["owner_role"]: {"col_a", "col_b"},
        env["operator_role"]: {"col_a", "col_b"},
        env["reader_role"]: {"col_a"},
        env["sensitive_reader_role"]: {"col_a"},
        "SOME_OTHER_ROLE": set(),
    }
    for role, visible in expected.items():
        roles = _in_session(role, inherits)
        seen = {c for c in ("col_a", "col_b") if _evaluate(body, roles, {"row_collection_id": c}, database)}
        assert seen == visible, role


def test_operators_are_entitled_to_every_collection_and_policies_start_closed(
    deployed: list[Executed], env: dict
) -> None:
    seed = _one(_texts(deployed, "55_row_access.sql"), f"MERGE INTO {_q(env, 'entitlements_table')} ")
    assert f"SELECT '{env['operator_role']}' AS ROLE_NAME, '*' AS COLLECTION_ID" in seed
    assert "WHEN MATCHED" not in seed
    for text in (s.text for s in deployed if re.match(r"CREATE (MASKING|ROW ACCESS) POLICY ", s.text)):
        assert re.search(r" -> (NULL|FALSE) COMMENT = ", text), text


def test_row_access_covers_every_table_keyed_by_collection(rendered: dict[str, list[str]], env: dict) -> None:
    block = sqlfacts.normalize(next(s for s in rendered["55_row_access.sql"] if s.startswith("EXECUTE IMMEDIATE")))
    attached = set(re.findall(rf"ALTER TABLE ([\w.]+) ADD ROW ACCESS POLICY {_q(env, 'row_access_policy')} ", block))
    keyed = {table_name(s, env) for s in table_specs() if not s.transient and "COLLECTION_ID" in s.column_names}
    assert attached == keyed


def test_the_scheduler_task_is_created_suspended_without_overlap_and_suspends_after_failures(
    deployed: list[Executed], entities: dict[str, Any], env: dict
) -> None:
    texts = _texts(deployed, "60_tasks.sql")
    procedure = entities["run_due_mixpeek_syncs"].fqn.identifier
    text = _one(texts, f"CREATE OR ALTER TASK {_q(env, 'scheduler_task')} ")
    assert f"SCHEDULE = '{env['scheduler_schedule']}'" in text
    assert "OVERLAP_POLICY = NO_OVERLAP" in text and "ALLOW_OVERLAPPING_EXECUTION" not in text
    assert re.search(r"SUSPEND_TASK_AFTER_NUM_FAILURES = 3 TASK_AUTO_RETRY_ATTEMPTS = 1 ", text), text
    assert text.endswith(f" AS CALL {procedure}()")
    assert not [s for s in deployed if re.search(r"\bTASK\b[^;]*\bRESUME\b", s.text)]
