"""A quick yes or no: does a document satisfy a JSON Schema (draft 2020-12)?

Importing jsonschema takes longer than everything else scoregate does before its first item
(~0.1 s here), and nearly every config it checks is valid. So a config is checked here first,
with the keywords experiments.schema.json uses, and jsonschema is imported only to explain
what is wrong. The answer is True or False where these keywords decide it, and None (ask
jsonschema) at any other keyword or reference, so it is never more lenient than jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

# Keywords that never change whether a document is valid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
    | {"deprecated", "readOnly", "writeOnly"}
)


class _Undecided(Exception):
    """A keyword or reference this checker does not implement."""


def is_valid(document: Any, schema: Mapping[str, Any]) -> bool | None:
    try:
        return _Check(schema).valid(document, schema)
    except _Undecided:
        return None


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _equal(one: Any, two: Any) -> bool:
    """JSON equality, as jsonschema has it: true is not 1, [1] equals (1,)."""
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list | tuple) and isinstance(two, list | tuple):
        return len(one) == len(two) and all(map(_equal, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return bool(one == two)


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


class _Check:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def valid(self, value: Any, schema: Any) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, Mapping):
            raise _Undecided
        for keyword, expected in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            check = _KEYWORDS.get(keyword)
            if check is None:
                raise _Undecided
            if not check(self, value, expected, schema):
                return False
        return True

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise _Undecided
        node: Any = self.root
        for escaped in ref[1:].split("/")[1:]:
            part = escaped.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise _Undecided
        return node


Keyword = Callable[[_Check, Any, Any, Mapping[str, Any]], bool]


def _type(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    for name in names:
        if name not in _TYPES:
            raise _Undecided
    return any(_TYPES[name](v) for name in names)


def _properties(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    if not isinstance(v, dict):
        return True
    return all(c.valid(v[k], sub) for k, sub in expected.items() if k in v)


def _additional(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    if not isinstance(v, dict):
        return True
    if "patternProperties" in s:
        raise _Undecided
    known = s.get("properties", {})
    return all(c.valid(v[k], expected) for k in v if k not in known)


def _items(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    if not isinstance(v, list):
        return True
    skip = len(s.get("prefixItems", ()))
    return all(c.valid(x, expected) for x in v[skip:])


def _prefix_items(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    if not isinstance(v, list):
        return True
    return all(c.valid(x, sub) for x, sub in zip(v, expected, strict=False))


def _if(c: _Check, v: Any, expected: Any, s: Mapping[str, Any]) -> bool:
    branch = "then" if c.valid(v, expected) else "else"
    return branch not in s or c.valid(v, s[branch])


def _when(kind: Callable[[Any], bool], test: Callable[[Any, Any], bool]) -> Keyword:
    """A keyword that constrains one kind of value and lets every other kind pass."""
    return lambda c, v, expected, s: not kind(v) or test(v, expected)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_dict(v: Any) -> bool:
    return isinstance(v, dict)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


_KEYWORDS: dict[str, Keyword] = {
    "type": _type,
    "enum": lambda c, v, expected, s: any(_equal(v, e) for e in expected),
    "const": lambda c, v, expected, s: _equal(v, expected),
    "$ref": lambda c, v, expected, s: c.valid(v, c.resolve(expected)),
    "allOf": lambda c, v, expected, s: all(c.valid(v, sub) for sub in expected),
    "anyOf": lambda c, v, expected, s: any(c.valid(v, sub) for sub in expected),
    "oneOf": lambda c, v, expected, s: sum(c.valid(v, sub) for sub in expected) == 1,
    "not": lambda c, v, expected, s: not c.valid(v, expected),
    "if": _if,
    "then": lambda c, v, expected, s: True,  # decided under "if"
    "else": lambda c, v, expected, s: True,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _when(_is_dict, lambda v, names: all(n in v for n in names)),
    "propertyNames": lambda c, v, expected, s: (
        not isinstance(v, dict) or all(c.valid(k, expected) for k in v)
    ),
    "items": _items,
    "prefixItems": _prefix_items,
    "minItems": _when(_is_list, lambda v, n: len(v) >= n),
    "maxItems": _when(_is_list, lambda v, n: len(v) <= n),
    "minLength": _when(_is_str, lambda v, n: len(v) >= n),
    "maxLength": _when(_is_str, lambda v, n: len(v) <= n),
    "pattern": _when(_is_str, lambda v, p: _pattern(p).search(v) is not None),
    "minimum": _when(_is_number, lambda v, n: v >= n),
    "maximum": _when(_is_number, lambda v, n: v <= n),
    "exclusiveMinimum": _when(_is_number, lambda v, n: v > n),
    "exclusiveMaximum": _when(_is_number, lambda v, n: v < n),
}
