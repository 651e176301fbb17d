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

How a million rows are read in seconds, every rule above kept:

* **Reading.** A CSV file goes to pyarrow's CSV reader (multi-threaded C++) when it is plain:
  UTF-8 throughout, no carriage return except in CRLF line ends, no NUL, no line longer than a
  response row can be, a header the reader accepts, and every quote closed on its own line.
  Each line is then exactly one row, so every row keeps its line number. pyarrow reads the
  lines that have one cell per column and no quote; the others (blank lines, Excel's rows of
  empty cells, rows with a cell too many or too few, rows with a quoted cell) are read one by
  one with the csv module, as before. Any other file (a quote that may run on over lines,
  bad bytes, huge lines) is read line by line by ``_read_file``, which pins every problem to
  its line; its rows then join the others. JSON files as the quiz page writes them (one rater, a list of
  responses, every cell text, one brace per object) are read in one pass each, the line of
  each response found from its brace; other JSON goes line by line too. Parquet files
  (archives) are read with pyarrow; their rows are numbered from 1 and their problems say
  "row 12", since Parquet has no lines.
* **Checking.** The checks run on whole columns: each distinct cell text (a few dozen items and
  levels, one name per rater) is looked up once, with the very same ``strip``, ``casefold``
  and :func:`raterkit.csvcells.unprotect`, and numpy spreads the answers over the rows. Only
  the rows that fail a check are looked at one by one, to word their problem exactly as
  before. The kept rows are held by column; ``ResponseSet.rows`` builds the row objects only
  when asked.

Why pyarrow: on the million-row file (66 MB), every column read as text, best of three each,
pyarrow 24 parsed it in 0.06 s, polars 2.1 in 0.05 s, DuckDB 2.0 (into Arrow) in 0.32 s and
Python's ``csv`` module in 2.6 s; the whole old row-by-row reading took 14 s (2 s now). Parsing
is no longer what costs, so the choice is pyarrow: it also reads Parquet, so one library
(Apache-2.0) does both, where polars would add a second engine for 0.01 s. pandas' pyarrow
engine is this same reader with a DataFrame around it.

``_read_one_by_one`` keeps the row-at-a-time checks as the reference: tests/test_columnar.py
reads generated clean and dirty files both ways and requires identical results.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import difflib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .checks import listed, missing, shown_path
from .csvcells import unprotect
from .errors import Problem, describe

if TYPE_CHECKING:
    from .catalog import Catalog
    from .model import Quiz

# pyarrow's own allocator (mimalloc) keeps what it freed for pyarrow alone: the columns of a large
# file, once coded, would then still hold their memory while the checks and statistics run. The
# system allocator hands it back (a million rows: 0.67 GB at the peak instead of 0.74 GB, as fast).
pa.set_memory_pool(pa.system_memory_pool())
#: A column of texts coded by a dictionary of its distinct texts.
_TEXT_CODES = pa.dictionary(pa.int32(), pa.string())

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
#: A Parquet file whose data unpacks to more than this is refused (a million ratings take about 70 MB).
MAX_PARQUET_BYTES = 2**30
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
            failed = end + 1  # the next line: the lines the reader ran on over are read again
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

    paths, levels = _checked_arguments(paths, catalog, quiz_id, levels)
    segments: list[Any] = []
    files = _expand(paths)
    shown = _shown_all([path for path, problem in files if problem is None])
    for path, problem in files:
        segments += [problem] if problem else _segments_of_file(path, shown[path])
    outcome, problems, read, chunk_paths = _read_columnar(segments, catalog, quiz_id, levels)
    chosen = outcome.chosen
    item_code, item_names = outcome.item
    items, key = _items_and_key(list(item_names), levels, chosen, catalog)
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

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return [_read_parquet(path, shown)]
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if raw:
        if suffix == ".csv" or (suffix != ".json" and raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"[")):
            chunk = _read_csv_fast(raw, shown)
        else:
            chunk = _read_json_fast(raw, shown)
        if chunk is not None:
            return [chunk]
    out: list[Any] = []
    entries: list[_Entry] = []

    def flush() -> None:
        if entries:
            chunk = _Chunk(shown, np.array([e.line for e in entries], dtype=np.int64), {})
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

    if not kept.raters:
        return []
    _, first = np.unique(kept.rater, return_index=True)
    firsts = [
        ResponseRow(name, "", "", None, None, kept.paths[kept.path[at]], int(kept.line[at]))
        for name, at in zip(kept.raters, first.tolist())
    ]
    return [_in_rows(note, rows_not_lines) for note in _near_duplicate_raters(firsts)]


