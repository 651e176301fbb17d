"""Benchmark: raterkit's ordinal Krippendorff's alpha against the krippendorff package.

Seeded random ratings (5 levels, a share of them missing), best of 3 runs each in one process;
the two values must agree to 1e-9. The GPL ``krippendorff`` package is a test-time oracle only.

    .venv/bin/python benchmarks/agreement.py [--raters 1000] [--items 1000] [--missing 0.2]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import krippendorff
import numpy as np

from raterkit.agreement import krippendorff_alpha

N_LEVELS = 5
REPEATS = 3


def best_of(function: Callable[[], float], repeats: int = REPEATS) -> tuple[float, float]:
    """(value, fastest wall-clock seconds) over ``repeats`` runs."""
    times, value = [], float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return value, min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--missing", type=float, default=0.2, help="share of missing ratings (0..1)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    if args.raters < 2 or args.items < 1 or not 0 <= args.missing < 1:
        parser.error("need --raters >= 2, --items >= 1 and 0 <= --missing < 1")

    rng = np.random.default_rng(args.seed)
    ratings = rng.integers(0, N_LEVELS, (args.raters, args.items)).astype(float)
    ratings[rng.random(ratings.shape) < args.missing] = np.nan
    domain = list(range(N_LEVELS))

    ours, ours_time = best_of(lambda: krippendorff_alpha(ratings, "ordinal", N_LEVELS))
    theirs, theirs_time = best_of(
        lambda: float(krippendorff.alpha(reliability_data=ratings, level_of_measurement="ordinal", value_domain=domain))
    )

    print(
        f"ordinal alpha, {args.raters} raters x {args.items} items, {N_LEVELS} levels, "
        f"{args.missing:.0%} missing (seed {args.seed}), best of {REPEATS}"
    )
    print(f"raterkit.agreement.krippendorff_alpha: {ours_time * 1000:9.2f} ms  alpha = {ours:.12f}")
    print(f"krippendorff.alpha:                    {theirs_time * 1000:9.2f} ms  alpha = {theirs:.12f}")
    agree = abs(ours - theirs) <= 1e-9
    print(f"values agree to 1e-9: {'yes' if agree else 'NO'} (difference {abs(ours - theirs):.2e})")
    print(f"ratio (ours / krippendorff): {ours_time / theirs_time:.2f}x (goal <= 1.0x)")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
