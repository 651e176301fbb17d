"""Benchmark reading a million ratings: reading, ``raterkit score``, ``agreement`` and ``report``.

    .venv/bin/python benchmarks/responses.py [--raters 62500] [--files 10000] [--out /tmp/raterkit-bench]
                                             [--before /path/to/a/checkout/of/main] [--no-report]
                                             [--only csv,folder,parquet]

Writes, once, into ``--out``: ``ratings.csv`` (every rater rates the 16 items of the Career Path 1
quiz: 62,500 raters make 1,000,000 rows, about 66 MB), the same ratings as ``ratings.parquet``,
and the first ``--files`` raters' ratings (10,000 by default: 160,000 ratings) as one JSON file
per trainee in ``trainees-10000/`` (as the quiz page's "Download my answers" writes them).

Then, for each input, as a subprocess of this checkout's Python, with wall time and peak memory
(``ru_maxrss`` of the child): **reading** alone (``raterkit.load.load_catalog(["frameworks",
"quiz"])`` as the CLI does, then ``raterkit.responses.read_responses`` on the input, printing its
summary line; the process hands large freed blocks back to the system as the commands do), and ``raterkit score``, ``raterkit agreement`` and ``raterkit report`` as a user
types them. Beside each command: **the floor**, the same statistics computed in this process on
the raters x items numpy array of level positions the generator made, already in memory
(``raterkit.scoring.score_matrix`` for ``score``; Krippendorff's alpha at the three levels,
Fleiss' kappa and the ICCs of ``raterkit.agreement`` for ``agreement``; both for ``report``),
with its time (the fastest of three runs), the extra memory it allocated (tracemalloc peak, in
another run) and the ratio command / floor.

The issue's goals on this machine, for the million-row inputs (the CSV and Parquet files):
reading and scoring a million rows in under 5 s and 500 MB; agreement in under 10 s; the
report in under 15 s. Each figure is printed beside its goal (met / MISSED) and again in a
"Goals" block at the end; the folder (fewer ratings) has no goal of its own.

With ``--before`` it runs the same commands with that checkout's code (a worktree of main, for
example) and prints the ratios. Each figure is one run on whatever else the machine is doing
(the load average is printed); run it again to see the spread.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUIZ = "cp1-customer-relations"
ITEMS = [f"cp1-{n:02d}" for n in range(1, 17)]
KEY = ["III", "I", "IV", "II", "III", "II", "I", "IV", "II", "III", "I", "IV", "III", "II", "IV", "I"]
LEVELS = ["I", "II", "III", "IV"]
#: What the ``raterkit`` command runs (the console script), with the code of the checkout on PYTHONPATH.
ENTRY = "import sys; from raterkit.cli import main; sys.exit(main(sys.argv[1:]))"
#: Reading alone: the catalog as the CLI loads it, then read_responses; prints the summary line.
#: The process sets up the C allocator as the commands do (raterkit.cli, when that checkout has it).
READ = (
    "import sys\n"
    "import raterkit.cli\n"
    "getattr(raterkit.cli, 'hand_back_large_blocks', lambda: None)()\n"
    "from raterkit.load import load_catalog\n"
    "from raterkit.responses import read_responses\n"
    "catalog, problems = load_catalog(sys.argv[2:])\n"
    "print(read_responses([sys.argv[1]], catalog).summary_line())\n"
)
#: The goals of the issue (seconds, MB or None), for the million-row inputs.
GOALS: dict[str, tuple[float, float | None]] = {
    "reading": (5.0, 500.0),
    "score": (5.0, 500.0),
    "agreement": (10.0, None),
    "report": (15.0, None),
}
MILLION = ("csv", "parquet")
#: What every row above pays before reading a row: Python, the imports and the catalog.
START = (
    "import sys\n"
    "import raterkit.cli, raterkit.library, raterkit.responses\n"
    "from raterkit.load import load_catalog\n"
    "catalog, problems = load_catalog(sys.argv[1:])\n"
    "print(len(catalog.quizzes), 'quizzes')\n"
)


def ratings_of(n_raters: int, seed: int = 20261204) -> np.ndarray:
    """Level positions, raters x items: the key plus each rater's noise, clipped to the scale."""
    rng = np.random.default_rng(seed)
    key = np.array([LEVELS.index(level) for level in KEY])
    noisy = rng.random((n_raters, len(ITEMS))) < rng.uniform(0.05, 0.5, size=(n_raters, 1))
    offsets = np.where(noisy, rng.integers(-1, 2, (n_raters, len(ITEMS))), 0)
    return np.clip(key + offsets, 0, len(LEVELS) - 1)


