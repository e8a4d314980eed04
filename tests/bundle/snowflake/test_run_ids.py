"""Run ids: the capability's prefix, the start to the second, 8 random hex digits; sortable by start and unique."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from mixpeek_snowflake.snowflake.timestamps import new_run_id

NOON = datetime(2026, 1, 1, 12, 0, 5, 999_999, tzinfo=UTC)


def test_an_id_is_the_prefix_the_second_and_eight_hex_digits() -> None:
    assert re.fullmatch(r"ing_20260101T120005Z_[0-9a-f]{8}", new_run_id("ing", NOON))


def test_ids_of_one_second_differ_and_ids_sort_by_their_start() -> None:
    first, second = new_run_id("run", NOON), new_run_id("run", NOON)
    assert first != second
    later = new_run_id("run", datetime(2026, 1, 1, 12, 0, 6, tzinfo=UTC))
    assert max(first, second) < later
