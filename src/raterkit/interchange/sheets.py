"""Frameworks and quiz banks as tables a person fills in a spreadsheet, and those tables back.

One layout for both spreadsheet encodings: ``xlsx.py`` writes and reads these tables as the
sheets of one workbook, ``csvsheets.py`` as one CSV file a sheet. Here there is no file: tables
in, model and problems out. Every problem names the cell it comes from (the reader says how a
cell is named: ``FILE.xlsx:Statements!D12`` or ``folder/statements.csv:12``).

What the model holds and the main sheets do not show (placeholders, a plan element's facts)
rides in the ``Extras`` sheet as JSON, so a round trip loses nothing.

One cohesive job: the spreadsheet layout, both ways. Writing and reading share the sheet and
column names and stay in one module so the two directions cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..errors import Problem
from ..model import (
    ID_PATTERN,
    IMPLICIT_CRITERION_ID,
    IMPLICIT_CRITERION_LABEL,
    Criterion,
    Framework,
    PlanElement,
    Quiz,
)

__all__ = [
    "FRAMEWORK_SHEETS",
    "NOTES",
    "QUIZ_SHEETS",
    "ReadTable",
    "Table",
    "framework_from_tables",
    "framework_tables",
    "kind_of",
    "quiz_from_tables",
    "quiz_tables",
    "template_tables",
]

#: Sheet name -> its columns, in order. The layout docs/authoring.md describes.
FRAMEWORK_SHEETS: dict[str, list[str]] = {
    "Framework": ["field", "value"],
    "Scale": ["level", "label"],
    "Competencies": [
        "competency",
        "title",
        "definition",
        "definition level",
        "expectations",
        "criterion",
        "criterion label",
    ],
    "Statements": ["competency", "criterion", "level", "statement"],
    "Extras": ["competency", "field", "value"],
}
QUIZ_SHEETS: dict[str, list[str]] = {
    "Quiz": ["field", "value"],
    "Items": [
        "id",
        "framework",
        "competency",
        "criterion",
        "vignette",
        "behaviour",
        "reference",
        "rationale",
        "cites",
    ],
}
FRAMEWORK_FIELDS = ("id", "title", "family", "source document", "source url", "source seed", "guidance")
QUIZ_FIELDS = ("id", "title", "description", "pass rule exact", "pass rule within one", "pass rule max bias")
_PASS_RULE = {"pass rule exact": "exact", "pass rule within one": "within_one", "pass rule max bias": "max_abs_bias"}

NOTES = {
    "framework": [
        "How to fill in this workbook (raterkit framework layout; docs/authoring.md has the full guide).",
        "",
        "Framework: one row a field. id (letters, digits, - _ . ; no spaces) and title are required; "
        "family, source document, source url and source seed are optional; "
        "add one 'guidance' row for each paragraph of guidance.",
        "Scale: one row a level, lowest first. level is a short id (I, 2, meets); label is what users see.",
        "Competencies: one row for each criterion of each competency. The first row of a competency gives its "
        "title (and definition, definition level, expectations when the source has them); the next rows repeat "
        "only the competency id and give another criterion. Leave criterion empty when the source has none.",
        "Statements: one row a statement, in the source's order: the competency, the criterion (empty when the "
        "competency has none), the level, and the statement word for word.",
        "Extras: leave it as exported. It carries what the other sheets do not show (placeholders, "
        "plan element facts) as JSON.",
        "Type text, never formulas: raterkit reads values and refuses a cell holding a formula.",
        "Then: raterkit import xlsx THIS.xlsx -o frameworks/NEW.yaml, and raterkit validate.",
    ],
    "quiz": [
        "How to fill in this workbook (raterkit quiz bank layout; docs/authoring.md has the full guide).",
        "",
        "Quiz: one row a field. id and title are required; description and the pass rule "
        "(exact and within one as shares from 0 to 1, max bias in levels) are optional.",
        "Items: one row a behaviour to rate. id, framework, competency, behaviour, reference (a level id), "
        "rationale and cites are required; criterion (rate on this criterion only) and vignette "
        "(items showing the same behaviour on several criteria) are optional. "
        "cites: statement addresses, one a line (raterkit addresses lists them).",
        "Type text, never formulas: raterkit reads values and refuses a cell holding a formula.",
        "Then: raterkit import xlsx THIS.xlsx -o quiz/NEW.yaml, and raterkit validate.",
    ],
}


@dataclass
class Table:
    """A sheet to write: its name, its column names and its rows of text."""

    name: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


#: Where a cell is, for a problem: (row number in the file, column index) -> (path, line).
Locate = Callable[[int, int], tuple[str, int | None]]


@dataclass
class ReadTable:
    """A sheet as read: its header and its rows, each with its row number in the file."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    locate: Locate
    header_row: int = 1

    def problem(self, row: int, column: str, message: str, hint: str = "") -> Problem:
        index = _column_index(self.header, column)
        path, line = self.locate(row, max(index, 0))
        return Problem(path, line, column, message, hint)


