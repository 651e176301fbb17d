"""The report page: its sections (summary, charts, raters, discuss first, statistics, unusable rows) and build_report.

A large room (more than :data:`.analysis.MOST_RATERS_DRAWN` raters) gets a raters section that
does not grow with it: how many raters show each effect and the raters furthest from the
reference, with a link to the per-rater CSV file that :func:`make_report` returns beside the page.

Python gathers what each section shows as plain text and numbers; the templates in
``templates/`` turn it into HTML, escaping every piece of data (autoescape). The page makes no
request of its own: the CSS is inlined, charts are inline SVG, there are no scripts or fonts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..rules import DISCUSS_DISAGREEMENT, DISCUSS_DISTANCE, alpha_reading
from ..words import EFFECT_WORDS, bias_words, is_missing, percent, percent_of, signed
from .analysis import FURTHEST_SHOWN, Analysis, analyse, effect_counts, furthest_raters
from .charts import charts
from .rater_file import rater_csv
from .render import Table, css, render
from .summary import SEE_PROBLEMS, summary_sentences

if TYPE_CHECKING:
    from ..load import Catalog
    from ..model import QuizItem
    from ..responses import ResponseSet

__all__ = ["DiscussItem", "Report", "SummaryLine", "build_report", "make_report"]

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


def _rater_rows(a: Analysis, raters: Any, distance: bool = False) -> list[list[Any]]:
    """The rater table's rows for the raters of ``raters`` (a slice of agreement.rater_table)."""
    earlier = a.before_raters
    rows = []
    for label, row in raters.iterrows():
        name = str(label)
        cells: list[Any] = [
            name,
            int(row["n"]),
            percent(row["exact"]),
            percent(row["within_one"]),
            f"{signed(row['bias'])} ({bias_words(row['bias'])})",
        ]
        if distance:
            cells.append(signed(row["mad"]).lstrip("+"))
        cells.append(_effect_words(list(row["effects"])))
        if earlier is not None:
            before = earlier.loc[name] if name in earlier.index else None
            cells.append(
                "Not in the earlier round"
                if before is None or before["n"] == 0
                else _effect_words(list(before["effects"]))
            )
        rows.append(cells)
    return rows


def rater_table(a: Analysis) -> Table | None:
    """Each rater against the reference (and their effects before the discussion); None without a key."""
    if a.raters is None:
        return None
    head = ["Rater", "Rated", "Exact", "Within one level", "Bias (levels)", "Rater effects"]
    if a.before_raters is not None:
        head = head[:-1] + ["Rater effects now", "Before the discussion"]
    return Table("Each rater against the reference", head, _rater_rows(a, a.raters), numeric=(1, 2, 3))


@dataclass(frozen=True)
class LargeRaters:
    """A large room's raters section: effect counts, the raters furthest from the reference, the rater file."""

    n: int  # raters in the room
    effects: Table
    furthest: Table
    shown: int  # raters listed in ``furthest``
    file: str | None  # the per-rater CSV's name, for a relative link; None when none is written
    href: str | None


def large_raters(a: Analysis, raters_file: str | None) -> LargeRaters | None:
    """A large room's raters section; None for a room the page lists rater by rater, or without a key."""
    if a.raters is None or not a.large:
        return None
    n = len(a.raters)
    effects = Table(
        "Raters showing each rater effect (a rater may show two)",
        ["Rater effect", "Raters", "Share of the room"],
        [
            [EFFECT_WORDS.get(effect, "No clear effect"), found, percent_of(found, n)]
            for effect, found in effect_counts(a.raters)
        ],
        numeric=(1, 2),
    )
    furthest = furthest_raters(a.raters, FURTHEST_SHOWN)
    head = [
        "Rater",
        "Rated",
        "Exact",
        "Within one level",
        "Bias (levels)",
        "Average distance (levels)",
        "Rater effects",
    ]
    if a.before_raters is not None:
        head = head[:-1] + ["Rater effects now", "Before the discussion"]
    table = Table(
        f"The {len(furthest)} raters furthest from the reference (largest average distance first)",
        head,
        _rater_rows(a, furthest, distance=True),
        numeric=(1, 2, 3, 5),
    )
    return LargeRaters(
        n=n,
        effects=effects,
        furthest=table,
        shown=len(furthest),
        file=raters_file,
        href=None if raters_file is None else quote(raters_file),
    )


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


@dataclass(frozen=True)
class Report:
    """The report page, and for a large room with a reference key the per-rater CSV to write beside it."""

    html: str
    raters_csv: bytes | None  # None: the page lists every rater itself (or there is no key)


def make_report(
    responses: ResponseSet,
    before: ResponseSet | None = None,
    title: str | None = None,
    *,
    catalog: Catalog | None = None,
    raters_file: str | None = None,
) -> Report:
    """The workshop report page and, for a large room, its per-rater CSV file.

    ``raters_file``: the name the CSV will be written under, beside the page (the page links to
    it by that name); without it a large room's page says how to get the file instead of linking.
    The other arguments are build_report's.
    """
    analysis = analyse(responses, before)
    quiz_title = _quiz_title(responses, analysis, catalog)
    title = title or (f"Workshop report: {quiz_title}" if quiz_title else "Workshop report")
    large = large_raters(analysis, raters_file)
    page = str(
        render(
            "page.html",
            title=title,
            css=css(),
            rounds="two rounds, before and after the discussion" if before is not None else "one round",
            summary=summary_lines(analysis),
            charts=charts(analysis),
            rater_table=None if large is not None else rater_table(analysis),
            large_raters=large,
            discuss=discuss_items(analysis, catalog),
            statistics_table=statistics_table(analysis),
            problem_rounds=problem_rounds(analysis),
            every_row_used=not (analysis.problems or analysis.before_problems),
        )
    )
    return Report(page, rater_csv(analysis) if large is not None else None)


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
    A room of more than MOST_RATERS_DRAWN raters gets distributions instead of a row per rater;
    :func:`make_report` gives its per-rater CSV file as well.
    """
    return make_report(responses, before, title, catalog=catalog).html
