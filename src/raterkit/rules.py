"""Every threshold raterkit judges by, in one place: the pass rule, Krippendorff's alpha readings,
the rater-effect and discussion thresholds. Plain Python, no numpy, so that the site and the
quiz pages can state a rule without loading the statistics engines, which import it from here.
The definitions behind each number are in docs/rating-science.md."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import PassRuleSpec

__all__ = [
    "ALPHA_RELIABLE",
    "ALPHA_TENTATIVE",
    "BIAS_THRESHOLD",
    "CENTRAL_SD_RATIO",
    "DISCUSS_DISAGREEMENT",
    "DISCUSS_DISTANCE",
    "HALO_SD_RATIO",
    "INCONSISTENT_SD",
    "MIN_ITEMS_FOR_EFFECTS",
    "TOLERANCE",
    "PassRule",
    "alpha_reading",
    "check_n_levels",
    "resolve_pass_rule",
]

#: Comparisons with the pass rule allow this much float slack, so 7/10 counts as 0.70.
TOLERANCE = 1e-12


def _check_share(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool)) or not 0 <= value <= 1:
        raise ValueError(f"PassRule.{name} must be a share between 0 and 1, got {value!r}; write 70% as 0.70.")


@dataclass(frozen=True)
class PassRule:
    """When a trainee counts as calibrated: minimum exact and within-one agreement, maximum |bias|.

    Thresholds are programme choices (docs/rating-science.md): NAEP qualifies scorers at 90 %
    exact agreement on 2-point items, 80 % on 3-point and 70 % on 4- to 6-point items;
    :meth:`default_for` follows that practice, and extends the 70 % to longer scales.
    Quadratic weighted kappa is reported alongside but is not part of the rule.
    """

    exact: float  # minimum share of exact agreement, 0..1
    within_one: float = 0.95  # minimum share within one level, 0..1
    max_abs_bias: float = 0.5  # in level steps

    def __post_init__(self) -> None:
        _check_share("exact", self.exact)
        _check_share("within_one", self.within_one)
        bias = self.max_abs_bias
        if not (isinstance(bias, numbers.Real) and not isinstance(bias, bool)) or not math.isfinite(bias) or bias < 0:
            raise ValueError(
                f"PassRule.max_abs_bias must be a finite number of level steps >= 0, got {bias!r}; "
                "for example 0.5 allows an average drift of half a level either way."
            )

    @classmethod
    def default_for(cls, n_levels: int) -> PassRule:
        """NAEP-style rule for a scale of ``n_levels`` levels: 2 -> .90, 3 -> .80, 4 or more -> .70."""
        n_levels = check_n_levels(n_levels)
        exact = 0.90 if n_levels == 2 else 0.80 if n_levels == 3 else 0.70
        return cls(exact=exact)

    def describe(self) -> str:
        """The rule in plain words, e.g. 'at least 70% exact, 95% within one level, ...'."""
        bias = _number(self.max_abs_bias)
        unit = "level" if bias == "1" else "levels"
        return (
            f"at least {_number(self.exact * 100)}% exact, "
            f"{_number(self.within_one * 100)}% within one level, "
            f"average bias within ±{bias} {unit}"
        )


def resolve_pass_rule(spec: PassRuleSpec | None, n_levels: int) -> PassRule:
    """A quiz's pass rule: what its ``pass_rule`` gives, the scale's default for what it leaves out."""
    rule = PassRule.default_for(n_levels)
    if spec is None:
        return rule
    return PassRule(
        exact=rule.exact if spec.exact is None else spec.exact,
        within_one=rule.within_one if spec.within_one is None else spec.within_one,
        max_abs_bias=rule.max_abs_bias if spec.max_abs_bias is None else spec.max_abs_bias,
    )


# --------------------------------------------------------------------------------------------
# Many raters: Krippendorff's readings of alpha, rater effects, items to discuss first

#: Krippendorff (2004): alpha of at least .800 is reliable; .667 to .800 allows tentative conclusions.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667

# Rater effects and the discussion list (docs/rating-science.md, "Rater effects"). Programme
# choices: change them here, never inline.
BIAS_THRESHOLD = 0.5
"""|mean(rating - key)| at or above this many level steps: lenient (+) or severe (-)."""
CENTRAL_SD_RATIO = 0.7
"""SD of a rater's ratings / SD of the key below this, with an excess of middle levels:
central tendency."""
INCONSISTENT_SD = 1.0
"""SD of (rating - key) at or above this many level steps, not explained by central tendency:
inconsistent (misses scatter both ways rather than leaning one way)."""
MIN_ITEMS_FOR_EFFECTS = 3
"""A rater with fewer rated items gets the effect ``"too few ratings"`` instead of a verdict."""
HALO_SD_RATIO = 0.5
"""A rater's mean spread across the criteria of one behaviour below this share of the
reference's spread: halo."""
DISCUSS_DISAGREEMENT = 0.5
"""Normalised entropy at or above this puts an item on the discussion list."""
DISCUSS_DISTANCE = 0.5
"""|mean rating - key| at or above this many level steps puts an item on the discussion list."""


def alpha_reading(alpha: float | None) -> str:
    """Krippendorff's verbal reading of alpha: 'reliable', 'tentative', 'low' or 'not defined'."""
    if alpha is None or math.isnan(alpha):
        return "not defined"
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "low"


def _number(value: float) -> str:
    # Round away float noise (0.57 * 100 == 56.99999999999999) before printing.
    return f"{round(float(value), 9):g}"


def check_n_levels(n_levels: Any) -> int:
    """``n_levels`` as an int, or a ValueError that says how to pass it."""
    if not isinstance(n_levels, numbers.Integral) or isinstance(n_levels, bool):
        raise ValueError(
            f"n_levels must be a whole number of scale levels, got {n_levels!r}; "
            "pass len(scale), e.g. 4 for a scale I-IV."
        )
    if n_levels < 2:
        raise ValueError(
            f"n_levels must be at least 2, got {n_levels}; a scale needs two or more levels "
            "to score agreement. Pass the number of levels of the scale (e.g. 4 for I-IV)."
        )
    return int(n_levels)
