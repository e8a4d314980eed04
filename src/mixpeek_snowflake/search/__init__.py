"""Search: Mixpeek retrievers executed from SQL as a table function."""
