"""Read response files a column at a time: a million ratings in seconds, with every promise kept.

:func:`raterkit.responses.read_responses` reads through here. The rules are the ones the module
docstring of :mod:`raterkit.responses` states; this module only changes how fast they are applied:

* **Reading.** A CSV file goes to pyarrow's CSV reader (multi-threaded C++) when it is plain:
  UTF-8 throughout, no double quote anywhere, no carriage return except in CRLF line ends, no
  NUL, no line longer than a response row can be, and a header the reader accepts. Each such
  line is exactly one row, so every row keeps its line number. Lines that do not have one cell
  per column (blank lines, Excel's rows of empty cells, rows with a cell too many or too few)
  are read one by one in Python, as before. Any other file (quoted cells, stray quotes, bad
  bytes, huge lines, JSON) is read by the line-by-line reader in :mod:`raterkit.responses`,
  which pins every problem to its line; its rows then join the others here. Parquet files
  (archives) are read with pyarrow and their rows are numbered ("row 12"), since Parquet has
  no lines.
* **Checking.** The checks run on whole columns: each distinct cell text (a few dozen items and
  levels, one name per rater) is looked up once in Python, with the very same ``strip``,
  ``casefold`` and :func:`raterkit.csvcells.unprotect` as before, and numpy spreads the answers
  over the rows. Only the rows that fail a check are looked at one by one, to word their
  problem exactly as the line-by-line reader does.

Why pyarrow: measured on 1,000,000 rows (66 MB) on a 2-core machine, pyarrow's reader parsed
the file in about 0.3 s where the ``csv`` module took 3.5 s and the old row-by-row reading 38 s;
pyarrow is also what reads Parquet, so one library does both (Apache-2.0). polars and DuckDB
read CSV as fast but would add a second engine for no gain here; pandas' pyarrow engine is this
same reader with a DataFrame around it.

:func:`raterkit.responses._read_one_by_one` keeps the row-at-a-time checks; the tests run both on generated clean and
dirty files and require identical results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .csvcells import unprotect
from .errors import Problem

if TYPE_CHECKING:
    import pyarrow as pa

    from .catalog import Catalog

__all__ = ["Chunk", "read_columnar"]

#: The columns a chunk carries, in this order.
_NAMES = ("rater", "item", "rating", "quiz", "timestamp")


@dataclass
class Chunk:
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
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)[start:]
    try:
        for at in range(0, len(view), _BLOCK):
            decoder.decode(view[at : at + _BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _per_line_counts(buf: np.ndarray, starts: np.ndarray, sep: int) -> tuple[np.ndarray, np.ndarray]:
    """Per line (lines start at ``starts``; bytes before the first are not counted): how many
    separators, and how many bytes that may be white space (anything but a line end that is not
    surely printable: a line with no other byte may be blank). A block at a time."""
    seps = np.zeros(len(starts), dtype=np.int64)
    plain = np.zeros(len(starts), dtype=np.int64)
    for at in range(0, len(buf), _BLOCK):
        block = buf[at : at + _BLOCK]
        seps += _per_line(np.flatnonzero(block == sep) + at, starts)
        maybe_space = ((block <= 32) | (block >= 128) | (block == sep)) & (block != 10)
        plain += _per_line(np.flatnonzero(maybe_space) + at, starts)
    return seps, plain


def read_csv_fast(raw: bytes, shown: str) -> Chunk | None:
    """The rows of a plain CSV file (see the module docstring), or None to read it line by line."""
    from .responses import MAX_ROW_CHARS, _csv_entry, _header_problem, _separator

    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if b'"' in raw or b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
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
    cells = header_text.split(sep)
    if not any(cell.strip() for cell in cells):
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
    count, plain = _per_line_counts(buf, data_starts, sep_byte)
    solid = (data_stops - data_starts) - plain
    regular = (count == len(header) - 1) & (solid > 0)
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
            columns[name] = _unprotected(table.column(name).combine_chunks()) if name in wanted else None
    else:
        columns = {name: [] if name in wanted else None for name in _NAMES}
    chunk = Chunk(shown, numbers[regular], _filled(columns, n_regular))
    if regular.all():
        return chunk

    # The other lines, one by one, as the line-by-line reader reads them.
    odd = Chunk(shown, np.zeros(0, dtype=np.int64), {name: [] for name in _NAMES})
    odd_lines: list[int] = []
    for s, e, number in zip(data_starts[~regular].tolist(), data_stops[~regular].tolist(), numbers[~regular].tolist()):
        row = raw[s:e].decode("utf-8").removesuffix("\r").split(sep)
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


def read_json_fast(raw: bytes, shown: str) -> Chunk | None:
    """The rows of a JSON file as the quiz page writes it (one rater's object with a list of
    responses, every cell text), or None to read it with the line-by-line reader.

    Each response's line is where its ``{`` is: when the file has exactly one ``{`` per object
    (none inside a text), the braces found in the text are the objects, in order."""
    from .responses import _DECODER, COLUMNS

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
    return Chunk(shown, lines, columns)


def _arrow_csv(body: Any, sep: str, width: int, wanted: dict[str, int]) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    for name, at in wanted.items():
        names[at] = name
    table = pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            include_columns=list(wanted),
            strings_can_be_null=False,
        ),
    )
    return table


def _unprotected(array: pa.Array) -> pa.Array:
    """``unprotect`` applied to every cell, once per distinct text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = array.dictionary_encode()
    texts = encoded.dictionary.to_pylist()
    fixed = [unprotect(t) for t in texts]
    if fixed == texts:
        return array
    return pc.take(pa.array(fixed, type=pa.string()), encoded.indices)


