"""Read a YAML file into plain data while keeping every value's line, for error messages.

Problems reading the file itself (not UTF-8, empty, tab indentation, YAML syntax, a key
given twice) come back as ``Problem`` values; nothing here raises on bad input.

Hostile files are refused before they cost time or memory: nesting is bounded before the
document is composed (deep nesting would exhaust the C stack), and aliases are bounded before
anything walks the document (a "billion laughs" file expands ten aliases into a billion values;
an alias inside its own anchor never ends). A number written in a form YAML would silently change
(``010``, ``1.10``, ``0x1F``) and a date are kept as the text the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Deeper nesting than any framework needs; far below what would exhaust the parser's stack.
MAX_DEPTH = 64
#: Values in the document once every alias is expanded; a framework has a few thousand.
MAX_VALUES = 200_000
#: Aliases in one file.
MAX_ALIASES = 1_000

#: An integer as Python writes it, of a sensible length: anything else stays the text it was.
_CANONICAL_INT = re.compile(r"[-+]?(0|[1-9][0-9]{0,30})")


class _Constructor(SafeConstructor):
    """PyYAML's safe constructor, except that what YAML would silently turn into another value is
    kept as written: ``010`` (octal 8), ``0x1F`` (31), ``1_000``, ``1.10`` (1.1) and dates stay text."""

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        if not _CANONICAL_INT.fullmatch(node.value):  # only plain scalars resolve to int
            return node.value
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: ScalarNode) -> Any:
        value = super().construct_yaml_float(node)
        return value if repr(value) == node.value.lstrip("+") else node.value

    def construct_yaml_timestamp(self, node: ScalarNode, values: Any = None) -> Any:
        return node.value


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)  # type: ignore[type-var]
_Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp
)


@dataclass
class YamlDoc:
    """A parsed file: its data and the node tree that knows where each value stands."""

    path: str
    data: Any
    root: Node | None

    def line_of(self, loc: tuple[Any, ...], *, key: bool = False) -> int | None:
        """Line of the value at ``loc`` (or of its key), or of the nearest enclosing value found."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == str(part):
                        line = (k if (last and key) else v).start_mark.line + 1
                        node = v
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def problem(self, loc: tuple[Any, ...], message: str, hint: str = "", *, key: bool = False) -> Problem:
        """A problem with the value at ``loc`` (or its key): this file, its line, the field's path."""
        return Problem(self.path, self.line_of(loc, key=key), field_path(loc), message, hint)


