"""One rule for the paths a config names: relative to the config's folder.

Paths the tool writes into run records and reports are shown the same way (relative to the
config's folder, with ``/``), so a committed baseline reads the same on every machine; a
message about a missing file shows the absolute path that was tried.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def relative(path: Path, root: Path) -> str:
    """``path`` as seen from the config's folder ``root``, with ``/`` on every platform.

    A path outside ``root`` is written with ``..`` while the two share a folder below the
    file system's root (``../qa/dataset.jsonl``); one that shares nothing with it (another
    drive, ``/tmp`` beside ``/home``) stays absolute, being tied to the machine anyway.
    """
    target, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        return target.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        common = Path(os.path.commonpath([target, base]))
    except ValueError:  # different drives
        return str(target)
    if common == Path(common.anchor):
        return str(target)
    return PurePosixPath(*Path(os.path.relpath(target, base)).parts).as_posix()


def missing(path: Path, root: Path, what: str = "file") -> str:
    """The end of a "does not exist" message: the absolute path tried, and the rule."""
    return (
        f"the {what} {os.path.abspath(path)} does not exist (paths are relative to the "
        f"config's folder {os.path.abspath(root)})"
    )
