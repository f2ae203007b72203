"""Record: run records on disk (store), score tables, and where a run was made (git)."""
