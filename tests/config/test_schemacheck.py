"""schemacheck.py: the quick yes/no agrees with jsonschema on every config it decides."""

from __future__ import annotations

import ast
import copy
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scoregate.config import experiments as config
from scoregate.config import schemacheck, validate, yamlsource
from scoregate.values.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = validate.schema()
VALIDATOR = Draft202012Validator(SCHEMA)


def parsed(text: str) -> Any:
    """The document as config.load sees it (${VAR:-default} filled in), or None."""
    try:
        return yamlsource.parse(text, "experiments.yaml", {}).data
    except ConfigError:
        return None


def corpus() -> list[Any]:
    """The repository's configs, and every literal config in the tests."""
    files = [ROOT / "experiments.yaml", *sorted(ROOT.glob("examples/*/experiments.yaml"))]
    docs = [parsed(p.read_text()) for p in files]
    for test_file in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(test_file.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and "experiments:" in text:
                doc = parsed(text)
                if isinstance(doc, dict):
                    docs.append(doc)
    return docs


CORPUS = corpus()
VALID_CORPUS = [doc for doc in CORPUS if VALIDATOR.is_valid(doc)]
"""Half the mutations start from a valid config, so the share of valid mutants does not
depend on how many invalid configs the tests happen to hold."""

ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 0.5, 1.5, 2, 100, 10**6, -0.0, "", "x", "exact", "1",
    "score", "a.b:c", "main", [], [1], ["x"], [{}], {}, {"a": 1}, {"type": "exact"},
    {"name": "x"}, {"min": 0.5}, {"langfuse": "p", "label": "l"},
]  # fmt: skip


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += paths(v, (*prefix, i))
    return found


def at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def mutate(doc: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rng.choice((1, 1, 2, 3))):
        path = rng.choice(paths(doc))
        if not path:
            continue
        parent, last = at(doc, path[:-1]), path[-1]
        move = rng.randrange(5)
        if move == 0:
            del parent[last]
        elif move in (1, 2):
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif move == 3 and isinstance(parent, dict):
            donor = rng.choice(paths(doc))
            if donor and isinstance(donor[-1], str):
                parent[donor[-1]] = copy.deepcopy(at(doc, donor))
        elif isinstance(parent, dict):
            parent[rng.choice(["extra", "nmae", "gates", "max_drop", "type"])] = "x"
    return doc


def test_the_corpus_covers_the_config_and_is_valid() -> None:
    assert len(CORPUS) >= 15
    for doc in CORPUS[:5]:
        assert VALIDATOR.is_valid(doc)
        assert schemacheck.is_valid(doc, SCHEMA) is True


def test_agrees_with_jsonschema_on_thousands_of_mutated_configs() -> None:
    rng = random.Random(20261122)
    outcomes = {True: 0, False: 0}
    for _ in range(3000):
        doc = mutate(rng.choice(rng.choice((VALID_CORPUS, CORPUS))), rng)
        expected = VALIDATOR.is_valid(doc)
        # Every keyword of our schema is implemented, so it always decides.
        assert schemacheck.is_valid(doc, SCHEMA) is expected, doc
        outcomes[expected] += 1
    # Both answers are well represented, so agreement means something.
    assert min(outcomes.values()) > 300, outcomes


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, 1.5, False),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"type": ["string", "null"]}, None, True),
        ({"enum": [1, "a"]}, True, False),
        ({"const": True}, 1, False),
        ({"const": [1, {"a": 2.0}]}, [1.0, {"a": 2}], True),
        ({"minimum": 3}, "text", True),
        ({"minLength": 2}, "é", False),
        ({"pattern": "b"}, "abc", True),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, ["a", 1, 2], True),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, ["a", "b"], False),
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}, False),
        ({"if": {"required": ["a"]}, "else": {"required": ["b"]}}, {"c": 1}, False),
        ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, False),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}, False),
        ({"$defs": {"n": {"type": "null"}}, "$ref": "#/$defs/n"}, None, True),
        ({"not": {"type": "object"}}, {}, False),
    ],
)
def test_keywords_answer_as_jsonschema_does(
    schema: dict[str, Any], value: Any, expected: bool
) -> None:
    assert Draft202012Validator(schema).is_valid(value) is expected
    assert schemacheck.is_valid(value, schema) is expected


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"format": "email"}, "a"),
        ({"$ref": "other.json#/x"}, "a"),
        ({"$ref": "#/$defs/missing"}, "a"),
        ({"patternProperties": {"^a": {}}, "additionalProperties": False}, {"a": 1}),
        ({"type": "whatever"}, "a"),
        ({"items": [{"type": "string"}]}, ["a"]),
    ],
)
def test_leaves_what_it_does_not_implement_to_jsonschema(
    schema: dict[str, Any], value: Any
) -> None:
    assert schemacheck.is_valid(value, schema) is None


def test_an_invalid_config_still_gets_jsonschemas_explanation(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(
        "version: 1\nexperiments:\n  - name: qa\n    dataset: d.jsonl\n    task: a:b\n"
        "    concurency: 4\n"
    )
    with pytest.raises(ConfigError) as caught:
        config.load(path, {})
    assert "experiments[0].concurency: unknown key 'concurency' (did you mean 'concurrency'?)" in (
        str(caught.value)
    )
