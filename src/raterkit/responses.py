"""Read response files (who rated which item at which level) into checked, tidy rows.

One cohesive job: reading response files. CSV and JSON share every check after parsing (the
scale, the item, repeats) and each problem names the file and line; the parsers stay beside it.

Responses are long and tidy: one row per rater x item. The same data comes in two formats:

* CSV with the header ``rater,item,rating`` and optional ``quiz`` and ``timestamp`` columns,
  in any order, header names in any case. Files saved by Excel load as they are: a UTF-8
  byte-order mark, CRLF line endings and ``;`` (or tab) separators are recognised, the
  separator being read off the header line. Other columns are ignored.
* Parquet (``.parquet``, for archives): the CSV's columns, names in any case; numbers and
  dates are read as text. Parquet has no lines, so rows are numbered from 1 and problems say
  "row 12".
* JSON, as the site exports it: ``{"rater": ..., "quiz": ..., "responses": [{"item": ...,
  "rating": ..., "timestamp": ...}, ...]}``, or a list of such objects. An object without
  ``responses`` is read as one response row carrying its own ``rater``, so a list of flat
  rows (``pandas.DataFrame.to_json(orient="records")``) loads too.

A rating is a level id (``III``) or a level label (``Level III``), in any case, spaces around
it ignored; rows keep the level id. Bad rows are reported and skipped, good rows are kept:
every skipped row gets exactly one :class:`~raterkit.errors.Problem` naming its file and line
(for JSON, the line where the response object starts), so ``read == kept + skipped`` always
holds. A file that cannot be read at all (not UTF-8, not valid JSON, no header) is one
problem and contributes no rows. Nothing here raises on bad data; misuse of the API raises
``ValueError``.

Which scale the ratings are on:

* ``catalog`` and ``quiz_id``: the quiz's items and its framework's scale; other items are
  skipped.
* ``catalog`` alone: each row's item names its quiz (item ids are unique across quizzes).
  All rows must then belong to one quiz, since one scale is scored at a time. When they
  span several quizzes no quiz is guessed: every row is skipped, the set's
  ``spans_quizzes`` lists the quizzes, and the last problem asks for a quiz to be chosen.
* ``levels`` (level ids, lowest first): any item id is accepted and there is no key.
"""

from __future__ import annotations

import bisect
import csv
import difflib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import listed, missing, shown_path
from .csvcells import unprotect
from .errors import Problem, describe

if TYPE_CHECKING:
    from .catalog import Catalog
    from .model import Quiz

__all__ = ["RESPONSE_SUFFIXES", "ResponseRow", "ResponseSet", "level_lookup", "read_responses"]

#: File endings read from a folder (compared in lower case).
RESPONSE_SUFFIXES = (".csv", ".json", ".parquet")
REQUIRED_COLUMNS = ("rater", "item", "rating")
OPTIONAL_COLUMNS = ("quiz", "timestamp")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SEPARATORS = (",", ";", "\t")

UTF8_HINT = (
    'Save the file as UTF-8 text (in Excel: File > Save As > "CSV UTF-8 (Comma delimited)"; '
    "in other editors: Encoding: UTF-8)."
)


@dataclass(frozen=True)
class ResponseRow:
    """One kept response: a rater's rating of an item, with the level id and where it was read."""

    rater: str
    item: str
    rating: str  # the level id, whatever form the file wrote it in
    quiz: str | None
    timestamp: str | None
    path: str
    line: int


@dataclass
class _Kept:
    """The kept rows by column: codes into ``raters`` (first appearance order), into the set's
    items and its level ids, and per row the quiz, timestamp, path and line."""

    rater: np.ndarray
    raters: list[str]
    item: np.ndarray
    level: np.ndarray
    quiz: list[str | None]
    timestamp: list[str | None]
    path: np.ndarray
    paths: list[str]
    line: np.ndarray

    @classmethod
    def of_rows(cls, rows: list[ResponseRow], level_ids: list[str], items: list[str]) -> _Kept:
        raters = list(dict.fromkeys(row.rater for row in rows))
        rater_at = {rater: r for r, rater in enumerate(raters)}
        item_at = {item: i for i, item in enumerate(items)}
        position = {level: p for p, level in enumerate(level_ids)}
        paths = list(dict.fromkeys(row.path for row in rows))
        path_at = {path: p for p, path in enumerate(paths)}
        return cls(
            rater=np.array([rater_at[row.rater] for row in rows], dtype=np.int64),
            raters=raters,
            item=np.array([item_at.get(row.item, -1) for row in rows], dtype=np.int64),
            level=np.array([position[row.rating] for row in rows], dtype=np.int64),
            quiz=[row.quiz for row in rows],
            timestamp=[row.timestamp for row in rows],
            path=np.array([path_at[row.path] for row in rows], dtype=np.int64),
            paths=paths,
            line=np.array([row.line for row in rows], dtype=np.int64),
        )

    def rows(self, level_ids: list[str], items: list[str]) -> list[ResponseRow]:
        raters, paths = self.raters, self.paths
        return [
            ResponseRow(raters[r], items[i], level_ids[v], q, t, paths[p], n)
            for r, i, v, q, t, p, n in zip(
                self.rater.tolist(),
                self.item.tolist(),
                self.level.tolist(),
                self.quiz,
                self.timestamp,
                self.path.tolist(),
                self.line.tolist(),
            )
        ]


