"""The command line: parse options, call one function, map errors to exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, NoReturn

import click

from scoregate import __version__
from scoregate.cli import outstream
from scoregate.cli.gateflags import ALLOW_PARTIAL_OPTION, NO_BASELINE_OPTION, gate_options
from scoregate.cli.options import CONFIG_OPTION, LazyPath, error_handler, report_options
from scoregate.cli.runfiles import load_config as _load
from scoregate.cli.runfiles import run_files as _run_files
from scoregate.cli.width import terminal_width
from scoregate.values.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path


OUTPUT_DIR_LOOKUP = click.option(
    "--output-dir",
    type=LazyPath(file_okay=False),
    help="Where run ids are looked up (OUTPUT_DIR/runs/*/<run id>.json) "
    "[defaults.output_dir, .scoregate].",
)


class _Group(click.Group):
    """Commands that need heavier imports are loaded only when called (fast --help)."""

    lazy: ClassVar[dict[str, tuple[str, Callable[[], click.Command]]]] = {}
    """Name → (short help for the listing, loader)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            return self.lazy[cmd_name][1]()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        for name in names:
            if name in self.lazy:
                rows.append((name, self.lazy[name][0]))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scoregate")
def cli() -> None:
    """scoregate: a regression gate for LLM applications.

    Runs the experiments of experiments.yaml, compares their scores with a baseline run and
    with thresholds, and writes JUnit XML, a markdown report and an exit code:
    0 passed, 1 gate failed, 2 configuration error, 3 run could not complete, 130 interrupted (143 on SIGTERM).
    """


@cli.command()
@CONFIG_OPTION
@click.option(
    "-e",
    "--experiment",
    "experiments",
    multiple=True,
    help="Run only this experiment (repeatable).",
)
@click.option(
    "--baseline",
    type=LazyPath(),
    help="Baseline run record, or a folder of <experiment>.json.",
)
@report_options("OUTPUT_DIR")
@click.option(
    "--output-dir",
    type=LazyPath(file_okay=False),
    help="Where run records and reports go [defaults.output_dir, .scoregate].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Items in flight at once (overrides the config).",
)
@click.option(
    "--repeats",
    type=click.IntRange(min=1, max=100),
    help="Samples per item (overrides the config).",
)
@click.option(
    "--shard",
    help="Run only slice I of N (for example 2/4) and write a partial run record; join with 'merge'.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Call the model for every prompt task and judge, ignoring the result cache.",
)
@NO_BASELINE_OPTION
@ALLOW_PARTIAL_OPTION
def run(
    config_path: Path,
    experiments: tuple[str, ...],
    baseline: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    html_items: int,
    output_dir: Path | None,
    concurrency: int | None,
    repeats: int | None,
    shard: str | None,
    no_cache: bool,
    no_baseline: bool,
    allow_partial: bool,
) -> None:
    """Run the experiments, compare with the baseline, gate, and write the reports."""
    with error_handler():
        from scoregate.execute.prepared import Overrides
        from scoregate.pipeline import reportfiles, runner, shards

        shard_slice = shards.parse(shard) if shard else None

        config = _load(config_path)
        paths = reportfiles.report_paths(
            config.output_dir, output_dir, junit_path, markdown_path, html_path, html_items
        )
        code = runner.run(
            config,
            names=experiments,
            baseline=baseline,
            paths=paths,
            overrides=Overrides(concurrency, repeats, shard_slice),
            use_cache=not no_cache,
            options=gate_options(baseline, no_baseline, allow_partial),
        )
    sys.exit(code)


@cli.command()
@CONFIG_OPTION
def validate(config_path: Path) -> None:
    """Check the config, its datasets, tasks and evaluators without running anything."""
    with error_handler():
        from scoregate.pipeline import power
        from scoregate.pipeline.prepare import prepare

        config = _load(config_path)
        prepared = prepare(config, config.experiments)
        for p in prepared:
            click.echo(
                f"{p.experiment.name}: {len(p.items)} items, task {p.experiment.task.label}, "
                f"scores {', '.join(e.name for e in p.evaluators)}"
            )
            power.say([p], sys.stdout)
        count = len(prepared)
        click.echo(f"{config_path}: valid ({count} experiment{'s' if count != 1 else ''}).")


