"""Reading response files: what a trainer exports is what gets scored, and every bad row is named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.load import Catalog
from raterkit.model import Framework, Quiz
from raterkit.responses import ResponseRow, ResponseSet, read_responses


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def headlines(rs: ResponseSet) -> list[str]:
    return [p.headline() for p in rs.problems]


def assert_counts_add_up(rs: ResponseSet) -> None:
    assert rs.read == rs.kept + rs.skipped
    assert rs.kept == len(rs.rows)
    assert (
        rs.summary_line() == f"Read {rs.read} row{'s' if rs.read != 1 else ''}: {rs.kept} kept, {rs.skipped} skipped."
    )


# --------------------------------------------------------------------------------------------
# Formats


def test_a_plain_csv_reads_into_rows_with_level_ids_and_lines(here, demo):
    write(here, "round1.csv", "rater,item,rating\nAna,q1,I\nAna,q2,Level II\nBo,q1,ii\n")
    rs = read_responses(["round1.csv"], demo)
    assert rs.problems == []
    assert rs.rows == [
        ResponseRow("Ana", "q1", "I", "demo", None, "round1.csv", 2),
        ResponseRow("Ana", "q2", "II", "demo", None, "round1.csv", 3),
        ResponseRow("Bo", "q1", "II", "demo", None, "round1.csv", 4),
    ]
    assert (rs.read, rs.kept, rs.skipped) == (3, 3, 0)
    assert rs.quiz == "demo" and rs.spans_quizzes == []
    assert rs.level_ids == ["I", "II", "III", "IV"]
    assert rs.level_labels == ["Level I", "Level II", "Level III", "Level IV"]
    assert rs.items == ["q1", "q2", "q3", "q4", "q5"]  # the quiz's order, rated or not
    assert rs.key == {"q1": "I", "q2": "II", "q3": "III", "q4": "IV", "q5": "II"}


def test_a_csv_saved_by_excel_loads_as_it_is(here, demo):
    # Excel in a European locale: byte-order mark, CRLF, ';' separators, a quoted ';' in a name.
    raw = '\ufeffRater;Item;Rating;Timestamp\r\nAna;q1;I;2025-03-04 10:15\r\n"Chen; Bo";q2;II;\r\n;;;\r\n'
    write(here, "excel.csv", raw.encode("utf-8"))
    rs = read_responses(["excel.csv"], demo)
    assert rs.problems == []
    assert [(r.rater, r.item, r.rating, r.timestamp, r.line) for r in rs.rows] == [
        ("Ana", "q1", "I", "2025-03-04 10:15", 2),
        ("Chen; Bo", "q2", "II", None, 3),
    ]


def test_tab_separated_columns_in_any_order_with_other_columns_ignored(here, demo):
    write(here, "tabs.csv", "Comment\tRATING\tItem\tQuiz\tRater\nfirst try\tIII\tq3\tdemo\tAna\n")
    rs = read_responses(["tabs.csv"], demo)
    assert rs.problems == []
    assert rs.rows[0] == ResponseRow("Ana", "q3", "III", "demo", None, "tabs.csv", 2)


def test_a_quoted_cell_over_two_lines_keeps_line_numbers_right(here, demo):
    write(here, "multi.csv", 'rater,item,rating\n"Ana\nRuiz",q1,I\nBo,q1,V\n')
    rs = read_responses(["multi.csv"], demo)
    assert rs.rows[0].line == 2 and rs.rows[0].rater == "Ana\nRuiz"
    assert headlines(rs) == ["multi.csv:4: rating: 'V' is not a level of this scale (I, II, III, IV); row skipped"]


def test_the_site_export_in_json_reads_like_the_csv(here, demo):
    export = {
        "rater": "Ana",
        "quiz": "demo",
        "responses": [
            {"item": "q1", "rating": "I", "timestamp": "2025-03-04T10:15:00Z"},
            {"item": "q2", "rating": "level ii"},
        ],
    }
    write(here, "ana.json", json.dumps(export, indent=2))
    rs = read_responses(["ana.json"], demo)
    assert rs.problems == []
    assert [(r.rater, r.item, r.rating, r.quiz, r.timestamp) for r in rs.rows] == [
        ("Ana", "q1", "I", "demo", "2025-03-04T10:15:00Z"),
        ("Ana", "q2", "II", "demo", None),
    ]
    assert [r.line for r in rs.rows] == [5, 10]


def test_a_json_list_of_raters_and_a_list_of_flat_rows_both_load(here, demo):
    blocks = [{"rater": name, "responses": [{"item": "q1", "rating": "I"}]} for name in ("Ana", "Bo")]
    write(here, "blocks.json", json.dumps(blocks))
    flat = [{"rater": "Cy", "item": "q1", "rating": "II"}, {"rater": "Cy", "item": "q2", "rating": 3}]
    write(here, "flat.json", json.dumps(flat, indent=1))
    rs = read_responses(["blocks.json", "flat.json"], demo)
    assert rs.raters() == ["Ana", "Bo", "Cy"]
    assert headlines(rs) == ["flat.json:7: rating: '3' is not a level of this scale (I, II, III, IV); row skipped"]
    assert_counts_add_up(rs)


def test_a_folder_reads_its_csv_and_json_files_in_name_order(here, demo):
    folder = here / "round1"
    folder.mkdir()
    write(folder, "b.json", json.dumps({"rater": "Bo", "responses": [{"item": "q1", "rating": "I"}]}))
    write(folder, "a.CSV", "rater,item,rating\nAna,q1,I\n")
    write(folder, "notes.txt", "not read")
    rs = read_responses([folder], demo)
    assert [(r.rater, r.path) for r in rs.rows] == [("Ana", "round1/a.CSV"), ("Bo", "round1/b.json")]
    assert rs.problems == []


def test_a_single_path_may_be_given_without_a_list(here, demo):
    write(here, "one.csv", "rater,item,rating\nAna,q1,I\n")
    assert read_responses("one.csv", demo).kept == 1


# --------------------------------------------------------------------------------------------
# Files that cannot be read: one problem each, no rows counted


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "latin1.csv",
            "ráter,item,rating\nJosé,q1,I\n".encode("cp1252"),  # no header can be read: the file is refused
            "latin1.csv:1: this line is not UTF-8 text (byte 0xe1 cannot be read)",
        ),
        ("empty.csv", b"", "empty.csv:1: the file is empty"),
        ("blank.json", b"  \n\n", "blank.json:1: the file is empty"),
        (
            "noheader.csv",
            b"Ana,q1,I\n",
            "noheader.csv:1: the first line is not a header (no rater, item or rating column)",
        ),
        (
            "broken.json",
            b'{\n "rater": "Ana",\n "responses": [\n',
            "broken.json:4: the file is not valid JSON (Expecting value)",
        ),
        (
            "text.json",
            b'"just text"',
            "text.json:1: expected a JSON object or a list of objects, found text ('just text')",
        ),
    ],
)
def test_an_unreadable_file_is_one_problem_and_counts_no_rows(here, demo, name, content, expected):
    write(here, name, content)
    write(here, "good.csv", "rater,item,rating\nAna,q1,I\n")
    rs = read_responses([name, "good.csv"], demo)
    assert headlines(rs) == [expected]
    assert rs.problems[0].hint
    assert (rs.read, rs.kept, rs.skipped) == (1, 1, 0)


def test_one_line_that_is_not_utf8_is_skipped_and_every_other_row_kept(here, demo):
    rows = ["rater,item,rating"] + [f"Ana{i},q1,I" for i in range(320)]
    raw = "\n".join(rows).encode("utf-8") + "\nJosé,q2,II\nBo,q3,III\n".encode("cp1252")
    write(here, "mixed.csv", raw)
    rs = read_responses(["mixed.csv"], demo)
    assert headlines(rs) == ["mixed.csv:322: this line is not UTF-8 text (byte 0xe9 cannot be read); row skipped"]
    assert (rs.read, rs.kept, rs.skipped) == (322, 321, 1)


def test_the_not_utf8_hint_says_how_to_save_from_excel(here, demo):
    write(here, "latin1.csv", "rater,item,rating\nJosé,q1,I\n".encode("cp1252"))
    assert "CSV UTF-8" in read_responses(["latin1.csv"], demo).problems[0].hint


def test_missing_paths_and_empty_folders_are_problems_not_crashes(here, demo):
    (here / "empty").mkdir()
    rs = read_responses(["nowhere.csv", "empty"], demo)
    assert headlines(rs) == ["nowhere.csv: no such file or folder", "empty: no .csv or .json files in this folder"]
    assert (rs.read, rs.kept) == (0, 0)


# --------------------------------------------------------------------------------------------
# Bad rows: reported with file, line and field, then skipped; good rows kept


def test_each_kind_of_bad_row_is_named_and_skipped(here, demo):
    write(
        here,
        "round1.csv",
        "\n".join(
            [
                "rater,item,rating",
                "Ana,q1,I",  # 2 kept
                "Ana,q9,II",  # 3 unknown item
                "Ana,q2,IV+",  # 4 not a level
                "Ana,q1,II",  # 5 duplicate of line 2
                ",q3,III",  # 6 blank rater
                "Ana,q4",  # 7 too few cells
                "Ana,q5,II,extra",  # 8 too many cells
                "Ana,q5,II,",  # 9 a trailing empty cell is fine
            ]
        )
        + "\n",
    )
    rs = read_responses(["round1.csv"], demo)
    assert headlines(rs) == [
        "round1.csv:3: item: no quiz has an item 'q9'; row skipped",
        "round1.csv:4: rating: 'IV+' is not a level of this scale (I, II, III, IV); row skipped",
        "round1.csv:5: item: 'Ana' already rated 'q1' on line 2; row skipped",
        "round1.csv:6: rater: the rater cell is empty; row skipped",
        "round1.csv:7: this row has 2 cells but the header on line 1 has 3; row skipped",
        "round1.csv:8: this row has 4 cells but the header on line 1 has 3; row skipped",
    ]
    assert all(p.hint for p in rs.problems)
    assert [(r.item, r.line) for r in rs.rows] == [("q1", 2), ("q5", 9)]
    assert (rs.read, rs.kept, rs.skipped) == (8, 2, 6)


def test_a_duplicate_in_another_file_names_that_file(here, demo):
    write(here, "a.csv", "rater,item,rating\nAna,q1,I\n")
    write(here, "b.csv", "rater,item,rating\nAna,q1,III\n")
    rs = read_responses(["a.csv", "b.csv"], demo)
    assert headlines(rs) == ["b.csv:2: item: 'Ana' already rated 'q1' on a.csv:2; row skipped"]
    assert rs.rows[0].rating == "I"  # the first is kept


def test_a_skipped_first_rating_does_not_block_a_good_second(here, demo):
    write(here, "a.csv", "rater,item,rating\nAna,q1,I+\nAna,q1,I\n")
    rs = read_responses(["a.csv"], demo)
    assert [r.line for r in rs.rows] == [3] and len(rs.problems) == 1


def test_unknown_item_suggests_the_nearest_and_lists_the_quiz(here, demo):
    write(here, "a.csv", "rater,item,rating\nAna,q22,I\n")
    [problem] = read_responses(["a.csv"], demo, quiz_id="demo").problems
    assert problem.headline() == "a.csv:2: item: quiz 'demo' has no item 'q22'; row skipped"
    assert problem.hint == "Did you mean 'q2'? Items of quiz 'demo': q1, q2, q3, q4, q5."


def test_ratings_match_ids_or_labels_in_any_case_with_spaces_around(here, demo):
    write(here, "a.csv", "rater,item,rating\nAna,q1,  level i \nAna,q2,ii\nAna,Q3,LEVEL III\nAna,q4,Iv\n")
    rs = read_responses(["a.csv"], demo)
    assert rs.problems == []
    assert [(r.item, r.rating) for r in rs.rows] == [("q1", "I"), ("q2", "II"), ("q3", "III"), ("q4", "IV")]


def test_a_quiz_cell_that_contradicts_the_item_is_reported(here, demo):
    write(here, "a.csv", "rater,quiz,item,rating\nAna,mini,q1,I\nAna,DEMO,q2,II\n")
    rs = read_responses(["a.csv"], demo)
    assert headlines(rs) == ["a.csv:2: quiz: item 'q1' belongs to quiz 'demo', not 'mini'; row skipped"]
    assert rs.kept == 1


def test_a_header_without_a_required_column_is_one_problem(here, demo):
    write(here, "a.csv", "rater,item,score\nAna,q1,I\n")
    [problem] = read_responses(["a.csv"], demo).problems
    assert problem.headline() == "a.csv:1: the header has no 'rating' column (found: rater, item, score)"
    assert "rater,item,rating" in problem.hint


# --------------------------------------------------------------------------------------------
# JSON: the line of each bad response is the line where its object starts


def test_json_problems_name_the_line_where_the_response_starts(here, demo):
    text = (
        "[\n"  # 1
        '  {"rater": "Ana", "responses": [\n'  # 2
        '    {"item": "q1", "rating": "I"},\n'  # 3
        '    "q2 II",\n'  # 4
        "    {\n"  # 5
        '      "item": "q3",\n'  # 6
        '      "rating": "IV+"\n'  # 7
        '    },   {"item": "q4", "rating": true},\n'  # 8
        '    {"item": "q{5}", "rating": "I"}, {"item": "q5"}\n'  # 9
        "  ]},\n"  # 10
        "  [1, 2],\n"  # 11
        '  {"rater": "Bo", "responses": "none"},\n'  # 12
        '  {"responses": [{"item": "q1", "rating": "I"}]}\n'  # 13
        "]\n"
    )
    write(here, "export.json", text)
    rs = read_responses(["export.json"], demo)
    assert [(p.line, p.field) for p in rs.problems] == [
        (4, ""),
        (5, "rating"),
        (8, "rating"),
        (9, "item"),
        (9, "rating"),
        (11, ""),
        (12, "responses"),
        (13, "rater"),
    ]
    assert rs.problems[0].message == "response 2 is text ('q2 II'), not an object; row skipped"
    assert rs.problems[5].message == "entry 2 is a list, not an object; row skipped"
    assert rs.problems[7].message == "no rater given; row skipped"
    assert (rs.read, rs.kept, rs.skipped) == (9, 1, 8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(st.one_of(st.just("good"), st.just("bad-rating"), st.just("not-object")), min_size=1, max_size=8),
    gaps=st.lists(st.sampled_from(["", " ", "\n", "\n\n", "\r\n", "\t\n  "]), min_size=20, max_size=20),
)
def test_json_lines_are_right_however_the_file_is_laid_out(tmp_path, demo, entries, gaps):
    """Whatever the whitespace, a bad response's line is the line its value starts on."""
    text = "{" + gaps[0] + '"rater": "Ana",' + gaps[1] + '"responses":' + gaps[2] + "["
    expected = []
    for n, kind in enumerate(entries):
        text += gaps[(n + 3) % 20]
        start_line = text.count("\n") + 1
        if kind == "good":
            text += f'{{"item": "q{n % 5 + 1}",{gaps[(n + 7) % 20]}"rating": "I"}}'
        elif kind == "bad-rating":
            text += f'{{{gaps[(n + 11) % 20]}"item": "q{n % 5 + 1}", "rating": "V"}}'
            expected.append(start_line)
        else:
            text += '"nothing"'
            expected.append(start_line)
        text += "," if n < len(entries) - 1 else ""
    text += gaps[19] + "]}"
    path = tmp_path / "layout.json"
    path.write_text(text, encoding="utf-8", newline="")
    rs = read_responses([path], demo)
    duplicates = [p for p in rs.problems if "already rated" in p.message]
    assert [p.line for p in rs.problems if p not in duplicates] == expected
    assert_counts_add_up(rs)