class ResponseSet:
    """Every kept row, a problem per skipped row, the counts and the scale the rows are on.

    The kept rows are held by column (a million rows are a few arrays, not a million objects);
    ``rows`` builds the :class:`ResponseRow` list the first time it is asked for."""

    def __init__(
        self,
        rows: list[ResponseRow] | None,
        problems: list[Problem],
        read: int,
        kept: int,
        skipped: int,
        level_ids: list[str],
        level_labels: list[str],
        items: list[str],
        key: dict[str, str] | None,
        quiz: str | None = None,
        spans_quizzes: list[str] | None = None,
        notes: list[Problem] | None = None,
        *,
        columns: _Kept | None = None,
    ) -> None:
        if rows is None and columns is None:
            raise ValueError("ResponseSet needs rows= (a list of ResponseRow) or columns=.")
        self._rows = rows
        self._columns = columns
        self.problems = problems
        self.read = read
        self.kept = kept
        self.skipped = skipped
        self.level_ids = level_ids
        self.level_labels = level_labels
        self.items = items
        self.key = key
        #: The quiz the rows were read against (None with ``levels=`` or when none could be chosen).
        self.quiz = quiz
        #: Quizzes the rows belong to when they span more than one and no quiz was named.
        self.spans_quizzes = spans_quizzes if spans_quizzes is not None else []
        #: Warnings that skip no row: rater names that differ only in case or spacing.
        self.notes = notes if notes is not None else []

    @property
    def rows(self) -> list[ResponseRow]:
        """Every kept row, in reading order."""
        if self._rows is None:
            assert self._columns is not None
            self._rows = self._columns.rows(self.level_ids, self.items)
        return self._rows

    @rows.setter
    def rows(self, rows: list[ResponseRow]) -> None:
        self._rows, self._columns = rows, None

    def _kept(self) -> _Kept:
        if self._columns is None:
            self._columns = _Kept.of_rows(self.rows, self.level_ids, self.items)
        return self._columns

    def _fields(self) -> tuple:
        return (
            self.rows,
            self.problems,
            self.read,
            self.kept,
            self.skipped,
            self.level_ids,
            self.level_labels,
            self.items,
            self.key,
            self.quiz,
            self.spans_quizzes,
            self.notes,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResponseSet):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ResponseSet(read={self.read}, kept={self.kept}, skipped={self.skipped}, quiz={self.quiz!r}, "
            f"items={len(self.items)}, problems={len(self.problems)})"
        )

    def raters(self) -> list[str]:
        """Rater names in the order they first appear in the files."""
        return list(self._kept().raters)

    def matrix(self) -> tuple[list[str], list[str], np.ndarray]:
        """(raters, items, ratings): level positions (0 = lowest), -1 where a rater gave none."""
        kept = self._kept()
        ratings = np.full((len(kept.raters), len(self.items)), -1, dtype=np.int64)
        known = kept.item >= 0  # rows built by hand may name an item the set does not list
        ratings[kept.rater[known], kept.item[known]] = kept.level[known]
        return list(kept.raters), list(self.items), ratings

    def ratings(self) -> tuple[list[str], list[str], np.ndarray]:
        """(raters, items, ratings) as the agreement engine takes them: float level positions
        (0 = lowest), nan where a rater gave none."""
        raters, items, positions = self.matrix()
        return raters, items, np.where(positions >= 0, positions, np.nan)

    def key_positions(self) -> np.ndarray:
        """The reference level's position of every item in ``items``."""
        if self.key is None:
            raise ValueError(
                "key_positions() needs a key, and responses read with levels= have none; "
                "read them with a catalog (and quiz_id) to score against the reference levels."
            )
        position = {level: p for p, level in enumerate(self.level_ids)}
        return np.array([position[self.key[item]] for item in self.items], dtype=np.int64)

    def summary_line(self) -> str:
        rows = "row" if self.read == 1 else "rows"
        return f"Read {self.read} {rows}: {self.kept} kept, {self.skipped} skipped."


# --------------------------------------------------------------------------------------------
# Reading files into entries (one per data row), before anything is checked against a scale


@dataclass
class _Entry:
    """One data row as written: its cells (text or None), or the reason it cannot be used."""

    path: str
    line: int
    cells: dict[str, str | None]
    problem: Problem | None = None


def _unusable(path: str, line: int, field: str, message: str, hint: str = "") -> _Entry:
    """A row that cannot be used: no cells, and the problem that says why."""
    return _Entry(path, line, {}, Problem(path, line, field, message, hint))


def _shown(path: Path) -> str:
    return shown_path(path)


def _shown_all(paths: list[Path]) -> dict[Path, str]:
    """:func:`shown_path` of many paths, resolving each folder once (a folder may hold
    thousands of response files)."""
    cwd = Path.cwd()
    folders: dict[str, str | None] = {}
    out: dict[Path, str] = {}
    for path in paths:
        text = str(path)
        parent, name = os.path.split(text)
        if not name or name in (".", ".."):
            out[path] = shown_path(path)
            continue
        if parent not in folders:
            try:
                folders[parent] = str((cwd / parent).resolve().relative_to(cwd.resolve()))
            except (ValueError, OSError, RuntimeError):
                folders[parent] = None  # shown_path's own fallback: the path as given
        where = folders[parent]
        out[path] = text if where is None else name if where == "." else f"{where}{os.sep}{name}"
    return out


