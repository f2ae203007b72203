"""The options that say what the gate may do without: --no-baseline and --allow-partial."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from scoregate.values.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

NO_BASELINE_OPTION = click.option(
    "--no-baseline",
    is_flag=True,
    help="Gate without a baseline on purpose (a first run, to promote): its checks are not run.",
)
ALLOW_PARTIAL_OPTION = click.option(
    "--allow-partial",
    is_flag=True,
    help="Let an interrupted run or baseline pass (gated on what finished).",
)


def gate_options(baseline: Path | None, no_baseline: bool, allow_partial: bool) -> Any:
    """The pipeline's GateOptions (imported here, when a command runs: fast --help)."""
    from scoregate.pipeline.gate_options import GateOptions

    if baseline is not None and no_baseline:
        raise ConfigError("--baseline and --no-baseline contradict each other; give one of them.")
    return GateOptions(no_baseline=no_baseline, allow_partial=allow_partial)
