"""The app's pages and which of them a session may open."""

from __future__ import annotations

from mixpeek_app.backend import Access

# name → (script next to the main file, title, icon)
PAGES = {
    "targets": ("app_pages/targets.py", "Targets", ":material/monitor_heart:"),
    "labels": ("app_pages/labels.py", "Labels", ":material/label:"),
    "search": ("app_pages/search.py", "Search", ":material/search:"),
    "enrich": ("app_pages/enrich.py", "Enrich", ":material/upload:"),
}


def visible(access: Access) -> list[str]:
    """Every page, Search only for a session with the search role."""
    return [name for name in PAGES if name != "search" or access.search]
