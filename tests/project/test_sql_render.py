"""Every sql/ file renders with env: and its -D variables alone, parses as Snowflake SQL, and is safe to rerun."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import sqlglot
from project import sqlfacts, sqlfiles
from project.sqlfiles import ROOT, RenderError
from sqlglot import exp
from sqlglot.errors import ParseError

from mixpeek_snowflake.arguments import deploy_env_problems

# Statement kinds sqlglot's snowflake dialect cannot parse (it falls back to an opaque Command, or fails, as for
# CREATE ROW ACCESS POLICY ... AS (...) RETURNS BOOLEAN -> ...). Every other statement must parse to a real tree.
ALLOWED_FALLBACKS = tuple(
    re.compile(pattern)
    for pattern in (
        r"CREATE ROLE ",
        r"GRANT ROLE ",
        r"GRANT OPERATE, MONITOR ON TASK ",
        r"GRANT SELECT ON (ALL|FUTURE) VIEWS IN SCHEMA ",
        r"GRANT READ ON SECRET ",
        r"(CREATE|ALTER|DROP) NETWORK RULE ",
        r"(CREATE|ALTER|DROP) SECRET ",
        r"(CREATE|ALTER) EXTERNAL ACCESS INTEGRATION ",
        r"(CREATE|ALTER|DROP) MASKING POLICY ",
        r"(CREATE|ALTER|DROP) ROW ACCESS POLICY ",
        r"ALTER TABLE \S+ MODIFY COLUMN \S+ SET (TAG|MASKING POLICY) ",
        r"EXECUTE IMMEDIATE \$\$",
        r"(CREATE OR ALTER|DROP) TASK ",
        r"DROP ALERT ",
    )
)
OVERRIDES = {
    "api_host": "api.example.test",
    "incremental_schedule": "USING CRON 5 * * * * UTC",
    "full_schedule": "USING CRON 15 2 * * * UTC",
    "warehouse_size": "SMALL",
    "task_failures_before_suspend": "7",
    "task_retry_attempts": "2",
    "task_timeout_ms": "600000",
}


def _parse(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, read="snowflake")
    except ParseError:
        return None


def _allowed_fallback(text: str) -> bool:
    return any(pattern.match(text) for pattern in ALLOWED_FALLBACKS)


def test_every_file_renders_with_no_template_left(rendered: dict[str, list[str]]) -> None:
    for file, statements in rendered.items():
        assert statements, file
        for statement in statements:
            assert "<%" not in statement and "%>" not in statement and "&{" not in statement, statement


@pytest.mark.parametrize("step", [s for s in sqlfiles.ALL_STEPS if s.variables], ids=lambda s: s.file)
def test_a_missing_variable_is_an_error_naming_it(step: sqlfiles.SqlStep) -> None:
    for missing in step.variables:
        variables = {name: "x" for name in step.variables if name != missing}
        with pytest.raises(RenderError, match=f"'{missing}' is undefined"):
            sqlfiles.render(step.file, variables)


def test_statements_parse_unless_sqlglot_cannot_parse_their_kind(rendered: dict[str, list[str]]) -> None:
    for statements in rendered.values():
        for text in map(sqlfacts.normalize, statements):
            tree = _parse(text)
            if _allowed_fallback(text):
                assert tree is None or isinstance(tree, exp.Command), f"sqlglot parses this now; unlist it: {text}"
            else:
                assert tree is not None and not isinstance(tree, exp.Command), f"not parsed: {text}"


def test_policy_bodies_parse_as_expressions(rendered: dict[str, list[str]]) -> None:
    bodies = []
    for statements in rendered.values():
        for text in map(sqlfacts.normalize, statements):
            if re.match(r"(CREATE|ALTER) (MASKING|ROW ACCESS) POLICY ", text):
                body = re.sub(r" COMMENT = '[^']*'$", "", text.split(" -> ", 1)[1])
                bodies.append(sqlglot.parse_one(body, read="snowflake"))
    assert len(bodies) == 6
    assert all(not isinstance(b, exp.Command) for b in bodies)


def test_the_task_and_the_target_step_call_the_procedures_with_every_argument(
    rendered: dict[str, list[str]],
) -> None:
    calls = [s.split(" AS CALL ", 1)[1] for s in map(sqlfacts.normalize, rendered["60_tasks.sql"]) if " AS CALL " in s]
    assert len(calls) == 1
    function = sqlglot.parse_one(f"SELECT {calls[0]}", read="snowflake").find(exp.Anonymous)
    assert function.name == "run_due_mixpeek_syncs" and len(function.expressions) == 0
    block = sqlfacts.normalize(next(s for s in rendered["70_target.sql"] if s.startswith("EXECUTE IMMEDIATE")))
    for name in ("add_mixpeek_target", "change_mixpeek_target"):
        call = re.search(rf"CALL (\S+\.{name}\(.*?\)\));", block)[1]
        function = sqlglot.parse_one(f"SELECT {call}", read="snowflake").find(exp.Anonymous)
        assert function.name == name and len(function.expressions) == 3, call


def test_the_row_access_block_attaches_or_reattaches_without_policy_references(
    rendered: dict[str, list[str]], env: dict
) -> None:
    block = next(s for s in rendered["55_row_access.sql"] if s.startswith("EXECUTE IMMEDIATE"))
    inner = sqlfacts.normalize(block.split("$$")[1])
    assert "POLICY_REFERENCES" not in inner
    policy = f"{env['database']}.{env['schema']}.{env['row_access_policy']}"
    steps = re.findall(
        r"BEGIN ALTER TABLE ([\w.]+) ADD ROW ACCESS POLICY ([\w.]+) ON \(COLLECTION_ID\); EXCEPTION WHEN "
        r"STATEMENT_ERROR THEN ALTER TABLE ([\w.]+) DROP ROW ACCESS POLICY ([\w.]+), ADD ROW ACCESS POLICY ([\w.]+) "
        r"ON \(COLLECTION_ID\); END;",
        inner,
    )
    assert len(steps) == 11
    assert all(
        added == again == policy and dropped == policy and table == same for table, added, same, dropped, again in steps
    )
    assert inner.count("ALTER TABLE ") == 2 * len(steps)


def test_task_timeout_is_below_the_sync_lease(rendered: dict[str, list[str]], env: dict) -> None:
    from mixpeek_snowflake.sync.options import SyncOptions

    tasks = [s for s in map(sqlfacts.normalize, rendered["60_tasks.sql"]) if s.startswith("CREATE OR ALTER TASK ")]
    assert len(tasks) == 1
    for task in tasks:
        timeout_ms = int(re.search(r" USER_TASK_TIMEOUT_MS = (\d+) ", task)[1])
        assert timeout_ms == int(env["task_timeout_ms"]) < SyncOptions().lease_seconds * 1000


def test_env_overrides_reach_every_statement(env: dict) -> None:
    overrides = {name: OVERRIDES.get(name, f"ZZ_{name.upper()}") for name in env}
    texts = [
        sqlfacts.normalize(statement)
        for s in sqlfiles.ALL_STEPS
        for statement in sqlfiles.render(s.file, {name: "x" for name in s.variables}, overrides)
    ]
    for name, default in env.items():
        if default and not default.isdigit():
            pattern = re.compile(rf"(?<![\w.]){re.escape(default)}(?![\w])")
            assert not [t for t in texts if pattern.search(t)], f"{default!r} is written out instead of ctx.env.{name}"


def test_deploy_files_create_if_missing_and_destroy_nothing(deployed: list[sqlfacts.Executed]) -> None:
    for created in sqlfacts.created(deployed):
        assert not created.or_replace or created.kind == "VIEW", created
        assert created.if_not_exists or created.kind in ("TASK", "VIEW"), created
    tasks = [s.text for s in deployed if s.text.startswith("CREATE ") and " TASK " in s.text]
    assert len(tasks) == 1 and all(t.startswith("CREATE OR ALTER TASK ") for t in tasks)
    views = [s.text for s in deployed if s.text.startswith("CREATE ") and " VIEW " in s.text]
    assert len(views) == 4 and all(v.startswith("CREATE OR REPLACE VIEW ") and " COPY GRANTS " in v for v in views)
    for statement in deployed:
        assert not re.match(r"(DROP|TRUNCATE|DELETE|UNDROP|INSERT|UPDATE) ", statement.text), statement
        assert " OR REPLACE " not in statement.text or statement.text.startswith("CREATE OR REPLACE VIEW "), statement


def _recipe(target: str) -> list[str]:
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    body = re.search(rf"^{target}:.*?\n((?:\t.*\n|if.*\n|else\n|endif\n)+)", text, re.MULTILINE)
    assert body, f"no {target} target"
    return body[1].splitlines()


def _file_lines(lines: list[str]) -> list[tuple[str, str]]:
    """(file, recipe line) for each sql/ file a recipe runs, with -f or (the secret step) on snow's standard input."""
    return [(m[1], line) for line in lines if (m := re.search(r"(?: -f |< )sql/(\S+)", line))]