def _column_index(header: list[str], column: str) -> int:
    for i, name in enumerate(header):
        if _norm(name) == column:
            return i
    return -1


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


# ------------------------------------------------------------------ model -> tables


def _opt(value: str | None) -> str:
    return "" if value is None else value


def framework_tables(fw: Framework) -> list[Table]:
    """The sheets of a framework, in the layout FRAMEWORK_SHEETS names."""
    head = Table("Framework", FRAMEWORK_SHEETS["Framework"], [["id", fw.id], ["title", fw.title]])
    if fw.family is not None:
        head.rows.append(["family", fw.family])
    if fw.source is not None:
        for key in ("document", "url", "seed"):
            value = getattr(fw.source, key)
            if value is not None:
                head.rows.append([f"source {key}", value])
    head.rows += [["guidance", text] for text in fw.guidance]
    scale = Table("Scale", FRAMEWORK_SHEETS["Scale"], [[lv.id, lv.label] for lv in fw.scale])
    comps = Table("Competencies", FRAMEWORK_SHEETS["Competencies"])
    statements = Table("Statements", FRAMEWORK_SHEETS["Statements"])
    extras = Table("Extras", FRAMEWORK_SHEETS["Extras"])
    for ph in fw.placeholders:
        extras.rows.append(["", "placeholder", _json(ph.model_dump(exclude_none=True))])
    for comp in fw.competencies:
        first = [comp.id, comp.title, _opt(comp.definition), _opt(comp.definition_level), _opt(comp.expectations)]
        implicit = comp.criteria == [Criterion(id=IMPLICIT_CRITERION_ID, label=IMPLICIT_CRITERION_LABEL)]
        for n, crit in enumerate(comp.criteria):
            lead = first if n == 0 else [comp.id, "", "", "", ""]
            comps.rows.append(lead + (["", ""] if implicit else [crit.id, crit.label]))
        for level in fw.scale:
            for crit in comp.criteria:
                for text in comp.statements(level.id, crit.id):
                    statements.rows.append([comp.id, "" if implicit else crit.id, level.id, text])
        if comp.plan_element is not None:
            extras.rows.append([comp.id, "plan_element", _json(comp.plan_element.model_dump(exclude_none=True))])
    return [head, scale, comps, statements, extras]


def quiz_tables(quiz: Quiz) -> list[Table]:
    """The sheets of a quiz bank, in the layout QUIZ_SHEETS names."""
    head = Table("Quiz", QUIZ_SHEETS["Quiz"], [["id", quiz.id], ["title", quiz.title]])
    if quiz.description is not None:
        head.rows.append(["description", quiz.description])
    if quiz.pass_rule is not None:
        for name, key in _PASS_RULE.items():
            value = getattr(quiz.pass_rule, key)
            if value is not None:
                head.rows.append([name, _number(value)])
    items = Table("Items", QUIZ_SHEETS["Items"])
    for it in quiz.items:
        items.rows.append(
            [
                it.id,
                it.framework,
                it.competency,
                _opt(it.criterion),
                _opt(it.vignette),
                it.behaviour,
                it.reference,
                it.rationale,
                "\n".join(it.cites),
            ]
        )
    return [head, items]


def template_tables(kind: str) -> list[Table]:
    """Empty sheets with their columns: a blank template of a framework or a quiz bank."""
    sheets = FRAMEWORK_SHEETS if kind == "framework" else QUIZ_SHEETS
    return [Table(name, header) for name, header in sheets.items()]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def kind_of(names: list[str]) -> str | None:
    """'framework' or 'quiz' from a workbook's sheet names (any case), or None when it is neither."""
    folded = {n.casefold() for n in names}
    if folded & {"framework", "scale", "competencies", "statements"}:
        return "framework"
    if folded & {"quiz", "items"}:
        return "quiz"
    return None


