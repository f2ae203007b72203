"""Pipeline: a run from config to exit code (runner), and the shards of a CI matrix (shards)."""
