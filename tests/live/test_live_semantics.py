"""The points Snowflake's documentation leaves open, settled on a real account (docs/strict-engine.md lists them).

Each test asserts the reading the strict local engine (mixpeek_local/engine) and the bundle rely on; a failure says
which rule to relax or which code to change.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from live.deployment import ROOT, Deployment
from live.probes import call_value, create_probe, qualified, run_sql_file, session_as
from project.sqlfiles import project_env

from mixpeek_snowflake.views.statements import utc_timestamp, vector

pytestmark = pytest.mark.live

LIMIT_PROBE = """
def run(session):
    try:
        return {"rows": [r[0] for r in session.sql("SELECT 1 LIMIT ?", params=[1]).collect()]}
    except Exception as exc:
        return {"error": str(exc)}
"""
VARIANT_PROBE = """
def run(session, value):
    def kinds(v):
        if isinstance(v, dict):
            return {k: kinds(x) for k, x in v.items()}
        if isinstance(v, list):
            return [kinds(x) for x in v]
        return [type(v).__name__, v if isinstance(v, (bool, int, float, str)) or v is None else str(v)]
    return {"top": type(value).__name__, "nested": kinds(value)}
"""
TRANSACTION_PROBE = """
def run(session):
    return {"transaction": session.sql("SELECT CURRENT_TRANSACTION()").collect()[0][0]}
