"""A calibration workshop as the trainer notebook shows it: how the room rated, step by step.

``Workshop.read(catalog, after, before, quiz)`` reads the raters' exported responses (after the
discussion, and optionally before it); its methods return the tables and figures and its
``show_*`` methods print or display them in a notebook: group agreement, the behaviours to
discuss first, each rater's accuracy and rater effects, halo where the quiz rates one behaviour
on several criteria, charts, the change between the rounds and the report's summary.

Every number comes from :mod:`raterkit.agreement` (and the summary from :mod:`raterkit.report`);
thresholds come from :mod:`raterkit.rules` and wording from :mod:`raterkit.words`. It is a
Jupyter face: it imports IPython and matplotlib, which the core never does.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import agreement
from .catalog import Catalog
from .report import analyse, summary_sentences
from .report.colour import DEVIATION_FILL, HIGHER, INK, LOWER, MUTED, deviation_fill, text_on
from .responses import ResponseSet, read_responses
from .rules import BIAS_THRESHOLD, alpha_reading
from .words import MISSING, READING_WORDS, alpha_text, count, decimal, join, percent

__all__ = ["Workshop"]

Paths = Path | str | Iterable[Path | str]


def _paths(paths: Paths) -> list[Path | str]:
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def _as_ratings(positions: np.ndarray) -> np.ndarray:
    """Level positions with -1 for 'no rating' as floats with nan, the form raterkit.agreement reads."""
    return np.where(positions >= 0, positions, np.nan).astype(float)


def _usable_quiz(responses: ResponseSet, name: str) -> str:
    """The quiz the responses were read against, or a plain error listing the first problems."""
    if responses.quiz is None or not responses.kept:
        problems = "".join(f"\n    {problem.headline()}" for problem in responses.problems[:10])
        raise ValueError(
            f"The responses {name} the discussion hold no ratings of one quiz that can be used "
            f"({responses.summary_line()}). Check that the files are the raters' exports, and "
            f"set QUIZ to the quiz's id.{problems}"
        )
    return responses.quiz


class Workshop:
    """One workshop: the responses after the discussion and, if there was one, the round before.

    Both rounds are read against the same quiz, whose reference levels are the key.
    """

    def __init__(self, catalog: Catalog, after: ResponseSet, before: ResponseSet | None = None):
        quiz_id = _usable_quiz(after, "after")
        if before is not None and _usable_quiz(before, "before") != quiz_id:
            raise ValueError(
                f"The round before the discussion rates quiz '{before.quiz}', the round after quiz "
                f"'{quiz_id}': compare two rounds of the same quiz."
            )
        self.catalog = catalog
        self.after = after
        self.before = before
        self.quiz = catalog.quizzes[quiz_id]
        self.raters, self.items, positions = after.matrix()
        self.ratings = _as_ratings(positions)
        self.key = after.key_positions()
        self.level_ids = list(after.level_ids)
        self.n_levels = len(self.level_ids)
        self.before_raters: list[str] = []
        self.before_ratings: np.ndarray | None = None
        if before is not None:
            raters, items, earlier = before.matrix()
            self.before_raters = raters
            self.before_ratings = np.full((len(raters), len(self.items)), np.nan)
            column = {item: j for j, item in enumerate(items)}
            for j, item in enumerate(self.items):
                if item in column:
                    self.before_ratings[:, j] = _as_ratings(earlier[:, column[item]])

    @classmethod
    def read(cls, catalog: Catalog, after: Paths, before: Paths | None = None, quiz: str | None = None) -> Workshop:
        """Read the exported files (or folders of them) of each round against ``quiz`` (None: the
        quiz the files' behaviours belong to)."""
        responses = read_responses(_paths(after), catalog, quiz)
        earlier = read_responses(_paths(before), catalog, quiz or responses.quiz) if before else None
        return cls(catalog, responses, earlier)

    # ----------------------------------------------------------------------------------------
    # The files

    def file_lines(self) -> list[str]:
        """What was read in each round, each unusable row beneath it."""
        lines = []
        for name, responses in (("Before", self.before), ("After", self.after)):
            if responses is not None:
                lines.append(f"{name} the discussion: {responses.summary_line()}")
                lines += [textwrap.indent(str(problem), "    ") for problem in responses.problems]
        return lines

    def overview(self) -> str:
        return (
            f"{self.quiz.title}: {count(len(self.raters), 'rater')}, {count(len(self.items), 'behaviour')}, "
            f"levels {', '.join(self.level_ids)}"
        )

    def show_files(self) -> None:
        print("\n".join([*self.file_lines(), self.overview()]))

    # ----------------------------------------------------------------------------------------
    # The group

    @cached_property
    def summary(self) -> dict[str, Any]:
        """:func:`raterkit.agreement.summarize` of the round after the discussion."""
        return agreement.summarize(self.ratings, self.key, self.n_levels, self.level_ids, self.items, self.raters)

    def alpha_line(self) -> str:
        alpha = self.summary["alpha"]["ordinal"]
        reading = alpha_reading(alpha)
        shown = MISSING if alpha is None else alpha_text(alpha)
        return f"Krippendorff's alpha (ordinal) = {shown}: {READING_WORDS[reading]}"

    def statistics(self) -> pd.DataFrame:
        """Alpha (ordinal, interval, nominal), Fleiss' kappa and the six intraclass correlations."""
        values = {f"alpha ({level})": self.summary["alpha"][level] for level in ("ordinal", "interval", "nominal")}
        values["Fleiss' kappa"] = self.summary["fleiss_kappa"]
        values.update(self.summary["icc"])
        shown = {name: decimal(value, digits=3) for name, value in values.items()}
        return pd.Series(shown, name="value").rename_axis("statistic").to_frame()

    def show_agreement(self) -> None:
        print(self.alpha_line())
        display(self.statistics())

    # ----------------------------------------------------------------------------------------
    # The behaviours

    @cached_property
    def item_table(self) -> pd.DataFrame:
        """:func:`raterkit.agreement.item_table` of the round after the discussion."""
        return agreement.item_table(self.ratings, self.key, self.level_ids, self.items)

    @cached_property
    def level_counts(self) -> pd.DataFrame:
        """:func:`raterkit.agreement.level_counts`: how many raters chose each level, per behaviour."""
        return agreement.level_counts(self.ratings, self.level_ids, self.items)

    def discuss_first(self) -> list[str]:
        """:func:`raterkit.agreement.discuss_first`: the behaviours to talk through, most urgent first."""
        return agreement.discuss_first(self.item_table)

    def discuss_line(self) -> str:
        first = self.discuss_first()
        return "Discuss first: " + (join(first) if first else "nothing: the room agrees with the reference")

    def discuss_table(self) -> pd.DataFrame:
        """The behaviours to discuss first: reference, most chosen level, the ratings and the spread."""
        behaviours = {item.id: item for item in self.quiz.items}
        rows = []
        for item_id in self.discuss_first():
            row, counts = self.item_table.loc[item_id], self.level_counts.loc[item_id]
            rows.append(
                {
                    "behaviour": item_id,
                    "reference": row["reference"],
                    "most chosen": row["mode"],
                    "ratings": ", ".join(f"{level}: {counts[level]}" for level in self.level_ids if counts[level]),
                    "spread (0-1)": decimal(row["disagreement"]),
                    "text": textwrap.shorten(behaviours[item_id].behaviour, 110),
                }
            )
        return pd.DataFrame(rows, columns=["behaviour", "reference", "most chosen", "ratings", "spread (0-1)", "text"])

    def show_discuss_first(self) -> None:
        print(self.discuss_line())
        with pd.option_context("display.max_colwidth", None):
            display(self.discuss_table())

    # ----------------------------------------------------------------------------------------
    # The raters

    @cached_property
    def rater_table(self) -> pd.DataFrame:
        """:func:`raterkit.agreement.rater_table` of the round after the discussion."""
        return agreement.rater_table(self.ratings, self.key, self.n_levels, self.raters)

    def raters_shown(self) -> pd.DataFrame:
        """The rater table as the trainer reads it: shares as percentages, effects in words."""
        table = self.rater_table
        return pd.DataFrame(
            {
                "rated": table["n"],
                "exact": [percent(v) for v in table["exact"]],
                "within one level": [percent(v) for v in table["within_one"]],
                "bias": [decimal(v, signed=True) for v in table["bias"]],
                "mean distance": [decimal(v) for v in table["mad"]],
                "effects": [", ".join(effects) or "none" for effects in table["effects"]],
            },
            index=table.index,
        )

    def show_raters(self) -> None:
        display(self.raters_shown())

    def halo_table(self) -> pd.DataFrame | None:
        """:func:`raterkit.agreement.halo` by rater, or None when the quiz rates every behaviour on
        one criterion only (no item has a ``vignette``)."""
        if not any(item.vignette for item in self.quiz.items):
            return None
        vignette = {item.id: item.vignette or item.id for item in self.quiz.items}
        table = agreement.halo(self.ratings, [vignette[item] for item in self.items], self.key)
        return table.set_axis(pd.Index(self.raters, name="rater"))

    def show_halo(self) -> None:
        table = self.halo_table()
        if table is None:
            print(f"{self.quiz.title} rates each behaviour on one criterion only: halo does not apply.")
            return
        showing = [str(rater) for rater, flag in table["halo"].items() if flag]
        print("Halo: " + (join(showing) if showing else "no rater"))
        display(
            pd.DataFrame(
                {
                    "behaviours": table["n_behaviours"],
                    "spread across criteria": [decimal(v) for v in table["within_sd"]],
                    "the reference's spread": [decimal(v) for v in table["reference_sd"]],
                    "halo": ["yes" if flag else "no" for flag in table["halo"]],
                },
                index=table.index,
            )
        )

    # ----------------------------------------------------------------------------------------
    # Charts

    def heatmap_figure(self) -> Figure:
        """Who rated what: each cell prints the level given, its colour the distance from the reference."""
        distance = self.ratings - self.key
        steps = sorted(DEVIATION_FILL)
        palette = ListedColormap([DEVIATION_FILL[d] for d in steps])
        grid = np.vstack([np.zeros(len(self.items)), distance])
        fig, ax = plt.subplots(figsize=(0.55 * len(self.items) + 2, 0.35 * len(self.raters) + 1.5))
        ax.imshow(np.nan_to_num(grid, nan=0), cmap=palette, vmin=steps[0] - 0.5, vmax=steps[-1] + 0.5, aspect="auto")
        for r, row in enumerate(np.vstack([self.key, self.ratings])):
            for i, value in enumerate(row):
                d = 0 if r == 0 or np.isnan(value) else int(distance[r - 1, i])
                text = MISSING if np.isnan(value) else self.level_ids[int(value)]
                ax.text(
                    i,
                    r,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=text_on(deviation_fill(d)),
                    fontweight="bold" if r == 0 else None,
                )
        ax.set_xticks(range(len(self.items)), self.items, rotation=90, fontsize=8)
        ax.set_yticks(range(len(self.raters) + 1), ["reference", *self.raters], fontsize=8)
        ax.set_title("Level given by each rater (colour: distance from the reference)")
        fig.tight_layout()
        return fig

    def bias_figure(self) -> Figure:
        """Each rater's bias (mean rating minus reference), dashed at the rater-effect threshold."""
        bias = self.rater_table["bias"].to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(7, 0.3 * len(self.raters) + 1.2))
        ax.barh(self.raters, np.nan_to_num(bias), color=[HIGHER if b > 0 else LOWER for b in bias])
        for y, b in enumerate(bias):
            x = 0.0 if np.isnan(b) else b
            ax.text(
                x + (0.02 if x >= 0 else -0.02),
                y,
                decimal(b, signed=True),
                va="center",
                ha="left" if x >= 0 else "right",
                fontsize=8,
            )
        ax.axvline(0, color=INK, linewidth=1)
        for mark in (-BIAS_THRESHOLD, BIAS_THRESHOLD):
            ax.axvline(mark, color=MUTED, linestyle="--", linewidth=0.8)
        reach = max(1.2, float(np.nanmax(np.abs(bias), initial=0)) + 0.2)
        ax.set_xlim(-reach, reach)
        ax.invert_yaxis()
        ax.set_xlabel("average of rating minus reference (levels): left severe, right lenient")
        ax.set_title(f"Bias per rater (dashed: ±{decimal(BIAS_THRESHOLD, digits=1)}, a substantive effect)")
        fig.tight_layout()
        return fig

    def show_heatmap(self) -> None:
        self.heatmap_figure()
        plt.show()

    def show_bias_chart(self) -> None:
        self.bias_figure()
        plt.show()

    # ----------------------------------------------------------------------------------------
    # Before and after the discussion

    @cached_property
    def comparison(self) -> dict[str, Any] | None:
        """:func:`raterkit.agreement.compare_rounds` of the two rounds, or None with one round."""
        if self.before_ratings is None:
            return None
        return agreement.compare_rounds(
            self.before_ratings, self.ratings, self.key, self.n_levels, rater_ids=(self.before_raters, self.raters)
        )

    def change_line(self) -> str:
        if self.comparison is None:
            return "No earlier round: set BEFORE to compare."
        a = self.comparison["alpha"]
        return (
            f"Krippendorff's alpha (ordinal): before {alpha_text(a['before'])} ({alpha_reading(a['before'])}), "
            f"after {alpha_text(a['after'])} ({alpha_reading(a['after'])}), change {decimal(a['change'], signed=True)}"
        )

    def change_table(self) -> pd.DataFrame | None:
        """Each rater's bias and exact agreement before and after, and how many levels they changed."""
        if self.comparison is None:
            return None
        per = self.comparison["per_rater"]
        return pd.DataFrame(
            {
                "bias before": [decimal(v, signed=True) for v in per["bias_before"]],
                "bias after": [decimal(v, signed=True) for v in per["bias_after"]],
                "exact before": [percent(v) for v in per["exact_before"]],
                "exact after": [percent(v) for v in per["exact_after"]],
                "levels changed": [decimal(v, digits=0) for v in per["changes"]],
            },
            index=per.index,
        )

    def show_change(self) -> None:
        print(self.change_line())
        table = self.change_table()
        if table is not None:
            display(table)

    def change_figure(self) -> Figure | None:
        """Each rater before (hollow) and after (filled): bias and exact agreement; None with one round."""
        if self.comparison is None:
            return None
        per = self.comparison["per_rater"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 0.3 * len(per) + 1.5), sharey=True)
        names = [str(name) for name in per.index]
        for ax, column, title, limits in (
            (axes[0], "bias", "Bias (levels)", (-1.2, 1.2)),
            (axes[1], "exact", "Exact agreement (share)", (0, 1.05)),
        ):
            was, now = per[f"{column}_before"], per[f"{column}_after"]
            ax.hlines(names, was, now, color=MUTED)
            ax.scatter(was, names, facecolors="white", edgecolors=INK, label="before", zorder=3)
            ax.scatter(now, names, color=INK, label="after", zorder=3)
            ax.set_xlim(*limits)
            ax.set_title(title)
        axes[0].axvline(0, color=INK, linewidth=0.8)
        axes[0].invert_yaxis()
        axes[1].legend(loc="lower left")
        fig.suptitle("Each rater before (hollow) and after (filled) the discussion")
        fig.tight_layout()
        return fig

    def show_change_chart(self) -> None:
        if self.change_figure() is not None:
            plt.show()

    # ----------------------------------------------------------------------------------------
    # The report's summary

    def summary_sentences(self) -> list[str]:
        """The workshop report's plain-language summary (:func:`raterkit.report.summary_sentences`)."""
        return summary_sentences(analyse(self.after, self.before))

    def show_summary(self) -> None:
        print("\n".join(self.summary_sentences()))