# --------------------------------------------------------------------------------------------
# One quiz, one scale


def test_without_a_quiz_the_items_name_it(here, demo):
    write(here, "desk.csv", "rater,item,rating\nFay,m1,Target\nFay,m2,BELOW\n")
    rs = read_responses(["desk.csv"], demo)
    assert rs.quiz == "mini" and rs.level_ids == ["below", "target", "exemplary"]
    assert [r.rating for r in rs.rows] == ["target", "below"]


def test_rows_spanning_two_quizzes_keep_nothing_and_ask_for_a_quiz(here, demo):
    write(here, "mixed.csv", "rater,item,rating\nAna,q1,I\nAna,q2,II\nAna,m1,target\nAna,zz,I\n")
    rs = read_responses(["mixed.csv"], demo)
    assert rs.spans_quizzes == ["demo", "mini"] and rs.quiz is None
    assert rs.rows == [] and (rs.read, rs.kept, rs.skipped) == (4, 0, 4)
    assert headlines(rs) == [
        "mixed.csv:5: item: no quiz has an item 'zz'; row skipped",
        "mixed.csv:4: item: the rows belong to 2 quizzes: 'demo' (2 rows), 'mini' (1 row); no row was kept",
    ]
    assert "--quiz demo" in rs.problems[-1].hint
    raters, items, matrix = rs.matrix()
    assert (raters, items, matrix.shape) == ([], [], (0, 0))