@pytest.mark.parametrize("target", ["deploy", "undeploy"])
def test_make_runs_the_files_in_order_with_their_variables_and_switches(target: str) -> None:
    lines = _recipe(target)
    steps = sqlfiles.DEPLOY_STEPS if target == "deploy" else sqlfiles.UNDEPLOY_STEPS
    assert [file for file, _ in _file_lines(lines)] == [s.file for s in steps]
    for file, line in _file_lines(lines):
        step = sqlfiles.step(file)
        stdin = file == "25_secret.sql"
        assert re.findall(r'-D "(\w+)=', line) == ([] if stdin else list(step.variables)), line
        if step.switch:
            opening = max(i for i, text in enumerate(lines[: lines.index(line)]) if text.startswith("if"))
            assert f"$({step.switch})" in lines[opening], f"{file} is not behind {step.switch}"


def test_snowpark_deploy_runs_between_the_account_steps_and_the_table_steps() -> None:
    lines = _recipe("deploy")
    files = [file for file, _ in _file_lines(lines)]
    deploy_at = next(i for i, line in enumerate(lines) if "snowpark deploy --replace" in line)
    before = {file for file, line in _file_lines(lines) if lines.index(line) < deploy_at}
    assert before == {s.file for s in sqlfiles.BEFORE_SNOWPARK_DEPLOY}
    assert files.index("40_tables.sql") == len(before)
    assert (
        "--connection $(CONNECTION)" in lines[deploy_at]
        and '--role "$$($(PROJECT_ENV) owner_role)"' in lines[deploy_at]
    )


