"""What every command shares: the ``--config`` option, paths given as pathlib.Path, and the
error handler that turns a known error into its message and exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from scoregate import __version__
from scoregate.values.errors import ConfigError, ScoregateError


class LazyPath(click.Path):
    """click.Path that gives a pathlib.Path, imported when a path is given (fast --help)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(str(super().convert(value, param, ctx)))


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    type=LazyPath(dir_okay=False),
    default="experiments.yaml",
    show_default=True,
    help="The experiments file.",
)

HTML_OPTION = click.option(
    "--html",
    "html_path",
    type=LazyPath(dir_okay=False),
    help="HTML report path [OUTPUT_DIR/report.html]: one self-contained file, opens offline.",
)


@contextmanager
def error_handler() -> Iterator[None]:
    """Known errors become their message and exit code; Ctrl-C is 130, SIGTERM 143 (handled
    as Ctrl-C, see pipeline/signals.py); anything else is a bug.

    A message may quote untrusted text (an item id, a server's reply): it is printed on one
    line, its control characters escaped."""
    from scoregate.pipeline.signals import interrupted_code, sigterm_as_interrupt
    from scoregate.report.safe import visible

    try:
        with sigterm_as_interrupt():
            yield
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {visible(problem)}", err=True)
        sys.exit(exc.return_code)
    except ScoregateError as exc:
        click.echo(f"error: {visible(str(exc))}", err=True)
        sys.exit(exc.return_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(interrupted_code())
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        import traceback
        from pathlib import Path

        from scoregate.values import scrub

        log = Path(".scoregate") / "crash.log"
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(
                scrub.text(
                    f"scoregate {__version__}, Python {sys.version}\n{traceback.format_exc()}"
                ),
                encoding="utf-8",
            )
            where = f" Details: {log}."
        except OSError:
            where = ""
        click.echo(
            f"error: unexpected error: {type(exc).__name__}: {visible(str(exc))}.{where} "
            "Please report it.",
            err=True,
        )
        sys.exit(3)