def field_path(loc: tuple[Any, ...]) -> str:
    """``('competencies', 0, 'criteria', 2, 'id')`` -> ``competencies[0].criteria[2].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_yaml(path: Path, shown: str | None = None) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one YAML file. Returns (document, problems); the document is None when unreadable."""
    shown = shown or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Problem(shown, None, "", f"cannot read the file ({exc.strerror})", "Check the path and permissions.")
        ]
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Excel, Notepad) is accepted
    except UnicodeDecodeError as exc:
        line: int | None = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                shown,
                line,
                "",
                f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read)",
                "Save the file with UTF-8 encoding (in most editors: Save As, Encoding: UTF-8).",
            )
        ]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(shown, 1, "", "the file is empty", "Fill it in, or delete it if it is not needed.")]

    problems = [
        Problem(
            shown,
            n,
            "",
            "tab character used for indentation",
            "YAML indents with spaces only. Replace the tab at the start of this line with spaces.",
        )
        for n, ln in enumerate(text.splitlines(), start=1)
        if "\t" in ln[: len(ln) - len(ln.lstrip(" \t"))]
    ]
    if problems:
        return None, problems

    problem = _shape_problem(text, shown)
    if problem is not None:
        return None, [problem]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "the YAML cannot be read"
        return None, [
            Problem(
                shown,
                line,
                "",
                f"YAML syntax error: {what}",
                "Check this line and the one before it: indentation, a missing ':' or an unclosed quote or bracket. "
                "Quote text that contains ': ' or starts with a special character.",
            )
        ]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        return None, [
            Problem(
                shown,
                line,
                "",
                f"YAML cannot hold the character U+{exc.character:04X} (a control character) on this line",
                "Delete it: it is invisible in most editors, and often comes from copying text out of another program.",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return None, [Problem(shown, None, "", f"YAML syntax error: {exc}", "Check the file's YAML syntax.")]

    problem = _expansion_problem(root, shown)
    if problem is not None:
        return None, [problem]
    problems = list(_duplicate_keys(root, shown, (), set()))
    try:
        data = _Constructor().construct_document(root) if root is not None else None
    except ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or exc.context or "this value cannot be read").replace("<unicode string>", shown)
        return None, [
            Problem(
                shown,
                mark.line + 1 if mark else None,
                "",
                f"YAML that raterkit cannot read: {what}",
                "Write plain text, numbers and lists here: no '!!' tags, no list or mapping as a key, "
                "and '<<' only to merge another mapping.",
            )
        ]
    except (ValueError, OverflowError) as exc:  # a number too long for Python to convert
        return None, [Problem(shown, None, "", f"a value cannot be read ({exc})", "Check the numbers in this file.")]
    return YamlDoc(shown, data, root), problems


def _shape_problem(text: str, shown: str) -> Problem | None:
    """Too deep or too many aliases, found from the parser's event stream (no tree is built yet)."""
    depth = aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(
                        shown,
                        _line(event.start_mark),
                        "",
                        f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                        "A framework file needs a few levels of nesting; check this line for brackets or "
                        "dashes that open a level and never close it.",
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    return Problem(
                        shown,
                        _line(event.start_mark),
                        "",
                        f"more than {MAX_ALIASES} aliases ('*name') in one file",
                        "Write the values out instead of repeating them through aliases.",
                    )
    except yaml.YAMLError:
        return None  # the composer reports the syntax error with its line
    return None


def _expansion_problem(root: Node | None, shown: str) -> Problem | None:
    """How many values the document holds with every alias expanded, counted once per node; an
    alias inside the value it names is refused, since it would expand without end."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    too_big: list[Node] = []

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Recursive(node)
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_VALUES and not too_big:
            too_big.append(node)  # the innermost value past the limit: its line is shown
        sizes[key] = min(total, MAX_VALUES + 1)
        return sizes[key]

    if root is None:
        return None
    try:
        total = size(root)
    except _Recursive as exc:
        return Problem(
            shown,
            exc.node.start_mark.line + 1,
            "",
            "an alias refers to the value it is part of, so it would repeat without end",
            "Write the value out instead of the alias ('*name') on this line or below it.",
        )
    if total > MAX_VALUES:
        return Problem(
            shown,
            _line(too_big[0].start_mark),
            "",
            f"with its aliases expanded this file holds more than {MAX_VALUES:,} values",
            "Aliases ('*name') repeat a value; here they multiply it beyond any framework's size. "
            "Write the values out instead.",
        )
    return None


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


class _Recursive(Exception):
    def __init__(self, node: Node):
        super().__init__("recursive alias")
        self.node = node


def _duplicate_keys(node: Node | None, shown: str, trail: tuple[Any, ...], seen_nodes: set[int]) -> Iterator[Problem]:
    """PyYAML silently keeps the last of two equal keys; a user's edit would vanish, so report it.
    Each node is walked once, however many aliases name it."""
    if node is None or id(node) in seen_nodes:
        return
    seen_nodes.add(id(node))
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                line = k.start_mark.line + 1
                if k.value in seen:
                    yield Problem(
                        shown,
                        line,
                        field_path(trail + (k.value,)),
                        f"key '{k.value}' is given twice",
                        f"It is already given on line {seen[k.value]}; only one would be kept. Merge the two.",
                    )
                else:
                    seen[k.value] = line
                yield from _duplicate_keys(v, shown, trail + (k.value,), seen_nodes)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, shown, trail + (i,), seen_nodes)
