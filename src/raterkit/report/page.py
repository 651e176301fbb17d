"""The report page: its sections (summary, charts, raters, discuss first, statistics, unusable rows) and build_report.

Python gathers what each section shows as plain text and numbers; the templates in
``templates/`` turn it into HTML, escaping every piece of data (autoescape). The page makes no
request of its own: the CSS is inlined, charts are inline SVG, there are no scripts or fonts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..rules import DISCUSS_DISAGREEMENT, DISCUSS_DISTANCE, alpha_reading
from ..words import EFFECT_WORDS, bias_words, is_missing, percent, signed
from .analysis import Analysis, analyse
from .charts import charts
from .render import Table, css, render
from .summary import SEE_PROBLEMS, summary_sentences

if TYPE_CHECKING:
    from ..load import Catalog
    from ..model import QuizItem
    from ..responses import ResponseSet

__all__ = ["DiscussItem", "SummaryLine", "build_report"]

#: What each intraclass correlation of agreement.icc means, in the order the statistics table lists them.
ICC_MEANINGS = {
    "ICC1": "one rater, raters differ per behaviour",
    "ICC2": "one rater, same raters, absolute agreement",
    "ICC3": "one rater, same raters, consistency",
    "ICC1k": "average of the raters, one-way",
    "ICC2k": "average of the raters, absolute agreement",
    "ICC3k": "average of the raters, consistency",
}


@dataclass(frozen=True)
class SummaryLine:
    """One summary sentence; ``link``: it ends with a link to the list of unusable rows."""

    text: str
    link: bool = False


@dataclass(frozen=True)
class DiscussItem:
    """One behaviour of the discussion list, as the page words it."""

    id: str
    reference: str | None  # the reference level's label
    behaviour: str | None  # shortened; None without a catalog
    counts: str
    why: str
    rationale: str | None  # shortened; None without a catalog


def _shorten(text: str, limit: int = 170) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _item_index(catalog: Catalog | None) -> dict[str, QuizItem]:
    if catalog is None:
        return {}
    return {item.id: item for quiz in catalog.quizzes.values() for item in quiz.items}


def summary_lines(a: Analysis) -> list[SummaryLine]:
    """The summary sentences, the last words of the one about unusable rows made a link."""
    out = []
    for sentence in summary_sentences(a):
        if sentence.endswith(SEE_PROBLEMS):
            out.append(SummaryLine(sentence[: -len(SEE_PROBLEMS)], link=True))
        else:
            out.append(SummaryLine(sentence))
    return out


def _effect_words(effects: list[str]) -> str:
    return "; ".join(EFFECT_WORDS.get(e, e) for e in effects) if effects else "No clear effect"


def rater_table(a: Analysis) -> Table | None:
    """Each rater against the reference (and their effects before the discussion); None without a key."""
    if a.raters is None:
        return None
    earlier = a.before_raters
    rows = []
    for label, row in a.raters.iterrows():
        name = str(label)
        cells: list[Any] = [
            name,
            int(row["n"]),
            percent(row["exact"]),
            percent(row["within_one"]),
            f"{signed(row['bias'])} ({bias_words(row['bias'])})",
            _effect_words(list(row["effects"])),
        ]
        if earlier is not None:
            before = earlier.loc[name] if name in earlier.index else None
            cells.append(
                "Not in the earlier round"
                if before is None or before["n"] == 0
                else _effect_words(list(before["effects"]))
            )
        rows.append(cells)
    head = ["Rater", "Rated", "Exact", "Within one level", "Bias (levels)", "Rater effects"]
    if earlier is not None:
        head = head[:-1] + ["Rater effects now", "Before the discussion"]
    return Table("Each rater against the reference", head, rows, numeric=(1, 2, 3))


def discuss_items(a: Analysis, catalog: Catalog | None) -> list[DiscussItem]:
    """The behaviours to discuss first, most urgent first, with the reasons and the reference reasoning."""
    now = a.now
    index = _item_index(catalog)
    labels = dict(zip(now.level_ids, now.level_labels, strict=True))
    out = []
    for item_id in a.discuss:
        row = a.items.loc[item_id]
        item = index.get(item_id)
        counts = ", ".join(
            f"{level}: {a.count(item_id, k)}" for k, level in enumerate(now.level_ids) if a.count(item_id, k)
        )
        reference = a.level_id(row["reference"])
        reasons = []
        if reference is not None and bool(row["off_key"]):
            reasons.append(f"most raters chose {a.level_id(row['mode'])}, the reference is {reference}")
        if row["disagreement"] >= DISCUSS_DISAGREEMENT:
            used = sum(1 for k in range(len(now.level_ids)) if a.count(item_id, k))
            reasons.append(f"ratings spread over {used} levels")
        distance = row["mean_distance_from_key"]
        if not is_missing(distance) and abs(float(distance)) >= DISCUSS_DISTANCE:
            side = "above" if float(distance) > 0 else "below"
            reasons.append(f"the room rated {abs(float(distance)):.1f} levels {side} the reference on average")
        out.append(
            DiscussItem(
                id=item_id,
                reference=None if reference is None else labels.get(reference, reference),
                behaviour=None if item is None else _shorten(item.behaviour),
                counts=counts,
                why="; ".join(reasons) or "ratings spread",
                rationale=None if item is None else _shorten(item.rationale, 220),
            )
        )
    return out


def statistics_table(a: Analysis) -> Table:
    """Every agreement statistic with its value and what it means."""

    def value(v: float) -> str:
        return "not defined" if v is None or math.isnan(v) else f"{v:.3f}"

    rows = [
        [f"Krippendorff's alpha ({level})", value(a.alpha[level]), alpha_reading(a.alpha[level])]
        for level in ("ordinal", "interval", "nominal")
    ]
    rows.append(["Fleiss' kappa (nominal)", value(a.fleiss), "agreement on the exact level, beyond chance"])
    rows += [[f"Intraclass correlation {name}", value(a.icc[name]), meaning] for name, meaning in ICC_MEANINGS.items()]
    return Table("Agreement among the raters", ["Statistic", "Value", "Meaning"], rows, numeric=(1,))


def problem_rounds(a: Analysis) -> list[dict[str, Any]]:
    """Per round: rows read, kept and skipped, and each unusable row's message and hint."""
    rounds = [("", a.problems, a.read, a.kept, a.skipped)]
    if a.before is not None:
        rounds = [
            ("After the discussion: ", a.problems, a.read, a.kept, a.skipped),
            ("Before the discussion: ", a.before_problems, a.before_read, a.before_kept, a.before_skipped),
        ]
    return [
        {
            "prefix": prefix,
            "read": read,
            "kept": kept,
            "skipped": skipped,
            "problems": [{"headline": p.headline(), "hint": p.hint} for p in problems],
        }
        for prefix, problems, read, kept, skipped in rounds
    ]


