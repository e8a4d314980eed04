"""sql/ as the Snowflake CLI runs it: the deploy order, the -D variables of each file, and the rendered statements.

Run as `python -m project.sqlfiles DIR` (make render) to write every rendered file to DIR for review.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"


@dataclass(frozen=True)
class SqlStep:
    """One `snow sql -f` run: the file, the -D variables it needs, the Makefile switch that enables it."""

    file: str
    variables: tuple[str, ...] = ()
    switch: str | None = None


BEFORE_SNOWPARK_DEPLOY = (
    SqlStep("00_roles.sql"),
    SqlStep("10_containers.sql"),
    SqlStep("20_egress.sql"),
    SqlStep("25_secret.sql", ("mixpeek_api_key",)),
    SqlStep("30_integration.sql"),
)
AFTER_SNOWPARK_DEPLOY = (
    SqlStep("40_tables.sql"),
    SqlStep("50_governance.sql", switch="GOVERNANCE"),
    SqlStep("55_row_access.sql", switch="ROW_ACCESS"),
    SqlStep("60_tasks.sql"),
    SqlStep("65_health.sql"),
    SqlStep("70_target.sql", ("collection_id", "mixpeek_namespace"), switch="COLLECTION"),
    SqlStep("70_ingest.sql"),
    SqlStep("90_grants.sql"),
)
DEPLOY_STEPS = BEFORE_SNOWPARK_DEPLOY + AFTER_SNOWPARK_DEPLOY
UNDEPLOY_STEPS = (SqlStep("undeploy.sql"), SqlStep("undeploy_data.sql", switch="PURGE"))
ALL_STEPS = DEPLOY_STEPS + UNDEPLOY_STEPS
EXAMPLE_VARIABLES = {
    "mixpeek_api_key": "<MIXPEEK_API_KEY passed with -D at deploy time>",
    "collection_id": "col_example",
    "mixpeek_namespace": "ns_example",
}


class RenderError(Exception):
    """The CLI refused to render a file (an undefined name, a template syntax error)."""


def step(file: str) -> SqlStep:
    """The step that runs the given sql/ file."""
    return next(s for s in ALL_STEPS if s.file == file)


def render(file: str, variables: Mapping[str, str], env: Mapping[str, str] | None = None) -> list[str]:
    """The statements `snow sql -f sql/FILE -D k=v …` would send, rendered by the CLI's own reader and templates."""
    from snowflake.cli._plugins.sql.statement_reader import compile_statements, files_reader
    from snowflake.cli.api.cli_global_context import fork_cli_context
    from snowflake.cli.api.rendering.sql_templates import SQLTemplateSyntaxConfig, snowflake_sql_jinja_render
    from snowflake.cli.api.secure_path import SecurePath

    config = SQLTemplateSyntaxConfig()
    operators = [partial(snowflake_sql_jinja_render, template_syntax_config=config, data=dict(variables))]
    with fork_cli_context(project_path=str(ROOT), project_env_overrides=dict(env or {})):
        reader = files_reader([SecurePath(SQL_DIR / file)], operators, True, None)
        errors, _, compiled = compile_statements(reader)
    if errors:
        raise RenderError(f"{file}: {'; '.join(dict.fromkeys(errors))}")
    return [c.statement for c in compiled]


def project_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """ctx.env as the CLI resolves it: snowflake.yml's env: under shell variables and overrides."""
    from snowflake.cli.api.cli_global_context import fork_cli_context, get_cli_context

    with fork_cli_context(project_path=str(ROOT), project_env_overrides=dict(env or {})):
        resolved = get_cli_context().template_context["ctx"]["env"]
        return {name: resolved[name] for name in resolved.default_env}


def project_definition(env: Mapping[str, str] | None = None) -> Any:
    """snowflake.yml parsed and rendered by the CLI (definition_version 2)."""
    from snowflake.cli.api.cli_global_context import fork_cli_context, get_cli_context

    with fork_cli_context(project_path=str(ROOT), project_env_overrides=dict(env or {})):
        return get_cli_context().project_definition


def main(argv: list[str]) -> int:
    """Write every sql/ file, rendered with env: and example -D values, to the directory given."""
    if len(argv) != 1:
        print("usage: python -m project.sqlfiles OUTPUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for s in ALL_STEPS:
        statements = render(s.file, {name: EXAMPLE_VARIABLES[name] for name in s.variables})
        (out / s.file).write_text("\n\n".join(statements) + "\n", encoding="utf-8")
        print(f"{out / s.file}: {len(statements)} statements")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
