"""The `raterkit` command: the only place that prints or exits.

One cohesive job: turning arguments into calls of the library and the results into plain words;
no statistic or rule is computed here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import words
from .files import write_all, write_whole
from .load import load_catalog, load_framework
from .rules import ALPHA_RELIABLE, ALPHA_TENTATIVE

if TYPE_CHECKING:
    from .catalog import Catalog
    from .errors import Problem
    from .library import QuizScores

DEFAULT_DATA = ("frameworks", "quiz")


#: Control characters other than newline and tab: a name holding ESC [2J would clear the screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` with every control character written out (ESC as \\x1b), so data cannot drive the terminal."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


class _Visible(io.TextIOBase):
    """A text stream that writes control characters visibly: everything the CLI prints goes through one."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 without a traceback."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"raterkit: {message}", file=sys.stderr)
        raise SystemExit(2)


def _default_paths() -> list[str]:
    return [p for p in DEFAULT_DATA if Path(p).exists()]


def cmd_validate(args: argparse.Namespace) -> int:
    paths = args.paths or _default_paths()
    if not paths:
        print(
            "raterkit: nothing to validate: no frameworks/ or quiz/ folder here. Name files or folders to check.",
            file=sys.stderr,
        )
        return 2
    catalog, problems = load_catalog(paths)
    if not problems:
        problems = _site_problems(catalog, paths)
    for p in problems:
        print(p)
    if problems:
        files = len({p.path for p in problems})
        print(f"\n{words.count(len(problems), 'problem')} in {words.count(files, 'file')}.")
        return 1
    fws = catalog.frameworks.values()
    comps = sum(len(f.competencies) for f in fws)
    levels = sum(len(f.scale) for f in fws)
    statements = sum(1 for f in fws for _ in f.statements())
    parts = [
        words.count(len(catalog.frameworks), "framework"),
        words.count(comps, "competency", "competencies"),
        words.count(levels, "level"),
        words.count(statements, "statement"),
    ]
    if catalog.crosswalk is not None:
        parts.append(words.count(len(catalog.crosswalk.themes), "crosswalk theme"))
    if catalog.quizzes:
        items = sum(len(q.items) for q in catalog.quizzes.values())
        parts.append(f"{words.count(len(catalog.quizzes), 'quiz', 'quizzes')} with {words.count(items, 'item')}")
    line = "All valid: " + ", ".join(parts)
    print(line + ".")
    return 0


def _site_problems(catalog: Catalog, paths: list[str]) -> list[Problem]:
    """What would stop the site build from these (valid) files: two pages at one address, a
    hand-written page in docs/ where a generated one goes, a damaged notebook. The build checks the
    same before it touches site/, so validate and the build agree."""
    from .site.compose import site_problems
    from .site.page import SiteSettings

    docs, notebooks = Path("docs"), Path("notebooks")
    return site_problems(
        catalog, SiteSettings(), paths, docs if docs.is_dir() else None, notebooks if notebooks.is_dir() else None
    )


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


# --------------------------------------------------------------------------------------------
# score and agreement: response files against a quiz's key, and many raters on the same items


def _say(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _data_paths(given: Sequence[str] | None) -> list[str]:
    """--data paths; a folder holding frameworks/ or quiz/ stands for those folders."""
    if not given:
        return _default_paths()
    out: list[str] = []
    for name in given:
        path = Path(name)
        inner = [path / sub for sub in DEFAULT_DATA if (path / sub).is_dir()] if path.is_dir() else []
        out += [str(p) for p in inner] or [name]
    return out


def _catalog_or_code(args: argparse.Namespace, consequence: str = "nothing was written"):
    """(catalog, None) from --data (default frameworks/ and quiz/), or (None, exit code) after saying why."""
    paths = _data_paths(args.data)
    if not paths:
        _say(
            f"raterkit {args.command}: no frameworks/ or quiz/ folder here",
            "    Run the command in the project folder, or name the folders that hold the framework "
            "and quiz files with --data.",
        )
        return None, 2
    catalog, problems = load_catalog(paths)
    if problems:
        for problem in problems:
            _say(str(problem))
        _say(
            f"raterkit {args.command}: the framework and quiz files above have problems, so {consequence}",
            "    Fix them first; 'raterkit validate' lists them.",
        )
        return None, 1
    return catalog, None


def _quiz_catalog(args: argparse.Namespace):
    """(catalog, None) ready to read responses against, or (None, exit code) after saying why."""
    import difflib

    command = args.command
    catalog, code = _catalog_or_code(args, "no responses were read")
    if catalog is None:
        return None, code
    if not catalog.quizzes:
        _say(
            f"raterkit {command}: no quizzes found in {', '.join(_data_paths(args.data))}",
            "    Quizzes are YAML files in a folder named quiz/; name it with --data, "
            "or use 'raterkit agreement --levels' for ratings that belong to no quiz.",
        )
        return None, 1
    if args.quiz is not None and args.quiz not in catalog.quizzes:
        near = difflib.get_close_matches(args.quiz, list(catalog.quizzes), n=1)
        guess = f"Did you mean '{near[0]}'? " if near else ""
        _say(f"raterkit {command}: no quiz '{args.quiz}'", f"    {guess}Quizzes: {', '.join(sorted(catalog.quizzes))}.")
        return None, 2
    return catalog, None


def _read_checked(args: argparse.Namespace, responses) -> int | None:
    """Print the problems of a read; an exit code when there is nothing to go on with."""
    for problem in responses.problems:
        _say(str(problem))
    for note in responses.notes:
        _say("warning: " + str(note))
    if responses.spans_quizzes:
        _say(responses.summary_line())
        return 2
    if responses.kept == 0:
        task = "score" if args.command == "score" else "compare"
        _say(
            f"raterkit {args.command}: no response row could be used, so there is nothing to {task}",
            "    Fix the problems above, or name other response files, and run the command again.",
            responses.summary_line(),
        )
        return 1
    return None


def _columns(header: list[str], rows: list[list[str]], align: str, indent: str = "") -> list[str]:
    """Rows as aligned text: 'l' or 'r' per column."""
    header = [visible(cell) for cell in header]  # widths as printed: an escaped control character is four wide
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        parts = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header)] + [line(r) for r in rows]


