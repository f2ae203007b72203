"""A small JSON Schema checker for the simple schemas datasets give, so ``validate`` and ``run``
need not import jsonschema (about 100 ms) to check ``input_schema: {type: object, required:
[question]}``.

``simple`` says whether a schema uses only the keywords below, each well formed; for those,
``check`` yields the errors Draft 2020-12 ``jsonschema`` yields, in its order, with its
messages and paths (``tests/config/test_simpleschema.py`` holds the two side by side). Any
other schema goes to jsonschema itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_TYPES = {"null", "boolean", "integer", "number", "string", "array", "object"}
_ANNOTATIONS = {"title", "description", "default", "examples", "$comment", "format"}
"""Keywords that assert nothing (``format`` is an annotation unless a format checker is set,
and scoregate sets none)."""
_COUNTS = {"minLength", "maxLength", "minItems", "maxItems"}
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


class SchemaError:
    """One way an instance fails the schema: jsonschema's message and the instance path (a
    plain class: a dataclass costs a few ms to build at start-up)."""

    __slots__ = ("absolute_path", "message")

    def __init__(self, message: str, absolute_path: tuple[str | int, ...] = ()) -> None:
        self.message = message
        self.absolute_path = absolute_path


def simple(schema: Any) -> bool:
    """Whether ``schema`` is a well-formed schema of the keywords this module checks."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if not _well_formed(key, value):
            return False
    return True


def _well_formed(key: str, value: Any) -> bool:
    if key == "type":
        names = value if isinstance(value, list) else [value]
        return (
            bool(names)
            and all(isinstance(n, str) and n in _TYPES for n in names)
            and len(set(names)) == len(names)
        )
    if key == "required":
        return (
            isinstance(value, list)
            and all(isinstance(n, str) for n in value)
            and len(set(value)) == len(value)
        )
    if key == "properties":
        return isinstance(value, dict) and all(simple(s) for s in value.values())
    if key in ("additionalProperties", "items"):
        return simple(value)
    if key == "enum":
        return isinstance(value, list)
    if key == "const":
        return True
    if key in _COUNTS:
        return _count(value)
    if key in _BOUNDS:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if key == "pattern":
        if not isinstance(value, str):
            return False
        try:
            re.compile(value)
        except re.error:
            return False
        return True
    return False


def _count(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer() and value >= 0
    return isinstance(value, int) and value >= 0


def _is_type(instance: Any, name: str) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if isinstance(instance, bool) or not isinstance(instance, (int, float)):
        return False
    if name == "integer":
        return isinstance(instance, int) or instance.is_integer()
    return True  # number


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: a bool is never a number; containers compared item by item."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    return bool(one == two)


def check(schema: Any, instance: Any) -> Iterator[SchemaError]:
    """The errors of ``instance`` against a ``simple`` schema, as jsonschema yields them."""
    if schema is True:
        return
    if schema is False:
        yield SchemaError(f"False schema does not allow {instance!r}")
        return
    for key, value in schema.items():
        yield from _keyword(key, value, instance, schema)


def _descend(schema: Any, instance: Any, at: str | int) -> Iterator[SchemaError]:
    for error in check(schema, instance):
        yield SchemaError(error.message, (at, *error.absolute_path))


def _keyword(
    key: str, value: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[SchemaError]:
    found = _KEYWORDS.get(key)
    return iter(()) if found is None else found(value, instance, schema)


def _type(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    names = value if isinstance(value, list) else [value]
    if not any(_is_type(instance, n) for n in names):
        shown = ", ".join(repr(n) for n in names)
        yield SchemaError(f"{instance!r} is not of type {shown}")


def _required(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield SchemaError(f"{name!r} is a required property")


def _properties(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, dict):
        for name, subschema in value.items():
            if name in instance:
                yield from _descend(subschema, instance[name], name)


def _additional(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if not isinstance(instance, dict):
        return
    extras = [k for k in instance if k not in schema.get("properties", {})]
    if isinstance(value, dict):
        for extra in extras:
            yield from _descend(value, instance[extra], extra)
    elif not value and extras:
        ordered = sorted(extras, key=str)
        verb = "was" if len(ordered) == 1 else "were"
        shown = ", ".join(repr(e) for e in ordered)
        yield SchemaError(f"Additional properties are not allowed ({shown} {verb} unexpected)")


def _items(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if not isinstance(instance, list):
        return
    if value is False:
        if instance:
            rest = instance if len(instance) != 1 else instance[0]
            yield SchemaError(f"Expected at most 0 items but found {len(instance)} extra: {rest!r}")
        return
    for index, element in enumerate(instance):
        yield from _descend(value, element, index)


def _enum(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if all(not _equal(each, instance) for each in value):
        yield SchemaError(f"{instance!r} is not one of {value!r}")


def _const(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if not _equal(instance, value):
        yield SchemaError(f"{value!r} was expected")


def _at_least(kind: str) -> Any:
    def check_count(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
        if _is_type(instance, kind) and len(instance) < value:
            said = "should be non-empty" if value == 1 else "is too short"
            yield SchemaError(f"{instance!r} {said}")

    return check_count


def _at_most(kind: str) -> Any:
    def check_count(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
        if _is_type(instance, kind) and len(instance) > value:
            said = "is expected to be empty" if value == 0 else "is too long"
            yield SchemaError(f"{instance!r} {said}")

    return check_count


def _pattern(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    if isinstance(instance, str) and not re.search(value, instance):
        yield SchemaError(f"{instance!r} does not match {value!r}")


def _bounded(key: str) -> Any:
    def check_bound(value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
        if _is_type(instance, "number"):
            yield from _bound(key, value, instance)

    return check_bound


def _bound(key: str, value: Any, instance: Any) -> Iterator[SchemaError]:
    if key == "minimum" and instance < value:
        yield SchemaError(f"{instance!r} is less than the minimum of {value!r}")
    elif key == "maximum" and instance > value:
        yield SchemaError(f"{instance!r} is greater than the maximum of {value!r}")
    elif key == "exclusiveMinimum" and instance <= value:
        yield SchemaError(f"{instance!r} is less than or equal to the minimum of {value!r}")
    elif key == "exclusiveMaximum" and instance >= value:
        yield SchemaError(f"{instance!r} is greater than or equal to the maximum of {value!r}")


_KEYWORDS: dict[str, Any] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "minLength": _at_least("string"),
    "minItems": _at_least("array"),
    "maxLength": _at_most("string"),
    "maxItems": _at_most("array"),
    "pattern": _pattern,
    **{key: _bounded(key) for key in _BOUNDS},
}


class SimpleValidator:
    """The part of ``jsonschema.Draft202012Validator`` the dataset check uses."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        return check(self.schema, instance)
