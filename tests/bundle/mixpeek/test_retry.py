"""Retry timing and classification, alone and through the client over a scripted transport."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from mixpeek_snowflake.errors import MixpeekAPIError, MixpeekTransportError
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.mixpeek.retry import (
    RetryPolicy,
    error_details,
    is_retryable_status,
    retry_hint,
    status_is_retryable,
)

Step = tuple[int, dict[str, str], bytes] | Exception


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted step: a (status, headers, body) or an exception."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__()
        self.steps = list(steps)
        self.sent: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append({"request": request, **kwargs})
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers, body = step
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = body
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def error_body(status: int, **details: Any) -> bytes:
    return json.dumps(
        {"success": False, "status": status, "error": {"message": "busy", "type": "T", "details": details}}
    ).encode()


def ok(payload: Any = None) -> Step:
    return (200, {}, json.dumps(payload if payload is not None else {"ok": True}).encode())


def scripted_client(
    steps: list[Step], policy: RetryPolicy | None = None
) -> tuple[MixpeekClient, list[float], ScriptedAdapter]:
    adapter = ScriptedAdapter(steps)
    session = requests.Session()
    session.mount("https://", adapter)
    waits: list[float] = []
    client = MixpeekClient("sk-test", session=session, sleep=waits.append, policy=policy)
    return client, waits, adapter


def run(steps: list[Step], policy: RetryPolicy | None = None) -> tuple[Any, list[float], MixpeekClient]:
    client, waits, _ = scripted_client(steps, policy)
    return client.get_collection("col"), waits, client


def test_backoff_doubles_from_one_and_caps_at_thirty() -> None:
    policy = RetryPolicy()
    assert [policy.wait_for(n, None) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_hint_is_used_capped_and_never_negative() -> None:
    policy = RetryPolicy()
    assert policy.wait_for(5, 2.5) == 2.5
    assert policy.wait_for(1, 90) == 30
    assert policy.wait_for(1, -3) == 0


def test_next_wait_stops_on_attempts_and_budget() -> None:
    policy = RetryPolicy(max_attempts=3, budget=10)
    assert policy.next_wait(1, None, waited=0) == 1
    assert policy.next_wait(3, None, waited=0) is None
    assert policy.next_wait(1, 5, waited=5) == 5
    assert policy.next_wait(1, 5, waited=5.5) is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retryable(status: int) -> None:
    assert is_retryable_status(status)
    assert status_is_retryable(status, None)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 301])
def test_other_statuses_are_fatal(status: int) -> None:
    assert not is_retryable_status(status)


def test_body_can_refuse_a_retry_in_both_shapes() -> None:
    assert not status_is_retryable(503, {"error": {"details": {"retryable": False}}})
    assert not status_is_retryable(429, {"detail": {"error": {"details": {"retryable": False}}}})
    assert status_is_retryable(503, {"error": {"details": {"retryable": True}}})
    assert error_details({"detail": "Not Found"}) == {}


def test_header_hint_wins_over_body_and_http_date_is_ignored() -> None:
    body = {"error": {"details": {"retry_after_seconds": 7}}}
    legacy = {"detail": {"error": {"details": {"retry_after_seconds": 9}}}}
    assert retry_hint({"Retry-After": "1.5"}, body) == 1.5
    assert retry_hint({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, body) == 7
    assert retry_hint({}, legacy) == 9
    assert retry_hint({}, {"error": {"details": {"retry_after_seconds": "soon"}}}) is None


def test_client_waits_header_then_body_then_backoff() -> None:
    steps: list[Step] = [
        (503, {"Retry-After": "15"}, error_body(503, retryable=True, retry_after_seconds=3)),
        (429, {}, error_body(429, retry_after_seconds=3)),
        (500, {}, b"Internal Server Error"),
        (502, {"Retry-After": "90"}, b""),
        ok({"collection_id": "col_1"}),
    ]
    result, waits, client = run(steps)
    assert result == {"collection_id": "col_1"}
    assert waits == [15, 3, 4, 30]
    assert client.stats.snapshot()["requests"] == 5
    assert client.stats.snapshot()["retries"] == 4


def test_ten_503s_with_retry_after_15_are_survived_within_budget() -> None:
    steps: list[Step] = [(503, {"Retry-After": "15"}, error_body(503, retryable=True))] * 10 + [ok()]
    _, waits, _ = run(steps, RetryPolicy(max_attempts=11))
    assert waits == [15] * 10


def test_budget_stops_retrying_and_raises_last_error() -> None:
    steps: list[Step] = [(503, {"Retry-After": "30"}, error_body(503, retryable=True))] * 8
    client, waits, adapter = scripted_client(steps)
    with pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("col")
    assert waits == [30] * 6
    assert len(adapter.sent) == 7
    assert caught.value.status == 503 and caught.value.retryable


def test_attempts_are_exhausted_after_max_attempts() -> None:
    steps: list[Step] = [(500, {}, b"oops")] * 8
    client, waits, adapter = scripted_client(steps)
    with pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("col")
    assert len(adapter.sent) == 8
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert client.stats.snapshot()["requests"] == 8
    assert client.stats.snapshot()["retries"] == 7
    assert caught.value.status == 500


def test_retryable_false_in_body_is_respected() -> None:
    client, waits, adapter = scripted_client([(503, {"Retry-After": "1"}, error_body(503, retryable=False))])
    with pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("col")
    assert waits == [] and len(adapter.sent) == 1
    assert caught.value.retryable is False


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_fatal_4xx_is_raised_at_once(status: int) -> None:
    client, waits, adapter = scripted_client([(status, {}, error_body(status))])
    with pytest.raises(MixpeekAPIError):
        client.get_collection("col")
    assert waits == [] and len(adapter.sent) == 1
    assert client.stats.snapshot() == {"requests": 1, "retries": 0, "bytes_received": len(error_body(status))}


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("reset"),
        requests.Timeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("truncated"),
    ],
)
def test_transport_failures_are_retried(failure: Exception) -> None:
    result, waits, _ = run([failure, failure, ok()])
    assert result == {"ok": True}
    assert waits == [1, 2]


def test_transport_failures_raise_transport_error_when_attempts_run_out() -> None:
    client, waits, _ = scripted_client([requests.ConnectionError("refused")] * 3, RetryPolicy(max_attempts=3))
    with pytest.raises(MixpeekTransportError, match="ConnectionError: refused"):
        client.get_collection("col")
    assert waits == [1, 2]


def test_tls_failures_are_not_retried() -> None:
    client, waits, _ = scripted_client([requests.exceptions.SSLError("bad certificate")])
    with pytest.raises(MixpeekTransportError, match="SSLError"):
        client.get_collection("col")
    assert waits == []


def test_truncated_json_on_200_is_retried() -> None:
    steps: list[Step] = [(200, {}, b'{"results": [{"document_id": "d1"'), ok({"results": []})]
    result, waits, client = run(steps)
    assert result == {"results": []}
    assert waits == [1]
    assert client.stats.snapshot()["bytes_received"] == len(steps[0][2]) + len(b'{"results": []}')


def test_truncated_json_raises_transport_error_when_attempts_run_out() -> None:
    client, _, _ = scripted_client([(200, {}, b"{")] * 2, RetryPolicy(max_attempts=2))
    with pytest.raises(MixpeekTransportError, match="not valid JSON"):
        client.get_collection("col")


def test_retries_are_logged_without_sleeping(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="mixpeek_snowflake.client")
    run([(429, {"Retry-After": "2"}, b""), ok()])
    assert "retrying GET /v1/collections/col after HTTP 429 (attempt 1 of 8), waiting 2.0 s" in caplog.text
