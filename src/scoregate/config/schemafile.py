"""experiments.yaml's JSON Schema, read from the package (``validate.py`` checks with it;
``scoregate schema`` prints it, importing nothing else)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def schema() -> dict[str, Any]:
    text = (Path(__file__).parent / "schema" / "experiments.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_text() -> str:
    """The schema as ``scoregate schema`` prints it."""
    return json.dumps(schema(), indent=2)