def _quiz_title(responses: ResponseSet, a: Analysis, catalog: Catalog | None) -> str | None:
    if catalog is None:
        return None
    quiz = catalog.quizzes.get(getattr(responses, "quiz", None) or "")
    first = a.now.items[0]
    if quiz is None and first in _item_index(catalog):
        quiz = next((q for q in catalog.quizzes.values() if any(i.id == first for i in q.items)), None)
    return quiz.title if quiz is not None else None


def build_report(
    responses: ResponseSet,
    before: ResponseSet | None = None,
    title: str | None = None,
    *,
    catalog: Catalog | None = None,
) -> str:
    """The workshop report as one self-contained HTML page (UTF-8 text).

    ``before``: the same quiz rated before the discussion, for the before/after charts.
    ``catalog``: where the behaviour texts and reasoning of the discussion list come from;
    without it the list shows item ids only. ``title`` defaults to the quiz's title.
    """
    analysis = analyse(responses, before)
    quiz_title = _quiz_title(responses, analysis, catalog)
    title = title or (f"Workshop report: {quiz_title}" if quiz_title else "Workshop report")
    return str(
        render(
            "page.html",
            title=title,
            css=css(),
            rounds="two rounds, before and after the discussion" if before is not None else "one round",
            summary=summary_lines(analysis),
            charts=charts(analysis),
            rater_table=rater_table(analysis),
            discuss=discuss_items(analysis, catalog),
            statistics_table=statistics_table(analysis),
            problem_rounds=problem_rounds(analysis),
            every_row_used=not (analysis.problems or analysis.before_problems),
        )
    )
