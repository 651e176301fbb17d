"""Read a YAML file into plain data while keeping every value's line, for error messages.

Problems reading the file itself (not UTF-8, empty, tab indentation, YAML syntax, a key
given twice) come back as ``Problem`` values; nothing here raises on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return None, [Problem(shown, None, "", f"YAML syntax error: {exc}", "Check the file's YAML syntax.")]

    problems = list(_duplicate_keys(root, shown))
    constructor = yaml.constructor.SafeConstructor()
    data = constructor.construct_document(root) if root is not None else None
    return YamlDoc(shown, data, root), problems


def _duplicate_keys(node: Node | None, shown: str, trail: tuple[Any, ...] = ()):
    """PyYAML silently keeps the last of two equal keys; a user's edit would vanish, so report it."""
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
                yield from _duplicate_keys(v, shown, trail + (k.value,))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, shown, trail + (i,))
