"""Against a real account: deploy, rerun the deploy, sync as the operator, read as the reader, run a task, undeploy."""

from __future__ import annotations

import json
import time

import pytest
from live.deployment import Deployment

pytestmark = pytest.mark.live


def _table(deployment: Deployment, name: str) -> str:
    return f"{deployment.env['database']}.{deployment.env['schema']}.{name}"


def _call(deployment: Deployment, mode: str) -> dict:
    namespace = f"OBJECT_CONSTRUCT('namespace', '{deployment.namespace}')"
    target = _table(deployment, "MIXPEEK_DOCUMENTS")
    arguments = f"'{deployment.collection}', '{target}', '{mode}', {namespace}"
    query = f"CALL {_table(deployment, 'sync_mixpeek_collection')}({arguments})"
    value = next(iter(deployment.sql(query, "operator_role")[0].values()))
    return value if isinstance(value, dict) else json.loads(value)


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


def test_the_reader_may_not_call_the_procedure(deployment: Deployment) -> None:
    with pytest.raises(RuntimeError):
        deployment.sql(
            f"CALL {_table(deployment, 'sync_mixpeek_collection')}('{deployment.collection}')", "reader_role"
        )


def test_tasks_start_suspended_and_the_operator_can_run_one(deployment: Deployment) -> None:
    schema = f"{deployment.env['database']}.{deployment.env['schema']}"
    tasks = deployment.sql(f"SHOW TASKS IN SCHEMA {schema}", "operator_role")
    assert {t["state"] for t in tasks} == {"suspended"} and len(tasks) == 2
    deployment.sql(f"EXECUTE TASK {_table(deployment, 'MIXPEEK_SYNC_INCREMENTAL')}", "operator_role")
    history = (
        f"SELECT STATE FROM TABLE({deployment.env['database']}.INFORMATION_SCHEMA.TASK_HISTORY("
        f"TASK_NAME => 'MIXPEEK_SYNC_INCREMENTAL')) ORDER BY SCHEDULED_TIME DESC LIMIT 1"
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        rows = deployment.sql(history, "operator_role")
        if rows and rows[0]["STATE"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(10)
    assert rows and rows[0]["STATE"] == "SUCCEEDED", rows
