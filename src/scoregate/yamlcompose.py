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

import sys
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

from scoregate.errors import ConfigError
from scoregate.limits import MAX_ALIAS_VALUES, MAX_DEPTH
from scoregate.quoting import clip, shorten_message

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
    loader = yaml.CSafeLoader(text) if libyaml else _PythonLoader(text)
    try:
        return _Composer(loader, file, max_values).document()
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
    try:
        return constructor.construct_object(node, deep=True)
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
    return None if node is None else construct(node, file)


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
    children: list[Node] = field(default_factory=list)
    values: int = 1
    height: int = 1


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
        """One node and everything in it, in a loop: the nesting lives in ``stack``."""
        stack: list[_Open] = []
        while True:
            event = self.loader.get_event()
            # libyaml's marks are its own class, with the same line and column.
            start: Any = event.start_mark
            end: Any = event.end_mark
            values, height = 1, 0
            if isinstance(event, AliasEvent):
                node, values, height = self._alias(event, len(stack))
                self._count(values, start)
            elif isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
                # libyaml marks a plain scalar with style '', PyYAML with None: one for both.
                style = event.style or None
                node = ScalarNode(tag, event.value, start, end, style)
                self._anchor(event, node)
                self._count(1, start)
            elif isinstance(event, CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    self._refuse(start, _TOO_DEEP)
                self._count(1, start)
                kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.loader.resolve(kind, None, event.implicit)
                collection = kind(tag, [], start, None, event.flow_style)
                stack.append(_Open(collection, self._anchor(event, collection)))
                continue
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
                values, height = done.values, done.height
                if done.anchor is not None:
                    done.anchor.values, done.anchor.height = values, height
                    done.anchor.open = False
            if not stack:
                return node
            parent = stack[-1]
            parent.children.append(node)
            parent.values += values
            parent.height = max(parent.height, height + 1)

    def _count(self, values: int, mark: Any) -> None:
        self.values += values
        if self.max_values is not None and self.values > self.max_values:
            self._refuse(
                mark,
                f"the file holds more than {self.max_values:,} values by here (each list, "
                "mapping and scalar counts, aliases expanded); scoregate reads at most "
                f"{self.max_values:,} from a config or a schema file, so move data into a "
                "dataset.",
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
