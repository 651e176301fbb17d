"""A quiz as a SCORM package: one zip that a learning management system (LMS) imports as a course.

The package is the site's quiz page standing alone: the same markup (``raterkit.site.quizpages``),
the same ``rk-quiz.js`` and styles, plus ``rk-scorm.js``, the small adapter that finds the LMS's
API and records the trainee's ratings, score and status there, and ``rk-scorm.css``, which gives
the page the look the site's theme gives it. No MkDocs, nothing fetched from another host.

A SCORM package scores in the browser, so its answer key is inside it. ``assessment=True`` shows
no reference, rationale or cited statement until the trainee has rated every behaviour and
submitted, and then records the result once; it does not hide the key from someone who unpacks
the zip.

The zip is the same bytes for the same quiz and options (fixed times, sorted names) and is
written beside its destination and renamed into place, so a failure leaves no partial file.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..catalog import Catalog
from ..files import write_whole
from ..model import Quiz
from ..rules import resolve_pass_rule
from ..site.quizpages import QuizHost, quiz_body
from .manifest import EDITIONS, manifest_xml, share_text

__all__ = [
    "EDITIONS",
    "LEVEL_LIMIT",
    "SUSPEND_LIMIT",
    "Package",
    "build_package",
    "package_problems",
    "suspend_worst_case",
    "write_package",
    "zip_bytes",
]

LAUNCH = "index.html"
MANIFEST = "imsmanifest.xml"
#: The quiz UI's own files, as the site serves them (``raterkit/site/assets``), in loading order.
QUIZ_SCRIPTS = ("rk-start.js", "rk-scorm.js", "rk-quiz.js")
QUIZ_STYLES = ("rk-scorm.css", "rk.css", "rk-quiz.css")
OWN_ASSETS = frozenset({"rk-scorm.js", "rk-scorm.css"})

#: The most characters ``cmi.suspend_data`` holds: SCORM 1.2's CMIString4096, SCORM 2004's SPM of 64000.
SUSPEND_LIMIT = {"1.2": 4096, "2004": 64000}
#: rk-scorm.js writes each item's level and checked flag as one character of 62 (2 x 31 levels).
LEVEL_LIMIT = 31

#: Every file in the zip carries this time (the zip format's earliest), so a package's bytes depend
#: on its content only.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

#: No script but the package's own files, no request anywhere: a second wall behind the escaping.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"

_ENV = Environment(
    loader=PackageLoader("raterkit.export", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Package:
    """A built package: its files by name (the manifest among them) and what it was built as."""

    quiz: str
    edition: str
    assessment: bool
    #: The pass rule's minimum share of exact agreement: the manifest's mastery score.
    mastery: float
    files: dict[str, bytes]

    @property
    def mastery_text(self) -> str:
        """The mastery score as the manifest gives it: percent in 1.2, a share in 2004."""
        return share_text(self.mastery * 100) if self.edition == "1.2" else share_text(self.mastery)


def suspend_worst_case(n_items: int) -> int:
    """The longest ``cmi.suspend_data`` rk-scorm.js writes for a quiz of ``n_items`` items without
    the trainee's name (which it leaves out when there is no room): every item rated, in order,
    submitted. The same shape as rk-scorm.js's ``encode``."""
    state = {"v": 1, "r": "x" * n_items, "o": list(range(n_items)), "s": 1}
    return len(json.dumps(state, separators=(",", ":")))


def package_problems(quiz: Quiz, catalog: Catalog, edition: str) -> list[str]:
    """Why ``quiz`` cannot become a package of ``edition``, in words; empty when it can."""
    if edition not in EDITIONS:
        return [f"there is no SCORM edition {edition!r}: use 1.2 or 2004"]
    problems = []
    levels = len(catalog.frameworks[quiz.framework].scale)
    if levels > LEVEL_LIMIT:
        problems.append(f"its scale has {levels} levels, more than the {LEVEL_LIMIT} a package can record a rating on")
    needed = suspend_worst_case(len(quiz.items))
    if needed > SUSPEND_LIMIT[edition]:
        problems.append(
            f"its {len(quiz.items)} behaviours need up to {needed} characters of the LMS's saved state "
            f"(suspend data), and SCORM {edition} allows {SUSPEND_LIMIT[edition]}"
            + ("; SCORM 2004 allows 64000" if edition == "1.2" else "")
        )
    return problems


def _asset(name: str) -> bytes:
    package = "raterkit.export" if name in OWN_ASSETS else "raterkit.site"
    return (resources.files(package) / "assets" / name).read_bytes()


def _page(quiz: Quiz, catalog: Catalog, edition: str, assessment: bool) -> bytes:
    host = QuizHost(practice=True, lms=True, reveal="end" if assessment else "each")
    macros: Any = _ENV.get_template("scorm.html").module  # the template's macros, called like functions
    blocks: list[Markup] = []
    for block in quiz_body(host, quiz, catalog):
        if isinstance(block, tuple):
            level, text = block
            blocks.append(macros.heading(level, text))
            if level == 1:  # what the page says about the LMS, filled in by rk-scorm.js
                blocks.append(macros.lms_status())
        else:
            blocks.append(block)
    html = macros.page(quiz.title, CSP, edition, QUIZ_STYLES, QUIZ_SCRIPTS, blocks)
    return str(html).encode("utf-8")


def build_package(quiz: Quiz, catalog: Catalog, edition: str = "1.2", assessment: bool = False) -> Package:
    """The package of ``quiz`` for SCORM ``edition`` ("1.2" or "2004"). Raises ValueError naming
    the problem when the quiz cannot be one (:func:`package_problems`)."""
    problems = package_problems(quiz, catalog, edition)
    if problems:
        raise ValueError(f"quiz {quiz.id!r} cannot be a SCORM {edition} package: " + "; ".join(problems))
    fw = catalog.frameworks[quiz.framework]
    rule = resolve_pass_rule(quiz.pass_rule, len(fw.scale))
    files = {LAUNCH: _page(quiz, catalog, edition, assessment)}
    for name in QUIZ_SCRIPTS + QUIZ_STYLES:
        files[name] = _asset(name)
    files[MANIFEST] = manifest_xml(edition, quiz.id, quiz.title, LAUNCH, files, rule.exact)
    return Package(quiz.id, edition, assessment, rule.exact, dict(sorted(files.items())))


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """The files as a zip, the same bytes every time: sorted names, one fixed time, fixed modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode below is read
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def write_package(package: Package, path: Path) -> None:
    """Write the package's zip to ``path``, whole or not at all. Raises OSError when it cannot be written."""
    write_whole(path, zip_bytes(package.files))
