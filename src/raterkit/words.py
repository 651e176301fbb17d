"""How raterkit words its numbers and findings, in one place: the CLI, the report, the notebooks
and (through the quiz payload) the quiz pages all take their wording from here.

Plain Python, no numpy: the site imports it. Missing numbers print as :data:`MISSING`; a number
printed beside its reading (alpha beside "reliable") keeps enough digits that the two never
contradict each other (0.7996 prints as 0.7996, not 0.80, because it is not yet reliable).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .rules import BIAS_THRESHOLD, alpha_reading

__all__ = [
    "ALPHA_VERDICTS",
    "BIAS_PHRASES",
    "EFFECT_WORDS",
    "MISSING",
    "READING_WORDS",
    "alpha_text",
    "alpha_words",
    "bias_words",
    "count",
    "decimal",
    "is_missing",
    "join",
    "leaning",
    "percent",
    "percent_of",
    "signed",
]

#: What a number that cannot be computed prints as, everywhere.
MISSING = "—"


def is_missing(value: float | None) -> bool:
    """True for None and nan: a number that was not computed."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(n: int, one: str, many: str | None = None) -> str:
    """'1 rater', '3 raters', '2 quizzes' (with ``many``)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def join(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def percent(share: float | None) -> str:
    """A share 0..1 as a whole percentage, '75%'."""
    return MISSING if is_missing(share) else f"{round(float(share) * 100):d}%"  # type: ignore[arg-type]


def percent_of(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a whole percentage, '4%'; '<1%' when some but under half a percent
    (a few raters of thousands are not none), '—' when ``whole`` is 0."""
    if whole <= 0:
        return MISSING
    return "<1%" if part and part / whole < 0.005 else percent(part / whole)


def decimal(value: float | None, signed: bool = False, digits: int = 2) -> str:
    """A number with ``digits`` decimals; ``signed`` puts + before a positive value. Never '-0.00'."""
    if value is None or is_missing(value):
        return MISSING
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    if value < 0:
        return "-" + text
    return ("+" if signed else "") + text


def signed(value: float | None, digits: int = 2) -> str:
    """A signed number for pages, with a true minus sign: '+0.50', '−0.25', '0.00'."""
    return decimal(value, signed=True, digits=digits).replace("-", "−")


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha and its reading

#: The reading of alpha in a sentence of the report.
READING_WORDS = {
    "reliable": "reliable (at least 0.800)",
    "tentative": "good enough for tentative conclusions only (0.667 to 0.800; reliable is 0.800 or more)",
    "low": "low (below 0.667): the group does not yet rate alike",
    "not defined": "not defined (too few paired ratings, or no variation)",
}

#: The reading of alpha in one line of the terminal.
ALPHA_VERDICTS = {
    "reliable": "reliable agreement",
    "tentative": "tentative agreement",
    "low": "unreliable agreement",
}


def alpha_text(alpha: float | None) -> str:
    """Two decimals, or more where two would blur a threshold (0.7996 is not 'at least 0.80')."""
    if alpha is None or math.isnan(alpha):
        return "not defined"
    for digits in (2, 3, 4, 5, 6):
        text = f"{alpha:.{digits}f}"
        if alpha_reading(float(text)) == alpha_reading(alpha):
            return text
    return f"{alpha:.6f}"


def alpha_words(alpha: float | None) -> str:
    """Alpha and its reading in a few words, for the terminal: '0.72: tentative agreement'."""
    if alpha is None or math.isnan(alpha):
        return "cannot be computed: it needs behaviours rated by two raters or more, and some variation"
    return f"{alpha_text(alpha)}: {ALPHA_VERDICTS[alpha_reading(alpha)]}"


# --------------------------------------------------------------------------------------------
# Bias and rater effects

#: How an average distance from the reference is said. ``{size}`` is the distance with two
#: decimals and ``{unit}`` 'level' or 'levels'; ``lenient``/``severe`` follow the sentence only when
#: the distance reaches BIAS_THRESHOLD (a rater effect), so a small drift is not called one.
#: The quiz pages receive these phrases and the threshold in their payload.
BIAS_PHRASES = {
    "same": "on average the same as the reference",
    "higher": "on average {size} {unit} higher than the reference",
    "lower": "on average {size} {unit} lower than the reference",
    "lenient": ": lenient",
    "severe": ": severe",
    "none": "no ratings",
}


def bias_words(bias: float | None) -> str:
    """A trainee's average distance from the reference in words (+ is lenient, - severe)."""
    if bias is None or is_missing(bias):
        return BIAS_PHRASES["none"]
    size = f"{abs(bias):.2f}"
    if float(size) == 0:
        return BIAS_PHRASES["same"]
    unit = "level" if size == "1.00" else "levels"
    side = BIAS_PHRASES["higher" if bias > 0 else "lower"].format(size=size, unit=unit)
    effect = leaning(bias)
    return side + (BIAS_PHRASES[effect] if effect != MISSING else "")


def leaning(bias: float | None) -> str:
    """'lenient' or 'severe' when the bias reaches the rater-effect threshold, else MISSING."""
    if bias is None or is_missing(bias) or abs(bias) < BIAS_THRESHOLD - 1e-12:
        return MISSING
    return "lenient" if bias > 0 else "severe"


#: Rater effects (agreement.rater_table's ``effects``) as a trainer reads them.
EFFECT_WORDS = {
    "lenient": "Lenient: rates higher than the reference",
    "severe": "Severe: rates lower than the reference",
    "central tendency": "Central tendency: avoids the lowest and highest levels",
    "inconsistent": "Inconsistent: misses the reference in both directions",
    "too few ratings": "Too few ratings to judge",
}
