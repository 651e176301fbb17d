"""Benchmark the trainer's report on a large room: the page's size, the time to build it, and Chromium's load time.

    .venv/bin/python benchmarks/report.py [--raters 62500] [--builds 3] [--loads 5] [--before]

Generates a room of ``--raters`` raters rating the 16 behaviours of the Career Path 1 quiz
(``raterkit.workshop.large_room``; 62,500 raters are 1,000,000 rows), writes it as one CSV
file and reads it with ``read_responses`` (timed, once). Then builds the report with
``make_report`` (the fastest of ``--builds``; ``--before`` adds a second round, the same room
drawn with another seed), writes the page and its rater file, and opens the page ``--loads``
times in Debian's Chromium (Playwright, ``executable_path=/usr/bin/chromium``), each time in a
fresh page, timing the navigation to the ``load`` event: the wall time of ``page.goto(...,
wait_until="load")`` and the browser's own ``loadEventEnd`` of the navigation entry. Prints the
figures of this one run; asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from raterkit.load import load_catalog
from raterkit.report import MOST_RATERS_DRAWN, make_report
from raterkit.responses import read_responses
from raterkit.workshop import QUIZ_ID, large_room

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def load_times(page_file: Path, loads: int) -> tuple[list[float], list[float]]:
    """Wall seconds to the load event, and the browser's loadEventEnd in seconds, per fresh page."""
    from playwright.sync_api import sync_playwright

    wall, browser_side = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(page_file.as_uri(), wait_until="load")
                wall.append(time.perf_counter() - start)
                end = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                browser_side.append(float(end) / 1000)
                context.close()
        finally:
            browser.close()
    return wall, browser_side


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=62_500)
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--before", action="store_true", help="a second round before the discussion")
    args = parser.parse_args(argv)

    catalog, problems = load_catalog([ROOT / "frameworks", ROOT / "quiz"])
    if problems:
        print("\n".join(map(str, problems)), file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="raterkit-report-bench-") as folder:
        out = Path(folder)
        start = time.perf_counter()
        (out / "after.csv").write_text(large_room(catalog, args.raters), encoding="utf-8")
        if args.before:
            (out / "before.csv").write_text(large_room(catalog, args.raters, seed=1), encoding="utf-8")
        generated = time.perf_counter() - start
        start = time.perf_counter()
        after = read_responses([out / "after.csv"], catalog, QUIZ_ID)
        before = read_responses([out / "before.csv"], catalog, QUIZ_ID) if args.before else None
        read = time.perf_counter() - start
        builds = []
        for _ in range(args.builds):
            start = time.perf_counter()
            report = make_report(after, before=before, catalog=catalog, raters_file="report-raters.csv")
            builds.append(time.perf_counter() - start)
        page_file = out / "report.html"
        page_file.write_text(report.html, encoding="utf-8")
        wall, browser_side = load_times(page_file, args.loads)

    rows = after.read + (before.read if before is not None else 0)
    print(
        f"room: {args.raters:,} raters x {len(after.items)} behaviours"
        f"{', two rounds' if args.before else ''} ({rows:,} rows); a room of more than "
        f"{MOST_RATERS_DRAWN} raters gets distributions"
    )
    print(f"generate the CSV: {generated:.2f} s; read_responses: {read:.2f} s")
    print(f"make_report: fastest {min(builds):.2f} s of {len(builds)} ({', '.join(f'{b:.2f}' for b in builds)})")
    print(f"page: {len(report.html.encode('utf-8')) / 1e6:.3f} MB ({len(report.html.encode('utf-8')):,} bytes)")
    if report.raters_csv is not None:
        print(f"rater file: {len(report.raters_csv) / 1e6:.2f} MB")
    print(
        f"Chromium, navigation to the load event, {len(wall)} fresh pages: median {statistics.median(wall):.3f} s, "
        f"slowest {max(wall):.3f} s (the browser's loadEventEnd: median {statistics.median(browser_side):.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
