"""The pass rule: when a trainee counts as calibrated. Plain Python, no numpy, so that the
site can state a quiz's rule without loading the scoring engine."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = ["PassRule", "TOLERANCE", "check_n_levels"]

#: Comparisons with the pass rule allow this much float slack, so 7/10 counts as 0.70.
TOLERANCE = 1e-12


def _check_share(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool)) or not 0 <= value <= 1:
        raise ValueError(
            f"PassRule.{name} must be a share between 0 and 1, got {value!r}; "
            f"write 70% as 0.70."
        )


@dataclass(frozen=True)
class PassRule:
    """When a trainee counts as calibrated: minimum exact and within-one agreement, maximum |bias|.

    Thresholds are programme choices (RATING-SCIENCE.md): NAEP qualifies scorers at 90 %
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
        if (
            not (isinstance(bias, numbers.Real) and not isinstance(bias, bool))
            or not math.isfinite(bias)
            or bias < 0
        ):
            raise ValueError(
                f"PassRule.max_abs_bias must be a finite number of level steps >= 0, got {bias!r}; "
                "for example 0.5 allows an average drift of half a level either way."
            )

    @classmethod
    def default_for(cls, n_levels: int) -> "PassRule":
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


def _number(value: float) -> str:
    # Round away float noise (0.57 * 100 == 56.99999999999999) before printing.
    return f"{round(float(value), 9):g}"


def check_n_levels(n_levels: Any) -> int:
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
