"""Resolve ``module:function`` references relative to the config's folder."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from scoregate.values.errors import ConfigError


def ensure_on_path(root: Path) -> None:
    """User modules are imported relative to the config's folder, then to the working folder."""
    for folder in (str(Path.cwd()), str(root)):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def resolve(reference: str, root: Path, where: str) -> Callable[..., Any]:
    ensure_on_path(root)
    module_name, _, attr_path = reference.partition(":")
    module = import_module(module_name, where, root)
    target: Any = module
    for part in attr_path.split("."):
        if not hasattr(target, part):
            names = [n for n in dir(target) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "."
            raise ConfigError(
                f"{where}: '{reference}': module '{module_name}' has no '{part}'{hint}"
            )
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"{where}: '{reference}' is not a function.")
    function: Callable[..., Any] = target
    return function


def import_module(name: str, where: str, root: Path) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise ConfigError(
                f"{where}: cannot import module '{name}': no {name.replace('.', '/')}.py in {root}, "
                "in the working folder or on the Python path. Check the name, or install the package that provides it."
            ) from None
        raise ConfigError(f"{where}: importing '{name}' failed: {_last_frame(exc)}") from None
    except Exception as exc:
        raise ConfigError(f"{where}: importing '{name}' failed: {_last_frame(exc)}") from None


def import_file(path: Path, where: str) -> ModuleType:
    """Import a Python file by path (``evaluators: {script: file.py}``)."""
    if not path.is_file():
        raise ConfigError(f"{where}: script {path} does not exist.")
    ensure_on_path(path.parent)
    name = f"scoregate_script_{path.stem}_{abs(hash(str(path))) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{where}: cannot load {path} as a Python file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ConfigError(f"{where}: running {path} failed: {_last_frame(exc)}") from None
    return module


def _last_frame(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{at}"
