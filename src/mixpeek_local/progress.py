"""Progress of a long sync on stderr (documents, pages, rate), drawn with rich from the client's page log."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from mixpeek_snowflake.mixpeek.client import PAGES_LOGGER


class RateColumn(ProgressColumn):
    """Documents per second over the run so far."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} documents/s")


class PageCounter(logging.Handler):
    """Counts the listed pages and documents the client logs, and advances a rich task with them."""

    def __init__(self, progress: Progress, description: str) -> None:
        super().__init__(logging.DEBUG)
        self.progress = progress
        self.pages = 0
        self.task = progress.add_task(description, total=None, pages=0)

    def emit(self, record: logging.LogRecord) -> None:
        """Count one page (Handler.handle holds the handler's lock, so threads count one at a time)."""
        self.pages += 1
        self.progress.update(self.task, advance=getattr(record, "documents", 0), pages=self.pages)


def new_progress(stream: IO[str]) -> Progress:
    """A one-line display: what runs, documents, pages, rate and elapsed time."""
    return Progress(
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} documents"),
        TextColumn("{task.fields[pages]:,} pages"),
        RateColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        refresh_per_second=4,
    )


def wanted(quiet: bool, stream: IO[str] | None = None) -> bool:
    """Progress is drawn only on a terminal and when not asked to be quiet."""
    stream = stream or sys.stderr
    return not quiet and stream.isatty()


@contextmanager
def reporting(description: str, enabled: bool, stream: IO[str] | None = None) -> Iterator[None]:
    """While the block runs, draw the pages the client lists on stream (stderr) if enabled."""
    if not enabled:
        yield
        return
    pages = logging.getLogger(PAGES_LOGGER)
    saved = (pages.level, pages.propagate)
    with new_progress(stream or sys.stderr) as progress:
        counter = PageCounter(progress, description)
        pages.addHandler(counter)
        pages.setLevel(logging.DEBUG)
        pages.propagate = False
        try:
            yield
        finally:
            pages.removeHandler(counter)
            pages.setLevel(saved[0])
            pages.propagate = saved[1]
