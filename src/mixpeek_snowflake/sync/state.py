"""The pair's stored state, and why it cannot be trusted for an incremental run (then the run is full)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mixpeek_snowflake.snowflake.timestamps import parse_timestamp
from mixpeek_snowflake.sync.definition import Definition


@dataclass
class StoredState:
    """The state row of the pair, as read at the start of the run (all None when there is none)."""

    watermark: str | None = None
    cursor: str | None = None
    lease_run_id: str | None = None
    lease_expires_at: Any = None
    definition: Definition | None = None
    target_rows: int | None = None
    target_created: str | None = None
    exists: bool = False

    @classmethod
    def of(cls, row: tuple[Any, ...] | None) -> StoredState:
        """From a read_state row (None: no row)."""
        if row is None:
            return cls()
        rows = None if row[5] is None else int(row[5])
        return cls(row[0], row[1], row[2], row[3], Definition.from_stored(row[4]), rows, row[6], True)


@dataclass(frozen=True)
class TargetNow:
    """The target as the run found it: whether it had to be created, its row count and creation time."""

    display: str
    created_by_run: bool
    rows: int | None
    created: str | None


def state_problem(state: StoredState) -> str | None:
    """Why the watermark cannot start an incremental run, or None."""
    if state.watermark is None and state.target_rows is None:
        return "no committed run yet (first run, or after reset_mixpeek_sync)"
    if state.watermark is None:
        return "no watermark yet (no document synced so far)"
    if parse_timestamp(state.watermark) is None:
        return f"the stored watermark {state.watermark!r} is unreadable"
    return None


def identity_problem(state: StoredState, target: TargetNow) -> str | None:
    """Why the target is not the one the state describes (dropped, emptied, changed by hand, recreated), or None."""
    if target.created_by_run:
        return f"{target.display} did not exist (dropped?) and was created empty"
    if state.target_rows is None:
        return f"no row count was recorded for {target.display} at its last commit (state of an older version)"
    if target.rows != state.target_rows:
        return f"{target.display} holds {target.rows} rows, not the {state.target_rows} of its last commit"
    if state.target_created and target.created and target.created != state.target_created:
        return f"{target.display} was recreated (created {target.created}, not {state.target_created})"
    return None