def test_naming_the_quiz_skips_the_rows_of_other_quizzes(here, demo):
    write(here, "mixed.csv", "rater,item,rating\nAna,q1,I\nAna,m1,target\n")
    rs = read_responses(["mixed.csv"], demo, quiz_id="demo")
    assert headlines(rs) == ["mixed.csv:3: item: 'm1' is an item of quiz 'mini', not of 'demo'; row skipped"]
    assert rs.kept == 1 and rs.quiz == "demo"


def test_ids_win_over_labels_written_the_same_way(here):
    # A scale whose label of one level is the id of another: "2" means the level with id 2.
    framework = Framework.model_validate(
        {
            "id": "odd",
            "title": "Odd",
            "scale": [{"id": "1", "label": "2"}, {"id": "2", "label": "Top"}],
            "competencies": [{"id": "c", "title": "C", "descriptors": {"1": {"overall": ["x"]}}}],
        }
    )
    quiz = Quiz.model_validate(
        {
            "id": "oddq",
            "title": "Odd quiz",
            "items": [
                {
                    "id": "i1",
                    "framework": "odd",
                    "competency": "c",
                    "behaviour": "b",
                    "reference": "1",
                    "rationale": "r",
                    "cites": ["odd/c/1/overall/1"],
                }
            ],
        }
    )
    catalog = Catalog(frameworks={"odd": framework}, quizzes={"oddq": quiz})
    write(here, "a.csv", "rater,item,rating\nAna,i1,2\nBo,i1,top\n")
    rs = read_responses(["a.csv"], catalog)
    assert [r.rating for r in rs.rows] == ["2", "2"]


