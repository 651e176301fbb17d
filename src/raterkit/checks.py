"""Checks every loader shares: pydantic's errors as file:line problems, duplicate ids, references
to frameworks, competencies and criteria, how a path is shown, the order problems are listed in.

Used by the framework and crosswalk loader (load.py), the quiz loader (quizload.py) and the
response reader (responses.py); it imports none of them.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, describe
from .model import Framework
from .yamlsource import YamlDoc, field_path

__all__ = [
    "as_dict",
    "as_list",
    "duplicate_ids",
    "listed",
    "missing",
    "problem_order",
    "pydantic_problems",
    "resolve_reference",
    "shown_path",
]


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:  # the folder is resolved, not the file: a link is shown by its own name
        return str((path.absolute().parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # outside the folder, or a link that loops
        return str(path)


def missing(path: Path) -> Problem:
    """Why a path named or found in a folder cannot be read: a link that loops, one that points
    nowhere, or nothing there at all."""
    shown = shown_path(path)
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return Problem(shown, None, "", "this link leads back to itself (a loop)", "Point the link at a real file.")
        except OSError as exc:
            if exc.errno == 40:  # ELOOP
                return Problem(
                    shown, None, "", "this link leads back to itself (a loop)", "Point the link at a real file."
                )
            return Problem(
                shown,
                None,
                "",
                "this link points to a file that does not exist",
                "Point the link at a real file, or delete it.",
            )
    return Problem(shown, None, "", "no such file or folder", "Check the path.")


def listed(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files directly in ``folder`` whose names end in one of ``suffixes`` (any case), sorted
    by name, with broken links among them (so that they are reported, not skipped in silence)."""
    with os.scandir(folder) as entries:  # scandir knows a file from a folder without a stat each
        found = [
            (entry.name, entry.path)
            for entry in entries
            if os.path.splitext(entry.name)[1].lower() in suffixes and (_is_file(entry) or entry.is_symlink())
        ]
    return [Path(path) for _, path in sorted(found)]


def _is_file(entry: os.DirEntry[str]) -> bool:
    """As Path.is_file: False for a link that loops, as for one that points nowhere."""
    try:
        return entry.is_file()
    except OSError:
        return False


# --------------------------------------------------------------------------- pydantic errors


