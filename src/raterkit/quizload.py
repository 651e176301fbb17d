"""Load quiz files: the item bank's references, cites and scales are checked against the frameworks."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .catalog import Catalog
from .checks import as_dict, as_list, duplicate_ids, problem_order, pydantic_problems, resolve_reference, shown_path
from .errors import Problem, describe
from .model import Quiz
from .yamlsource import field_path, read_yaml


def load_quizzes(paths: list[Path], catalog: Catalog) -> tuple[dict[str, Quiz], list[Problem]]:
    """Every quiz file; item ids are unique across all of them."""

    quizzes: dict[str, Quiz] = {}
    problems: list[Problem] = []
    item_first: dict[str, str] = {}
    quiz_first: dict[str, str] = {}
    known = set(catalog.statement_texts())
    for path in paths:
        doc, found = read_yaml(path, shown_path(path))
        if doc is None:
            problems += found
            continue
        if not isinstance(doc.data, dict):
            problems += found + [
                Problem(
                    doc.path,
                    1,
                    "",
                    f"expected a quiz (keys id, title, items), found {describe(doc.data)}",
                    "Start from an existing file in quiz/.",
                )
            ]
            continue
        quiz = None
        try:
            quiz = Quiz.model_validate(doc.data)
        except ValidationError as exc:
            found += pydantic_problems(doc, Quiz, exc)
        items = as_list(doc.data.get("items"))
        found += list(duplicate_ids(doc, items, ("items",), "item"))
        qid = str(doc.data.get("id", ""))
        if qid and qid in quiz_first:
            found.append(
                Problem(
                    doc.path,
                    doc.line_of(("id",)),
                    "id",
                    f"quiz id '{qid}' is already used by {quiz_first[qid]}",
                    "Give each quiz its own id.",
                )
            )
        quiz_first.setdefault(qid, doc.path)
        scales: dict[tuple, int] = {}
        for i, item in enumerate(items):
            item = as_dict(item)
            loc = ("items", i)
            iid = str(item.get("id", ""))
            if iid and iid in item_first and item_first[iid] != doc.path:
                found.append(
                    doc.problem(
                        loc + ("id",),
                        f"item id '{iid}' is already used in {item_first[iid]}",
                        "Item ids must be unique across all quizzes, because responses name items by id alone.",
                    )
                )
            item_first.setdefault(iid, doc.path)
            fw, _comp, problems_here = resolve_reference(doc, loc, item, catalog.frameworks)
            found += problems_here
            if fw is None:
                continue
            scales.setdefault(tuple((lv.id, lv.label) for lv in fw.scale), i)
            ref = item.get("reference")
            if ref is not None and str(ref) not in [lv.id for lv in fw.scale]:
                found.append(
                    doc.problem(
                        loc + ("reference",),
                        f"'{ref}' is not a level of this scale ({', '.join(lv.id for lv in fw.scale)})",
                        "The reference must be a level id of the item's framework.",
                    )
                )
            for ci, cite in enumerate(as_list(item.get("cites"))):
                if str(cite) not in known:
                    cloc = loc + ("cites", ci)
                    found.append(
                        doc.problem(
                            cloc,
                            f"'{cite}' is not the address of any statement",
                            "An address is framework/competency/level/criterion/n, e.g. acqdemo-cp1-customer-relations/customer-relations/III/customer-needs/1; run 'raterkit addresses' to list them.",
                        )
                    )
        found += _vignette_problems(doc, items)
        if len(scales) > 1:
            i = sorted(scales.values())[1]
            found.append(
                doc.problem(
                    ("items", i, "framework"),
                    "this item's framework has a different scale from the quiz's first item",
                    "A quiz is scored on one scale: put items of frameworks with other scales in a quiz of their own.",
                )
            )
        problems += found
        if quiz is not None and not found:
            quizzes[quiz.id] = quiz
    return quizzes, sorted(set(problems), key=problem_order)


def _vignette_problems(doc, items: list) -> list[Problem]:
    """Items sharing a vignette: the same behaviour, framework and competency, each on its own criterion."""
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("vignette") is not None:
            groups.setdefault(str(item["vignette"]), []).append(i)
    out = []
    for vignette, members in groups.items():
        first = items[members[0]]
        seen_criteria: dict[str, int] = {}
        if len(members) < 2:
            loc = ("items", members[0], "vignette")
            out.append(
                doc.problem(
                    loc,
                    f"vignette '{vignette}' has only this item",
                    "A vignette is one behaviour rated on several criteria: give two or more items the same vignette id, or remove it.",
                )
            )
        for i in members:
            item = items[i]
            for key in ("framework", "competency", "behaviour"):
                if str(item.get(key, "")).split() != str(first.get(key, "")).split():
                    loc = ("items", i, key)
                    out.append(
                        doc.problem(
                            loc,
                            f"differs from the first item of vignette '{vignette}' (line {doc.line_of(('items', members[0], key))})",
                            f"Items of one vignette show the same behaviour: give them the same {key}.",
                        )
                    )
            crit = item.get("criterion")
            loc = ("items", i, "criterion")
            if crit is None:
                out.append(
                    Problem(
                        doc.path,
                        doc.line_of(("items", i)),
                        field_path(loc),
                        f"an item of vignette '{vignette}' needs a criterion",
                        "Each item of a vignette rates the behaviour on one criterion.",
                    )
                )
            elif str(crit) in seen_criteria:
                out.append(
                    doc.problem(
                        loc,
                        f"vignette '{vignette}' already rates '{crit}' (line {seen_criteria[str(crit)]})",
                        "Rate each criterion once per vignette.",
                    )
                )
            else:
                seen_criteria[str(crit)] = doc.line_of(loc)
    return out
