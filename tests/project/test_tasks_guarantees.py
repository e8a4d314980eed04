"""The scheduler Task docs/operations.md promises: one Task calling run_due_mixpeek_syncs, serverless unless a
warehouse is named, tagged for cost attribution, never overlapping, retried once, suspended after 3 failures in a
row, and updated in place (CREATE OR ALTER) when a redeploy renders it with other settings."""

from __future__ import annotations

import re

from project import sqlfacts, sqlfiles


def _task(env: dict[str, str] | None = None) -> str:
    statements = [sqlfacts.normalize(s) for s in sqlfiles.render("60_tasks.sql", {}, env)]
    tasks = [s for s in statements if " TASK " in s and s.startswith("CREATE ")]
    assert len(tasks) == 1
    return tasks[0]


def test_one_serverless_scheduler_task_retries_once_and_suspends_after_three_failures() -> None:
    task = _task()
    assert task.startswith("CREATE OR ALTER TASK MIXPEEK.CORE.MIXPEEK_SYNC_SCHEDULER ")
    assert " WAREHOUSE = " not in task and " USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' " in task
    assert " SCHEDULE = '15 MINUTE' " in task and " OVERLAP_POLICY = NO_OVERLAP " in task
    assert " SUSPEND_TASK_AFTER_NUM_FAILURES = 3 " in task and " TASK_AUTO_RETRY_ATTEMPTS = 1 " in task
    assert " QUERY_TAG = 'MIXPEEK_BUNDLE' " in task
    assert task.endswith(" AS CALL MIXPEEK.CORE.run_due_mixpeek_syncs()")


def test_a_redeploy_with_other_settings_alters_the_same_task_in_place() -> None:
    before = _task()
    after = _task({"scheduler_warehouse": "ETL_WH", "scheduler_schedule": "USING CRON 0 * * * * UTC"})
    assert (
        after.split(" ")[:5]
        == before.split(" ")[:5]
        == "CREATE OR ALTER TASK MIXPEEK.CORE.MIXPEEK_SYNC_SCHEDULER".split()
    )
    assert " WAREHOUSE = ETL_WH SCHEDULE = 'USING CRON 0 * * * * UTC' " in after
    assert "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE" not in after
    assert re.sub(r"WAREHOUSE = ETL_WH SCHEDULE = '[^']*'", "", after) == re.sub(
        r"USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' SCHEDULE = '[^']*'", "", before
    )
