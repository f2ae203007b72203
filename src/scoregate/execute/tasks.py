"""What runs per item: a Python callable (sync or async), called as Langfuse's runner does.

``task(*, item, **kwargs)``; the item answers ``item.input`` and ``item["input"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoregate.config.model import TaskConfig
from scoregate.execute.references import resolve
from scoregate.execute.signatures import check_task, is_async

if TYPE_CHECKING:
    from scoregate.execute.prompt_task import PromptTask
    from scoregate.execute.provider import Provider


@dataclass(frozen=True, slots=True)
class PythonTask:
    function: Callable[..., Any]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    is_async: bool = False
    name: str = ""


def build_task(
    task: TaskConfig, root: Path, provider: Provider | None = None
) -> PythonTask | PromptTask:
    """The task of an experiment; an OpenAI prompt uses ``provider`` (the run's, or a new one)."""
    if task.openai is not None:
        from scoregate.execute.prompt_task import PromptTask
        from scoregate.execute.provider import Provider

        return PromptTask(task.openai, provider or Provider())
    function = resolve(task.python, root, task.where)
    place = f"{task.where}: {task.key}" if task.key else task.where
    check_task(function, task.kwargs, place, task.python)
    return PythonTask(function, dict(task.kwargs), is_async(function), task.python)
