"""Face: the command line. `app` holds the group and its commands, `options` the shared options and error handler, `commands/` the commands loaded only when called."""

from scoregate.cli.app import main

__all__ = ["main"]