def _expand(paths: Iterable[Path | str]) -> list[tuple[Path, Problem | None]]:
    """Files named, and the response files directly inside folders named (sorted by name)."""
    out: list[tuple[Path, Problem | None]] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = listed(path, RESPONSE_SUFFIXES)
            if not found:
                out.append(
                    (
                        path,
                        Problem(
                            _shown(path),
                            None,
                            "",
                            "no .csv or .json files in this folder",
                            "Put the response files (CSV or JSON) in this folder, or name the files themselves.",
                        ),
                    )
                )
            out += [(f, None if f.exists() else missing(f)) for f in found]
        elif not path.exists():
            out.append((path, missing(path)))
        else:
            out.append((path, None))
    return out


def _read_file(path: Path, shown: str | None = None) -> list[_Entry | Problem]:
    """The entries of one file in order; a Problem in the list is a problem of the whole file."""
    shown = shown if shown is not None else _shown(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(shown, None, "", f"cannot read the file ({exc.strerror})", "Check the path and permissions.")]
    suffix = path.suffix.lower()
    if suffix == ".csv" or (suffix != ".json" and raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"[")):
        if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
            return [_empty(shown)]
        return _read_csv(raw, shown)  # decoded line by line: one bad line loses no other row
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [
            Problem(
                shown, line, "", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read)", UTF8_HINT
            )
        ]
    if not text.strip():
        return [_empty(shown)]
    return _read_json(text, shown)


def _empty(shown: str) -> Problem:
    return Problem(
        shown,
        1,
        "",
        "the file is empty",
        "Export the responses again; a CSV file starts with the header rater,item,rating.",
    )


def _separator(header_line: str) -> str:
    """The separator that splits the header into the required columns, else the commonest one."""
    for sep in SEPARATORS:
        names = {cell.strip().strip('"').strip().lower() for cell in header_line.split(sep)}
        if set(REQUIRED_COLUMNS) <= names:
            return sep
    return max(SEPARATORS, key=header_line.count)


#: A response row longer than this is skipped with a message (a real row is a few dozen characters).
MAX_ROW_CHARS = 10_000
#: Cells that never hold a line break: one that does was swallowed by a stray quote.
_ONE_LINE_CELLS = ("item", "rating", "quiz", "timestamp")


def _decoded_lines(raw: bytes, shown: str) -> tuple[list[str], list[_Entry]]:
    """The file's physical lines as text, one by one: a line that is not UTF-8, or is far too long
    to be a response row, is read as blank and reported, so every other row is kept."""
    if raw.startswith(b"\xef\xbb\xbf"):  # Excel's "CSV UTF-8" starts with a byte-order mark
        raw = raw[3:]
    lines: list[str] = []
    bad: list[_Entry] = []
    for n, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            line = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            lines.append("")
            bad.append(
                _unusable(
                    shown,
                    n,
                    "",
                    f"this line is not UTF-8 text (byte 0x{chunk[exc.start]:02x} cannot be read); row skipped",
                    UTF8_HINT,
                )
            )
            continue
        if len(line) > MAX_ROW_CHARS:
            lines.append("")
            bad.append(
                _unusable(
                    shown,
                    n,
                    "",
                    f"this line is {len(line):,} characters long, more than a response row can be "
                    f"({MAX_ROW_CHARS:,}); row skipped",
                    "Check this line: a response row holds a rater, an item and a rating.",
                )
            )
            continue
        lines.append(line)
    return lines, bad


def _read_csv(raw: bytes, shown: str) -> list[_Entry | Problem]:
    lines, bad = _decoded_lines(raw, shown)
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None or any(entry.line == first + 1 for entry in bad):
        # No header can be read, so no row can be: the whole file is refused, saying why.
        header_problem = next((e.problem for e in bad if e.line == (first or 0) + 1 and e.problem), None)
        if header_problem is None:
            return [_empty(shown)]
        return [Problem(shown, header_problem.line, "", header_problem.message.replace("; row skipped", ""), UTF8_HINT)]
    sep = _separator(lines[first])
    out: list[_Entry | Problem] = list(bad)
    header: list[str] | None = None
    header_line = 0
    for start, end, cells in _csv_rows(lines, 0, sep, shown, out):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or an Excel row of empty cells
        if header is None:
            header_line = start
            header = [cell.strip().lower() for cell in cells]
            while header and not header[-1]:
                header.pop()  # Excel keeps separators of deleted columns
            problem = _header_problem(header, shown, start)
            if problem:
                return [problem]
            continue
        if len(cells) > len(header) and not any(cell.strip() for cell in cells[len(header) :]):
            cells = cells[: len(header)]
        if end > start and _swallowed(header, cells, sep):
            # A stray quote opened a cell that ran on over the next lines: skip this row, read those again.
            out.append(
                _unusable(
                    shown,
                    start,
                    "",
                    f'a quote (") opens a cell on this line that runs on to line {end}; row skipped, '
                    f"lines {start + 1} to {end} read as rows of their own",
                    'Remove the stray quote, or close it on the same line: "Smith, Ana".',
                )
            )
            out += _reread(lines, start, end, sep, shown, header, header_line)
            continue
        out.append(_csv_entry(shown, start, header, header_line, cells, sep))
    if header is None:  # pragma: no cover - a non-blank text always yields a row
        out.append(Problem(shown, 1, "", "the file is empty", "Export the responses again."))
    return sorted(out, key=lambda e: e.line or 0)


