"""The item lines of a run record file, read on demand: a record holds where each line
starts, and an item is read from its line, and checked (record_check.py), when it is used."""

from __future__ import annotations

import json
import os
from abc import abstractmethod
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, overload

from scoregate.record import record_check, scoretable
from scoregate.record.gcpause import paused_gc
from scoregate.record.pathnames import shown
from scoregate.values.errors import ConfigError
from scoregate.values.model import ItemResult

_BLOCK = 1 << 20
"""Bytes of item lines read at a time when many are read in order."""


def _stamp(path: Path) -> tuple[int, int]:
    """What tells a file changed since it was read: its size and modification time."""
    found = path.stat()
    return found.st_size, found.st_mtime_ns


class ItemSequence(Sequence[ItemResult]):
    """A run's items, each made when it is used: indexing, slicing and equality from
    :meth:`_at` (one item, ``0 <= index < len(self)``) and ``__len__``."""

    @abstractmethod
    def _at(self, index: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ItemResult]: ...

    def __getitem__(self, index: int | slice) -> ItemResult | Sequence[ItemResult]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return self._at(range(len(self))[index])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class LazyItems(ItemSequence):
    """The items of a stored record, each read from its line of the file when it is used and
    checked against the header's score table then (record_check.py).

    Only where each line starts is held, not the lines, nor the items once read: a report
    reads a few, and a run's items can hold long texts (whole error messages), so a run of
    many experiments holds one experiment's items at a time (``keep``).
    """

    def __init__(
        self,
        path: Path,
        starts: array[int],
        table: scoretable.ScoreTable,
        parse: Callable[[Mapping[str, Any]], ItemResult],
        plain: frozenset[str] = frozenset(),
    ) -> None:
        self.table = table
        self._path = path
        self._starts = starts
        """Byte offset of each item line in the file, then one past the last line's end."""
        self._where = shown(path)
        self._stamp = _stamp(path)
        self._parse_item = parse
        """The checked line's fields as an item (the store's reader)."""
        self._plain = plain
        """Scores in their own units (not 0-1): record_check.py checks their values so."""
        self._first_samples: array[int] | None = None

    def _blocks(self, first: int, stop: int | None) -> Iterator[tuple[int, int, bytes]]:
        """(first line, end line, their bytes): the lines ``first`` to ``stop`` a block at a
        time (at least one line each), each read with one call."""
        stop = len(self) if stop is None else stop
        with self._open() as handle:
            starts = self._starts
            index = first
            while index < stop:
                base = starts[index]
                end = max(index + 1, bisect_right(starts, base + _BLOCK, index, stop + 1) - 1)
                handle.seek(base)
                yield index, end, handle.read(starts[end] - base)
                index = end

    def lines(self, first: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The item lines ``first`` to ``stop`` as stored (no comma, no newline)."""
        starts = self._starts
        for index, end, block in self._blocks(first, stop):
            base = starts[index]
            for k in range(index, end):
                line = block[starts[k] - base : starts[k + 1] - base]
                yield line.rstrip(b"\r\n").removesuffix(b",")

    def text_chunks(self) -> Iterator[list[str]]:
        """Every item line as stored (no comma, no newline), as text, many at a time."""
        for index, end, block in self._blocks(0, None):
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                yield list(self.texts(index, end))  # names the line that is not UTF-8
                continue
            # Each line of the block ends with a newline (the closing "]}" line follows); a
            # comma before a newline ends a line (JSON text holds no raw newline).
            if "\r" in text:
                yield [line.rstrip("\r").removesuffix(",") for line in text.split("\n")[:-1]]
            else:
                yield text.replace(",\n", "\n").split("\n")[:-1]

    def chosen(self, positions: Iterable[int]) -> Iterator[tuple[int, ItemResult]]:
        """The items at ``positions`` (ascending), each checked, read through one open file:
        a report that shows some of many items reads only those."""
        with paused_gc(), self._open() as handle:
            starts = self._starts
            for index in positions:
                handle.seek(starts[index])
                line = handle.read(starts[index + 1] - starts[index])
                yield index, self._parse(index, line.rstrip(b"\r\n").removesuffix(b","))

    def path_is(self, path: Path) -> bool:
        return path.resolve() == self._path.resolve()

    def moved(self, path: Path, starts: array[int]) -> None:
        """The lines now sit at ``starts`` in ``path`` (rewritten with another header, each
        line scrubbed again)."""
        self._path = path
        self._starts = starts
        self._stamp = _stamp(path)

    def texts(self, first: int = 0, stop: int | None = None) -> Iterator[str]:
        """The item lines ``first`` to ``stop`` as stored (no comma, no newline), as text."""
        for index, line in enumerate(self.lines(first, stop), start=first):
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = f"{self._where}:{index + 2}"
                raise record_check.damaged(
                    where, f"the item line is not UTF-8 text ({exc})"
                ) from None

    def _changed(self) -> ConfigError:
        return ConfigError(
            f"{self._where}: the run record changed while scoregate was reading it; run the "
            "command again."
        )

    @contextmanager
    def _open(self) -> Iterator[IO[bytes]]:
        try:
            with self._path.open("rb") as handle:
                found = os.fstat(handle.fileno())
                if (found.st_size, found.st_mtime_ns) != self._stamp:
                    raise self._changed()
                yield handle
        except OSError as exc:
            raise ConfigError(f"{self._where}: the run record cannot be read: {exc}") from None

    def _parse(self, index: int, line: bytes) -> ItemResult:
        """Item line ``index`` (line ``index + 2`` of the file), checked."""
        where = f"{self._where}:{index + 2}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")
            problem = f"the item line is not JSON (column {exc.colno}: {reason})"
            raise record_check.damaged(where, problem) from None
        except UnicodeDecodeError as exc:
            raise record_check.damaged(where, f"the item line is not UTF-8 text ({exc})") from None
        if self._first_samples is None:
            self._first_samples = array("q", accumulate(self.table.counts, initial=0))
        try:
            samples = record_check.item(data, plain=self._plain)
            record_check.agrees(samples, data["id"], self.table, index, self._first_samples[index])
        except record_check.Bad as exc:
            item_id = data.get("id") if isinstance(data, dict) else None
            lead = f"item {item_id!r}: " if isinstance(item_id, str) else ""
            raise record_check.damaged(where, f"{lead}{exc}") from None
        return self._parse_item(data)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def _at(self, index: int) -> ItemResult:
        (line,) = self.lines(index, index + 1)
        return self._parse(index, line)

    def __iter__(self) -> Iterator[ItemResult]:
        with paused_gc():
            for index, line in enumerate(self.lines()):
                yield self._parse(index, line)
