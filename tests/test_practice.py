"""The notebooks' helpers as plain code: a trainee's practice (raterkit.practice), the trainer's
workshop (raterkit.trainer) and finding the project (raterkit.project). No kernel, no browser:
figures are drawn with matplotlib's Agg backend and closed."""

from __future__ import annotations

import importlib.util
import re
import sys

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported (by raterkit.practice): no window, no warning

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from raterkit import agreement, words
from raterkit.errors import DataError
from raterkit.notebooks import build_notebooks, literal_markdown
from raterkit.practice import NO_WIDGETS, Feedback, FeedbackItem, Practice
from raterkit.project import find_project, open_project
from raterkit.rules import alpha_reading, resolve_pass_rule
from raterkit.scoring import score_matrix
from raterkit.trainer import Workshop
from support import ROOT

FRAMEWORK = "acqdemo-cp1-customer-relations"
QUIZ = "cp1-customer-relations"
WORKSHOP = ROOT / "examples" / "workshop"


@pytest.fixture
def practice(catalog):
    return Practice(catalog, FRAMEWORK)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def random_answers(catalog, quiz_id, seed=7, skip=()):
    quiz = catalog.quizzes[quiz_id]
    levels = [level.id for level in catalog.frameworks[quiz.framework].scale]
    rng = np.random.default_rng(seed)
    return {item.id: str(rng.choice(levels)) for item in quiz.items if item.id not in skip}


# --------------------------------------------------------------------------------------------
# Practice: scores


