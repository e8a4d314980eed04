"""The Mixpeek side: the HTTP client, its retries, pages, partitioned listing and the change feed."""