def _csv_rows(
    lines: list[str], offset: int, sep: str, shown: str, out: list[_Entry | Problem]
) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of each CSV row of ``lines`` (numbered from ``offset`` + 1).
    A row the csv module cannot read is reported and reading goes on after it."""
    at = 0
    while at < len(lines):
        reader = csv.reader(io.StringIO("\n".join(lines[at:]), newline=""), delimiter=sep)
        end = at
        try:
            for cells in reader:
                start, end = end + 1, at + reader.line_num
                yield offset + start, offset + end, cells
            return
        except csv.Error as exc:
            failed = max(at + reader.line_num, end + 1)
            out.append(
                _unusable(
                    shown,
                    offset + end + 1,
                    "",
                    f"this row cannot be read as CSV ({exc}); row skipped",
                    "Open the file in a spreadsheet and save it again as CSV UTF-8.",
                )
            )
            at = failed


def _swallowed(header: list[str], cells: list[str], sep: str) -> bool:
    """True when a row over several lines holds what can only be other rows: a line break in a
    cell that never has one, the wrong number of cells, or a rater cell holding separators."""
    if len(cells) != len(header):
        return True
    row = dict(zip(header, cells))
    return any("\n" in (row.get(name) or "") for name in _ONE_LINE_CELLS) or (
        "\n" in (row.get("rater") or "") and sep in (row.get("rater") or "")
    )


def _reread(
    lines: list[str], start: int, end: int, sep: str, shown: str, header: list[str], header_line: int
) -> list[_Entry | Problem]:
    """Lines ``start + 1`` to ``end`` read again as rows under ``header``."""
    out: list[_Entry | Problem] = []
    for first, last, cells in _csv_rows(lines[start:end], start, sep, shown, out):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and not any(cell.strip() for cell in cells[len(header) :]):
            cells = cells[: len(header)]
        if last > first and _swallowed(header, cells, sep):
            out.append(
                _unusable(
                    shown, first, "", f'a quote (") opens a cell on this line that runs on to line {last}; row skipped'
                )
            )
            out += _reread(lines, first, last, sep, shown, header, header_line)
            continue
        out.append(_csv_entry(shown, first, header, header_line, cells, sep))
    return out


def _csv_entry(shown: str, line: int, header: list[str], header_line: int, cells: list[str], sep: str) -> _Entry:
    """One CSV row as an entry, or an unusable one when its cells do not match the header."""
    if len(cells) != len(header):
        word = "cell" if len(cells) == 1 else "cells"
        shown_sep = "tab" if sep == "\t" else f"'{sep}'"
        return _unusable(
            shown,
            line,
            "",
            f"this row has {len(cells)} {word} but the header on line {header_line} has {len(header)}; row skipped",
            f"Give every row one cell per column ({', '.join(h for h in header if h)}). "
            f'A {shown_sep} inside a cell needs the cell in double quotes, e.g. "Smith{sep} Ana".',
        )
    row = {name: unprotect(cell) for name, cell in zip(header, cells)}  # as a spreadsheet-safe writer wrote it
    return _Entry(shown, line, {name: row.get(name) for name in COLUMNS})


def _header_problem(header: list[str], shown: str, line: int) -> Problem | None:
    example = (
        "The first line names the columns: rater,item,rating (and optionally quiz,timestamp), "
        "for example:\n        rater,item,rating\n        Ana Ruiz,cp1-01,III"
    )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if len(missing) == len(REQUIRED_COLUMNS):
        return Problem(shown, line, "", "the first line is not a header (no rater, item or rating column)", example)
    if missing:
        names = " and ".join(f"'{m}'" for m in missing)
        found = ", ".join(h for h in header if h)
        guesses = []
        for name in missing:
            near = difflib.get_close_matches(name, [h for h in header if h not in COLUMNS], n=1, cutoff=0.6)
            guesses += [f"'{near[0]}' for '{name}'"] if near else []
        guess = f"Did you mean {', '.join(guesses)}? " if guesses else ""
        word = "column" if len(missing) == 1 else "columns"
        return Problem(shown, line, "", f"the header has no {names} {word} (found: {found})", guess + example)
    repeated = sorted({h for h in header if h in COLUMNS and header.count(h) > 1})
    if repeated:
        return Problem(
            shown,
            line,
            "",
            f"the header names the column '{repeated[0]}' twice",
            "Name each column once: rater,item,rating (and optionally quiz,timestamp).",
        )
    return None


class _Obj(dict):
    """A JSON object that remembers where it starts in the text."""

    offset: int = 0


class _Arr(list):
    """A JSON array that remembers where each element starts."""

    offsets: list[int]


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _json_int(text: str) -> int | str:
    """A JSON integer; one too long to be a number anyone meant is kept as its text (a cell that
    is then reported on its row), instead of failing the whole file."""
    return int(text) if len(text) <= 100 else text


_DECODER = json.JSONDecoder(parse_int=_json_int)


def _skip_space(text: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON white space."""
    match = _WHITESPACE.match(text, i)
    return match.end() if match else i


