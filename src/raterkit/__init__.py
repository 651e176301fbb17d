"""raterkit: performance frameworks as a searchable site, calibration quizzes and workshop notebooks.

The public library, for notebooks, scripts and every face of raterkit::

    from raterkit import load_catalog, read_responses, score_responses, summarize_responses

    catalog, problems = load_catalog(["frameworks", "quiz"])
    responses = read_responses(["answers/"], catalog)
    scores = score_responses(responses, catalog.quizzes[responses.quiz])
    summary = summarize_responses(responses, catalog.quizzes[responses.quiz])

Names are loaded on first use, so that importing one part (the site plugin, say) does not load
the statistics engines and numpy with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Where each public name lives.
_HOMES = {
    "Catalog": "raterkit.load",
    "load_catalog": "raterkit.load",
    "Problem": "raterkit.errors",
    "ResponseSet": "raterkit.responses",
    "read_responses": "raterkit.responses",
    "PassRule": "raterkit.rules",
    "resolve_pass_rule": "raterkit.rules",
    "alpha_reading": "raterkit.rules",
    "QuizScores": "raterkit.library",
    "score_responses": "raterkit.library",
    "summarize_responses": "raterkit.library",
    "compare_responses": "raterkit.library",
}

__all__ = [
    "Catalog",
    "PassRule",
    "Problem",
    "QuizScores",
    "ResponseSet",
    "alpha_reading",
    "compare_responses",
    "load_catalog",
    "read_responses",
    "resolve_pass_rule",
    "score_responses",
    "summarize_responses",
]

if TYPE_CHECKING:
    from .errors import Problem
    from .library import QuizScores, compare_responses, score_responses, summarize_responses
    from .load import Catalog, load_catalog
    from .responses import ResponseSet, read_responses
    from .rules import PassRule, alpha_reading, resolve_pass_rule


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'raterkit' has no attribute {name!r}")
