"""Load framework, crosswalk and quiz files into the model; every problem names file:line and field.

Loaders return ``(value, problems)``. They collect every problem in every file, so a person
fixes a whole file in one pass, and they never raise on bad data (misuse of the API raises
``ValueError``). A file with problems yields no value: downstream code only sees data that
passed every check.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, describe
from .model import IMPLICIT_CRITERION_ID, Crosswalk, Framework, Glossary
from .yamlsource import YamlDoc, field_path, read_yaml

CROSSWALK_NAME = "crosswalk.yaml"
GLOSSARY_NAME = "glossary.yaml"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Catalog:
    """Everything loaded: frameworks by id, the crosswalk, quizzes, and the file each came from."""

    frameworks: dict[str, Framework] = field(default_factory=dict)
    crosswalk: Crosswalk | None = None
    glossary: Glossary | None = None
    quizzes: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def statement_texts(self) -> dict[str, str]:
        return {s.address: s.text for fw in self.frameworks.values() for s in fw.statements()}


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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


def _pydantic_problems(doc: YamlDoc, model: type[BaseModel], exc: ValidationError) -> list[Problem]:
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


# --------------------------------------------------------------------------- semantic checks


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _duplicate_ids(doc: YamlDoc, items: list, loc: tuple, what: str) -> Iterable[Problem]:
    first: dict[str, int | None] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            continue
        ident = str(item["id"])
        line = doc.line_of(loc + (i, "id"))
        if ident in first:
            yield Problem(
                doc.path,
                line,
                field_path(loc + (i, "id")),
                f"duplicate id '{ident}'",
                f"This id is already used on line {first[ident]}. Give each {what} its own id.",
            )
        else:
            first[ident] = line


def _ids(items: list) -> list[str]:
    return [str(i["id"]) for i in items if isinstance(i, dict) and "id" in i]


def _framework_checks(doc: YamlDoc) -> list[Problem]:
    """Cross-references that the model's shape cannot express. Defensive: runs on raw data."""
    data = _as_dict(doc.data)
    out: list[Problem] = []
    scale = _as_list(data.get("scale"))
    out += _duplicate_ids(doc, scale, ("scale",), "level")
    level_ids = _ids(scale)
    comps = _as_list(data.get("competencies"))
    out += _duplicate_ids(doc, comps, ("competencies",), "competency")
    all_text: list[str] = []
    for ci, comp in enumerate(comps):
        if not isinstance(comp, dict):
            continue
        base = ("competencies", ci)
        for key in ("definition", "expectations"):
            if isinstance(comp.get(key), str):
                all_text.append(comp[key])
        criteria = comp.get("criteria", [{"id": IMPLICIT_CRITERION_ID}])
        criteria = _as_list(criteria)
        out += _duplicate_ids(doc, criteria, base + ("criteria",), "criterion")
        crit_ids = _ids(criteria)
        dl = comp.get("definition_level")
        if dl is not None and str(dl) not in level_ids and level_ids:
            out.append(_not_a_level(doc, base + ("definition_level",), str(dl), level_ids, data, key=False))
        for level, cells in _as_dict(comp.get("descriptors")).items():
            if level_ids and str(level) not in level_ids:
                out.append(_not_a_level(doc, base + ("descriptors", level), str(level), level_ids, data, key=True))
            for crit, statements in _as_dict(cells).items():
                if crit_ids and str(crit) not in crit_ids:
                    loc = base + ("descriptors", level, crit)
                    implicit = "criteria" not in comp
                    out.append(
                        Problem(
                            doc.path,
                            doc.line_of(loc, key=True),
                            field_path(loc),
                            f"'{crit}' is not a criterion of this competency ({', '.join(crit_ids)})",
                            "This competency lists no criteria, so its statements go under 'overall'."
                            if implicit
                            else "Use one of the criterion ids listed under 'criteria', or add the criterion there.",
                        )
                    )
                all_text += [s for s in _as_list(statements) if isinstance(s, str)]
        plan = _as_dict(comp.get("plan_element"))
        if plan:
            out += _plan_checks(doc, base + ("plan_element",), plan, comp, level_ids)
            all_text += [s for s in _as_list(_as_dict(plan.get("results")).get("items")) if isinstance(s, str)]
    all_text += [g for g in _as_list(data.get("guidance")) if isinstance(g, str)]
    for pi, ph in enumerate(_as_list(data.get("placeholders"))):
        text = _as_dict(ph).get("text")
        if isinstance(text, str) and text and not any(text in t for t in all_text):
            loc = ("placeholders", pi, "text")
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(loc),
                    field_path(loc),
                    f"the placeholder '{text}' does not appear in any statement",
                    "Copy the placeholder exactly as the statements write it, or remove it.",
                )
            )
    return out


