"""Row 5's rounds: one process and two alternate, and each case keeps its fastest round."""

from __future__ import annotations

from typing import Any

import pytest

from mixpeek_local.bench import fetch
from mixpeek_local.bench.fetch import ConversionShare, ConversionTiming, conversion_scaling


def test_one_and_two_processes_alternate_and_each_keeps_its_fastest_round(monkeypatch: pytest.MonkeyPatch) -> None:
    walls = iter([5.0, 3.0, 4.0, 3.5, 6.0, 2.5])
    calls: list[int] = []

    def timed(_pool: Any, shares: list[list[bytes]], _collection: str) -> ConversionTiming:
        calls.append(len(shares))
        wall = next(walls)
        return ConversionTiming(10.0, [ConversionShare(len(calls), 1, 10.0, 10.0 + wall, wall)])

    monkeypatch.setattr(fetch, "timed_conversion", timed)
    run = conversion_scaling(None, [b"a", b"b", b"c"], "col", rounds=3)  # type: ignore[arg-type]
    assert calls == [1, 2, 1, 2, 1, 2]
    assert (run.one_seconds, run.two_seconds) == (4.0, 2.5)
    assert (run.one_rounds, run.two_rounds) == ((5.0, 4.0, 6.0), (3.0, 3.5, 2.5))
    assert run.two.shares[0].pid == 6
