"""Where a run record's item lines start, found a block at a time."""

from __future__ import annotations

import io

import pytest

from scoregate.record.linestarts import item_starts

HEADER = b'{"schema_version":1,"items":[\n'


def _starts(body: bytes, block_size: int) -> list[int] | None:
    found = item_starts(io.BytesIO(HEADER + body), len(HEADER), block_size)
    return None if found is None else list(found)


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 1 << 20])
def test_each_line_start_then_the_closing_line_whatever_the_block_size(block_size: int) -> None:
    body = b'{"id":"a"},\n{"id":"bb"},\n{"id":"c"}\n]}\n'
    h = len(HEADER)
    assert _starts(body, block_size) == [h, h + 12, h + 25, h + 36]
    # The same without the final newline.
    assert _starts(body[:-1], block_size) == [h, h + 12, h + 25, h + 36]


@pytest.mark.parametrize(
    "body",
    [
        b'{"id":"a"},\n\n{"id":"c"}\n]}\n',  # an empty line
        b'{"id":"a"}\n',  # no closing line
        b'{"id":"a"}\n]}\n\n',  # an empty line after the closing one
        b'{"id":"a"}\n]} \n',  # more than "]}" on the closing line
        b"]}\n",  # no item line
        b"",
    ],
)
def test_a_file_not_as_write_record_leaves_it_is_none(body: bytes) -> None:
    for block_size in (1, 5, 1 << 20):
        assert _starts(body, block_size) is None
