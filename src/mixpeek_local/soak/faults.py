"""What the soak does to a sync: collection changes, emulator faults, listing changes mid-read, SQL crashes."""

from __future__ import annotations

import copy
import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from mixpeek_local.emulator import Fault, Store
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.sync.statements import SyncTables

READ_TIMEOUT = 0.75
LISTING_STEP = timedelta(seconds=1)
SLOW_REPLY = 1.0
EXHAUSTING_WAIT = 30.0
EXHAUSTING_TIMES = 200


class InjectedCrash(RuntimeError):
    """The failure a CrashingSession raises in place of running a statement."""


class CrashingSession:
    """A Snowpark session stand-in that fails the first statement `when(sql)` picks, then, when `lost` is set,
    every later one too (the connection is gone: not even the run's own clean-up gets through)."""

    def __init__(self, session: Any, when: Callable[[str], bool], name: str, lost: bool = False) -> None:
        self._session = session
        self._when = when
        self._name = name
        self._lost = lost
        self.fired = False

    def sql(self, query: str, params: list[Any] | None = None) -> Any:
        """Run the statement on the real session, unless this is where the crash happens."""
        if (self.fired and self._lost) or (not self.fired and self._when(query)):
            self.fired = True
            raise InjectedCrash(f"injected crash ({self._name}) at: {query[:60]}")
        return self._session.sql(query, params=params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


INSIDE_TRANSACTION = ("merge", "mark_deleted", "advance_state", "commit")


def crash_point(name: str, tables: SyncTables) -> Callable[[str], bool]:
    """The statement a named crash hits: while staging, between staging and MERGE (BEGIN), or one inside the
    transaction: the MERGE, marking rows deleted, advancing the state, COMMIT."""
    patterns = {
        "staging": f"INSERT INTO {_named(tables.stage)} ",
        "before_merge": "BEGIN$",
        "merge": f"MERGE INTO {_named(tables.target)} ",
        "mark_deleted": f"UPDATE {_named(tables.target)} SET IS_DELETED",
        "advance_state": f"UPDATE {_named(tables.state)} SET WATERMARK",
        "commit": "COMMIT$",
    }
    pattern = re.compile(patterns[name])
    return lambda sql: pattern.match(sql.strip()) is not None


def _named(table: TableName) -> str:
    """A pattern for the table however it is qualified."""
    return r'(?:"[^"]*"\.)*' + re.escape(quote(table.name))


@dataclass
class Collection:
    """The emulator collection the soak syncs, and the documents it deleted (some come back later)."""

    store: Store
    collection_id: str
    graveyard: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def change(self, rng: random.Random, count: int) -> tuple[Counter[str], list[dict[str, Any]]]:
        """Apply `count` random adds, updates, deletes and returns; give the counts and the new versions."""
        done: Counter[str] = Counter()
        versions: list[dict[str, Any]] = []
        with self.lock:
            for _ in range(count):
                op = self._pick(rng)
                doc = getattr(self, f"_{op}")(rng)
                done[op] += 1
                if doc is not None:
                    versions.append(doc)
        return done, versions

    def _pick(self, rng: random.Random) -> str:
        ops = ["add", "update", "update", "delete", "restock", "poison"] + (["resurrect"] if self.graveyard else [])
        return "add" if self.store.count(self.collection_id) < 10 else rng.choice(ops)

    def _ids(self) -> list[str]:
        return self.store.snapshot(self.collection_id)[0]

    def _add(self, rng: random.Random) -> dict[str, Any]:
        return self.store.add_document(self.collection_id)

    def _update(self, rng: random.Random) -> dict[str, Any]:
        document_id = rng.choice(self._ids())
        change = {"metadata": {"soak_revision": rng.randrange(10**9), "price": round(rng.uniform(1, 999), 2)}}
        return self.store.update_document(self.collection_id, document_id, change)

    def _restock(self, rng: random.Random) -> dict[str, Any]:
        """Flip in_stock, moving the document in or out of a filtered definition."""
        document_id = rng.choice(self._ids())
        current = self.store.get_document(self.collection_id, document_id) or {}
        metadata = current.get("metadata") or {}
        change = {"metadata": {"in_stock": not metadata.get("in_stock", True)}}
        return self.store.update_document(self.collection_id, document_id, change)

    def _poison(self, rng: random.Random) -> dict[str, Any]:
        """A size NUMBER(38,0) cannot hold: the document must land with SIZE_BYTES NULL, never fail the run."""
        document_id = rng.choice(self._ids())
        change = {"_internal": {"size_bytes": 10 ** rng.randint(38, 60)}}
        return self.store.update_document(self.collection_id, document_id, change)

    def _delete(self, rng: random.Random) -> None:
        document_id = rng.choice(self._ids())
        document = self.store.get_document(self.collection_id, document_id)
        if document is not None:
            self.graveyard.append(document)
        self.store.delete_document(self.collection_id, document_id)

    def _resurrect(self, rng: random.Random) -> dict[str, Any]:
        doc = self.graveyard.pop(rng.randrange(len(self.graveyard)))
        return self.store.add_document(self.collection_id, copy.deepcopy(doc))


class ListingChange:
    """An emulator on_list hook that changes the collection once, after the `at`-th listing page it sees."""

    def __init__(self, collection: Collection, rng: random.Random, at: int, changes: int) -> None:
        self.collection = collection
        self.rng = random.Random(rng.random())
        self.at = at
        self.changes = changes
        self.seen = 0
        self.fired = False
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, number: int, page: dict[str, Any]) -> None:
        with self._lock:
            self.seen += 1
            if self.fired or self.seen < self.at:
                return
            self.fired = True
            with self.collection.store.clock.steady(LISTING_STEP):
                _, versions = self.collection.change(self.rng, self.changes)
        for doc in versions:
            self.versions.setdefault(doc["document_id"], []).append(doc)


