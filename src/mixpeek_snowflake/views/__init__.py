"""Views: typed and child views generated from a collection's schema over a synced target."""