# --------------------------------------------------------------------------------------------
# A scale of one's own (levels=): any item, no key


def test_levels_accept_any_item_in_first_seen_order_without_a_key(here):
    write(here, "practice.csv", "rater,item,rating\nAna,v2,b\nAna,v1,A\nBo,v2,C\nBo,v3,D\n")
    rs = read_responses(["practice.csv"], levels=["A", "B", "C"])
    assert headlines(rs) == ["practice.csv:5: rating: 'D' is not a level of this scale (A, B, C); row skipped"]
    assert rs.problems[0].hint == "Write one of: A, B, C."
    assert rs.items == ["v2", "v1"] and rs.key is None and rs.quiz is None
    assert rs.level_labels == rs.level_ids == ["A", "B", "C"]
    raters, items, matrix = rs.matrix()
    assert raters == ["Ana", "Bo"]
    assert matrix.tolist() == [[1, 0], [2, -1]]
    with pytest.raises(ValueError, match="needs a key"):
        rs.key_positions()


def test_numbers_in_json_are_ratings_on_a_numbered_scale(here):
    write(
        here, "n.json", json.dumps({"rater": 7, "responses": [{"item": 12, "rating": 3}, {"item": 13, "rating": 2.0}]})
    )
    rs = read_responses(["n.json"], levels=["1", "2", "3"])
    assert [(r.rater, r.item, r.rating) for r in rs.rows] == [("7", "12", "3"), ("7", "13", "2")]


