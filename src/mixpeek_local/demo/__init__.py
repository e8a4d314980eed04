"""The demo: a full sync, changes, an incremental sync and a look at the tables, all local."""
