"""Files scoregate writes: a regular file is replaced atomically; anything else is written through.

- A new path, or a regular file: written to a temporary file beside it (``.NAME.XXXX.tmp``,
  created exclusively, never through a symlink), flushed to disk, then renamed over it, so a
  reader sees the old file or the new one, never half of one.
- A symlink: written through to its target (opened and written, like ``cat > link``); the
  link stays a link to where it pointed.
- A device (``/dev/null``, ``/dev/stdout``), a FIFO, a socket: opened and written, never
  replaced (as root, replacing ``/dev/null`` with a file would break the machine).

The only file scoregate removes is its own temporary file, by its name in the folder it was
made in, when a write fails; removing a name never follows a symlink. A write that fails
raises RunError (exit 3) naming the path and the reason, never a stack trace. Files are UTF-8;
text UTF-8 cannot hold (a lone surrogate from a broken model output) is written as its escape,
``\\ud83d``, rather than failing the write.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from scoregate.record.pathnames import shown
from scoregate.values.errors import RunError


@contextmanager
def writer(path: Path) -> Iterator[IO[str]]:
    """A text stream whose contents end up at ``path`` (see the module's rules)."""
    try:
        through = writes_through(path)
        with _through(path) if through else _atomic(path) as handle:
            yield handle
    except OSError as exc:
        raise RunError(cannot_write(path, exc)) from None


def writes_through(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (a symlink, a device, a FIFO...)."""
    try:
        return not stat.S_ISREG(os.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def cannot_write(path: Path, exc: OSError) -> str:
    if exc.errno in {errno.EEXIST, errno.ENOTDIR}:  # a folder on the way is a file
        existing = next(p for p in path.absolute().parents if os.path.exists(p))
        if not os.path.isdir(existing):
            return (
                f"cannot write {shown(path)}: {shown(existing)} is a file, not a folder; "
                "choose another path."
            )
    code = errno.errorcode.get(exc.errno or 0)
    reason = f"{exc.strerror or exc} ({code})" if code else str(exc.strerror or exc)
    fix = {
        errno.ENOSPC: "free some space there, or write it elsewhere",
        errno.EDQUOT: "free some space there, or write it elsewhere",
    }.get(exc.errno or 0, "check the path, or choose another one")
    return f"cannot write {shown(path)}: {reason}; {fix}."


@contextmanager
def _atomic(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(
            fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _through(path: Path) -> Iterator[IO[str]]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as handle:
        yield handle
        handle.flush()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fsync(fd)
