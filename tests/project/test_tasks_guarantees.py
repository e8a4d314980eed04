"""The Tasks docs/operations.md promises: never overlapping, retried once, suspended after 3 failures in a row."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def rendered_tasks() -> list[str]:
    """Each CREATE OR ALTER TASK of sql/60_tasks.sql with the env: values of snowflake.yml filled in."""
    env = yaml.safe_load((ROOT / "snowflake.yml").read_text())["env"]
    text = (ROOT / "sql" / "60_tasks.sql").read_text()
    text = re.sub(r"<% ctx\.env\.(\w+) %>", lambda m: str(env[m[1]]), text)
    return re.split(r"^CREATE OR ALTER TASK ", text, flags=re.M)[1:]


def test_both_tasks_retry_once_and_suspend_after_three_failures() -> None:
    tasks = rendered_tasks()
    assert len(tasks) == 2
    for task in tasks:
        assert re.search(r"^\s*SUSPEND_TASK_AFTER_NUM_FAILURES = 3$", task, re.M), task
        assert re.search(r"^\s*TASK_AUTO_RETRY_ATTEMPTS = 1$", task, re.M), task
        assert re.search(r"^\s*OVERLAP_POLICY = NO_OVERLAP$", task, re.M), task
    assert [re.search(r"'(incremental|full)'", t)[1] for t in tasks] == ["incremental", "full"]
