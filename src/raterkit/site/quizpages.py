"""Quiz pages: one frame-of-reference practice page per quiz, and an index of quizzes (pure, no MkDocs).

Everything the browser needs is computed here and embedded once per page as JSON
(:class:`QuizPayload`), so ``rk-quiz.js`` only shows and counts: it has no diff algorithm and
no knowledge of the frameworks. In assessment mode the payload, and the page, carry only the
items' ids, behaviours and the scale: no reference level, rationale or cited statement leaves
the build.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict

from ..load import Catalog
from ..model import Framework, Quiz, QuizItem
from ..rules import PassRule
from .html import Glossary, diff_cells, esc, md
from .pages import GeneratedPage, SiteSettings, _Page, matrix_path, statement_link

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

    def to_script_json(self) -> str:
        """JSON safe inside ``<script>``: no ``</`` can close the element, no ``<!--`` open a comment."""
        text = self.model_dump_json(exclude_none=True)
        return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


# Keys whose presence in a built file would reveal the answers (see the assessment-mode test).
ANSWER_KEYS = ("reference", "rationale", "cites", "diffs")


def pass_rule(quiz: Quiz, n_levels: int) -> PassRule:
    """The quiz's own pass rule: its stated values over the default for the scale's length."""
    rule = PassRule.default_for(n_levels)
    if quiz.pass_rule is None:
        return rule
    given = {k: v for k, v in quiz.pass_rule.model_dump().items() if v is not None}
    return PassRule(**{"exact": rule.exact, "within_one": rule.within_one, "max_abs_bias": rule.max_abs_bias, **given})


# ----------------------------------------------------------------------------- pieces


def _criteria(fw: Framework, item: QuizItem) -> list[tuple[str, str]]:
    comp = fw.competency(item.competency)
    return [(c.id, c.label) for c in comp.criteria if item.criterion in (None, c.id)]


def _what(fw: Framework, item: QuizItem) -> str:
    comp = fw.competency(item.competency)
    if item.criterion:
        label = dict(_criteria(fw, item))[item.criterion]
        return f"{comp.title}: {label} only"
    if comp.has_implicit_criterion:
        return comp.title
    return f"{comp.title}, as a whole"


def _cites_html(p: _Page, fw: Framework, item: QuizItem, catalog: Catalog, texts: dict[str, str]) -> str:
    items = []
    for address in item.cites:
        cited_fw = catalog.frameworks[address.split("/", 1)[0]]
        level_id = address.split("/")[2]
        mpath, frag = statement_link(catalog, address)
        text = esc(cited_fw.fill(texts[address], p.settings.fill))
        items.append(
            f'<li><span class="rk-quiz-cite-level">{esc(cited_fw.level(level_id).label)}:</span> {text} '
            f'<a href="{p.link(mpath, frag)}">this statement in the matrix</a></li>'
        )
    return '<ul class="rk-quiz-cites">' + "".join(items) + "</ul>"


def _diff_html(p: _Page, fw: Framework, item: QuizItem, chosen: str) -> str:
    """The chosen level's and the reference level's statements side by side, differences marked."""
    comp = fw.competency(item.competency)
    a, b = fw.level(chosen), fw.level(item.reference)
    body = []
    for crit_id, label in _criteria(fw, item):
        old = " ".join(fw.fill(t, p.settings.fill) for t in comp.statements(a.id, crit_id))
        new = " ".join(fw.fill(t, p.settings.fill) for t in comp.statements(b.id, crit_id))
        left, right = diff_cells(old, new)
        body.append(
            f'<tr><th scope="row">{esc(label)}</th><td data-label="Your answer, {esc(a.label)}">{left}</td>'
            f'<td data-label="Reference, {esc(b.label)}">{right}</td></tr>'
        )
    caption = f"Your answer ({a.label}) and the reference ({b.label}) side by side"
    return (
        f'<div class="rk-matrix-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
        f'<table class="rk-compare rk-quiz-diff"><caption>{esc(caption)}. '
        f'<span class="rk-legend">Words only in {esc(a.label)} are <del>struck through</del>; '
        f"words only in {esc(b.label)} are <ins>underlined</ins>.</span></caption>"
        f'<thead><tr><th scope="col">Criterion</th><th scope="col">Your answer: {esc(a.label)}</th>'
        f'<th scope="col">Reference: {esc(b.label)}</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def payload(p: _Page, quiz: Quiz, catalog: Catalog) -> QuizPayload:
    fw = catalog.frameworks[quiz.framework]
    practice = not p.settings.assessment
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
                rationale=f"<p>{esc(item.rationale)}</p>",
                cites=_cites_html(p, fw, item, catalog, texts),
                diffs=["" if lv.id == item.reference else _diff_html(p, fw, item, lv.id) for lv in fw.scale],
            )
        )
    rule = None
    if practice:
        r = pass_rule(quiz, len(fw.scale))
        rule = RulePayload(exact=r.exact, within_one=r.within_one, max_abs_bias=r.max_abs_bias, text=r.describe())
    return QuizPayload(quiz=quiz.id, practice=practice, levels=levels, items=items, rule=rule)


def _item_html(fw: Framework, quiz: Quiz, n: int, item: QuizItem, practice: bool) -> str:
    name = f"rk-q-{item.id}"
    radios = "".join(
        f'<div class="rk-quiz-option"><input type="radio" name="{esc(name)}" id="{esc(name)}-{esc(lv.id)}" value="{esc(lv.id)}">'
        f'<label for="{esc(name)}-{esc(lv.id)}">{esc(lv.label)}</label></div>'
        for lv in fw.scale
    )
    check = (
        f'<button type="button" class="md-button rk-quiz-check">Check<span class="rk-sr"> behaviour {n}</span></button>'
        f'<div class="rk-quiz-feedback" aria-live="polite"></div>'
        if practice
        else ""
    )
    return (
        f'<fieldset class="rk-quiz-item" id="item-{esc(item.id)}" data-item="{esc(item.id)}">'
        f'<legend>Behaviour {n} <span class="rk-quiz-what">rated on {esc(_what(fw, item))}</span></legend>'
        f'<p class="rk-behaviour">{esc(item.behaviour)}</p>'
        f'<div class="rk-quiz-options">{radios}</div>'
        f"{check}</fieldset>"
    )


def _download_html() -> str:
    return (
        '<div class="rk-quiz-download">'
        "<h3>Download my answers</h3>"
        "<p>Your trainer collects answers as a file. Enter your name or the ID your trainer gave you, then download.</p>"
        '<p><label for="rk-rater">Your name or ID</label> <input type="text" id="rk-rater" name="rater" autocomplete="off" required></p>'
        '<p><button type="button" class="md-button rk-quiz-download-csv">Download CSV</button> '
        '<button type="button" class="md-button rk-quiz-download-json">Download JSON</button></p>'
        '<p class="rk-quiz-download-status" role="status" aria-live="polite"></p>'
        "</div>"
    )


def _quiz_page(quiz: Quiz, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    fw = catalog.frameworks[quiz.framework]
    practice = not s.assessment
    # Quiz pages stay out of search: the behaviours are exercises, not reference text.
    p = _Page(quiz_path(quiz), quiz.title, s, g, search=False)
    p.add(f"# {md(quiz.title)}", "")
    intro = []
    if quiz.description:
        intro.append(f'<p class="rk-lede">{esc(quiz.description)}</p>')
    scale = " < ".join(lv.label for lv in fw.scale)
    intro.append(
        f'<p>Framework: <a href="{p.link(matrix_path(fw))}">{esc(fw.title)}</a> (levels, lowest first: {esc(scale)}). '
        f"There are {len(quiz.items)} behaviours.</p>"
    )
    if practice:
        rule = pass_rule(quiz, len(fw.scale))
        intro.append(
            "<p>This is <strong>frame-of-reference practice</strong>: you rate short accounts of real-looking work "
            "against the framework's statements, then compare your rating with the reference rating that experienced "
            "raters agreed on, and read why. Doing this a few times tunes your sense of each level to the same "
            "standard as everyone else's.</p>"
            "<p>Choose a level for a behaviour, then press <strong>Check</strong>. You will see whether you matched "
            "the reference, the reasons, and the statements it rests on. When you miss, the statements for your level "
            "and the reference level are shown side by side with the differing words marked.</p>"
            "<p>Your results count every behaviour you have rated: <em>exact</em> is the share you rated at the "
            "reference level, <em>within one</em> the share no more than one level away, and <em>bias</em> how far "
            "above (lenient) or below (severe) the reference you rate on average. "
            f"To pass this quiz you need {esc(rule.describe())}.</p>"
            "<p>Your answers are kept in this browser, so you can stop and come back.</p>"
        )
    else:
        intro.append(
            "<p>This is an <strong>assessment</strong>. Rate each behaviour against the framework's statements and "
            "choose one level. Your answers are kept in this browser, so you can stop and come back. When you have "
            "finished, download your answers and give the file to your trainer, who will score them.</p>"
        )
    p.html("\n".join(intro))
    p.add("## Behaviours", "")
    items = "".join(_item_html(fw, quiz, n, item, practice) for n, item in enumerate(quiz.items, start=1))
    p.html(f'<div class="rk-quiz" data-rk-quiz="{esc(quiz.id)}">{items}</div>')
    p.add("## Your results" if practice else "## Your answers", "")
    panel = ['<section class="rk-quiz-panel" aria-label="' + ("Your results" if practice else "Your answers") + '">']
    if practice:
        panel.append(
            '<p><button type="button" class="md-button rk-quiz-show-results" aria-expanded="false" aria-controls="rk-quiz-results">Show my results</button></p>'
            '<div id="rk-quiz-results" class="rk-quiz-results" aria-live="polite" hidden></div>'
        )
    else:
        panel.append('<p class="rk-quiz-count" aria-live="polite"></p>')
    panel.append(_download_html())
    panel.append('<p><button type="button" class="md-button rk-quiz-start-over">Start over</button></p>')
    panel.append("</section>")
    p.html("".join(panel))
    p.html(f'<script type="application/json" id="{DATA_ID}">{payload(p, quiz, catalog).to_script_json()}</script>')
    return p.done()


def _index(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = _Page(QUIZ_INDEX_PATH, "Quizzes", s, g)
    p.add("# Quizzes", "")
    if s.assessment:
        p.html(
            '<p class="rk-lede">Rate each behaviour against its framework, then download your answers for your trainer.</p>'
        )
    else:
        p.html(
            '<p class="rk-lede">Practise rating: read a short account of someone\'s work, choose a level, and compare '
            "your rating with the reference rating and its reasons.</p>"
        )
    if not catalog.quizzes:
        p.html('<p class="rk-note">There are no quizzes yet.</p>')
        return p.done()
    rows = []
    for quiz in catalog.quizzes.values():
        fw = catalog.frameworks[quiz.framework]
        rows.append(
            f'<tr><th scope="row"><a href="{p.link(quiz_path(quiz))}">{esc(quiz.title)}</a></th>'
            f"<td>{esc(fw.title)}</td><td>{len(quiz.items)}</td><td>{esc(' < '.join(lv.label for lv in fw.scale))}</td></tr>"
        )
    p.html(
        '<div class="rk-matrix-wrap" role="region" aria-label="Quizzes" tabindex="0"><table class="rk-list"><caption>Quizzes on this site</caption>'
        '<thead><tr><th scope="col">Quiz</th><th scope="col">Framework</th><th scope="col">Behaviours</th><th scope="col">Scale, lowest first</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return p.done()


def generate_quizzes(catalog: Catalog, settings: SiteSettings, glossary: Glossary) -> list[GeneratedPage]:
    """The quiz index and one page per quiz."""
    return [_index(catalog, settings, glossary)] + [
        _quiz_page(q, catalog, settings, glossary) for q in catalog.quizzes.values()
    ]


def quiz_nav(catalog: Catalog) -> list:
    return [{"All quizzes": QUIZ_INDEX_PATH}] + [{esc(q.title): quiz_path(q)} for q in catalog.quizzes.values()]


def read_payload(markdown: str) -> dict:
    """The JSON payload of a generated quiz page (for tests and tools)."""
    start = markdown.index(f'<script type="application/json" id="{DATA_ID}">') + len(
        f'<script type="application/json" id="{DATA_ID}">'
    )
    end = markdown.index("</script>", start)
    return json.loads(markdown[start:end])
