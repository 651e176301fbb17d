"""The library layer every face calls: score a response set against its quiz, summarise how far a
room agrees, compare two rounds. Plain data out (python numbers, nan as None), ready for JSON.

The CLI words these results, the report draws them, the notebooks plot them and a server can send
them as they are; none of them computes a statistic of its own. The engines underneath are
:mod:`raterkit.scoring` (one trainee against the key) and :mod:`raterkit.agreement` (many raters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import agreement
from .model import Quiz
from .responses import ResponseSet
from .rules import PassRule, resolve_pass_rule
from .scoring import cronbach_by_rater, score_matrix

__all__ = ["QuizScores", "aligned", "compare_responses", "score_responses", "summarize_responses", "vignette_grid"]


@dataclass(frozen=True)
class QuizScores:
    """Every rater of a response set scored against the quiz's reference levels."""

    quiz: str
    title: str
    items: list[str]
    scale: list[str]  # level ids, lowest first
    rule: PassRule
    #: One dict per rater: rater, quiz, n, exact, within_one, off_two_plus, bias, mad, qwk,
    #: passed, and ``cronbach`` (the five accuracy components, or None) where the quiz has vignettes.
    records: list[dict[str, Any]]
    #: (behaviours, criteria) of the vignette grid Cronbach's components were computed over, or None.
    vignettes: tuple[int, int] | None = None

    @property
    def passed(self) -> int:
        """How many raters passed."""
        return sum(bool(record["passed"]) for record in self.records)


def vignette_grid(quiz: Quiz, items: list[str]) -> np.ndarray | None:
    """Item columns of the quiz's vignettes (vignettes x criteria), or None when fewer than two are
    complete among ``items``. A vignette is one behaviour rated on several criteria (QuizItem.vignette)."""
    _, criteria, grid = quiz.vignettes()
    column = {item: i for i, item in enumerate(items)}
    rows = [[column[i] for i in row if i is not None] for row in grid if all(i in column for i in row)]
    return np.array(rows, dtype=np.int64) if len(rows) >= 2 and criteria else None


def score_responses(responses: ResponseSet, quiz: Quiz) -> QuizScores:
    """Score each rater in ``responses`` (read against ``quiz``) under the quiz's pass rule.

    With vignettes (the same behaviours rated on several criteria), each record also holds
    Cronbach's (1955) accuracy components under ``cronbach``.
    """
    raters, items, ratings = responses.matrix()
    n_levels = len(responses.level_ids)
    rule = resolve_pass_rule(quiz.pass_rule, n_levels)
    key = responses.key_positions()
    scores = score_matrix(ratings, key, n_levels, rule)
    records = [{"rater": r["rater"], "quiz": quiz.id, **r} for r in scores.records(raters)]
    grid = vignette_grid(quiz, items)
    if grid is not None:
        for record, parts in zip(records, cronbach_by_rater(ratings, key, grid)):
            record["cronbach"] = agreement.plain(parts)
    return QuizScores(
        quiz=quiz.id,
        title=quiz.title,
        items=list(items),
        scale=list(responses.level_ids),
        rule=rule,
        records=records,
        vignettes=None if grid is None else (int(grid.shape[0]), int(grid.shape[1])),
    )


def summarize_responses(responses: ResponseSet, quiz: Quiz | None = None) -> dict[str, Any]:
    """How far the raters in ``responses`` agree, as JSON-ready data.

    Keys: ``quiz`` and ``scale`` (level ids, lowest first), then what
    :func:`raterkit.agreement.summarize` returns (``raters``, ``items``, ``alpha`` at three
    levels, ``fleiss_kappa``, ``icc``, ``per_item``, ``per_rater``, ``discuss_first``), and
    ``halo`` (one dict per rater) when ``quiz`` has vignettes. Quiz items nobody rated are left out.
    """
    raters, items, ratings = responses.ratings()
    rated = ~np.isnan(ratings).all(axis=0)
    item_ids = [item for item, r in zip(items, rated) if r]
    key = responses.key_positions()[rated] if responses.key is not None else None
    n_levels = len(responses.level_ids)
    summary: dict[str, Any] = {
        "quiz": responses.quiz,
        "scale": list(responses.level_ids),
        **agreement.summarize(
            ratings[:, rated], key, n_levels, labels=responses.level_ids, item_ids=item_ids, rater_ids=raters
        ),
    }
    groups = {item.id: item.vignette for item in quiz.items if item.vignette is not None} if quiz else {}
    if groups:  # the same behaviour rated on several criteria: halo can be measured
        table = agreement.halo(ratings[:, rated], [groups.get(i) or f"item:{i}" for i in item_ids], key)
        summary["halo"] = [
            agreement.plain(
                {
                    "rater": rater,
                    "behaviours": row.n_behaviours,
                    "within_sd": row.within_sd,
                    "reference_sd": row.reference_sd,
                    "halo": row.halo,
                }
            )
            for rater, row in zip(raters, table.itertuples())
        ]
    return summary


def compare_responses(before: ResponseSet, after: ResponseSet) -> dict[str, Any]:
    """The same quiz rated before and after a discussion, as JSON-ready data.

    ``alpha``: ordinal Krippendorff's alpha ``before``, ``after`` and the ``change``; ``per_rater``:
    one dict per rater (``rater``, ``n_before``, ``n_after``, ``bias_before``, ``bias_after``,
    ``exact_before``, ``exact_after``, ``changes``). Items are those of ``after``; a rater in one
    round only is kept, with None for the other round.
    """
    if list(before.level_ids) != list(after.level_ids):
        raise ValueError(
            f"before: its scale ({', '.join(before.level_ids)}) differs from after's "
            f"({', '.join(after.level_ids)}); compare two rounds of the same quiz."
        )
    if after.key is None:
        raise ValueError("after: responses read without a key (levels=) cannot be compared against the reference.")
    raters_after, items, second = after.ratings()
    raters_before, items_before, earlier = before.ratings()
    first = aligned(earlier, items_before, items)
    result = agreement.compare_rounds(
        first, second, after.key_positions(), len(after.level_ids), rater_ids=(raters_before, raters_after)
    )
    per_rater = [{"rater": rater, **row} for rater, row in result["per_rater"].to_dict("index").items()]
    return agreement.plain({"alpha": result["alpha"], "per_rater": per_rater})


def aligned(ratings: np.ndarray, items: list[str], columns: list[str]) -> np.ndarray:
    """``ratings`` (raters x ``items``) with the columns of ``columns`` (nan where an item is missing)."""
    out = np.full((ratings.shape[0], len(columns)), np.nan)
    where = {item: j for j, item in enumerate(items)}
    for j, item in enumerate(columns):
        if item in where:
            out[:, j] = ratings[:, where[item]]
    return out
