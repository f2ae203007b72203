"""One YAML document read into nodes within limits, with libyaml's parser where PyYAML has it.

PyYAML's composer links an alias to the node it names, so a few hundred bytes of anchors and
aliases stand for billions of values, and whatever walks the nodes expands them all (the
"billion laughs"). Its pure-Python composer also recurses once per level, so deep nesting
ends in RecursionError. This composer reads the parser's events in a loop, keeps count, and
stops at the first event past a limit, naming its line:

- nesting: at most ``MAX_DEPTH`` levels of lists and mappings, aliases included;
- aliases: together they may repeat at most ``MAX_ALIAS_VALUES`` values (each alias counts
  every value it stands for); an alias inside the value it names is refused.

The nodes keep their ``start_mark`` (line and column) with either parser.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.scanner import ScannerError

from scoregate.config.limits import MAX_ALIAS_VALUES, MAX_DEPTH
from scoregate.values.errors import ConfigError
from scoregate.values.quoting import clip, shorten_message

_TOO_DEEP = (
    f"the YAML is nested more than {MAX_DEPTH} levels deep here; scoregate reads at most "
    f"{MAX_DEPTH} levels, so write this part flatter."
)

LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))
"""Whether PyYAML was built with libyaml (its C parser: about ten times faster)."""


def compose(
    text: str, file: str, *, max_values: int | None = None, libyaml: bool = LIBYAML
) -> Node | None:
    """The document's root node (None for an empty file). Raises ConfigError.

    ``max_values`` bounds the values of the whole document (a config's: ``MAX_CONFIG_VALUES``),
    aliases expanded. ``libyaml=False`` reads with PyYAML's pure-Python parser, as where
    libyaml is missing.
    """
    try:
        # PyYAML's reader checks every character as the loader is made: inside the try.
        loader = yaml.CSafeLoader(text) if libyaml else _PythonLoader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError(_unreadable(text, file, exc, libyaml)) from None
    try:
        with collector_paused():
            return _Composer(loader, file, max_values).document()
    except yaml.reader.ReaderError as exc:
        raise ConfigError(_unreadable(text, file, exc, libyaml)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context or "not valid YAML")
        if problem == "exceeded maximum nesting depth":
            # The scanner's guard on [ and { (libyaml's at 1,000 levels), met before the
            # composer's as the scanner reads ahead.
            raise ConfigError(f"{_where(file, mark)}: {_TOO_DEEP}") from None
        raise ConfigError(
            f"{_where(file, mark)}: YAML syntax error: {shorten_message(problem)}."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {shorten_message(str(exc))}.") from None
    finally:
        loader.dispose()


def _unreadable(text: str, file: str, exc: yaml.reader.ReaderError, libyaml: bool) -> str:
    """A character YAML does not allow (a control character, mostly), with its line."""
    index = exc.position
    if libyaml:  # libyaml counts bytes of UTF-8
        index = len(text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore"))
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    code = ord(text[index]) if index < len(text) else 0
    return (
        f"{file}:{line}:{column}: the character #x{code:04x} is not allowed in YAML; delete it, "
        f'or write it as an escape ("\\x{code:02x}") in a double-quoted string.'
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while nodes and values pile up (around a whole file's reading).

    They hold no reference cycles, yet every few hundred allocations the collector scans them
    all again: composing 10,000 items took 4 times as long with it (and grew faster than the
    file). What reading leaves behind is freed by reference counting as usual. Pause it once
    per file: each resumption can cost a full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _PythonLoader(yaml.SafeLoader):
    """PyYAML's own parser, with libyaml's guard on [ and { (ours, at MAX_DEPTH).

    Its scanner reads a flow collection's brackets ahead, keeping each open one as a possible
    key it checks on every token: without the guard, 5,000 nested [ take a second, 50,000 a
    minute and a half.
    """

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise ScannerError(None, None, "exceeded maximum nesting depth", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


def construct(node: Node, file: str, constructor: SafeConstructor | None = None) -> Any:
    """The Python value of a composed node (as ``yaml.safe_load`` makes it). Raises ConfigError."""
    constructor = constructor or SafeConstructor()
    with _construction(node, file):
        return constructor.construct_object(node, deep=True)


def flatten(node: MappingNode, file: str, constructor: SafeConstructor) -> None:
    """Merge keys (``<<: *base``) of a mapping replaced by the pairs they merge, first.

    Raises ConfigError (``<<: 5`` merges nothing).
    """
    with _construction(node, file):
        constructor.flatten_mapping(node)


@contextmanager
def _construction(node: Node, file: str) -> Iterator[None]:
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark or node.start_mark
        problem = shorten_message(str(exc.problem or exc.context or exc))
        raise ConfigError(f"{_where(file, mark)}: cannot read this value: {problem}.") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # int() of a 5,000-digit number, `!!int abc`, `!!float x`: say which scalar it was.
        culprit, reason = _failing_scalar(node) or (node, exc)
        raise ConfigError(
            f"{_where(file, culprit.start_mark)}: cannot read this value: {_reason(reason)}."
        ) from None


def _failing_scalar(node: Node) -> tuple[Node, Exception] | None:
    """The first scalar under ``node`` that cannot be constructed, and why."""
    constructor = SafeConstructor()
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScalarNode):
            try:
                constructor.construct_object(current)
            except (ValueError, TypeError, OverflowError) as exc:
                return current, exc
        elif isinstance(current, MappingNode):
            stack.extend(n for pair in reversed(current.value) for n in reversed(pair))
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.value))
    return None


def _reason(exc: Exception) -> str:
    if "integer string conversion" in str(exc):
        return (
            f"a number of more than {sys.get_int_max_str_digits():,} digits is more than "
            "Python reads; quote it to keep it as text"
        )
    return shorten_message(str(exc))


def load(text: str, file: str, *, max_values: int | None = None) -> Any:
    """``yaml.safe_load`` within the limits. Raises ConfigError."""
    node = compose(text, file, max_values=max_values)
    if node is None:
        return None
    with collector_paused():
        return construct(node, file)


def _where(file: str, mark: Any) -> str:
    return f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file


@dataclass(slots=True)
class _Anchor:
    node: Node
    line: int
    values: int = 1
    """Values the node stands for, its own aliases expanded (itself included)."""
    height: int = 0
    """Levels of lists and mappings in it (0 for a scalar)."""
    open: bool = True


@dataclass(slots=True)
class _Open:
    """A list or a mapping whose events are still coming."""

    node: SequenceNode | MappingNode
    anchor: _Anchor | None
    depth: int
    """Its level (1 for the top)."""
    counted: int
    """The file's value count once it was counted."""
    children: list[Node] = field(default_factory=list)
    deepest: int = 0
    """The deepest level reached inside it so far, aliases included."""


class _Composer:
    def __init__(self, loader: Any, file: str, max_values: int | None) -> None:
        self.loader = loader
        self.file = file
        self.anchors: dict[str, _Anchor] = {}
        self.repeated = 0
        self.max_values = max_values
        self.values = 0

    def document(self) -> Node | None:
        self.loader.get_event()  # stream start
        if self.loader.check_event(StreamEndEvent):
            return None
        self.loader.get_event()  # document start
        node = self._node()
        self.loader.get_event()  # document end
        if not self.loader.check_event(StreamEndEvent):
            second = self.loader.get_event()
            self._refuse(
                second.start_mark,
                "the file holds a second YAML document (after ---); keep one document per file.",
            )
        return node

    def _node(self) -> Node:
        """One node and everything in it, in a loop: the nesting lives in ``stack``.

        Scalars come by the hundred thousand in a dataset, so their path is the short one;
        a collection's size and height are worked out when it ends, from the counters.
        """
        stack: list[_Open] = []
        get_event, resolve = self.loader.get_event, self.loader.resolve
        limit = sys.maxsize if self.max_values is None else self.max_values
        while True:
            event = get_event()
            # libyaml's marks are its own class, with the same line and column.
            start: Any = event.start_mark
            end: Any = event.end_mark
            if isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, event.value, event.implicit)
                # libyaml marks a plain scalar with style '', PyYAML with None: one for both.
                node: Node = ScalarNode(tag, event.value, start, end, event.style or None)
                if event.anchor is not None:
                    self._anchor(event, node)
                self.values += 1
                if self.values > limit:
                    self._too_many(start)
            elif isinstance(event, CollectionStartEvent):
                depth = len(stack) + 1
                if depth > MAX_DEPTH:
                    self._refuse(start, _TOO_DEEP)
                self.values += 1
                if self.values > limit:
                    self._too_many(start)
                kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(kind, None, event.implicit)
                collection = kind(tag, [], start, None, event.flow_style)
                anchor = self._anchor(event, collection) if event.anchor is not None else None
                stack.append(_Open(collection, anchor, depth, self.values, deepest=depth))
                continue
            elif isinstance(event, AliasEvent):
                node, values, height = self._alias(event, len(stack))
                self.values += values
                if self.values > limit:
                    self._too_many(start)
                if stack and height:
                    stack[-1].deepest = max(stack[-1].deepest, len(stack) + height)
            else:  # the end of a list or a mapping
                done = stack.pop()
                node = done.node
                node.end_mark = end
                children = done.children
                node.value = (
                    list(zip(children[::2], children[1::2], strict=True))
                    if isinstance(node, MappingNode)
                    else children
                )
                if done.anchor is not None:
                    done.anchor.values = self.values - done.counted + 1
                    done.anchor.height = done.deepest - done.depth + 1
                    done.anchor.open = False
                if stack and done.deepest > stack[-1].deepest:
                    stack[-1].deepest = done.deepest
            if not stack:
                return node
            stack[-1].children.append(node)

    def _too_many(self, mark: Any) -> NoReturn:
        self._refuse(
            mark,
            f"the file holds more than {self.max_values:,} values by here (each list, mapping "
            "and scalar counts, aliases expanded); scoregate reads at most "
            f"{self.max_values:,} from a config or a schema file, so move data into a dataset.",
        )

    def _anchor(self, event: Any, node: Node) -> _Anchor | None:
        name = event.anchor
        if name is None:
            return None
        if name in self.anchors:
            self._refuse(
                event.start_mark,
                f"the anchor &{clip(name)} is already defined on line "
                f"{self.anchors[name].line}; give each anchor its own name.",
            )
        anchor = _Anchor(node, event.start_mark.line + 1, open=not isinstance(node, ScalarNode))
        self.anchors[name] = anchor
        return anchor

    def _alias(self, event: Any, depth: int) -> tuple[Node, int, int]:
        name, mark = event.anchor, event.start_mark
        anchor = self.anchors.get(name)
        if anchor is None:
            self._refuse(
                mark,
                f"the alias *{clip(name)} names no anchor; define &{clip(name)} before using it.",
            )
        if anchor.open:
            self._refuse(
                mark,
                f"the alias *{clip(name)} stands inside the value it names, so that value would "
                "contain itself; scoregate does not read recursive YAML.",
            )
        if depth + anchor.height > MAX_DEPTH:
            self._refuse(
                mark,
                f"the alias *{clip(name)} puts values more than {MAX_DEPTH} levels deep; "
                f"scoregate reads at most {MAX_DEPTH} levels, so write this part flatter.",
            )
        self.repeated += anchor.values
        if self.repeated > MAX_ALIAS_VALUES:
            self._refuse(
                mark,
                f"with the alias *{clip(name)} the aliases of this file repeat "
                f"{self.repeated:,} values; scoregate expands at most {MAX_ALIAS_VALUES:,} "
                "(a guard against alias bombs), so write the values out or use fewer aliases.",
            )
        return anchor.node, anchor.values, anchor.height

    def _refuse(self, mark: Any, message: str) -> NoReturn:
        raise ConfigError(f"{_where(self.file, mark)}: {message}")
