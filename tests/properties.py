"""The Hypothesis settings every property test uses: deterministic, no deadline, a moderate example count."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "120"))

PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FEW = settings(PROPERTY, max_examples=max(10, EXAMPLES // 3))
