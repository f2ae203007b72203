"""``scoregate report RUN``: the HTML report of a stored run, gated as the config says, with
its baseline and, with ``--history``, each score's trend over earlier runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from scoregate.cli.options import (
    CONFIG_OPTION,
    HTML_ITEMS_OPTION,
    HTML_OPTION,
    LazyPath,
    error_handler,
)
from scoregate.cli.runfiles import load_config, run_files
from scoregate.values.errors import ConfigError


def _history_files(texts: tuple[str, ...], config_path: Path, output_dir: Path | None) -> list[str]:
    """Each ``--history`` value: a folder (every ``*.json`` run record under it), a run record
    file, a run id or a ``SCHEME:`` reference."""
    found: list[str] = []
    named: list[str] = []
    for text in texts:
        folder = Path(text)
        if folder.is_dir():
            records = sorted(str(p) for p in folder.rglob("*.json"))
            if not records:
                raise ConfigError(
                    f"--history {text}: the folder holds no run record (*.json); give a folder "
                    "of run records, such as OUTPUT_DIR/runs/<experiment>, or run records."
                )
            found += records
        else:
            named.append(text)
    return found + (run_files(tuple(named), config_path, output_dir) if named else [])


@click.command()
@click.argument("run")
@click.option(
    "--baseline",
    "baseline_run",
    help="The run to compare with (a file, a run id or langfuse:RUN@DATASET) "
    "[the experiment's baseline in the config].",
)
@click.option(
    "--history",
    multiple=True,
    help="An earlier run, or a folder of run records, for each score's trend (repeatable).",
)
@HTML_OPTION
@HTML_ITEMS_OPTION
@CONFIG_OPTION
@click.option(
    "--output-dir",
    type=LazyPath(file_okay=False),
    help="Where run ids are looked up, and reports/<run id>.html goes "
    "[defaults.output_dir, .scoregate].",
)
def report(
    run: str,
    baseline_run: str | None,
    history: tuple[str, ...],
    html_path: Path | None,
    html_items: int,
    config_path: Path,
    output_dir: Path | None,
) -> None:
    """Write the HTML report of RUN without rerunning it: every check, every score with its
    chart, every item beside its baseline.

    RUN (and --baseline, --history) is a run record file, a run id as 'scoregate run' prints
    it (or its start), or a Langfuse run (langfuse:RUN@DATASET). The checks are the config's
    gate. The report goes to OUTPUT_DIR/reports/<run id>.html unless --html says where.
    """
    with error_handler():
        from scoregate.pipeline import registry, runner
        from scoregate.pipeline.baseline_choice import find_baseline
        from scoregate.record import store
        from scoregate.report import html

        config: Any = load_config(config_path)
        (candidate,) = registry.read_runs(
            run_files((run,), config_path, output_dir, config), config=config
        )
        experiment = config.experiment(candidate.experiment)
        if experiment is None:
            raise ConfigError(
                f"{config_path}: no experiment named '{candidate.experiment}' (the experiment "
                f"of {run}); give the config it was run with (-c/--config)."
            )
        if baseline_run is not None:
            files = run_files((baseline_run,), config_path, output_dir, config)
            (read,) = registry.read_runs(files, config=config)
            base = registry.in_candidate_units(read, candidate)
            found: tuple[Any, str | None, bool] = (base, None, True)
        else:
            found = find_baseline(
                experiment, candidate.score_defs, None, config.root, env=os.environ
            )
        verdict = runner.gate_records(
            config,
            [(candidate, found[0], found[1])],
            required={candidate.experiment} if found[2] and found[0] is None else (),
        )
        earlier = []
        if history:
            files = _history_files(history, config_path, output_dir)
            earlier = registry.read_runs(files, config=config)
        target = html_path or (output_dir or config.output_dir) / "reports" / (
            f"{candidate.run_id.replace(':', '_').replace('/', '_')}.html"
        )
        store.write_text(target, html.render(verdict, history=earlier, items=html_items))
        counted = "passed" if verdict.passed else "failed"
        click.echo(f"HTML report ({candidate.experiment}, gate {counted}): {store.shown(target)}")