@cli.command()
def init() -> None:
    """Write a working starter here: experiments.yaml, a dataset, a task, evaluators and a
    pull-request workflow. Overwrites nothing; 'scoregate run' passes on it at once."""
    with error_handler():
        from pathlib import Path

        from scoregate.cli.commands.init import write_starter

        click.echo(write_starter(Path.cwd()))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of experiments.yaml (for editors)."""
    from scoregate.config.schemafile import schema_text

    click.echo(schema_text())


@cli.command(name="compare")
@click.argument("runs", nargs=-1, required=True)
@CONFIG_OPTION
@report_options("OUTPUT_DIR/compare")
@click.option(
    "--output-dir",
    type=LazyPath(file_okay=False),
    help="Where run ids are looked up, and compare/ holds the reports "
    "[defaults.output_dir, .scoregate].",
)
@ALLOW_PARTIAL_OPTION
def compare_command(
    runs: tuple[str, ...],
    config_path: Path,
    junit_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    html_items: int,
    output_dir: Path | None,
    allow_partial: bool,
) -> None:
    """Gate CANDIDATE against BASELINE without rerunning, with the same reports and exit code.

    Each RUN is a run record file, a run id as 'scoregate run' prints it (or its start), or a
    Langfuse run (langfuse:RUN@DATASET, langfuse:RUN, langfuse:@DATASET for the latest). The
    reports go to OUTPUT_DIR/compare/, leaving the last run's own reports as they are. With
    more than two runs, print their score means side by side instead (the first is the
    candidate; exit 0).
    """
    with error_handler():
        from scoregate.pipeline import reportfiles, runner
        from scoregate.pipeline.registry import read_runs

        if len(runs) < 2:
            raise ConfigError("compare needs two runs (a candidate and a baseline), or more.")
        if len(runs) > 2:
            from scoregate.report.side_by_side import render

            config = _load(config_path) if config_path.exists() else None
            files = _run_files(runs, config_path, output_dir, config)
            records = read_runs(files, config=config)
            click.echo(render([(r.run_id, r) for r in records]))
            sys.exit(0)
        config = _load(config_path)
        files = _run_files(runs, config_path, output_dir, config)
        cand, base = read_runs(files, config=config)
        verdict = runner.gate_records(config, [(cand, base, None)], allow_partial=allow_partial)
        out = (output_dir or config.output_dir) / "compare"
        paths = reportfiles.report_paths(
            out, None, junit_path, markdown_path, html_path, html_items
        )
        from pathlib import Path

        found = {} if files[0].startswith("langfuse:") else {cand.experiment: Path(files[0])}
        runner.write_reports(verdict, paths, env=os.environ, stdout=sys.stdout, records=found)
    sys.exit(verdict.exit_code)


@cli.command()
@click.argument("records", nargs=-1, required=True, type=LazyPath(dir_okay=False))
@CONFIG_OPTION
@click.option(
    "--baseline",
    type=LazyPath(),
    help="Baseline run record, or a folder of <experiment>.json.",
)
@report_options("OUTPUT_DIR")
@click.option("--output-dir", type=LazyPath(file_okay=False))
@NO_BASELINE_OPTION
@ALLOW_PARTIAL_OPTION
def merge(
    records: tuple[Path, ...],
    config_path: Path,
    baseline: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
    html_path: Path | None,
    html_items: int,
    output_dir: Path | None,
    no_baseline: bool,
    allow_partial: bool,
) -> None:
    """Join the shard run records of one run (from 'run --shard'), then gate and report."""
    with error_handler():
        from scoregate.pipeline import reportfiles, runner

        config = _load(config_path)
        paths = reportfiles.report_paths(
            config.output_dir, output_dir, junit_path, markdown_path, html_path, html_items
        )
        code = runner.merge(
            config,
            record_files=records,
            baseline=baseline,
            paths=paths,
            options=gate_options(baseline, no_baseline, allow_partial),
        )
    sys.exit(code)


@cli.group()
def baseline() -> None:
    """Manage baselines."""


@baseline.command()
@click.argument("run_record")
@CONFIG_OPTION
@click.option("--comment", help="Why this run is the baseline (Langfuse runs; shown there).")
@OUTPUT_DIR_LOOKUP
def promote(
    run_record: str, config_path: Path, comment: str | None, output_dir: Path | None
) -> None:
    """Make a run the baseline for its experiment.

    RUN_RECORD is a run record file, or a run id as 'scoregate run' prints it (or its start).
    A run record file is copied to the experiment's baseline path. A Langfuse run
    (langfuse:RUN@DATASET), or a run record of an experiment whose baseline comes from
    Langfuse, is marked in Langfuse instead (run-level score scoregate.baseline), which
    'baseline: {langfuse: {promoted: true}}' picks.
    """
    with error_handler():
        from pathlib import Path

        from scoregate.pipeline import registry
        from scoregate.record import store

        runs = registry.references("langfuse")
        note = comment or f"promoted by scoregate {__version__}"
        ref = runs.parse_ref(run_record)
        if ref is not None:
            run, host = runs.promote_ref(ref, comment=note)
            click.echo(f"Langfuse run '{run.name}' at {host} is now a promoted baseline.")
            return
        config = _load(config_path)
        (file,) = _run_files((run_record,), config_path, output_dir, config)
        record = store.read_record(Path(file))
        experiment = config.experiment(record.experiment)
        if record.metadata.get("partial"):
            raise ConfigError(f"{run_record}: this run was interrupted; promote a complete run.")
        if experiment is not None and experiment.langfuse.langfuse_baseline is not None:
            run, host = runs.promote_recorded(record, comment=note)
            click.echo(
                f"Langfuse run '{run.name}' at {host} (run {record.run_id}) is now a promoted "
                f"baseline for '{record.experiment}'."
            )
            return
        if experiment is None or experiment.baseline is None:
            raise ConfigError(
                f"{config_path}: no experiment named '{record.experiment}' with a baseline path; "
                "the run record belongs to another config."
            )
        target = store.promote(Path(file), experiment.baseline)
        click.echo(
            f"Baseline for '{record.experiment}' is now {store.shown(target)} "
            f"(run {record.run_id})."
        )


@cli.command()
@click.argument("run_record")
@click.option(
    "--failures", is_flag=True, help="Only items with an error or a score below its pass mark."
)
@click.option("--score", "score_name", help="Sort and filter by this score.")
@click.option("--below", type=float, help="Only items whose score is below this value (0-1).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Items to show."
)
@CONFIG_OPTION
@OUTPUT_DIR_LOOKUP
def show(
    run_record: str,
    failures: bool,
    score_name: str | None,
    below: float | None,
    limit: int,
    config_path: Path,
    output_dir: Path | None,
) -> None:
    """A run's items and scores, lowest first, with comments (judge reasoning).

    RUN_RECORD is a run record file, a run id as 'scoregate run' prints it (or its start), or
    a Langfuse run (langfuse:RUN@DATASET); for a Langfuse run the config, when there is one,
    gives the scores' scales and pass marks.
    """
    with error_handler():
        from scoregate.pipeline.registry import read_runs
        from scoregate.report import show as show_module

        config = None
        if run_record.startswith("langfuse:") and config_path.exists():
            config = _load(config_path)
        files = _run_files((run_record,), config_path, output_dir, config)
        (record,) = read_runs(files, config=config)
        text = show_module.render(
            record, failures=failures, score=score_name, below=below, limit=limit
        )
        click.echo(text)


def _lazy(name: str, short_help: str) -> None:
    """Register ``scoregate.cli.commands.<name>``'s command ``<name>`` (``-`` is ``_`` there)."""

    def load() -> click.Command:
        from importlib import import_module

        found = name.replace("-", "_")
        command: click.Command = getattr(import_module(f"scoregate.cli.commands.{found}"), found)
        return command

    _Group.lazy[name] = (short_help, load)


_lazy("comment", "Post the report as a sticky pull-request comment.")
_lazy("runs", "List a Langfuse dataset's experiment runs.")
_lazy("report", "Build the HTML report of stored runs: a baseline, a history.")
_lazy("report-link", "Link the HTML report from the GitHub job summary.")


def main() -> NoReturn:
    outstream.install(os.environ)  # secrets scrubbed, untrusted text inert, from here on
    cli.main(prog_name="scoregate", terminal_width=terminal_width())
    sys.exit(0)  # pragma: no cover - click exits itself
