"""Properties of the retry schedule: waits within the cap and the budget, Retry-After honoured, attempts bounded."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.mixpeek.retry import RetryPolicy, parse_seconds, retry_hint

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 12),
    base_delay=st.floats(0.01, 5),
    max_delay=st.floats(0.5, 60),
    budget=st.floats(0, 400),
)
hints = st.none() | st.floats(-5, 120)


@PROPERTY
@given(policies, st.lists(hints, min_size=12, max_size=12))
def test_schedule_stays_within_cap_budget_and_attempts(policy: RetryPolicy, given_hints: list[float | None]) -> None:
    waits: list[float] = []
    attempt = 1
    while True:
        hint = given_hints[attempt - 1]
        wait = policy.next_wait(attempt, hint, sum(waits))
        if hint is None:
            expected = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
        else:
            expected = min(max(hint, 0.0), policy.max_delay)
        if wait is None:
            assert attempt >= policy.max_attempts or sum(waits) + expected > policy.budget
            break
        assert attempt < policy.max_attempts
        assert wait == expected
        assert 0 <= wait <= policy.max_delay
        waits.append(wait)
        assert sum(waits) <= policy.budget + 1e-9
        attempt += 1
    assert len(waits) <= policy.max_attempts - 1


@PROPERTY
@given(st.integers(1, 7), st.floats(0, 30))
def test_retry_after_within_the_cap_is_waited_exactly(attempt: int, seconds: float) -> None:
    policy = RetryPolicy()
    assert policy.next_wait(attempt, seconds, 0.0) == seconds


@PROPERTY
@given(st.integers(1, 7), st.floats(30, 1e6, exclude_min=True))
def test_longer_retry_after_is_capped_at_thirty(attempt: int, seconds: float) -> None:
    assert RetryPolicy().next_wait(attempt, seconds, 0.0) == 30.0


def test_default_backoff_is_one_two_four_then_thirty_and_eight_attempts() -> None:
    policy = RetryPolicy()
    assert [policy.next_wait(n, None, 0.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, None]
    assert policy.next_wait(1, 30.0, 150.0) == 30.0
    assert policy.next_wait(1, 30.0, 150.1) is None


@PROPERTY
@given(st.floats(0, 1e9) | st.integers(0, 10**9))
def test_numeric_retry_after_header_is_read_as_seconds(seconds: float) -> None:
    assert retry_hint({"Retry-After": str(seconds)}, None) == float(seconds)
    body = {"error": {"details": {"retry_after_seconds": 99}}}
    assert retry_hint({"Retry-After": str(seconds)}, body) == float(seconds)


@PROPERTY
@given(
    st.sampled_from(["", "soon", "-1", "nan", "inf", "-inf", "Wed, 21 Oct 2015 07:28:00 GMT"]),
    st.none() | st.floats(0, 100),
)
def test_unusable_header_falls_back_to_the_body(header: str, body_seconds: float | None) -> None:
    body = {"error": {"details": {"retry_after_seconds": body_seconds}}}
    assert retry_hint({"Retry-After": header}, body) == body_seconds
    legacy = {"detail": {"error": {"details": {"retry_after_seconds": body_seconds}}}}
    assert retry_hint({}, legacy) == body_seconds


@PROPERTY
@given(st.none() | st.booleans() | st.text(max_size=5) | st.floats() | st.integers() | st.lists(st.integers()))
def test_parse_seconds_is_a_finite_non_negative_number_or_none(value: object) -> None:
    result = parse_seconds(value)
    if isinstance(value, bool) or value is None:
        assert result is None
        return
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        assert result is None
        return
    assert result == (number if math.isfinite(number) and number >= 0 else None)
