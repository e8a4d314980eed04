"""Properties of the retry schedule: waits within the cap and the budget, Retry-After honoured, attempts bounded."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.mixpeek.retry import (
    RetryPolicy,
    error_details,
    error_fields,
    is_retryable_status,
    parse_seconds,
    retry_hint,
    status_is_retryable,
)

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


@PROPERTY
@given(st.integers(0, 1000))
def test_only_429_and_5xx_are_retryable(status: int) -> None:
    assert is_retryable_status(status) == (status == 429 or 500 <= status <= 599)


def test_status_boundaries() -> None:
    assert [is_retryable_status(s) for s in (428, 429, 430, 499, 500, 599, 600)] == [
        False,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


texts = st.text(max_size=10)


@PROPERTY
@given(texts, texts, st.sampled_from(["current", "legacy"]))
def test_error_fields_read_message_and_type_from_both_shapes(message: str, kind: str, shape: str) -> None:
    error = {"message": message, "type": kind}
    body = {"error": error} if shape == "current" else {"detail": {"error": error}}
    assert error_fields(body) == (message, kind)


@PROPERTY
@given(texts)
def test_a_plain_detail_string_is_the_message(detail: str) -> None:
    assert error_fields({"detail": detail}) == (detail, "")


@PROPERTY
@given(st.none() | st.integers() | st.text(max_size=4) | st.lists(st.integers(), max_size=2))
def test_error_fields_of_other_bodies_are_empty(body: object) -> None:
    assert error_fields(body) == ("", "")
    assert error_fields({"error": body, "detail": body}) == ((body, "") if isinstance(body, str) else ("", ""))
    assert error_details(body) == {}


def test_error_fields_prefer_error_over_detail_and_turn_none_into_empty() -> None:
    body = {"error": {"message": "top", "type": "T"}, "detail": {"error": {"message": "legacy", "type": "L"}}}
    assert error_fields(body) == ("top", "T")
    assert error_fields({"error": {"message": None, "type": None}}) == ("", "")
    assert error_fields({"error": {"message": 5, "type": 7}}) == ("5", "7")
    assert error_fields({"error": "flat", "detail": {"error": {"message": "m", "type": "t"}}}) == ("m", "t")


@PROPERTY
@given(st.dictionaries(st.text(max_size=4), st.integers(), max_size=3), st.sampled_from(["current", "legacy"]))
def test_error_details_from_both_shapes(details: dict[str, int], shape: str) -> None:
    error = {"details": details}
    body = {"error": error} if shape == "current" else {"detail": {"error": error}}
    assert error_details(body) == details
    assert error_details({"error": {"details": [1]}}) == {}
    assert error_details({"error": "x", "detail": {"error": error}}) == details


@PROPERTY
@given(st.sampled_from([429, 500, 503, 599]), st.sampled_from([None, True, False, "false", 0]))
def test_a_body_may_refuse_a_retry_only_with_false(status: int, retryable: object) -> None:
    body = {"error": {"details": {"retryable": retryable}}}
    assert status_is_retryable(status, body) is (retryable is not False)
    assert status_is_retryable(404, {"error": {"details": {"retryable": True}}}) is False
