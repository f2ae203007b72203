"""YAML with positions: every value's key path maps to its file:line:column.

Environment interpolation (``${VAR}``, ``${VAR:-default}``, ``$${`` for a literal) happens
here, on scalars, so a missing variable is reported where it was written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from scoregate.config import yamlcompose
from scoregate.config.limits import MAX_CONFIG_VALUES
from scoregate.values.errors import ConfigError
from scoregate.values.quoting import clip, quoted

KeyPath = tuple[str | int, ...]

_MERGE = "tag:yaml.org,2002:merge"
_VAR = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """A parsed YAML document with the position of each value and each mapping key."""

    file: str
    data: Any
    values: Mapping[KeyPath, Position]
    keys: Mapping[KeyPath, Position]

    def where(self, path: KeyPath, *, key: bool = False) -> str:
        """``file:line:col`` of the value (or the key) at ``path``, or of its nearest parent."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            pos = table.get(probe) or self.values.get(probe)
            if pos:
                return f"{self.file}:{pos.line}:{pos.column}"
            probe = probe[:-1]
        pos = self.values.get(())
        return f"{self.file}:{pos.line}:{pos.column}" if pos else self.file


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # A key is the user's text: shortened, and quoted if it holds a line break or the like.
        key = clip(part) if part.isprintable() else quoted(part)
        out += f".{key}" if out else key
    return out or "(top level)"


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}``; ``$${...}`` stays literal ``${...}``."""

    def replace(match: re.Match[str]) -> str:
        escaped, name, default = match.group(1), match.group(2), match.group(3)
        if escaped:
            return match.group(0)[1:]
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise KeyError(name)

    return _VAR.sub(replace, text)


def load(
    path: Path, env: Mapping[str, str] | None = None, *, display: str | None = None
) -> SourceDoc:
    env = os.environ if env is None else env
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        # Every "does not exist" names the absolute path tried (a relative -c is from the cwd).
        raise ConfigError(
            f"{file}: the config file {os.path.abspath(path)} does not exist. Create a starter "
            "with 'scoregate init', or pass -c PATH."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot be read: {exc}") from None
    return parse(text, file, env)


def parse(text: str, file: str, env: Mapping[str, str]) -> SourceDoc:
    node = yamlcompose.compose(text, file, max_values=MAX_CONFIG_VALUES)
    if node is None:
        raise ConfigError(
            f"{file}: the file is empty; it needs at least 'version: 1' and 'experiments'."
        )
    builder = _Builder(file, env)
    with yamlcompose.collector_paused():
        data = builder.build(node, ())
    if builder.problems:
        raise ConfigError(builder.problems)
    return SourceDoc(file, data, builder.values, builder.keys)


class _Builder:
    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.values: dict[KeyPath, Position] = {}
        self.keys: dict[KeyPath, Position] = {}
        self.problems: list[str] = []
        self.constructor = SafeConstructor()
        self.merged: dict[int, int] = {}
        """id of a mapping node → pairs its merge keys brought (flattening removes them, and an
        aliased mapping is built once per alias)."""

    def _pos(self, node: yaml.Node) -> Position:
        return Position(node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.values[path] = self._pos(node)
        if isinstance(node, yaml.MappingNode):
            merged = self._flatten(node)
            out: dict[str, Any] = {}
            own: set[str] = set()
            for index, (key_node, value_node) in enumerate(node.value):
                key = self._construct(key_node)
                if not isinstance(key, str):
                    key = str(key)
                child = (*path, key)
                # A key written next to `<<: *base` overrides the merged one; twice is a slip.
                if index >= merged:
                    if key in own:
                        pos = self._pos(key_node)
                        self.problems.append(
                            f"{self.file}:{pos.line}:{pos.column}: {format_path(child)}: "
                            f"duplicate key {quoted(key)}; keep one of them."
                        )
                    own.add(key)
                self.keys[child] = self._pos(key_node)
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        value = self._construct(node)
        if isinstance(value, str) and "${" in value:
            return self._interpolate(node, value, path)
        return value

    def _flatten(self, node: yaml.MappingNode) -> int:
        """Resolve the mapping's merge keys; how many of its pairs, first, they brought."""
        merged = self.merged.get(id(node))
        if merged is None:
            written = sum(1 for key, _ in node.value if key.tag != _MERGE)
            yamlcompose.flatten(node, self.file, self.constructor)
            merged = self.merged[id(node)] = len(node.value) - written
        return merged

    def _construct(self, node: yaml.Node) -> Any:
        return yamlcompose.construct(node, self.file, self.constructor)

    def _interpolate(self, node: yaml.Node, value: str, path: KeyPath) -> Any:
        try:
            text = interpolate(value, self.env)
        except KeyError as exc:
            name = str(exc.args[0])
            pos = self._pos(node)
            self.problems.append(
                f"{self.file}:{pos.line}:{pos.column}: {format_path(path)}: environment variable "
                f"{clip(name)} is not set; set it, or write ${{{clip(name)}:-default}}."
            )
            return value
        if isinstance(node, yaml.ScalarNode) and node.style is None:
            # An unquoted ${N} stands for a number or a boolean as if written in place.
            try:
                return yamlcompose.load(text, self.file) if text.strip() else text
            except ConfigError:
                return text
        return text