def write_inputs(out: Path, positions: np.ndarray, n_files: int) -> dict[str, Path]:
    """The three inputs, written only when missing (the folder takes a while)."""
    out.mkdir(parents=True, exist_ok=True)
    n_raters = positions.shape[0]
    paths = {"csv": out / "ratings.csv", "folder": out / f"trainees-{n_files}", "parquet": out / "ratings.parquet"}
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
        partial = out / f"trainees-{n_files}.partial"
        partial.mkdir(exist_ok=True)
        for r, name in enumerate(raters[:n_files]):
            answers = [{"item": item, "rating": LEVELS[positions[r, i]]} for i, item in enumerate(ITEMS)]
            text = json.dumps({"rater": name, "quiz": QUIZ, "responses": answers}, indent=2)
            (partial / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        partial.rename(paths["folder"])
    return paths


@dataclass(frozen=True)
class Run:
    """One command in a fresh child process."""

    seconds: float
    mb: float
    code: int
    said: str  # the last line it printed, when asked for


def run(python: str, cwd: Path, code: str, argv: list[str], keep_output: bool = False) -> Run:
    """Wall time and peak memory (ru_maxrss) of ``python -c code argv`` run with ``cwd``'s code."""
    timer = (
        "import resource, subprocess, sys, time\n"
        "keep = sys.argv[1] == '1'\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE if keep else subprocess.DEVNULL,\n"
        "                      stderr=subprocess.DEVNULL, text=True)\n"
        "seconds = time.perf_counter() - start\n"
        "said = (done.stdout or '').strip().splitlines()[-1:] if keep else []\n"
        "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
        "print(''.join(said))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", timer, "1" if keep_output else "0", python, "-c", code, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(cwd / "src")},
    )
    first, _, said = out.stdout.partition("\n")
    seconds, kb, rc = first.split()
    return Run(float(seconds), int(kb) / 1024, int(rc), said.strip())


# --------------------------------------------------------------------------------------------
# The floor: the same statistics on the numpy array already in memory


def score_floor(positions: np.ndarray) -> object:
    from raterkit.scoring import score_matrix

    key = np.array([LEVELS.index(level) for level in KEY])
    return score_matrix(positions, key, len(LEVELS))


def agreement_floor(positions: np.ndarray) -> object:
    from raterkit.agreement import fleiss_kappa, icc, krippendorff_alpha

    alphas = [krippendorff_alpha(positions, level, len(LEVELS)) for level in ("nominal", "ordinal", "interval")]
    return alphas, fleiss_kappa(positions, len(LEVELS)), icc(positions)


def report_floor(positions: np.ndarray) -> object:
    return score_floor(positions), agreement_floor(positions)


FLOORS: dict[str, Callable[[np.ndarray], object]] = {
    "score": score_floor,
    "agreement": agreement_floor,
    "report": report_floor,
}


