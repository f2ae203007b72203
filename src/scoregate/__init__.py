"""scoregate: a regression gate for LLM applications."""

__version__ = "0.1.0"
