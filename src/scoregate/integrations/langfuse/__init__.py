"""Langfuse: datasets, prompts, recorded experiment runs and baselines (issue 4).

Nothing here imports the ``langfuse`` SDK at import time; ``connection.connect`` does, and only
when a config or a command asks for Langfuse.
"""
