"""Build the calibration notebooks from the model: one practice notebook per framework, one for trainers.

``build_notebooks(catalog)`` returns ``{file name: notebook}``; ``write_notebooks(catalog,
folder)`` writes them. The output is deterministic: fixed cell ids (``<slug>-<nn>``), no
outputs, no execution counts and fixed metadata, so regenerating gives byte-identical files
and a test can compare them with the committed ones.

The notebooks' own code uses only the public API (``raterkit.load``, ``raterkit.scoring``,
``raterkit.responses``, ``raterkit.agreement``, ``raterkit.report``) and finds the project by
walking up from its working folder to the first folder holding ``frameworks/``, so it runs
from ``notebooks/`` in Jupyter, in VS Code and under ``nbclient``. Everything runs top to
bottom unattended: the practice answers start at a placeholder level (never the key) and the
trainer notebook reads the sample workshop in ``examples/workshop/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .load import Catalog
from .model import Framework, Quiz

__all__ = ["TRAINER_NOTEBOOK", "build_notebooks", "write_notebooks"]

TRAINER_NOTEBOOK = "trainer-workshop.ipynb"

METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}

FIND_PROJECT = '''from pathlib import Path


def find_project(start=None):
    """The nearest folder, from the working folder upwards, that holds frameworks/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "frameworks").is_dir():
            return folder
    raise FileNotFoundError(
        "No frameworks/ folder here or in any folder above. Open this notebook from the "
        "raterkit project (its notebooks/ folder), or pass the project folder: find_project('/path/to/project')."
    )


PROJECT = find_project()'''

LOAD_CATALOG = """catalog, problems = load_catalog([PROJECT / "frameworks", PROJECT / "quiz"])
if problems:
    raise DataError(problems)  # every problem names its file and line; 'raterkit validate' lists them too"""


def _md(text: str) -> str:
    """Data text as literal Markdown: no emphasis, math ($), HTML or links by accident."""
    return re.sub(r"([\\`*_$<>\[\]#|])", r"\\\1", " ".join(text.split()))


class _Builder:
    """Cells of one notebook, with ids ``<slug>-01``, ``<slug>-02``, ..."""

    def __init__(self, slug: str):
        self.slug = re.sub(r"[^A-Za-z0-9-]", "-", slug)[:50]
        self.cells: list = []

    def _id(self) -> str:
        return f"{self.slug}-{len(self.cells) + 1:02d}"

    def md(self, text: str) -> None:
        self.cells.append(new_markdown_cell(text.strip("\n"), id=self._id()))

    def code(self, source: str) -> None:
        self.cells.append(new_code_cell(source.strip("\n"), id=self._id()))

    def notebook(self) -> nbformat.NotebookNode:
        nb = new_notebook(cells=self.cells, metadata=METADATA)
        nbformat.validate(nb)
        return nb


# --------------------------------------------------------------------------------------------
# Practice notebook: one per framework


PRACTICE_HELPERS = '''import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from raterkit.scoring import PassRule, score_matrix

LEVEL_IDS = [level.id for level in FRAMEWORK.scale]
LEVEL_LABELS = {level.id: level.label for level in FRAMEWORK.scale}
STATEMENTS = catalog.statement_texts()
answers = {}  # quiz id -> {item id: level id}, filled below


def pass_rule(quiz):
    """The quiz's own pass rule; whatever it leaves out follows the default for this scale."""
    rule = PassRule.default_for(len(LEVEL_IDS))
    spec = quiz.pass_rule
    if spec is None:
        return rule
    return PassRule(
        exact=rule.exact if spec.exact is None else spec.exact,
        within_one=rule.within_one if spec.within_one is None else spec.within_one,
        max_abs_bias=rule.max_abs_bias if spec.max_abs_bias is None else spec.max_abs_bias,
    )


