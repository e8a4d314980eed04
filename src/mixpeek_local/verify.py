"""Checks of a synced schema against the emulator's truth: exact match, clean failure, no orphan stage rows."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.sync.labels import document_labels
from mixpeek_snowflake.sync.statements import SyncTables

TABLES_IN_SCHEMA = (
    "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
    "WHERE TABLE_CATALOG = CURRENT_DATABASE() AND TABLE_SCHEMA = CURRENT_SCHEMA() ORDER BY 1"
)
Snapshot = dict[str, list[tuple[str, ...]]]


@dataclass
class Verdict:
    """What a check compared and every problem it found (none means the check passed)."""

    compared: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def add(self, other: Verdict) -> Verdict:
        """Fold another verdict into this one."""
        self.compared += other.compared
        self.problems += other.problems
        return self


def tables_of(target: str) -> SyncTables:
    """The target and its bookkeeping tables, named as the sync names them (in the session's schema)."""
    return SyncTables.beside(TableName.parse(target))


def rows(session: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    return [row.as_dict() for row in session.sql(sql, params=params).collect()]


def table_names(session: Any) -> list[str]:
    """The tables of the session's current schema."""
    return [row["TABLE_NAME"] for row in rows(session, TABLES_IN_SCHEMA)]


def snapshot(session: Any, target: str = "MIXPEEK_DOCUMENTS") -> Snapshot:
    """Every row of every table in the schema except the run log, as sorted text tuples."""
    runs = tables_of(target).runs.name
    names = table_names(session)
    return {
        name: sorted(tuple(str(v) for v in row) for row in session.sql(f'SELECT * FROM "{name}"').collect())
        for name in names
        if name != runs
    }


def run_log(session: Any, target: str = "MIXPEEK_DOCUMENTS") -> dict[str, dict[str, Any]]:
    """Run rows by run id: STATUS and ERROR (none before the first run made the table)."""
    runs = tables_of(target).runs
    if runs.name not in table_names(session):
        return {}
    return {r["RUN_ID"]: r for r in rows(session, f"SELECT RUN_ID, STATUS, ERROR FROM {runs.sql}")}


def orphan_stage_rows(session: Any, target: str = "MIXPEEK_DOCUMENTS") -> int:
    """Rows left in the staging table (there must be none once a run has ended)."""
    return int(rows(session, f"SELECT COUNT(*) AS N FROM {tables_of(target).stage.sql}")[0]["N"])


def target_rows(session: Any, target: str = "MIXPEEK_DOCUMENTS") -> list[dict[str, Any]]:
    """DOCUMENT_ID, IS_DELETED and the parsed DOCUMENT of every target row."""
    found = rows(session, f"SELECT DOCUMENT_ID, IS_DELETED, DOCUMENT FROM {tables_of(target).target.sql}")
    return [{**r, "DOCUMENT": json.loads(r["DOCUMENT"]) if r["DOCUMENT"] is not None else None} for r in found]


def _one_row_per_id(found: list[dict[str, Any]]) -> list[str]:
    counts = Counter(r["DOCUMENT_ID"] for r in found)
    return [f"{i}: {n} rows" for i, n in sorted(counts.items()) if n > 1]


def _rows_by_id(session: Any, target: str) -> tuple[Verdict, dict[str, dict[str, Any]]]:
    """The target's rows by document id, and a verdict that already flags ids with more than one row."""
    found = target_rows(session, target)
    verdict = Verdict(compared=len(found), problems=_one_row_per_id(found))
    return verdict, {r["DOCUMENT_ID"]: r for r in found}


def compare_with_truth(session: Any, truth: Iterable[Mapping[str, Any]], target: str = "MIXPEEK_DOCUMENTS") -> Verdict:
    """Live rows equal the truth's documents exactly; every other row is flagged deleted; one row per id."""
    expected = {doc["document_id"]: doc for doc in truth}
    verdict, by_id = _rows_by_id(session, target)
    for document_id, doc in expected.items():
        row = by_id.get(document_id)
        if row is None or row["IS_DELETED"]:
            verdict.problems.append(f"{document_id}: {'missing' if row is None else 'flagged deleted'} in the target")
        elif row["DOCUMENT"] != doc:
            verdict.problems.append(f"{document_id}: the target holds another version than Mixpeek")
    for document_id, row in by_id.items():
        if document_id not in expected and not row["IS_DELETED"]:
            verdict.problems.append(f"{document_id}: gone from Mixpeek but live in the target")
    return verdict


def compare_during_change(
    session: Any,
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    versions: Mapping[str, Sequence[Mapping[str, Any]]],
    target: str = "MIXPEEK_DOCUMENTS",
) -> Verdict:
    """After a run whose listing changed while it was read: documents untouched throughout are exact; any other
    live row holds a version that existed (before, after or in between); one row per id."""
    old = {doc["document_id"]: doc for doc in before}
    new = {doc["document_id"]: doc for doc in after}
    verdict, by_id = _rows_by_id(session, target)
    for document_id, doc in old.items():
        row = by_id.get(document_id)
        if new.get(document_id) == doc and (row is None or row["IS_DELETED"] or row["DOCUMENT"] != doc):
            verdict.problems.append(f"{document_id}: unchanged during the run but not exact in the target")
    for document_id, row in by_id.items():
        known = [old.get(document_id), new.get(document_id), *versions.get(document_id, [])]
        if not row["IS_DELETED"] and row["DOCUMENT"] not in [k for k in known if k is not None]:
            verdict.problems.append(f"{document_id}: live in the target with a version Mixpeek never had")
    return verdict


def _difference(old: list[tuple[str, ...]], new: list[tuple[str, ...]]) -> tuple[list, list]:
    removed, added = Counter(old) - Counter(new), Counter(new) - Counter(old)
    return sorted(removed.elements())[:3], sorted(added.elements())[:3]


def failed_cleanly(
    session: Any,
    before: Snapshot,
    runs_before: Mapping[str, Any],
    cause: str,
    target: str = "MIXPEEK_DOCUMENTS",
    stage_empty: bool = True,
) -> Verdict:
    """Everything but the run log is as before, one new run row is FAILED naming the cause, and the stage is
    empty (or, with stage_empty=False, holds only what an earlier crashed run left, as before).

    A state row the run created only to hold its lease, and left with no watermark, cursor or lease, counts as
    no row: the next run reads it exactly as it reads a missing one."""
    verdict = Verdict(compared=1)
    after = snapshot(session, target)
    state = tables_of(target).state.name
    for name in sorted(set(before) | set(after)):
        gone, new = _difference(before.get(name, []), after.get(name, []))
        if name == state:
            new = [row for row in new if any(value != "None" for value in row[2:])]
        if gone or new:
            verdict.problems.append(f"{name} changed although the run failed: rows {gone} became {new}")
    new_runs = [r for run_id, r in run_log(session, target).items() if run_id not in runs_before]
    if len(new_runs) != 1 or new_runs[0]["STATUS"] != "FAILED":
        verdict.problems.append(f"expected one new FAILED run row, found {[r['STATUS'] for r in new_runs]}")
    elif cause.lower() not in (new_runs[0]["ERROR"] or "").lower():
        verdict.problems.append(f"the FAILED run row does not name the cause {cause!r}: {new_runs[0]['ERROR']!r}")
    orphans = orphan_stage_rows(session, target)
    if orphans and stage_empty:
        verdict.problems.append(f"{orphans} orphan stage rows")
    return verdict


def label_rows(session: Any, target: str = "MIXPEEK_DOCUMENTS") -> list[tuple[Any, ...]]:
    """(document, taxonomy, rank, node, label) of every label row of the target, sorted."""
    tables = tables_of(target)
    sql = (
        f"SELECT DOCUMENT_ID, TAXONOMY_ID, RANK, NODE_ID, LABEL FROM {tables.labels.sql} "
        "WHERE TARGET_TABLE = CURRENT_DATABASE() || '.' || CURRENT_SCHEMA() || '.' || ?"
    )
    return sorted(tuple(row) for row in session.sql(sql, params=[tables.target.name]).collect())


def compare_labels(session: Any, truth: Iterable[Mapping[str, Any]], target: str = "MIXPEEK_DOCUMENTS") -> Verdict:
    """The target's label rows are exactly the labels of the truth's documents (and no other target's)."""
    expected = sorted(
        (doc["document_id"], label["taxonomy_id"], label["rank"], label["node_id"], label["label"])
        for doc in truth
        for label in document_labels(dict(doc))
    )
    found = label_rows(session, target)
    missing, extra = Counter(expected) - Counter(found), Counter(found) - Counter(expected)
    verdict = Verdict(compared=len(expected))
    verdict.problems += [f"label missing: {row}" for row in sorted(missing.elements())[:5]]
    verdict.problems += [f"label not in Mixpeek: {row}" for row in sorted(extra.elements())[:5]]
    return verdict