def _items_and_key(
    seen: list[str], levels: Sequence[str] | None, chosen: str | None, catalog: Catalog | None
) -> tuple[list[str], dict[str, str] | None]:
    """The items of a response set and their reference levels: the chosen quiz's, or with
    ``levels=`` the items the rows name (``seen``, in order) and no key."""
    if levels is not None:
        return seen, None
    if chosen is not None and catalog is not None:
        quiz = catalog.quizzes[chosen]
        return [item.id for item in quiz.items], {item.id: item.reference for item in quiz.items}
    return [], {}


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

    items, key = _items_and_key(list(dict.fromkeys(row.item for row in rows)), levels, chosen, catalog)
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


# --------------------------------------------------------------------------------------------
# Reading by column: plain CSV with pyarrow, quiz-page JSON in one pass, Parquet; checks on whole columns

#: The columns a chunk carries, in this order.
_NAMES = ("rater", "item", "rating", "quiz", "timestamp")


@dataclass
class _Chunk:
    """Rows of one file, by column: text or None (no such cell) per row, and each row's line.

    A column is a Python list or a pyarrow string array. ``pre`` holds the problem of each row
    that was unusable as read (its cells are None)."""

    path: str
    lines: Any  # an array of line numbers, or a list (many small files are joined into one array)
    columns: dict[str, Any]
    pre: dict[int, Problem] = field(default_factory=dict)
    rows_not_lines: bool = False

    def __len__(self) -> int:
        return len(self.lines)


# --------------------------------------------------------------------------------------------
# Reading one file