class HookSlot:
    """An emulator on_list hook that forwards to whichever hook is set for the current run, if any."""

    def __init__(self) -> None:
        self.hook: Callable[[int, dict[str, Any]], Any] | None = None

    def __call__(self, number: int, page: dict[str, Any]) -> Any:
        hook = self.hook
        return hook(number, page) if hook is not None else None


@dataclass(frozen=True)
class Plan:
    """One run's fault: its label in the table, the outcome it allows, and what a failed run row must name."""

    label: str
    expect: str = "succeed"
    cause: str = ""
    fault: Fault | None = None
    crash: str | None = None
    change_while_listing: bool = False

    @property
    def fatal(self) -> bool:
        """A fault no retry can cure: the client must not retry it."""
        return self.fault is not None and self.fault.kind == "status" and self.expect == "fail" and not self.exhausts

    @property
    def exhausts(self) -> bool:
        """A transient fault that outlasts the retry budget."""
        return self.fault is not None and self.fault.times >= EXHAUSTING_TIMES


LISTING = "/documents/list"


def _where(rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.1:
        return "/v1/events", 0
    if roll < 0.2:
        return "/v1/collections/", 0
    return LISTING, rng.randint(0, 4)


def _status(rng: random.Random, status: int, **extra: Any) -> Fault:
    path, after = _where(rng)
    extra.setdefault("times", rng.randint(1, 3))
    return Fault("status", path_contains=path, after=after, status=status, **extra)


def _socket(rng: random.Random, kind: str, **extra: Any) -> Fault:
    extra.setdefault("times", rng.randint(1, 2))
    return Fault(kind, path_contains=LISTING, after=rng.randint(0, 4), **extra)


def _exhausting(rng: random.Random) -> Plan:
    status = rng.choice([429, 500, 503])
    fault = _status(rng, status, retry_after=EXHAUSTING_WAIT, times=EXHAUSTING_TIMES)
    return Plan("", "fail", "Mixpeek API error", fault)


def _fatal(rng: random.Random) -> Plan:
    return Plan("", "fail", "Mixpeek API error 4", _status(rng, rng.choice([400, 403, 404, 422]), times=1))


def _crash(point: str) -> Plan:
    return Plan("", "fail", "injected crash", crash=point)


PLANS: dict[str, Callable[[random.Random], Plan]] = {
    "429 Retry-After header": lambda r: Plan("", fault=_status(r, 429, retry_after=r.choice([1, 2, 5]))),
    "429 Retry-After body": lambda r: Plan("", fault=_status(r, 429, retry_after_body=r.choice([0.5, 3, 7]))),
    "503 retryable: true": lambda r: Plan("", fault=_status(r, 503, retryable=True)),
    "503 retryable: false": lambda r: Plan("", "fail", "503", _status(r, 503, retryable=False, times=1)),
    "500": lambda r: Plan("", fault=_status(r, 500)),
    "502": lambda r: Plan("", fault=_status(r, 502)),
    "504": lambda r: Plan("", fault=_status(r, 504)),
    "retries exhausted": _exhausting,
    "fatal 4xx": _fatal,
    "read timeout": lambda r: Plan("", fault=_socket(r, "delay", delay=SLOW_REPLY)),
    "dropped connection": lambda r: Plan("", fault=_socket(r, "drop")),
    "truncated body": lambda r: Plan("", fault=_socket(r, "truncate")),
    "invalid JSON": lambda r: Plan("", fault=_socket(r, "invalid_json")),
    "repeated cursor": lambda r: Plan("", "either", "Loop detected", _socket(r, "repeat_cursor", times=1)),
    "listing changed mid-read": lambda r: Plan("", change_while_listing=True),
    "crash while staging": lambda r: Plan("", "fail", "injected crash", crash="staging"),
    "crash between staging and MERGE": lambda r: Plan("", "fail", "injected crash", crash="before_merge"),
    "crash inside the MERGE transaction": lambda r: Plan(
        "", "fail", "injected crash", crash=r.choice(INSIDE_TRANSACTION)
    ),
}


def pick_plan(rng: random.Random, fault_rate: float) -> Plan:
    """No fault (probability 1 - fault_rate), or one fault of a kind chosen uniformly."""
    if rng.random() >= fault_rate:
        return Plan("none")
    label = rng.choice(sorted(PLANS))
    return replace(PLANS[label](rng), label=label)
