"""Build the calibration notebooks from the model: one practice notebook per framework, one for trainers.

``build_notebooks(catalog)`` returns ``{file name: notebook}``; ``write_notebooks(catalog,
folder)`` writes them. The output is deterministic: fixed cell ids (``<slug>-<nn>``), no
outputs, no execution counts and fixed metadata, so regenerating gives byte-identical files
and a test can compare them with the committed ones.

The notebooks' code cells are short calls: their code lives in :mod:`raterkit.practice`
(``Practice``), :mod:`raterkit.trainer` (``Workshop``) and :mod:`raterkit.project`
(``open_project``, which finds the project by walking up from the working folder to the first
folder holding ``frameworks/``, so a notebook runs from ``notebooks/`` in Jupyter, in VS Code
and under ``nbclient``). This module only writes the cells and imports none of those faces.
Everything runs top to bottom unattended: the practice answers start at a placeholder level
(never the key) and the trainer notebook reads the sample workshop in ``examples/workshop/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .catalog import Catalog
from .model import Framework, Quiz
from .rules import ALPHA_RELIABLE, ALPHA_TENTATIVE

__all__ = ["TRAINER_NOTEBOOK", "build_notebooks", "literal_markdown", "write_notebooks"]

TRAINER_NOTEBOOK = "trainer-workshop.ipynb"

METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def literal_markdown(text: str) -> str:
    """Data text as literal Markdown: no emphasis, math ($), HTML, links, images or attribute lists
    (``{: onfocus=... }``, which the site's notebook pages would apply) by accident. One line:
    every line break (``\\u2028`` too) becomes a space."""
    return re.sub(r"([\\`*_$<>\[\]#|{}!])", r"\\\1", " ".join(text.split()))


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


def _placeholder(framework: Framework) -> str:
    """The level every answer starts at: a middle level, so the start gives no hint of the key."""
    return framework.scale[(len(framework.scale) - 1) // 2].id


def _quiz_cells(b: _Builder, framework: Framework, quiz: Quiz) -> None:
    placeholder = _placeholder(framework)
    quiz_id = json.dumps(quiz.id)
    b.md(f"## Quiz: {literal_markdown(quiz.title)}\n\n{literal_markdown(quiz.description or '')}")
    lines = []
    for item in quiz.items:
        competency = framework.competency(item.competency)
        what = competency.title
        if item.criterion is not None:
            criterion = next(c for c in competency.criteria if c.id == item.criterion)
            what += f" — criterion: {criterion.label}"
        lines.append(
            f"### {literal_markdown(item.id)}\n\n*Rate on:* {literal_markdown(what)}\n\n{literal_markdown(item.behaviour)}"
        )
    b.md("\n\n".join(lines))
    entries = "\n".join(f"    {json.dumps(item.id)}: {json.dumps(placeholder)}," for item in quiz.items)
    b.code(
        f"""# YOUR RATINGS. Every behaviour starts at the same placeholder level, "{placeholder}", so that the
# notebook runs from top to bottom; the placeholders are NOT the reference levels. Change each one
# to your own rating ({", ".join(level.id for level in framework.scale)}), here or with the dropdowns
# below, then run the cells that follow.
practice.answers[{quiz_id}] = {{
{entries}
}}"""
    )
    b.code(f"practice.pick({quiz_id})")
    b.md(
        "### Your scores\n\nExact agreement, agreement within one level, your bias (+ you rate higher "
        "than the reference, − lower), quadratic weighted kappa, and whether you pass the quiz's rule."
    )
    b.code(f"practice.score({quiz_id})")
    b.md(
        "### Feedback, behaviour by behaviour\n\nThe reference level, the reasoning, and the statements "
        "of the framework it rests on."
    )
    b.code(f"practice.feedback({quiz_id})")
    b.code(f"practice.bias_chart({quiz_id})")


def _practice(catalog: Catalog, framework: Framework) -> nbformat.NotebookNode:
    quizzes = [q for q in catalog.quizzes.values() if q.framework == framework.id]
    b = _Builder(f"practice-{framework.id}")
    family = f"\n\n*{literal_markdown(framework.family)}*" if framework.family else ""
    count = sum(len(q.items) for q in quizzes)
    b.md(
        f"""# Rating practice: {literal_markdown(framework.title)}{family}

Frame-of-reference practice: read the levels and their descriptors, rate each sample behaviour,
then compare your ratings with the reference levels and their reasoning.

1. Run the cells from the top (Shift+Enter), or choose *Run All*.
2. Read the scale and the descriptors.
3. Rate the {count} behaviours: change the levels in the *YOUR RATINGS* cell, or use the dropdowns.
4. Run the scoring cells to see your agreement, your bias and the feedback.

This notebook is generated by `raterkit notebooks`; edits to it are overwritten."""
    )
    b.code(
        f"""from raterkit.practice import Practice
from raterkit.project import open_project

# The project folder (the nearest folder above this one holding frameworks/) and its data.
PROJECT, catalog = open_project()
practice = Practice(catalog, {json.dumps(framework.id)})
print(f"Loaded {{practice.framework.title}} from {{PROJECT}}")"""
    )
    b.md("## The scale and the descriptors")
    b.code("practice.show_scale()")
    for quiz in quizzes:
        _quiz_cells(b, framework, quiz)
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
* each rater's accuracy and rater effects (lenient, severe, central tendency, inconsistent, halo);
* charts of who rated what, and of each rater's bias;
* what changed after the discussion.

It starts with the sample workshop in `examples/workshop/`: 12 made-up raters on the Career Path 1
quiz. Point `BEFORE` and `AFTER` at your own folders to use it for a real workshop.

This notebook is generated by `raterkit notebooks`; edits to it are overwritten."""
    )
    b.code(
        """from raterkit.project import open_project
from raterkit.trainer import Workshop

# The project folder (the nearest folder above this one holding frameworks/) and its data.
PROJECT, catalog = open_project()

# The exported responses: change these to your own folders or files.
BEFORE = PROJECT / "examples" / "workshop" / "round1"  # before the discussion (None if there is no such round)
AFTER = PROJECT / "examples" / "workshop" / "round2"  # after the discussion
QUIZ = "cp1-customer-relations"  # the quiz rated; None lets the files' behaviour ids tell

workshop = Workshop.read(catalog, AFTER, BEFORE, QUIZ)
workshop.show_files()"""
    )
    b.md(
        f"## How well does the group agree?\n\nKrippendorff's alpha of {ALPHA_RELIABLE:.3f} or more is reliable; "
        f"{ALPHA_TENTATIVE:.3f} to {ALPHA_RELIABLE:.3f} allows tentative conclusions only (Krippendorff 2004)."
    )
    b.code("workshop.show_agreement()")
    b.md("## Discuss first\n\nThe behaviours where the room split, or settled away from the reference.")
    b.code("workshop.show_discuss_first()")
    b.md(
        "## Raters: accuracy and rater effects\n\nFewer effects are not the same as more accuracy: "
        "read the effects together with exact agreement."
    )
    b.code("workshop.show_raters()")
    b.md(
        "### Halo\n\nWhere the quiz rates one behaviour on several criteria: a rater who gives every "
        "criterion of a behaviour nearly the same level, although the reference levels differ."
    )
    b.code("workshop.show_halo()")
    b.md(
        "## Charts\n\nWho rated what: each cell prints the level given; its colour shows the distance "
        "from the reference (blue lower, orange higher). The top row is the reference."
    )
    b.code("workshop.show_heatmap()")
    b.code("workshop.show_bias_chart()")
    b.md(
        "## Before and after the discussion\n\nThe same behaviours rated again after talking them "
        "through: group agreement, and each rater's bias and exact agreement."
    )
    b.code("workshop.show_change()")
    b.code("workshop.show_change_chart()")
    b.md(
        """## The report for the room

The same figures as one HTML file to print or share (self-contained, accessible):

```
raterkit report examples/workshop/round2 --before examples/workshop/round1 -o workshop-report.html
```

Its summary:"""
    )
    b.code("workshop.show_summary()")
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
