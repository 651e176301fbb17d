"""How fast, and in how little memory, raterkit refuses a hostile file a user sent (and passes a genuine one).

Makes each file in a temporary folder (tests/hostile_files.py makes them: a 10 GB zip bomb, a
part with a ratio of 1,000 to 1, a workbook whose sheet is a "billion laughs" entity bomb, a zip
whose directory lies about a part's size; a JSON file over the size limit and one nested 100,000
deep), then checks each in its own Python process with ``raterkit.interchange.intake`` and
prints the check's time (measured in that process around the one call) and the process's peak
memory (its VmHWM, the peak resident memory since it started), beside a process that only imports intake. The goal: every
hostile file refused in under a second with under 100 MB of memory. No thresholds are asserted.

Run: .venv/bin/python benchmarks/sheets_safety.py [--statements 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile_files import MB, billion_laughs_workbook, genuine_workbook, lying_zip, zero_bomb  # noqa: E402
from raterkit.interchange.intake import ZIP_LIMITS  # noqa: E402

CHILD = """
import json, sys, time
from pathlib import Path
from raterkit.interchange import intake
kind, path = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
if kind == "xlsx":
    problems = intake.check_workbook(path)
elif kind == "json":
    problems = intake.read_json(path)[1]
else:
    problems = []
seconds = time.perf_counter() - start
# the peak of this process since it started Python (VmHWM; ru_maxrss would include the parent's
# memory, which a forked child counts until it executes Python)
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_kb": int(peak.split()[1]), "problem": problems[0].message if problems else ""}))
"""


def check(kind: str, path: Path) -> tuple[float, float, str]:
    """Seconds of the check, peak RSS of its process (MB), and the problem's message ('' if none)."""
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the check of {path} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout)
    return result["seconds"], result["peak_kb"] / 1024, result["problem"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        deep, huge, package = here / "deep.json", here / "huge.json", here / "package.json"
        deep.write_text("[" * 100_000 + "]" * 100_000)
        with huge.open("wb") as out:
            out.truncate(51 * MB)
        item = {"identifier": "0" * 36, "uri": "urn:raterkit:" + "0" * 36, "CFItemType": "Statement"}
        package.write_text(
            json.dumps(
                {"CFItems": [{**item, "fullStatement": f"Statement {n} " + "words " * 60} for n in range(30_000)]}
            )
        )
        cases = [
            ("nothing (the process importing intake)", "none", here / "none"),
            (
                f"a genuine workbook of {args.statements:,} statements",
                "xlsx",
                genuine_workbook(here / "genuine.xlsx", args.statements, 60),
            ),
            ("a 10 GB zip bomb", "xlsx", zero_bomb(here / "bomb.xlsx", 10)),
            ("a part 1,000 times its zipped size", "xlsx", zero_bomb(here / "ratio.xlsx", 0.05)),
            ("a billion-laughs sheet", "xlsx", billion_laughs_workbook(here / "laughs.xlsx")),
            ("a zip lying about a part's size", "xlsx", lying_zip(here / "lying.xlsx", 50, 1000)),
            ("a CASE-sized JSON file (30,000 items)", "json", package),
            ("a JSON file over 50 MB", "json", huge),
            ("a JSON file nested 100,000 deep", "json", deep),
        ]
        print(f"{'file':42} {'size':>10} {'check':>9} {'peak RSS':>9}  result")
        for label, kind, path in cases:
            size = f"{path.stat().st_size / MB:,.1f} MB" if path.exists() else ""
            seconds, rss, problem = check(kind, path)
            result = f"refused: {problem[:70]}" if problem else "opens"
            print(f"{label:42} {size:>10} {seconds * 1000:7.1f}ms {rss:6.0f} MB  {result}")
        with zipfile.ZipFile(here / "genuine.xlsx") as archive:
            parts = archive.infolist()
        unzipped = sum(p.file_size for p in parts)
        largest = max(parts, key=lambda p: p.file_size)
        zipped = (here / "genuine.xlsx").stat().st_size
        print(
            f"\nThe genuine workbook: {zipped / MB:.1f} MB, {len(parts)} parts, {unzipped / MB:.1f} MB unzipped; its "
            f"largest part {largest.file_size / MB:.1f} MB at {largest.file_size / largest.compress_size:.1f} to 1. "
            f"A 5 MB workbook like it unzips to about {unzipped / zipped * 5:.0f} MB (limit "
            f"{ZIP_LIMITS.total_bytes // MB} MB; ratio limit {ZIP_LIMITS.ratio} to 1)."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
