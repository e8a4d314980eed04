"""ingest_stage_files: send a stage's files to a Mixpeek bucket, idempotently, and remember each file."""
