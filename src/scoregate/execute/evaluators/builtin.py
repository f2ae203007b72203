"""Builtin scorers. Each takes the output, the item and its options and returns a 0-1 value.

| type | scores 1 when | options |
|---|---|---|
| exact | output equals expected_output | ignore_case, ignore_whitespace |
| contains | output contains value (default: expected_output) | value (text or list), mode all/any, ignore_case |
| regex | pattern is found in output | pattern, ignore_case, full_match |
| json_valid | output is JSON (or already a mapping/list) | — |
| json_schema | output (parsed if text) conforms to schema | schema (inline or file) |
| numeric | abs(output - expected) <= max(tolerance, relative * abs(expected)) | tolerance, relative |
| similarity | 0-1 similarity to expected_output | method ratio/token_f1, ignore_case |

For ``contains`` with several values the score is the share found (mode all) or 1 if any
is found (mode any).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from difflib import SequenceMatcher
from typing import Any

from scoregate.values.model import Item

Scorer = Callable[[Any, Item], tuple[float, str | None]]


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def build(kind: str, options: Mapping[str, Any]) -> Scorer:
    return _BUILDERS[kind](options)


def _exact(options: Mapping[str, Any]) -> Scorer:
    ignore_case = bool(options.get("ignore_case", False))
    ignore_ws = bool(options.get("ignore_whitespace", False))

    def clean(value: Any) -> str:
        text = text_of(value)
        if ignore_ws:
            text = " ".join(text.split())
        return text.casefold() if ignore_case else text

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        if not (ignore_case or ignore_ws) and output == item.expected_output:
            return 1.0, None
        return (1.0, None) if clean(output) == clean(item.expected_output) else (0.0, None)

    return score


def _contains(options: Mapping[str, Any]) -> Scorer:
    ignore_case = bool(options.get("ignore_case", False))
    mode = options.get("mode", "all")
    fixed = options.get("value")

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        wanted = fixed if fixed is not None else item.expected_output
        needles = [text_of(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
        haystack = text_of(output)
        if ignore_case:
            haystack = haystack.casefold()
            needles = [n.casefold() for n in needles]
        found = [n for n in needles if n in haystack]
        if mode == "any":
            return (1.0 if found else 0.0), None
        missing = [n for n in needles if n not in found]
        comment = f"missing: {', '.join(missing)[:200]}" if missing else None
        return len(found) / len(needles), comment

    return score


def _regex(options: Mapping[str, Any]) -> Scorer:
    pattern = re.compile(options["pattern"], re.IGNORECASE if options.get("ignore_case") else 0)
    match = pattern.fullmatch if options.get("full_match") else pattern.search

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        return (1.0 if match(text_of(output)) else 0.0), None

    return score


def parse_json(output: Any) -> tuple[Any, str | None]:
    if isinstance(output, (dict, list)):
        return output, None
    if not isinstance(output, str):
        return output, None
    try:
        return json.loads(output), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def _json_valid(options: Mapping[str, Any]) -> Scorer:
    def score(output: Any, item: Item) -> tuple[float, str | None]:
        if not isinstance(output, (str, dict, list)):
            return 0.0, f"output is {type(output).__name__}, not JSON text"
        _, error = parse_json(output)
        return (0.0, error) if error else (1.0, None)

    return score


def _json_schema(options: Mapping[str, Any]) -> Scorer:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(options["schema"])

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        value, error = parse_json(output)
        if error:
            return 0.0, error
        problem = next(iter(validator.iter_errors(value)), None)
        if problem is None:
            return 1.0, None
        at = "/".join(str(p) for p in problem.absolute_path)
        return 0.0, f"{at or '(root)'}: {problem.message}"[:300]

    return score


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _numeric(options: Mapping[str, Any]) -> Scorer:
    tolerance = float(options.get("tolerance", 0.0))
    relative = float(options.get("relative", 0.0))

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        got, want = _number(output), _number(item.expected_output)
        if want is None:
            return 0.0, "expected_output is not a number"
        if got is None:
            return 0.0, "output is not a number"
        allowed = max(tolerance, relative * abs(want))
        diff = abs(got - want)
        return (1.0, None) if diff <= allowed else (0.0, f"off by {diff:g} (allowed {allowed:g})")

    return score


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _similarity(options: Mapping[str, Any]) -> Scorer:
    method = options.get("method", "ratio")
    ignore_case = bool(options.get("ignore_case", False))

    def score(output: Any, item: Item) -> tuple[float, str | None]:
        a, b = text_of(output), text_of(item.expected_output)
        if ignore_case:
            a, b = a.casefold(), b.casefold()
        if method == "token_f1":
            return _token_f1(_tokens(a), _tokens(b)), None
        return SequenceMatcher(None, a, b, autojunk=False).ratio(), None

    return score


def _token_f1(got: list[str], want: list[str]) -> float:
    if not got and not want:
        return 1.0
    if not got or not want:
        return 0.0
    remaining: dict[str, int] = {}
    for token in want:
        remaining[token] = remaining.get(token, 0) + 1
    common = 0
    for token in got:
        if remaining.get(token, 0) > 0:
            remaining[token] -= 1
            common += 1
    if common == 0:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Scorer]] = {
    "exact": _exact,
    "contains": _contains,
    "regex": _regex,
    "json_valid": _json_valid,
    "json_schema": _json_schema,
    "numeric": _numeric,
    "similarity": _similarity,
}
