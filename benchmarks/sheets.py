"""Benchmark: `raterkit import xlsx` on a large workbook (10,000 statements, about 5 MB).

Generates a framework of seeded random text (5 levels, 20 competencies of 5 criteria, 20
statements a cell), writes it with `raterkit export xlsx`, then runs `raterkit import xlsx` as a
subprocess and reports its wall-clock time and peak memory (resident set size of the child, from
``resource.getrusage(RUSAGE_CHILDREN)``). Goals: under 10 s and under 500 MB. The imported YAML
must load as the same framework.

    .venv/bin/python benchmarks/sheets.py [--statements 10000] [--words 130]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from raterkit.interchange import sheets, xlsx, yamlout
from raterkit.load import load_framework
from raterkit.model import Framework

LEVELS = 5
CRITERIA = 5


def synthetic(statements: int, words: int, seed: int) -> Framework:
    """A framework of ``statements`` statements of about ``words`` random words each."""
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 11))) for _ in range(20_000)
    ]
    per_cell = 20
    cells = statements // per_cell
    competencies = []
    n = 0
    for c in range(max(1, cells // (LEVELS * CRITERIA))):
        descriptors: dict[str, dict[str, list[str]]] = {}
        for lv in range(1, LEVELS + 1):
            for k in range(CRITERIA):
                texts = [" ".join(rng.choices(vocabulary, k=words)).capitalize() + "." for _ in range(per_cell)]
                descriptors.setdefault(str(lv), {})[f"k{k}"] = texts
                n += per_cell
        competencies.append(
            {
                "id": f"c{c}",
                "title": f"Competency {c}",
                "criteria": [{"id": f"k{k}", "label": f"Criterion {k}"} for k in range(CRITERIA)],
                "descriptors": descriptors,
            }
        )
    return Framework.model_validate(
        {
            "id": "big",
            "title": "A large framework",
            "scale": [{"id": str(lv), "label": f"Level {lv}"} for lv in range(1, LEVELS + 1)],
            "competencies": competencies,
        }
    )


def compare_readers(framework: Framework) -> None:
    """openpyxl (what raterkit uses: it shows formulas) beside python-calamine, when that is installed."""
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "big.xlsx"
        book.write_bytes(xlsx.write(sheets.framework_tables(framework), "framework"))
        start = time.perf_counter()
        xlsx.read(book, book.name)
        print(f"reading every sheet in process: openpyxl (read-only) {time.perf_counter() - start:.2f} s", end="")
        try:
            import python_calamine  # not a dependency: pip install python-calamine to compare
        except ImportError:
            print("; python-calamine not installed")
            return
        start = time.perf_counter()
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        print(f", python-calamine {time.perf_counter() - start:.2f} s (values only: it cannot show a formula)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=100, help="words a statement (sets the file's size)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    framework = synthetic(args.statements, args.words, args.seed)
    count = sum(1 for _ in framework.statements())
    raterkit = Path(sys.executable).with_name("raterkit")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.yaml"
        source.write_text(yamlout.framework_yaml(framework), encoding="utf-8")
        book, back = Path(folder) / "big.xlsx", Path(folder) / "back.yaml"
        start = time.perf_counter()
        book.write_bytes(xlsx.write(sheets.framework_tables(framework), "framework"))
        written = time.perf_counter() - start
        start = time.perf_counter()
        done = subprocess.run(
            [str(raterkit), "import", "xlsx", str(book), "-o", str(back)], capture_output=True, text=True
        )
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        loaded, problems = load_framework(back)
        same = loaded == framework and not problems
        size = book.stat().st_size / 1e6
    print(f"workbook: {count:,} statements, {size:.1f} MB (written in {written:.2f} s)")
    print(f"raterkit import xlsx: {elapsed:.2f} s wall clock, peak memory {peak:.0f} MiB (goals: < 10 s, < 500 MB)")
    print(f"imported framework equals the original: {same}")
    compare_readers(framework)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
