"""Every string of junit-xml's suites and cases made safe for XML, before they are written.

junit-xml silently drops what XML cannot hold; :func:`scoregate.report.safe.xml_text` shows
it as an escape instead (``\\x1b``), with C1 and bidi controls, so a reader of the report sees
that the text held them. Secrets are scrubbed too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from junit_xml import TestCase, TestSuite

from scoregate.report.safe import xml_text
from scoregate.values import scrub


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return xml_text(scrub.text(value))
    if isinstance(value, dict):
        return {_safe(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, TestCase):
        _make_safe(value)
    return value


def _make_safe(thing: TestCase | TestSuite) -> None:
    for name, value in vars(thing).items():
        setattr(thing, name, _safe(value))


def make_safe(suites: Iterable[TestSuite]) -> None:
    """Pass every string of ``suites`` (their cases, properties and messages) through
    :func:`~scoregate.report.safe.xml_text`, in place."""
    for suite in suites:
        _make_safe(suite)
