"""Write the sample workshop data: two rounds of synthetic raters on the Career Path 1 quiz.

The files in ``examples/workshop/`` are input data for the trainer's report, the workshop
notebook and the tests; this module regenerates them byte for byte (``python -m
raterkit.workshop`` or ``raterkit workshop-sample``). Pure numpy with a fixed seed: every
rater draws from a generator of their own, so changing one profile leaves the others' files
unchanged.

The raters have recognisable profiles (docs/rating-science.md, "Rater effects"): accurate,
lenient, severe, central tendency, random, and one "general impression" rater who rates the
whole-factor items all alike. A few items are hard on purpose: even accurate raters split on
them, so the discussion list has something to say. Round 2 is the same quiz after the
discussion: most raters move toward the key. Round 2 also holds three rows an export
might really contain and that cannot be used (see ``_with_mistakes``).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .load import Catalog, load_catalog

__all__ = ["QUIZ_ID", "RATERS", "Rater", "large_room", "sample_files", "write_sample"]

QUIZ_ID = "cp1-customer-relations"
SEED = 20260310
HEADER = "rater,item,rating,quiz,timestamp"

#: Items that split the room even among careful raters, and where the room drifts to:
#: item id -> (chance that a rater who would have rated it right strays, direction in levels).
HARD_ITEMS: dict[str, tuple[float, int]] = {
    "cp1-07": (0.85, +1),  # reference I; timely work and a customer meeting look like Level II
    "cp1-03": (0.5, -1),  # reference IV; the alliance-building reads like Level III
    "cp1-10": (0.45, -1),  # reference III; bringing teams together reads like guiding team members (II)
}


@dataclass(frozen=True)
class Rater:
    """One synthetic rater: an id (also the file name) and a profile."""

    id: str
    profile: str  # accurate, lenient, severe, central, random, impression
    #: Round 2: chance that a rating off the key is corrected after the discussion.
    corrects: float


RATERS: tuple[Rater, ...] = (
    Rater("r01-alex", "accurate", 0.9),
    Rater("r02-bea", "accurate", 0.9),
    Rater("r03-chen", "accurate", 0.9),
    Rater("r04-dana", "lenient", 0.8),
    Rater("r05-eli", "lenient", 0.7),
    Rater("r06-fatima", "severe", 0.8),
    Rater("r07-gus", "severe", 0.7),
    Rater("r08-hana", "central", 0.8),
    Rater("r09-ivan", "central", 0.7),
    Rater("r10-jo", "random", 0.6),
    Rater("r11-kim", "random", 0.5),
    Rater("r12-lee", "impression", 0.8),
)


def _some(mask: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A random subset of exactly round(share * count) of the True cells of ``mask``."""
    where = np.flatnonzero(mask)
    chosen = rng.permutation(where)[: int(round(share * where.size))]
    out = np.zeros(mask.size, dtype=bool)
    out[chosen] = True
    return out


