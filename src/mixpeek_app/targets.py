"""The Targets page: every target's freshness and last run, its run history and last error; operator actions."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mixpeek_app import config, documents, queries, ui

# The last action's (name, result), shown once on the page the action reran.
DONE = "targets_done"
TABLE_COLUMNS = (
    "COLLECTION_ID",
    "TARGET_TABLE",
    "FRESHNESS",
    "IS_STALE",
    "LAST_STATUS",
    "LAST_RUN_STARTED_AT",
    "CONSECUTIVE_FAILURES",
    "DOCUMENTS",
    "REJECTS",
    "ENABLED",
    "PAUSED_REASON",
    "SCHEDULE",
)


def render() -> None:
    page = ui.start("Targets")
    if not page.has(config.TARGET_HEALTH):
        return
    targets = page.rows(queries.target_health(page.bundle))
    if not targets:
        st.info("No target has been synced yet: CALL sync_mixpeek_collection('col_…') makes the first.")
        return
    overview(targets)
    labels = [documents.target_label(row) for row in targets]
    chosen = st.selectbox("Target", labels, key="target")
    target = targets[labels.index(chosen)] if chosen in labels else targets[0]
    details(page, target)
    if page.access.operate:
        operations(page, target)


def overview(targets: list[dict[str, Any]]) -> None:
    failing = sum(1 for row in targets if (row.get("CONSECUTIVE_FAILURES") or 0) > 0)
    stale = sum(1 for row in targets if row.get("IS_STALE"))
    left, middle, right = st.columns(3)
    left.metric("Targets", len(targets))
    middle.metric("Failing", failing)
    right.metric("Stale", stale)
    rows = [{**row, "FRESHNESS": documents.freshness(_lag_since_success(row))} for row in targets]
    st.dataframe(ui.frame(rows, TABLE_COLUMNS), hide_index=True, key="health")


def details(page: ui.Page, target: dict[str, Any]) -> None:
    st.subheader(documents.target_label(target))
    if target.get("LAST_ERROR"):
        st.error(f"Last error (run {target.get('LAST_RUN_ID')}, {target.get('LAST_STATUS')})")
        st.code(str(target["LAST_ERROR"]), language=None)
    if not page.has(config.RUNS):
        return
    runs = page.rows(queries.run_history(page.bundle, target["COLLECTION_ID"], target["TARGET_TABLE"]))
    if not runs:
        st.caption("No runs recorded for this target.")
        return
    history = ui.frame(runs, queries.RUN_COLUMNS)
    st.caption("Run history: documents per run, by status")
    st.scatter_chart(history, x="STARTED_AT", y="DOCUMENTS", color="STATUS")
    st.dataframe(history, hide_index=True, key="runs")


def operations(page: ui.Page, target: dict[str, Any]) -> None:
    """Run a sync now, pause or resume: the operator role only, through the bundle's procedures."""
    st.subheader("Operate")
    done = st.session_state.pop(DONE, None)
    if done:
        action, result = done
        st.success(f"{action}: {outcome(result)}")
        if isinstance(result, dict):
            st.json(result, expanded=False)
    collection, table = target["COLLECTION_ID"], target["TARGET_TABLE"]
    mode = st.selectbox("Mode", config.SYNC_MODES, key="sync_mode")
    if st.button("Run sync now", key="run_sync"):
        act(page, "Sync", config.SYNC_PROCEDURE, [collection, table, mode, None])
    if target.get("ENABLED") is False or target.get("PAUSED_REASON"):
        if st.button("Resume", key="resume"):
            act(page, "Resume", config.RESUME_PROCEDURE, [collection, table])
        return
    reason = st.text_input("Reason to pause", key="pause_reason", max_chars=500)
    if st.button("Pause", key="pause"):
        act(page, "Pause", config.PAUSE_PROCEDURE, [collection, table, reason or "paused from the app"])


def act(page: ui.Page, action: str, procedure: str, args: list[Any]) -> None:
    """Call the procedure; on success rerun the page, so the health, the runs and the buttons are read anew, and say
    there what the procedure returned. A failure is shown where the button is."""
    try:
        result = page.backend.call(procedure, args)
    except Exception as exc:
        ui.failure(action, exc)
        return
    st.session_state[DONE] = (action, result)
    st.rerun()


def outcome(result: Any) -> str:
    """What a procedure's result says: a run's status, or whether the target it returns is enabled or paused."""
    if not isinstance(result, dict):
        return "done"
    if result.get("status"):
        return str(result["status"])
    if "enabled" in result:
        return "enabled" if result["enabled"] else f"paused ({result.get('paused_reason')})"
    return "done"


def _lag_since_success(row: dict[str, Any]) -> Any:
    """The health view counts a target that never succeeded from its creation; the app says never for it."""
    return row.get("LAG_SECONDS") if row.get("LAST_SUCCESS_AT") is not None else None