def _parse_json(text: str, i: int = 0, depth: int = 3) -> tuple[Any, int]:
    """Parse one JSON value at ``i`` keeping the start offset of every object and array element.

    ``json`` gives no positions, and a problem must name the line of the response it is about.
    The outer ``depth`` levels (a list of raters, a rater, their responses) are walked here;
    anything deeper is handed to ``json``'s own fast decoder. Only called on text that
    ``json.loads`` has accepted, so it need not report syntax errors.
    """
    i = _skip_space(text, i)
    char = text[i]
    if depth == 0 or char not in "{[" or (depth == 1 and char == "{"):
        # An object this deep (a response) needs no positions inside it: json's C decoder reads it.
        return _DECODER.raw_decode(text, i)
    if char == "{":
        obj = _Obj()
        obj.offset = i
        i = _skip_space(text, i + 1)
        if text[i] == "}":
            return obj, i + 1
        while True:
            key, i = scanstring(text, i + 1)
            i = _skip_space(text, i) + 1  # past ':'
            obj[key], i = _parse_json(text, i, depth - 1)
            i = _skip_space(text, i)
            if text[i] == "}":
                return obj, i + 1
            i = _skip_space(text, i + 1)  # past ','
    arr = _Arr()
    arr.offsets = []
    i = _skip_space(text, i + 1)
    if text[i] == "]":
        return arr, i + 1
    while True:
        i = _skip_space(text, i)
        arr.offsets.append(i)
        value, i = _parse_json(text, i, depth - 1)
        arr.append(value)
        i = _skip_space(text, i)
        if text[i] == "]":
            return arr, i + 1
        i += 1  # past ','


def _describe(value: Any) -> str:
    return describe(value, mapping="an object")  # JSON's word for a mapping


def _as_text(value: Any) -> str | None:
    """A JSON cell as text: numbers are fine (3 -> '3'), null is an empty cell; else None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value
    return None


JSON_HINT = (
    'A response file in JSON holds {"rater": "Ana Ruiz", "quiz": "...", "responses": '
    '[{"item": "cp1-01", "rating": "III"}, ...]}, or a list of such objects.'
)


def _read_json(text: str, shown: str) -> list[_Entry | Problem]:
    try:
        json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        return [
            Problem(
                shown,
                exc.lineno,
                "",
                f"the file is not valid JSON ({exc.msg})",
                "Look for a missing comma, quote or bracket on this line or the one before. " + JSON_HINT,
            )
        ]
    except RecursionError:
        return [Problem(shown, 1, "", "the file is not valid JSON (nested too deeply)", JSON_HINT)]
    data, _ = _parse_json(text)
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    if isinstance(data, _Obj):
        blocks, offsets = [data], [data.offset]
    elif isinstance(data, _Arr):
        blocks, offsets = list(data), data.offsets
    else:
        return [
            Problem(
                shown,
                line_at(0),
                "",
                f"expected a JSON object or a list of objects, found {_describe(data)}",
                JSON_HINT,
            )
        ]

    out: list[_Entry | Problem] = []
    for number, (block, offset) in enumerate(zip(blocks, offsets), start=1):
        line = line_at(offset)
        if not isinstance(block, dict):
            out.append(
                _unusable(
                    shown, line, "", f"entry {number} is {_describe(block)}, not an object; row skipped", JSON_HINT
                )
            )
            continue
        if "responses" not in block:  # a flat row: {"rater": ..., "item": ..., "rating": ...}
            out.append(_json_entry(shown, line, block, {}))
            continue
        responses = block["responses"]
        if not isinstance(responses, _Arr):  # every JSON array at this depth was parsed as an _Arr
            out.append(
                _unusable(
                    shown,
                    line,
                    "responses",
                    f"expected a list of responses, found {_describe(responses)}; row skipped",
                    JSON_HINT,
                )
            )
            continue
        outer = {name: block.get(name) for name in ("rater", "quiz", "timestamp") if name in block}
        for n, (response, at) in enumerate(zip(responses, responses.offsets), start=1):
            line = line_at(at)
            if not isinstance(response, dict):
                out.append(
                    _unusable(
                        shown,
                        line,
                        "",
                        f"response {n} is {_describe(response)}, not an object; row skipped",
                        'Write each response as an object, e.g. {"item": "cp1-01", "rating": "III"}.',
                    )
                )
                continue
            out.append(_json_entry(shown, line, response, outer))
    return out


def _json_entry(shown: str, line: int, response: dict, outer: dict) -> _Entry:
    cells: dict[str, str | None] = {}
    for name in COLUMNS:
        if name in response:
            value = response[name]
        elif name in outer:
            value = outer[name]
        else:
            cells[name] = None
            continue
        if type(value) is str:
            cells[name] = value
            continue
        text = _as_text(value)
        if text is None:
            return _unusable(
                shown,
                line,
                name,
                f"expected text, found {_describe(value)}; row skipped",
                f'Write the {name} as text in quotes, e.g. "{_EXAMPLES[name]}".',
            )
        cells[name] = text
    return _Entry(shown, line, cells)


_EXAMPLES = {
    "rater": "Ana Ruiz",
    "item": "cp1-01",
    "rating": "III",
    "quiz": "cp1-customer-relations",
    "timestamp": "2025-03-04T10:15:00",
}


# --------------------------------------------------------------------------------------------
# Checking entries against the quiz and its scale


@dataclass
class _Scale:
    ids: list[str]
    labels: list[str]

    def lookup(self) -> dict[str, str]:
        return level_lookup(self.ids, self.labels)

    def describe(self) -> str:
        return ", ".join(self.ids)


def level_lookup(ids: Sequence[str], labels: Sequence[str]) -> dict[str, str]:
    """How a rating may be written: folded level id or label -> level id (ids win over a label
    written the same way). Look a rating up as ``written.strip().casefold()``."""
    table = {label.strip().casefold(): level for level, label in zip(ids, labels)}
    table.update({level.casefold(): level for level in ids})
    return table


def _scale_of(catalog: Catalog, quiz: Quiz) -> _Scale:
    framework = catalog.frameworks[quiz.framework]
    return _Scale([lv.id for lv in framework.scale], [lv.label for lv in framework.scale])


def _listing(ids: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _checked_arguments(
    paths: Iterable[Path | str],
    catalog: Catalog | None = None,
    quiz_id: str | None = None,
    levels: Sequence[str] | None = None,
) -> tuple[list[Path | str], list[str] | None]:
    """The paths as a list and the levels tidied, or ValueError for a misuse of the API."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    if levels is not None:
        if catalog is not None or quiz_id is not None:
            raise ValueError(
                "read_responses: pass levels= or catalog=/quiz_id=, not both; "
                "levels= reads responses that belong to no quiz."
            )
        levels = [str(level).strip() for level in levels]
        folded = [level.casefold() for level in levels]
        if len(levels) < 2 or "" in levels or len(set(folded)) != len(folded):
            raise ValueError(
                f"read_responses: levels must be two or more distinct level ids, lowest first, "
                f"got {levels!r}; e.g. levels=['I', 'II', 'III', 'IV']."
            )
    elif catalog is None:
        raise ValueError(
            "read_responses: pass catalog= (from load_catalog) to read against a quiz, "
            "or levels=['I', 'II', ...] to read ratings on a scale of your own."
        )
    elif quiz_id is not None and quiz_id not in catalog.quizzes:
        raise ValueError(
            f"read_responses: no quiz '{quiz_id}' in the catalog; "
            f"its quizzes: {', '.join(sorted(catalog.quizzes)) or 'none'}."
        )

    return paths, (list(levels) if levels is not None else None)