def _first_round(
    rater: Rater,
    key: np.ndarray,
    whole: np.ndarray,
    hard: dict[int, tuple[float, int]],
    n_levels: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Level positions of one rater's first-round ratings.

    Profiles apply to a fixed share of the items they can affect (not a coin per item), so
    every rater shows their effect clearly even on a 16-item quiz.
    """
    top = n_levels - 1
    n = key.size
    if rater.profile == "random":
        return rng.integers(0, n_levels, size=n)
    everywhere = np.ones(n, dtype=bool)
    if rater.profile == "accurate":
        slips = _some(everywhere, 0.1, rng)
        rating = np.where(slips, np.where(key == top, key - 1, key + rng.choice([-1, 1], size=n)), key)
    elif rater.profile == "lenient":
        rating = np.where(_some(key < top, 0.85, rng), key + 1, key)
    elif rater.profile == "severe":
        rating = np.where(_some(key > 0, 0.85, rng), key - 1, key)
    elif rater.profile == "central":
        # Extremes pulled to the middle levels; middle levels right.
        extreme = (key == 0) | (key == top)
        rating = np.where(_some(extreme, 0.85, rng), np.where(key == 0, 1, top - 1), key)
    elif rater.profile == "impression":
        # Single-criterion items right; every whole-factor item gets one general impression.
        impression = int(round(float(key[whole].mean()))) if whole.any() else 0
        rating = np.where(whole, impression, key)
    else:
        raise ValueError(
            f"unknown profile {rater.profile!r}; use accurate, lenient, severe, central, random or impression"
        )
    # Hard items: even careful raters stray, in the direction the item misleads.
    for i, (share, direction) in hard.items():
        if rating[i] == key[i] and rng.random() < share:
            rating[i] = key[i] + direction
    return np.clip(rating, 0, top)


def _second_round(
    rater: Rater, first: np.ndarray, key: np.ndarray, hard: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """After the discussion: each miss is corrected with the rater's chance (less on hard items)."""
    chance = np.where(hard, rater.corrects * 0.7, rater.corrects)
    fixed = rng.random(key.size) < chance
    return np.where((first != key) & fixed, key, first)


def sample_ratings(catalog: Catalog, quiz_id: str = QUIZ_ID, seed: int = SEED) -> dict:
    """Both rounds as level positions: {'items', 'level_ids', 'key', 'round1', 'round2'} (rater -> array)."""
    quiz = catalog.quizzes.get(quiz_id)
    if quiz is None:
        raise ValueError(
            f"quiz '{quiz_id}' is not in the catalog; load the quiz folder too, "
            "e.g. load_catalog(['frameworks', 'quiz'])."
        )
    framework = catalog.frameworks[quiz.framework]
    level_ids = [level.id for level in framework.scale]
    items = [item.id for item in quiz.items]
    key = np.array([framework.level_index(item.reference) for item in quiz.items])
    whole = np.array([item.criterion is None for item in quiz.items])
    hard = {items.index(item): drift for item, drift in HARD_ITEMS.items() if item in items}
    is_hard = np.isin(np.arange(len(items)), list(hard))
    round1, round2 = {}, {}
    for number, rater in enumerate(RATERS):
        rng = np.random.default_rng([seed, number])
        first = _first_round(rater, key, whole, hard, len(level_ids), rng)
        round1[rater.id] = first
        round2[rater.id] = _second_round(rater, first, key, is_hard, rng)
    return {"items": items, "level_ids": level_ids, "key": key, "round1": round1, "round2": round2}


def _csv(
    rater: str, items: list[str], ratings: np.ndarray, level_ids: list[str], quiz_id: str, day: str, start_minute: int
) -> str:
    out = io.StringIO()
    out.write(HEADER + "\n")
    for i, (item, position) in enumerate(zip(items, ratings)):
        minute = start_minute + 2 * i
        stamp = f"{day}T{9 + minute // 60:02d}:{minute % 60:02d}:00"
        out.write(f"{rater},{item},{level_ids[int(position)]},{quiz_id},{stamp}\n")
    return out.getvalue()


def _with_mistakes(files: dict[str, str], data: dict) -> dict[str, str]:
    """Three rows a real export might hold, each of which read_responses skips (round 2 only):

    a rating that is not a level ('IV+', corrected on the next row), an item the quiz does
    not have ('cp1-17'), and a second rating of an item already rated (the first is kept).
    So the report's list of unusable rows has something to show, while every rater still
    rates all 16 items.
    """
    top = data["level_ids"][-1]
    items = data["items"]

    def lines(name: str) -> list[str]:
        return files[name].splitlines(keepends=True)

    name = "round2/r10-jo.csv"
    rows = lines(name)
    at = next(i for i, row in enumerate(rows[1:], start=1) if row.split(",")[2] == top)
    rows.insert(at, rows[at].replace(f",{top},", f",{top}+,", 1))
    files[name] = "".join(rows)

    name = "round2/r07-gus.csv"
    rows = lines(name)
    last = rows[-1].split(",")
    rows.append(",".join([last[0], "cp1-17", data["level_ids"][1], *last[3:]]))
    files[name] = "".join(rows)

    name = "round2/r03-chen.csv"
    rows = lines(name)
    repeat = rows[1 + items.index("cp1-08")].split(",")
    level = data["level_ids"].index(repeat[2])
    repeat[2] = data["level_ids"][level - 1 if level > 0 else level + 1]  # changed their mind
    repeat[4] = rows[-1].split(",")[4]
    rows.append(",".join(repeat))
    files[name] = "".join(rows)
    return files


def sample_files(catalog: Catalog, quiz_id: str = QUIZ_ID, seed: int = SEED) -> dict[str, str]:
    """Relative path (``round1/r01-alex.csv``) -> file text, for both rounds."""
    data = sample_ratings(catalog, quiz_id, seed)
    files = {}
    for round_name, day in (("round1", "2026-03-10"), ("round2", "2026-03-10")):
        offset = 0 if round_name == "round1" else 150  # round 2 after the morning's discussion
        for number, rater in enumerate(RATERS):
            files[f"{round_name}/{rater.id}.csv"] = _csv(
                rater.id,
                data["items"],
                data[round_name][rater.id],
                data["level_ids"],
                quiz_id,
                day,
                offset + number,
            )
    return _with_mistakes(files, data)


def large_room(catalog: Catalog, n_raters: int, quiz_id: str = QUIZ_ID, seed: int = SEED) -> str:
    """A synthetic large room as one response file's text (``rater,item,rating``): ``n_raters``
    raters on every item of the quiz, for the report's large-room tests and benchmark.

    Drawn in one go with numpy: each rater has a drift (a tenth lenient, a tenth severe, by one
    level on a random share of the items) and a chance of slipping a level either way on any item;
    rater names are ``room-000001`` and on. The same arguments give the same text.
    """
    data = sample_ratings(catalog, quiz_id, seed)
    key, level_ids, items = data["key"], data["level_ids"], data["items"]
    rng = np.random.default_rng([seed, 7])
    n_items, top = len(items), len(level_ids) - 1
    drift = rng.choice([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1], size=(n_raters, 1))
    drifts = rng.random((n_raters, n_items)) < rng.uniform(0.3, 0.9, size=(n_raters, 1))
    slips = rng.random((n_raters, n_items)) < rng.uniform(0.0, 0.4, size=(n_raters, 1))
    offsets = np.where(drifts, drift, 0) + np.where(slips, rng.choice([-1, 1], size=(n_raters, n_items)), 0)
    ratings = np.clip(key + offsets, 0, top)
    names = [f"room-{r:06d}" for r in range(1, n_raters + 1)]
    levels = np.array(level_ids, dtype=object)[ratings]
    lines = [
        f"{name},{item},{level}\n"
        for name, row in zip(names, levels.tolist(), strict=True)
        for item, level in zip(items, row, strict=True)
    ]
    return "rater,item,rating\n" + "".join(lines)


def write_sample(catalog: Catalog, folder: Path | str, quiz_id: str = QUIZ_ID) -> list[Path]:
    """Write both rounds under ``folder`` (round1/, round2/); returns the files written."""
    folder = Path(folder)
    written = []
    for relative, text in sample_files(catalog, quiz_id).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - thin wrapper, see cli
    parser = argparse.ArgumentParser(prog="python -m raterkit.workshop", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/workshop")
    parser.add_argument("--data", nargs="+", default=["frameworks", "quiz"])
    args = parser.parse_args(argv)
    catalog, problems = load_catalog(args.data)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    written = write_sample(catalog, args.out)
    print(f"Wrote {len(written)} files to {args.out}.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
