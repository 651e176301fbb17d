"""Benchmark the vectorised scoring engine against a per-rater loop around scikit-learn.

    .venv/bin/python benchmarks/scoring.py [--raters 100000] [--items 50] [--levels 5]
                                            [--loop-sample 2000] [--seed 12345]

Generates a seeded practice set (key plus noisy ratings, some unanswered), scores every rater
with ``raterkit.scoring.score_matrix``, then scores the first ``--loop-sample`` raters one at a
time with scikit-learn (``cohen_kappa_score`` with every level as a label, ``accuracy_score``)
plus numpy for n, bias, MAD, within-one and off-by-two-plus. It checks that every number on
that sample is identical (atol 1e-12, rtol 0, nan in the same places) and reports the speed
ratio, with the loop's time extrapolated per rater to the whole cohort (the full loop over
100,000 raters takes minutes). Exit status 1 if any number differs.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, cohen_kappa_score

from raterkit.scoring import score_matrix

MEASURES = ("n", "exact", "within_one", "off_two_plus", "bias", "mad", "qwk")


def make_cohort(n_raters: int, n_items: int, n_levels: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    key = rng.integers(0, n_levels, n_items)
    # Each rater has a leniency drift and a skill (share of noisy answers).
    drift = rng.choice([-1, 0, 0, 0, 1], size=(n_raters, 1))
    noisy = rng.random((n_raters, n_items)) < rng.uniform(0.05, 0.6, size=(n_raters, 1))
    offsets = np.where(noisy, rng.integers(-2, 3, (n_raters, n_items)) + drift, 0)
    ratings = np.clip(key + offsets, 0, n_levels - 1)
    ratings[rng.random((n_raters, n_items)) < 0.05] = -1  # unanswered
    return ratings, key


def sklearn_loop(ratings: np.ndarray, key: np.ndarray, n_levels: int) -> dict[str, np.ndarray]:
    labels = list(range(n_levels))
    out = {name: np.full(ratings.shape[0], np.nan) for name in MEASURES}
    for r, row in enumerate(ratings):
        answered = row >= 0
        rating, reference = row[answered], key[answered]
        d = rating - reference
        out["n"][r] = answered.sum()
        out["off_two_plus"][r] = np.sum(np.abs(d) >= 2)
        if not answered.any():
            continue  # sklearn refuses empty input; the engine reports nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            out["qwk"][r] = cohen_kappa_score(reference, rating, weights="quadratic", labels=labels)
        out["exact"][r] = accuracy_score(reference, rating)
        out["within_one"][r] = np.mean(np.abs(d) <= 1)
        out["bias"][r] = np.mean(d)
        out["mad"][r] = np.mean(np.abs(d))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--levels", type=int, default=5)
    parser.add_argument("--loop-sample", type=int, default=2_000, help="raters scored by the sklearn loop")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--repeats", type=int, default=3, help="engine runs; the fastest counts")
    args = parser.parse_args(argv)
    if args.raters < 1 or args.items < 1 or args.levels < 2 or args.loop_sample < 1 or args.repeats < 1:
        parser.error("need --raters >= 1, --items >= 1, --levels >= 2, --loop-sample >= 1, --repeats >= 1")
    sample = min(args.loop_sample, args.raters)

    ratings, key = make_cohort(args.raters, args.items, args.levels, args.seed)
    print(
        f"cohort: {args.raters:,} raters x {args.items} items, {args.levels} levels, "
        f"{np.mean(ratings < 0):.1%} unanswered, seed {args.seed}"
    )

    engine_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        scores = score_matrix(ratings, key, args.levels)
        engine_times.append(time.perf_counter() - start)
    engine = min(engine_times)

    start = time.perf_counter()
    oracle = sklearn_loop(ratings[:sample], key, args.levels)
    loop = time.perf_counter() - start
    loop_all = loop / sample * args.raters

    identical = True
    print(f"compared on the first {sample:,} raters (atol 1e-12, rtol 0, nan positions equal):")
    for name in MEASURES:
        ours = getattr(scores, name)[:sample].astype(float)
        theirs = oracle[name]
        same_nan = np.array_equal(np.isnan(ours), np.isnan(theirs))
        close = np.allclose(ours, theirs, rtol=0, atol=1e-12, equal_nan=True)
        both = ~np.isnan(ours) & ~np.isnan(theirs)
        worst = float(np.max(np.abs(ours[both] - theirs[both]), initial=0.0))
        verdict = "identical" if same_nan and close else "DIFFERENT"
        identical &= same_nan and close
        print(
            f"  {name:<13} {verdict:<9} max |diff| {worst:.1e}, "
            f"nan {int(np.isnan(ours).sum())} vs {int(np.isnan(theirs).sum())}"
        )

    print(f"engine: {engine:.3f} s for {args.raters:,} raters (best of {args.repeats})")
    print(
        f"sklearn loop: {loop:.3f} s for {sample:,} raters = {loop / sample * 1e3:.3f} ms per rater; "
        + (
            f"{loop_all:.1f} s for {args.raters:,} raters, extrapolated from {sample:,} raters"
            if sample < args.raters
            else f"measured on all {sample:,} raters, nothing extrapolated"
        )
    )
    print(f"speed ratio (sklearn loop / engine): {loop_all / engine:.1f}x (goal >= 100x)")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
