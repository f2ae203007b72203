"""What the user allows the gate on the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GateOptions:
    no_baseline: bool = False
    """Gate without a baseline on purpose (``--no-baseline``): its checks are not run."""
    allow_partial: bool = False
    """An interrupted run or baseline may pass (``--allow-partial``)."""


ALLOW_NOTHING = GateOptions()
"""The default: a baseline when one is there, and no interrupted run passes."""
