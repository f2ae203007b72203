"""experiments.yaml against its JSON Schema: every problem at once, each as
``file:line:col: key.path: what is wrong``, an unknown key with the nearest known one."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scoregate.config import schemacheck
from scoregate.config.limits import MAX_PROBLEMS, first_problems
from scoregate.config.schemafile import schema
from scoregate.config.yamlsource import KeyPath, SourceDoc, format_path
from scoregate.values.errors import ConfigError
from scoregate.values.quoting import json_quoted, quoted, shorten_message


def validate_document(doc: SourceDoc) -> None:
    if schemacheck.is_valid(doc.data, schema()):
        return
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    problems: dict[str, None] = {}
    for error in validator.iter_errors(doc.data):
        problems.update(dict.fromkeys(_describe(error, doc)))
        if len(problems) > MAX_PROBLEMS:
            break  # a config wrong everywhere: jsonschema takes ~0.5 ms per problem
    if problems:
        ordered = sorted(problems, key=_line_order)
        raise ConfigError(first_problems(ordered, doc.file))


def _line_order(message: str) -> tuple[int, int]:
    parts = message.split(":")
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


def suggest(word: str, choices: Sequence[str] | Mapping[str, Any]) -> str:
    close = _closest(word, choices)
    return f" (did you mean {quoted(close)}?)" if close else ""


def _closest(word: str, choices: Sequence[str] | Mapping[str, Any]) -> str | None:
    import difflib

    if len(word) > 3 * max(map(len, choices), default=0):
        return None  # too long to be 0.6 alike; difflib would index every character of it
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _describe(error: Any, doc: SourceDoc) -> list[str]:
    """One message per concrete problem, at the position of the offending key or value."""
    path: KeyPath = tuple(error.absolute_path)
    validator = error.validator
    if validator in ("oneOf", "anyOf", "allOf") and error.context:
        required_keys = [
            s["required"][0]
            for s in error.validator_value
            if isinstance(s, dict) and "required" in s
        ]
        if (
            required_keys
            and isinstance(error.instance, dict)
            and not any(k in error.instance for k in required_keys)
        ):
            keys = [quoted(str(k)) for k in itertools.islice(error.instance, 5)]
            more = len(error.instance) - len(keys)
            found = ", ".join(keys) + (f" and {more:,} more" if more > 0 else "") or "nothing"
            hint = "".join(
                suggest(str(k), required_keys) for k in itertools.islice(error.instance, 5)
            )
            return [
                f"{doc.where(path)}: {format_path(path)}: needs one of the keys "
                f"{', '.join(repr(k) for k in required_keys)}; found {found}{hint}."
            ]
        from jsonschema.exceptions import best_match

        return _describe(best_match(error.context), doc)
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        return [
            f"{doc.where((*path, k), key=True)}: {format_path((*path, k))}: unknown key {quoted(k)}"
            f"{suggest(k, allowed)}; allowed here: {', '.join(allowed)}."
            for k in extra
        ]
    if validator == "propertyNames":
        return [f"{doc.where(path)}: {format_path(path)}: {shorten_message(error.message)}."]
    if validator == "required" and isinstance(error.instance, dict):
        return [_missing_key(key, path, doc) for key in _missing(error)]
    if validator == "enum" and len(path) >= 3 and path[-3::2] == ("evaluators", "type"):
        return [f"{doc.where(path, key=True)}: {format_path(path)}: {_unknown_type(error)}"]
    # At the key that holds the bad value (`min:` in `min: 1.4`), as the issue shows it.
    where = doc.where(path, key=True)
    return [f"{where}: {format_path(path)}: {_message(error)}"]


REQUIRED_HINTS = {
    "version": "add `version: 1` as the first line",
    "experiments": "add `experiments:`, a list of experiments, each with a name, a dataset, "
    "a task and evaluators",
    "name": "give the experiment a `name:` (letters, digits, '_', '.', '-')",
    "dataset": "add `dataset:` with the path of a JSONL, JSON, YAML or CSV file of items",
    "task": "add `task: module:function` (or `script:` with a Langfuse experiment(context) script)",
    "evaluators": "add `evaluators:`, a list such as `[{type: exact}]`",
    "model": "add `model:` naming the model, e.g. `model: gpt-4o-mini`",
    "pattern": "add `pattern:` with the regular expression to look for",
    "schema": "add `schema:` with a JSON Schema, inline or the path of a JSON/YAML file",
}
"""How to add a missing required key, by key (the keys the schema requires)."""


def _missing_key(key: str, path: KeyPath, doc: SourceDoc) -> str:
    """``missing required key 'x': how to add it``, at the mapping that lacks it."""
    hint = REQUIRED_HINTS.get(key)
    text = f"missing required key '{key}'" + (f": {hint}" if hint else "")
    if not path:
        # The fix is "first line", so that is where it points (after any leading comments).
        where = f"{doc.file}:1:1" if key == "version" else doc.where(path)
        return f"{where}: {text}"
    return f"{doc.where(path, key=True)}: {format_path(path)}: {text}"


def _unknown_type(error: Any) -> str:
    types = [str(t) for t in error.validator_value]
    given = error.instance
    if not isinstance(given, str):
        return f"the evaluator type must be one of: {', '.join(types)}."
    close = _closest(given, types)
    guess = f"; did you mean {quoted(close)}?" if close else "."
    return (
        f"unknown evaluator type {quoted(given)}{guess} Types: {', '.join(types)} "
        "(or `python: module:function` for a function of yours)."
    )


def _message(error: Any) -> str:
    v, value, inst = error.validator, error.validator_value, error.instance
    shown = json_quoted(inst) if not isinstance(inst, (dict, list)) else type(inst).__name__
    # Lazy: each message only makes sense for its own validator's value.
    messages: dict[str, Callable[[], str]] = {
        "maximum": lambda: f"{shown} is greater than {value}",
        "minimum": lambda: f"{shown} is less than {value}",
        "exclusiveMinimum": lambda: f"{shown} must be greater than {value}",
        "exclusiveMaximum": lambda: f"{shown} must be less than {value}",
        "const": lambda: f"must be {json.dumps(value)}",
        "enum": lambda: (
            f"{shown} is not one of {', '.join(json.dumps(x) for x in value)}"
            + (suggest(inst, [str(x) for x in value]) if isinstance(inst, str) else "")
        ),
        "minItems": lambda: f"needs at least {value} entr{'y' if value == 1 else 'ies'}",
        "maxItems": lambda: f"takes at most {value} entries",
        "pattern": lambda: f"{shown} does not have the expected form ({_pattern_hint(value)})",
        "minLength": lambda: "must not be empty",
    }
    if v == "type":
        got = _type_name(type(inst).__name__)
        return f"expected {_type_name(value)}, got {got}" + (
            "" if isinstance(inst, (dict, list)) else f" {shown}"
        )
    return messages[v]() if v in messages else shorten_message(str(error.message))


def _missing(error: Any) -> list[str]:
    return [str(k) for k in error.validator_value if k not in error.instance]


def _pattern_hint(pattern: str) -> str:
    if ":" in pattern:
        return "module:function"
    return "letters, digits, '_', '.', '-'"


def _type_name(name: Any) -> str:
    names = {
        "object": "a mapping",
        "dict": "a mapping",
        "array": "a list",
        "list": "a list",
        "string": "a string",
        "str": "a string",
        "number": "a number",
        "float": "a number",
        "integer": "an integer",
        "int": "an integer",
        "boolean": "true or false",
        "bool": "true or false",
        "NoneType": "nothing",
    }
    if isinstance(name, list):
        return " or ".join(names.get(n, str(n)) for n in name)
    return names.get(name, str(name))
