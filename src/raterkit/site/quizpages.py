"""Quiz pages: one frame-of-reference practice page per quiz, and an index of quizzes (pure, no MkDocs).

Everything the browser needs is computed here and embedded once per page as JSON
(:class:`QuizPayload`), so ``rk-quiz.js`` only shows and counts: it has no diff algorithm and
no knowledge of the frameworks. In assessment mode the payload, and the page, carry only the
items' ids, behaviours and the scale: no reference level, rationale or cited statement leaves
the build. The HTML comes from ``templates/quizzes.html``.

One quiz UI, two hosts: :func:`quiz_body` gives a quiz page's headings and HTML blocks for a
:class:`QuizHost`, the site's (links to the matrix pages, answers in the browser) or a SCORM
package's (no site to link to, answers kept by the LMS: ``raterkit.export.scorm``). Both hosts
show the same markup, driven by the same ``rk-quiz.js``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from ..load import Catalog
from ..model import Framework, Quiz, QuizItem
from ..rules import BIAS_THRESHOLD, resolve_pass_rule
from ..words import BIAS_PHRASES
from .html import esc, md
from .page import GeneratedPage, Glossary, Page, SiteSettings, diff_cells, macros, matrix_path, statement_link

T = macros("quizzes.html")
C = macros("common.html")

QUIZZES_DIR = "quizzes"
QUIZ_INDEX_PATH = f"{QUIZZES_DIR}/index.md"
DATA_ID = "rk-quiz-data"


def quiz_path(quiz: Quiz) -> str:
    return f"{QUIZZES_DIR}/{quiz.id}.md"


# ----------------------------------------------------------------------------- the payload


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelPayload(_Payload):
    id: str
    label: str


class RulePayload(_Payload):
    exact: float
    within_one: float
    max_abs_bias: float
    text: str


class ItemPayload(_Payload):
    """One item. ``reference``, ``rationale``, ``cites`` and ``diffs`` exist in practice mode only."""

    id: str
    behaviour: str
    reference: int | None = None  # position on the scale, 0 = lowest
    rationale: str | None = None  # HTML
    cites: str | None = None  # HTML: the cited statements with links to their permalinks
    diffs: list[str] | None = None  # HTML per level position: that level vs the reference ("" for the reference)


class QuizPayload(_Payload):
    """What crosses from Python to ``rk-quiz.js`` on a quiz page (``#rk-quiz-data``)."""

    quiz: str
    practice: bool
    levels: list[LevelPayload]
    items: list[ItemPayload]
    rule: RulePayload | None = None  # practice mode only
    #: Practice mode only: how the results say a trainee's average distance from the reference,
    #: ``raterkit.words.BIAS_PHRASES`` (keys same, higher, lower, lenient, severe, none; the script
    #: fills in ``{size}``, the distance with two decimals, and ``{unit}``, 'level' or 'levels').
    bias_words: dict[str, str] | None = None
    #: Practice mode only: ``raterkit.rules.BIAS_THRESHOLD``, from which a bias is called lenient or severe.
    bias_threshold: float | None = None
    #: ``"end"``: the feedback, the reference levels and the results are shown only once every item is
    #: rated and the answers are submitted, which makes them final (a SCORM package's ``--assessment``).
    #: Left out: each item's feedback is shown when it is checked.
    reveal: Literal["end"] | None = None
    #: True: an item's answer can no longer change once it is checked (a SCORM package, whose LMS
    #: records the score). Left out: answers change freely, as practice on the site.
    lock_checked: bool | None = None

    def to_script_json(self) -> str:
        """JSON safe inside ``<script>``: no ``</`` can close the element, no ``<!--`` open a comment."""
        text = self.model_dump_json(exclude_none=True)
        return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


# Keys whose presence in a built file would reveal the answers (see the assessment-mode test).
ANSWER_KEYS = ("reference", "rationale", "cites", "diffs")


# ----------------------------------------------------------------------------- pieces


@dataclass(frozen=True)
class QuizHost:
    """Where a quiz page is shown, and what that changes: links, wording, when answers are final.

    ``practice``: the key (references, rationales, cited statements, diffs) is in the page.
    ``matrix_href``: the framework's matrix page, or None where there is no site to link to.
    ``cite_href``: a cited statement's address to its permalink, or None (shown without a link).
    ``lms``: a SCORM package's page (its answers may be recorded by an LMS, and final once checked).
    ``reveal``: ``"each"``, an item's feedback on Check; ``"end"``, every item's once all are submitted.
    """

    practice: bool = True
    fill: dict[str, str] = field(default_factory=dict)
    matrix_href: str | None = None
    cite_href: Callable[[str], str | None] = field(default=lambda address: None)
    lms: bool = False
    reveal: Literal["each", "end"] = "each"


#: A piece of a quiz page's body: a heading (level, plain text) or an HTML block.
Block = tuple[int, str] | Markup


def _cites_html(host: QuizHost, item: QuizItem, catalog: Catalog, texts: dict[str, str]) -> Markup:
    cites = []
    for address in item.cites:
        cited_fw = catalog.frameworks[address.split("/", 1)[0]]
        level_id = address.split("/")[2]
        text = cited_fw.fill(texts[address], host.fill)
        cites.append((cited_fw.level(level_id).label, text, host.cite_href(address)))
    return T.cites(cites)


def _diff_html(host: QuizHost, fw: Framework, item: QuizItem, chosen: str) -> Markup:
    """The chosen level's and the reference level's statements side by side, differences marked."""
    comp = fw.competency(item.competency)
    a, b = fw.level(chosen), fw.level(item.reference)
    body = []
    for crit_id, label in fw.criteria_of(item):
        old = " ".join(fw.fill(t, host.fill) for t in comp.statements(a.id, crit_id))
        new = " ".join(fw.fill(t, host.fill) for t in comp.statements(b.id, crit_id))
        left, right = diff_cells(old, new)
        body.append((label, left, right))
    return C.compare_table(
        f"Your answer ({a.label}) and the reference ({b.label}) side by side",
        a.label,
        b.label,
        f"Your answer: {a.label}",
        f"Reference: {b.label}",
        f"Your answer, {a.label}",
        f"Reference, {b.label}",
        body,
        table_class="rk-compare rk-quiz-diff",
    )


def site_host(p: Page, quiz: Quiz, catalog: Catalog) -> QuizHost:
    """The site as a quiz page's host: links to the framework's matrix page and the cited statements."""
    return QuizHost(
        practice=not p.settings.assessment,
        fill=p.settings.fill,
        matrix_href=p.link(matrix_path(catalog.frameworks[quiz.framework])),
        cite_href=lambda address: p.link(*statement_link(catalog, address)),
    )


def payload(p: Page, quiz: Quiz, catalog: Catalog) -> QuizPayload:
    """The payload of the site's page of ``quiz``."""
    return host_payload(site_host(p, quiz, catalog), quiz, catalog)


def host_payload(host: QuizHost, quiz: Quiz, catalog: Catalog) -> QuizPayload:
    """What ``rk-quiz.js`` is given on a quiz page of ``host``."""
    fw = catalog.frameworks[quiz.framework]
    practice = host.practice
    levels = [LevelPayload(id=lv.id, label=lv.label) for lv in fw.scale]
    items = []
    texts = catalog.statement_texts() if practice else {}
    for item in quiz.items:
        if not practice:
            items.append(ItemPayload(id=item.id, behaviour=item.behaviour))
            continue
        items.append(
            ItemPayload(
                id=item.id,
                behaviour=item.behaviour,
                reference=fw.level_index(item.reference),
                rationale=C.para(item.rationale),
                cites=_cites_html(host, item, catalog, texts),
                diffs=["" if lv.id == item.reference else _diff_html(host, fw, item, lv.id) for lv in fw.scale],
            )
        )
    rule = None
    if practice:
        r = resolve_pass_rule(quiz.pass_rule, len(fw.scale))
        rule = RulePayload(exact=r.exact, within_one=r.within_one, max_abs_bias=r.max_abs_bias, text=r.describe())
    return QuizPayload(
        quiz=quiz.id,
        practice=practice,
        levels=levels,
        items=items,
        rule=rule,
        bias_words=dict(BIAS_PHRASES) if practice else None,
        bias_threshold=BIAS_THRESHOLD if practice else None,
        reveal="end" if practice and host.reveal == "end" else None,
        lock_checked=True if practice and host.lms and host.reveal == "each" else None,
    )


def quiz_body(host: QuizHost, quiz: Quiz, catalog: Catalog) -> list[Block]:
    """A quiz page's body on ``host``: its headings and HTML blocks, in order."""
    if host.reveal == "end" and not host.practice:
        raise ValueError("QuizHost(reveal='end') needs practice=True: the feedback shown at the end needs the key.")
    fw = catalog.frameworks[quiz.framework]
    practice, at_end = host.practice, host.reveal == "end"
    rule = resolve_pass_rule(quiz.pass_rule, len(fw.scale)).describe() if practice else None
    scale = " < ".join(lv.label for lv in fw.scale)
    items = [(item.id, n, fw.rated_on(item), item.behaviour) for n, item in enumerate(quiz.items, start=1)]
    return [
        (1, quiz.title),
        T.intro(quiz.description, fw.title, host.matrix_href, scale, len(quiz.items), rule, host.lms, at_end),
        (2, "Behaviours"),
        T.behaviours(quiz.id, items, [(lv.id, lv.label) for lv in fw.scale], practice, not at_end),
        (2, "Your results" if practice else "Your answers"),
        T.panel(practice, at_end),
        T.payload(DATA_ID, host_payload(host, quiz, catalog).to_script_json()),
    ]


def _quiz_page(quiz: Quiz, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    # Quiz pages stay out of search: the behaviours are exercises, not reference text.
    p = Page(quiz_path(quiz), quiz.title, s, g, search=False)
    for block in quiz_body(site_host(p, quiz, catalog), quiz, catalog):
        if isinstance(block, tuple):
            p.heading(block[0], md(block[1]))
        else:
            p.html(block)
    return p.done()


def _index(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = Page(QUIZ_INDEX_PATH, "Quizzes", s, g)
    p.heading(1, "Quizzes")
    p.html(T.index_lede(s.assessment))
    if not catalog.quizzes:
        p.html(T.no_quizzes())
        return p.done()
    rows = []
    for quiz in catalog.quizzes.values():
        fw = catalog.frameworks[quiz.framework]
        scale = " < ".join(lv.label for lv in fw.scale)
        rows.append((quiz.title, p.link(quiz_path(quiz)), fw.title, len(quiz.items), scale))
    p.html(T.quizzes_table(rows))
    return p.done()


def pages(catalog: Catalog, settings: SiteSettings, glossary: Glossary) -> list[GeneratedPage]:
    """The quiz index and one page per quiz."""
    return [_index(catalog, settings, glossary)] + [
        _quiz_page(q, catalog, settings, glossary) for q in catalog.quizzes.values()
    ]


def nav(catalog: Catalog) -> dict[str, list | str]:
    """The quizzes' navigation section, keyed by the marker that mkdocs.yml uses."""
    entries = [{"All quizzes": QUIZ_INDEX_PATH}] + [{esc(q.title): quiz_path(q)} for q in catalog.quizzes.values()]
    return {"raterkit:quizzes": entries}


def read_payload(markdown: str) -> dict:
    """The JSON payload of a generated quiz page (for tests and tools)."""
    opening = f'<template id="{DATA_ID}">'
    start = markdown.index(opening) + len(opening)
    end = markdown.index("</template>", start)
    return json.loads(html.unescape(markdown[start:end]))
