"""report/text.py: untrusted text on one terminal line, and the verdict's count line."""

from __future__ import annotations

from scoregate.report.text import checks_counted, one_line
from scoregate.values.model import Check


def test_one_line_escapes_what_a_terminal_would_act_on() -> None:
    text = "a\nb\r\tc\x1b[2J\x9b\u202eé ✓\u2028d"
    assert one_line(text, 100) == "a\\nb\\r\\tc\\x1b[2J\\x9b\\u202eé ✓\\u2028d"
    assert one_line("x" * 50, 10) == "xxxxxxxxx…"
    assert one_line("\n" * 10_000, 10) == "\\n\\n\\n\\n…"
    assert one_line("abc", 3) == "abc"
    assert one_line("abcd", 3) == "ab…"


def check(status: str, explanation: str) -> Check:
    return Check("qa", "s", "min", status, None, None, explanation)  # type: ignore[arg-type]


def test_counts_name_the_reasons_of_the_checks_not_run() -> None:
    ok = check("pass", "fine")
    skipped = check("skip", "skipped: no baseline at b.json; record one with …")
    other = check("skip", "flakiness needs repeats of 2 or more")
    assert checks_counted([ok, ok], str) == "all 2 checks passed"
    assert (
        checks_counted([ok, skipped], str)
        == "1 of 2 checks passed, 1 not run (no baseline at b.json)"
    )
    assert checks_counted([check("fail", "x"), skipped, skipped, other], str) == (
        "1 of 4 checks failed, 3 not run (2: no baseline at b.json; "
        "1: flakiness needs repeats of 2 or more)"
    )
    assert checks_counted([], str) == "no check was configured"
