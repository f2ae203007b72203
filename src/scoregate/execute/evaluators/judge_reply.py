"""A judge's reply read as far as it is unambiguous, never further.

An ordered table of rules. Each rule looks at the whole reply and either reads a score (a
:class:`Reading`), refuses it with a reason (raises :class:`JudgeReplyError`), or passes
(returns None) to the next rule. A reply no rule reads is refused. A score outside the judge's
scale is refused whatever rule read it: it is a misread or a misbehaving judge, not a score.

Accepted: strict JSON ``{"score": N, "reasoning": "..."}``; the same object with unescaped
quotes inside its text, or cut off after the score (small models do both); it inside a code
fence; ``score: 7``, ``7/10``, ``Score: 7 out of 10`` on the first line; a bare number.
Refused: two different scores, the rubric echoed back (``10 = fully correct; 0 = wrong``), a
fraction over another scale, no number.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Scale = tuple[float, float]
REASONING_KEYS = ("reasoning", "reason", "explanation", "rationale")
EXPECTED = (
    'expected JSON {"score": N, "reasoning": "..."}, that JSON in a ```json fence, '
    '"score: N", "N/TOP", "N out of TOP" or a bare number'
)

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_NUMBER = re.compile(_NUM)
_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)
_KEYS = "|".join(REASONING_KEYS)
# {"score": N, "reasoning": "<anything, inner quotes too>"} ; the text may also be cut off.
_LOOSE = re.compile(
    rf'\{{\s*"score"\s*:\s*"?({_NUM})"?\s*'
    rf'(?:,\s*"({_KEYS})"\s*:\s*"(.*?)(?:"\s*\}}|$)|\}})\Z',
    re.DOTALL,
)
_SCORE_KEY = re.compile(r'"score"\s*:', re.IGNORECASE)
# "10 = fully correct", "0 = wrong": a number given a meaning is a rubric, not a verdict.
_RUBRIC = re.compile(rf"(?<![\w.+\-*/]){_NUM}\s*=\s*[A-Za-z][^;,.\n]*")
_LABELLED = re.compile(
    rf"\**(?:the\s+)?score\s*(?:is\s*|[:=]\s*)?\**\s*({_NUM})\s*(?:(?:/|out\s+of)\s*({_NUM}))?\s*\.?",
    re.IGNORECASE,
)
_FRACTION = re.compile(rf"({_NUM})\s*(?:/|out\s+of)\s*({_NUM})\s*\.?", re.IGNORECASE)
_ANY_SCORE = re.compile(
    rf"\bscore\s*(?:is\s*|[:=]\s*)?\**\s*{_NUM}|{_NUM}\s*(?:/|out\s+of)\s*{_NUM}", re.IGNORECASE
)


class JudgeReplyError(ValueError):
    """A judge reply that is not a score: the reason."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A score read from a reply, the judge's reasoning if it gave one, and the rule that read
    it."""

    score: float
    reasoning: str | None
    rule: str


Rule = Callable[[str, Scale], Reading | None]


def read_reply(reply: str, scale: Scale) -> Reading:
    """The reply's score on ``scale``. Raises JudgeReplyError with the reason otherwise."""
    text = reply.strip()
    for _name, rule in RULES:
        reading = rule(text, scale)
        if reading is not None:
            return _on_scale(reading, scale)
    raise JudgeReplyError(EXPECTED)


# --- the rules --------------------------------------------------------------------------------


def _empty(text: str, scale: Scale) -> Reading | None:
    if not text:
        raise JudgeReplyError("the reply is empty")
    return None


def _json(text: str, scale: Scale) -> Reading | None:
    try:
        value = json.loads(text, object_pairs_hook=_no_repeated_score)
    except ValueError as exc:
        if isinstance(exc, JudgeReplyError):
            raise
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None  # a bare number: its own rule
    return _from_json(value, "json")


def _fence(text: str, scale: Scale) -> Reading | None:
    blocks = [m.group(1).strip() for m in _FENCE.finditer(text)]
    readings = []
    for block in blocks:
        for name, rule in (("json", _json), ("loose json", _loose_json), ("bare number", _bare)):
            reading = rule(block, scale)
            if reading is not None:
                readings.append(Reading(reading.score, reading.reasoning, f"fenced {name}"))
                break
    if not readings:
        return None
    outside = _FENCE.sub(" ", text)
    _one_score([r.score for r in readings] + _scores_in(outside), "the reply's fences and text")
    return readings[0]


