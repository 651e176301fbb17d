"""Site build speed, measured in one run and printed as ratios (no thresholds are asserted).

(a) The seed site built with the raterkit plugin vs plain MkDocs building the very same pages
    pre-rendered to Markdown files (goal: at most 1.10x).
(b) 100 vs 1,000 synthetic frameworks of 4 levels x 5 criteria (goal: time ratio at most 11,
    peak memory at most 1 GiB).

Each build runs `mkdocs build` in its own process; peak memory is that process's max RSS
(os.wait4). Python's bytecode is cached for the builds (in the run's temporary folder, after one
untimed build of each kind), as for an installed package whose modules are compiled once, not on
every build; --no-bytecode-cache compiles every module on every build instead, as happens when
PYTHONDONTWRITEBYTECODE is set (that charges the plugin for compiling pydantic each time).
Run: .venv/bin/python benchmarks/site_build.py [--repeat 3] [--sizes 100 [1000]] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from raterkit.load import load_catalog  # noqa: E402
from raterkit.site.compose import (  # noqa: E402
    SiteSettings,
    build_site,
    insert_nav,
    site_downloads,
    site_notebooks,
)
from raterkit.site.plugin import ASSET_DIR, CSS, JS  # noqa: E402

#: The environment of every build (main() sets the bytecode cache).
BUILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(project: Path, out: Path) -> tuple[float, int, float]:
    """Seconds, peak RSS (bytes) and CPU seconds (user + system) of one `mkdocs build` of ``project``."""
    env = BUILD_ENV
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(out)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"build of {project} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def copy_project(dest: Path, with_quiz: bool = True) -> Path:
    dest.mkdir(parents=True)
    for name in ["mkdocs.yml", "docs", "overrides", "frameworks"] + (["quiz", "notebooks"] if with_quiz else []):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def prerendered_project(dest: Path) -> Path:
    """The same site as plain MkDocs input: generated pages written out, plugin removed."""
    project = copy_project(dest)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    plugin_cfg = next(p["raterkit"] for p in config["plugins"] if isinstance(p, dict) and "raterkit" in p)
    catalog, problems = load_catalog([project / "frameworks", project / "quiz"])
    assert not problems
    settings = SiteSettings(office=plugin_cfg.get("office") or None)
    notebooks = site_notebooks(project / "notebooks", settings)
    downloads = site_downloads(catalog)
    pages, generated_nav = build_site(catalog, settings, notebooks, downloads)
    for download in downloads:  # each framework's spreadsheet and CASE package
        (project / "docs" / download.path).parent.mkdir(parents=True, exist_ok=True)
        (project / "docs" / download.path).write_bytes(download.content)
    for page in pages:
        target = project / "docs" / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    for nb in notebooks:
        (project / "docs" / nb.path).write_bytes(nb.content)
    assets = ROOT / "src" / "raterkit" / "site" / "assets"
    (project / "docs" / ASSET_DIR).mkdir(parents=True)
    for name in CSS + JS:
        shutil.copy2(assets / name, project / "docs" / ASSET_DIR / name)
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "raterkit" in p)]
    config["nav"] = insert_nav(config["nav"], generated_nav)
    config["extra_css"] = [f"{ASSET_DIR}/{n}" for n in CSS]
    config["extra_javascript"] = [f"{ASSET_DIR}/{n}" for n in JS]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project


def synthetic_project(dest: Path, count: int) -> Path:
    project = copy_project(dest, with_quiz=False)
    for f in (project / "frameworks").glob("*.yaml"):
        f.unlink()
    levels = [{"id": f"L{i}", "label": f"Level {i}"} for i in range(1, 5)]
    criteria = [{"id": f"c{j}", "label": f"Criterion {j}"} for j in range(1, 6)]
    for n in range(count):
        descriptors = {
            lv["id"]: {
                c["id"]: [
                    f"Framework {n} statement for {lv['label']} on {c['label']}: handles work of scope {i} with care {j}."
                ]
                for j, c in enumerate(criteria)
            }
            for i, lv in enumerate(levels)
        }
        data = {
            "id": f"synthetic-{n:04d}",
            "title": f"Synthetic framework {n}",
            "scale": levels,
            "competencies": [
                {
                    "id": "main",
                    "title": "Main factor",
                    "definition": f"Definition of framework {n}.",
                    "criteria": criteria,
                    "descriptors": descriptors,
                }
            ],
        }
        (project / "frameworks" / f"synthetic-{n:04d}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False), encoding="utf-8"
        )
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds of each kind in (a); the fastest counts")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100, 1000],
        metavar="N",
        help="synthetic sizes in (b): SMALL [LARGE]; with one size, no ratio is printed",
    )
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile every module on every build (as without .pyc files)"
    )
    args = parser.parse_args()
    if len(args.sizes) > 2:
        parser.error("--sizes takes one or two numbers")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plugin_project = copy_project(tmp / "plugin")
        plain_project = prerendered_project(tmp / "plain")
        if args.no_bytecode_cache:
            BUILD_ENV["PYTHONDONTWRITEBYTECODE"] = "1"
            BUILD_ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "no-pycache")  # never written: ignore any .pyc
        else:
            BUILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            BUILD_ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
            build(plugin_project, tmp / "out-warm-up")  # compiles what both kinds import
            build(plain_project, tmp / "out-warm-up")
        with_plugin, plain, cpu_plugin, cpu_plain = [], [], [], []
        for i in range(args.repeat):  # alternate, so machine noise hits both alike
            seconds, _, cpu = build(plugin_project, tmp / f"out-plugin-{i}")
            with_plugin.append(seconds)
            cpu_plugin.append(cpu)
            seconds, _, cpu = build(plain_project, tmp / f"out-plain-{i}")
            plain.append(seconds)
            cpu_plain.append(cpu)
        pages = sum(1 for _ in (tmp / "out-plugin-0").rglob("index.html"))
        cache = "every module compiled on every build" if args.no_bytecode_cache else "bytecode cached"
        print(f"(a) seed site, {pages} pages, fastest of {args.repeat} builds each ({cache}):")
        print(f"    with the raterkit plugin:         {min(with_plugin):6.2f} s")
        print(f"    plain MkDocs, pre-rendered pages: {min(plain):6.2f} s")
        print(f"    ratio plugin / plain: {min(with_plugin) / min(plain):.2f}x (goal <= 1.10x)")
        print(
            f"    CPU time (less sensitive to a busy machine): {min(cpu_plugin):.2f} s / {min(cpu_plain):.2f} s "
            f"= {min(cpu_plugin) / min(cpu_plain):.2f}x"
        )

        results = {}
        for count in args.sizes:
            project = synthetic_project(tmp / f"synthetic-{count}", count)
            results[count] = build(project, tmp / f"out-synthetic-{count}")
            shutil.rmtree(tmp / f"out-synthetic-{count}")
            print(
                f"(b) {count:5d} synthetic frameworks (4 levels x 5 criteria): {results[count][0]:7.1f} s, "
                f"peak memory {results[count][1] / 2**20:7.0f} MiB"
            )
        if len(args.sizes) < 2:
            return 0
        small, large = args.sizes
        t_ratio = results[large][0] / results[small][0]
        print(
            f"    time ratio {large} / {small}: {t_ratio:.1f} (goal <= 11); "
            f"peak memory at {large}: {results[large][1] / 2**30:.2f} GiB (goal <= 1 GiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