def _unwrap(annotation: Any) -> Any:
    """The model class inside Optional[...] / list[...] / dict[..., ...] / Annotated[...]."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _unwrap(arg)
    return annotation


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the last key of ``loc``, to suggest the valid keys there."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
            continue
        origin = typing.get_origin(current)
        if origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    if typing.get_origin(current) is list:
        current = _unwrap(typing.get_args(current)[0])
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def pydantic_problems(doc: YamlDoc, model: type[BaseModel], exc: ValidationError) -> list[Problem]:
    out = []
    errors = exc.errors()
    # A misspelt required key shows up twice (unknown 'titel', missing 'title'): one mistake, one message.
    misspelt = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            holder = _model_at(model, loc[:-1])
            near = difflib.get_close_matches(str(loc[-1]), list(holder.model_fields) if holder else [], n=1, cutoff=0.6)
            if near:
                misspelt.add(loc[:-1] + (near[0],))
    for err in errors:
        if err["type"] == "missing" and tuple(err["loc"]) in misspelt:
            continue
        loc = tuple(err["loc"])
        kind = err["type"]
        value = err.get("input")
        path = field_path(loc)
        line = doc.line_of(loc)
        if kind == "missing":
            name = loc[-1]
            message, hint = "required field is missing", f"Add '{name}:' here."
        elif kind == "extra_forbidden":
            line = doc.line_of(loc, key=True)
            holder = _model_at(model, loc[:-1])
            valid = list(holder.model_fields) if holder else []
            near = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
            message = f"unknown key '{loc[-1]}'"
            hint = (f"Did you mean '{near[0]}'? " if near else "") + (
                f"Valid keys here: {', '.join(valid)}." if valid else "Remove it."
            )
        elif kind == "string_pattern_mismatch":
            message = f"'{value}' is not a valid id"
            hint = "Ids use letters, digits, '-', '_' or '.', with no spaces, e.g. 'customer-needs' or 'III'."
        elif kind in ("string_type", "str_type"):
            message = f"expected text, found {describe(value)}"
            hint = "Write the text on this line; put it in quotes if it starts with a special character or is yes/no/on/off."
        elif kind == "string_too_short":
            message = "this text is empty"
            hint = (
                "Write the text, or remove the item from the list."
                if isinstance(loc[-1], int)
                else "Write the text, or remove the key."
            )
        elif kind in ("too_short",) and isinstance(value, list) and not value:
            if loc == ("scale",):
                message, hint = (
                    "the scale is empty",
                    "List the scale's levels here, lowest first, each with an id and a label.",
                )
            else:
                message, hint = "the list is empty", "Give at least one item."
        elif kind == "too_short":
            message, hint = err["msg"].lower(), "Add the missing items."
        elif kind in ("list_type",):
            message, hint = (
                f"expected a list, found {describe(value)}",
                "Write each item on its own line starting with '- '.",
            )
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            message = f"expected a set of keys, found {describe(value)}"
            hint = "Write 'key: value' pairs indented under this line."
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message, hint = f"expected a whole number, found {describe(value)}", "Write a whole number such as 15."
        elif kind in ("bool_type", "bool_parsing"):
            message, hint = f"expected true or false, found {describe(value)}", "Write true or false."
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            message, hint = f"{value} is out of range: {err['msg'].lower()}", "Use a number in the allowed range."
        else:
            message, hint = err["msg"], ""
        out.append(Problem(doc.path, line, path, message, hint))
    return out


# --------------------------------------------------------------------------- shared checks


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def duplicate_ids(
    doc: YamlDoc, items: list[Any], loc: tuple[Any, ...], what: str, *, fold_case: bool = False
) -> Iterable[Problem]:
    """A problem for every id already used by an earlier item of the list. With ``fold_case``,
    ids that differ only in case count as the same (level ids: ratings name levels in any case)."""
    first: dict[str, tuple[str, int | None]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            continue
        ident = str(item["id"])
        line = doc.line_of(loc + (i, "id"))
        seen = ident.casefold() if fold_case else ident
        if seen not in first:
            first[seen] = (ident, line)
        elif first[seen][0] == ident:
            yield doc.problem(
                loc + (i, "id"),
                f"duplicate id '{ident}'",
                f"This id is already used on line {first[seen][1]}. Give each {what} its own id.",
            )
        else:
            yield doc.problem(
                loc + (i, "id"),
                f"id '{ident}' differs from '{first[seen][0]}' (line {first[seen][1]}) only in case",
                f"Ratings may name a {what} in any case, so '{ident}' and '{first[seen][0]}' would be "
                f"the same {what}. Give each {what} an id that differs by more than case.",
            )


def resolve_reference(
    doc: YamlDoc, loc: tuple[Any, ...], entry: dict[str, Any], frameworks: dict[str, Framework]
) -> tuple[Framework | None, Any, list[Problem]]:
    """The framework, competency and (optional) criterion an entry names (a crosswalk link, a quiz
    item): (framework or None, competency or None, problems for the names that do not exist)."""
    fw = frameworks.get(str(entry.get("framework")))
    if "framework" in entry and fw is None:
        where = loc + ("framework",)
        return (
            None,
            None,
            [
                doc.problem(
                    where,
                    f"no framework has the id '{entry['framework']}'",
                    f"Known frameworks: {', '.join(sorted(frameworks)) or 'none'}.",
                )
            ],
        )
    if fw is None or "competency" not in entry:
        return fw, None, []
    comp = next((c for c in fw.competencies if c.id == str(entry["competency"])), None)
    if comp is None:
        where = loc + ("competency",)
        return (
            fw,
            None,
            [
                doc.problem(
                    where,
                    f"framework '{fw.id}' has no competency '{entry['competency']}'",
                    f"Its competencies: {', '.join(c.id for c in fw.competencies)}.",
                )
            ],
        )
    crit = entry.get("criterion")
    if crit is not None and str(crit) not in [c.id for c in comp.criteria]:
        where = loc + ("criterion",)
        return (
            fw,
            comp,
            [
                doc.problem(
                    where,
                    f"competency '{comp.id}' has no criterion '{crit}'",
                    f"Its criteria: {', '.join(c.id for c in comp.criteria)}.",
                )
            ],
        )
    return fw, comp, []


def problem_order(p: Problem) -> tuple[str, int, str, str]:
    """The order problems are listed in: by file, line, field, message."""
    return (p.path, p.line or 0, p.field, p.message)