def test_the_api_key_never_travels_on_a_command_line_and_is_never_echoed(rendered: dict[str, list[str]]) -> None:
    key = sqlfiles.EXAMPLE_VARIABLES["mixpeek_api_key"]
    holders = [f for f, statements in rendered.items() if any(key in s for s in statements)]
    assert holders == ["25_secret.sql"]
    assert "SECRET_STRING = '<% mixpeek_api_key %>'" in (ROOT / "sql" / "25_secret.sql").read_text()
    recipe = _recipe("deploy")
    secret_line = next(line for _, line in _file_lines(recipe) if "25_secret.sql" in line)
    assert secret_line.startswith("\t@$(READ_KEY); ") and secret_line.endswith("| $(SNOW_SQL) --silent --stdin")
    assert "printf '%s\\n' \"$${line//'<% mixpeek_api_key %>'/$$key}\"" in secret_line
    assert not [line for line in recipe if re.search(r"mixpeek_api_key=|-D \S*KEY", line)]
    assert re.search(r"^deploy: SHELL := /bin/bash$", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_make_reads_the_key_from_a_file_or_standard_input_and_puts_it_on_no_argv(tmp_path) -> None:
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "25_secret.sql").write_text("SET X = '<% mixpeek_api_key %>';\nALTER '<% mixpeek_api_key %>';\n")
    (tmp_path / "keyfile").write_text("mxp_from.file-1\n")
    makefile = tmp_path / "Makefile"
    secret_line = next(line for _, line in _file_lines(_recipe("deploy")) if "25_secret.sql" in line)
    read_key = re.search(r"^READ_KEY = (.*?)(?<!\\)\n", (ROOT / "Makefile").read_text(), re.S | re.M)[1]
    header = f"SAFE_VALUE = *[!A-Za-z0-9_.-]*\nREAD_KEY = {read_key}\nSNOW_SQL = sh -c cat snow\n"
    makefile.write_text(f"{header}s: SHELL := /bin/bash\ns:\n{secret_line}\n")

    def make(stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {"PATH": os.environ["PATH"], **env}
        return subprocess.run(
            ["make", "-s", "s"], cwd=tmp_path, input=stdin, env=environ, capture_output=True, text=True
        )

    from_file = make("", MIXPEEK_API_KEY_FILE=str(tmp_path / "keyfile"))
    assert from_file.stdout == "SET X = 'mxp_from.file-1';\nALTER 'mxp_from.file-1';\n"
    assert make("mxp_stdin_2\n").stdout == "SET X = 'mxp_stdin_2';\nALTER 'mxp_stdin_2';\n"
    refused = make("x'); DROP TABLE t; --\n")
    assert refused.returncode != 0 and "MIXPEEK_API_KEY_FILE or on standard input" in refused.stderr
    assert refused.stdout == ""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("api_host", "api.mixpeek.com'); DROP TABLE t; --"),
        ("api_host", "api.mixpeek.com:443"),
        ("schema", "CORE; DROP SCHEMA X"),
        ("owner_role", "SYSADMIN OR 1=1"),
        ("database", ""),
        ("incremental_schedule", "USING CRON 0 * * * * UTC'; DROP TASK t; --"),
        ("warehouse_size", "XSMALL AUTO_SUSPEND = 0"),
        ("task_timeout_ms", "1; DROP"),
    ],
)
def test_every_env_value_is_checked_before_it_reaches_sql(env: dict, name: str, value: str) -> None:
    assert deploy_env_problems(env) == []
    problems = deploy_env_problems({**env, name: value})
    assert len(problems) == 1 and problems[0].startswith(f"env {name}={value!r} is not allowed; expected ")


def test_make_deploy_checks_the_env_before_the_first_statement() -> None:
    recipe = _recipe("deploy")
    first_snow = next(i for i, line in enumerate(recipe) if "$(SNOW" in line)
    assert recipe.index("\t@$(CHECK_ENV)") < first_snow
    check = re.search(r"^CHECK_ENV = (.*?)(?<!\\)\n", (ROOT / "Makefile").read_text(), re.S | re.M)[1]
    assert "deploy_env_problems" in check and "os.environ[k] if k in os.environ else v" in check
