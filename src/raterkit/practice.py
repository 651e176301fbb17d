"""A trainee's rating practice on one framework, as the practice notebooks run it.

``Practice(catalog, framework_id)`` holds the trainee's ``answers`` (quiz id -> {behaviour id:
level id}); its methods show the scale and the descriptors, offer a dropdown per behaviour
(where ipywidgets is installed and the front end shows widgets; otherwise the trainee edits the
answers in the notebook), and then score the answers against the reference levels, give
feedback behaviour by behaviour and draw the trainee's bias.

Every number comes from :func:`raterkit.scoring.score_matrix` under the quiz's pass rule
(:func:`raterkit.rules.resolve_pass_rule`) and is worded by :mod:`raterkit.words`; this module
only arranges them. It is a Jupyter face: it imports IPython and matplotlib (and ipywidgets
where installed), which the core never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from .catalog import Catalog
from .model import Quiz, QuizItem
from .notebooks import literal_markdown
from .report.colour import HIGHER, INK, LOWER
from .rules import PassRule, resolve_pass_rule
from .scoring import Scores, score_matrix
from .words import MISSING, bias_words, decimal, percent

try:  # optional: without it (or where widgets do not show) the trainee edits the answers cell
    import ipywidgets as widgets
except ImportError:  # tests load a copy of this module with ipywidgets hidden
    widgets = None

__all__ = ["NO_WIDGETS", "Feedback", "FeedbackItem", "Practice"]

#: What pick() says where there are no dropdowns.
NO_WIDGETS = "Dropdowns are not available here: change the levels in the cell above, then run the cells below."


@dataclass(frozen=True)
class FeedbackItem:
    """One behaviour's feedback: the trainee's level, the reference, why, and the statements cited."""

    item: str
    verdict: str  # 'exact', '1 level higher', '2 levels lower', 'not rated'
    yours: str | None  # level id, None when not rated
    reference: str
    reference_label: str
    rationale: str
    cited: list[tuple[str, str]]  # (where: 'Level III, Customer Needs', statement text)


@dataclass(frozen=True)
class Feedback:
    """Feedback on every behaviour of a quiz; Jupyter shows it as Markdown, print() as plain text."""

    items: list[FeedbackItem]

    def _repr_markdown_(self) -> str:
        parts = []
        for f in self.items:
            cited = "\n".join(f"- *{literal_markdown(where)}*: {literal_markdown(text)}" for where, text in f.cited)
            parts.append(
                f"**{literal_markdown(f.item)}**: {f.verdict}. You: {literal_markdown(f.yours or 'none')}; "
                f"reference: {literal_markdown(f.reference)} ({literal_markdown(f.reference_label)}).\n\n"
                f"{literal_markdown(f.rationale)}\n\nStatements cited:\n\n{cited}"
            )
        return "\n\n---\n\n".join(parts)

    def __str__(self) -> str:
        parts = []
        for f in self.items:
            cited = "\n".join(f"- {where}: {text}" for where, text in f.cited)
            parts.append(
                f"{f.item}: {f.verdict}. You: {f.yours or 'none'}; reference: {f.reference} ({f.reference_label}).\n"
                f"{f.rationale}\nStatements cited:\n{cited}"
            )
        return "\n\n".join(parts)

    __repr__ = __str__  # the text/plain form Jupyter keeps beside the Markdown


class Practice:
    """One trainee's practice on the framework ``framework_id`` of ``catalog``.

    ``answers[quiz_id]`` maps each behaviour id to the level id the trainee chose; a behaviour
    left out (or set to None) counts as not rated.
    """

    def __init__(self, catalog: Catalog, framework_id: str):
        if framework_id not in catalog.frameworks:
            raise ValueError(
                f"There is no framework '{framework_id}' in the data. "
                f"The frameworks: {', '.join(sorted(catalog.frameworks)) or 'none'}."
            )
        self.catalog = catalog
        self.framework = catalog.frameworks[framework_id]
        self.level_ids = [level.id for level in self.framework.scale]
        self.level_labels = {level.id: level.label for level in self.framework.scale}
        self.statements = catalog.statement_texts()
        self.answers: dict[str, dict[str, str | None]] = {}

    # ----------------------------------------------------------------------------------------
    # The framework

    @property
    def quizzes(self) -> list[Quiz]:
        """The quizzes rating behaviours on this framework, in catalog order."""
        return [quiz for quiz in self.catalog.quizzes.values() if quiz.framework == self.framework.id]

    def scale(self) -> pd.DataFrame:
        """The levels, lowest first: id and label."""
        return pd.DataFrame([(level.id, level.label) for level in self.framework.scale], columns=["level", "label"])

    def descriptors(self, competency_id: str) -> pd.DataFrame:
        """One competency's descriptors: a row per criterion, a column per level (MISSING where none)."""
        competency = self.framework.competency(competency_id)
        matrix = pd.DataFrame(
            {
                level.label: {
                    criterion.label: " ".join(competency.statements(level.id, criterion.id)) or MISSING
                    for criterion in competency.criteria
                }
                for level in self.framework.scale
            }
        )
        matrix.index.name = "criterion"
        return matrix

    def show_scale(self) -> None:
        """The scale, then each competency's matrix of descriptors."""
        title = literal_markdown(self.framework.title)
        display(Markdown(f"**{title}**: {len(self.level_ids)} levels, lowest first."))
        with pd.option_context("display.max_colwidth", None):
            display(self.scale())
            for competency in self.framework.competencies:
                display(Markdown(f"### {literal_markdown(competency.title)}"))
                display(self.descriptors(competency.id))

    # ----------------------------------------------------------------------------------------
    # The answers

    def quiz(self, quiz_id: str) -> Quiz:
        """The quiz ``quiz_id``, or a plain error naming the quizzes on this framework."""
        quiz = self.catalog.quizzes.get(quiz_id)
        if quiz is None or quiz.framework != self.framework.id:
            raise ValueError(
                f"There is no quiz '{quiz_id}' on {self.framework.title}. "
                f"Its quizzes: {', '.join(q.id for q in self.quizzes) or 'none'}."
            )
        return quiz

    def rule(self, quiz_id: str) -> PassRule:
        """The quiz's own pass rule; what it leaves out follows the default for this scale."""
        return resolve_pass_rule(self.quiz(quiz_id).pass_rule, len(self.level_ids))

    def _chosen(self, quiz_id: str) -> dict[str, str | None]:
        quiz = self.quiz(quiz_id)
        if quiz_id not in self.answers:
            raise ValueError(
                f"There are no ratings for '{quiz.title}' yet: run its YOUR RATINGS cell first, then this one again."
            )
        return self.answers[quiz_id]

    def positions(self, quiz_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(your ratings, the reference) as level positions, 0 = lowest; -1 where you gave none.

        A level that is not on the scale, or a behaviour the quiz does not have, is a plain error
        naming each one and what to write instead.
        """
        quiz = self.quiz(quiz_id)
        chosen = self._chosen(quiz_id)
        known = [item.id for item in quiz.items]
        wrong = [
            f'{item}: "{level}" is not a level of this scale.'
            for item, level in chosen.items()
            if item in known and level not in (None, "") and level not in self.level_ids
        ]
        wrong += [f"{item}: this quiz has no behaviour of that name." for item in chosen if item not in known]
        if wrong:
            raise ValueError(
                "Some ratings cannot be scored:\n"
                + "\n".join(f"  {line}" for line in wrong)
                + f"\nUse the levels {', '.join(self.level_ids)} (lowest first) and the behaviours "
                f"{known[0]} to {known[-1]}, then run this cell again."
            )
        index = {level: position for position, level in enumerate(self.level_ids)}
        mine = np.array([index.get(chosen.get(item.id) or "", -1) for item in quiz.items], dtype=np.int64)
        key = np.array([index[item.reference] for item in quiz.items], dtype=np.int64)
        return mine, key

    def dropdowns(self, quiz_id: str) -> Any:
        """An ipywidgets VBox of one dropdown per behaviour (each choice updates ``answers[quiz_id]``),
        or None without ipywidgets."""
        chosen = self._chosen(quiz_id)
        if widgets is None:
            return None
        options = [(f"{level} ({self.level_labels[level]})", level) for level in self.level_ids]
        boxes = []
        for item in self.quiz(quiz_id).items:
            level = chosen.get(item.id)
            box = widgets.Dropdown(
                options=options,
                value=level if level in self.level_ids else None,
                description=item.id,
                style={"description_width": "initial"},
            )
            box.observe(lambda change, item_id=item.id: chosen.__setitem__(item_id, change["new"]), names="value")
            boxes.append(box)
        return widgets.VBox(boxes)

    def pick(self, quiz_id: str) -> None:
        """Show the dropdowns, or say to edit the answers cell where there are none."""
        boxes = self.dropdowns(quiz_id)
        if boxes is None:
            print(NO_WIDGETS)
        else:
            display(boxes)

    # ----------------------------------------------------------------------------------------
    # Scores, feedback and the chart

    def scores(self, quiz_id: str) -> Scores:
        """:func:`raterkit.scoring.score_matrix` of your answers (one row) under the quiz's rule."""
        mine, key = self.positions(quiz_id)
        return score_matrix(mine[np.newaxis, :], key, len(self.level_ids), self.rule(quiz_id))

    def score_lines(self, quiz_id: str) -> list[str]:
        """Your agreement with the reference, your bias, weighted kappa and the pass rule's verdict."""
        quiz = self.quiz(quiz_id)
        scores = self.scores(quiz_id)
        n = int(scores.n[0])
        exact = float(scores.exact[0])
        matched = f" ({round(exact * n)} of {n})" if n else ""
        verdict = "PASS: calibrated" if scores.passed[0] else "NOT YET: practise the behaviours below"
        bias = float(scores.bias[0])
        return [
            f"Your scores on {quiz.title} ({n} of {len(quiz.items)} behaviours rated)",
            f"  exact agreement:      {percent(exact)}{matched}",
            f"  within one level:     {percent(float(scores.within_one[0]))}",
            f"  bias:                 {decimal(bias, signed=True)}: {bias_words(bias)}",
            f"  weighted kappa (QWK): {decimal(float(scores.qwk[0]))}",
            f"  result:               {verdict} (the rule: {scores.rule.describe()})",
        ]

    def score(self, quiz_id: str) -> None:
        """Print :meth:`score_lines`."""
        print("\n".join(self.score_lines(quiz_id)))

    def where(self, address: str) -> str:
        """A statement's place in words: 'framework/customer-relations/III/needs/1' -> 'Level III, Needs'."""
        return self.framework.place(address)

    def feedback_for(self, quiz_id: str) -> Feedback:
        """For every behaviour: your level, the reference, why, and the statements it rests on."""
        quiz = self.quiz(quiz_id)
        mine, key = self.positions(quiz_id)
        return Feedback([self._feedback(item, int(r), int(k)) for item, r, k in zip(quiz.items, mine, key)])

    def _feedback(self, item: QuizItem, rating: int, reference: int) -> FeedbackItem:
        if rating < 0:
            verdict = "not rated"
        elif rating == reference:
            verdict = "exact"
        else:
            steps = abs(rating - reference)
            verdict = f"{steps} level{'s' if steps > 1 else ''} {'higher' if rating > reference else 'lower'}"
        return FeedbackItem(
            item=item.id,
            verdict=verdict,
            yours=self.level_ids[rating] if rating >= 0 else None,
            reference=item.reference,
            reference_label=self.level_labels[item.reference],
            rationale=item.rationale,
            cited=[(self.where(address), self.statements[address]) for address in item.cites],
        )

    def feedback(self, quiz_id: str) -> None:
        """Show the feedback (Markdown in Jupyter, plain text elsewhere)."""
        display(self.feedback_for(quiz_id))

    def bias_figure(self, quiz_id: str) -> Figure:
        """Your level minus the reference for every behaviour: right is higher, left is lower."""
        quiz = self.quiz(quiz_id)
        mine, key = self.positions(quiz_id)
        rated = mine >= 0
        diff = np.where(rated, mine - key, 0)
        names = [item.id for item in quiz.items]
        top = len(self.level_ids) - 1
        fig, ax = plt.subplots(figsize=(7, 0.32 * len(names) + 1.2))
        ax.barh(names, diff, color=[HIGHER if d > 0 else LOWER for d in diff])
        for y, (d, r) in enumerate(zip(diff, rated)):
            label = f"{d:+d}" if r and d else ("0" if r else "not rated")
            ax.text(
                d + (0.08 if d >= 0 else -0.08), y, label, va="center", ha="left" if d >= 0 else "right", fontsize=8
            )
        ax.axvline(0, color=INK, linewidth=1)
        ax.set_xlim(-top - 0.5, top + 0.5)
        ax.invert_yaxis()
        ax.set_xlabel("your level minus the reference (levels): left lower (severe), right higher (lenient)")
        bias = float(self.scores(quiz_id).bias[0])
        mean = f" (mean {decimal(bias, signed=True)})" if rated.any() else ""
        ax.set_title(f"{quiz.title}: your bias per behaviour{mean}")
        fig.tight_layout()
        return fig

    def bias_chart(self, quiz_id: str) -> None:
        """Show :meth:`bias_figure`."""
        self.bias_figure(quiz_id)
        plt.show()