def _not_a_level(doc: YamlDoc, loc: tuple, level: str, level_ids: list[str], data: dict, key: bool) -> Problem:
    near = difflib.get_close_matches(level, level_ids, n=1, cutoff=0.5)
    return Problem(
        doc.path,
        doc.line_of(loc, key=key),
        field_path(loc),
        f"'{level}' is not a level of this scale ({', '.join(level_ids)})",
        (f"Did you mean '{near[0]}'? " if near else "")
        + "Use a level id listed under 'scale', or add the level there.",
    )


def _plan_checks(doc: YamlDoc, loc: tuple, plan: dict, comp: dict, level_ids: list[str]) -> list[Problem]:
    out = []
    results = _as_dict(plan.get("results"))
    required = _as_dict(results.get("required"))
    items = results.get("items")
    lo, hi = required.get("min"), required.get("max")
    if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool):
        if lo > hi:
            where = loc + ("results", "required")
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
                    f"min ({lo}) is greater than max ({hi})",
                    "Swap them.",
                )
            )
        elif isinstance(items, list) and not lo <= len(items) <= hi:
            where = loc + ("results", "items")
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
                    f"{len(items)} result{'s' if len(items) != 1 else ''} listed; between {lo} and {hi} are required",
                    f"A plan element must list at least {lo} and at most {hi} measurable results.",
                )
            )
    weight = _as_dict(plan.get("weight"))
    minimum, value = weight.get("minimum"), weight.get("value")
    if isinstance(minimum, int) and isinstance(value, int) and value < minimum:
        where = loc + ("weight", "value")
        out.append(
            Problem(
                doc.path,
                doc.line_of(where),
                field_path(where),
                f"weight {value}% is below this element's minimum of {minimum}%",
                f"Give the element a weight of at least {minimum}%.",
            )
        )
    standards = _as_dict(plan.get("standards"))
    level = standards.get("level")
    if level is not None and level_ids:
        where = loc + ("standards", "level")
        if str(level) not in level_ids:
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
                    f"'{level}' is not a level of this scale ({', '.join(level_ids)})",
                    "Name the level whose descriptors are the standards, e.g. 3 for Fully Successful.",
                )
            )
        elif not any(_as_dict(comp.get("descriptors")).get(k) for k in (level, str(level))):
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
                    f"no descriptors are given for level '{level}'",
                    f"Write the standards as this competency's descriptors under '{level}'.",
                )
            )
    return out


# --------------------------------------------------------------------------- files


def load_framework(path: Path | str) -> tuple[Framework | None, list[Problem]]:
    """One framework file -> (Framework or None, problems)."""
    path = Path(path)
    doc, problems = read_yaml(path, shown_path(path))
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, problems + [
            Problem(
                doc.path,
                1,
                "",
                f"expected a framework (a set of keys such as id, title, scale), found {describe(doc.data)}",
                "Start from an existing file in frameworks/ as a model.",
            )
        ]
    framework = None
    try:
        framework = Framework.model_validate(doc.data)
    except ValidationError as exc:
        problems += _pydantic_problems(doc, Framework, exc)
    problems += _framework_checks(doc)
    return (framework if not problems else None), sorted(set(problems), key=_order)


