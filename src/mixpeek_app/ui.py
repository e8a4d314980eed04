"""What every page shares: the backend and what it may do, tables as data frames, missing objects explained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from mixpeek_app import backend as backends
from mixpeek_app import queries


@dataclass(frozen=True)
class Page:
    """One run of a page: the backend, the bundle schema, what the roles allow and which objects exist."""

    backend: backends.Backend
    bundle: queries.Bundle
    access: backends.Access
    objects: frozenset[str]

    def rows(self, statement: queries.Statement) -> list[dict[str, Any]]:
        return self.backend.query(statement)

    def has(self, name: str) -> bool:
        """Whether the object exists and this role sees it; says so on the page when not."""
        if name.upper() in self.objects:
            return True
        st.info(f"{self.bundle.database}.{self.bundle.schema}.{name} is not there, or this role may not read it.")
        return False


def start(title: str) -> Page:
    """Open a page: its title, then the session, its bundle schema, roles and visible objects."""
    st.title(title)
    backend = backends.current()
    return Page(
        backend=backend,
        bundle=backends.bundle(backend),
        access=backends.access(backend),
        objects=frozenset(backends.existing(backend)),
    )


def frame(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows as a data frame, keeping the column order even when there are no rows."""
    if not rows:
        return pd.DataFrame(columns=list(columns or []))
    data = pd.DataFrame(list(rows))
    return data[list(columns)] if columns else data


def failure(action: str, exc: Exception) -> None:
    """Say on the page that an action failed and why (the bundle's errors name the argument and what is allowed)."""
    message = str(exc).strip() or type(exc).__name__
    st.error(f"{action} failed: {message}")
