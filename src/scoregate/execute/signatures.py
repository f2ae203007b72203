"""Does a user's function accept the call scoregate will make? Checked before anything runs.

The calls, as Langfuse's runner makes them:

- a task: ``task(item=..., **kwargs)`` (the kwargs of ``task.kwargs``);
- an evaluator: ``evaluator(input=..., output=..., expected_output=..., metadata=..., **kwargs)``;
- a run evaluator: ``evaluator(item_results=...)``;
- a script's ``experiment(context)``, or ``experiment(context=...)`` when ``context`` is
  keyword-only.

A function taking ``**kwargs`` accepts any keyword; a callable whose signature cannot be read
(a builtin, a C function) is accepted.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scoregate.execute.references import resolve
from scoregate.values.errors import ConfigError

EVALUATOR_KEYWORDS = ("input", "output", "expected_output", "metadata")

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def is_async(function: Callable[..., Any]) -> bool:
    """An ``async def`` function, a partial of one, or an object with an async ``__call__``."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - a callable object with async __call__
    )


def check_task(
    function: Callable[..., Any], kwargs: Mapping[str, Any], place: str, reference: str
) -> None:
    """``place``: ``file:line:col: key.path`` of the task in the config."""
    keywords = ("item", *kwargs)
    _check(
        function,
        keywords,
        place,
        reference,
        rule="A task must accept the item as the keyword argument item"
        + (", and the keyword arguments of task.kwargs" if kwargs else ""),
        example="(*, item, **kwargs)",
    )


def check_evaluator(
    function: Callable[..., Any], kwargs: Mapping[str, Any], place: str, reference: str
) -> None:
    keywords = (*EVALUATOR_KEYWORDS, *kwargs)
    _check(
        function,
        keywords,
        place,
        reference,
        rule="An evaluator must accept the keyword arguments input, output, expected_output "
        "and metadata" + (", and those of its kwargs" if kwargs else ""),
        example="(*, input, output, expected_output, metadata, **kwargs)",
    )


def check_run_evaluator(function: Callable[..., Any], place: str, reference: str) -> None:
    _check(
        function,
        ("item_results",),
        place,
        reference,
        rule="A run evaluator must accept the keyword argument item_results",
        example="(*, item_results, **kwargs)",
    )


def resolve_run_evaluators(
    references: Sequence[str], root: Path, where: str, places: Sequence[str] = ()
) -> list[Callable[..., Any]]:
    """The run evaluators, each checked to accept ``item_results=`` (``places``: where each
    is named in the config)."""
    functions = []
    for index, reference in enumerate(references):
        function = resolve(reference, root, where)
        place = places[index] if index < len(places) else where
        check_run_evaluator(function, place, reference)
        functions.append(function)
    return functions


def experiment_by_keyword(function: Callable[..., Any], place: str, reference: str) -> bool:
    """How to call a script's ``experiment``: False for ``experiment(context)``, True for
    ``experiment(context=...)`` (a keyword-only ``context``). Raises ConfigError when neither
    works."""
    signature = _signature(function)
    if signature is None or _binds(signature, 1, ()):
        return False
    if _binds(signature, 0, ("context",)):
        return True
    raise ConfigError(
        f"{place}: {reference} cannot take the call scoregate makes, "
        f"{_name(function)}(context): {_reasons(signature, 1, ())}. The script's experiment "
        f"function must accept Langfuse's RunnerContext as its one argument, e.g. "
        f"{_definition(function, '(context)')}."
    )


def _check(
    function: Callable[..., Any],
    keywords: Sequence[str],
    place: str,
    reference: str,
    *,
    rule: str,
    example: str,
) -> None:
    signature = _signature(function)
    if signature is None or _binds(signature, 0, keywords):
        return
    name = _name(function)
    call = ", ".join(f"{k}=..." for k in keywords)
    raise ConfigError(
        f"{place}: {reference} cannot take the call scoregate makes, {name}({call}): "
        f"{_reasons(signature, 0, keywords)}. {rule}, e.g. {_definition(function, example)}."
    )


def _signature(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _binds(signature: inspect.Signature, positional: int, keywords: Sequence[str]) -> bool:
    try:
        signature.bind(*([None] * positional), **dict.fromkeys(keywords))
    except TypeError:
        return False
    return True


def _reasons(signature: inspect.Signature, positional: int, keywords: Sequence[str]) -> str:
    """Why the call does not bind, in the user's terms."""
    params = list(signature.parameters.values())
    if not params:
        return "it takes no arguments"
    kinds = {p.kind for p in params}
    reasons = []
    slots = [p for p in params if p.kind in _POSITIONAL]
    if positional > len(slots) and inspect.Parameter.VAR_POSITIONAL not in kinds:
        reasons.append("it takes no positional argument")
    filled = {p.name for p in slots[:positional]}
    by_name = {p.name: p for p in params}
    if inspect.Parameter.VAR_KEYWORD not in kinds:
        unknown = [k for k in keywords if k not in by_name]
        if unknown:
            reasons.append(f"it has no parameter{_s(unknown)} {_names(unknown)}")
        only_positional = [k for k in keywords if k in by_name and by_name[k].kind not in _NAMED]
        if only_positional:
            reasons.append(f"it takes {_names(only_positional)} only by position")
    missing = [
        p.name
        for p in params
        if p.default is _EMPTY
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.name not in filled
        and p.name not in keywords
    ]
    if missing:
        verb = "has" if len(missing) == 1 else "have"
        reasons.append(
            f"its parameter{_s(missing)} {_names(missing)} {verb} no default and would get no value"
        )
    return "; ".join(reasons) or "its parameters do not fit"


def _name(function: Callable[..., Any]) -> str:
    target = getattr(function, "func", function)  # functools.partial
    name = getattr(target, "__name__", None) or type(target).__name__
    return str(name)


def _definition(function: Callable[..., Any], parameters: str) -> str:
    """``def name(parameters)``; for an object with ``__call__``, that method."""
    target = getattr(function, "func", function)
    if inspect.isroutine(target) or inspect.isclass(target):
        return f"def {_name(function)}{parameters}"
    return f"def __call__(self, {parameters[1:]}"


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _s(names: Sequence[str]) -> str:
    return "" if len(names) == 1 else "s"