def cmd_score(args: argparse.Namespace) -> int:
    import csv

    from .csvcells import protect
    from .library import score_responses
    from .responses import read_responses

    catalog, code = _quiz_catalog(args)
    if catalog is None:
        return code
    responses = read_responses(args.responses, catalog, args.quiz)
    code = _read_checked(args, responses)
    if code is not None:
        return code
    result = score_responses(responses, catalog.quizzes[responses.quiz])
    records = result.records
    if args.format == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False, allow_nan=False))
    elif args.format == "csv":
        fields = list(records[0])
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(fields)
        for record in records:
            writer.writerow(
                [
                    ""
                    if record[f] is None
                    else str(record[f]).lower()
                    if isinstance(record[f], bool)
                    else protect(record[f])
                    for f in fields
                ]
            )
    else:
        print("\n".join(_score_lines(result)))
    _say(responses.summary_line())
    return 0


def _score_lines(result: QuizScores) -> list[str]:
    rows = [
        [
            r["rater"],
            f"{r['n']}/{len(result.items)}",
            words.percent(r["exact"]),
            words.percent(r["within_one"]),
            str(r["off_two_plus"]),
            words.decimal(r["bias"], signed=True),
            words.leaning(r["bias"]),
            words.decimal(r["mad"]),
            words.decimal(r["qwk"]),
            "pass" if r["passed"] else "not yet",
        ]
        for r in result.records
    ]
    header = ["rater", "rated", "exact", "within one", "off by 2+", "bias", "", "MAD", "QWK", "result"]
    lines = [
        f"Quiz {result.quiz} ({result.title}): {words.count(len(result.items), 'item')}, "
        f"scale {', '.join(result.scale)} (lowest first).",
        "",
        *_columns(header, rows, "lrrrrrlrrl"),
        "",
        "Bias is the average distance from the reference level: + lenient, - severe. "
        "MAD: average distance either way. QWK: quadratic weighted kappa with the reference.",
        f"Pass rule: {result.rule.describe()}.",
        f"{result.passed} of {words.count(len(result.records), 'rater')} passed.",
    ]
    if result.vignettes is not None:
        lines += ["", *_cronbach_lines(result.records, result.vignettes)]
    return lines


def _cronbach_lines(records: list[dict], shape: tuple[int, int]) -> list[str]:
    header = ["rater", "D²", "elevation", "diff. elevation", "stereotype", "differential", "Borman"]
    rows = []
    for r in records:
        parts = r.get("cronbach")
        if parts is None:
            rows.append([r["rater"], words.MISSING, "", "", "", "", ""])
        else:
            rows.append(
                [r["rater"], *(words.decimal(parts[k]) for k in ("D2", "E2", "DE2", "SA2", "DA2", "borman_da"))]
            )
    return [
        f"Accuracy by component (Cronbach 1955) over the {shape[0]} behaviours each rated on "
        f"{shape[1]} criteria; lower is more accurate, and D² = elevation + differential elevation + "
        "stereotype + differential accuracy. Borman: correlation with the reference across behaviours, "
        f"averaged over criteria (higher is better). {words.MISSING} : not every criterion of two behaviours rated.",
        "",
        *_columns(header, rows, "lrrrrrr"),
    ]


def _parse_levels(text: str) -> list[str] | None:
    levels = [part.strip() for part in text.split(",")]
    folded = [level.casefold() for level in levels]
    if len(levels) < 2 or "" in levels or len(set(folded)) != len(folded):
        return None
    return levels


