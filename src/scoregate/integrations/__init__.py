"""Integrations: Langfuse (and the others) behind the interfaces the core defines."""
