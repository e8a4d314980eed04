"""What `snow snowpark deploy` would send for each entity: integration, secret, runtime, packages, handler."""

from __future__ import annotations

import re
from typing import Any

import pytest
from project.entities import is_table_function
from project.sqlfiles import ROOT


@pytest.fixture(scope="module")
def create_statements() -> dict[str, str]:
    """entity id → the CREATE OR REPLACE text the CLI builds, with no connection (stages are fully qualified)."""
    from snowflake.cli._plugins.snowpark import commands
    from snowflake.cli._plugins.snowpark.common import SnowparkObjectManager
    from snowflake.cli._plugins.snowpark.snowpark_project_paths import SnowparkProjectPaths
    from snowflake.cli.api.cli_global_context import fork_cli_context, get_cli_context
    from snowflake.cli.api.identifiers import FQN

    sent: list[str] = []
    out = {}
    with pytest.MonkeyPatch.context() as patch, fork_cli_context(project_path=str(ROOT)):
        patch.setattr(FQN, "using_context", _require_qualified)
        patch.setattr(SnowparkObjectManager, "execute_query", lambda self, query, **_: sent.append(query))
        entities = commands.get_snowpark_entities(commands._get_v2_project_definition(get_cli_context()))
        paths = SnowparkProjectPaths(project_root=get_cli_context().project_root)
        imports, _ = commands.build_artifacts_mappings(paths, entities)
        packages = commands._read_snowflake_requirements_file(paths.snowflake_requirements)
        for entity_id, entity in entities.items():
            SnowparkObjectManager().create_or_replace(entity, imports[entity_id], packages)
            out[entity_id] = sent[-1]
    return out


def _require_qualified(fqn: Any) -> Any:
    """Stand-in for FQN.using_context: a fully qualified name needs no connection to complete it."""
    assert fqn.database and fqn.schema, f"{fqn} is not fully qualified"
    return fqn


def _clause(text: str, name: str) -> str:
    match = re.search(rf"^{name}\s*=\s*(.*)$", text, re.IGNORECASE | re.MULTILINE)
    assert match, f"no {name} clause in:\n{text}"
    return match[1].strip()


def test_every_entity_gets_a_create_statement(create_statements: dict[str, str], entities: dict[str, Any]) -> None:
    assert set(create_statements) == set(entities)
    for entity_id, text in create_statements.items():
        kind = entities[entity_id].get_type()
        assert text.lower().startswith(f"create or replace {kind} identifier('"), text
        assert "\ncopy grants\n" in text


def test_each_entity_reaches_mixpeek_only_through_the_bundle_integration_and_secret(
    create_statements: dict[str, str], entities: dict[str, Any], env: dict
) -> None:
    secret = f"{env['database']}.{env['schema']}.{env['secret']}"
    for entity_id, text in create_statements.items():
        if entities[entity_id].secrets:
            assert _clause(text, "external_access_integrations") == f"({env['integration']})"
            assert _clause(text, "secrets") == f"('mixpeek_api_key'={secret})"
    assert "secrets" in create_statements["sync_mixpeek_collection"]


def test_runtime_packages_imports_and_handler(
    create_statements: dict[str, str], entities: dict[str, Any], env: dict
) -> None:
    zip_path = f"@{env['database']}.{env['schema']}.{env['stage']}/mixpeek_snowflake/mixpeek_snowflake.zip"
    for entity_id, text in create_statements.items():
        assert _clause(text, "runtime_version") == "3.11"
        assert _clause(text, "packages") == "('snowflake-snowpark-python>=1.20','requests')"
        assert _clause(text, "imports") == f"('{zip_path}')"
        assert _clause(text, "handler") == f"'{entities[entity_id].handler}'"
        caller = entity_id == "enrich_mixpeek_documents"
        assert ("execute as caller" in text.lower()) is caller, "only enrich reads with the caller's rights"


def _default_literal(arg: Any) -> str:
    text_type = arg.arg_type.upper() in ("VARCHAR", "STRING", "TEXT")
    return f"'{arg.default}'" if text_type and arg.default.upper() != "NULL" else arg.default


def test_defaults_are_valid_sql_literals(create_statements: dict[str, str], entities: dict[str, Any]) -> None:
    for entity_id, text in create_statements.items():
        header = text.splitlines()[0]
        for arg in entities[entity_id].signature or []:
            if arg.default is not None:
                assert f"{arg.name} {arg.arg_type} default {_default_literal(arg)}" in header, header
        assert "''" not in header, f"a default was quoted twice: {header}"


def test_table_functions_return_a_table(create_statements: dict[str, str], entities: dict[str, Any]) -> None:
    for entity_id, entity in entities.items():
        if is_table_function(entity):
            assert re.search(r"^returns table\(", create_statements[entity_id], re.IGNORECASE | re.MULTILINE)
