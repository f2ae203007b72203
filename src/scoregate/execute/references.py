"""Resolve ``module:function`` references: from the config's folder, then the working folder.

A module name is not a path: it is looked up on the Python path, with the config's folder
first and the working folder second (as ``python -m`` would), then installed packages. So
``-c examples/regression/experiments.yaml`` run from the repository's root can name the
package ``examples.regression.app``, while a module beside the config always wins.
"""

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

from scoregate.config import paths
from scoregate.values.errors import ConfigError


def ensure_on_path(root: Path) -> None:
    """Put the config's folder first on the Python path and the working folder second."""
    for folder in dict.fromkeys((str(Path.cwd()), str(root.resolve()))):
        if folder in sys.path:
            sys.path.remove(folder)
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
            folders = dict.fromkeys((str(root.resolve()), str(Path.cwd())))
            raise ConfigError(
                f"{where}: cannot import module '{name}': no {exc.name.replace('.', '/')}.py "
                f"(nor package {exc.name.replace('.', '/')}/) in the config's folder "
                f"{' or the working folder '.join(folders)}, and no installed package has that "
                "name. Check the name, or install the package that provides it."
            ) from None
        raise ConfigError(f"{where}: importing '{name}' failed: {_last_frame(exc)}") from None
    except Exception as exc:
        raise ConfigError(f"{where}: importing '{name}' failed: {_last_frame(exc)}") from None


def import_file(path: Path, where: str, root: Path | None = None) -> ModuleType:
    """Import a Python file by path (``evaluators: {script: file.py}``)."""
    if not path.is_file():
        raise ConfigError(f"{where}: {paths.missing(path, root or path.parent)}.")
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
