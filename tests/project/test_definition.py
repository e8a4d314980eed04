"""snowflake.yml: every procedure and function resolves to the shipped Python it names, with the same signature."""

from __future__ import annotations

import ast
import inspect
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from project import entities as ent
from project.sqlfiles import ALL_STEPS, ROOT, project_definition, project_env

from mixpeek_snowflake.search import retrieval as search
from mixpeek_snowflake.snowflake import runtime

PACKAGE_DIR = ROOT / "src" / "mixpeek_snowflake"
DECLARED = {
    "sync_mixpeek_collection": "procedure",
    "refresh_mixpeek_labels": "procedure",
    "reset_mixpeek_sync": "procedure",
    "enrich_mixpeek_documents": "procedure",
    "create_mixpeek_views": "procedure",
    "mixpeek_search": "function",
    "enrich_mixpeek_push": "procedure",
    "ingest_stage_files": "procedure",
    "add_mixpeek_target": "procedure",
    "change_mixpeek_target": "procedure",
    "pause_mixpeek_target": "procedure",
    "resume_mixpeek_target": "procedure",
    "remove_mixpeek_target": "procedure",
    "run_due_mixpeek_syncs": "procedure",
    "unlock_mixpeek_sync": "procedure",
}
# Caller's rights and no network: it reads the source as the caller and hands the rows to enrich_mixpeek_push.
CALLERS_RIGHTS = {"enrich_mixpeek_documents"}
DISTRIBUTION_OF = {"requests": "requests", "snowflake": "snowflake-snowpark-python"}


def _sql_default(value: Any) -> str:
    """How snowflake.yml writes a Python default (the CLI quotes VARCHAR defaults itself)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).upper()
    return str(value)


def test_the_project_declares_every_procedure_and_function(entities: dict[str, Any]) -> None:
    assert {name: entity.get_type() for name, entity in entities.items()} == DECLARED


def test_the_search_function_returns_the_columns_its_handler_yields(entities: dict[str, Any]) -> None:
    entity = entities["mixpeek_search"]
    assert ent.is_table_function(entity)
    assert entity.returns == search.RETURNS
    columns = search.RETURNS.removeprefix("TABLE(").removesuffix(")").split(", ")
    assert tuple(column.split()[0] for column in columns) == search.COLUMNS


def test_every_entity_runs_on_python_3_11_from_the_shipped_package(entities: dict[str, Any], env: dict) -> None:
    for name, entity in entities.items():
        assert entity.runtime == "3.11", name
        assert entity.handler.startswith("mixpeek_snowflake."), name
        assert [(a.src, a.dest) for a in entity.artifacts] == [("src/mixpeek_snowflake/", "mixpeek_snowflake/")], name
        assert entity.stage == f"{env['database']}.{env['schema']}.{env['stage']}", name
        assert (entity.fqn.database, entity.fqn.schema) == (env["database"], env["schema"]), name


def test_entity_names_follow_env_overrides() -> None:
    overrides = {"database": "ZZ_DB", "schema": "ZZ_SCHEMA", "stage": "ZZ_STAGE", "secret": "ZZ_SECRET"}
    overrides["integration"] = "ZZ_ACCESS"
    definition = project_definition(overrides)
    found = {**definition.get_entities_by_type("procedure"), **definition.get_entities_by_type("function")}
    assert found
    for entity in found.values():
        assert (entity.fqn.database, entity.fqn.schema) == ("ZZ_DB", "ZZ_SCHEMA")
        assert entity.stage == "ZZ_DB.ZZ_SCHEMA.ZZ_STAGE"
        if entity.secrets:
            assert entity.secrets == {runtime.SECRET_ALIAS: "ZZ_DB.ZZ_SCHEMA.ZZ_SECRET"}
            assert entity.external_access_integrations == ["ZZ_ACCESS"]


def test_every_handler_resolves_to_a_callable_or_a_udtf_class(entities: dict[str, Any]) -> None:
    for name, entity in entities.items():
        target = ent.resolve_handler(entity.handler)
        if ent.is_table_function(entity):
            assert inspect.isclass(target) and callable(getattr(target, "process", None)), name
        else:
            assert inspect.isfunction(target), name
        if entity.get_type() == "procedure":
            assert next(iter(inspect.signature(target).parameters)) == "session", name


@pytest.mark.parametrize("field", ["name", "default"])
def test_signatures_match_the_python_parameters(entities: dict[str, Any], field: str) -> None:
    for name, entity in entities.items():
        parameters = ent.python_parameters(entity)
        signature = entity.signature or []
        assert len(signature) == len(parameters), name
        for arg, parameter in zip(signature, parameters, strict=True):
            if field == "name":
                assert arg.name == parameter.name, name
            elif parameter.default is inspect.Parameter.empty and ent.is_table_function(entity):
                assert arg.default in (None, "NULL"), f"{name}.{arg.name}: process() gets every argument, NULL or not"
            elif parameter.default is inspect.Parameter.empty:
                assert arg.default is None, f"{name}.{arg.name} has a SQL default but no Python default"
            else:
                assert arg.default == _sql_default(parameter.default), f"{name}.{arg.name}"


def test_every_entity_calls_mixpeek_through_exactly_the_bundle_integration_and_secret(
    entities: dict[str, Any], env: dict
) -> None:
    secret = f"{env['database']}.{env['schema']}.{env['secret']}"
    for name, entity in entities.items():
        if name in CALLERS_RIGHTS:
            assert not entity.secrets and not entity.external_access_integrations, name
            assert entity.execute_as_caller is True, f"{name} must read its source with the caller's rights"
            continue
        assert entity.secrets == {runtime.SECRET_ALIAS: secret}, name
        assert entity.external_access_integrations == [env["integration"]], name
        assert not getattr(entity, "execute_as_caller", False), f"{name} must run with the owner role's rights"


def test_the_build_stays_offline() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "dependencies" not in project
    assert not (ROOT / "requirements.txt").exists()


def _third_party_imports() -> set[str]:
    names = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("mixpeek_snowflake", "_snowflake")}


def test_the_package_imports_only_what_requirements_snowflake_installs() -> None:
    lines = {line.strip() for line in (ROOT / "requirements.snowflake.txt").read_text().splitlines()} - {""}
    assert lines == {"snowflake-snowpark-python>=1.20", "requests"}
    requirements = {line.split(">=")[0] for line in lines}
    for module in _third_party_imports():
        assert DISTRIBUTION_OF.get(module) in requirements, f"{module} is imported but Snowflake would not install it"


def test_env_names_are_all_used_by_snowflake_yml_or_sql() -> None:
    text = (ROOT / "snowflake.yml").read_text() + "".join(p.read_text() for p in (ROOT / "sql").glob("*.sql"))
    unused = [name for name in project_env() if f"ctx.env.{name} %>" not in text]
    assert unused == []


def test_sql_files_are_exactly_the_makefile_steps() -> None:
    assert sorted(p.name for p in Path(ROOT / "sql").glob("*")) == sorted(s.file for s in ALL_STEPS)