def load_crosswalk(path: Path | str, frameworks: dict[str, Framework]) -> tuple[Crosswalk | None, list[Problem]]:
    """The crosswalk file; every link must name an existing framework, competency and criterion."""
    path = Path(path)
    doc, problems = read_yaml(path, shown_path(path))
    if doc is None:
        return None, problems
    crosswalk = None
    try:
        crosswalk = Crosswalk.model_validate(doc.data)
    except ValidationError as exc:
        problems += _pydantic_problems(doc, Crosswalk, exc)
    data = _as_dict(doc.data)
    themes = _as_list(data.get("themes"))
    problems += _duplicate_ids(doc, themes, ("themes",), "theme")
    for ti, theme in enumerate(themes):
        for li, link in enumerate(_as_list(_as_dict(theme).get("links"))):
            problems += resolve_reference(doc, ("themes", ti, "links", li), _as_dict(link), frameworks)[2]
    return (crosswalk if not problems else None), sorted(set(problems), key=_order)


def resolve_reference(
    doc: YamlDoc, loc: tuple, entry: dict, frameworks: dict[str, Framework]
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
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
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
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
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
                Problem(
                    doc.path,
                    doc.line_of(where),
                    field_path(where),
                    f"competency '{comp.id}' has no criterion '{crit}'",
                    f"Its criteria: {', '.join(c.id for c in comp.criteria)}.",
                )
            ],
        )
    return fw, comp, []


def load_glossary(path: Path | str) -> tuple[Glossary | None, list[Problem]]:
    path = Path(path)
    doc, problems = read_yaml(path, shown_path(path))
    if doc is None:
        return None, problems
    try:
        return Glossary.model_validate(doc.data), problems
    except ValidationError as exc:
        return None, problems + _pydantic_problems(doc, Glossary, exc)


def _order(p: Problem) -> tuple:
    return (p.path, p.line or 0, p.field, p.message)


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and the YAML files directly inside folders named (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix in YAML_SUFFIXES and f.is_file())
        else:
            files.append(p)
    return files


def load_catalog(paths: Iterable[Path | str]) -> tuple[Catalog, list[Problem]]:
    """Frameworks, then the crosswalk, then quizzes (which refer to frameworks), from files or folders."""
    catalog = Catalog()
    problems: list[Problem] = []
    files = expand(paths)
    for f in files:
        if not f.exists():
            problems.append(Problem(str(f), None, "", "no such file or folder", "Check the path."))
    files = [f for f in files if f.exists()]
    crosswalks = [f for f in files if f.name == CROSSWALK_NAME]
    glossaries = [f for f in files if f.name == GLOSSARY_NAME]
    quizzes = [f for f in files if f.parent.name == "quiz" and f not in crosswalks]
    frameworks = [f for f in files if f not in crosswalks + glossaries + quizzes]
    for f in glossaries:
        glossary, found = load_glossary(f)
        problems += found
        catalog.glossary = glossary
    first_file: dict[str, str] = {}
    for f in frameworks:
        fw, found = load_framework(f)
        problems += found
        if fw is None:
            continue
        shown = shown_path(f)
        if fw.id in first_file:
            doc, _ = read_yaml(f, shown)
            problems.append(
                Problem(
                    shown,
                    doc.line_of(("id",)) if doc else None,
                    "id",
                    f"framework id '{fw.id}' is already used by {first_file[fw.id]}",
                    "Each framework file needs its own id; rename one of them.",
                )
            )
            continue
        first_file[fw.id] = shown
        catalog.frameworks[fw.id] = fw
        catalog.files[fw.id] = shown
    for f in crosswalks:
        cw, found = load_crosswalk(f, catalog.frameworks)
        problems += found
        catalog.crosswalk = cw if cw is not None else catalog.crosswalk
    if quizzes:
        from .quizload import (
            load_quizzes,  # quizzes refer to frameworks, so they load last
        )

        catalog.quizzes, found = load_quizzes(quizzes, catalog)
        problems += found
    return catalog, problems