# ------------------------------------------------------------------ tables -> model


class _Reader:
    """Collects problems while reading tables; each check names the cell."""

    def __init__(self, tables: list[ReadTable], layout: dict[str, list[str]], source: str):
        self.problems: list[Problem] = []
        self.blocking = False  # a sheet or a column is missing: reading on would only add noise
        self.field_rows: dict[str, int] = {}  # field -> its row on the last field/value sheet read
        self.tables: dict[str, ReadTable] = {}
        by_name = {t.name.casefold(): t for t in tables}
        for name, columns in layout.items():
            table = by_name.get(name.casefold())
            if table is None:
                self.blocking = True
                self.problems.append(
                    Problem(
                        source,
                        None,
                        "",
                        f"there is no sheet named '{name}' (as CSV: no file {name.casefold()}.csv)",
                        f"The layout has the sheets {', '.join(layout)}; start from 'raterkit export xlsx --template'.",
                    )
                )
                continue
            self._check_header(table, columns)
            self.tables[name] = table

    def _check_header(self, table: ReadTable, columns: list[str]) -> None:
        names = [_norm(h) for h in table.header]
        path, line = table.locate(table.header_row, 0)
        for column in columns:
            if column not in names:
                self.blocking = True
                self.problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"sheet '{table.name}' has no column '{column}'",
                        f"Its first row names the columns: {', '.join(columns)}.",
                    )
                )
        for i, name in enumerate(names):
            if name and name not in columns:
                where, at = table.locate(table.header_row, i)
                self.problems.append(
                    Problem(
                        where,
                        at,
                        table.header[i],
                        f"'{table.header[i]}' is not a column of sheet '{table.name}'",
                        f"The columns are: {', '.join(columns)}. Rename or delete this column.",
                    )
                )

    def rows(self, sheet: str) -> list[tuple[int, dict[str, str]]]:
        """Non-empty rows of a sheet as column -> text (empty cells as '')."""
        table = self.tables.get(sheet)
        if table is None:
            return []
        names = [_norm(h) for h in table.header]
        out = []
        for number, cells in table.rows:
            row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names) if name}
            for i, cell in enumerate(cells):
                if cell.strip() and (i >= len(names) or not names[i]):
                    path, line = table.locate(number, i)
                    self.problems.append(
                        Problem(
                            path,
                            line,
                            "",
                            "this cell is in a column without a name, so raterkit would ignore it",
                            f"Move it into one of the columns ({', '.join(h for h in table.header if h)}), or delete it.",
                        )
                    )
            if any(v.strip() for v in row.values()):
                out.append((number, row))
        return out

    def problem(self, sheet: str, row: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(self.tables[sheet].problem(row, column, message, hint))

    def id(self, sheet: str, row: int, cells: dict[str, str], column: str, what: str, required: bool = True) -> str:
        """An id cell: trimmed; a problem when it is missing (and required) or not a valid id."""
        value = cells.get(column, "").strip()
        if not value:
            if required:
                self.problem(sheet, row, column, f"the {what} id is empty", f"Write the {what}'s id in this cell.")
            return ""
        if not re.match(ID_PATTERN, value) or len(value) > 80:
            self.problem(
                sheet,
                row,
                column,
                f"'{value}' is not a valid id",
                "An id is up to 80 letters, digits, '-', '_' or '.', starting with a letter or digit; no spaces.",
            )
            return ""
        return value

    def text(self, sheet: str, row: int, cells: dict[str, str], column: str, what: str) -> str:
        value = cells.get(column, "")
        if not value.strip():
            self.problem(sheet, row, column, f"the {what} is empty", f"Write the {what} in this cell.")
        return value

    def fields(self, sheet: str, allowed: tuple[str, ...], repeatable: tuple[str, ...]) -> dict[str, Any]:
        """A field/value sheet as field -> text (a list for repeatable fields)."""
        out: dict[str, Any] = {name: [] for name in repeatable}
        seen: dict[str, int] = {}
        for row, cells in self.rows(sheet):
            name = _norm(cells.get("field", ""))
            value = cells.get("value", "")
            if name not in allowed:
                self.problem(
                    sheet,
                    row,
                    "field",
                    f"'{cells.get('field', '')}' is not a field of this sheet" if name else "the field is empty",
                    f"The fields are: {', '.join(allowed)}.",
                )
                continue
            if not value.strip():
                self.problem(sheet, row, "value", f"{name}: the value is empty", "Write a value, or delete the row.")
                continue
            if name in repeatable:
                out[name].append(value)
            elif name in seen:
                self.problem(
                    sheet, row, "field", f"'{name}' is given twice (first in row {seen[name]})", "Keep one of the rows."
                )
            else:
                seen[name] = row
                out[name] = value
        self.field_rows = seen
        return out

    def json_value(self, sheet: str, row: int, cells: dict[str, str]) -> Any:
        try:
            return json.loads(cells.get("value", ""))
        except ValueError as exc:
            self.problem(
                sheet,
                row,
                "value",
                f"not JSON raterkit can read ({exc.msg}, at character {exc.pos + 1})"
                if isinstance(exc, json.JSONDecodeError)
                else "not JSON raterkit can read",
                "Leave the Extras sheet as raterkit exported it, or copy the value from an exported file.",
            )
            return None


def _model_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def framework_from_tables(tables: list[ReadTable], source: str) -> tuple[Framework | None, list[Problem]]:
    """A framework from its sheets, or None and every problem found, each naming its cell."""
    r = _Reader(tables, FRAMEWORK_SHEETS, source)
    if r.blocking:
        return None, r.problems
    head = r.fields("Framework", FRAMEWORK_FIELDS, ("guidance",))
    data: dict[str, Any] = {}
    for key in ("id", "title"):
        if key not in head:
            r.problems.append(
                r.tables["Framework"].problem(
                    r.tables["Framework"].header_row,
                    "field",
                    f"there is no '{key}' row",
                    f"Add a row with '{key}' in the field column and the framework's {key} beside it.",
                )
            )
    fw_id = head.get("id", "").strip()
    if fw_id and (not re.match(ID_PATTERN, fw_id) or len(fw_id) > 80):
        r.problems.append(
            r.tables["Framework"].problem(
                r.field_rows["id"],
                "value",
                f"id: '{fw_id}' is not a valid id",
                "An id is up to 80 letters, digits, '-', '_' or '.', starting with a letter or digit; no spaces.",
            )
        )
    data["id"] = fw_id
    data["title"] = head.get("title", "")
    if "family" in head:
        data["family"] = head["family"]
    source_fields = {k: head[f"source {k}"] for k in ("document", "url", "seed") if f"source {k}" in head}
    if source_fields:
        data["source"] = source_fields
    if head["guidance"]:
        data["guidance"] = head["guidance"]

    scale: list[str] = []
    data["scale"] = []
    for row, cells in r.rows("Scale"):
        level = r.id("Scale", row, cells, "level", "level")
        label = r.text("Scale", row, cells, "label", "level's label")
        if level.casefold() in (s.casefold() for s in scale):
            r.problem("Scale", row, "level", f"level '{level}' is listed twice", "Give each level its own id.")
        elif level:
            scale.append(level)
            data["scale"].append({"id": level, "label": label})
    if not scale and "Scale" in r.tables:
        t = r.tables["Scale"]
        r.problems.append(
            t.problem(t.header_row, "level", "the scale has no levels", "Add one row a level, lowest first.")
        )

    comps: dict[str, dict[str, Any]] = {}
    criteria_of: dict[str, list[str]] = {}
    for row, cells in r.rows("Competencies"):
        cid = r.id("Competencies", row, cells, "competency", "competency")
        if not cid:
            continue
        crit = r.id("Competencies", row, cells, "criterion", "criterion", required=False)
        label = cells.get("criterion label", "")
        if cid not in comps:
            comp: dict[str, Any] = {
                "id": cid,
                "title": r.text("Competencies", row, cells, "title", "competency's title"),
            }
            for key, column in (("definition", "definition"), ("expectations", "expectations")):
                if cells.get(column, "").strip():
                    comp[key] = cells[column]
            dl = cells.get("definition level", "").strip()
            if dl:
                if dl not in scale:
                    r.problem(
                        "Competencies",
                        row,
                        "definition level",
                        f"'{dl}' is not a level of the scale ({', '.join(scale)})",
                        "Name a level from the Scale sheet, or leave the cell empty.",
                    )
                comp["definition_level"] = dl
            comps[cid] = comp
            criteria_of[cid] = []
            comp["criteria"] = []
            comp["descriptors"] = {}
        else:
            for column in ("title", "definition", "definition level", "expectations"):
                if cells.get(column, "").strip():
                    r.problem(
                        "Competencies",
                        row,
                        column,
                        f"competency '{cid}' already has its {column} on an earlier row",
                        "Give a competency's title, definition and expectations on its first row only.",
                    )
        if not crit:
            if label.strip():
                r.problem(
                    "Competencies", row, "criterion", "the criterion id is empty", "Write the criterion's id here."
                )
            elif comps[cid]["criteria"] or criteria_of[cid]:
                r.problem(
                    "Competencies",
                    row,
                    "criterion",
                    f"competency '{cid}' has criteria, so this row needs one too",
                    "Leave criterion empty only when the competency has a single row and no criteria.",
                )
            else:
                criteria_of[cid].append("")
            continue
        if "" in criteria_of[cid]:
            r.problem(
                "Competencies",
                row,
                "criterion",
                f"competency '{cid}' was first given without criteria",
                "Give every row of a competency a criterion, or none of them.",
            )
            continue
        if crit in criteria_of[cid]:
            r.problem(
                "Competencies",
                row,
                "criterion",
                f"criterion '{crit}' is listed twice",
                "Give each criterion its own id.",
            )
            continue
        criteria_of[cid].append(crit)
        comps[cid]["criteria"].append(
            {"id": crit, "label": r.text("Competencies", row, cells, "criterion label", "criterion's label")}
        )
    if not comps and "Competencies" in r.tables:
        t = r.tables["Competencies"]
        r.problems.append(
            t.problem(t.header_row, "competency", "there are no competencies", "Add a row for each competency.")
        )

    for row, cells in r.rows("Statements"):
        cid = r.id("Statements", row, cells, "competency", "competency")
        crit = r.id("Statements", row, cells, "criterion", "criterion", required=False)
        level = r.id("Statements", row, cells, "level", "level")
        text = r.text("Statements", row, cells, "statement", "statement")
        if cid and cid not in comps:
            r.problem(
                "Statements",
                row,
                "competency",
                f"'{cid}' is not a competency of the Competencies sheet",
                f"The competencies are: {', '.join(comps) or 'none yet'}.",
            )
            continue
        if level and level not in scale:
            r.problem(
                "Statements",
                row,
                "level",
                f"'{level}' is not a level of the scale ({', '.join(scale)})",
                "Name a level from the Scale sheet.",
            )
            continue
        if not (cid and level and text.strip()):
            continue
        known = criteria_of[cid]
        if known == [""] or not known:
            if crit:
                r.problem(
                    "Statements",
                    row,
                    "criterion",
                    f"competency '{cid}' has no criteria",
                    "Leave the criterion empty, or add the criterion on the Competencies sheet.",
                )
                continue
            crit = IMPLICIT_CRITERION_ID
        elif crit not in known:
            r.problem(
                "Statements",
                row,
                "criterion",
                f"'{crit}' is not a criterion of competency '{cid}' ({', '.join(known)})"
                if crit
                else f"competency '{cid}' has criteria: name one ({', '.join(known)})",
                "Name a criterion the Competencies sheet gives for this competency.",
            )
            continue
        comps[cid]["descriptors"].setdefault(level, {}).setdefault(crit, []).append(text)

    for comp in comps.values():
        if not comp["criteria"]:
            del comp["criteria"]
        comp["descriptors"] = {lv: comp["descriptors"][lv] for lv in scale if lv in comp["descriptors"]}

    placeholders = []
    for row, cells in r.rows("Extras"):
        name = _norm(cells.get("field", ""))
        cid = cells.get("competency", "").strip()
        value = r.json_value("Extras", row, cells)
        if value is None:
            continue
        if name == "placeholder" and not cid:
            placeholders.append(value)
        elif name == "plan element" and cid in comps:
            try:
                PlanElement.model_validate(value)
            except ValidationError as exc:
                r.problem(
                    "Extras",
                    row,
                    "value",
                    f"not a plan element: {_model_message(exc)}",
                    "Copy the value from an exported file.",
                )
                continue
            comps[cid]["plan_element"] = value
        else:
            r.problem(
                "Extras",
                row,
                "field",
                f"raterkit does not know this extra ('{cells.get('field', '')}' for competency '{cid}')"
                if cid
                else f"raterkit does not know this extra ('{cells.get('field', '')}')",
                "Extras are 'placeholder' (competency empty) and 'plan_element' (for a competency). "
                "Leave the sheet as exported.",
            )
    if placeholders:
        data["placeholders"] = placeholders
    data["competencies"] = list(comps.values())
    if r.problems:
        return None, r.problems
    try:
        return Framework.model_validate(data), []
    except ValidationError as exc:
        return None, _model_problems(source, exc)


def quiz_from_tables(tables: list[ReadTable], source: str) -> tuple[Quiz | None, list[Problem], dict[int, int]]:
    """A quiz bank from its sheets: (quiz or None, problems, item index -> row of the Items sheet).
    Cross-references (frameworks, levels, cited addresses) are the quiz loader's to check."""
    r = _Reader(tables, QUIZ_SHEETS, source)
    rows_of: dict[int, int] = {}
    if r.blocking:
        return None, r.problems, rows_of
    head = r.fields("Quiz", QUIZ_FIELDS, ())
    data: dict[str, Any] = {}
    for key in ("id", "title"):
        if key not in head:
            t = r.tables["Quiz"]
            r.problems.append(
                t.problem(
                    t.header_row,
                    "field",
                    f"there is no '{key}' row",
                    f"Add a row with '{key}' in the field column and the quiz's {key} beside it.",
                )
            )
    data["id"] = head.get("id", "").strip()
    data["title"] = head.get("title", "")
    if "description" in head:
        data["description"] = head["description"]
    rule: dict[str, float] = {}
    for name, key in _PASS_RULE.items():
        if name in head:
            try:
                rule[key] = float(head[name])
            except ValueError:
                t = r.tables["Quiz"]
                r.problems.append(
                    t.problem(
                        r.field_rows[name],
                        "value",
                        f"{name}: '{head[name]}' is not a number",
                        "Write a number such as 0.6.",
                    )
                )
    if rule:
        data["pass_rule"] = rule
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row, cells in r.rows("Items"):
        item: dict[str, Any] = {}
        for column in ("id", "framework", "competency", "reference"):
            item[column] = r.id(
                "Items", row, cells, column, {"id": "item", "reference": "reference level"}.get(column, column)
            )
        for column in ("criterion", "vignette"):
            value = r.id("Items", row, cells, column, column, required=False)
            if value:
                item[column] = value
        item["behaviour"] = r.text("Items", row, cells, "behaviour", "behaviour")
        item["rationale"] = r.text("Items", row, cells, "rationale", "rationale")
        cites = [line.strip() for line in cells.get("cites", "").splitlines() if line.strip()]
        if not cites:
            r.problem(
                "Items", row, "cites", "no statement is cited", "Write the addresses of the statements, one a line."
            )
        item["cites"] = cites
        if item["id"] and item["id"] in seen:
            r.problem(
                "Items",
                row,
                "id",
                f"item id '{item['id']}' is used twice (first in row {seen[item['id']]})",
                "Give each item its own id.",
            )
        seen.setdefault(item["id"], row)
        rows_of[len(items)] = row
        items.append(item)
    if not items:
        t = r.tables["Items"]
        r.problems.append(t.problem(t.header_row, "id", "there are no items", "Add one row a behaviour to rate."))
    data["items"] = items
    if r.problems:
        return None, r.problems, rows_of
    try:
        return Quiz.model_validate(data), [], rows_of
    except ValidationError as exc:
        return None, _model_problems(source, exc), rows_of


def _model_problems(source: str, exc: ValidationError) -> list[Problem]:
    """What the model refused in what the sheets gave, a problem each."""
    return [
        Problem(
            source, None, ".".join(str(p) for p in e["loc"]), e["msg"], "Check the sheets against docs/authoring.md."
        )
        for e in exc.errors()
    ]
