"""The `raterkit` command: the only place that prints or exits."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .load import load_catalog

DEFAULT_DATA = ("frameworks", "quiz")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 without a traceback."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        print(f"raterkit: {message}", file=sys.stderr)
        raise SystemExit(2)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _default_paths() -> list[str]:
    return [p for p in DEFAULT_DATA if Path(p).exists()]


def cmd_validate(args: argparse.Namespace) -> int:
    paths = args.paths or _default_paths()
    if not paths:
        print("raterkit: nothing to validate: no frameworks/ or quiz/ folder here. Name files or folders to check.", file=sys.stderr)
        return 2
    catalog, problems = load_catalog(paths)
    for p in problems:
        print(p)
    if problems:
        files = len({p.path for p in problems})
        print(f"\n{_count(len(problems), 'problem')} in {_count(files, 'file')}.")
        return 1
    fws = catalog.frameworks.values()
    comps = sum(len(f.competencies) for f in fws)
    levels = sum(len(f.scale) for f in fws)
    statements = sum(1 for f in fws for _ in f.statements())
    parts = [
        _count(len(catalog.frameworks), "framework"),
        _count(comps, "competency", "competencies"),
        _count(levels, "level"),
        _count(statements, "statement"),
    ]
    if catalog.crosswalk is not None:
        parts.append(_count(len(catalog.crosswalk.themes), "crosswalk theme"))
    if catalog.quizzes:
        items = sum(len(q.items) for q in catalog.quizzes.values())
        parts.append(f"{_count(len(catalog.quizzes), 'quiz', 'quizzes')} with {_count(items, 'item')}")
    line = "All valid: " + ", ".join(parts)
    print(line + ".")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import framework_schema

    print(json.dumps(framework_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_addresses(args: argparse.Namespace) -> int:
    catalog, problems = load_catalog(args.paths or ["frameworks"])
    for p in problems:
        print(p, file=sys.stderr)
    for fw in catalog.frameworks.values():
        for s in fw.statements():
            print(f"{s.address}\t{s.text}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="raterkit", description="Performance frameworks, calibration quizzes and workshop statistics.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("validate", help="check framework, crosswalk and quiz files")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: frameworks/ and quiz/)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("schema", help="print the JSON Schema of a framework file")
    p.set_defaults(func=cmd_schema)
    p = sub.add_parser("addresses", help="list every statement's address and text")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.set_defaults(func=cmd_addresses)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help exits 0, usage errors 2
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