# --------------------------------------------------------------------------------------------
# The matrix and the key, as the scoring engine wants them


def test_matrix_and_key_positions_line_up_with_the_quiz(here, demo):
    write(here, "a.csv", "rater,item,rating\nBo,q3,II\nAna,q1,I\nBo,q1,IV\n")
    rs = read_responses(["a.csv"], demo)
    raters, items, matrix = rs.matrix()
    assert raters == ["Bo", "Ana"] == rs.raters()
    assert items == ["q1", "q2", "q3", "q4", "q5"]
    assert matrix.dtype == np.int64
    assert matrix.tolist() == [[3, -1, 1, -1, -1], [0, -1, -1, -1, -1]]
    assert rs.key_positions().tolist() == [0, 1, 2, 3, 1]


def test_summary_line_says_row_for_one(here, demo):
    write(here, "a.csv", "rater,item,rating\nAna,q1,I\n")
    assert read_responses(["a.csv"], demo).summary_line() == "Read 1 row: 1 kept, 0 skipped."


# --------------------------------------------------------------------------------------------
# Never raise on bad data; raise ValueError on misuse


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".json", ".txt"]))
def test_any_bytes_at_all_give_problems_not_exceptions(tmp_path, demo, content, suffix):
    path = tmp_path / f"anything{suffix}"
    path.write_bytes(b"rater,item,rating\n" + content if suffix == ".csv" else content)
    rs = read_responses([path], demo)
    assert_counts_add_up(rs)
    assert len(rs.problems) >= rs.skipped


def _json_containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    # A named function: hypothesis reads a recursive strategy's source, which a wrapped lambda hides.
    return st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["rater", "item", "rating", "responses", "quiz", "x"]), inner, max_size=4),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False),
            st.text(max_size=5),
            st.sampled_from(["rater", "item", "rating", "responses", "q1", "I"]),
        ),
        _json_containers,
        max_leaves=12,
    )
)
def test_any_json_at_all_gives_problems_not_exceptions(tmp_path, demo, value):
    path = tmp_path / "anything.json"
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")
    rs = read_responses([path], demo)
    assert_counts_add_up(rs)
    assert len(rs.problems) >= rs.skipped


def test_misuse_raises_value_error_naming_the_fix(demo):
    with pytest.raises(ValueError, match="catalog="):
        read_responses(["a.csv"])
    with pytest.raises(ValueError, match="no quiz 'nope'.*demo, mini"):
        read_responses(["a.csv"], demo, quiz_id="nope")
    with pytest.raises(ValueError, match="not both"):
        read_responses(["a.csv"], demo, levels=["I", "II"])
    for levels in (["I"], ["I", ""], ["I", "i"]):
        with pytest.raises(ValueError, match="two or more distinct"):
            read_responses(["a.csv"], levels=levels)
