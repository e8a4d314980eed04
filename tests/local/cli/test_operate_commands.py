"""reset, unlock and targets …: help text naming options, defaults and environment; JSON on stdout; exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from local.cli.cli_world import COLLECTION, DOCUMENTS, Result

LOCAL = ("--local-dir", "--connection")
MIXPEEK = ("MIXPEEK_API_KEY", "MIXPEEK_BASE_URL", "MIXPEEK_NAMESPACE")
# argv: (options the help must name, "option (default: value)" pairs, environment variables it names)
HELP = {
    ("reset",): (("--target", *LOCAL), (("--target", "MIXPEEK_DOCUMENTS"),), ("MIXPEEK_LOCAL_DIR",)),
    ("unlock",): (("run_id", "--target", *LOCAL), (("--target", "MIXPEEK_DOCUMENTS"),), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "add"): (
        ("--target", "--schedule", "--stale-after", "--option", *LOCAL),
        (("--target", "MIXPEEK_DOCUMENTS"), ("--schedule", "both"), ("--local-dir", ".mixpeek-local/")),
        ("MIXPEEK_LOCAL_DIR",),
    ),
    ("targets", "change"): (("--schedule", "--stale-after", "--option", *LOCAL), (), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "pause"): (("--reason", "--target", *LOCAL), (), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "resume"): (("--target", *LOCAL), (), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "remove"): (("--target", *LOCAL), (), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "list"): (("--json", *LOCAL), (), ("MIXPEEK_LOCAL_DIR",)),
    ("targets", "run-due"): (("--mixpeek-url", "--namespace", *LOCAL), (), (*MIXPEEK, "MIXPEEK_LOCAL_DIR")),
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_top_level_help_lists_reset_unlock_and_targets(cli: Callable[..., Result]) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("reset", "unlock", "targets"):
        assert re.search(rf"^\s+{command}\s+\S", result.out, re.M), command
    actions = cli("targets", "--help").out
    for action in ("add", "change", "pause", "resume", "remove", "list", "run-due"):
        assert action in actions


@pytest.mark.parametrize("argv", list(HELP), ids=" ".join)
def test_each_help_names_its_options_defaults_and_environment(
    cli: Callable[..., Result], argv: tuple[str, ...]
) -> None:
    options, defaults, variables = HELP[argv]
    result = cli(*argv, "--help")
    text = flat(result.out)
    assert result.code == 0 and text.startswith(f"usage: mixpeek-snowflake {' '.join(argv)} ")
    assert all(option in text for option in options), text
    assert all(f"{option} " in text and f"(default: {value})" in text for option, value in defaults), text
    environment = text.split("environment variables:", 1)[1]
    assert [name for name in (*MIXPEEK, "MIXPEEK_LOCAL_DIR") if name in environment] == list(variables)
    assert "exit codes: 0 success, 1 failed run" in text


def _json(result: Result) -> Any:
    assert result.err == "" or result.code != 0, result.err
    return json.loads(result.out)


def test_targets_from_add_to_remove_with_run_due_between(cli: Callable[..., Result], tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    added = cli(
        "targets",
        "add",
        COLLECTION,
        "--target",
        "SHOP",
        "--schedule",
        "daily_full",
        "--option",
        "page_size=100",
        *where,
    )
    again = cli("targets", "add", COLLECTION, "--target", "SHOP", *where)
    no_reason = cli("targets", "pause", COLLECTION, "--target", "SHOP", *where)
    paused = cli("targets", "pause", COLLECTION, "--target", "SHOP", "--reason", "quiet week", *where)
    resumed = cli("targets", "resume", COLLECTION, "--target", "SHOP", *where)
    ran = cli("targets", "run-due", *where)
    listed = cli("targets", "list", "--json", *where)
    removed = cli("targets", "remove", COLLECTION, "--target", "SHOP", *where)

    row = _json(added)
    assert (added.code, row["schedule"], row["options"], row["enabled"]) == (0, "daily_full", {"page_size": 100}, True)
    assert row["target_table"].endswith(".SHOP")
    assert again.code == 2 and again.out == ""
    assert again.err.strip().splitlines() == [
        f"error: invalid target_table: sync target {COLLECTION} → {row['target_table']} is configured already; "
        "change it with change_mixpeek_target"
    ]
    assert no_reason.code == 2 and "--reason" in no_reason.err
    assert (paused.code, _json(paused)["paused_reason"]) == (0, "quiet week")
    assert (resumed.code, _json(resumed)["enabled"]) == (0, True)
    summary = _json(ran)
    assert (ran.code, summary["status"], summary["ran"]) == (0, "SUCCEEDED", 1)
    assert (summary["targets"][0]["mode"], summary["targets"][0]["documents_seen"]) == ("full", DOCUMENTS)
    [listed_row] = _json(listed)
    assert (listed_row["last_scheduled_status"], listed_row["last_scheduled_run_id"]) == (
        "SUCCEEDED",
        summary["targets"][0]["run_id"],
    )
    assert (removed.code, _json(removed)["removed"]) == (0, True)


def test_run_due_exits_1_when_a_target_fails_and_reset_and_unlock_answer_in_json(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    where = ("--local-dir", str(tmp_path))
    assert cli("targets", "add", "col_missing00001", "--target", "GONE", *where).code == 0
    failed = cli("targets", "run-due", *where)
    reset = cli("reset", "col_missing00001", "--target", "GONE", *where)
    not_held = cli("unlock", "col_missing00001", "run_20260101T000000Z_deadbeef", "--target", "GONE", *where)
    malformed = cli("unlock", "col_missing00001", "run_1", *where)

    summary = json.loads(failed.out)
    assert (failed.code, summary["status"], summary["failed"]) == (1, "FAILED", 1)
    assert "col_missing00001" in summary["targets"][0]["error"]
    assert (reset.code, json.loads(reset.out)["status"]) == (0, "RESET")
    assert (not_held.code, json.loads(not_held.out)["status"]) == (0, "NOT_HELD")
    assert malformed.code == 2 and malformed.err.startswith("error: invalid run_id: 'run_1' is not allowed")
