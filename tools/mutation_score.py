"""Print the last mutmut run's score per module and every surviving mutant with its diff (for `make mutants`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout", "caught by type check"}
UNCOUNTED = {"skipped", "not checked"}


def results(mutmut: str) -> dict[str, str]:
    """Mutant name → status, from `mutmut results --all true`."""
    out = subprocess.run([mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mutmut", default="mutmut")
    parser.add_argument("--no-diffs", action="store_true", help="list survivors without their diffs")
    args = parser.parse_args()
    found = results(args.mutmut)
    if not found:
        print("no mutmut results: run `mutmut run` first", file=sys.stderr)
        return 1
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in found.items():
        by_module[name.rsplit(".", 1)[0]][status] += 1
    print(f"{'module':45} {'mutants':>7} {'killed':>7} {'survived':>8} {'other':>6} {'score':>6}")
    total_counted = total_killed = 0
    for module, counts in sorted(by_module.items()):
        counted = sum(n for s, n in counts.items() if s not in UNCOUNTED)
        killed = sum(n for s, n in counts.items() if s in KILLED)
        other = counted - killed - counts["survived"]
        total_counted += counted
        total_killed += killed
        score = f"{100 * killed / counted:.1f}%" if counted else "-"
        print(f"{module:45} {counted:7} {killed:7} {counts['survived']:8} {other:6} {score:>6}")
    print(f"{'all':45} {total_counted:7} {total_killed:7} {'':8} {'':6} {100 * total_killed / total_counted:.1f}%")
    survivors = sorted(name for name, status in found.items() if status not in KILLED | UNCOUNTED)
    print(f"\n{len(survivors)} not killed:")
    for name in survivors:
        if args.no_diffs:
            print(f"  {name}: {found[name]}")
        else:
            shown = subprocess.run([args.mutmut, "show", name], capture_output=True, text=True).stdout
            print(shown.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
