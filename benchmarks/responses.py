"""Benchmark reading a million ratings: ``raterkit score`` and ``agreement`` as a user runs them.

    .venv/bin/python benchmarks/responses.py [--raters 62500] [--out /tmp/raterkit-bench]
                                             [--before /path/to/a/checkout/of/main] [--report]

Writes, once, into ``--out``: ``ratings.csv`` (every rater rates the 16 items of the Career Path 1
quiz: 62,500 raters make 1,000,000 rows, about 66 MB), the same ratings as one JSON file per
trainee in ``trainees/`` (as the quiz page's "Download my answers" writes them) and as
``ratings.parquet``. Then runs each command on each input as a subprocess of this checkout's
Python and prints wall time and peak memory (``ru_maxrss`` of the child). With ``--before`` it
runs the same commands with that checkout's code (a worktree of main, for example) and prints
the ratios. Each figure is one run on whatever else the machine is doing; run it again to see the
spread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUIZ = "cp1-customer-relations"
ITEMS = [f"cp1-{n:02d}" for n in range(1, 17)]
KEY = ["III", "I", "IV", "II", "III", "II", "I", "IV", "II", "III", "I", "IV", "III", "II", "IV", "I"]
LEVELS = ["I", "II", "III", "IV"]
#: What the ``raterkit`` command runs (the console script), with the code of the checkout on PYTHONPATH.
ENTRY = "import sys; from raterkit.cli import main; sys.exit(main(sys.argv[1:]))"


def ratings_of(n_raters: int, seed: int = 20261204) -> np.ndarray:
    """Level positions, raters x items: the key plus each rater's noise, clipped to the scale."""
    rng = np.random.default_rng(seed)
    key = np.array([LEVELS.index(level) for level in KEY])
    noisy = rng.random((n_raters, len(ITEMS))) < rng.uniform(0.05, 0.5, size=(n_raters, 1))
    offsets = np.where(noisy, rng.integers(-1, 2, (n_raters, len(ITEMS))), 0)
    return np.clip(key + offsets, 0, len(LEVELS) - 1)


def write_inputs(out: Path, n_raters: int) -> dict[str, Path]:
    """The three inputs, written only when missing (the folder takes a minute)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "ratings.csv", "folder": out / "trainees", "parquet": out / "ratings.parquet"}
    positions = ratings_of(n_raters)
    raters = [f"trainee-{r:06d}" for r in range(n_raters)]
    if not paths["csv"].exists():
        with open(paths["csv"], "w", encoding="utf-8", newline="") as f:
            f.write("rater,item,rating,quiz,timestamp\n")
            for r, name in enumerate(raters):
                f.write(
                    "".join(
                        f"{name},{item},{LEVELS[positions[r, i]]},{QUIZ},2026-12-04T10:{i:02d}:00\n"
                        for i, item in enumerate(ITEMS)
                    )
                )
    if not paths["parquet"].exists():
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = n_raters * len(ITEMS)
        table = pa.table(
            {
                "rater": np.repeat(np.array(raters, dtype=object), len(ITEMS)),
                "item": np.tile(np.array(ITEMS, dtype=object), n_raters),
                "rating": np.array(LEVELS, dtype=object)[positions.ravel()],
                "quiz": [QUIZ] * n,
            }
        )
        pq.write_table(table, paths["parquet"])
    if not paths["folder"].exists():
        partial = out / "trainees.partial"
        partial.mkdir(exist_ok=True)
        for r, name in enumerate(raters):
            answers = [{"item": item, "rating": LEVELS[positions[r, i]]} for i, item in enumerate(ITEMS)]
            text = json.dumps({"rater": name, "quiz": QUIZ, "responses": answers}, indent=2)
            (partial / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        partial.rename(paths["folder"])
    return paths


def run(python: str, cwd: Path, argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one command in a fresh child process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, python, "-c", ENTRY, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(cwd / "src")},
    )
    seconds, kb, rc = out.stdout.split()
    return float(seconds), int(kb) / 1024, int(rc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=62_500)
    parser.add_argument("--out", type=Path, default=Path("/tmp/raterkit-bench"))
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with (e.g. main)")
    parser.add_argument("--report", action="store_true", help="time raterkit report too")
    parser.add_argument("--only", help="comma-separated inputs to run: csv,folder,parquet")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = write_inputs(args.out.resolve(), args.raters)
    print(
        f"inputs: {args.raters:,} raters x {len(ITEMS)} items = {args.raters * len(ITEMS):,} ratings "
        f"in {args.out} ({time.perf_counter() - start:.1f} s to write or find)"
    )
    data = ["--data", str(ROOT / "frameworks"), str(ROOT / "quiz")]
    commands: list[tuple[str, list[str]]] = [("score", ["score"]), ("agreement", ["agreement"])]
    if args.report:
        commands.append(("report", ["report", "-o", str(args.out / "report.html")]))
    inputs = args.only.split(",") if args.only else list(paths)
    print(
        f"{'command':<10} {'input':<8} {'after s':>8} {'after MB':>9}"
        + (f" {'before s':>9} {'before MB':>10} {'speed-up':>9} {'memory':>7}" if args.before else "")
    )
    failed = False
    for name, command in commands:
        for kind in inputs:
            argv_ = [*command, str(paths[kind]), *data]
            after = run(sys.executable, ROOT, argv_)
            line = f"{name:<10} {kind:<8} {after[0]:>8.2f} {after[1]:>9.0f}"
            failed |= after[2] != 0
            if args.before:
                before = run(sys.executable, args.before.resolve(), argv_)
                if before[2] == 0:
                    line += f" {before[0]:>9.2f} {before[1]:>10.0f} {before[0] / after[0]:>8.1f}x"
                    line += f" {before[1] / after[1]:>6.1f}x"
                else:
                    line += f"  (before: exit {before[2]}, it cannot read this input)"
            print(line + ("" if after[2] == 0 else f" (exit {after[2]})"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