@pytest.mark.parametrize("quiz_id", ["cp1-customer-relations", "cp1-profiles"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_equal_score_matrix_under_the_quizs_rule(catalog, practice, quiz_id, seed):
    answers = random_answers(catalog, quiz_id, seed, skip={"cp1-05", "cp1p-02"})
    practice.answers[quiz_id] = answers
    quiz = catalog.quizzes[quiz_id]
    levels = [level.id for level in catalog.frameworks[FRAMEWORK].scale]
    mine = np.array([[levels.index(answers[i.id]) if i.id in answers else -1 for i in quiz.items]])
    key = np.array([levels.index(item.reference) for item in quiz.items])
    expected = score_matrix(mine, key, len(levels), resolve_pass_rule(quiz.pass_rule, len(levels)))

    got = practice.scores(quiz_id)
    for field in ("n", "exact", "within_one", "bias", "mad", "qwk", "passed", "confusion"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field), err_msg=field)
    assert got.rule == expected.rule

    lines = practice.score_lines(quiz_id)
    n = int(expected.n[0])
    assert lines[0] == f"Your scores on {quiz.title} ({n} of {len(quiz.items)} behaviours rated)"
    text = "\n".join(lines)
    assert f"exact agreement:      {words.percent(expected.exact[0])} ({round(expected.exact[0] * n)} of {n})" in text
    assert f"within one level:     {words.percent(expected.within_one[0])}" in text
    bias = float(expected.bias[0])
    assert f"bias:                 {words.decimal(bias, signed=True)}: {words.bias_words(bias)}" in text
    assert f"weighted kappa (QWK): {words.decimal(float(expected.qwk[0]))}" in text
    assert f"(the rule: {expected.rule.describe()})" in text


def test_answering_the_reference_passes_and_the_placeholder_does_not(catalog, practice, capsys):
    quiz = catalog.quizzes[QUIZ]
    practice.answers[QUIZ] = {item.id: item.reference for item in quiz.items}
    practice.score(QUIZ)
    out = capsys.readouterr().out
    assert "exact agreement:      100% (16 of 16)" in out
    assert "result:               PASS: calibrated" in out
    practice.answers[QUIZ] = dict.fromkeys((item.id for item in quiz.items), "II")
    practice.score(QUIZ)
    assert "result:               NOT YET: practise the behaviours below" in capsys.readouterr().out


def test_a_behaviour_left_out_or_set_to_none_is_not_rated(catalog, practice):
    quiz = catalog.quizzes[QUIZ]
    practice.answers[QUIZ] = {item.id: item.reference for item in quiz.items}
    del practice.answers[QUIZ]["cp1-01"]
    practice.answers[QUIZ]["cp1-02"] = None
    mine, key = practice.positions(QUIZ)
    assert list(mine[:2]) == [-1, -1] and (mine[2:] == key[2:]).all()
    assert practice.score_lines(QUIZ)[0].endswith("(14 of 16 behaviours rated)")
    feedback = practice.feedback_for(QUIZ)
    assert [f.verdict for f in feedback.items[:3]] == ["not rated", "not rated", "exact"]
    assert "cp1-01: not rated. You: none;" in str(feedback)


# --------------------------------------------------------------------------------------------
# Practice: plain errors


def test_wrong_levels_give_a_plain_error_naming_each_one(catalog, practice):
    practice.answers[QUIZ] = dict.fromkeys((item.id for item in catalog.quizzes[QUIZ].items), "II")
    practice.answers[QUIZ].update({"cp1-03": "V", "cp1-07": "iii", "cp1-99": "II"})
    with pytest.raises(ValueError) as caught:
        practice.score(QUIZ)
    message = str(caught.value)
    assert message.startswith("Some ratings cannot be scored:")
    assert 'cp1-03: "V" is not a level of this scale.' in message
    assert 'cp1-07: "iii" is not a level of this scale.' in message
    assert "cp1-99: this quiz has no behaviour of that name." in message
    assert "Use the levels I, II, III, IV (lowest first) and the behaviours cp1-01 to cp1-16" in message
    assert "Traceback" not in message and "{" not in message


def test_a_quiz_without_answers_or_on_another_framework_is_a_plain_error(catalog, practice):
    with pytest.raises(ValueError, match="no ratings for 'Customer Relations .*' yet: run its YOUR RATINGS cell"):
        practice.score(QUIZ)
    with pytest.raises(ValueError, match="There is no quiz 'cp3-customer-relations' on .* Its quizzes: cp1-"):
        practice.quiz("cp3-customer-relations")
    with pytest.raises(ValueError, match="There is no framework 'nope' in the data. The frameworks: "):
        Practice(catalog, "nope")


# --------------------------------------------------------------------------------------------
# Practice: feedback, dropdowns, chart, scale


def test_feedback_names_the_reference_the_rationale_and_the_cited_statements(catalog, practice):
    quiz = catalog.quizzes[QUIZ]
    statements = catalog.statement_texts()
    practice.answers[QUIZ] = random_answers(catalog, QUIZ)
    feedback = practice.feedback_for(QUIZ)
    assert isinstance(feedback, Feedback)
    text, markdown = str(feedback), feedback._repr_markdown_()
    assert repr(feedback) == text  # the text/plain Jupyter keeps beside the Markdown
    for item, note in zip(quiz.items, feedback.items):
        label = catalog.frameworks[FRAMEWORK].level(item.reference).label
        assert note.reference == item.reference and note.reference_label == label
        assert f"reference: {item.reference} ({label})." in text
        assert item.rationale in text
        assert literal_markdown(item.rationale) in markdown
        assert [statement for _, statement in note.cited] == [statements[a] for a in item.cites]
        for address in item.cites:
            assert statements[address] in text
            assert literal_markdown(statements[address]) in markdown
    first = feedback.items[0]
    assert first.cited[0][0] == "Level III, Customer Interaction Level"


def test_feedback_markdown_shows_data_text_literally():
    assert Feedback([])._repr_markdown_() == ""
    note = FeedbackItem("x-1", "exact", "II", "II", "Level II", "Saved $2 *now* <b>", [("Level II", "a_b")])
    feedback = Feedback([note])
    markdown = feedback._repr_markdown_()
    assert r"Saved \$2 \*now\* \<b\>" in markdown and r"a\_b" in markdown
    assert "Saved $2 *now* <b>" in str(feedback)


def test_dropdowns_update_the_answers(catalog, practice):
    quiz = catalog.quizzes[QUIZ]
    practice.answers[QUIZ] = dict.fromkeys((item.id for item in quiz.items), "II")
    box = practice.dropdowns(QUIZ)
    assert [d.description for d in box.children] == [item.id for item in quiz.items]
    assert box.children[0].options[0] == ("I (Level I)", "I")
    box.children[2].value = "IV"
    assert practice.answers[QUIZ]["cp1-03"] == "IV"
    assert practice.positions(QUIZ)[0][2] == 3


def test_without_ipywidgets_pick_says_to_edit_the_dict_and_the_dict_is_scored(catalog, monkeypatch, capsys):
    """A fresh copy of raterkit.practice loaded where ipywidgets cannot be imported."""
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    spec = importlib.util.find_spec("raterkit.practice")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.widgets is None

    practice = module.Practice(catalog, FRAMEWORK)
    quiz = catalog.quizzes[QUIZ]
    practice.answers[QUIZ] = {item.id: item.reference for item in quiz.items}
    assert practice.dropdowns(QUIZ) is None
    practice.pick(QUIZ)
    assert capsys.readouterr().out == NO_WIDGETS + "\n"
    practice.answers[QUIZ]["cp1-01"] = "I"  # the trainee edits the dict instead
    assert practice.scores(QUIZ).exact[0] == pytest.approx(15 / 16)


def test_bias_figure_has_a_bar_per_behaviour_and_the_mean_in_its_title(catalog, practice):
    quiz = catalog.quizzes[QUIZ]
    practice.answers[QUIZ] = random_answers(catalog, QUIZ, skip={"cp1-04"})
    fig = practice.bias_figure(QUIZ)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    mine, key = practice.positions(QUIZ)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [float(d) if m >= 0 else 0.0 for m, d in zip(mine, mine - key)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [item.id for item in quiz.items]
    bias = words.decimal(float(practice.scores(QUIZ).bias[0]), signed=True)
    assert ax.get_title() == f"{quiz.title}: your bias per behaviour (mean {bias})"
    assert "not rated" in [t.get_text() for t in ax.texts]


def test_the_scale_and_descriptors(catalog, practice):
    framework = catalog.frameworks[FRAMEWORK]
    scale = practice.scale()
    assert list(scale["level"]) == [level.id for level in framework.scale]
    competency = framework.competencies[0]
    matrix = practice.descriptors(competency.id)
    assert list(matrix.columns) == [level.label for level in framework.scale]
    assert list(matrix.index) == [criterion.label for criterion in competency.criteria]
    criterion = competency.criteria[0]
    level = framework.scale[0]
    assert matrix.loc[criterion.label, level.label] == " ".join(competency.statements(level.id, criterion.id))


# --------------------------------------------------------------------------------------------
# Trainer: the numbers are raterkit.agreement's


@pytest.fixture(scope="module")
def workshop(catalog):
    return Workshop.read(catalog, WORKSHOP / "round2", WORKSHOP / "round1", QUIZ)


def test_workshop_numbers_equal_agreements(workshop):
    after = workshop.after
    raters, items, positions = after.matrix()
    ratings = np.where(positions >= 0, positions, np.nan)
    key = after.key_positions()
    n_levels = len(after.level_ids)
    np.testing.assert_array_equal(workshop.ratings, ratings)

    pd.testing.assert_frame_equal(workshop.item_table, agreement.item_table(ratings, key, after.level_ids, items))
    pd.testing.assert_frame_equal(workshop.level_counts, agreement.level_counts(ratings, after.level_ids, items))
    assert workshop.discuss_first() == agreement.discuss_first(
        agreement.item_table(ratings, key, after.level_ids, items)
    )
    pd.testing.assert_frame_equal(workshop.rater_table, agreement.rater_table(ratings, key, n_levels, raters))
    summary = agreement.summarize(ratings, key, n_levels, after.level_ids, items, raters)
    assert workshop.summary == summary

    statistics = workshop.statistics()["value"]
    assert statistics["alpha (ordinal)"] == words.decimal(summary["alpha"]["ordinal"], digits=3)
    assert statistics["Fleiss' kappa"] == words.decimal(summary["fleiss_kappa"], digits=3)
    assert statistics["ICC2k"] == words.decimal(summary["icc"]["ICC2k"], digits=3)
    alpha = summary["alpha"]["ordinal"]
    assert workshop.alpha_line() == (
        f"Krippendorff's alpha (ordinal) = {words.alpha_text(alpha)}: {words.READING_WORDS[alpha_reading(alpha)]}"
    )

    shown = workshop.raters_shown()
    table = agreement.rater_table(ratings, key, n_levels, raters)
    assert list(shown["exact"]) == [words.percent(v) for v in table["exact"]]
    assert list(shown["bias"]) == [words.decimal(v, signed=True) for v in table["bias"]]
    assert "inconsistent" in set(shown["effects"])


def test_workshop_discuss_table_counts_come_from_level_counts(workshop):
    first = workshop.discuss_first()
    assert workshop.discuss_line() == "Discuss first: " + words.join(first)
    table = workshop.discuss_table()
    assert list(table["behaviour"]) == first
    counts = workshop.level_counts
    for _, row in table.iterrows():
        expected = ", ".join(
            f"{lv}: {counts.loc[row['behaviour'], lv]}" for lv in workshop.level_ids if counts.loc[row["behaviour"], lv]
        )
        assert row["ratings"] == expected
        assert row["reference"] == workshop.item_table.loc[row["behaviour"], "reference"]


def test_workshop_before_and_after_equal_compare_rounds(workshop):
    before = workshop.before
    raters_b, items_b, positions_b = before.matrix()
    assert items_b == workshop.items
    earlier = np.where(positions_b >= 0, positions_b, np.nan)
    expected = agreement.compare_rounds(
        earlier, workshop.ratings, workshop.key, workshop.n_levels, rater_ids=(raters_b, workshop.raters)
    )
    got = workshop.comparison
    assert got["alpha"] == expected["alpha"]
    pd.testing.assert_frame_equal(got["per_rater"], expected["per_rater"])
    assert "before 0.43 (low), after 0.72 (tentative)" in workshop.change_line()
    change = workshop.change_table()
    assert list(change["exact after"]) == [words.percent(v) for v in expected["per_rater"]["exact_after"]]


def test_workshop_files_and_summary(workshop, capsys):
    workshop.show_files()
    out = capsys.readouterr().out
    assert "Before the discussion: Read 192 rows: 192 kept, 0 skipped." in out
    assert "After the discussion: Read 195 rows: 192 kept, 3 skipped." in out
    assert re.search(r"^    \S+r10-jo\.csv:7: rating: 'IV\+' is not a level", out, re.M)
    assert "12 raters, 16 behaviours, levels I, II, III, IV" in out
    assert workshop.summary_sentences()[0] == "12 raters rated 16 behaviours."


def test_workshop_figures(workshop):
    heatmap = workshop.heatmap_figure()
    ax = heatmap.axes[0]
    assert len(ax.texts) == (len(workshop.raters) + 1) * len(workshop.items)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["reference", *workshop.raters]
    bias = workshop.bias_figure().axes[0]
    assert [bar.get_width() for bar in bias.patches] == list(workshop.rater_table["bias"])
    change = workshop.change_figure()
    assert isinstance(change, Figure) and len(change.axes) == 2


def test_workshop_with_one_round(catalog, capsys):
    one = Workshop.read(catalog, WORKSHOP / "round2", quiz=QUIZ)
    assert one.comparison is None and one.change_table() is None and one.change_figure() is None
    one.show_change()
    assert capsys.readouterr().out == "No earlier round: set BEFORE to compare.\n"
    one.show_halo()
    assert "rates each behaviour on one criterion only: halo does not apply." in capsys.readouterr().out


def test_workshop_halo_equals_agreements_on_a_quiz_with_vignettes(catalog, tmp_path, capsys):
    quiz = catalog.quizzes["cp1-profiles"]
    levels = [level.id for level in catalog.frameworks[quiz.framework].scale]
    rng = np.random.default_rng(3)
    rows = ["rater,item,rating"]
    for rater in ("ann", "bo", "cy", "di"):
        flat = str(rng.choice(levels))
        for item in quiz.items:  # 'bo' rates every criterion of a behaviour alike: halo
            rows.append(f"{rater},{item.id},{flat if rater == 'bo' else rng.choice(levels)}")
    (tmp_path / "ratings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    workshop = Workshop.read(catalog, tmp_path, quiz="cp1-profiles")
    groups = [next(i.vignette or i.id for i in quiz.items if i.id == item) for item in workshop.items]
    expected = agreement.halo(workshop.ratings, groups, workshop.key)
    got = workshop.halo_table()
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    assert list(got.index) == workshop.raters
    assert bool(got.loc["bo", "halo"])
    workshop.show_halo()
    assert "Halo: bo" in capsys.readouterr().out


def test_workshop_without_usable_ratings_says_so(catalog, tmp_path):
    (tmp_path / "r.csv").write_text("rater,item,rating\nann,cp1-01,V\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"hold no ratings of one quiz that can be used \(Read 1 row: 0 kept, 1 skipped\.\)"
    ):
        Workshop.read(catalog, tmp_path, quiz=QUIZ)


# --------------------------------------------------------------------------------------------
# The project, and the cells the generator writes


def test_find_project_walks_up_and_says_plainly_when_there_is_none(tmp_path):
    assert find_project(ROOT / "notebooks") == ROOT
    with pytest.raises(FileNotFoundError, match="No frameworks/ folder in .* or in any folder above it"):
        find_project(tmp_path)
    project, catalog = open_project(ROOT / "notebooks")
    assert project == ROOT and QUIZ in catalog.quizzes


def test_open_project_names_every_problem(tmp_path):
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "broken.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(DataError, match="broken.yaml"):
        open_project(tmp_path)


def test_every_generated_cell_compiles_and_calls_what_the_helpers_have(catalog, practice, workshop):
    called = {"practice": practice, "workshop": workshop, "Workshop": Workshop}
    seen = set()
    for name, nb in build_notebooks(catalog).items():
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            compile(cell.source, f"{name}:{cell.id}", "exec")
            for owner, attribute in re.findall(r"\b(practice|workshop|Workshop)\.(\w+)", cell.source):
                assert hasattr(called[owner], attribute), f"{name}: {owner}.{attribute}"
                seen.add(attribute)
    assert {"pick", "score", "feedback", "bias_chart", "read", "show_summary"} <= seen
