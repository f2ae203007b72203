"""Evaluators: builtin scorers and user Python functions, behind one small interface.

Python evaluators are called as Langfuse's runner calls them:
``evaluator(*, input, output, expected_output, metadata, **kwargs)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoregate.config import EvaluatorConfig
from scoregate.errors import ConfigError
from scoregate.evaluators import builtin
from scoregate.evaluators.results import to_scores
from scoregate.model import Item, Score, ScoreDef
from scoregate.references import import_file, resolve
from scoregate.signatures import check_evaluator, is_async

if TYPE_CHECKING:
    from scoregate.provider import Provider


@dataclass(frozen=True, slots=True)
class Evaluator:
    """``call(item, output)`` returns the raw result (or an awaitable when ``is_async``);
    ``scores(raw)`` turns it into canonical scores."""

    name: str
    call: Callable[[Item, Any], Any]
    scores: Callable[[Any], tuple[Score, ...]]
    is_async: bool = False
    defs: tuple[ScoreDef, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    inline: bool = False
    """Quick and pure (the builtins): run where the output is, with no hop to a thread."""
    remote: bool = False
    """Calls a model service (a judge): when it times out, that is an outage, not an app error."""


def build_evaluators(
    configs: Sequence[EvaluatorConfig], root: Path, provider: Provider | None = None
) -> tuple[Evaluator, ...]:
    """Judges call the model through ``provider`` (the run's, or a new one). Every evaluator
    that cannot be built is reported at once."""
    built: list[Evaluator] = []
    problems: list[str] = []
    for config in configs:
        try:
            if config.kind == "judge":
                from scoregate.evaluators.judge import build_judge
                from scoregate.provider import Provider

                provider = provider or Provider()
                built.append(build_judge(config, provider))
            elif config.kind == "builtin":
                built.append(_builtin(config))
            elif config.kind == "python":
                function = resolve(config.target, root, config.where)
                check_evaluator(function, config.options, _place(config), config.target)
                built.append(_python(function, config, config.name or _function_name(function)))
            else:
                built.extend(_script(config, root))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return built_checked(built)


def built_checked(built: list[Evaluator]) -> tuple[Evaluator, ...]:
    seen: dict[str, Evaluator] = {}
    for evaluator in built:
        if evaluator.name in seen:
            raise ConfigError(
                f"two evaluators produce the score '{evaluator.name}'; give one of them "
                "another 'name'."
            )
        seen[evaluator.name] = evaluator
    return tuple(built)


def _builtin(config: EvaluatorConfig) -> Evaluator:
    scorer = builtin.build(config.target, config.options)
    name = config.name or config.target
    pass_mark = 0.5 if config.pass_mark is None else config.pass_mark

    def call(item: Item, output: Any) -> tuple[Score, ...]:
        value, comment = scorer(output, item)
        return (Score(name, value, raw=value, comment=comment),)

    return Evaluator(
        name,
        call,
        _identity,
        False,
        (ScoreDef(name, pass_mark, None, config.target),),
        config.options,
        inline=True,
    )


def _identity(scores: Any) -> tuple[Score, ...]:
    result: tuple[Score, ...] = scores
    return result


def _function_name(function: Callable[..., Any]) -> str:
    return str(getattr(function, "__name__", type(function).__name__))


def _python(function: Callable[..., Any], config: EvaluatorConfig, name: str) -> Evaluator:
    kwargs = dict(config.options)
    scale = config.scale
    pass_mark = 0.5 if config.pass_mark is None else config.pass_mark

    def call(item: Item, output: Any) -> Any:
        return function(
            input=item.input,
            output=output,
            expected_output=item.expected_output,
            metadata=item.metadata,
            **kwargs,
        )

    def scores(raw: Any) -> tuple[Score, ...]:
        return to_scores(raw, name, scale)

    defs = (ScoreDef(name, pass_mark, scale, "python"),)
    return Evaluator(name, call, scores, is_async(function), defs)


def _place(config: EvaluatorConfig) -> str:
    """``file:line:col: key.path`` of the evaluator in the config."""
    return f"{config.where}: {config.key}" if config.key else config.where


def _script(config: EvaluatorConfig, root: Path) -> list[Evaluator]:
    module = import_file(Path(config.target), config.where, root)
    functions = getattr(module, "EVALUATORS", None)
    if not isinstance(functions, (list, tuple)) or not functions:
        raise ConfigError(
            f"{config.where}: {config.target} has no EVALUATORS list; add "
            "EVALUATORS = [function, ...] naming its evaluator functions."
        )
    evaluators = []
    problems: list[str] = []
    for function in functions:
        if not callable(function):
            raise ConfigError(
                f"{config.where}: EVALUATORS in {config.target} holds {function!r}, not a function."
            )
        name = _function_name(function)
        try:
            check_evaluator(
                function, {}, _place(config), f"{_shown(Path(config.target), root)}:{name}"
            )
        except ConfigError as exc:
            problems.extend(exc.problems)
        evaluators.append(_python(function, config, name))
    if problems:
        raise ConfigError(problems)
    return evaluators


def _shown(path: Path, root: Path) -> str:
    """A script's path as the config names it (relative to the config's folder)."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
