"""Asking the server for structure where it can give it: ``response_format`` and its fallbacks.

A judge asks for a ``{score, reasoning}`` JSON schema unless its config says otherwise. When a
server refuses ``json_schema`` (llama-cpp-python does, with HTTP 500), the call is made again
once with ``json_object``, and when that is refused too, as plain text that the judge's reply
parser reads. The provider remembers a refusal for the rest of the run, so each model falls
back once, and the run warns once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

JUDGE_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "judge_score",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"score": {"type": "number"}, "reasoning": {"type": "string"}},
            "required": ["score", "reasoning"],
            "additionalProperties": False,
        },
    },
}
DOWNGRADES = {"json_schema": "json_object", "json_object": "text"}


def judge_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A judge's call parameters: its own ``response_format``, else the score schema."""
    if "response_format" in params:
        return downgraded(params, "text") if format_type(params) == "text" else dict(params)
    return dict(params) | {"response_format": JUDGE_SCHEMA}


def format_type(params: Mapping[str, Any]) -> str:
    found = params.get("response_format")
    kind = found.get("type") if isinstance(found, Mapping) else None
    return kind if isinstance(kind, str) else "text"


def downgraded(params: Mapping[str, Any], to: str) -> dict[str, Any]:
    """``params`` asking for ``to`` instead (``text``: no response_format at all)."""
    rest = {k: v for k, v in params.items() if k != "response_format"}
    return rest if to == "text" else rest | {"response_format": {"type": to}}


def fallback_note(model: str, refused: str, to: str) -> str:
    instead = "plain text read by the reply parser" if to == "text" else to
    return (
        f"model {model}: the server refused response_format {refused}, so its calls ask for "
        f"{instead} instead"
    )


def attempts(
    model: str, params: Mapping[str, Any], refused: frozenset[str]
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """The parameters to try in turn, each with the fallback notes that led to it: the
    formats this run's server already refused are skipped (with their notes)."""
    current: dict[str, Any] = dict(params)
    notes: tuple[str, ...] = ()
    while True:
        kind = format_type(current)
        if kind not in refused or kind not in DOWNGRADES:
            yield current, notes
        if kind not in DOWNGRADES:
            return
        to = DOWNGRADES[kind]
        current, notes = downgraded(current, to), (*notes, fallback_note(model, kind, to))
