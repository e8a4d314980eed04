"""Checks of a synced schema against the emulator's truth: exact match, clean failure, no orphan stage rows."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mixpeek_local import oracle
from mixpeek_local.emulator.cursors import event_seq

TARGET = "MIXPEEK_DOCUMENTS"
README_TABLES = {
    "labels": "MIXPEEK_DOCUMENT_LABELS",
    "runs": "MIXPEEK_SYNC_RUNS",
    "state": "MIXPEEK_SYNC_STATE",
    "rejects": "MIXPEEK_SYNC_REJECTS",
    "taxonomies": "MIXPEEK_TAXONOMIES",
    "stage": "MIXPEEK_SYNC_STAGE",
}
PLAIN_NAME = re.compile(r"[A-Z_][A-Z0-9_$]*")
TABLES_IN_SCHEMA = (
    "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
    "WHERE TABLE_CATALOG = CURRENT_DATABASE() AND TABLE_SCHEMA = CURRENT_SCHEMA() ORDER BY 1"
)
SCHEMA = "SELECT CURRENT_DATABASE() || '.' || CURRENT_SCHEMA() AS S"
LABEL_COLUMNS = (
    "DOCUMENT_ID, COLLECTION_ID, TAXONOMY_ID, TAXONOMY_NAME, NODE_ID, LABEL, SCORE, RANK, PATH, DOCUMENT_UPDATED_AT"
)
Snapshot = dict[str, list[tuple[str, ...]]]


@dataclass(frozen=True)
class Table:
    """A table of the session's current schema, by the name the README gives it."""

    name: str

    @property
    def sql(self) -> str:
        """The quoted name, resolved in the session's schema."""
        return f'"{self.name}"'


@dataclass(frozen=True)
class Tables:
    """The target and the bundle tables beside it, named as the README's "What lands in Snowflake" names them."""

    target: Table
    labels: Table
    runs: Table
    state: Table
    rejects: Table
    taxonomies: Table
    stage: Table


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


def tables_of(target: str = TARGET) -> Tables:
    """The target (an unqualified name in the session's schema) and the README's bookkeeping tables beside it."""
    if not PLAIN_NAME.fullmatch(target):
        raise ValueError(f"verify reads an unqualified upper-case target in the session's schema, not {target!r}")
    return Tables(Table(target), **{role: Table(name) for role, name in README_TABLES.items()})


