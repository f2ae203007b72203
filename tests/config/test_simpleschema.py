"""The built-in checker of simple schemas against jsonschema itself: the same errors, in the
same order, with the same messages and paths, for every schema it takes; the rest is left to
jsonschema."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scoregate.config.simpleschema import check, simple

SCHEMAS: list[Any] = [
    {
        "type": "object",
        "required": ["question"],
        "properties": {"question": {"type": "string", "minLength": 1}},
    },
    {"type": ["string", "null"], "maxLength": 3},
    {"type": "integer", "minimum": 1, "maximum": 5},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5},
    {"enum": ["a", 1, None, True, [1, 2], {"k": 1}]},
    {"const": 1},
    {"const": False},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
    {"type": "array", "items": False},
    {"type": "array", "minItems": 2, "maxItems": 0},
    {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"properties": {"a": True}, "additionalProperties": {"type": "integer"}},
    {"type": "string", "pattern": "^[a-z]+$", "minLength": 2, "title": "t", "format": "email"},
    {
        "type": "object",
        "required": ["a", "b"],
        "properties": {
            "a": {"type": "object", "properties": {"x": {"type": "array", "items": {"enum": [1]}}}},
            "b": {"type": "boolean"},
        },
    },
    True,
    False,
    {},
]
INSTANCES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    2.5,
    -3,
    7,
    "",
    "a",
    "ab",
    "abcd",
    "AB1",
    [],
    [1],
    [1, 2, 3],
    ["x"],
    [1.0],
    {},
    {"question": ""},
    {"question": "q"},
    {"question": 3},
    {"a": 1},
    {"a": "s", "z": 1, "y": 2},
    {"a": {"x": [1, 2, "s"]}, "b": 1},
    {"k": 1},
    {"k": 1.0},
    [1, 2],
    {"a": True, "c": 2.0},
]


def _theirs(schema: Any, instance: Any) -> list[tuple[str, tuple[Any, ...]]]:
    validator = Draft202012Validator(schema)
    return [(e.message, tuple(e.absolute_path)) for e in validator.iter_errors(instance)]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_simple_schemas_give_jsonschemas_errors(schema: Any) -> None:
    assert simple(schema)
    Draft202012Validator.check_schema(schema)  # every schema taken is a valid one
    for instance in INSTANCES:
        ours = [(e.message, e.absolute_path) for e in check(schema, instance)]
        assert ours == _theirs(schema, instance), (schema, instance)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strng"},
        {"type": []},
        {"type": ["string", "string"]},
        {"required": "a"},
        {"minLength": -1},
        {"minLength": True},
        {"maximum": "3"},
        {"pattern": "("},
        {"properties": {"a": {"type": "nope"}}},
        {"$ref": "#/$defs/x"},
        {"anyOf": [{"type": "string"}]},
        {"patternProperties": {"^a": {}}},
        {"oneOf": []},
        [],
        "string",
    ],
)
def test_other_schemas_are_left_to_jsonschema(schema: Any) -> None:
    assert not simple(schema)
