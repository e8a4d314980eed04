"""The Search page (see mixpeek_app.search)."""

from __future__ import annotations

from mixpeek_app import search

search.render()
