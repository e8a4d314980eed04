"""Properties of timestamps: ISO text at any offset becomes naive UTC; the watermark form parses back exactly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.snowflake.timestamps import format_timestamp, format_watermark, parse_timestamp, utc_now

moments = st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(9998, 12, 30))
minutes = st.integers(-23 * 60, 23 * 60)


def written(moment: datetime, offset_minutes: int) -> str:
    """moment (naive UTC) as the wall-clock text of a place offset_minutes east of UTC."""
    local = moment + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, mins = divmod(abs(offset_minutes), 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{sign}{hours:02d}:{mins:02d}"


@PROPERTY
@given(moments, minutes)
def test_any_offset_becomes_the_same_naive_utc(moment: datetime, offset: int) -> None:
    parsed = parse_timestamp(written(moment, offset))
    assert parsed == moment and parsed.tzinfo is None


@PROPERTY
@given(moments)
def test_watermark_text_is_iso_with_z_and_parses_back(moment: datetime) -> None:
    text = format_watermark(moment)
    assert text == moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    assert parse_timestamp(text) == moment


@PROPERTY
@given(moments)
def test_table_text_has_a_space_and_microseconds(moment: datetime) -> None:
    assert format_timestamp(moment) == moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert parse_timestamp(format_timestamp(moment)) == moment


@PROPERTY
@given(st.none() | st.integers() | st.floats() | st.booleans() | st.just("") | st.text(alphabet="abcxyz :", max_size=9))
def test_missing_or_malformed_values_are_none(value: object) -> None:
    assert parse_timestamp(value) is None


def test_out_of_range_after_conversion_is_none_and_none_formats_as_none() -> None:
    assert parse_timestamp("0001-01-01T00:00:00+01:00") is None
    assert format_timestamp(None) is None


def test_utc_now_is_utc_whatever_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        now = utc_now()
        assert abs(now - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
        assert parse_timestamp("2026-01-01T00:30:00+02:00") == datetime(2025, 12, 31, 22, 30)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_utc_now_is_naive_utc() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    now = utc_now()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert now.tzinfo is None and before <= now <= after
