"""How a path is named in messages (store.py and writefile.py both name paths)."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
