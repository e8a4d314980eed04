"""The soak's figures: what ran, what was injected, what was compared, and the table it prints."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

PAGE_SIZES = (3, 7, 25, 50, 100, 1000)


@dataclass(frozen=True)
class SoakConfig:
    """How long and how hard to soak."""

    runs: int = 200
    seed: int = 7
    documents: int = 120
    fault_rate: float = 0.6
    max_partitions: int = 16
    changes: int = 8
    verbose: bool = False


@dataclass
class SoakReport:
    """The figures the soak prints; ok only when nothing was lost, left behind or unexpected."""

    config: SoakConfig
    runs: int = 0
    succeeded: int = 0
    failed_cleanly: int = 0
    failed_uncleanly: int = 0
    unexpected: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    documents_compared: int = 0
    mismatches: int = 0
    orphan_stage_rows: int = 0
    retry_waits: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every run converged or failed cleanly, as its fault allowed."""
        return not (self.mismatches or self.orphan_stage_rows or self.failed_uncleanly or self.unexpected)

    @property
    def faults_injected(self) -> int:
        """Runs that met the fault planned for them."""
        return sum(n for label, n in self.faults.items() if label != "none")


class Waits:
    """The client's sleep: records each retry wait by thread, and never sleeps."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_thread: dict[int, list[float]] = defaultdict(list)

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.by_thread[threading.get_ident()].append(seconds)

    def clear(self) -> None:
        """Forget the waits of the previous run."""
        with self._lock:
            self.by_thread.clear()

    def all(self) -> list[float]:
        """Every wait of this run."""
        with self._lock:
            return [w for waits in self.by_thread.values() for w in waits]

    def worst_thread_total(self) -> float:
        """The most any one thread waited this run (a thread retries one request at a time)."""
        with self._lock:
            return max((sum(waits) for waits in self.by_thread.values()), default=0.0)


def format_report(report: SoakReport) -> str:
    """The table the soak prints."""
    c = report.config
    title = (
        f"Soak: seed {c.seed}, {c.documents} documents at the start, partitions 1-{c.max_partitions}, "
        f"page sizes {', '.join(map(str, PAGE_SIZES))}, faults in {c.fault_rate:.0%} of runs"
    )
    return "\n".join([title, *_table(report), *(f"PROBLEM {p}" for p in report.problems[:50])])


def _table(report: SoakReport) -> list[str]:
    changes = ", ".join(f"{op} {n}" for op, n in sorted(report.changes.items()))
    done = ", ".join(f"{op} {n}" for op, n in sorted(report.operations.items()) if op != "none")
    rows = [
        ("runs", report.runs, ""),
        ("  full / incremental", f"{report.modes['full']} / {report.modes['incremental']}", ""),
        ("  collection changes between runs", sum(report.changes.values()), changes),
        ("  target operations before a run", sum(n for op, n in report.operations.items() if op != "none"), done),
        ("faults injected", report.faults_injected, ""),
        *((f"  {label}", n, "") for label, n in sorted(report.faults.items()) if label != "none"),
        ("runs succeeded", report.succeeded, ""),
        ("runs failed cleanly", report.failed_cleanly, ""),
        ("runs failed uncleanly", report.failed_uncleanly, "must be 0"),
        ("runs with an unexpected outcome", report.unexpected, "must be 0"),
        ("retry waits (recorded, not slept)", report.retry_waits, ""),
        ("documents compared", report.documents_compared, ""),
        ("mismatches", report.mismatches, "must be 0"),
        ("orphan stage rows", report.orphan_stage_rows, "must be 0"),
        ("wall time (s)", f"{report.seconds:.0f}", ""),
    ]
    width = max(len(name) for name, _, _ in rows)
    return [f"{name:<{width}}  {value!s:>7}  {note}".rstrip() for name, value, note in rows]
