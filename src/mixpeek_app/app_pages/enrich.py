"""The Enrich page (see mixpeek_app.enrich)."""

from __future__ import annotations

from mixpeek_app import enrich

enrich.render()
