"""The emulator's enforced rate limit: a token bucket of one second's requests, 429 with Retry-After beyond it."""

from __future__ import annotations

import requests

from mixpeek_local.emulator import Emulator, Store
from mixpeek_local.emulator.ratelimit import RateLimit


def test_the_bucket_admits_one_seconds_worth_then_refills_at_the_rate() -> None:
    now = [0.0]
    limit = RateLimit(600, clock=lambda: now[0])
    assert [limit.admit() for _ in range(10)] == [None] * 10
    wait = limit.admit()
    assert wait is not None and abs(wait - 0.1) < 1e-9
    now[0] += 0.25
    assert [limit.admit() is None for _ in range(3)] == [True, True, False]
    assert (limit.admitted, limit.refused) == (12, 2)


def test_beyond_the_limit_the_emulator_answers_429_and_me_reports_the_limit() -> None:
    with Emulator(Store(), api_key="mxp_k") as emulator:
        headers = {"Authorization": "Bearer mxp_k"}
        emulator.limit_rate(60)
        first = requests.get(f"{emulator.base_url}/v1/me", headers=headers, timeout=5)
        second = requests.get(f"{emulator.base_url}/v1/me", headers=headers, timeout=5)
        assert first.status_code == 200 and first.json()["rate_limits"]["data"] == 60
        assert second.status_code == 429 and second.headers["Retry-After"] == "1"
        assert second.json()["error"]["details"] == {"retryable": True, "retry_after_seconds": 1}
        emulator.limit_rate(None)
        third = requests.get(f"{emulator.base_url}/v1/me", headers=headers, timeout=5)
        assert third.status_code == 200 and third.json()["rate_limits"]["data"] == 3000