def read_responses(
    paths: Iterable[Path | str],
    catalog: Catalog | None = None,
    quiz_id: str | None = None,
    levels: Sequence[str] | None = None,
) -> ResponseSet:
    """Read response files (or folders of them) and check every row against the quiz and scale.

    Give ``catalog`` (and optionally ``quiz_id``) to read against a quiz, or ``levels`` (level
    ids, lowest first) to accept any item on that scale without a key. See the module
    docstring for the formats and the rules, and :mod:`raterkit.columnar` for how a million
    rows are read in seconds.
    """
    from .columnar import read_columnar

    paths, levels = _checked_arguments(paths, catalog, quiz_id, levels)
    segments: list[Any] = []
    files = _expand(paths)
    shown = _shown_all([path for path, problem in files if problem is None])
    for path, problem in files:
        segments += [problem] if problem else _segments_of_file(path, shown[path])
    outcome, problems, read, chunk_paths = read_columnar(segments, catalog, quiz_id, levels)
    chosen = outcome.chosen
    item_code, item_names = outcome.item
    if levels is not None:
        items = list(item_names)
        key = None
    elif chosen is not None and catalog is not None:
        quiz = catalog.quizzes[chosen]
        items = [item.id for item in quiz.items]
        key = {item.id: item.reference for item in quiz.items}
    else:
        items, key = [], {}
    at = {item: i for i, item in enumerate(items)}
    rater_code, raters = outcome.rater
    kept = _Kept(
        rater=rater_code,
        raters=raters,
        item=np.array([at[name] for name in item_names] + [-1], dtype=np.int64)[item_code],
        level=outcome.level,
        quiz=outcome.quiz,
        timestamp=outcome.timestamp,
        path=outcome.path,
        paths=chunk_paths,
        line=outcome.line,
    )
    n_kept = len(outcome.kept)
    return ResponseSet(
        rows=None,
        problems=problems,
        read=read,
        kept=n_kept,
        skipped=read - n_kept,
        level_ids=outcome.level_ids,
        level_labels=outcome.level_labels,
        items=items,
        key=key,
        quiz=chosen,
        spans_quizzes=outcome.spans,
        notes=_near_duplicates_by_column(kept, {s.path for s in segments if getattr(s, "rows_not_lines", False)}),
        columns=kept,
    )


def _segments_of_file(path: Path, shown: str) -> list[Any]:
    """A file's rows as chunks of columns, and its problems as a whole file, in order."""
    from .columnar import Chunk, read_csv_fast, read_json_fast, read_parquet

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return [read_parquet(path, shown)]
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if raw:
        if suffix == ".csv" or (suffix != ".json" and raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"[")):
            chunk = read_csv_fast(raw, shown)
        else:
            chunk = read_json_fast(raw, shown)
        if chunk is not None:
            return [chunk]
    out: list[Any] = []
    entries: list[_Entry] = []

    def flush() -> None:
        if entries:
            chunk = Chunk(shown, np.array([e.line for e in entries], dtype=np.int64), {})
            chunk.columns = {name: [e.cells.get(name) for e in entries] for name in COLUMNS}
            chunk.pre = {n: e.problem for n, e in enumerate(entries) if e.problem is not None}
            out.append(chunk)
            entries.clear()

    for event in _read_file(path, shown):
        if isinstance(event, Problem):
            flush()
            out.append(event)
        else:
            entries.append(event)
    flush()
    return out


