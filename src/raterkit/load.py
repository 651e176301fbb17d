"""Load framework, crosswalk and quiz files into the model; every problem names file:line and field.

Loaders return ``(value, problems)``. They collect every problem in every file, so a person
fixes a whole file in one pass, and they never raise on bad data (misuse of the API raises
``ValueError``). A file with problems yields no value: downstream code only sees data that
passed every check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .catalog import Catalog
from .checks import (
    as_dict,
    as_list,
    duplicate_ids,
    listed,
    missing,
    problem_order,
    pydantic_problems,
    resolve_reference,
    shown_path,
)
from .errors import Problem, describe
from .model import IMPLICIT_CRITERION_ID, Crosswalk, Framework, Glossary
from .quizload import load_quizzes
from .yamlsource import YamlDoc, field_path, read_yaml

CROSSWALK_NAME = "crosswalk.yaml"
GLOSSARY_NAME = "glossary.yaml"
YAML_SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------- semantic checks


def _ids(items: list) -> list[str]:
    return [str(i["id"]) for i in items if isinstance(i, dict) and "id" in i]


def _framework_checks(doc: YamlDoc) -> list[Problem]:
    """Cross-references that the model's shape cannot express. Defensive: runs on raw data."""
    data = as_dict(doc.data)
    out: list[Problem] = []
    scale = as_list(data.get("scale"))
    out += duplicate_ids(doc, scale, ("scale",), "level", fold_case=True)
    level_ids = _ids(scale)
    comps = as_list(data.get("competencies"))
    out += duplicate_ids(doc, comps, ("competencies",), "competency")
    all_text: list[str] = []
    for ci, comp in enumerate(comps):
        if not isinstance(comp, dict):
            continue
        base = ("competencies", ci)
        for key in ("definition", "expectations"):
            if isinstance(comp.get(key), str):
                all_text.append(comp[key])
        criteria = comp.get("criteria", [{"id": IMPLICIT_CRITERION_ID}])
        criteria = as_list(criteria)
        out += duplicate_ids(doc, criteria, base + ("criteria",), "criterion")
        crit_ids = _ids(criteria)
        dl = comp.get("definition_level")
        if dl is not None and str(dl) not in level_ids and level_ids:
            out.append(_not_a_level(doc, base + ("definition_level",), str(dl), level_ids, data, key=False))
        for level, cells in as_dict(comp.get("descriptors")).items():
            if level_ids and str(level) not in level_ids:
                out.append(_not_a_level(doc, base + ("descriptors", level), str(level), level_ids, data, key=True))
            for crit, statements in as_dict(cells).items():
                if crit_ids and str(crit) not in crit_ids:
                    loc: tuple[Any, ...] = base + ("descriptors", level, crit)
                    implicit = "criteria" not in comp
                    out.append(
                        doc.problem(
                            loc,
                            f"'{crit}' is not a criterion of this competency ({', '.join(crit_ids)})",
                            "This competency lists no criteria, so its statements go under 'overall'."
                            if implicit
                            else "Use one of the criterion ids listed under 'criteria', or add the criterion there.",
                            key=True,
                        )
                    )
                all_text += [s for s in as_list(statements) if isinstance(s, str)]
        plan = as_dict(comp.get("plan_element"))
        if plan:
            out += _plan_checks(doc, base + ("plan_element",), plan, comp, level_ids)
            all_text += [s for s in as_list(as_dict(plan.get("results")).get("items")) if isinstance(s, str)]
    all_text += [g for g in as_list(data.get("guidance")) if isinstance(g, str)]
    for pi, ph in enumerate(as_list(data.get("placeholders"))):
        text = as_dict(ph).get("text")
        if isinstance(text, str) and text and not any(text in t for t in all_text):
            loc = ("placeholders", pi, "text")
            out.append(
                doc.problem(
                    loc,
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
    results = as_dict(plan.get("results"))
    required = as_dict(results.get("required"))
    items = results.get("items")
    lo, hi = required.get("min"), required.get("max")
    if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool):
        if lo > hi:
            where = loc + ("results", "required")
            out.append(
                doc.problem(
                    where,
                    f"min ({lo}) is greater than max ({hi})",
                    "Swap them.",
                )
            )
        elif isinstance(items, list) and not lo <= len(items) <= hi:
            where = loc + ("results", "items")
            out.append(
                doc.problem(
                    where,
                    f"{len(items)} result{'s' if len(items) != 1 else ''} listed; between {lo} and {hi} are required",
                    f"A plan element must list at least {lo} and at most {hi} measurable results.",
                )
            )
    weight = as_dict(plan.get("weight"))
    minimum, value = weight.get("minimum"), weight.get("value")
    if isinstance(minimum, int) and isinstance(value, int) and value < minimum:
        where = loc + ("weight", "value")
        out.append(
            doc.problem(
                where,
                f"weight {value}% is below this element's minimum of {minimum}%",
                f"Give the element a weight of at least {minimum}%.",
            )
        )
    standards = as_dict(plan.get("standards"))
    level = standards.get("level")
    if level is not None and level_ids:
        where = loc + ("standards", "level")
        if str(level) not in level_ids:
            out.append(
                doc.problem(
                    where,
                    f"'{level}' is not a level of this scale ({', '.join(level_ids)})",
                    "Name the level whose descriptors are the standards, e.g. 3 for Fully Successful.",
                )
            )
        elif not any(as_dict(comp.get("descriptors")).get(k) for k in (level, str(level))):
            out.append(
                doc.problem(
                    where,
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
        problems += pydantic_problems(doc, Framework, exc)
    problems += _framework_checks(doc)
    return (framework if not problems else None), sorted(set(problems), key=problem_order)


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
        problems += pydantic_problems(doc, Crosswalk, exc)
    data = as_dict(doc.data)
    themes = as_list(data.get("themes"))
    problems += duplicate_ids(doc, themes, ("themes",), "theme")
    for ti, theme in enumerate(themes):
        for li, link in enumerate(as_list(as_dict(theme).get("links"))):
            problems += resolve_reference(doc, ("themes", ti, "links", li), as_dict(link), frameworks)[2]
    return (crosswalk if not problems else None), sorted(set(problems), key=problem_order)


def load_glossary(path: Path | str) -> tuple[Glossary | None, list[Problem]]:
    path = Path(path)
    doc, problems = read_yaml(path, shown_path(path))
    if doc is None:
        return None, problems
    try:
        return Glossary.model_validate(doc.data), problems
    except ValidationError as exc:
        return None, problems + pydantic_problems(doc, Glossary, exc)


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and the YAML files directly inside folders named (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += listed(p, YAML_SUFFIXES)
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
            problems.append(missing(f))
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
        catalog.quizzes, found = load_quizzes(quizzes, catalog)
        problems += found
    return catalog, problems
