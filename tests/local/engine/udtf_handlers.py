"""Small table-function handlers the local runner's tests run in its worker processes."""

from __future__ import annotations

import os
from collections.abc import Iterator


class Echo:
    """Yields (partition, pid, instance id) per row, then ('end', rows seen)."""

    def __init__(self) -> None:
        self.rows = 0

    def process(self, partition: int, label: str) -> Iterator[tuple]:
        self.rows += 1
        yield (partition, os.getpid(), id(self), label)

    def end_partition(self) -> Iterator[tuple]:
        yield ("end", self.rows, id(self), os.environ.get("MIXPEEK_API_KEY"))


class FailsOnTwo:
    def process(self, partition: int) -> Iterator[tuple]:
        if partition == 2:
            raise ValueError("partition two is broken")
        yield (partition,)