def _loose_json(text: str, scale: Scale) -> Reading | None:
    match = _LOOSE.match(text)
    if match is None:
        return None
    number, reasoning = match.group(1), match.group(3)
    if reasoning is not None and _SCORE_KEY.search(reasoning):
        raise JudgeReplyError('the reply has "score" twice')
    return Reading(_finite(float(number)), reasoning, "loose json")


def _rubric(text: str, scale: Scale) -> Reading | None:
    match = _RUBRIC.search(text)
    if match is not None:
        shown = match.group(0).strip()
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        raise JudgeReplyError(f"the reply echoes a rubric ({shown}), not a score")
    return None


def _labelled(text: str, scale: Scale) -> Reading | None:
    first, _, rest = text.partition("\n")
    match = _LABELLED.fullmatch(first.strip())
    if match is None:
        return None
    _check_top(match.group(2), scale)
    return _with_rest(float(match.group(1)), rest, "labelled")


def _fraction(text: str, scale: Scale) -> Reading | None:
    first, _, rest = text.partition("\n")
    match = _FRACTION.fullmatch(first.strip())
    if match is None:
        return None
    _check_top(match.group(2), scale)
    return _with_rest(float(match.group(1)), rest, "fraction")


def _bare(text: str, scale: Scale) -> Reading | None:
    if _NUMBER.fullmatch(text):
        return Reading(_finite(float(text)), None, "bare number")
    if text.lower() in ("nan", "inf", "-inf", "+inf", "infinity"):
        raise JudgeReplyError(f"the score {text} is not a finite number")
    return None


RULES: tuple[tuple[str, Rule], ...] = (
    ("empty", _empty),
    ("json", _json),
    ("fence", _fence),
    ("loose json", _loose_json),
    ("rubric", _rubric),
    ("labelled", _labelled),
    ("fraction", _fraction),
    ("bare number", _bare),
)


# --- helpers ----------------------------------------------------------------------------------


def _no_repeated_score(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    scores = [value for key, value in pairs if key == "score"]
    if len(scores) > 1:
        raise JudgeReplyError('the reply\'s JSON has "score" twice')
    return dict(pairs)


def _from_json(value: Any, rule: str) -> Reading:
    if not isinstance(value, dict):
        raise JudgeReplyError(f"the reply is JSON {type(value).__name__}, not an object")
    if "score" not in value:
        raise JudgeReplyError('the reply\'s JSON has no "score"')
    score = value["score"]
    if isinstance(score, str) and _NUMBER.fullmatch(score.strip()):
        score = float(score)
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise JudgeReplyError(f'"score" is {json.dumps(score)[:40]}, not a number')
    reasoning = next((value[k] for k in REASONING_KEYS if value.get(k) is not None), None)
    return Reading(_finite(float(score)), None if reasoning is None else str(reasoning), rule)


def _with_rest(score: float, rest: str, rule: str) -> Reading:
    """A score on the first line; the lines after it are the reasoning, unless they give
    another score."""
    rest = rest.strip()
    _one_score([score, *_scores_in(rest)], "the reply's lines")
    return Reading(_finite(score), rest or None, rule)


def _scores_in(text: str) -> list[float]:
    """The scores a text gives in so many words (``score: 7``, ``7/10``)."""
    found = (_NUMBER.search(m.group(0)) for m in _ANY_SCORE.finditer(text))
    return [float(m.group(0)) for m in found if m is not None]


def _check_top(top: str | None, scale: Scale) -> None:
    if top is not None and float(top) != scale[1]:
        raise JudgeReplyError(
            f"the score is out of {_show(float(top))}, not of the judge's scale "
            f"{_show(scale[0])}-{_show(scale[1])}"
        )


def _one_score(scores: list[float], where: str) -> None:
    if len(set(scores)) > 1:
        shown = ", ".join(_show(s) for s in scores)
        raise JudgeReplyError(f"{where} give different scores ({shown})")


def _on_scale(reading: Reading, scale: Scale) -> Reading:
    low, high = scale
    if not low <= reading.score <= high:
        raise JudgeReplyError(
            f"the score {_show(reading.score)} is outside the judge's scale "
            f"{_show(low)}-{_show(high)}"
        )
    return reading


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise JudgeReplyError(f"the score {value} is not a finite number")
    return value


def _show(x: float) -> str:
    return f"{x:g}"