def _filled(columns: dict[str, Any], n: int) -> dict[str, Any]:
    """Columns the file does not have are all None."""
    return {name: [None] * n if col is None else col for name, col in columns.items()}


def _merged(a: Chunk, b: Chunk) -> Chunk:
    """Two chunks of one file as one, in line order."""
    import pyarrow as pa

    lines = np.concatenate((a.lines, b.lines))
    order = np.argsort(lines, kind="stable")
    columns = {}
    for name in _NAMES:
        both = pa.concat_arrays([_as_arrow(a.columns[name]), _as_arrow(b.columns[name])])
        columns[name] = both.take(pa.array(order))
    where = {int(i): n for n, i in enumerate(order.tolist())}
    pre = {where[i]: p for i, p in a.pre.items()} | {where[len(a) + i]: p for i, p in b.pre.items()}
    return Chunk(a.path, lines[order], columns, pre)


def _as_arrow(column: Any) -> pa.Array:
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    if isinstance(column, pa.Array):
        return column
    return pa.array(column, type=pa.string())


def read_parquet(path: Path, shown: str) -> Chunk | Problem:
    """The rows of a Parquet file (the CSV's columns, names in any case), numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .responses import REQUIRED_COLUMNS

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        return Problem(
            shown,
            None,
            "",
            f"the file cannot be read as Parquet ({str(exc).splitlines()[0][:200]})",
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
            f"the file has no {listed} column{'s' if len(missing) > 1 else ''} (found: {', '.join(table.column_names)})",
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
    return Chunk(shown, lines, columns, rows_not_lines=True)


# --------------------------------------------------------------------------------------------
# Checking every row


def _joined_lines(chunks: Sequence[Chunk]) -> np.ndarray:
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
class Codes:
    """A column as codes into its distinct texts; -1 for a row with no cell (None)."""

    codes: np.ndarray
    texts: list[str]


def _codes(chunks: Sequence[Chunk], name: str) -> Codes:
    import pyarrow as pa

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
    joined = pa.concat_arrays([p.cast(pa.string()) for p in pieces])
    encoded = joined.dictionary_encode()
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return Codes(indices, encoded.dictionary.to_pylist())


def _per_text(codes: Codes, values: list[Any], missing: Any) -> np.ndarray:
    """values[code] for every row (``missing`` where the row has no cell)."""
    table = np.array([*values, missing])
    return table[codes.codes]  # -1 picks ``missing``


@dataclass
class Outcome:
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


def check(
    chunks: list[Chunk],
    catalog: Catalog | None,
    quiz_id: str | None,
    levels: list[str] | None,
) -> Outcome:
    """Every rule of :func:`raterkit.responses.read_responses`, applied to whole columns."""
    from .responses import (
        REQUIRED_COLUMNS,
        _blank,
        _Entry,
        _not_a_level,
        _Scale,
        _scale_of,
        _spans,
        _unknown_item,
    )

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
    """Codes 0, 1, ... in the order the ids first appear, and the ids in that order."""
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
) -> Outcome:
    return Outcome(
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


def read_columnar(
    segments: list[Chunk | Problem], catalog: Catalog | None, quiz_id: str | None, levels: list[str] | None
) -> tuple[Outcome, list[Problem], int, list[str]]:
    """Check the rows of ``segments`` (chunks of rows, and problems of whole files, in reading
    order): the outcome, every problem in reading order, the number of rows read, and the paths."""
    chunks = [s for s in segments if isinstance(s, Chunk)]
    outcome = check(chunks, catalog, quiz_id, levels)
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
        ordered = [in_rows(p, rows_not_lines) for p in ordered]
    return outcome, ordered, at, [c.path for c in chunks]


def in_rows(problem: Problem, paths: set[str]) -> Problem:
    """The problem counted in rows when it is about a file that has no lines (Parquet)."""
    if problem.path in paths and problem.line:
        return replace(problem, unit="row")
    return problem