def _near_duplicates_by_column(kept: _Kept, rows_not_lines: set[str]) -> list[Problem]:
    """:func:`_near_duplicate_raters` on the raters' names and the first row of each."""
    from .columnar import in_rows

    if not kept.raters:
        return []
    _, first = np.unique(kept.rater, return_index=True)
    firsts = [
        ResponseRow(name, "", "", None, None, kept.paths[kept.path[at]], int(kept.line[at]))
        for name, at in zip(kept.raters, first.tolist())
    ]
    return [in_rows(note, rows_not_lines) for note in _near_duplicate_raters(firsts)]


def _read_one_by_one(
    paths: Iterable[Path | str],
    catalog: Catalog | None = None,
    quiz_id: str | None = None,
    levels: Sequence[str] | None = None,
) -> ResponseSet:
    """:func:`read_responses` a row at a time, every file read line by line: the reference the
    columnar reading is tested against (tests/test_columnar.py)."""
    paths, levels = _checked_arguments(paths, catalog, quiz_id, levels)
    events: list[_Entry | Problem] = []
    for path, problem in _expand(paths):
        events += [problem] if problem else _read_file(path)
    entries = [e for e in events if isinstance(e, _Entry)]
    verdict: dict[int, Problem | ResponseRow] = {}

    # 1. The cells every row needs, and which quiz each row's item belongs to.
    item_quiz: dict[str, str] = {}
    if catalog is not None:
        scope = [quiz_id] if quiz_id else list(catalog.quizzes)
        item_quiz = {item.id: qid for qid in scope for item in catalog.quizzes[qid].items}
        everywhere = {item.id: qid for qid, quiz in catalog.quizzes.items() for item in quiz.items}
        folded_items = {item.casefold(): item for item in item_quiz}
    resolved: dict[int, tuple[str, str, str | None]] = {}  # entry -> (rater, item, quiz)
    for n, entry in enumerate(entries):
        if entry.problem:
            verdict[n] = entry.problem
            continue
        blank = [name for name in REQUIRED_COLUMNS if not (entry.cells.get(name) or "").strip()]
        if blank:
            verdict[n] = _blank(entry, blank)
            continue
        rater = (entry.cells["rater"] or "").strip()
        item = (entry.cells["item"] or "").strip()
        quiz_of_item: str | None = None
        if catalog is not None:
            item = item if item in item_quiz else folded_items.get(item.casefold(), item)
            if item not in item_quiz:
                verdict[n] = _unknown_item(entry, item, catalog, quiz_id, everywhere)
                continue
            quiz_of_item = item_quiz[item]
            named = (entry.cells.get("quiz") or "").strip()
            if named and named.casefold() != quiz_of_item.casefold():
                verdict[n] = Problem(
                    entry.path,
                    entry.line,
                    "quiz",
                    f"item '{item}' belongs to quiz '{quiz_of_item}', not '{named}'; row skipped",
                    "Check the quiz and item cells of this row: one of them is wrong.",
                )
                continue
        resolved[n] = (rater, item, quiz_of_item)

    # 2. One quiz, one scale.
    spans: list[str] = []
    chosen: str | None = quiz_id
    if catalog is not None and quiz_id is None:
        counts: dict[str, int] = {}
        for _, _, qid in resolved.values():
            if qid is not None:  # with a catalog every kept row has its item's quiz
                counts[qid] = counts.get(qid, 0) + 1
        if len(counts) == 1:
            chosen = next(iter(counts))
        elif len(counts) > 1:
            spans = list(counts)
    if levels is not None:
        scale = _Scale(list(levels), list(levels))
    elif chosen is not None and catalog is not None:
        scale = _scale_of(catalog, catalog.quizzes[chosen])
    else:
        scale = _Scale([], [])
    lookup = scale.lookup()

    # 3. Ratings on the scale, and one rating per rater and item (the first is kept).
    first_seen: dict[tuple[str, str], ResponseRow] = {}
    spans_problem: Problem | None = None
    for n, (rater, item, qid) in resolved.items():
        entry = entries[n]
        if spans:
            if spans_problem is None and qid != spans[0]:
                spans_problem = _spans(entry, spans, resolved)
            continue
        written = (entry.cells["rating"] or "").strip()
        level = lookup.get(written.casefold())
        if level is None:
            verdict[n] = _not_a_level(entry, written, scale)
            continue
        earlier = first_seen.get((rater, item))
        if earlier is not None:
            where = f"line {earlier.line}" if earlier.path == entry.path else f"{earlier.path}:{earlier.line}"
            verdict[n] = Problem(
                entry.path,
                entry.line,
                "item",
                f"'{rater}' already rated '{item}' on {where}; row skipped",
                "Each rater rates each item once, and the first rating is kept. Delete the repeat, "
                "or correct the rater or item if it belongs to someone or something else.",
            )
            continue
        timestamp = (entry.cells.get("timestamp") or "").strip() or None
        named_quiz = qid if qid is not None else ((entry.cells.get("quiz") or "").strip() or None)
        row = ResponseRow(rater, item, level, named_quiz, timestamp, entry.path, entry.line)
        first_seen[(rater, item)] = row
        verdict[n] = row

    problems: list[Problem] = []
    rows: list[ResponseRow] = []
    numbered = iter(range(len(entries)))
    for event in events:
        if isinstance(event, Problem):
            problems.append(event)
            continue
        outcome = verdict.get(next(numbered))
        if isinstance(outcome, Problem):
            problems.append(outcome)
        elif isinstance(outcome, ResponseRow):
            rows.append(outcome)
    if spans_problem is not None:
        problems.append(spans_problem)

    if levels is not None:
        items = list(dict.fromkeys(row.item for row in rows))
        key = None
    elif chosen is not None and catalog is not None:
        quiz = catalog.quizzes[chosen]
        items = [item.id for item in quiz.items]
        key = {item.id: item.reference for item in quiz.items}
    else:
        items, key = [], {}
    return ResponseSet(
        rows=rows,
        problems=problems,
        read=len(entries),
        kept=len(rows),
        skipped=len(entries) - len(rows),
        level_ids=list(scale.ids),
        level_labels=list(scale.labels),
        items=items,
        key=key,
        quiz=chosen,
        spans_quizzes=spans,
        notes=_near_duplicate_raters(rows),
    )