def floor(work: Callable[[np.ndarray], object], positions: np.ndarray) -> tuple[float, float]:
    """(seconds, MB allocated at the peak) of ``work`` on the array: fastest of 3 timed runs, one traced run."""
    work(positions[:2])  # imports and first calls out of the timing
    times = []
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        work(positions)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    tracemalloc.start()
    work(positions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def verdict(name: str, kind: str, r: Run) -> str:
    """'met' / 'MISSED' against the goal for this command, or why there is none."""
    if kind not in MILLION:
        return "(no goal: fewer ratings)"
    if r.code != 0:
        return f"MISSED (exit {r.code})"
    seconds, mb = GOALS[name]
    parts = [f"< {seconds:g} s " + ("met" if r.seconds < seconds else "MISSED")]
    if mb is not None:
        parts.append(f"< {mb:g} MB " + ("met" if r.mb < mb else "MISSED"))
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=62_500, help="raters in the CSV and Parquet files")
    parser.add_argument("--files", type=int, default=10_000, help="one-trainee JSON files in the folder")
    parser.add_argument("--out", type=Path, default=Path("/tmp/raterkit-bench"))
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with (e.g. main)")
    parser.add_argument("--no-report", action="store_true", help="leave raterkit report out")
    parser.add_argument("--only", help="comma-separated inputs to run: csv,folder,parquet")
    args = parser.parse_args(argv)
    if not 0 < args.files <= args.raters:
        parser.error(f"--files must be between 1 and --raters ({args.raters})")
    start = time.perf_counter()
    positions = ratings_of(args.raters)
    paths = write_inputs(args.out.resolve(), positions, args.files)
    print(
        f"inputs in {args.out} ({time.perf_counter() - start:.1f} s to write or find): "
        f"CSV and Parquet {args.raters:,} raters x {len(ITEMS)} items = {args.raters * len(ITEMS):,} ratings; "
        f"folder {args.files:,} JSON files = {args.files * len(ITEMS):,} ratings"
    )
    print("load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")
    sizes = {"csv": args.raters, "parquet": args.raters, "folder": args.files}
    inputs = args.only.split(",") if args.only else list(paths)

    # The floor, once per size of matrix.
    floors: dict[tuple[str, int], tuple[float, float]] = {}
    names = ["score", "agreement"] + ([] if args.no_report else ["report"])
    print("\nfloor: the statistics on the numpy array already in memory (in this process)")
    for size in sorted({sizes[kind] for kind in inputs}, reverse=True):
        for name in names:
            floors[name, size] = floor(FLOORS[name], positions[:size])
            seconds, mb = floors[name, size]
            print(f"  {name:<10} {size:>7,} raters x {len(ITEMS)}: {seconds:>6.3f} s, {mb:>5.0f} MB allocated")

    data_dirs = [str(ROOT / "frameworks"), str(ROOT / "quiz")]
    data = ["--data", *data_dirs]
    commands: list[tuple[str, str, Callable[[Path], list[str]]]] = [
        ("reading", READ, lambda path: [str(path), *data_dirs]),
        ("score", ENTRY, lambda path: ["score", str(path), *data]),
        ("agreement", ENTRY, lambda path: ["agreement", str(path), *data]),
    ]
    if not args.no_report:
        report = str(args.out / "report.html")
        commands.append(("report", ENTRY, lambda path: ["report", str(path), "-o", report, *data]))
    start_up = run(sys.executable, ROOT, START, data_dirs, keep_output=True)
    print(
        f"\nstart-up of a command (Python, the imports of raterkit score and the catalog; no response read): "
        f"{start_up.seconds:.2f} s, {start_up.mb:.0f} MB ({start_up.said or f'exit {start_up.code}'})"
    )
    print(
        f"{'command':<10} {'input':<8} {'s':>7} {'MB':>6} {'floor s':>8} {'x floor':>8}  goal"
        + (f"  | {'before s':>8} {'before MB':>9} {'speed-up':>8} {'memory':>6}" if args.before else "")
    )
    results: dict[tuple[str, str], Run] = {}
    said: dict[str, str] = {}
    failed = False
    for name, code, argv_of in commands:
        for kind in inputs:
            argv_ = argv_of(paths[kind])
            after = run(sys.executable, ROOT, code, argv_, keep_output=name == "reading")
            results[name, kind] = after
            if name == "reading":
                said[kind] = after.said
            failed |= after.code != 0
            if name in FLOORS:
                floor_s = floors[name, sizes[kind]][0]
                line = f"{name:<10} {kind:<8} {after.seconds:>7.2f} {after.mb:>6.0f} {floor_s:>8.3f} {after.seconds / floor_s:>7.0f}x"
            else:
                line = f"{name:<10} {kind:<8} {after.seconds:>7.2f} {after.mb:>6.0f} {'—':>8} {'—':>8}"
            line += "  " + verdict(name, kind, after)
            if args.before:
                before = run(sys.executable, args.before.resolve(), code, argv_)
                if before.code == 0:
                    line += f"  | {before.seconds:>8.2f} {before.mb:>9.0f} {before.seconds / after.seconds:>7.1f}x"
                    line += f" {before.mb / after.mb:>5.1f}x"
                else:
                    line += f"  | (before: exit {before.code}, it cannot read this input)"
            print(line, flush=True)
    for kind, line in said.items():
        print(f"reading {kind}: {line or '(nothing printed)'}")

    print(f"\nGoals (set for a million ratings; the CSV and Parquet inputs here hold {args.raters * len(ITEMS):,}):")
    for name, (seconds, mb) in GOALS.items():
        if name == "report" and args.no_report:
            print(f"  {name}: not run (--no-report)")
            continue
        aim = f"< {seconds:g} s" + (f" and < {mb:g} MB" if mb is not None else "")
        figures = [
            f"{kind} {results[name, kind].seconds:.2f} s, {results[name, kind].mb:.0f} MB: {verdict(name, kind, results[name, kind])}"
            for kind in MILLION
            if (name, kind) in results
        ]
        print(f"  {name} {aim}: " + ("; ".join(figures) if figures else "not run (--only)"))
    print("load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