def pick(quiz_id):
    """One dropdown per behaviour, where widgets show; each choice updates answers[quiz_id]."""
    try:
        import ipywidgets as widgets
    except ImportError:  # no widgets here: edit the dict in the cell above instead
        print("Dropdowns are not available here: change the levels in the cell above.")
        return
    chosen = answers[quiz_id]
    options = [(f"{level} ({LEVEL_LABELS[level]})", level) for level in LEVEL_IDS]
    boxes = []
    for item_id, level in chosen.items():
        box = widgets.Dropdown(options=options, value=level, description=item_id,
                               style={"description_width": "initial"})
        box.observe(lambda change, item_id=item_id: chosen.__setitem__(item_id, change["new"]), names="value")
        boxes.append(box)
    display(widgets.VBox(boxes))


def positions(quiz_id):
    """(your ratings, the reference) as level positions, 0 = lowest; -1 where you gave none."""
    quiz = catalog.quizzes[quiz_id]
    chosen = answers[quiz_id]
    wrong = {item: level for item, level in chosen.items() if level not in LEVEL_IDS}
    if wrong:
        raise ValueError(f"Not levels of this scale: {wrong}. Use one of {', '.join(LEVEL_IDS)}.")
    mine = np.array([LEVEL_IDS.index(chosen[item.id]) if item.id in chosen else -1 for item in quiz.items])
    key = np.array([LEVEL_IDS.index(item.reference) for item in quiz.items])
    return mine, key


def bias_words(bias):
    if abs(bias) < 0.25:
        return "close to the reference on average"
    side = "higher" if bias > 0 else "lower"
    leaning = "lenient" if bias > 0 else "severe"
    return f"{abs(bias):.2f} levels {side} than the reference on average ({leaning})"


def score(quiz_id):
    """Your agreement with the reference, your bias, weighted kappa and the pass rule's verdict."""
    quiz = catalog.quizzes[quiz_id]
    mine, key = positions(quiz_id)
    rule = pass_rule(quiz)
    scores = score_matrix(mine[np.newaxis, :], key, len(LEVEL_IDS), rule)
    n = int(scores.n[0])
    print(f"Your scores on {quiz.title} ({n} of {len(key)} behaviours rated)")
    print(f"  exact agreement:      {scores.exact[0]:.0%} ({int(round(scores.exact[0] * n))} of {n})")
    print(f"  within one level:     {scores.within_one[0]:.0%}")
    print(f"  bias:                 {scores.bias[0]:+.2f}: {bias_words(scores.bias[0])}")
    qwk = scores.qwk[0]
    print(f"  weighted kappa (QWK): {'not defined' if np.isnan(qwk) else f'{qwk:.2f}'}")
    verdict = "PASS: calibrated" if scores.passed[0] else "NOT YET: practise the behaviours below"
    print(f"  result:               {verdict} (the rule: {rule.describe()})")


def address_words(address):
    """'framework/competency/III/customer-needs/1' -> 'Level III, Customer Needs'."""
    _, competency, level, criterion, _ = address.split("/")
    comp = FRAMEWORK.competency(competency)
    crit = next((c.label for c in comp.criteria if c.id == criterion), criterion)
    return LEVEL_LABELS.get(level, level) + ("" if comp.has_implicit_criterion else f", {crit}")


def feedback(quiz_id):
    """For every behaviour: your level, the reference, why, and the statements it rests on."""
    quiz = catalog.quizzes[quiz_id]
    mine, key = positions(quiz_id)
    parts = []
    for item, rating, reference in zip(quiz.items, mine, key):
        if rating < 0:
            verdict = "not rated"
        elif rating == reference:
            verdict = "exact"
        else:
            steps = abs(int(rating - reference))
            verdict = f"{steps} level{'s' if steps > 1 else ''} {'higher' if rating > reference else 'lower'}"
        yours = LEVEL_IDS[rating] if rating >= 0 else "none"
        cited = "\\n".join(f"- *{address_words(a)}*: {STATEMENTS[a]}" for a in item.cites)
        parts.append(
            f"**{item.id}**: {verdict}. You: {yours}; reference: {item.reference} "
            f"({LEVEL_LABELS[item.reference]}).\\n\\n{item.rationale}\\n\\nStatements cited:\\n\\n{cited}"
        )
    display(Markdown("\\n\\n---\\n\\n".join(parts)))


