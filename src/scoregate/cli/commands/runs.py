"""``scoregate runs --dataset NAME``: a Langfuse dataset's runs with their score means."""

from __future__ import annotations

import os
from pathlib import Path

import click

from scoregate.cli.options import CONFIG_OPTION, error_handler


@click.command()
@click.option("--dataset", required=True, help="The Langfuse dataset whose runs to list.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Runs to show."
)
@CONFIG_OPTION
def runs(dataset: str, limit: int, config_path: Path) -> None:
    """List the latest runs of a Langfuse dataset: name, time, item count and score means.

    Each run can then be named as langfuse:RUN@DATASET in 'show', 'compare' and
    'baseline promote'. The config, when there is one, gives the scores' scales.
    """
    with error_handler():
        from scoregate.config import experiments as config_module
        from scoregate.pipeline.registry import references

        config = config_module.load(config_path, os.environ) if config_path.exists() else None
        runs_module = references("langfuse")
        host, found = runs_module.dataset_runs(dataset, limit=limit, config=config)
        click.echo(runs_module.render_runs(dataset, host, found))
