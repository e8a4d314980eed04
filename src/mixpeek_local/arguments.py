"""Command-line values for the local tools: a decimal within bounds, with a message naming what is allowed."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def decimal(low: float, high: float, expected: str) -> Callable[[str], float]:
    """An argparse type: a number from low to high; expected says what is allowed in the error."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse
