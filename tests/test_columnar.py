"""Reading by column gives what reading row by row gives, problem for problem.

``read_responses`` reads plain CSV files with pyarrow and checks whole columns at once;
``_read_one_by_one`` is the row-at-a-time reader it replaced, kept as the reference. Generated
files, clean and dirty (stray quotes, bad bytes, blank and Excel-empty rows, wrong cell counts,
formula-protected cells, near-duplicate raters, repeats, other quizzes' items), must give equal
ResponseSets (rows, problems, counts, notes) and equal matrices both ways. Parquet archives and
folders of trainee files are read too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit import responses as responses_module
from raterkit.errors import Problem
from raterkit.load import Catalog
from raterkit.responses import ResponseSet, _read_one_by_one, read_responses


def same_both_ways(paths: list, **how) -> ResponseSet:
    fast = read_responses(paths, **how)
    slow = _read_one_by_one(paths, **how)
    assert fast.problems == slow.problems
    assert fast.rows == slow.rows
    assert fast == slow
    assert fast.notes == slow.notes
    assert fast.read == fast.kept + fast.skipped
    if fast.rows:
        for a, b in zip(fast.matrix(), slow.matrix()):
            assert np.array_equal(np.asarray(a), np.asarray(b))
    return fast


# --------------------------------------------------------------------------------------------
# Generated files: the two readers agree

RATERS = [
    "Ana",
    "ana",
    "Ana ",
    " Ana",
    "Bo",
    "Bo  Chen",
    "bo chen",
    "'=Cy",
    "=Cy",
    "'-Di",
    "",
    " ",
    "Ed",
    'Fay "F" Ode',
    "Ruiz, Ana",
]
ITEMS = ["q1", "q2", "q3", "q4", "q5", "Q1", " q2 ", "m1", "m2", "x9", "", "'q3", "'=q4"]
RATINGS = ["I", "ii", "Level III", " iv ", "LEVEL IV", "V", "", "below", "Target", "'I", "'=I", "3"]
QUIZZES = ["", "demo", "DEMO", "mini", "other"]
STAMPS = ["", "2026-03-10T11:32:00", " 2026-03-10 "]

cell_rows = st.lists(
    st.tuples(
        st.sampled_from(RATERS),
        st.sampled_from(ITEMS),
        st.sampled_from(RATINGS),
        st.sampled_from(QUIZZES),
        st.sampled_from(STAMPS),
    ),
    max_size=25,
)
# Lines that are not a plain row: blank, Excel's empty rows, too many or too few cells, quotes,
# a stray quote, bytes that are not UTF-8, a lone carriage return, a very long line.
ODD_LINES = [
    b"",
    b"   ",
    b",,,,",
    b";;;;",
    b"Ana,q1",
    b"Ana,q1,I,demo,2026,extra",
    b"Ana,q1,I,,,,",
    b'"Ruiz, Ana",q2,II,,',
    b'Bo,"q3",III,,',
    b'Cy "the" Third,q4,IV,,',
    b'"Di,q5,II,,',
    b"Ed\xff,q1,I,,",
    b"Fay,q1,I\r,,",
    b"G" * 10_050 + b",q1,I,,",
]


@st.composite
def csv_files(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    columns = draw(st.permutations(["rater", "item", "rating", "quiz", "timestamp"]))
    columns = [c for c in columns if c in ("rater", "item", "rating") or draw(st.booleans())]
    quoting = draw(st.sampled_from([0.0, 0.0, 0.2, 1.0]))  # share of cells written in quotes

    def cell(text: str) -> str:
        quoted = draw(st.floats(0, 1)) < quoting
        return '"' + text.replace('"', '""') + '"' if quoted else text

    header = sep.join(cell(c.upper() if draw(st.booleans()) else c) for c in columns)
    lines = [header.encode()]
    for rater, item, rating, quiz, stamp in draw(cell_rows):
        cells = {"rater": rater, "item": item, "rating": rating, "quiz": quiz, "timestamp": stamp}
        lines.append(sep.join(cell(cells[c]) for c in columns).encode())
    if draw(st.booleans()):  # dirty: odd lines in random places
        for line in draw(st.lists(st.sampled_from(ODD_LINES), max_size=4)):
            lines.insert(draw(st.integers(0, len(lines))), line.replace(b",", sep.encode()))
    end = b"\r\n" if draw(st.booleans()) else b"\n"
    body = end.join(lines) + (end if draw(st.booleans()) else b"")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + body


@st.composite
def json_files(draw) -> bytes:
    answers = []
    for _, item, rating, _, stamp in draw(cell_rows):
        answer: dict = {"item": item, "rating": rating}
        if stamp:
            answer["timestamp"] = stamp
        if draw(st.integers(0, 9)) == 0:
            answer["rating"] = draw(st.sampled_from([3, None, True, ["I"], "I"]))
        answers.append(answer)
    shape = draw(st.sampled_from(["one", "list", "flat"]))
    rater = draw(st.sampled_from(RATERS))
    quiz = draw(st.sampled_from(QUIZZES))
    data: object
    if shape == "one":
        data = {"rater": rater, "quiz": quiz, "responses": answers}
    elif shape == "list":
        data = [{"rater": rater, "responses": answers[:3]}, {"rater": "Bo", "responses": answers[3:]}]
    else:
        data = [{"rater": rater, **answer} for answer in answers]
    text = draw(st.sampled_from(["", "\n\n", " \r\n"])) + json.dumps(data, indent=draw(st.sampled_from([None, 2])))
    if draw(st.integers(0, 9)) == 0:
        text = text.replace('"q1"', '"q{1}"')  # a brace inside a text
    return text.encode()


files = st.lists(st.one_of(csv_files(), csv_files(), json_files()), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=files, mode=st.sampled_from(["catalog", "quiz", "levels"]))
def test_generated_files_read_the_same_by_column_and_row_by_row(here, demo, contents, mode):
    read_both_ways(here, demo, contents, mode)


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=files, mode=st.sampled_from(["catalog", "quiz", "levels"]))
def test_many_more_generated_files_read_the_same_both_ways(here, demo, contents, mode):
    read_both_ways(here, demo, contents, mode)


def read_both_ways(here: Path, demo: Catalog, contents: list[bytes], mode: str) -> None:
    paths = []
    for n, body in enumerate(contents):
        path = here / f"f{n}.{'json' if body.lstrip()[:1] in (b'{', b'[') else 'csv'}"
        path.write_bytes(body)
        paths.append(path.name)
    how: dict = {"catalog": {"catalog": demo}, "quiz": {"catalog": demo, "quiz_id": "demo"}}.get(
        mode, {"levels": ["I", "II", "III", "IV"]}
    )
    same_both_ways(paths, **how)


# --------------------------------------------------------------------------------------------
# Which reader reads what


def test_a_plain_csv_is_read_by_column_without_the_line_by_line_reader(here, demo, monkeypatch):
    (here / "plain.csv").write_bytes(b"\xef\xbb\xbfRater;Item;Rating\r\nAna;q1;level i\r\n;;\r\nBo;q9;II\r\n")

    def refuse(*args, **kwargs):
        raise AssertionError("the line-by-line reader was used")

    monkeypatch.setattr(responses_module, "_read_file", refuse)
    rs = read_responses(["plain.csv"], demo)
    assert [(r.rater, r.item, r.rating, r.line) for r in rs.rows] == [("Ana", "q1", "I", 2)]
    assert [p.headline() for p in rs.problems] == ["plain.csv:4: item: no quiz has an item 'q9'; row skipped"]


def test_quoted_cells_on_one_line_are_read_without_the_line_by_line_reader(here, demo, monkeypatch):
    (here / "excel.csv").write_text('"rater";"item";"rating"\n"Ruiz; Ana";q1;I\nBo "B" Ode;"q2";"II"\n')
    monkeypatch.setattr(responses_module, "_read_file", lambda *a, **k: pytest.fail("line-by-line reader used"))
    rs = read_responses(["excel.csv"], demo)
    assert [(r.rater, r.item, r.rating, r.line) for r in rs.rows] == [
        ("Ruiz; Ana", "q1", "I", 2),
        ('Bo "B" Ode', "q2", "II", 3),
    ]


def test_a_csv_with_quoted_cells_is_read_line_by_line_with_the_same_result(here, demo):
    (here / "quoted.csv").write_text('rater,item,rating\n"Ruiz, Ana",q1,I\n"Bo\nx",q2,II\nCy,q3,III\n')
    rs = same_both_ways(["quoted.csv"], catalog=demo)
    assert [r.rater for r in rs.rows] == ["Ruiz, Ana", "Bo\nx", "Cy"]  # a name may break a line


def test_a_quiz_page_json_file_is_read_by_column_with_each_responses_line(here, demo, monkeypatch):
    answers = {
        "rater": "Ana",
        "quiz": "demo",
        "responses": [{"item": "q1", "rating": "I"}, {"item": "q2", "rating": "II"}],
    }
    (here / "ana.json").write_text(json.dumps(answers, indent=2))
    monkeypatch.setattr(responses_module, "_read_file", lambda *a, **k: pytest.fail("line-by-line reader used"))
    rs = read_responses(["ana.json"], demo)
    assert [(r.item, r.line) for r in rs.rows] == [("q1", 5), ("q2", 9)]


def test_rows_are_built_only_when_asked_for_and_the_matrix_needs_none(here, demo):
    (here / "r.csv").write_text("rater,item,rating\nAna,q1,I\nBo,q1,II\nAna,q2,III\n")
    rs = read_responses(["r.csv"], demo)
    assert rs._rows is None
    raters, items, matrix = rs.matrix()
    assert rs._rows is None
    assert raters == ["Ana", "Bo"] and items == ["q1", "q2", "q3", "q4", "q5"]
    assert matrix[:, :2].tolist() == [[0, 2], [1, -1]]


# --------------------------------------------------------------------------------------------
# Folders and Parquet


def test_a_folder_of_trainee_files_reads_like_one_file(here, demo):
    folder = here / "trainees"
    folder.mkdir()
    lines = ["rater,item,rating"]
    for n in range(30):
        answers = [{"item": f"q{i}", "rating": ["I", "II", "III", "IV"][(n + i) % 4]} for i in range(1, 6)]
        (folder / f"t{n:02d}.json").write_text(json.dumps({"rater": f"t{n:02d}", "quiz": "demo", "responses": answers}))
        lines += [f"t{n:02d},{a['item']},{a['rating']}" for a in answers]
    (here / "all.csv").write_text("\n".join(lines) + "\n")
    from_folder = same_both_ways(["trainees"], catalog=demo)
    one_file = read_responses(["all.csv"], demo)
    assert from_folder.read == one_file.read == 150
    assert np.array_equal(from_folder.matrix()[2], one_file.matrix()[2])


def write_parquet(path: Path, **columns) -> None:
    pq.write_table(pa.table(columns), path)


def test_a_parquet_file_reads_like_its_csv_and_its_problems_name_rows(here, demo):
    write_parquet(
        here / "archive.parquet",
        Rater=["Ana", "Ana", "Bo", "Bo", "ana"],
        ITEM=["q1", "q1", "q2", "q9", "q3"],
        rating=["I", "II", "level ii", "I", "III"],
    )
    (here / "archive.csv").write_text("rater,item,rating\nAna,q1,I\nAna,q1,II\nBo,q2,level ii\nBo,q9,I\nana,q3,III\n")
    parquet = read_responses(["archive.parquet"], demo)
    csv = read_responses(["archive.csv"], demo)
    assert [(r.rater, r.item, r.rating) for r in parquet.rows] == [(r.rater, r.item, r.rating) for r in csv.rows]
    assert [r.line for r in parquet.rows] == [1, 3, 5]  # rows counted from the first, as a person would
    assert [p.headline() for p in parquet.problems] == [
        "archive.parquet: row 2: item: 'Ana' already rated 'q1' on row 1; row skipped",
        "archive.parquet: row 4: item: no quiz has an item 'q9'; row skipped",
    ]
    assert parquet.notes and parquet.notes[0].headline().startswith("archive.parquet: row 1: rater:")
    assert parquet.summary_line() == "Read 5 rows: 3 kept, 2 skipped."


def test_parquet_numbers_and_nulls_are_cells_like_the_csvs(here):
    write_parquet(here / "n.parquet", rater=["Ana", None, "Bo"], item=["v1", "v1", "v2"], rating=[1, 2, 5])
    rs = read_responses(["n.parquet"], levels=["1", "2", "3", "4"])
    assert [(r.rater, r.rating) for r in rs.rows] == [("Ana", "1")]
    assert [p.headline() for p in rs.problems] == [
        "n.parquet: row 2: rater: no rater given; row skipped",
        "n.parquet: row 3: rating: '5' is not a level of this scale (1, 2, 3, 4); row skipped",
    ]


def test_a_parquet_file_without_the_columns_or_not_parquet_at_all_is_one_problem(here, demo):
    write_parquet(here / "cols.parquet", name=["Ana"], item=["q1"], level=["I"])
    (here / "fake.parquet").write_text("rater,item,rating\nAna,q1,I\n")
    write_parquet(here / "nested.parquet", rater=["Ana"], item=["q1"], rating=[["I"]])
    rs = read_responses(["cols.parquet", "fake.parquet", "nested.parquet"], demo)
    assert rs.read == 0 and rs.rows == []
    assert rs.problems[0].headline() == (
        "cols.parquet: the file has no 'rater' and 'rating' columns (found: name, item, level)"
    )
    assert rs.problems[1].headline().startswith("fake.parquet: the file cannot be read as Parquet (")
    assert rs.problems[2].headline() == "nested.parquet: rating: the column holds list<element: string>, not text"
    assert all(isinstance(p, Problem) and p.hint for p in rs.problems)


def test_a_folder_reads_parquet_files_beside_csv_and_json(here, demo):
    folder = here / "mixed"
    folder.mkdir()
    write_parquet(folder / "a.parquet", rater=["Ana"], item=["q1"], rating=["I"])
    (folder / "b.csv").write_text("rater,item,rating\nBo,q1,II\n")
    (folder / "c.json").write_text(json.dumps({"rater": "Cy", "responses": [{"item": "q1", "rating": "III"}]}))
    rs = read_responses(["mixed"], demo)
    assert [(r.rater, r.path) for r in rs.rows] == [
        ("Ana", "mixed/a.parquet"),
        ("Bo", "mixed/b.csv"),
        ("Cy", "mixed/c.json"),
    ]


def test_a_stray_quote_before_thousands_of_lines_loses_none_of_them(here, demo):
    # The quote opens a cell that runs on past the csv module's field limit (131,072 characters):
    # that row is skipped and reading goes on from the next line, not from where the csv module
    # gave up (which once lost the ~3,000 rows in between without a word).
    rows = [f"rater{n:05d}-with-a-longish-name,q{n % 5 + 1},I" for n in range(4_000)]
    rows[10] = '"Stray,q1,I'
    (here / "stray.csv").write_text("rater,item,rating\n" + "\n".join(rows) + "\n")
    rs = same_both_ways(["stray.csv"], catalog=demo)
    assert (rs.read, rs.kept, rs.skipped) == (4_000, 3_999, 1)
    assert rs.problems[0].headline().startswith("stray.csv:12: this row cannot be read as CSV (field larger than")


def test_a_parquet_file_that_unpacks_to_too_much_is_refused_before_it_is_read(here, demo, monkeypatch):
    write_parquet(here / "big.parquet", rater=["Ana"] * 1_000, item=["q1"] * 1_000, rating=["I"] * 1_000)
    monkeypatch.setattr(responses_module, "MAX_PARQUET_BYTES", 10)
    rs = read_responses(["big.parquet"], demo)
    assert rs.read == 0
    assert rs.problems[0].headline().startswith("big.parquet: the file unpacks to ")
    assert "more than raterkit reads from one file (0 MB)" in rs.problems[0].message
