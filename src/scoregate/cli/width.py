"""The width click wraps help to, worked out as shutil would, without importing shutil."""

from __future__ import annotations

import os
import sys


def terminal_width() -> int:
    """click's help width, worked out as shutil would, without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(min(columns or 80, 80) - 2, 50)