def _near_duplicate_raters(rows: list[ResponseRow]) -> list[Problem]:
    """Rater names that differ only in case or inner spacing ('Ana', 'ana', 'ANA') are kept apart,
    since raterkit cannot know they are one person, but the user is told, with the lines."""
    spellings: dict[str, dict[str, ResponseRow]] = {}
    for row in rows:
        spellings.setdefault(" ".join(row.rater.casefold().split()), {}).setdefault(row.rater, row)
    notes = []
    for names in spellings.values():
        if len(names) > 1:
            first = list(names.values())
            where = ", ".join(f"'{name}' {row.path}:{row.line}" for name, row in names.items())
            notes.append(
                Problem(
                    first[0].path,
                    first[0].line,
                    "rater",
                    f"{len(names)} rater names differ only in case or spacing, so they are scored as "
                    f"{len(names)} raters: {where}",
                    "If they are one person, write the name the same way in every row.",
                )
            )
    return notes


def _blank(entry: _Entry, blank: list[str]) -> Problem:
    names = " and ".join(blank) if len(blank) < 3 else "rater, item and rating"
    if all(entry.cells.get(name) is None for name in blank):  # JSON: the key is not there at all
        what = f"no {names} given"
    else:
        what = f"the {names} cell{'s are' if len(blank) > 1 else ' is'} empty"
    fill = f"fill in the {names}" if len(blank) == 1 else "fill them in"
    return Problem(
        entry.path,
        entry.line,
        blank[0],
        f"{what}; row skipped",
        f"Every row needs a rater, an item and a rating; {fill} or delete the row.",
    )


def _unknown_item(
    entry: _Entry, item: str, catalog: Catalog, quiz_id: str | None, everywhere: dict[str, str]
) -> Problem:
    if quiz_id is not None:
        ids = [i.id for i in catalog.quizzes[quiz_id].items]
        elsewhere = everywhere.get(item) or everywhere.get(
            next((i for i in everywhere if i.casefold() == item.casefold()), "")
        )
        if elsewhere:
            return Problem(
                entry.path,
                entry.line,
                "item",
                f"'{item}' is an item of quiz '{elsewhere}', not of '{quiz_id}'; row skipped",
                f"Score quiz '{elsewhere}' separately (--quiz {elsewhere}), or remove these rows.",
            )
        message = f"quiz '{quiz_id}' has no item '{item}'; row skipped"
    else:
        ids = list(everywhere)
        message = f"no quiz has an item '{item}'; row skipped"
    near = difflib.get_close_matches(item, ids, n=1, cutoff=0.6)
    guess = f"Did you mean '{near[0]}'? " if near else ""
    scope = f"Items of quiz '{quiz_id}'" if quiz_id else "Known items"
    return Problem(entry.path, entry.line, "item", message, f"{guess}{scope}: {_listing(ids)}.")


def _not_a_level(entry: _Entry, written: str, scale: _Scale) -> Problem:
    if scale.labels != scale.ids:
        hint = f"Write a level id or its label, e.g. {scale.ids[-1]} or {scale.labels[-1]}."
    else:
        hint = f"Write one of: {scale.describe()}."
    return Problem(
        entry.path,
        entry.line,
        "rating",
        f"'{written}' is not a level of this scale ({scale.describe()}); row skipped",
        hint,
    )


def _spans(entry: _Entry, spans: list[str], resolved: dict) -> Problem:
    counts = {qid: 0 for qid in spans}
    for _, _, qid in resolved.values():
        counts[qid] += 1
    listed = ", ".join(f"'{qid}' ({n} row{'s' if n != 1 else ''})" for qid, n in counts.items())
    return Problem(
        entry.path,
        entry.line,
        "item",
        f"the rows belong to {len(spans)} quizzes: {listed}; no row was kept",
        f"Each quiz has its own scale and is scored on its own: name one with --quiz, "
        f"e.g. --quiz {spans[0]}, and the rows of the others are skipped.",
    )