def _per_line(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many of ``positions`` fall in each line (lines start at ``starts``; earlier ones
    are not counted)."""
    line = np.searchsorted(starts, positions, side="right") - 1
    return np.bincount(line[line >= 0], minlength=len(starts))[: len(starts)]


#: Bytes looked at in one go: bounds the temporary arrays (a few times this) on a large file.
_BLOCK = 1 << 23


def _is_utf8(raw: bytes, start: int) -> bool:
    """Whether ``raw[start:]`` is UTF-8 text, decoded a block at a time (no copy of the whole)."""

    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)[start:]
    try:
        for at in range(0, len(view), _BLOCK):
            decoder.decode(view[at : at + _BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _per_line_counts(buf: np.ndarray, starts: np.ndarray, sep: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line (lines start at ``starts``; bytes before the first are not counted): how many
    separators, how many bytes that may be white space (anything but a line end that is not
    surely printable: a line with no other byte may be blank) and how many double quotes. A
    block at a time."""
    seps = np.zeros(len(starts), dtype=np.int64)
    plain = np.zeros(len(starts), dtype=np.int64)
    quotes = np.zeros(len(starts), dtype=np.int64)
    for at in range(0, len(buf), _BLOCK):
        block = buf[at : at + _BLOCK]
        seps += _per_line(np.flatnonzero(block == sep) + at, starts)
        maybe_space = ((block <= 32) | (block >= 128) | (block == sep)) & (block != 10)
        plain += _per_line(np.flatnonzero(maybe_space) + at, starts)
        quotes += _per_line(np.flatnonzero(block == 34) + at, starts)
    return seps, plain, quotes


def _line_cells(line: str, sep: str) -> list[str] | None:
    """The cells of one line read as a row of its own, as the csv module reads it, or None when
    a quote could make the row run on over the next lines (an unclosed quoted cell) or is out
    of place (text after a closing quote): those files are read line by line."""
    if '"' not in line:
        return line.split(sep)
    try:
        rows = list(csv.reader([line], delimiter=sep, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _read_csv_fast(raw: bytes, shown: str) -> _Chunk | None:
    """The rows of a plain CSV file (see the module docstring), or None to read it line by line."""

    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    if not _is_utf8(raw, bom):
        return None
    buf = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.concatenate(([bom], ends + 1))
    stops = np.concatenate((ends, [len(raw)]))
    if raw.endswith(b"\n"):  # the text after the last line end is no line
        starts, stops = starts[:-1], stops[:-1]
    if len(starts) and int((stops - starts).max()) > MAX_ROW_CHARS:
        return None  # a byte count over the limit may still be few characters: let the precise reader say
    # The header: the first line that is not blank.
    first = None
    for n in range(len(starts)):
        line = raw[starts[n] : stops[n]].decode("utf-8")
        if line.strip():
            first = n
            break
    if first is None:
        return None
    header_text = raw[starts[first] : stops[first]].decode("utf-8").removesuffix("\r")
    sep = _separator(header_text)
    cells = _line_cells(header_text, sep)
    if cells is None or not any(cell.strip() for cell in cells):
        return None
    header = [cell.strip().lower() for cell in cells]
    while header and not header[-1]:
        header.pop()
    if _header_problem(header, shown, first + 1) is not None:
        return None
    header_line = first + 1
    sep_byte = ord(sep)

    # Which data lines are regular: one cell per column and something that is not white space.
    data_starts, data_stops = starts[first + 1 :], stops[first + 1 :]
    count, plain, quotes = _per_line_counts(buf, data_starts, sep_byte)
    solid = (data_stops - data_starts) - plain
    regular = (count == len(header) - 1) & (solid > 0) & (quotes == 0)
    numbers = np.arange(first + 2, first + 2 + len(data_starts), dtype=np.int64)

    wanted = {name: header.index(name) for name in _NAMES if name in header}
    columns: dict[str, Any] = {}
    body: Any
    if regular.all():
        body = memoryview(raw)[int(data_starts[0]) :] if len(data_starts) else b""
    else:
        pieces, at = [], int(data_starts[0])
        for k in np.flatnonzero(~regular).tolist():  # the runs of regular lines between the others
            pieces.append(raw[at : int(data_starts[k])])
            at = int(data_stops[k]) + 1
        body = b"".join([*pieces, raw[at:]])
    n_regular = int(regular.sum())
    if n_regular:
        table = _arrow_csv(body, sep, len(header), wanted)
        if table.num_rows != n_regular:  # pragma: no cover - the lines were counted above
            return None
        for name in _NAMES:
            columns[name] = _unprotected(_as_arrow(table.column(name))) if name in wanted else None
    else:
        columns = {name: [] if name in wanted else None for name in _NAMES}
    chunk = _Chunk(shown, numbers[regular], _filled(columns, n_regular))
    if regular.all():
        return chunk

    # The other lines, one by one, as the line-by-line reader reads them.
    odd = _Chunk(shown, np.zeros(0, dtype=np.int64), {name: [] for name in _NAMES})
    odd_lines: list[int] = []
    for s, e, number in zip(data_starts[~regular].tolist(), data_stops[~regular].tolist(), numbers[~regular].tolist()):
        row = _line_cells(raw[s:e].decode("utf-8").removesuffix("\r"), sep)
        if row is None:
            return None  # a quote that may run on over other lines: the line-by-line reader says
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and not any(cell.strip() for cell in row[len(header) :]):
            row = row[: len(header)]
        entry = _csv_entry(shown, number, header, header_line, row, sep)
        if entry.problem is not None:
            odd.pre[len(odd_lines)] = entry.problem
        for name in _NAMES:
            odd.columns[name].append(entry.cells.get(name))
        odd_lines.append(number)
    odd.lines = np.array(odd_lines, dtype=np.int64)
    return _merged(chunk, odd)


_MISSING = object()


def _read_json_fast(raw: bytes, shown: str) -> _Chunk | None:
    """The rows of a JSON file as the quiz page writes it (one rater's object with a list of
    responses, every cell text), or None to read it with the line-by-line reader.

    Each response's line is where its ``{`` is: when the file has exactly one ``{`` per object
    (none inside a text), the braces found in the text are the objects, in order."""

    try:
        text = (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
        data = _DECODER.decode(text)
    except (ValueError, RecursionError):
        return None
    if type(data) is not dict or type(data.get("responses")) is not list:
        return None
    responses = data["responses"]
    # One brace per object: nothing nested in a response or beside the list, no brace in a text.
    if text.count("{") != 1 + len(responses) or text.count("}") != 1 + len(responses):
        return None
    if not all(type(r) is dict for r in responses):
        return None
    columns: dict[str, Any] = {}
    n = len(responses)
    keys = set().union(*responses)
    for name in COLUMNS:
        default = data[name] if name in data and name in ("rater", "quiz", "timestamp") else _MISSING
        if name not in keys:  # the rater and quiz of a quiz-page file: one value for every response
            column = [default] * n
            kinds = {type(default)} if n else set()
        else:
            column = [r.get(name, default) for r in responses]
            kinds = set(map(type, column))
        if not kinds <= {str}:
            if not kinds <= {str, object}:
                return None  # numbers, null, true/false, lists: the line-by-line reader words them
            column = [None if v is _MISSING else v for v in column]
        columns[name] = column
    # The line of each response's brace: the line ends before the outer object's brace, then
    # those in the text between one brace and the next.
    between = text.split("{")[1:-1]
    head = text[: text.index("{")].count("\n") + 1
    lines = list(accumulate(part.count("\n") for part in between))
    lines = [head + n for n in lines]
    return _Chunk(shown, lines, columns)


def _arrow_csv(body: Any, sep: str, width: int, wanted: dict[str, int]) -> pa.Table:

    names = [f"c{i}" for i in range(width)]
    for name, at in wanted.items():
        names[at] = name
    table = pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            # Coded as read: a column of a million cells holds each distinct text once.
            column_types={name: _TEXT_CODES for name in names},
            include_columns=list(wanted),
            strings_can_be_null=False,
        ),
    )
    return table


def _unprotected(array: pa.Array) -> pa.Array:
    """``unprotect`` applied to every cell, once per distinct text."""

    if pa.types.is_dictionary(array.type):
        texts = array.dictionary.to_pylist()
        fixed = [unprotect(t) for t in texts]
        if fixed == texts:
            return array
        return pa.DictionaryArray.from_arrays(array.indices, pa.array(fixed, type=pa.string()))
    encoded = array.dictionary_encode()
    texts = encoded.dictionary.to_pylist()
    fixed = [unprotect(t) for t in texts]
    if fixed == texts:
        return array
    return pc.take(pa.array(fixed, type=pa.string()), encoded.indices)


def _filled(columns: dict[str, Any], n: int) -> dict[str, Any]:
    """Columns the file does not have are all None."""
    return {name: [None] * n if col is None else col for name, col in columns.items()}


def _merged(a: _Chunk, b: _Chunk) -> _Chunk:
    """Two chunks of one file as one, in line order."""

    lines = np.concatenate((a.lines, b.lines))
    order = np.argsort(lines, kind="stable")
    columns = {}
    for name in _NAMES:
        both = pa.concat_arrays([_as_arrow(a.columns[name]).cast(pa.string()), _as_arrow(b.columns[name])])
        columns[name] = both.take(pa.array(order))
    where = {int(i): n for n, i in enumerate(order.tolist())}
    pre = {where[i]: p for i, p in a.pre.items()} | {where[len(a) + i]: p for i, p in b.pre.items()}
    return _Chunk(a.path, lines[order], columns, pre)


def _as_arrow(column: Any) -> pa.Array:

    if isinstance(column, pa.ChunkedArray):
        # Concatenating (not combine_chunks) unifies the chunks' dictionaries of coded columns.
        return pa.concat_arrays(column.chunks) if column.num_chunks else pa.array([], type=column.type)
    if isinstance(column, pa.Array):
        return column
    return pa.array(column, type=pa.string())


def _read_parquet(path: Path, shown: str) -> _Chunk | Problem:
    """The rows of a Parquet file (the CSV's columns, names in any case), numbered from 1."""

    try:
        archive = pq.ParquetFile(path)
        meta = archive.metadata
        unpacked = sum(meta.row_group(g).total_byte_size for g in range(meta.num_row_groups))
        if unpacked > MAX_PARQUET_BYTES:  # a small file may unpack to far more than memory holds
            return Problem(
                shown,
                None,
                "",
                f"the file unpacks to {unpacked / 2**20:,.0f} MB, more than raterkit reads from one "
                f"file ({MAX_PARQUET_BYTES // 2**20:,} MB)",
                "Split the archive into smaller files (by year or by quiz) and name their folder.",
            )
        found = archive.schema_arrow.names
        wanted = [name for name in found if name.strip().lower() in _NAMES]
        table = archive.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        return Problem(
            shown,
            None,
            "",
            f"the file cannot be read as Parquet ({reason})",
            "Write the file again with pandas (DataFrame.to_parquet) or pyarrow, or save the responses as CSV.",
        )
    names = {name.strip().lower(): name for name in reversed(table.column_names)}
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        listed = " and ".join(f"'{m}'" for m in missing)
        return Problem(
            shown,
            None,
            "",
            f"the file has no {listed} column{'s' if len(missing) > 1 else ''} (found: {', '.join(found)})",
            "A response file has the columns rater, item and rating (and optionally quiz and timestamp).",
        )
    columns: dict[str, Any] = {}
    for name in _NAMES:
        if name not in names:
            columns[name] = [None] * table.num_rows
            continue
        column = table.column(names[name]).combine_chunks()
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if not (
            pa.types.is_string(column.type)
            or pa.types.is_large_string(column.type)
            or pa.types.is_integer(column.type)
            or pa.types.is_temporal(column.type)
            or pa.types.is_null(column.type)
        ):
            return Problem(
                shown,
                None,
                name,
                f"the column holds {column.type}, not text",
                f"Write the {name} column as text.",
            )
        columns[name] = column.cast(pa.string())
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return _Chunk(shown, lines, columns, rows_not_lines=True)


# --------------------------------------------------------------------------------------------
# Checking every row


def _joined_lines(chunks: Sequence[_Chunk]) -> np.ndarray:
    """Every chunk's line numbers in one array (runs of lists joined first: one array, not one
    per small file)."""
    pieces: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    pending: list[int] = []
    for chunk in chunks:
        if isinstance(chunk.lines, list):
            pending += chunk.lines
            continue
        if pending:
            pieces.append(np.array(pending, dtype=np.int64))
            pending = []
        pieces.append(np.asarray(chunk.lines, dtype=np.int64))
    pieces.append(np.array(pending, dtype=np.int64))
    return np.concatenate(pieces)


@dataclass
class _Codes:
    """A column as codes into its distinct texts; -1 for a row with no cell (None)."""

    codes: np.ndarray
    texts: list[str]


def _coded(piece: pa.Array) -> pa.Array:
    """A column as texts coded by a dictionary (as the CSV reader gives them), without a copy
    of the texts when it is one already."""
    if piece.type == _TEXT_CODES:
        return piece
    return piece.cast(pa.string()).dictionary_encode()


def _codes(chunks: Sequence[_Chunk], name: str) -> _Codes:

    pieces: list[pa.Array] = []
    pending: list[Any] = []
    for chunk in chunks:
        column = chunk.columns[name]
        if isinstance(column, list):
            pending += column
            continue
        if pending:
            pieces.append(pa.array(pending, type=pa.string()))
            pending = []
        pieces.append(_as_arrow(column))
    if pending or not pieces:
        pieces.append(pa.array(pending, type=pa.string()))
    encoded = pa.concat_arrays([_coded(p) for p in pieces])  # one dictionary for all
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return _Codes(indices, encoded.dictionary.to_pylist())


def _per_text(codes: _Codes, values: list[Any], missing: Any) -> np.ndarray:
    """values[code] for every row (``missing`` where the row has no cell)."""
    table = np.array([*values, missing])
    return table[codes.codes]  # -1 picks ``missing``


@dataclass
class _Outcome:
    """What checking found: a problem per skipped row, the kept rows by column, and the scale."""

    problems: dict[int, Problem]  # entry index -> problem, for rows skipped with one
    kept: np.ndarray  # entry indices kept, in order
    rater: tuple[np.ndarray, list[str]]  # per kept row: codes into the names (first appearance order)
    item: tuple[np.ndarray, list[str]]
    level: np.ndarray  # level position per kept row
    quiz: list[str | None]
    timestamp: list[str | None]
    path: np.ndarray  # path index per kept row
    line: np.ndarray
    chosen: str | None
    spans: list[str]
    spans_problem: Problem | None
    level_ids: list[str]
    level_labels: list[str]


def _check_columns(
    chunks: list[_Chunk],
    catalog: Catalog | None,
    quiz_id: str | None,
    levels: list[str] | None,
) -> _Outcome:
    """Every rule of :func:`raterkit.responses.read_responses`, applied to whole columns."""

    n = sum(len(c) for c in chunks)
    paths = [c.path for c in chunks]
    path_of = np.repeat(np.arange(len(chunks), dtype=np.int64), [len(c) for c in chunks])
    line_of = _joined_lines(chunks)
    rows_not_lines = {c.path for c in chunks if c.rows_not_lines}
    offsets = np.cumsum([0] + [len(c) for c in chunks])
    pre: dict[int, Problem] = {}
    for k, chunk in enumerate(chunks):
        pre.update({int(offsets[k]) + i: p for i, p in chunk.pre.items()})
    cols = {name: _codes(chunks, name) for name in _NAMES}
    for chunk in chunks:  # every cell is coded now: a million rows' texts need not be held twice
        chunk.columns = {}

    def entry(i: int) -> _Entry:
        cells = {}
        for name in _NAMES:
            code = cols[name].codes[i]
            cells[name] = None if code < 0 else cols[name].texts[code]
        return _Entry(paths[path_of[i]], int(line_of[i]), cells)

    problems: dict[int, Problem] = dict(pre)
    alive = np.ones(n, dtype=bool)
    if pre:
        alive[list(pre)] = False

    # 1. Blank cells.
    stripped = {
        name: [t.strip() for t in cols[name].texts] for name in ("rater", "item", "rating", "quiz", "timestamp")
    }
    blank_of = {name: _per_text(cols[name], [not s for s in stripped[name]], True) for name in REQUIRED_COLUMNS}
    blank = alive & (blank_of["rater"] | blank_of["item"] | blank_of["rating"])
    for i in np.flatnonzero(blank).tolist():
        e = entry(i)
        problems[i] = _blank(e, [name for name in REQUIRED_COLUMNS if blank_of[name][i]])
    alive &= ~blank

    # 2. Known items, and the quiz each belongs to.
    item_texts = stripped["item"]
    item_quiz: dict[str, str] = {}
    everywhere: dict[str, str] = {}
    if catalog is not None:
        scope = [quiz_id] if quiz_id else list(catalog.quizzes)
        item_quiz = {item.id: qid for qid in scope for item in catalog.quizzes[qid].items}
        everywhere = {item.id: qid for qid, quiz in catalog.quizzes.items() for item in quiz.items}
        folded_items = {item.casefold(): item for item in item_quiz}
        item_texts = [t if t in item_quiz else folded_items.get(t.casefold(), t) for t in item_texts]
        known = _per_text(cols["item"], [t in item_quiz for t in item_texts], False)
        for i in np.flatnonzero(alive & ~known).tolist():
            problems[i] = _unknown_item(entry(i), item_texts[cols["item"].codes[i]], catalog, quiz_id, everywhere)
        alive &= known
        # The quiz cell, when there is one, must name the item's quiz.
        quiz_names = sorted(set(item_quiz.values()))
        qid_code = _per_text(
            cols["item"], [quiz_names.index(item_quiz[t]) if t in item_quiz else -1 for t in item_texts], -1
        )
        named = stripped["quiz"]
        quiz_code = cols["quiz"].codes
        width = len(quiz_names) + 1
        pairs = np.unique(quiz_code[alive] * width + qid_code[alive])
        wrong = np.zeros(n, dtype=bool)
        for q, k in zip((pairs // width).tolist(), (pairs % width).tolist()):
            if q >= 0 and named[q] and named[q].casefold() != quiz_names[k].casefold():
                wrong |= alive & (quiz_code == q) & (qid_code == k)
        for i in np.flatnonzero(wrong).tolist():
            item = item_texts[cols["item"].codes[i]]
            problems[i] = Problem(
                paths[path_of[i]],
                int(line_of[i]),
                "quiz",
                f"item '{item}' belongs to quiz '{item_quiz[item]}', not '{named[cols['quiz'].codes[i]]}'; row skipped",
                "Check the quiz and item cells of this row: one of them is wrong.",
            )
        alive &= ~wrong
    else:
        qid_code = np.full(n, -1, dtype=np.int64)
        quiz_names = []

    # 3. One quiz, one scale.
    spans: list[str] = []
    chosen = quiz_id
    spans_problem: Problem | None = None
    resolved = np.flatnonzero(alive)
    if catalog is not None and quiz_id is None and len(resolved):
        found, first_at = np.unique(qid_code[resolved], return_index=True)
        in_order = [quiz_names[q] for q in found[np.argsort(first_at)].tolist()]
        if len(in_order) == 1:
            chosen = in_order[0]
        else:
            spans = in_order
    if levels is not None:
        scale = _Scale(list(levels), list(levels))
    elif chosen is not None and catalog is not None:
        scale = _scale_of(catalog, catalog.quizzes[chosen])
    else:
        scale = _Scale([], [])
    if spans:
        first_other = next(i for i in resolved.tolist() if quiz_names[qid_code[i]] != spans[0])
        # _spans counts rows per quiz from (rater, item, quiz) triples; only the quiz is read.
        triples = {i: (None, None, quiz_names[qid_code[i]]) for i in resolved.tolist()}
        spans_problem = _spans(entry(first_other), spans, triples)
        none = np.zeros(0, dtype=np.int64)
        return _outcome(
            problems, none, (none, []), (none, []), none, [], [], path_of, line_of, chosen, spans, spans_problem, scale
        )

    # 4. Ratings on the scale.
    lookup = scale.lookup()
    position = {level: p for p, level in enumerate(scale.ids)}
    level_of_text = [position.get(lookup.get(t.casefold(), ""), -1) for t in stripped["rating"]]
    level = _per_text(cols["rating"], level_of_text, -1)
    for i in np.flatnonzero(alive & (level < 0)).tolist():
        problems[i] = _not_a_level(entry(i), stripped["rating"][cols["rating"].codes[i]], scale)
    alive &= level >= 0

    # 5. One rating per rater and item: the first is kept.
    rater_names = stripped["rater"]
    rater_id_of: dict[str, int] = {}
    rater_ids = [rater_id_of.setdefault(t, len(rater_id_of)) for t in rater_names]
    rater = _per_text(cols["rater"], rater_ids, -1)
    item_id_of: dict[str, int] = {}
    item_ids = [item_id_of.setdefault(t, len(item_id_of)) for t in item_texts]
    item = _per_text(cols["item"], item_ids, -1)
    candidates = np.flatnonzero(alive)
    pair = rater[candidates] * max(len(item_id_of), 1) + item[candidates]
    _, first_index, inverse = np.unique(pair, return_index=True, return_inverse=True)
    first_of = candidates[first_index][inverse.ravel()]
    repeat = first_of != candidates
    for i, earlier in zip(candidates[repeat].tolist(), first_of[repeat].tolist()):
        here, there = paths[path_of[i]], paths[path_of[earlier]]
        unit = "row" if there in rows_not_lines else "line"
        where = f"{unit} {line_of[earlier]}" if here == there else f"{there}:{line_of[earlier]}"
        problems[i] = Problem(
            here,
            int(line_of[i]),
            "item",
            f"'{rater_names[cols['rater'].codes[i]]}' already rated '{item_texts[cols['item'].codes[i]]}' on {where}; row skipped",
            "Each rater rates each item once, and the first rating is kept. Delete the repeat, "
            "or correct the rater or item if it belongs to someone or something else.",
        )
    kept = candidates[~repeat]

    rater_by_id = list(rater_id_of)
    item_by_id = list(item_id_of)
    rater_code, raters = _first_appearance(rater[kept])
    item_code, items = _first_appearance(item[kept])
    stamps = np.array([s or None for s in stripped["timestamp"]] + [None], dtype=object)
    if catalog is not None:
        quiz_col: list[str | None] = [chosen] * len(kept)
    else:
        quizzes = np.array([s or None for s in stripped["quiz"]] + [None], dtype=object)
        quiz_col = quizzes[cols["quiz"].codes[kept]].tolist()
    return _outcome(
        problems,
        kept,
        (rater_code, [rater_by_id[r] for r in raters]),
        (item_code, [item_by_id[i] for i in items]),
        level[kept],
        quiz_col,
        stamps[cols["timestamp"].codes[kept]].tolist(),
        path_of,
        line_of,
        chosen,
        spans,
        spans_problem,
        scale,
    )


def _first_appearance(ids: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """_Codes 0, 1, ... in the order the ids first appear, and the ids in that order."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64), []
    found, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found))
    return rank[inverse.ravel()], found[order].tolist()


def _outcome(
    problems: dict[int, Problem],
    kept: np.ndarray,
    rater: tuple[np.ndarray, list[str]],
    item: tuple[np.ndarray, list[str]],
    level: np.ndarray,
    quiz: list[str | None],
    timestamp: list[str | None],
    path_of: np.ndarray,
    line_of: np.ndarray,
    chosen: str | None,
    spans: list[str],
    spans_problem: Problem | None,
    scale: Any,
) -> _Outcome:
    return _Outcome(
        problems=problems,
        kept=kept,
        rater=rater,
        item=item,
        level=level,
        quiz=quiz,
        timestamp=timestamp,
        path=path_of[kept],
        line=line_of[kept],
        chosen=chosen,
        spans=spans,
        spans_problem=spans_problem,
        level_ids=list(scale.ids),
        level_labels=list(scale.labels),
    )


def _read_columnar(
    segments: list[_Chunk | Problem], catalog: Catalog | None, quiz_id: str | None, levels: list[str] | None
) -> tuple[_Outcome, list[Problem], int, list[str]]:
    """Check the rows of ``segments`` (chunks of rows, and problems of whole files, in reading
    order): the outcome, every problem in reading order, the number of rows read, and the paths."""
    chunks = [s for s in segments if isinstance(s, _Chunk)]
    outcome = _check_columns(chunks, catalog, quiz_id, levels)
    ordered: list[Problem] = []
    row_problems = sorted(outcome.problems.items())
    at = taken = 0
    for segment in segments:
        if isinstance(segment, Problem):
            ordered.append(segment)
            continue
        at += len(segment)
        while taken < len(row_problems) and row_problems[taken][0] < at:
            ordered.append(row_problems[taken][1])
            taken += 1
    if outcome.spans_problem is not None:
        ordered.append(outcome.spans_problem)
    rows_not_lines = {c.path for c in chunks if c.rows_not_lines}
    if rows_not_lines:
        ordered = [_in_rows(p, rows_not_lines) for p in ordered]
    return outcome, ordered, at, [c.path for c in chunks]


def _in_rows(problem: Problem, paths: set[str]) -> Problem:
    """The problem counted in rows when it is about a file that has no lines (Parquet)."""
    if problem.path in paths and problem.line:
        return replace(problem, unit="row")
    return problem
