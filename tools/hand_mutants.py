"""Apply each one-line mutation of issue 14 in turn, run the tests meant to kill it, restore the file, report."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "src/mixpeek_snowflake"
E2E = "tests/bundle/sync/e2e/test_guarantees_e2e.py"
ENRICH = "tests/bundle/enrich/test_enrich_guarantees.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    occurrence: int = 1


MUTANTS = (
    Mutant(
        "label RANK starts at 0",
        f"{PACKAGE}/sync/labels.py",
        "enumerate(ordered, start=1)",
        "enumerate(ordered, start=0)",
        ("tests/bundle/sync/test_labels_properties.py",),
    ),
    Mutant(
        "taxonomy PATH on every rank",
        f"{PACKAGE}/sync/labels.py",
        'parts.get("path") if rank == 1 else None',
        'parts.get("path")',
        ("tests/bundle/sync/test_labels_properties.py",),
    ),
    Mutant(
        "labels from the oldest duplicate",
        f"{PACKAGE}/sync/statements.py",
        "ORDER BY UPDATED_AT DESC NULLS LAST, SEQ DESC) = 1",
        "ORDER BY UPDATED_AT ASC NULLS LAST, SEQ ASC) = 1",
        (f"{E2E}::test_labels_come_from_the_newest_duplicate_of_a_document",),
    ),
    Mutant(
        "a run that lost its lease still commits",
        f"{PACKAGE}/sync/engine.py",
        "if self.db.count(self.tables.advance_state(), [*params, *self._key(), self.run_id]) != 1:",
        "if self.db.count(self.tables.advance_state(), [*params, *self._key(), self.run_id]) > 1:",
        (f"{E2E}::test_a_run_that_lost_its_lease_commits_nothing",),
    ),
    Mutant(
        "lease_seconds ignored (always 60 s)",
        f"{PACKAGE}/sync/engine.py",
        "timedelta(seconds=self.request.options.lease_seconds)",
        "timedelta(seconds=60)",
        (
            f"{E2E}::test_the_lease_lasts_lease_seconds",
            f"{E2E}::test_a_second_run_two_minutes_into_a_long_lease_is_skipped",
        ),
    ),
    Mutant(
        "watermark allowed to move backwards",
        f"{PACKAGE}/sync/engine.py",
        "format_watermark(max(candidate, previous) if previous else candidate)",
        "format_watermark(candidate)",
        (f"{E2E}::test_the_watermark_never_moves_backwards",),
    ),
    Mutant(
        "change-feed cursor never stored",
        f"{PACKAGE}/sync/engine.py",
        "self._apply(new_watermark, position.cursor)",
        "self._apply(new_watermark, cursor)",
        (f"{E2E}::test_the_feed_cursor_is_stored_and_a_recreated_document_stays_live",),
    ),
    Mutant(
        "user filters replace the updated_at window",
        f"{PACKAGE}/sync/requests.py",
        'body["filters"] = conditions[0] if len(conditions) == 1 else {"AND": conditions}',
        'body["filters"] = conditions[0]',
        (f"{E2E}::test_user_filters_are_anded_with_the_incremental_window",),
    ),
    Mutant(
        "full pages wait in the stage batch",
        f"{PACKAGE}/sync/engine.py",
        "            filled += self._batches.flush()",
        "            filled += []",
        (f"{E2E}::test_full_pages_are_staged_before_the_next_page_is_fetched",),
    ),
    Mutant(
        "enrich records refused documents as pushed",
        f"{PACKAGE}/enrich/engine.py",
        "self._record(confirmed, failures)",
        "self._record(changed, failures)",
        (f"{ENRICH}::test_refused_documents_are_not_recorded_as_pushed_and_go_again",),
    ),
    Mutant(
        "enrich without 1000-per-call chunking",
        f"{PACKAGE}/enrich/engine.py",
        "self._send_chunk(targets[start : start + MAX_BATCH])",
        "self._send_chunk(targets[start:])",
        (f"{ENRICH}::test_more_than_1000_documents_go_out_in_calls_of_at_most_1000",),
    ),
    Mutant(
        "wrong secret alias inside Snowflake",
        f"{PACKAGE}/snowflake/runtime.py",
        'SECRET_ALIAS = "mixpeek_api_key"',
        'SECRET_ALIAS = "mixpeek_key"',
        ("tests/bundle/snowflake/test_runtime_secret.py",),
    ),
)


def replace_nth(text: str, old: str, new: str, occurrence: int) -> str:
    start = -1
    for _ in range(occurrence):
        start = text.find(old, start + 1)
        if start < 0:
            raise SystemExit(f"mutation site not found: {old!r} (occurrence {occurrence})")
    return text[:start] + new + text[start + len(old) :]


def run(mutant: Mutant, python: str) -> bool:
    """True when the tests fail with the mutation applied (the mutant is killed)."""
    path = ROOT / mutant.path
    original = path.read_text()
    path.write_text(replace_nth(original, mutant.old, mutant.new, mutant.occurrence))
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        command = [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        path.write_text(original)
    return result.returncode == 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("names", nargs="*", help="run only mutants whose name contains one of these")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.names or any(n in m.name for n in args.names)]
    survivors = 0
    for mutant in chosen:
        killed = run(mutant, args.python)
        survivors += not killed
        print(f"{'killed ' if killed else 'SURVIVED'}  {mutant.name}  ({mutant.path})", flush=True)
    print(f"{len(chosen) - survivors}/{len(chosen)} killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