def cmd_agreement(args: argparse.Namespace) -> int:
    from .library import summarize_responses
    from .responses import read_responses

    quiz = None
    if args.levels is not None:
        levels = _parse_levels(args.levels)
        if levels is None:
            _say(
                f"raterkit agreement: --levels '{args.levels}' needs two or more different level ids",
                "    List the scale's levels, lowest first, separated by commas: --levels I,II,III,IV",
            )
            return 2
        responses = read_responses(args.responses, levels=levels)
    else:
        catalog, code = _quiz_catalog(args)
        if catalog is None:
            return code
        responses = read_responses(args.responses, catalog, args.quiz)
        if responses.quiz is not None:
            quiz = catalog.quizzes[responses.quiz]
    code = _read_checked(args, responses)
    if code is not None:
        return code
    summary = summarize_responses(responses, quiz)
    if args.format == "json":
        print(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        lines = _agreement_lines(summary, quiz.title if quiz else None)
        if "halo" in summary:
            showing = [h["rater"] for h in summary["halo"] if h["halo"]]
            lines += [
                "",
                "Halo (the same behaviour rated alike on every criterion, where the reference differs): "
                + (", ".join(showing) if showing else "no rater")
                + ".",
            ]
        print("\n".join(lines))
    _say(responses.summary_line())
    return 0


def _agreement_lines(summary: dict, title: str | None) -> list[str]:
    alpha, icc = summary["alpha"], summary["icc"]
    n_raters = summary["raters"]
    where = f"Quiz {summary['quiz']} ({title})" if summary["quiz"] else "Your own scale"
    lines = [
        f"{where}, scale {', '.join(summary['scale'])} (lowest first).",
        f"{words.count(n_raters, 'rater')}, {words.count(summary['items'], 'behaviour')}. "
        f"Krippendorff's alpha (ordinal) {words.alpha_words(alpha['ordinal'])}.",
        f"Also: alpha nominal {words.decimal(alpha['nominal'])}, interval {words.decimal(alpha['interval'])}; "
        f"Fleiss' kappa {words.decimal(summary['fleiss_kappa'])}; "
        f"ICC(2,1) {words.decimal(icc['ICC2'])} for one rater, ICC(2,k) {words.decimal(icc['ICC2k'])} "
        f"for the average of {n_raters}.",
        f"Alpha of {ALPHA_RELIABLE:.3f} or more is reliable, {ALPHA_TENTATIVE:.3f} or more allows "
        "tentative conclusions, below that is unreliable (Krippendorff 2004).",
        "",
    ]
    by_item = {str(record["item"]): record for record in summary["per_item"]}
    if summary["discuss_first"]:
        lines.append("Discuss first:")
        rows = []
        for item in summary["discuss_first"]:
            record = by_item[item]
            counts = ", ".join(f"{level} ×{n}" for level, n in record["counts"].items() if n)
            if record["reference"] is None:
                note = f"most chose {record['mode']}"
            else:
                note = f"reference {record['reference']}, most chose {record['mode']}"
                if record["off_key"]:
                    note += " (the room settled away from the reference)"
            rows.append([item, counts, note])
        lines += _columns(["behaviour", "ratings", ""], rows, "lll", indent="  ")
    else:
        lines.append("Discuss first: nothing; no behaviour splits the room or sits away from the reference.")
    lines.append("")
    if summary["per_rater"]:
        lines.append("Raters against the reference:")
        rows = [
            [
                str(r["rater"]),
                str(r["n"]),
                words.percent(r["exact"]),
                words.percent(r["within_one"]),
                words.decimal(r["bias"], signed=True),
                ", ".join(r["effects"]) or "no rater effects",
            ]
            for r in summary["per_rater"]
        ]
        lines += _columns(["rater", "rated", "exact", "within one", "bias", "effects"], rows, "lrrrrl", indent="  ")
    else:
        lines.append("Raters: no reference levels (--levels), so no accuracy or rater effects per rater.")
    return lines


# --------------------------------------------------------------------------------------------
# report, notebooks and workshop-sample: the trainer's files


def cmd_report(args: argparse.Namespace) -> int:
    from .report import make_report
    from .responses import read_responses

    code = _report_usage(args)
    if code is not None:
        return code
    if args.db is not None:
        return _report_from_database(args)
    catalog, code = _quiz_catalog(args)
    if catalog is None:
        return code
    after = read_responses(args.responses, catalog, args.quiz)
    rounds = [("", after)]
    before = None
    if args.before:
        before = read_responses(args.before, catalog, args.quiz or after.quiz)
        rounds = [("Before the discussion: ", before), ("After the discussion: ", after)]
    for label, responses in rounds:
        code = _read_checked(args, responses)
        if code is not None:
            return code
        _say(label + responses.summary_line())
    output = Path(args.output)
    rater_file = output.with_name(f"{output.stem}-raters.csv")  # a large room's per-rater table, linked by name
    report = make_report(after, before=before, title=args.title, catalog=catalog, raters_file=rater_file.name)
    if report.raters_csv is not None and not _write_report(rater_file, report.raters_csv):
        return 1
    if not _write_report(output, report.html.encode("utf-8")):
        return 1
    raters, items, _ = after.matrix()
    print(f"Wrote {output} ({words.count(len(raters), 'rater')}, {words.count(len(items), 'behaviour')}).")
    if report.raters_csv is not None:
        print(_RATER_FILE_WORDS.format(rater_file))
    return 0


def _report_usage(args: argparse.Namespace) -> int | None:
    """2 after saying why, when the report is asked of neither or both sources (files, a live database)."""
    example = (
        "    For example: raterkit report responses/ -o report.html, or, for a live session, "
        "raterkit report --db raterkit-live.sqlite --session K7QM2P"
    )
    if args.db is None:
        if args.session is not None:
            _say("raterkit report: --session names a live session: give its database with --db too", example)
            return 2
        if not args.responses:
            _say(
                "raterkit report: name the response files to report on, or a live session with --db and --session",
                example,
            )
            return 2
        return None
    if args.responses:
        _say("raterkit report: give response files or a live database (--db), not both", example)
        return 2
    if args.session is None:
        _say("raterkit report: --db needs --session: the join code of the session to report on", example)
        return 2
    given = [
        name for name, value in (("--before", args.before), ("--quiz", args.quiz), ("--title", args.title)) if value
    ]
    if given:
        _say(
            f"raterkit report: {words.join(given)} cannot be used with --db",
            "    A live session's report covers its own quiz and rounds (round 1 against the last), as the "
            "console's report link does.",
        )
        return 2
    return None


def _report_from_database(args: argparse.Namespace) -> int:
    """The report of a live session read from its database: the page the console's report link gives."""
    from sqlalchemy.exc import SQLAlchemyError

    from .live.room import LiveError, Room

    db = args.db
    if db.startswith("sqlite:///") or "://" not in db:
        file = Path(db.removeprefix("sqlite:///")).expanduser()
        if not file.is_file():  # never make a new database here
            _say(
                f"raterkit report: there is no database file {db}",
                "    Name the file 'raterkit live' used (its --db; by default raterkit-live.sqlite in the folder "
                "it was started from), or a postgresql:// URL.",
            )
            return 1
    catalog, code = _catalog_or_code(args, "no report was written")
    if catalog is None:
        return code
    store, code = _open_store(db, command="report")
    if store is None:
        return code
    shown = _shown_url(db)
    try:
        room = Room(catalog, store)
        try:
            session = room.session(args.session)
        except LiveError:
            known = [f"{row.code} ({row.quiz})" for row in store.sessions()[:10]]
            _say(
                f"raterkit report: there is no session '{args.session.strip()}' in the database {shown}",
                f"    Sessions in it, newest first: {', '.join(known)}."
                if known
                else "    It holds no session yet: check --db names the database the live server used.",
            )
            return 1
        if session.quiz not in catalog.quizzes:
            _say(
                f"raterkit report: session {session.code} rates the quiz '{session.quiz}', which is not in "
                f"{', '.join(_data_paths(args.data))}",
                "    Name the folders that hold it with --data.",
            )
            return 1
        output = Path(args.output)
        rater_file = output.with_name(f"{output.stem}-raters.csv")
        try:
            report = room.report_files(session.code, raters_file=rater_file.name)
        except LiveError as exc:
            _say(f"raterkit report: session {session.code}: {exc.message}")
            return 1
        ratings = store.ratings(session.id)
        rounds = sorted({r.round for r in ratings})
        raters = {r.rater for r in ratings if r.round == rounds[-1]}
        behaviours = len(store.items(session.id, 1))
    except SQLAlchemyError as exc:
        _say(
            f"raterkit report: cannot read the database {shown} ({exc.__class__.__name__})",
            "    Check that the PostgreSQL server is running, or that the file is a raterkit live database.",
        )
        return 1
    finally:
        store.close()
    if report.raters_csv is not None and not _write_report(rater_file, report.raters_csv):
        return 1
    if not _write_report(output, report.html.encode("utf-8")):
        return 1
    compared = f"; round {rounds[0]} against round {rounds[-1]}" if len(rounds) > 1 else ""
    print(
        f"Wrote {output} from session {session.code} ({words.count(len(raters), 'rater')}, "
        f"{words.count(behaviours, 'behaviour')}{compared})."
    )
    if report.raters_csv is not None:
        print(_RATER_FILE_WORDS.format(rater_file))
    return 0


#: What the report command says when it writes a large room's rater file.
_RATER_FILE_WORDS = "Wrote {}: every rater's figures, one row per rater (too many raters to list in the report)."


def _write_report(output: Path, data: bytes) -> bool:
    """Write the report page (or its rater file) whole or not at all; False after saying why it could not be written."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_whole(output, data)
    except OSError as exc:
        _say(
            f"raterkit report: cannot write {output} ({exc.strerror})",
            "    Check the folder exists and can be written to, or name another file with -o.",
        )
        return False
    return True


def cmd_notebooks(args: argparse.Namespace) -> int:
    from .notebooks import write_notebooks

    catalog, code = _catalog_or_code(args)
    if catalog is None:
        return code
    written = write_notebooks(catalog, args.out)
    print(f"Wrote {words.count(len(written), 'notebook')} to {args.out}: {', '.join(p.name for p in written)}.")
    return 0


def cmd_workshop_sample(args: argparse.Namespace) -> int:
    from .workshop import QUIZ_ID, RATERS, write_sample

    catalog, code = _catalog_or_code(args)
    if catalog is None:
        return code
    if QUIZ_ID not in catalog.quizzes:
        _say(
            f"raterkit workshop-sample: the sample rates quiz '{QUIZ_ID}', which is not in {', '.join(_data_paths(args.data))}",
            "    Include the quiz folder with --data.",
        )
        return 1
    written = write_sample(catalog, args.out)
    print(
        f"Wrote {words.count(len(written), 'file')} to {args.out} (round1/ and round2/, "
        f"{words.count(len(RATERS), 'rater')} on quiz {QUIZ_ID})."
    )
    return 0


# --------------------------------------------------------------------------------------------
# export: a quiz as a file another system imports


def cmd_export_scorm(args: argparse.Namespace) -> int:
    from .export.scorm import build_package, package_problems, write_package

    command = "raterkit export scorm"
    catalog, code = _catalog_or_code(args, "no package was written")
    if catalog is None:
        return code
    quiz = catalog.quizzes.get(args.quiz)
    if quiz is None:
        import difflib

        near = difflib.get_close_matches(args.quiz, list(catalog.quizzes), n=1)
        guess = f"Did you mean '{near[0]}'? " if near else ""
        known = f"Quizzes: {', '.join(sorted(catalog.quizzes))}." if catalog.quizzes else "There are no quizzes here."
        _say(f"{command}: no quiz '{args.quiz}'", f"    {guess}{known}")
        return 2
    problems = package_problems(quiz, catalog, args.scorm)
    if problems:
        _say(f"{command}: quiz {quiz.id} cannot be a SCORM {args.scorm} package:")
        _say(*(f"    {problem}" for problem in problems))
        _say("    Nothing was written. Split the quiz into smaller quizzes, or try --scorm 2004.")
        return 1
    output = Path(args.output)
    refusal = _unwritable(output)
    if refusal:
        _say(
            f"{command}: cannot write {output}: {refusal}",
            "    Nothing was written. Name a .zip file in a folder you can write to with -o.",
        )
        return 1
    package = build_package(quiz, catalog, args.scorm, assessment=args.assessment)
    try:
        write_package(package, output)
    except OSError as exc:
        _say(
            f"{command}: cannot write {output} ({exc.strerror or exc})",
            "    Nothing was written. Name a .zip file in a folder you can write to with -o.",
        )
        return 1
    mode = "an assessment (feedback once every behaviour is rated and submitted)" if args.assessment else "practice"
    mastery = f"{package.mastery_text}%" if args.scorm == "1.2" else package.mastery_text
    print(
        f"Wrote {output}: quiz {quiz.id} ({words.count(len(quiz.items), 'behaviour')}) as a SCORM {args.scorm} "
        f"package, {mode}; mastery score {mastery} (the pass rule's exact agreement)."
    )
    print("    Upload it to your learning management system as a course (docs/lms.md says how).")
    return 0


def _framework_or_code(command: str, given: str):
    """(framework, None) from a framework id in frameworks/ or a YAML path, or (None, exit code) after saying why."""
    path = Path(given)
    if not path.is_file():
        path = Path("frameworks") / f"{given}.yaml"
    if not path.is_file():
        _say(f"{command}: no framework '{given}'", "    Name a framework id from frameworks/ or a framework YAML file.")
        return None, 2
    framework, problems = load_framework(path)
    if problems or framework is None:
        _say(*(str(problem) for problem in problems))
        _say(f"{command}: {path} has problems, so nothing was written", "    'raterkit validate' lists them.")
        return None, 1
    return framework, None


def _write_text(command: str, output: Path, text: str, kind: str) -> int:
    return _write_bytes(command, output, text.encode("utf-8"), kind)


def cmd_export_case(args: argparse.Namespace) -> int:
    from .interchange import case

    command = "raterkit export case"
    framework, code = _framework_or_code(command, args.framework)
    if framework is None:
        return code
    output = Path(args.output)
    if _write_text(command, output, case.dumps(framework), ".json"):
        return 1
    print(f"Wrote {output}: framework {framework.id} as a CASE 1.0 package")
    return 0


def cmd_import_case(args: argparse.Namespace) -> int:
    import tempfile

    from .interchange import case, intake

    command = "raterkit import case"
    source = Path(args.file)
    if not source.is_file():
        why = "it is a folder" if source.is_dir() else "there is no such file"
        _say(f"{command}: cannot read {source}: {why}", "    Nothing was written.")
        return 2
    package, problems = intake.read_json(source)
    if problems:
        _say(*map(str, problems))
        _say(f"{command}: {source} was not read, so nothing was written")
        return 1
    try:
        framework = case.from_package(package, fallback_id=Path(args.output).stem)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        _say(
            f"{command}: {source} is not a CASE 1.0 package raterkit can read ({type(exc).__name__}: {exc})",
            "    Nothing was written. Export the framework from the registry as a CFPackage (JSON).",
        )
        return 1
    text = case.to_yaml(framework)
    with tempfile.TemporaryDirectory() as folder:
        check = Path(folder) / "framework.yaml"
        check.write_text(text, encoding="utf-8")
        _, problems = load_framework(check)
    if problems:
        _say(*(f"    {problem}" for problem in problems))
        _say(f"{command}: the framework read from {source} does not validate, so nothing was written")
        return 1
    output = Path(args.output)
    if _write_text(command, output, text, ".yaml"):
        return 1
    print(f"Wrote {output}: framework {framework.id} from {source}")
    return 0


def _framework_paths(args: argparse.Namespace) -> list[str]:
    """The --data paths that hold frameworks (quiz folders left out)."""
    return [p for p in _data_paths(getattr(args, "data", None)) if Path(p).name != "quiz"]


def _checked_quiz(command: str, text: str, name: str, args: argparse.Namespace):
    """(quiz, problems) of quiz YAML ``text``, checked by the quiz loader against the frameworks."""
    import tempfile
    from dataclasses import replace

    with tempfile.TemporaryDirectory() as folder:
        quiz_folder = Path(folder) / "quiz"
        quiz_folder.mkdir()
        check = quiz_folder / "bank.yaml"
        check.write_text(text, encoding="utf-8")
        catalog, problems = load_catalog([*_framework_paths(args), str(check)])
        problems = [replace(p, path=name) if Path(p.path).resolve() == check.resolve() else p for p in problems]
    quiz = next(iter(catalog.quizzes.values()), None) if not problems else None
    return quiz, problems


def _bank_or_code(command: str, given: str, args: argparse.Namespace):
    """('framework'|'quiz', model, None) from an id in frameworks/ or quiz/, or a YAML path; or (None, None, code)."""
    import yaml

    path = Path(given)
    if not path.is_file():
        if (Path("frameworks") / f"{given}.yaml").is_file():
            if (Path("quiz") / f"{given}.yaml").is_file():
                _say(f"note: a quiz has the id '{given}' too; to export the quiz, name its file: quiz/{given}.yaml")
            framework, code = _framework_or_code(command, given)
            return ("framework", framework, code) if framework is not None else (None, None, code)
        path = Path("quiz") / f"{given}.yaml"
        if not path.is_file():
            _say(
                f"{command}: no framework or quiz '{given}'",
                "    Name a framework id from frameworks/, a quiz id from quiz/, or a framework or quiz YAML file.",
            )
            return None, None, 2
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    if not (isinstance(data, dict) and "items" in data):
        framework, code = _framework_or_code(command, str(path))
        return ("framework", framework, code) if framework is not None else (None, None, code)
    quiz, problems = _checked_quiz(command, path.read_text(encoding="utf-8"), str(path), args)
    if quiz is None:
        _say(*(str(problem) for problem in problems))
        _say(f"{command}: {path} has problems, so nothing was written", "    'raterkit validate' lists them.")
        return None, None, 1
    return "quiz", quiz, None


def cmd_export_sheets(args: argparse.Namespace) -> int:
    from .interchange import csvsheets, sheets, xlsx

    command = f"raterkit export {args.format}"
    if args.template:
        if args.source is not None:
            _say(f"{command}: give a framework or quiz, or --template, not both")
            return 2
        kind, tables, what = args.template, sheets.template_tables(args.template), f"a blank {args.template} template"
    else:
        if args.source is None:
            _say(
                f"{command}: name the framework or quiz to export, or use --template for a blank one",
                f"    For example: {command} acqdemo-cp1-customer-relations -o cp1{'.xlsx' if args.format == 'xlsx' else ''}",
            )
            return 2
        kind, model, code = _bank_or_code(command, args.source, args)
        if model is None:
            return code
        tables = sheets.framework_tables(model) if kind == "framework" else sheets.quiz_tables(model)
        what = f"{kind} {model.id}"
    output = Path(args.output)
    if args.format == "xlsx":
        try:
            data = xlsx.write(tables, kind)
        except ValueError as exc:  # a text longer than an Excel cell holds (xlsx.MAX_CELL)
            _say(f"{command}: cannot write a workbook: {exc}", "    Nothing was written.")
            return 1
        if _write_bytes(command, output, data, ".xlsx"):
            return 1
        print(f"Wrote {output}: {what} as a spreadsheet ({words.count(len(tables), 'sheet')} and Notes)")
        return 0
    files = csvsheets.render(tables)
    if output.exists() and not output.is_dir():
        _say(
            f"{command}: {output} is a file",
            "    Nothing was written. Name a folder with -o: one CSV file a sheet goes in it.",
        )
        return 1
    try:
        output.mkdir(parents=False, exist_ok=True)
    except OSError as exc:
        _say(f"{command}: cannot make the folder {output}: {exc.strerror or exc}", "    Nothing was written.")
        return 1
    try:
        write_all({output / name: data for name, data in files.items()})
    except OSError as exc:
        _say(f"{command}: cannot write into {output}: {exc.strerror or exc}", "    Nothing was written.")
        return 1
    print(f"Wrote {output}/: {what} as {words.count(len(files), 'CSV file')} ({', '.join(files)})")
    return 0


def _write_bytes(command: str, output: Path, data: bytes, kind: str) -> int:
    refusal = _unwritable(output)
    if refusal is None:
        try:
            write_whole(output, data)
            return 0
        except OSError as exc:
            refusal = exc.strerror or str(exc)
    _say(
        f"{command}: cannot write {output}: {refusal}",
        f"    Nothing was written. Name a {kind} file you can write with -o.",
    )
    return 1


def cmd_import_sheets(args: argparse.Namespace) -> int:
    import tempfile
    from dataclasses import replace

    from .checks import shown_path
    from .interchange import csvsheets, sheets, xlsx, yamlout

    command = f"raterkit import {args.format}"
    source = Path(args.file)
    shown = shown_path(source)
    if args.format == "xlsx":
        if not source.is_file():
            _say(f"{command}: no file {source}", "    Name the .xlsx workbook to read.")
            return 2
        tables, problems = xlsx.read(source, shown)
    else:
        if not source.is_dir():
            _say(
                f"{command}: {source} is not a folder",
                "    Name the folder that holds the CSV files (framework.csv, scale.csv, ... or quiz.csv, items.csv).",
            )
            return 2
        names = [p.name for p in source.iterdir()]
        present = [n[: -len(".csv")] for n in names if n.endswith(".csv")]
        kind = sheets.kind_of(present)
        layout = {"framework": sheets.FRAMEWORK_SHEETS, "quiz": sheets.QUIZ_SHEETS}.get(kind or "", {})
        tables, problems = csvsheets.read(source, shown, list(layout))
    kind = sheets.kind_of([t.name for t in tables])
    if kind is None and not problems:
        _say(
            f"{command}: {source} is neither a framework nor a quiz bank in raterkit's layout",
            "    A framework has the sheets Framework, Scale, Competencies, Statements and Extras; a quiz bank "
            "has Quiz and Items. Start from 'raterkit export xlsx --template'.",
        )
        return 1
    # Cells the reader refused (formulas) are read as their text, so every other problem is found too.
    text = what = ""
    if kind == "framework":
        framework, found = sheets.framework_from_tables(tables, shown)
        problems += found
        if framework is not None and not problems:
            text = yamlout.framework_yaml(framework)
            with tempfile.TemporaryDirectory() as folder:
                check = Path(folder) / "framework.yaml"
                check.write_text(text, encoding="utf-8")
                _, found = load_framework(check)
            # the loader's lines are the temporary YAML file's: name the workbook instead
            problems = [replace(p, path=shown, line=None) for p in found]
            what = f"framework {framework.id}"
    elif kind == "quiz":
        quiz, found, rows_of = sheets.quiz_from_tables(tables, shown)
        problems += found
        if quiz is not None and not problems:
            text = yamlout.quiz_yaml(quiz)
            _, problems = _checked_quiz(command, text, shown, args)
            problems = _on_cells(problems, tables, rows_of, shown)
            what = f"quiz {quiz.id} ({words.count(len(quiz.items), 'item')})"
    if problems:
        _say(*(str(problem) for problem in problems))
        _say(
            f"{command}: {words.count(len(problems), 'problem')} in {shown}, so nothing was written",
            "    Fix them in the spreadsheet and import it again.",
        )
        return 1
    output = Path(args.output)
    if _write_text(command, output, text, ".yaml"):
        return 1
    print(f"Wrote {output}: {what} from {source}")
    print("    Check it with 'raterkit validate' and see it on the site with 'mkdocs serve'.")
    return 0


def _on_cells(problems: list[Problem], tables, rows_of: dict[int, int], shown: str) -> list[Problem]:
    """Quiz loader problems about items[i].field, moved onto the Items sheet's cell they come from
    (others keep the workbook's name, without the temporary YAML file's line)."""
    from dataclasses import replace

    items = next((t for t in tables if t.name.casefold() == "items"), None)
    out = []
    for p in problems:
        match = re.match(r"items\[(\d+)\]\.(\w+)", p.field)
        if items is not None and match and int(match.group(1)) in rows_of:
            row = rows_of[int(match.group(1))]
            out.append(items.problem(row, match.group(2), p.message, p.hint))
        else:
            out.append(replace(p, line=None) if p.path == shown else p)
    return out


def _unwritable(output: Path) -> str | None:
    """Why ``output`` cannot be written, said plainly, or None when it looks writable."""
    folder = output.parent
    if output.is_dir():
        return "it is a folder"
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    return None


# --------------------------------------------------------------------------------------------
# live: the workshop server


def _lan_address() -> str:
    """This machine's address on the room's network (no packet is sent), or 127.0.0.1."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _database_url(db: str) -> str:
    if "://" in db:
        return db
    return "sqlite:///" + str(Path(db).expanduser().resolve())


def _live_database(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("RATERKIT_DATABASE_URL") or "raterkit-live.sqlite"


def _open_store(db: str, check: bool = True, command: str = "live"):
    """(the live database, None), or (None, exit code) after saying plainly why it cannot be used
    (``command``: the raterkit command the messages name)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .live.migrate import SchemaError
    from .live.store import Store

    if "://" not in db and not Path(db).expanduser().resolve().parent.is_dir():
        _say(
            f"raterkit {command}: cannot create the database {db}: its folder does not exist",
            "    Name a file in an existing folder with --db.",
        )
        return None, 1
    try:
        return Store(_database_url(db), check=check), None
    except SchemaError as exc:
        _say(f"raterkit {command}: {exc}")
        return None, 1
    except SQLAlchemyError as exc:
        _say(
            f"raterkit {command}: cannot open the database {_shown_url(db)} ({exc.__class__.__name__})",
            "    Check the file is a raterkit live database that can be written to, or that the PostgreSQL "
            "server is running and the URL (user, password, host, port, database) is right.",
        )
        return None, 1


def _shown_url(db: str) -> str:
    from sqlalchemy import make_url

    return make_url(db).render_as_string(hide_password=True) if "://" in db else db


def cmd_live(args: argparse.Namespace) -> int:
    import secrets
    import socket

    from .live.migrate import SchemaError, upgrade

    db = _live_database(args)
    if args.upgrade_db:  # the schema alone: the server's modules (statistics, web) are not loaded
        store, code = _open_store(db, check=False)
        if store is None:
            return code
        try:
            before, after = upgrade(store.engine, store.shown)
        except SchemaError as exc:  # a newer raterkit's database: left alone
            _say(f"raterkit live: {exc}")
            return 1
        finally:
            store.close()
        print(
            f"raterkit live: the database {_shown_url(db)} is at schema {after}"
            + (f" (it was at {before}); every row was kept." if before and before != after else ".")
        )
        return 0
    from .live.app import create_app
    from .live.serve import serve

    sqlite = "://" not in db or db.startswith("sqlite")
    if args.workers < 1 or (args.workers > 1 and sqlite):
        _say(
            "raterkit live: several workers need PostgreSQL",
            "    SQLite serves one process: leave out --workers, or use --db postgresql://... (docs/deploy.md).",
        )
        return 2
    catalog, code = _catalog_or_code(args)
    if catalog is None:
        return code
    if not catalog.quizzes:
        _say(
            f"raterkit live: no quizzes found in {', '.join(_data_paths(args.data))}",
            "    A session rates the items of a quiz: put quiz files in quiz/ or name the folder with --data.",
        )
        return 1
    key = args.facilitator_key or os.environ.get("RATERKIT_FACILITATOR_KEY") or ""
    generated = not key
    if generated:
        key = secrets.token_urlsafe(12)
    elif len(key) < 8:
        _say(
            "raterkit live: the facilitator key is too short",
            "    Use at least 8 characters (or leave it out to get one).",
        )
        return 2
    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
        except OSError as exc:
            _say(
                f"raterkit live: cannot listen on {args.host}:{args.port} ({exc.strerror})",
                "    Another program may be using that port: choose another with --port, e.g. --port 8081.",
            )
            return 1
    store, code = _open_store(db)  # a new database is created here, once, before any worker starts
    if store is None:
        return code
    shown_host = _lan_address() if args.host in ("0.0.0.0", "::") else args.host
    public_url = (
        args.public_url or os.environ.get("RATERKIT_PUBLIC_URL") or f"http://{shown_host}:{args.port}"
    ).rstrip("/")
    app = create_app(catalog, store.url, key, public_url=public_url, store=store)
    workers = f", {args.workers} worker processes" if args.workers > 1 else ""
    print(f"raterkit live: the workshop server is running. Database: {_shown_url(db)}{workers}")
    print(f"    Facilitator console: {public_url}/console")
    print(f"    Trainees join at:    {public_url}/")
    if generated:
        print(f"    Facilitator key:     {key}   (new: shown only now; keep it to sign in again)")
    else:
        print("    Facilitator key:     the one you gave")
    if args.host in ("0.0.0.0", "::"):
        print("    Anyone on this network can reach the server: run it only on a network you trust.")
    print("Stop it with Ctrl+C; sessions and ratings are kept in the database.", flush=True)
    if args.workers > 1:
        store.close()  # each worker opens its own
    serve(
        app,
        args.host,
        args.port,
        workers=args.workers,
        database_url=store.url,
        key=key,
        public_url=public_url,
        data=[str(Path(p).resolve()) for p in _data_paths(args.data)],
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="raterkit", description="Performance frameworks, calibration quizzes and workshop statistics."
    )
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
    responses_help = "response files (CSV or JSON) or folders of them"
    data_help = "framework and quiz files or folders (default: frameworks/ and quiz/)"
    p = sub.add_parser("score", help="score each rater's responses against the quiz's reference levels")
    p.add_argument("responses", nargs="+", metavar="RESPONSES", help=responses_help)
    p.add_argument(
        "--quiz", metavar="ID", help="the quiz the responses answer (default: the one their items belong to)"
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("agreement", help="how far many raters agree on the same items")
    p.add_argument("responses", nargs="+", metavar="RESPONSES", help=responses_help)
    scale = p.add_mutually_exclusive_group()
    scale.add_argument(
        "--quiz", metavar="ID", help="the quiz the responses answer (default: the one their items belong to)"
    )
    scale.add_argument(
        "--levels", metavar="I,II,...", help="your own scale, lowest first: items need not be in any quiz"
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_agreement)
    p = sub.add_parser("report", help="write the trainer's workshop report: one self-contained HTML file")
    p.add_argument(
        "responses", nargs="*", metavar="RESPONSES", help=responses_help + " (after the discussion); or use --db"
    )
    p.add_argument(
        "--db",
        metavar="FILE|URL",
        help="instead of files: the live server's database (a SQLite file or a postgresql:// URL), with --session",
    )
    p.add_argument("--session", metavar="CODE", help="the join code of the live session to report on (with --db)")
    p.add_argument(
        "-o", "--output", default="report.html", metavar="FILE", help="the HTML file to write (default: report.html)"
    )
    p.add_argument("--before", nargs="+", metavar="RESPONSES", help="the same quiz rated before the discussion")
    p.add_argument(
        "--quiz", metavar="ID", help="the quiz the responses answer (default: the one their items belong to)"
    )
    p.add_argument("--title", help="the report's title (default: the quiz's title)")
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("notebooks", help="regenerate the practice and trainer notebooks")
    p.add_argument("--out", default="notebooks", metavar="FOLDER", help="where to write them (default: notebooks)")
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser("workshop-sample", help="regenerate the sample workshop responses (two rounds, 12 raters)")
    p.add_argument(
        "--out", default="examples/workshop", metavar="FOLDER", help="where to write them (default: examples/workshop)"
    )
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_workshop_sample)
    p = sub.add_parser(
        "export", help="export a quiz or framework for another system (SCORM, CASE 1.0) or a spreadsheet (xlsx, CSV)"
    )
    export = p.add_subparsers(dest="format", metavar="FORMAT", parser_class=_Parser)
    export.required = True
    p = export.add_parser(
        "scorm",
        help="a quiz as a SCORM package (one zip) that a learning management system imports as a course",
        description="Write a quiz as a SCORM package: the quiz page, its scripts and styles, and imsmanifest.xml. "
        "The package scores in the browser, so the answer key is inside it.",
    )
    p.add_argument("quiz", metavar="QUIZ", help="the quiz's id: the id at the top of its file in quiz/")
    p.add_argument("-o", "--output", required=True, metavar="FILE.zip", help="the zip file to write")
    p.add_argument(
        "--scorm", choices=("1.2", "2004"), default="1.2", help="the SCORM edition (2004: 4th Edition; default: 1.2)"
    )
    p.add_argument(
        "--assessment",
        action="store_true",
        help="show no reference, reasons or cited statement until every behaviour is rated and submitted, "
        "then record the result once",
    )
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_export_scorm)
    p = export.add_parser(
        "case",
        help="a framework as a 1EdTech CASE 1.0 package (JSON) for a competency registry",
        description="Write a framework as a CASE 1.0 CFPackage: items, isChildOf associations and rubrics.",
    )
    p.add_argument("framework", metavar="FRAMEWORK", help="a framework id from frameworks/ or a framework YAML file")
    p.add_argument("-o", "--output", required=True, metavar="FILE.json", help="the JSON file to write")
    p.set_defaults(func=cmd_export_case)
    for fmt, target, hint in (
        ("xlsx", "FILE.xlsx", "the workbook to write"),
        ("csv", "FOLDER", "the folder to write one CSV file a sheet in"),
    ):
        p = export.add_parser(
            fmt,
            help=f"a framework or quiz bank as a spreadsheet ({'one workbook' if fmt == 'xlsx' else 'CSV files'}) to edit",
            description="Write a framework or quiz bank in the layout of docs/authoring.md, or a blank template.",
        )
        p.add_argument(
            "source",
            nargs="?",
            metavar="FRAMEWORK|QUIZ",
            help="a framework id from frameworks/, a quiz id from quiz/, or a framework or quiz YAML file",
        )
        p.add_argument("-o", "--output", required=True, metavar=target, help=hint)
        p.add_argument(
            "--template",
            nargs="?",
            const="framework",
            choices=("framework", "quiz"),
            help="write a blank template instead (default: a framework; 'quiz' for a quiz bank)",
        )
        p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
        p.set_defaults(func=cmd_export_sheets)
    p = sub.add_parser("import", help="import a framework or quiz bank from another format (CASE 1.0, xlsx, CSV)")
    imports = p.add_subparsers(dest="format", metavar="FORMAT", parser_class=_Parser)
    imports.required = True
    p = imports.add_parser(
        "case",
        help="a CASE 1.0 package (JSON) as a framework YAML file",
        description="Read a CASE 1.0 CFPackage (raterkit's own, or a plain one without rubrics) into framework YAML.",
    )
    p.add_argument("file", metavar="FILE.json", help="the CFPackage to read")
    p.add_argument("-o", "--output", required=True, metavar="FILE.yaml", help="the framework YAML file to write")
    p.set_defaults(func=cmd_import_case)
    for fmt, given in (("xlsx", "FILE.xlsx"), ("csv", "FOLDER")):
        p = imports.add_parser(
            fmt,
            help=f"a framework or quiz bank filled in as a spreadsheet ({fmt}) as a YAML file",
            description="Read a spreadsheet in the layout of docs/authoring.md; every problem is named by its cell, "
            "and nothing is written until there is none.",
        )
        p.add_argument("file", metavar=given, help="the workbook" if fmt == "xlsx" else "the folder of CSV files")
        p.add_argument("-o", "--output", required=True, metavar="FILE.yaml", help="the YAML file to write")
        p.add_argument(
            "--data",
            nargs="+",
            action="extend",
            metavar="PATH",
            help="framework files or folders a quiz bank refers to",
        )
        p.set_defaults(func=cmd_import_sheets)
    p = sub.add_parser("live", help="run a live calibration session: the workshop server")
    p.add_argument(
        "--db",
        metavar="FILE|URL",
        help="the database: a SQLite file or a postgresql:// URL (default: $RATERKIT_DATABASE_URL, or raterkit-live.sqlite)",
    )
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (PostgreSQL only; default: 1)")
    p.add_argument(
        "--upgrade-db",
        action="store_true",
        help="upgrade the database to this raterkit's schema, keeping every row, then stop",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1; a room's network: 0.0.0.0)"
    )
    p.add_argument("--port", type=int, default=8080, help="the port (default: 8080)")
    p.add_argument(
        "--facilitator-key", metavar="KEY", help="the trainer's key (default: $RATERKIT_FACILITATOR_KEY, or a new one)"
    )
    p.add_argument("--public-url", metavar="URL", help="the address trainees use, when it differs (a proxy, a name)")
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=data_help)
    p.set_defaults(func=cmd_live)
    return parser


#: glibc's mallopt parameter M_MMAP_THRESHOLD, and the size from which memory is mapped for itself.
_M_MMAP_THRESHOLD, _MAPPED_FROM = -3, 4 * 1024 * 1024


def hand_back_large_blocks() -> None:
    """Have the C allocator give large blocks (a column of a million rows) back to the system
    when they are freed. By default glibc raises that threshold each time such a block is freed,
    after which the reader's many short-lived columns pile up in the process: a million ratings
    then peaked at 0.55 GB instead of 0.40 GB (benchmarks/responses.py). Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has no mallopt): its own way
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MAPPED_FROM)


def main(argv: Sequence[str] | None = None) -> int:
    hand_back_large_blocks()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Visible(stdout), _Visible(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
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
    except Exception as exc:  # a bug in raterkit: say so plainly, never with a traceback
        if os.environ.get("RATERKIT_DEBUG"):
            raise
        print(
            f"raterkit: something went wrong that raterkit did not expect ({type(exc).__name__}: {exc}).\n"
            "    Please report it with the command you ran; RATERKIT_DEBUG=1 shows the details.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
