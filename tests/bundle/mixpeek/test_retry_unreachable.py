"""Unreachable hosts: the shorter attempt limit and the walk over an exception's causes, with hand-built chains."""

from __future__ import annotations

import socket

import pytest

from mixpeek_snowflake.mixpeek.retry import RetryPolicy, unreachable_reason


class Once(Exception):
    """An error whose `reason` may be read once: a walk that visits it twice fails instead of looping."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.reads = 0

    @property
    def reason(self) -> None:
        self.reads += 1
        if self.reads > 1:
            raise AssertionError(f"{self!r} visited twice")
        return None


def test_an_unreachable_host_gets_unreachable_attempts_only() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=1.0, unreachable_attempts=3)
    assert policy.next_wait(1, None, 0.0, unreachable=True) == 1.0
    assert policy.next_wait(2, None, 1.0, unreachable=True) == 2.0
    assert policy.next_wait(3, None, 3.0, unreachable=True) is None
    assert policy.next_wait(3, None, 3.0) == 4.0


def test_fewer_max_attempts_than_unreachable_attempts_still_bound_an_unreachable_host() -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=1.0, unreachable_attempts=3)
    assert policy.next_wait(1, None, 0.0, unreachable=True) == 1.0
    assert policy.next_wait(2, None, 1.0, unreachable=True) is None


@pytest.mark.parametrize(
    "error, reason",
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "host name not found"),
        (TimeoutError("timed out"), None),
        (OSError("other"), None),
    ],
)
def test_the_error_itself(error: BaseException, reason: str | None) -> None:
    assert unreachable_reason(error) == reason


def test_a_refusal_found_through_the_reason_attribute_alone() -> None:
    outer = Exception("Max retries exceeded")
    outer.reason = ConnectionRefusedError()  # type: ignore[attr-defined]
    assert unreachable_reason(outer) == "connection refused"


def test_a_refusal_found_through_the_arguments_and_the_cause() -> None:
    assert unreachable_reason(Exception("wrapped", socket.gaierror())) == "host name not found"
    outer = Exception("outer")
    outer.__cause__ = ConnectionRefusedError()
    assert unreachable_reason(outer) == "connection refused"


def test_an_error_reached_twice_is_passed_over_and_the_walk_goes_on() -> None:
    shared = Exception("shared")
    outer = Exception("outer", shared)
    outer.__cause__ = ConnectionRefusedError()
    outer.__context__ = shared
    assert unreachable_reason(outer) == "connection refused"


def test_every_pending_link_is_walked_not_only_the_newest() -> None:
    inner = Exception("inner")
    inner.__context__ = Exception("innermost")
    outer = Exception("outer")
    outer.__cause__ = socket.gaierror()
    outer.__context__ = inner
    assert unreachable_reason(outer) == "host name not found"


def test_a_cycle_of_causes_is_walked_once() -> None:
    first, second = Once("first"), Once("second")
    first.__context__ = second
    second.__context__ = first
    assert unreachable_reason(first) is None
    assert (first.reads, second.reads) == (1, 1)