def bias_chart(quiz_id):
    """Your rating minus the reference for every behaviour: right is higher, left is lower."""
    quiz = catalog.quizzes[quiz_id]
    mine, key = positions(quiz_id)
    rated = mine >= 0
    diff = np.where(rated, mine - key, 0)
    names = [item.id for item in quiz.items]
    top = len(LEVEL_IDS) - 1
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(names) + 1.2))
    colours = ["#b94a06" if d > 0 else "#2171b5" for d in diff]
    ax.barh(names, diff, color=colours)
    for y, (d, r) in enumerate(zip(diff, rated)):
        label = f"{d:+d}" if r and d else ("0" if r else "not rated")
        ax.text(d + (0.08 if d >= 0 else -0.08), y, label, va="center", ha="left" if d >= 0 else "right", fontsize=8)
    ax.axvline(0, color="#1a1a1a", linewidth=1)
    ax.set_xlim(-top - 0.5, top + 0.5)
    ax.invert_yaxis()
    ax.set_xlabel("your level minus the reference (levels): left lower (severe), right higher (lenient)")
    ax.set_title(f"{quiz.title}: your bias per behaviour (mean {diff[rated].mean():+.2f})" if rated.any() else quiz.title)
    fig.tight_layout()
    plt.show()'''


def _scale_cell() -> str:
    return """import pandas as pd
from IPython.display import Markdown, display

pd.set_option("display.max_colwidth", None)
scale = pd.DataFrame([(level.id, level.label) for level in FRAMEWORK.scale], columns=["level", "label"])
display(Markdown(f"**{FRAMEWORK.title}**: {len(FRAMEWORK.scale)} levels, lowest first."))
display(scale)
for competency in FRAMEWORK.competencies:
    matrix = pd.DataFrame(
        {
            level.label: {
                criterion.label: " ".join(competency.statements(level.id, criterion.id)) or "—"
                for criterion in competency.criteria
            }
            for level in FRAMEWORK.scale
        }
    )
    matrix.index.name = "criterion"
    display(Markdown(f"### {competency.title}"))
    display(matrix)"""


def _placeholder(framework: Framework) -> str:
    """The level every answer starts at: a middle level, so the start gives no hint of the key."""
    return framework.scale[(len(framework.scale) - 1) // 2].id


def _quiz_cells(b: _Builder, catalog: Catalog, framework: Framework, quiz: Quiz) -> None:
    placeholder = _placeholder(framework)
    b.md(f"## Quiz: {_md(quiz.title)}\n\n{_md(quiz.description or '')}")
    lines = []
    for item in quiz.items:
        competency = framework.competency(item.competency)
        what = competency.title
        if item.criterion is not None:
            criterion = next(c for c in competency.criteria if c.id == item.criterion)
            what += f" — criterion: {criterion.label}"
        lines.append(f"### {_md(item.id)}\n\n*Rate on:* {_md(what)}\n\n{_md(item.behaviour)}")
    b.md("\n\n".join(lines))
    entries = "\n".join(f'    "{item.id}": "{placeholder}",' for item in quiz.items)
    b.code(
        f"""# YOUR RATINGS. Every behaviour starts at the same placeholder level, "{placeholder}", so that the
# notebook runs from top to bottom; the placeholders are NOT the reference levels. Change each one
# to your own rating ({", ".join(level.id for level in framework.scale)}), here or with the dropdowns
# below, then run the cells that follow.
answers["{quiz.id}"] = {{
{entries}
}}"""
    )
    b.code(f'pick("{quiz.id}")')
    b.md(
        "### Your scores\n\nExact agreement, agreement within one level, your bias (+ you rate higher "
        "than the reference, − lower), quadratic weighted kappa, and whether you pass the quiz's rule."
    )
    b.code(f'score("{quiz.id}")')
    b.md(
        "### Feedback, behaviour by behaviour\n\nThe reference level, the reasoning, and the statements "
        "of the framework it rests on."
    )
    b.code(f'feedback("{quiz.id}")')
    b.code(f'bias_chart("{quiz.id}")')


def _practice(catalog: Catalog, framework: Framework) -> nbformat.NotebookNode:
    quizzes = [q for q in catalog.quizzes.values() if q.framework == framework.id]
    b = _Builder(f"practice-{framework.id}")
    family = f"\n\n*{_md(framework.family)}*" if framework.family else ""
    count = sum(len(q.items) for q in quizzes)
    b.md(
        f"""# Rating practice: {_md(framework.title)}{family}

Frame-of-reference practice: read the levels and their descriptors, rate each sample behaviour,
then compare your ratings with the reference levels and their reasoning.

1. Run the cells from the top (Shift+Enter), or choose *Run All*.
2. Read the scale and the descriptors.
3. Rate the {count} behaviours: change the levels in the *YOUR RATINGS* cell, or use the dropdowns.
4. Run the scoring cells to see your agreement, your bias and the feedback.

This notebook is generated by `raterkit notebooks`; edits to it are overwritten."""
    )
    b.code(
        f"{FIND_PROJECT}\n\nfrom raterkit.errors import DataError\nfrom raterkit.load import load_catalog\n\n"
        f'{LOAD_CATALOG}\nFRAMEWORK = catalog.frameworks["{framework.id}"]\nprint(f"Loaded {{FRAMEWORK.title}} from {{PROJECT}}")'
    )
    b.md("## The scale and the descriptors")
    b.code(_scale_cell())
    b.md("## Tools for the quiz\n\nScoring, feedback and the chart; run this cell once.")
    b.code(PRACTICE_HELPERS)
    for quiz in quizzes:
        _quiz_cells(b, catalog, framework, quiz)
    if not quizzes:
        b.md("No quiz rates behaviours on this framework yet.")
    return b.notebook()


# --------------------------------------------------------------------------------------------
# Trainer notebook


def _trainer() -> nbformat.NotebookNode:
    b = _Builder("trainer-workshop")
    b.md(
        """# Calibration workshop: how the room rated

For trainers. Load the responses your raters exported (one CSV or JSON file per rater, or one file
for everyone), before and after the discussion, and see:

* how well the group agrees (Krippendorff's alpha, Fleiss' kappa, intraclass correlations);
* which behaviours to discuss first;
* each rater's accuracy and rater effects (lenient, severe, central tendency, inconsistent);
* charts of who rated what, and of each rater's bias;
* what changed after the discussion.

It starts with the sample workshop in `examples/workshop/`: 12 made-up raters on the Career Path 1
quiz. Point `BEFORE` and `AFTER` at your own folders to use it for a real workshop.

This notebook is generated by `raterkit notebooks`; edits to it are overwritten."""
    )
    b.code(
        f"""{FIND_PROJECT}

import numpy as np
import pandas as pd
from IPython.display import display

from raterkit.errors import DataError
from raterkit.load import load_catalog
from raterkit.responses import read_responses

{LOAD_CATALOG}

# The exported responses: change these to your own folders or files.
BEFORE = PROJECT / "examples" / "workshop" / "round1"  # before the discussion (None if there is no such round)
AFTER = PROJECT / "examples" / "workshop" / "round2"  # after the discussion
QUIZ = "cp1-customer-relations"  # the quiz rated; None lets the files' item ids tell

after = read_responses([AFTER], catalog, QUIZ)
before = read_responses([BEFORE], catalog, QUIZ) if BEFORE else None
for name, responses in (("Before", before), ("After", after)):
    if responses is not None:
        print(f"{{name}} the discussion: {{responses.summary_line()}}")
        for problem in responses.problems:
            print("   ", problem)"""
    )
    b.code(
        """raters, items, positions = after.matrix()
ratings = np.where(positions >= 0, positions, np.nan)  # level positions, 0 = lowest; nan = no rating
key = after.key_positions()
LEVEL_IDS = after.level_ids
n_levels = len(LEVEL_IDS)
quiz = catalog.quizzes[after.quiz]
print(f"{quiz.title}: {len(raters)} raters, {len(items)} behaviours, levels {', '.join(LEVEL_IDS)}")"""
    )
    b.md(
        "## How well does the group agree?\n\nKrippendorff's alpha of 0.800 or more is reliable; "
        "0.667 to 0.800 allows tentative conclusions only (Krippendorff 2004)."
    )
    b.code(
        """from raterkit.agreement import fleiss_kappa, icc, krippendorff_alpha
from raterkit.report import alpha_reading

alpha = {level: krippendorff_alpha(ratings, level, n_levels) for level in ("ordinal", "interval", "nominal")}
print(f"Krippendorff's alpha (ordinal) = {alpha['ordinal']:.3f}: {alpha_reading(alpha['ordinal'])}")
statistics = {f"alpha ({level})": value for level, value in alpha.items()}
statistics["Fleiss' kappa"] = fleiss_kappa(ratings, n_levels)
statistics.update(icc(ratings))
pd.Series(statistics, name="value").round(3).to_frame()"""
    )
    b.md("## Discuss first\n\nThe behaviours where the room split, or settled away from the reference.")
    b.code(
        """import textwrap

from raterkit.agreement import discuss_first, item_table

table = item_table(ratings, key, LEVEL_IDS, items)
behaviours = {item.id: item for item in quiz.items}
first = discuss_first(table)
print("Discuss first:", ", ".join(first) if first else "nothing: the room agrees with the reference")
pd.DataFrame(
    [
        {
            "behaviour": item_id,
            "reference": table.loc[item_id, "reference"],
            "most chosen": table.loc[item_id, "mode"],
            "ratings": ", ".join(f"{level}: {table.loc[item_id, level]}" for level in LEVEL_IDS if table.loc[item_id, level]),
            "spread (0-1)": round(float(table.loc[item_id, "disagreement"]), 2),
            "text": textwrap.shorten(behaviours[item_id].behaviour, 110),
        }
        for item_id in first
    ]
)"""
    )
    b.md(
        "## Raters: accuracy and rater effects\n\nFewer effects are not the same as more accuracy: "
        "read the effects together with exact agreement."
    )
    b.code(
        """from raterkit.agreement import rater_table

by_rater = rater_table(ratings, key, n_levels, raters)
shown = by_rater[["n", "exact", "within_one", "bias", "mad"]].round(2)
shown["effects"] = [", ".join(effects) or "none" for effects in by_rater["effects"]]
shown"""
    )
    b.md(
        "## Charts\n\nWho rated what: each cell prints the level given; its colour shows the distance "
        "from the reference (blue lower, orange higher). The top row is the reference."
    )
    b.code(
        """import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

distance = ratings - key
palette = ListedColormap(["#08306b", "#2171b5", "#9ecae1", "#f2f2f2", "#fdae6b", "#e6550d", "#7f2704"])
grid = np.vstack([np.zeros(len(items)), distance])
fig, ax = plt.subplots(figsize=(0.55 * len(items) + 2, 0.35 * len(raters) + 1.5))
ax.imshow(np.nan_to_num(grid, nan=0), cmap=palette, vmin=-3.5, vmax=3.5, aspect="auto")
for r, row in enumerate(np.vstack([key, ratings])):
    for i, value in enumerate(row):
        text = "–" if np.isnan(value) else LEVEL_IDS[int(value)]
        dark = r > 0 and not np.isnan(distance[r - 1, i]) and abs(distance[r - 1, i]) >= 2
        ax.text(i, r, text, ha="center", va="center", fontsize=8,
                color="white" if dark else "#1a1a1a", fontweight="bold" if r == 0 else None)
ax.set_xticks(range(len(items)), items, rotation=90, fontsize=8)
ax.set_yticks(range(len(raters) + 1), ["reference", *raters], fontsize=8)
ax.set_title("Level given by each rater (colour: distance from the reference)")
fig.tight_layout()
plt.show()"""
    )
    b.code(
        """fig, ax = plt.subplots(figsize=(7, 0.3 * len(raters) + 1.2))
bias = by_rater["bias"].to_numpy()
ax.barh(raters, bias, color=["#b94a06" if b > 0 else "#2171b5" for b in bias])
for y, b in enumerate(bias):
    ax.text(b + (0.02 if b >= 0 else -0.02), y, f"{b:+.2f}", va="center", ha="left" if b >= 0 else "right", fontsize=8)
ax.axvline(0, color="#1a1a1a", linewidth=1)
for mark in (-0.5, 0.5):
    ax.axvline(mark, color="#4d4d4d", linestyle="--", linewidth=0.8)
ax.set_xlim(-1.2, 1.2)
ax.invert_yaxis()
ax.set_xlabel("average of rating minus reference (levels): left severe, right lenient")
ax.set_title("Bias per rater (dashed: ±0.5, a substantive effect)")
fig.tight_layout()
plt.show()"""
    )
    b.md(
        "## Before and after the discussion\n\nThe same behaviours rated again after talking them "
        "through: group agreement, and each rater's bias and exact agreement."
    )
    b.code(
        """from raterkit.agreement import compare_rounds

if before is None:
    print("No earlier round: set BEFORE to compare.")
else:
    raters_before, items_before, positions_before = before.matrix()
    assert items_before == items, "both rounds must be read against the same quiz"
    ratings_before = np.where(positions_before >= 0, positions_before, np.nan)
    change = compare_rounds(ratings_before, ratings, key, n_levels, rater_ids=(raters_before, raters))
    a = change["alpha"]
    print(f"Krippendorff's alpha (ordinal): before {a['before']:.2f} ({alpha_reading(a['before'])}), "
          f"after {a['after']:.2f} ({alpha_reading(a['after'])}), change {a['change']:+.2f}")
    display(change["per_rater"].round(2))"""
    )
    b.code(
        """if before is not None:
    per = change["per_rater"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.3 * len(per) + 1.5), sharey=True)
    names = [str(name) for name in per.index]
    for ax, column, title, limits in (
        (axes[0], "bias", "Bias (levels)", (-1.2, 1.2)),
        (axes[1], "exact", "Exact agreement (share)", (0, 1.05)),
    ):
        was, now = per[f"{column}_before"], per[f"{column}_after"]
        ax.hlines(names, was, now, color="#7a7a7a")
        ax.scatter(was, names, facecolors="white", edgecolors="#1a1a1a", label="before", zorder=3)
        ax.scatter(now, names, color="#1a1a1a", label="after", zorder=3)
        ax.set_xlim(*limits)
        ax.set_title(title)
    axes[0].axvline(0, color="#1a1a1a", linewidth=0.8)
    axes[0].invert_yaxis()
    axes[1].legend(loc="lower left")
    fig.suptitle("Each rater before (hollow) and after (filled) the discussion")
    fig.tight_layout()
    plt.show()"""
    )
    b.md(
        """## The report for the room

The same figures as one HTML file to print or share (self-contained, accessible):

```
raterkit report examples/workshop/round2 --before examples/workshop/round1 -o workshop-report.html
```

Its summary:"""
    )
    b.code(
        """from raterkit.report import analyse, summary_sentences

for sentence in summary_sentences(analyse(after, before)):
    print(sentence)"""
    )
    return b.notebook()


# --------------------------------------------------------------------------------------------


def build_notebooks(catalog: Catalog) -> dict[str, nbformat.NotebookNode]:
    """File name -> notebook: ``practice-<framework id>.ipynb`` for every framework, and the trainer's."""
    out = {f"practice-{framework.id}.ipynb": _practice(catalog, framework) for framework in catalog.frameworks.values()}
    out[TRAINER_NOTEBOOK] = _trainer()
    return out


def write_notebooks(catalog: Catalog, folder: Path | str) -> list[Path]:
    """Write every notebook of :func:`build_notebooks` into ``folder``; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook in build_notebooks(catalog).items():
        path = folder / name
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            nbformat.write(notebook, handle)  # adds the trailing newline
        written.append(path)
    return written