def rows(session: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    return [row.as_dict() for row in session.sql(sql, params=params).collect()]


def table_names(session: Any) -> list[str]:
    """The tables of the session's current schema."""
    return [row["TABLE_NAME"] for row in rows(session, TABLES_IN_SCHEMA)]


def snapshot(session: Any, target: str = TARGET) -> Snapshot:
    """Every row of every table in the schema except the run log, as sorted text tuples."""
    runs = tables_of(target).runs.name
    names = table_names(session)
    return {
        name: sorted(tuple(str(v) for v in row) for row in session.sql(f'SELECT * FROM "{name}"').collect())
        for name in names
        if name != runs
    }


def run_log(session: Any, target: str = TARGET) -> dict[str, dict[str, Any]]:
    """Every run row by run id, every column (none before the first run made the table)."""
    runs = tables_of(target).runs
    if runs.name not in table_names(session):
        return {}
    return {r["RUN_ID"]: r for r in rows(session, f"SELECT * FROM {runs.sql}")}


def orphan_stage_rows(session: Any, target: str = TARGET) -> int:
    """Rows left in the staging table (there must be none once a run has ended)."""
    return int(rows(session, f"SELECT COUNT(*) AS N FROM {tables_of(target).stage.sql}")[0]["N"])


def schema_of(session: Any) -> str:
    """DATABASE.SCHEMA of the session: the prefix of every fully qualified TARGET_TABLE."""
    return str(rows(session, SCHEMA)[0]["S"])


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def target_rows(session: Any, target: str = TARGET) -> list[dict[str, Any]]:
    """Every column of every target row, DOCUMENT and METADATA parsed ([] when the target does not exist)."""
    if target not in table_names(session):
        return []
    found = rows(session, f"SELECT * FROM {tables_of(target).target.sql}")
    return [{**r, "DOCUMENT": _parsed(r["DOCUMENT"]), "METADATA": _parsed(r["METADATA"])} for r in found]


def row_keys(session: Any, target: str = TARGET) -> dict[str, tuple[bool, str]]:
    """(IS_DELETED, CONTENT_HASH) of each target row by id: what compare_run measures a run's counts against."""
    return {r["DOCUMENT_ID"]: (bool(r["IS_DELETED"]), r["CONTENT_HASH"]) for r in target_rows(session, target)}


def _one_row_per_id(found: list[dict[str, Any]]) -> list[str]:
    counts = Counter(r["DOCUMENT_ID"] for r in found)
    return [f"{i}: {n} rows" for i, n in sorted(counts.items()) if n > 1]


def _rows_by_id(session: Any, target: str) -> tuple[Verdict, dict[str, dict[str, Any]]]:
    """The target's rows by document id, and a verdict that already flags ids with more than one row."""
    found = target_rows(session, target)
    verdict = Verdict(compared=len(found), problems=_one_row_per_id(found))
    return verdict, {r["DOCUMENT_ID"]: r for r in found}


def _succeeded_runs(session: Any, target: str) -> set[str]:
    return {run_id for run_id, r in run_log(session, target).items() if r["STATUS"] == "SUCCEEDED"}


def _bookkeeping(row: Mapping[str, Any], committed: set[str]) -> list[str]:
    """The sync-time columns of any row: written by a committed run, first write not after the last, a deleted
    row with the time it was found gone, a live one without."""
    document_id, problems = row["DOCUMENT_ID"], []
    if row["LAST_RUN_ID"] not in committed:
        problems.append(f"{document_id}: LAST_RUN_ID {row['LAST_RUN_ID']!r} is no SUCCEEDED run")
    if (
        row["FIRST_SYNCED_AT"] is None
        or row["LAST_SYNCED_AT"] is None
        or row["FIRST_SYNCED_AT"] > row["LAST_SYNCED_AT"]
    ):
        problems.append(f"{document_id}: FIRST_SYNCED_AT {row['FIRST_SYNCED_AT']} after LAST_SYNCED_AT")
    deleted_at = row["DELETED_AT"]
    if row["IS_DELETED"] and (deleted_at is None or deleted_at > row["LAST_SYNCED_AT"]):
        problems.append(f"{document_id}: deleted with DELETED_AT {deleted_at}")
    if not row["IS_DELETED"] and deleted_at is not None:
        problems.append(f"{document_id}: live with DELETED_AT {deleted_at}")
    return problems


def _columns(row: Mapping[str, Any], doc: dict[str, Any], collection_id: str | None) -> list[str]:
    """Each typed column, METADATA and CONTENT_HASH equal to what the column definitions make of `doc`."""
    expected = oracle.typed_columns(doc, collection_id)
    return [
        f"{row['DOCUMENT_ID']}: {name} is {row.get(name)!r}, expected {value!r}"
        for name, value in expected.items()
        if name != "DOCUMENT" and row.get(name) != value
    ]


def compare_with_truth(
    session: Any, truth: Iterable[Mapping[str, Any]], target: str = TARGET, collection_id: str | None = None
) -> Verdict:
    """Live rows equal the truth's documents exactly, every column (typed columns, METADATA and CONTENT_HASH as the
    column definitions make them from the document, sync times consistent, written by a committed run); every
    other row is flagged deleted; one row per id."""
    expected = {doc["document_id"]: dict(doc) for doc in truth}
    verdict, by_id = _rows_by_id(session, target)
    committed = _succeeded_runs(session, target)
    for document_id, doc in expected.items():
        row = by_id.get(document_id)
        if row is None or row["IS_DELETED"]:
            verdict.problems.append(f"{document_id}: {'missing' if row is None else 'flagged deleted'} in the target")
        elif row["DOCUMENT"] != doc:
            verdict.problems.append(f"{document_id}: the target holds another version than Mixpeek")
        else:
            verdict.problems += _columns(row, doc, collection_id)
    for document_id, row in by_id.items():
        verdict.problems += _bookkeeping(row, committed)
        if document_id not in expected and not row["IS_DELETED"]:
            verdict.problems.append(f"{document_id}: gone from Mixpeek but live in the target")
    return verdict


def compare_during_change(
    session: Any,
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    versions: Mapping[str, Sequence[Mapping[str, Any]]],
    target: str = TARGET,
) -> Verdict:
    """After a run whose listing changed while it was read: documents untouched throughout are exact; any other
    live row holds a version that existed (before, after or in between), its columns made from that version; one
    row per id."""
    old = {doc["document_id"]: doc for doc in before}
    new = {doc["document_id"]: doc for doc in after}
    verdict, by_id = _rows_by_id(session, target)
    committed = _succeeded_runs(session, target)
    for document_id, doc in old.items():
        row = by_id.get(document_id)
        if new.get(document_id) == doc and (row is None or row["IS_DELETED"] or row["DOCUMENT"] != doc):
            verdict.problems.append(f"{document_id}: unchanged during the run but not exact in the target")
    for document_id, row in by_id.items():
        verdict.problems += _bookkeeping(row, committed)
        if row["IS_DELETED"]:
            continue
        known = [old.get(document_id), new.get(document_id), *versions.get(document_id, [])]
        if row["DOCUMENT"] not in [k for k in known if k is not None]:
            verdict.problems.append(f"{document_id}: live in the target with a version Mixpeek never had")
        else:
            verdict.problems += _columns(row, row["DOCUMENT"], None)
    return verdict


def _difference(old: list[tuple[str, ...]], new: list[tuple[str, ...]]) -> tuple[list, list]:
    removed, added = Counter(old) - Counter(new), Counter(new) - Counter(old)
    return sorted(removed.elements())[:3], sorted(added.elements())[:3]


def failed_cleanly(
    session: Any,
    before: Snapshot,
    runs_before: Mapping[str, Any],
    cause: str,
    target: str = TARGET,
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


def taxonomy_truth(store: Any, namespace: str, truth: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The emulator's taxonomies (TaxonomyResponse, read through the store) that the truth's labels name."""
    ids = {row[2] for doc in truth for row in oracle.labels(dict(doc), {})}
    found = {taxonomy_id: store.get_taxonomy(taxonomy_id, namespace) for taxonomy_id in sorted(ids)}
    return {taxonomy_id: taxonomy for taxonomy_id, taxonomy in found.items() if taxonomy is not None}


def _path(value: Any) -> tuple[str, ...] | None:
    """PATH as a tuple; a VARIANT JSON null reads as no path, like SQL NULL."""
    parsed = _parsed(value)
    return tuple(parsed) if parsed is not None else None


def label_rows(session: Any, target: str = TARGET) -> list[tuple[Any, ...]]:
    """Every label row of the target (LABEL_COLUMNS, PATH parsed into a tuple), sorted."""
    tables = tables_of(target)
    sql = f"SELECT {LABEL_COLUMNS} FROM {tables.labels.sql} WHERE TARGET_TABLE = ?"
    found = session.sql(sql, params=[f"{schema_of(session)}.{target}"]).collect()
    rows_found = [(*row[:8], _path(row[8]), row[9]) for row in found]
    return sorted(rows_found, key=repr)


def compare_labels(
    session: Any,
    truth: Iterable[Mapping[str, Any]],
    taxonomies: Mapping[str, Mapping[str, Any]],
    target: str = TARGET,
) -> Verdict:
    """The target's label rows are exactly the truth documents' labels, every column: RANK from 1 in the stored
    rank order, PATH where the document gives one, TAXONOMY_NAME the emulator's (and no other target's rows)."""
    names = {taxonomy_id: taxonomy.get("taxonomy_name") for taxonomy_id, taxonomy in taxonomies.items()}
    expected = [row for doc in truth for row in oracle.labels(dict(doc), names)]
    found = label_rows(session, target)
    missing, extra = Counter(expected) - Counter(found), Counter(found) - Counter(expected)
    verdict = Verdict(compared=len(expected))
    verdict.problems += [f"label missing: {row}" for row in sorted(missing.elements(), key=repr)[:5]]
    verdict.problems += [f"label not in Mixpeek: {row}" for row in sorted(extra.elements(), key=repr)[:5]]
    verdict.add(_taxonomy_rows(session, target, taxonomies))
    return verdict


def _taxonomy_rows(session: Any, target: str, taxonomies: Mapping[str, Mapping[str, Any]]) -> Verdict:
    """MIXPEEK_TAXONOMIES holds each taxonomy the labels use with the emulator's name and type."""
    verdict = Verdict(compared=len(taxonomies))
    if not taxonomies:
        return verdict
    table = tables_of(target).taxonomies.sql
    stored = {r["TAXONOMY_ID"]: r for r in rows(session, f"SELECT * FROM {table}")}
    for taxonomy_id, taxonomy in taxonomies.items():
        row = stored.get(taxonomy_id, {})
        kind = oracle.at(taxonomy, "config", "taxonomy_type")
        if (row.get("TAXONOMY_NAME"), row.get("TAXONOMY_TYPE")) != (taxonomy.get("taxonomy_name"), kind):
            verdict.problems.append(f"taxonomy {taxonomy_id}: stored as {row or 'nothing'}, Mixpeek has {taxonomy}")
    return verdict


def compare_rejects(
    session: Any, truth: Iterable[Mapping[str, Any]], collection_id: str, target: str = TARGET
) -> Verdict:
    """Every reject row of the target belongs to a committed run (rejects roll back with the rest), names the
    collection, the target and a reason; each live document whose size_bytes NUMBER(38,0) cannot hold has a
    reject row saying SIZE_BYTES was left NULL."""
    tables = tables_of(target)
    qualified = f"{schema_of(session)}.{target}"
    found = []
    if tables.rejects.name in table_names(session):
        found = rows(session, f"SELECT * FROM {tables.rejects.sql} WHERE TARGET_TABLE = ?", [qualified])
    committed = _succeeded_runs(session, target)
    verdict = Verdict(compared=len(found))
    for row in found:
        if row["RUN_ID"] not in committed or row["COLLECTION_ID"] != collection_id or not row["REASON"]:
            verdict.problems.append(f"reject row of no committed run of {collection_id}, or without a reason: {row}")
    noted = {r["DOCUMENT_ID"] for r in found if "SIZE_BYTES" in (r["REASON"] or "")}
    for doc in truth:
        if oracle.size_note_expected(dict(doc)) and doc["document_id"] not in noted:
            verdict.problems.append(f"{doc['document_id']}: kept with SIZE_BYTES NULL but no reject row says why")
    return verdict


def expected_cursor_seq(events: Iterable[Mapping[str, Any]], namespace_id: str) -> int | None:
    """The sequence number of the newest document.deleted event of the namespace: where a run that read the
    change feed to its end leaves EVENTS_CURSOR (None while the namespace has none)."""
    seqs = [e["seq"] for e in events if e["namespace_id"] == namespace_id and e["event_type"] == "document.deleted"]
    return max(seqs, default=None)


def compare_state(
    session: Any,
    collection_id: str,
    feed: Iterable[Mapping[str, Any]],
    namespace_id: str,
    target: str = TARGET,
    watermark_floor: str | None = None,
) -> Verdict:
    """After a committed run: one state row for the pair, lease free, LAST_RUN_ID the newest SUCCEEDED run, the
    definition the run used, TARGET_ROWS the target's rows; the watermark at least every row's UPDATED_AT (or the
    run's start, when a document claims a later time) and `watermark_floor` (it never moves backwards);
    EVENTS_CURSOR at the newest deletion of `feed` (the change feed when the run started)."""
    tables = tables_of(target)
    found = rows(
        session, f"SELECT * FROM {tables.state.sql} WHERE TARGET_TABLE = ?", [f"{schema_of(session)}.{target}"]
    )
    verdict = Verdict(compared=1)
    if len(found) != 1 or found[0]["COLLECTION_ID"] != collection_id:
        verdict.problems.append(f"state: expected one row for {collection_id}, found {found}")
        return verdict
    state = found[0]
    verdict.problems += [f"state: {p}" for p in _state_problems(session, state, target, watermark_floor)]
    cursor = state["EVENTS_CURSOR"]
    seq = expected_cursor_seq(feed, namespace_id)
    if seq is not None and (cursor is None or event_seq(cursor) != seq):
        verdict.problems.append(f"state: EVENTS_CURSOR {cursor!r} is not at the newest deletion (event {seq})")
    return verdict


def _state_problems(session: Any, state: Mapping[str, Any], target: str, floor: str | None) -> list[str]:
    problems = []
    if state["LEASE_RUN_ID"] is not None or state["LEASE_EXPIRES_AT"] is not None:
        problems.append(f"the lease is still held by {state['LEASE_RUN_ID']}")
    runs = [r for r in run_log(session, target).values() if r["STATUS"] == "SUCCEEDED" and not r["DRY_RUN"]]
    runs = [
        r for r in runs if r["COLLECTION_ID"] == state["COLLECTION_ID"] and r["TARGET_TABLE"] == state["TARGET_TABLE"]
    ]
    last = max(runs, key=lambda r: r["STARTED_AT"], default=None)
    if (
        last is None
        or state["LAST_RUN_ID"] != last["RUN_ID"]
        or _parsed(state["DEFINITION"]) != _parsed(last["DEFINITION"])
    ):
        problems.append(f"LAST_RUN_ID {state['LAST_RUN_ID']} / DEFINITION are not the newest committed run's")
    found = target_rows(session, target)
    if state["TARGET_ROWS"] != len(found):
        problems.append(f"TARGET_ROWS {state['TARGET_ROWS']} but the target holds {len(found)}")
    watermark = oracle.naive_utc(state["WATERMARK"])
    newest = max((r["UPDATED_AT"] for r in found if r["UPDATED_AT"] is not None), default=None)
    if newest is not None and last is not None:
        newest = min(newest, last["STARTED_AT"])
    lowest = [moment for moment in (newest, oracle.naive_utc(floor)) if moment is not None]
    if lowest and (watermark is None or watermark < max(lowest)):
        problems.append(f"WATERMARK {state['WATERMARK']} is behind {max(lowest)}")
    return problems


def compare_run(
    session: Any, runs_before: Mapping[str, Any], keys_before: Mapping[str, tuple[bool, str]], target: str = TARGET
) -> Verdict:
    """The one run row a committed run added: SUCCEEDED, its summary the row's own figures, and INSERTED, UPDATED,
    DELETED and the reject rows exactly what changed in the target and the rejects table."""
    new = [r for run_id, r in run_log(session, target).items() if run_id not in runs_before]
    verdict = Verdict(compared=1)
    if len(new) != 1 or new[0]["STATUS"] != "SUCCEEDED":
        verdict.problems.append(f"expected one new SUCCEEDED run row, found {[r['STATUS'] for r in new]}")
        return verdict
    run = new[0]
    after = {r["DOCUMENT_ID"]: r for r in target_rows(session, target)}
    written = {i for i, r in after.items() if r["LAST_RUN_ID"] == run["RUN_ID"]}
    counts = {
        "INSERTED": len([i for i in written if i not in keys_before]),
        "UPDATED": len([i for i in written if i in keys_before and not after[i]["IS_DELETED"]]),
        "DELETED": len([i for i in written if i in keys_before and after[i]["IS_DELETED"]]),
    }
    verdict.problems += [
        f"run {run['RUN_ID']}: {name} {run[name]}, but the target shows {value}"
        for name, value in counts.items()
        if run[name] != value
    ]
    verdict.problems += _summary_problems(session, run, target)
    return verdict


def _summary_problems(session: Any, run: Mapping[str, Any], target: str) -> list[str]:
    summary = _parsed(run["SUMMARY"]) or {}
    problems = [
        f"run {run['RUN_ID']}: summary {column.lower()} {summary.get(column.lower())!r}, row {run[column]!r}"
        for column in ("STATUS", "MODE", "DOCUMENTS_SEEN", "INSERTED", "UPDATED", "UNCHANGED", "DELETED", "REJECTED")
        if summary.get(column.lower()) != run[column]
    ]
    if run["FINISHED_AT"] is None or run["FINISHED_AT"] < run["STARTED_AT"]:
        problems.append(f"run {run['RUN_ID']}: FINISHED_AT {run['FINISHED_AT']} before STARTED_AT")
    written = run["INSERTED"] + run["UPDATED"] + run["UNCHANGED"] + run["REJECTED"]
    if written > run["DOCUMENTS_SEEN"]:
        problems.append(f"run {run['RUN_ID']}: {written} documents accounted for, {run['DOCUMENTS_SEEN']} seen")
    rejects = tables_of(target).rejects
    if rejects.name in table_names(session):
        found = rows(session, f"SELECT COUNT(*) AS N FROM {rejects.sql} WHERE RUN_ID = ?", [run["RUN_ID"]])[0]["N"]
        wanted = run["REJECTED"] + int(summary.get("kept_with_notes") or 0)
        if found != wanted:
            problems.append(f"run {run['RUN_ID']}: {found} reject rows, its summary says {wanted}")
    return problems


def watermark(session: Any, collection_id: str, target: str = TARGET) -> str | None:
    """The pair's stored watermark now (None without a state row or table)."""
    tables = tables_of(target)
    if tables.state.name not in table_names(session):
        return None
    sql = f"SELECT WATERMARK FROM {tables.state.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ?"
    found = rows(session, sql, [collection_id, f"{schema_of(session)}.{target}"])
    return found[0]["WATERMARK"] if found else None


def compare_committed(
    session: Any,
    truth: Iterable[Mapping[str, Any]],
    store: Any,
    collection_id: str,
    namespace_id: str,
    target: str = TARGET,
    feed: Iterable[Mapping[str, Any]] | None = None,
    watermark_floor: str | None = None,
) -> Verdict:
    """Every table a committed run wrote, against the emulator's truth now: the target, labels, taxonomy names,
    rejects and state (its cursor at the newest deletion of `feed`, by default the store's whole feed)."""
    docs = [dict(doc) for doc in truth]
    verdict = compare_with_truth(session, docs, target, collection_id)
    verdict.add(compare_labels(session, docs, taxonomy_truth(store, namespace_id, docs), target))
    verdict.add(compare_rejects(session, docs, collection_id, target))
    feed = store.events() if feed is None else feed
    return verdict.add(compare_state(session, collection_id, feed, namespace_id, target, watermark_floor))


def compare_labels_with_rows(session: Any, store: Any, namespace_id: str, target: str = TARGET) -> Verdict:
    """After a run whose listing changed while it was read: the label rows are those of the version each live row
    holds (labels of an older duplicate are caught here)."""
    docs = [r["DOCUMENT"] for r in target_rows(session, target) if not r["IS_DELETED"]]
    return compare_labels(session, docs, taxonomy_truth(store, namespace_id, docs), target)