"""
TIMESTAMPS = {
    "2024-05-06T07:08:09.123456Z": "2024-05-06 07:08:09.123456",
    "2024-05-06T07:08:09Z": "2024-05-06 07:08:09",
    "2024-05-06T07:08:09+02:00": "2024-05-06 05:08:09",
    "2024-05-06T23:30:00.5-01:00": "2024-05-07 00:30:00.500000",
    "2024-05-06T07:08:09": "2024-05-06 07:08:09",
    "2024-05-06": "2024-05-06 00:00:00",
    "yesterday": None,
}


def _sync(deployment: Deployment, target: str, mode: str = "full") -> str:
    options = f"OBJECT_CONSTRUCT('namespace', '{deployment.namespace}')"
    procedure = qualified(deployment, "sync_mixpeek_collection")
    return f"{procedure}('{deployment.collection}', '{target}', '{mode}', {options})"


def test_limit_bound_as_a_parameter_in_a_procedure(deployment: Deployment) -> None:
    """Unsettled (snowflake-jdbc#974): the strict engine refuses `LIMIT ?`; a pass here means the rule can go."""
    with session_as(deployment) as session:
        probe = create_probe(session, deployment, "LIVE_PROBE_LIMIT", "", LIMIT_PROBE)
        outcome = call_value(session, f"{probe}()")
    assert "error" in outcome and "limit" in outcome["error"].lower(), outcome


def test_numbers_nested_in_a_variant_argument(deployment: Deployment) -> None:
    """Unsettled: decimals inside an OBJECT argument arrive as numbers or strings; the option parsers take both."""
    with session_as(deployment) as session:
        probe = create_probe(session, deployment, "LIVE_PROBE_VARIANT", "value VARIANT", VARIANT_PROBE)
        outcome = call_value(session, f'{probe}(PARSE_JSON(\'{{"price": 9.99, "n": 60, "f": {{"x": 0.5}}}}\'))')
    nested = outcome["nested"]
    assert outcome["top"] == "dict", outcome
    assert nested["n"][0] in ("int", "str", "Decimal") and float(nested["n"][1]) == 60, outcome
    assert nested["price"][0] in ("float", "str", "Decimal") and float(nested["price"][1]) == 9.99, outcome
    assert float(nested["f"]["x"][1]) == 0.5, outcome


def test_try_cast_of_z_text_to_datetime(deployment: Deployment) -> None:
    """Unsettled: AUTO lists no Z designator; the views no longer depend on it (they use explicit formats)."""
    with session_as(deployment) as session:
        row = session.sql("SELECT TRY_CAST('2024-05-06T07:08:09Z' AS DATETIME)").collect()[0]
    assert row[0] is None or str(row[0]) == "2024-05-06 07:08:09", row


@pytest.mark.parametrize("input_format", ["AUTO", "DD/MM/YYYY HH24:MI:SS"])
def test_view_timestamps_are_utc_whatever_the_readers_format(deployment: Deployment, input_format: str) -> None:
    expression = utc_timestamp("t.TEXT")
    values = ", ".join(f"('{text}')" for text in TIMESTAMPS)
    with session_as(deployment, TIMESTAMP_INPUT_FORMAT=input_format, TIMEZONE="America/Los_Angeles") as session:
        rows = session.sql(f"SELECT t.TEXT, {expression} FROM (VALUES {values}) t(TEXT)").collect()
    got = {row[0]: (str(row[1]) if row[1] is not None else None) for row in rows}
    assert got == TIMESTAMPS


def test_vector_cast_of_an_array_with_a_null_or_text_element(deployment: Deployment) -> None:
    """The bare cast fails (the guard is needed); the view's guarded cast yields NULL for those and a vector else."""
    with session_as(deployment) as session:
        with pytest.raises(Exception):  # noqa: B017 - any SQL error settles it
            session.sql("SELECT PARSE_JSON('[1, null]')::ARRAY::VECTOR(FLOAT, 2)").collect()
        guarded = vector("PARSE_JSON(t.J)", 2)
        rows = session.sql(
            f"SELECT t.J, {guarded} IS NULL FROM (VALUES ('[1, null]'), ('[\"0.5\", 1]'), ('[1, 2.5]'), ('[1]'), "
            "('{\"a\": 1}'), ('\"text\"')) t(J)"
        ).collect()
    assert {row[0]: row[1] for row in rows} == {
        "[1, null]": True,
        '["0.5", 1]': True,
        "[1, 2.5]": False,
        "[1]": True,
        '{"a": 1}': True,
        '"text"': True,
    }


def test_a_merge_matching_a_target_row_twice_fails_with_100090(deployment: Deployment) -> None:
    with session_as(deployment) as session:
        table = qualified(deployment, "LIVE_PROBE_MERGE")
        session.sql(f"CREATE OR REPLACE TABLE {table} (ID VARCHAR, V INT) AS SELECT 'a', 1").collect()
        merge = (
            f"MERGE INTO {table} t USING (SELECT 'a' AS ID, 5 AS V UNION ALL SELECT 'a', 6) s ON t.ID = s.ID "
            "WHEN MATCHED THEN UPDATE SET V = s.V"
        )
        with pytest.raises(Exception, match=r"100090|Duplicate row detected"):
            session.sql(merge).collect()


def test_rerunning_row_access_as_the_owner_keeps_one_policy_per_table(deployment: Deployment) -> None:
    for attempt in range(2):
        result = run_sql_file(deployment, "55_row_access.sql")
        assert result.returncode == 0, (attempt, result.stdout + result.stderr)
    table = qualified(deployment, "MIXPEEK_DOCUMENTS")
    with session_as(deployment) as session:
        try:
            references = session.sql(
                f"SELECT POLICY_NAME FROM TABLE({deployment.env['database']}.INFORMATION_SCHEMA.POLICY_REFERENCES("
                f"REF_ENTITY_NAME => '{table}', REF_ENTITY_DOMAIN => 'table')) WHERE POLICY_KIND = 'ROW_ACCESS_POLICY'"
            ).collect()
        except Exception as exc:  # the owner may not see POLICY_REFERENCES: the rerun must not need it
            pytest.skip(f"POLICY_REFERENCES is not visible to the owner role: {exc}")
    assert [r[0] for r in references] == [project_env(deployment.env)["row_access_policy"]]


def test_two_concurrent_first_runs_leave_one_state_row(deployment: Deployment) -> None:
    target = qualified(deployment, "LIVE_CONCURRENT_DOCS")
    outcomes: list[Any] = []

    def first_run() -> None:
        with session_as(deployment, "operator_role") as session:
            try:
                outcomes.append(call_value(session, _sync(deployment, target)))
            except Exception as exc:
                outcomes.append(exc)

    runs = [threading.Thread(target=first_run) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert any(isinstance(o, dict) and o.get("status") == "SUCCEEDED" for o in outcomes), outcomes
    with session_as(deployment) as session:
        state = qualified(deployment, "MIXPEEK_SYNC_STATE")
        rows = session.sql(f"SELECT COUNT(*) FROM {state} WHERE TARGET_TABLE = ?", [target]).collect()
        assert rows[0][0] == 1
        assert call_value(session, _sync(deployment, target, "incremental"))["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    "parameters",
    [
        {"AUTOCOMMIT": False},
        {"TIMESTAMP_INPUT_FORMAT": "DD/MM/YYYY HH24:MI:SS"},
        {"ROWS_PER_RESULTSET": 2},
    ],
    ids=["autocommit-off", "timestamp-format", "rows-per-resultset"],
)
def test_a_sync_succeeds_whatever_the_callers_session(deployment: Deployment, parameters: dict[str, Any]) -> None:
    target = qualified(deployment, "LIVE_CALLER_" + next(iter(parameters)))
    with session_as(deployment, "operator_role", **parameters) as session:
        summary = call_value(session, _sync(deployment, target))
        if parameters.get("AUTOCOMMIT") is False:
            session.sql("COMMIT").collect()
    assert summary["status"] == "SUCCEEDED", summary
    with session_as(deployment) as session:
        runs = qualified(deployment, "MIXPEEK_SYNC_RUNS")
        running = session.sql(f"SELECT COUNT(*) FROM {runs} WHERE STATUS = 'RUNNING'").collect()[0][0]
        state = qualified(deployment, "MIXPEEK_SYNC_STATE")
        lease = session.sql(f"SELECT LEASE_RUN_ID FROM {state} WHERE TARGET_TABLE = ?", [target]).collect()
    assert running == 0 and [r[0] for r in lease] == [None]


def test_a_call_inside_the_callers_transaction_works_or_refuses_at_once(deployment: Deployment) -> None:
    target = qualified(deployment, "LIVE_IN_TRANSACTION_DOCS")
    with session_as(deployment, "operator_role") as session:
        session.sql("BEGIN").collect()
        try:
            summary: Any = call_value(session, _sync(deployment, target))
        except Exception as exc:
            summary = exc
        session.sql("ROLLBACK").collect()
    if isinstance(summary, Exception):
        assert "outside a transaction" in str(summary), summary
    else:
        assert summary["status"] == "SUCCEEDED", summary


def test_current_transaction_inside_a_procedure_names_the_callers_open_transaction(deployment: Deployment) -> None:
    """Unsettled: the procedures refuse a CALL inside a transaction by CURRENT_TRANSACTION() (Database.
    refuse_open_transaction); it must name the caller's transaction inside an owner's-rights procedure, and be NULL
    outside one, with AUTOCOMMIT on or off."""
    with session_as(deployment) as session:
        probe = create_probe(session, deployment, "LIVE_PROBE_TRANSACTION", "", TRANSACTION_PROBE)
        assert call_value(session, f"{probe}()")["transaction"] is None
        session.sql("BEGIN").collect()
        try:
            inside = call_value(session, f"{probe}()")["transaction"]
        finally:
            session.sql("ROLLBACK").collect()
    assert inside is not None
    with session_as(deployment, AUTOCOMMIT=False) as session:
        assert call_value(session, f"{probe}()")["transaction"] is None


def test_a_refused_call_inside_a_transaction_leaves_no_table_and_no_run_row(deployment: Deployment) -> None:
    target = qualified(deployment, "LIVE_REFUSED_DOCS")
    with session_as(deployment, "operator_role") as session:
        session.sql("BEGIN").collect()
        try:
            with pytest.raises(Exception, match="outside a transaction"):
                call_value(session, _sync(deployment, target))
        finally:
            session.sql("ROLLBACK").collect()
    with session_as(deployment) as session:
        runs = qualified(deployment, "MIXPEEK_SYNC_RUNS")
        found = session.sql(f"SELECT COUNT(*) FROM {runs} WHERE TARGET_TABLE = ?", [target]).collect()[0][0]
        schema = f"{deployment.env['database']}.{deployment.env['schema']}"
        tables = session.sql(f"SHOW TABLES LIKE 'LIVE_REFUSED_DOCS' IN SCHEMA {schema}").collect()
    assert found == 0 and tables == []


def test_strip_null_value_turns_a_json_null_into_sql_null(deployment: Deployment) -> None:
    """The staged VARIANT columns, LABELS.PATH and enrich UPDATE_DATA rely on it (issue 13 item 7)."""
    with session_as(deployment) as session:
        row = session.sql(
            "SELECT STRIP_NULL_VALUE(PARSE_JSON('{\"a\": null}'):a) IS NULL, PARSE_JSON('{\"a\": null}'):a IS NULL, "
            "STRIP_NULL_VALUE(PARSE_JSON('{\"a\": [1]}'):a)::VARCHAR"
        ).collect()[0]
    assert (row[0], row[1]) == (True, False) and row[2].replace(" ", "").replace("\n", "") == "[1]"


def test_unqualified_names_resolve_in_the_procedures_schema(deployment: Deployment) -> None:
    elsewhere = f"{deployment.env['database']}.LIVE_ELSEWHERE_{deployment.env['schema'][-8:]}"
    with session_as(deployment) as session:
        session.sql(f"CREATE SCHEMA IF NOT EXISTS {elsewhere}").collect()
        try:
            session.use_schema(elsewhere)
            summary = call_value(session, _sync(deployment, "LIVE_UNQUALIFIED_DOCS"))
            assert summary["status"] == "SUCCEEDED", summary
            found = session.sql(f"SHOW TABLES LIKE 'LIVE_UNQUALIFIED_DOCS' IN SCHEMA {elsewhere}").collect()
            assert found == []
            home = f"{deployment.env['database']}.{deployment.env['schema']}"
            assert session.sql(f"SHOW TABLES LIKE 'LIVE_UNQUALIFIED_DOCS' IN SCHEMA {home}").collect()
        finally:
            session.sql(f"DROP SCHEMA IF EXISTS {elsewhere}").collect()


def test_redeploying_the_tasks_updates_them(deployment: Deployment) -> None:
    """CREATE OR ALTER TASK on a suspended task; on a resumed one it needs the 2026_06 bundle (bcr-2363)."""
    variables = (f"collection_id={deployment.collection}", f"mixpeek_namespace={deployment.namespace}")
    result = run_sql_file(deployment, "60_tasks.sql", *variables)
    assert result.returncode == 0, result.stdout + result.stderr
    with session_as(deployment) as session:
        schema = f"{deployment.env['database']}.{deployment.env['schema']}"
        tasks = [row.as_dict() for row in session.sql(f"SHOW TASKS LIKE 'MIXPEEK_SYNC_%' IN SCHEMA {schema}").collect()]
    assert len(tasks) == 2 and {t["state"] for t in tasks} == {"suspended"}
    assert all(t.get("overlap_policy", "NO_OVERLAP") == "NO_OVERLAP" for t in tasks), tasks


def package_source(deployment: Deployment) -> str:
    """The schema's effective DEFAULT_PYTHON_ARTIFACT_REPOSITORY ('' where none is set: Anaconda, bcr-2325)."""
    schema = f"{deployment.env['database']}.{deployment.env['schema']}"
    rows = deployment.sql(f"SHOW PARAMETERS LIKE 'DEFAULT_PYTHON_ARTIFACT_REPOSITORY' IN SCHEMA {schema}", "owner_role")
    return str(rows[0].get("value") or "") if rows else ""


def test_the_packages_the_bundle_and_the_app_name_are_on_the_accounts_anaconda_channel(deployment: Deployment) -> None:
    """The app's pin always (Streamlit installs from Anaconda); the bundle's packages where procedures install from
    Anaconda. Where PyPI is the schema's default (bcr-2325), the deploy and sync tests show they installed."""
    shipped = [line.split(">")[0].split("=")[0].strip() for line in (ROOT / "requirements.snowflake.txt").open()]
    from_anaconda = "pypi" not in package_source(deployment).lower()
    wanted = {name for name in shipped if name and not name.startswith("#")} if from_anaconda else set()
    packages = f"{deployment.env['database']}.INFORMATION_SCHEMA.PACKAGES"
    rows = deployment.sql(
        f"SELECT PACKAGE_NAME, VERSION FROM {packages} WHERE LANGUAGE = 'python' AND PACKAGE_NAME IN "
        f"({', '.join(repr(name) for name in sorted(wanted | {'streamlit'}))})",
        "owner_role",
    )
    offered = {(row["PACKAGE_NAME"], row["VERSION"]) for row in rows}
    app = (ROOT / "src" / "mixpeek_app" / "environment.yml").read_text()
    pins = [line.strip() for line in app.splitlines()]
    (streamlit,) = [pin.split("=", 1)[1] for pin in pins if pin.startswith("- streamlit=")]
    assert wanted <= {name for name, _ in offered}
    assert ("streamlit", streamlit) in offered
