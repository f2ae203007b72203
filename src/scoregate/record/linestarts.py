"""A run record's header, and where each of its item lines starts, found by streaming the file.

A record of a million items is a few hundred megabytes: its header is read as one line, and
the rest is scanned for newlines a block at a time, so neither the file nor its lines are
ever held (numpy finds the newlines of a block at C speed).
"""

from __future__ import annotations

import functools
import json
from array import array
from typing import IO, Any

BLOCK = 8 << 20
"""Bytes read at a time while the newlines are found."""

_END = b"]}"


# A score table holds a million values of a few kinds (0.0, 1.0): one float of each.
_shared_float = functools.lru_cache(maxsize=4096)(float)


def header_and_starts(
    handle: IO[bytes], items_open: bytes
) -> tuple[dict[str, Any], array[int]] | None:
    """The header (the first line, which ends with ``items_open``, parsed) and where each item
    line starts; None when the file is not as write_record leaves it."""
    first = handle.readline()
    if not first.endswith(items_open + b"\n"):
        return None
    header = json.loads(first[: -len(items_open) - 1] + b"}", parse_float=_shared_float)
    if not isinstance(header, dict) or "table" not in header:
        return None
    starts = item_starts(handle, len(first))
    return None if starts is None else (header, starts)


def item_starts(handle: IO[bytes], first: int, block_size: int = BLOCK) -> array[int] | None:
    """The byte offset of each item line after the header (which ends at ``first``, its
    newline included), then where the closing ``]}`` line starts; ``None`` when the rest is
    not as write_record leaves it (an empty line, or no ``]}`` line at the end)."""
    import numpy as np  # only when a record is read: not at start-up

    handle.seek(first)
    found: list[np.ndarray] = []
    offset = first
    tail = b""
    while block := handle.read(block_size):
        found.append(np.flatnonzero(np.frombuffer(block, np.uint8) == 10) + offset)
        offset += len(block)
        tail = (tail + block)[-4:]
    newlines = np.concatenate(found) if found else np.zeros(0, np.int64)
    # The closing line: "]}" then a newline, or "]}" at the very end of the file.
    ends_with_newline = tail.endswith(b"\n")
    if not tail.removesuffix(b"\n").endswith(_END):
        return None
    lines = len(newlines) if ends_with_newline else len(newlines) + 1
    starts = np.empty(lines, np.int64)
    starts[0] = first
    starts[1:] = newlines[: lines - 1] + 1
    closing = int(starts[-1])
    if offset - closing != len(_END) + ends_with_newline:
        return None  # the last line is more than "]}"
    if lines < 2:
        return None  # no item line
    ends = newlines[: lines - 1]
    if bool(np.any(ends == starts[:-1])):
        return None  # an empty line
    out = array("q")
    out.frombytes(starts.astype("<i8", copy=False).tobytes())
    return out
