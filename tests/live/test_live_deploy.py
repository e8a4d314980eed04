"""Against a real account: deploy, rerun the deploy, sync as the operator, read as the reader, run the scheduler."""

from __future__ import annotations

import json
import os
import time

import pytest
from live.deployment import Deployment
from project.sqlfiles import project_env

from mixpeek_snowflake.search import retrieval as search

pytestmark = pytest.mark.live


def _table(deployment: Deployment, name: str) -> str:
    return f"{deployment.env['database']}.{deployment.env['schema']}.{name}"


def _options(deployment: Deployment, **extra: str) -> str:
    pairs = {"namespace": f"'{deployment.namespace}'", **extra}
    return "OBJECT_CONSTRUCT(" + ", ".join(f"'{name}', {value}" for name, value in pairs.items()) + ")"


def _run(deployment: Deployment, procedure: str, arguments: str) -> dict:
    """CALL a procedure of the deployment as the operator; its summary."""
    query = f"CALL {_table(deployment, procedure)}({arguments})"
    value = next(iter(deployment.sql(query, "operator_role")[0].values()))
    return value if isinstance(value, dict) else json.loads(value)


def _call(deployment: Deployment, mode: str) -> dict:
    target = _table(deployment, "MIXPEEK_DOCUMENTS")
    arguments = f"'{deployment.collection}', '{target}', '{mode}', {_options(deployment)}"
    return _run(deployment, "sync_mixpeek_collection", arguments)


def _live_documents(deployment: Deployment) -> int:
    query = f"SELECT COUNT(*) AS N FROM {_table(deployment, 'MIXPEEK_DOCUMENTS')} WHERE NOT IS_DELETED"
    return deployment.sql(query, "reader_role")[0]["N"]


def test_a_second_deploy_changes_nothing_and_succeeds(deployment: Deployment) -> None:
    result = deployment.make(
        "deploy",
        f"COLLECTION={deployment.collection}",
        f"NAMESPACE={deployment.namespace}",
        f"GOVERNANCE={int(deployment.governance)}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_operator_runs_a_full_sync_and_the_reader_sees_the_documents(deployment: Deployment) -> None:
    summary = _call(deployment, "full")
    assert summary["status"] == "SUCCEEDED", summary
    assert summary["inserted"] > 0, "MIXPEEK_LIVE_COLLECTION should hold documents"
    query = f"SELECT COUNT(*) AS N FROM {_table(deployment, 'MIXPEEK_DOCUMENTS')} WHERE NOT IS_DELETED"
    assert deployment.sql(query, "reader_role")[0]["N"] == summary["inserted"]
    statuses = deployment.sql(f"SELECT STATUS FROM {_table(deployment, 'MIXPEEK_SYNC_RUNS')}", "operator_role")
    assert [r["STATUS"] for r in statuses] == ["SUCCEEDED"]


def test_the_reader_sees_sensitive_columns_masked(deployment: Deployment) -> None:
    if not deployment.governance:
        pytest.skip("GOVERNANCE=0: no masking policies")
    query = f"SELECT DISTINCT SOURCE_URL FROM {_table(deployment, 'MIXPEEK_DOCUMENTS')} WHERE SOURCE_URL IS NOT NULL"
    assert {r["SOURCE_URL"] for r in deployment.sql(query, "reader_role")} <= {"***MASKED***"}


@pytest.mark.parametrize(
    "call",
    [
        "sync_mixpeek_collection('{collection}')",
        "refresh_mixpeek_labels('{collection}')",
        "create_mixpeek_views('{collection}')",
        "enrich_mixpeek_documents('{collection}', 'SELECT 1 AS K', 'K', OBJECT_CONSTRUCT('dry_run', TRUE))",
    ],
)
def test_the_reader_may_call_no_procedure(deployment: Deployment, call: str) -> None:
    with pytest.raises(RuntimeError):
        deployment.sql(f"CALL {_table(deployment, call.format(collection=deployment.collection))}", "reader_role")


def test_the_operator_refreshes_the_labels_and_the_reader_reads_them(deployment: Deployment) -> None:
    target = _table(deployment, "MIXPEEK_DOCUMENTS")
    arguments = f"'{deployment.collection}', '{target}', {_options(deployment)}"
    summary = _run(deployment, "refresh_mixpeek_labels", arguments)
    assert summary["status"] == "SUCCEEDED", summary
    labels = deployment.sql(f"SELECT COUNT(*) AS N FROM {_table(deployment, 'MIXPEEK_DOCUMENT_LABELS')}", "reader_role")
    assert labels[0]["N"] == summary["labels_written"]
    taxonomies = f"SELECT DISTINCT TAXONOMY_ID FROM {_table(deployment, 'MIXPEEK_DOCUMENT_LABELS')}"
    names = f"SELECT TAXONOMY_ID FROM {_table(deployment, 'MIXPEEK_TAXONOMIES')}"
    assert deployment.sql(f"{taxonomies} EXCEPT {names}", "reader_role") == []


def test_views_the_operator_creates_are_readable_by_the_reader(deployment: Deployment) -> None:
    source = f"'{_table(deployment, 'MIXPEEK_DOCUMENTS')}'"
    arguments = f"'{deployment.collection}', {_options(deployment, source_table=source)}"
    main_view = _run(deployment, "create_mixpeek_views", arguments)["views"][0]["name"]
    seen = deployment.sql(f"SELECT COUNT(*) AS N FROM {main_view}", "reader_role")[0]["N"]
    assert seen == _live_documents(deployment)


def test_the_sensitive_reader_searches_a_retriever(deployment: Deployment) -> None:
    retriever = os.environ.get("MIXPEEK_LIVE_RETRIEVER")
    if not retriever:
        pytest.skip("MIXPEEK_LIVE_RETRIEVER (a retriever id or name in MIXPEEK_LIVE_NAMESPACE) is not set")
    function = _table(deployment, "mixpeek_search")
    query = f"SELECT * FROM TABLE({function}('{retriever}', TO_VARIANT('video'), {_options(deployment, limit='3')}))"
    with pytest.raises(RuntimeError):
        deployment.sql(query, "reader_role")
    rows = deployment.sql(query, "sensitive_reader_role")
    assert len(rows) <= 3
    assert all(tuple(row) == search.COLUMNS for row in rows)


def test_the_scheduler_task_starts_suspended_and_the_operator_can_run_it(deployment: Deployment) -> None:
    schema = f"{deployment.env['database']}.{deployment.env['schema']}"
    task = project_env(deployment.env)["scheduler_task"]
    tasks = deployment.sql(f"SHOW TASKS IN SCHEMA {schema}", "operator_role")
    assert [(t["name"], t["state"]) for t in tasks] == [(task, "suspended")]
    deployment.sql(f"EXECUTE TASK {_table(deployment, task)}", "operator_role")
    history = (
        f"SELECT STATE FROM TABLE({deployment.env['database']}.INFORMATION_SCHEMA.TASK_HISTORY("
        f"TASK_NAME => '{task}')) ORDER BY SCHEDULED_TIME DESC LIMIT 1"
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        rows = deployment.sql(history, "operator_role")
        if rows and rows[0]["STATE"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(10)
    assert rows and rows[0]["STATE"] == "SUCCEEDED", rows
