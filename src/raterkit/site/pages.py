"""Site pages from the catalog: pure functions, catalog in, ``[GeneratedPage]`` and a nav out.

No MkDocs import: the plugin (``plugin.py``) is a thin adapter that hands these pages to
MkDocs. Pages are Markdown with HTML blocks; every value from the data is escaped on the way
in (see ``html.py``). Statements carry ids derived from their addresses on the matrix page,
which is their permalink; other pages link there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, permutations

from ..compare import word_diff
from ..load import Catalog
from ..model import Competency, Framework, Statement, anchor
from .html import Glossary, diff_cells, esc, href, md, segments_html, yaml_str


@dataclass(frozen=True)
class GeneratedPage:
    path: str
    title: str
    markdown: str


@dataclass(frozen=True)
class SiteSettings:
    office: str | None = None
    directory_urls: bool = True
    assessment: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def fill(self) -> dict[str, str]:
        return {"office": self.office} if self.office else {}


# ----------------------------------------------------------------------------- paths

FRAMEWORKS_DIR = "frameworks"


def overview_path(fw: Framework) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/index.md"


def matrix_path(fw: Framework) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/matrix.md"


def level_path(fw: Framework, level_id: str) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/levels/{level_id}.md"


def compare_path(fw: Framework) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/compare/index.md"


def pair_path(fw: Framework, a: str, b: str) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/compare/{a}-vs-{b}.md"


def pair_id(a: str, b: str) -> str:
    return f"pair-{a}-vs-{b}"


def statement_link(catalog: Catalog, address: str) -> tuple[str, str]:
    """(matrix page path, anchor) of a statement, for links from any page."""
    fw = catalog.frameworks[address.split("/", 1)[0]]
    return matrix_path(fw), anchor(address)


# ----------------------------------------------------------------------------- pieces


class _Page:
    """Collects one page's Markdown; knows its own path for relative links."""

    def __init__(self, path: str, title: str, settings: SiteSettings, glossary: Glossary, *, search: bool = True):
        self.path, self.title, self.settings, self.glossary = path, title, settings, glossary
        # MkDocs' templates print titles without escaping them: escape here.
        self.parts: list[str] = ["---", f"title: {yaml_str(esc(title))}"]
        if not search:
            self.parts += ["search:", "  exclude: true"]
        self.parts += ["---", ""]
        self._seen_terms: set[str] = set()

    def link(self, to_path: str, fragment: str = "") -> str:
        return href(self.path, to_path, fragment, self.settings.directory_urls)

    def prose(self, text: str) -> str:
        """Escaped text with the first use of each glossary term on this page explained."""
        return self.glossary.mark(esc(text), self._seen_terms)

    def add(self, *chunks: str) -> None:
        self.parts.extend(chunks)

    def html(self, markup: str) -> None:
        # HTML blocks are separated by blank lines and contain none, so Markdown leaves them alone.
        self.parts.extend([markup.replace("\n\n", "\n"), ""])

    def done(self) -> GeneratedPage:
        return GeneratedPage(self.path, self.title, "\n".join(self.parts) + "\n")


def _statement_list(page: _Page, fw: Framework, statements: list[Statement], *, ids: bool, catalog: Catalog) -> str:
    items = []
    for st in statements:
        text = page.prose(fw.fill(st.text, page.settings.fill))
        if ids:
            items.append(
                f'<li id="{esc(st.anchor)}">{text} <a class="rk-permalink" href="#{esc(st.anchor)}" '
                f'title="Link to this statement">#<span class="rk-sr"> link to this statement</span></a></li>'
            )
        else:
            mpath, frag = statement_link(catalog, st.address)
            items.append(
                f'<li>{text} <a class="rk-permalink" href="{page.link(mpath, frag)}" '
                f'title="This statement in the matrix">#<span class="rk-sr"> this statement in the matrix</span></a></li>'
            )
    return '<ul class="rk-statements">' + "".join(items) + "</ul>"


def _cell(fw: Framework, comp: Competency, level_id: str, crit_id: str) -> list[Statement]:
    return [
        Statement(fw.id, comp.id, level_id, crit_id, n, text)
        for n, text in enumerate(comp.statements(level_id, crit_id), start=1)
    ]


def _cell_text(fw: Framework, comp: Competency, level_id: str, crit_id: str, settings: SiteSettings) -> str:
    return " ".join(fw.fill(t, settings.fill) for t in comp.statements(level_id, crit_id))


def _rows(fw: Framework) -> list[tuple[Competency, str, str]]:
    """(competency, criterion id, row label) for each matrix row; one row per competency when
    every competency has only the implicit criterion (behaviour anchors)."""
    if len(fw.competencies) > 1 and all(c.has_implicit_criterion for c in fw.competencies):
        return [(c, c.criteria[0].id, c.title) for c in fw.competencies]
    return [(c, cr.id, cr.label) for c in fw.competencies for cr in c.criteria]


def _grouped(fw: Framework) -> list[tuple[Competency | None, list[tuple[Competency, str, str]]]]:
    rows = _rows(fw)
    if len(fw.competencies) > 1 and all(c.has_implicit_criterion for c in fw.competencies):
        return [(None, rows)]
    return [(c, [r for r in rows if r[0] is c]) for c in fw.competencies]


def _described_levels(fw: Framework) -> set[str]:
    return {lv for c in fw.competencies for lv, cells in c.descriptors.items() if any(cells.values())}


# ----------------------------------------------------------------------------- framework pages


def _overview(fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = _Page(overview_path(fw), fw.title, s, g)
    p.add(f"# {md(fw.title)}", "")
    intro = []
    if fw.family:
        intro.append(f'<p class="rk-family">{p.prose(fw.family)}</p>')
    if fw.source and (fw.source.document or fw.source.url):
        doc = esc(fw.source.document or fw.source.url or "")
        if fw.source.url and fw.source.url.startswith(("https://", "http://")):
            doc = f'<a href="{esc(fw.source.url)}">{doc}</a>'
        intro.append(f'<p class="rk-source">Source: {doc}</p>')
    intro.append(
        '<nav class="rk-quicklinks" aria-label="This framework"><ul>'
        f'<li><a href="{p.link(matrix_path(fw))}">All levels and criteria (matrix)</a></li>'
        f'<li><a href="{p.link(compare_path(fw))}">Compare two levels</a></li>'
        "</ul></nav>"
    )
    p.html("\n".join(intro))
    p.add("## The scale", "", "Levels from lowest to highest:", "")
    described = _described_levels(fw)
    items = []
    for lv in fw.scale:
        note = "" if lv.id in described else ' <span class="rk-note">(not described in the source)</span>'
        items.append(f'<li><a href="{p.link(level_path(fw, lv.id))}">{esc(lv.label)}</a>{note}</li>')
    p.html('<ol class="rk-scale">' + "".join(items) + "</ol>")
    if fw.guidance:
        p.add("## Guidance", "")
        p.html(
            '<ul class="rk-guidance">'
            + "".join(f"<li>{p.prose(fw.fill(t, s.fill))}</li>" for t in fw.guidance)
            + "</ul>"
        )
    for comp in fw.competencies:
        p.add(f"## {md(comp.title)}", "")
        blocks = []
        if comp.definition:
            blocks.append(f'<p class="rk-definition">{p.prose(fw.fill(comp.definition, s.fill))}</p>')
        if comp.definition_level:
            lv = fw.level(comp.definition_level)
            blocks.append(
                f'<p class="rk-note">This definition describes the level '
                f'<a href="{p.link(level_path(fw, lv.id))}">{esc(lv.label)}</a>.</p>'
            )
        if not comp.has_implicit_criterion:
            blocks.append("<p>Rated on: " + ", ".join(esc(c.label) for c in comp.criteria) + ".</p>")
        if blocks:
            p.html("\n".join(blocks))
        if comp.expectations:
            p.add("### Expected at every level", "")
            p.html(f'<p class="rk-expectations">{p.prose(fw.fill(comp.expectations, s.fill))}</p>')
        if comp.plan_element:
            _plan_element(p, fw, comp, catalog)
    return p.done()


def _plan_element(p: _Page, fw: Framework, comp: Competency, catalog: Catalog) -> None:
    plan, s = comp.plan_element, p.settings
    assert plan is not None
    kind = "Critical element" if plan.critical else "Element"
    weight = f"at least {plan.weight.minimum}%"
    weight += (
        f"; this plan gives it {plan.weight.value}%" if plan.weight.value is not None else "; no weight is prescribed"
    )
    p.add(f"### {kind}: objective and weight", "")
    p.html(
        '<dl class="rk-plan">'
        f"<dt>Objective</dt><dd>{p.prose(fw.fill(plan.objective, s.fill))}</dd>"
        f"<dt>Weight</dt><dd>{esc(weight)}</dd>"
        "</dl>"
    )
    req = plan.results.required
    p.add("### Results of major activities", "")
    p.html(
        f"<p>A plan lists at least {req.min} and at most {req.max} measurable results. This element lists {len(plan.results.items)}:</p>"
        + '<ol class="rk-results">'
        + "".join(f"<li>{p.prose(fw.fill(t, s.fill))}</li>" for t in plan.results.items)
        + "</ol>"
    )
    level = fw.level(plan.standards.level)
    p.add(f"### Standards at {md(level.label)}", "")
    blocks = []
    if plan.standards.basis:
        blocks.append(f"<p>{p.prose(fw.fill(plan.standards.basis, s.fill))}</p>")
    statements = [st for crit in comp.criteria for st in _cell(fw, comp, level.id, crit.id)]
    blocks.append(_statement_list(p, fw, statements, ids=False, catalog=catalog))
    if plan.standards.generic_standards_apply:
        blocks.append('<p class="rk-note">The organisation\'s generic performance standards also apply.</p>')
    p.html("\n".join(blocks))


def _matrix(fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = _Page(matrix_path(fw), f"{fw.title}: matrix", s, g)
    p.add(f"# {md(fw.title)}: levels and criteria", "")
    p.html(
        '<p class="rk-lede">Each column is a level, lowest first; each row a criterion. '
        f'Every statement has its own link (#). <a href="{p.link(overview_path(fw))}">About this framework</a> · '
        f'<a href="{p.link(compare_path(fw))}">Compare two levels</a></p>'
    )
    for comp, rows in _grouped(fw):
        if (comp is not None and len(fw.competencies) > 1) or comp is not None:
            p.add(f"## {md(comp.title)}", "")
        else:
            p.add("## Competencies", "")
        row_head = "Competency" if comp is None else ("Criterion" if not comp.has_implicit_criterion else "")
        caption = f"{fw.title}" + (f", {comp.title}" if comp is not None else "") + ": statements by level"
        head = "".join(f'<th scope="col">{esc(lv.label)}</th>' for lv in fw.scale)
        body = []
        for rcomp, crit_id, label in rows:
            cells = []
            for lv in fw.scale:
                statements = _cell(fw, rcomp, lv.id, crit_id)
                inner = (
                    _statement_list(p, fw, statements, ids=True, catalog=catalog)
                    if statements
                    else '<span class="rk-empty">Not described</span>'
                )
                cells.append(f'<td data-label="{esc(lv.label)}">{inner}</td>')
            body.append(f'<tr><th scope="row">{esc(label)}</th>{"".join(cells)}</tr>')
        p.html(
            f'<div class="rk-matrix-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
            f'<table class="rk-matrix rk-cols-{len(fw.scale)}"><caption>{esc(caption)}</caption>'
            f'<thead><tr><th scope="col">{row_head or "Row"}</th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    return p.done()


def _level(fw: Framework, idx: int, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    lv = fw.scale[idx]
    p = _Page(level_path(fw, lv.id), f"What {lv.label} looks like: {fw.title}", s, g)
    p.add(f"# What {md(lv.label)} looks like", "")
    p.html(f'<p class="rk-lede">{esc(fw.title)}. <a href="{p.link(matrix_path(fw))}">See all levels</a></p>')
    described = _described_levels(fw)
    if lv.id not in described:
        names = ", ".join(fw.level(x).label for x in [lv2.id for lv2 in fw.scale if lv2.id in described])
        p.html(
            f'<p class="rk-note">The source document does not describe {esc(lv.label)}. '
            f"It describes only {esc(names)}; performance at this level is judged against that description.</p>"
        )
    below = fw.scale[idx - 1] if idx > 0 else None
    above = fw.scale[idx + 1] if idx + 1 < len(fw.scale) else None
    groups = _grouped(fw)
    for comp, rows in groups:
        if lv.id in described:
            if comp is not None and len(fw.competencies) > 1:
                p.add(f"## {md(comp.title)}", "")
            elif comp is not None:
                p.add("## Statements", "")
            for rcomp, crit_id, label in rows:
                statements = _cell(fw, rcomp, lv.id, crit_id)
                if len(rows) > 1 or comp is None:
                    p.add(f"### {md(label)}", "")
                p.html(
                    _statement_list(p, fw, statements, ids=False, catalog=catalog)
                    if statements
                    else '<p class="rk-empty">Not described at this level.</p>'
                )
    for other, heading, old_first in (
        (below, "What changes from the level below", True),
        (above, "What changes at the level above", False),
    ):
        if other is None:
            continue
        p.add(f"## {heading}: {md(other.label)}", "")
        p.html(_pair_table(p, fw, (other.id, lv.id) if old_first else (lv.id, other.id)))
    return p.done()


def _pair_table(p: _Page, fw: Framework, pair: tuple[str, str]) -> str:
    """Two levels side by side, criterion by criterion; words only in the first marked as removed,
    words only in the second as added."""
    a, b = (fw.level(x) for x in pair)
    body = []
    for comp, crit_id, label in _rows(fw):
        old = _cell_text(fw, comp, a.id, crit_id, p.settings)
        new = _cell_text(fw, comp, b.id, crit_id, p.settings)
        left, right = diff_cells(old, new)
        row_label = label if len(fw.competencies) == 1 or comp.has_implicit_criterion else f"{comp.title}: {label}"
        body.append(
            f'<tr><th scope="row">{esc(row_label)}</th><td data-label="{esc(a.label)}">{left}</td>'
            f'<td data-label="{esc(b.label)}">{right}</td></tr>'
        )
    caption = f"{a.label} and {b.label} side by side"
    return (
        f'<div class="rk-matrix-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
        f'<table class="rk-compare"><caption>{esc(caption)}. '
        f'<span class="rk-legend">Words only in {esc(a.label)} are <del>struck through</del>; '
        f"words only in {esc(b.label)} are <ins>underlined</ins>.</span></caption>"
        f'<thead><tr><th scope="col">Criterion</th><th scope="col">{esc(a.label)}</th><th scope="col">{esc(b.label)}</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _picker(p: _Page, fw: Framework, a: str, b: str) -> str:
    def options(selected: str) -> str:
        return "".join(
            f'<option value="{esc(lv.id)}"{" selected" if lv.id == selected else ""}>{esc(lv.label)}</option>'
            for lv in fw.scale
        )

    return (
        '<form class="rk-compare-picker" data-rk-compare>'
        f'<div><label for="rk-from">First level</label><select id="rk-from" name="from">{options(a)}</select></div>'
        f'<div><label for="rk-to">Second level</label><select id="rk-to" name="to">{options(b)}</select></div>'
        '<p class="rk-compare-status" role="status" aria-live="polite"></p>'
        "</form>"
    )


def _compare_index(fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = _Page(compare_path(fw), f"Compare levels: {fw.title}", s, g, search=False)
    p.add(f"# Compare two levels: {md(fw.title)}", "")
    a, b = fw.scale[0].id, fw.scale[min(1, len(fw.scale) - 1)].id
    p.html(
        '<p class="rk-lede">Choose two levels to see them side by side, criterion by criterion. '
        "Words that differ are marked.</p>" + _picker(p, fw, a, b)
    )
    sections = []
    for x, y in permutations([lv.id for lv in fw.scale], 2):
        lx, ly = fw.level(x), fw.level(y)
        lo, hi = sorted((x, y), key=fw.level_index)
        sections.append(
            f'<section class="rk-pair" id="{esc(pair_id(x, y))}" data-from="{esc(x)}" data-to="{esc(y)}">'
            f"<h2>{esc(lx.label)} and {esc(ly.label)}</h2>"
            f"{_pair_table(p, fw, (x, y))}"
            f'<p><a href="{p.link(pair_path(fw, lo, hi))}">Link to this comparison</a></p></section>'
        )
    p.html("\n".join(sections))
    return p.done()


def _pair_page(fw: Framework, a: str, b: str, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    la, lb = fw.level(a), fw.level(b)
    p = _Page(pair_path(fw, a, b), f"{la.label} and {lb.label} compared: {fw.title}", s, g)
    p.add(f"# {md(la.label)} and {md(lb.label)} compared", "")
    p.html(
        f'<p class="rk-lede">{esc(fw.title)}. '
        f'<a href="{p.link(compare_path(fw), pair_id(a, b))}">Compare other levels</a> · '
        f'<a href="{p.link(matrix_path(fw))}">See all levels</a></p>'
    )
    p.html(_pair_table(p, fw, (a, b)))
    return p.done()


# ----------------------------------------------------------------------------- across frameworks


def shared_criteria_groups(catalog: Catalog) -> list[tuple[str, list[Framework]]]:
    """Frameworks whose competency has the same id and the same criteria (the AcqDemo career paths)."""
    groups: dict[tuple, list[Framework]] = {}
    for fw in catalog.frameworks.values():
        for comp in fw.competencies:
            if comp.has_implicit_criterion:
                continue
            key = (comp.id, tuple(c.id for c in comp.criteria))
            groups.setdefault(key, []).append(fw)
    return [(key[0], fws) for key, fws in sorted(groups.items()) if len(fws) > 1]


def across_path(comp_id: str) -> str:
    return f"across/{comp_id}.md"


def _across(comp_id: str, fws: list[Framework], catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    comp0 = fws[0].competency(comp_id)
    title = f"{comp0.title} across frameworks"
    p = _Page(across_path(comp_id), title, s, g)
    p.add(f"# {md(title)}", "")
    names = ", ".join(fw.title for fw in fws)
    p.html(
        f'<p class="rk-lede">{esc(names)} rate on the same criteria. Here their levels of the same name stand side by side; '
        f"words in {esc(fws[0].title)} that the others do not use are struck through, and the others' own words are underlined.</p>"
    )
    labels: list[str] = []
    for fw in fws:
        labels += [lv.label for lv in fw.scale if lv.label not in labels]
    for label in labels:
        having = [fw for fw in fws if any(lv.label == label for lv in fw.scale)]
        p.add(f"## {md(label)}", "")
        if len(having) < 2:
            p.html(f'<p class="rk-note">Only {esc(having[0].title)} has {esc(label)}.</p>')
        head = "".join(f'<th scope="col">{esc(fw.title)}</th>' for fw in having)
        body = []
        for crit in comp0.criteria:
            texts = []
            for fw in having:
                lv = next(lv for lv in fw.scale if lv.label == label)
                texts.append(_cell_text(fw, fw.competency(comp_id), lv.id, crit.id, s))
            cells = []
            for i, (fw, text) in enumerate(zip(having, texts)):
                if i == 0 or not text or not texts[0]:
                    shown = esc(text) if text else '<span class="rk-empty">Not described</span>'
                    if i == 0 and len(having) > 1 and text and texts[1]:
                        shown = segments_html(word_diff(text, texts[1]), "old")
                else:
                    shown = segments_html(word_diff(texts[0], text), "new")
                cells.append(f'<td data-label="{esc(fw.title)}">{shown}</td>')
            body.append(f'<tr><th scope="row">{esc(crit.label)}</th>{"".join(cells)}</tr>')
        caption = f"{label} in {', '.join(fw.title for fw in having)}"
        p.html(
            f'<div class="rk-matrix-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">'
            f'<table class="rk-compare"><caption>{esc(caption)}</caption>'
            f'<thead><tr><th scope="col">Criterion</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        )
    return p.done()


CROSSWALK_PATH = "across/crosswalk.md"


def _crosswalk(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    cw = catalog.crosswalk
    assert cw is not None
    p = _Page(CROSSWALK_PATH, cw.title, s, g)
    p.add(f"# {md(cw.title)}", "")
    if cw.description:
        p.html(f'<p class="rk-lede">{p.prose(cw.description)}</p>')
    for theme in cw.themes:
        p.add(f"## {md(theme.title)}", "")
        blocks = [f"<p>{p.prose(theme.description)}</p>"] if theme.description else []
        for link in theme.links:
            fw = catalog.frameworks[link.framework]
            comp = fw.competency(link.competency)
            crits = [c for c in comp.criteria if link.criterion in (None, c.id)]
            where = comp.title + (f": {crits[0].label}" if link.criterion else "")
            items = []
            for lv in fw.scale:
                statements = [st for c in crits for st in _cell(fw, comp, lv.id, c.id)]
                if statements:
                    items.append(
                        f"<li><strong>{esc(lv.label)}</strong>{_statement_list(p, fw, statements, ids=False, catalog=catalog)}</li>"
                    )
            note = f'<p class="rk-note">{p.prose(link.note)}</p>' if link.note else ""
            blocks.append(
                f'<section class="rk-crosswalk-link"><h3><a href="{p.link(overview_path(fw))}">{esc(fw.title)}</a>: {esc(where)}</h3>'
                f'{note}<ul class="rk-by-level">{"".join(items)}</ul></section>'
            )
        p.html("\n".join(blocks))
    return p.done()


# ----------------------------------------------------------------------------- catalog pages

INDEX_PATH = f"{FRAMEWORKS_DIR}/index.md"
GLOSSARY_PATH = "glossary.md"


def _frameworks_index(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = _Page(INDEX_PATH, "All frameworks", s, g)
    p.add("# All frameworks", "")
    p.html('<p class="rk-lede">Each framework has an ordered scale of levels and statements describing each level.</p>')
    rows = []
    for fw in catalog.frameworks.values():
        shape = (
            "; ".join(
                f"{c.title}: "
                + ("one description per level" if c.has_implicit_criterion else f"{len(c.criteria)} criteria")
                for c in fw.competencies
            )
            if len(fw.competencies) <= 2
            else f"{len(fw.competencies)} competencies"
        )
        rows.append(
            f'<tr><th scope="row"><a href="{p.link(overview_path(fw))}">{esc(fw.title)}</a></th>'
            f"<td>{esc(fw.family or '')}</td><td>{esc(' < '.join(lv.label for lv in fw.scale))}</td><td>{esc(shape)}</td></tr>"
        )
    p.html(
        '<div class="rk-matrix-wrap" role="region" aria-label="Frameworks" tabindex="0"><table class="rk-list"><caption>Frameworks on this site</caption>'
        '<thead><tr><th scope="col">Framework</th><th scope="col">Family</th><th scope="col">Scale, lowest first</th><th scope="col">What is rated</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return p.done()


def _glossary(catalog: Catalog, s: SiteSettings) -> GeneratedPage:
    p = _Page(GLOSSARY_PATH, "Glossary", s, Glossary({}))
    p.add(
        "# Glossary",
        "",
        "Words the frameworks and this site use. Elsewhere on the site, hover over, focus or tap an underlined word to see its meaning.",
        "",
    )
    terms = sorted(catalog.glossary.terms, key=lambda t: t.term.lower()) if catalog.glossary else []
    p.html(
        '<dl class="rk-glossary">'
        + "".join(
            f'<dt id="{esc("term-" + t.term.replace(" ", "-"))}">{esc(t.term)}</dt><dd>{esc(t.definition)}</dd>'
            for t in terms
        )
        + "</dl>"
    )
    return p.done()


def generate(catalog: Catalog, settings: SiteSettings | None = None) -> list[GeneratedPage]:
    """Every generated page of the site."""
    s = settings or SiteSettings()
    g = Glossary(catalog.glossary.forms() if catalog.glossary else {})
    pages = [_frameworks_index(catalog, s, g)]
    for fw in catalog.frameworks.values():
        pages += [_overview(fw, catalog, s, g), _matrix(fw, catalog, s, g)]
        pages += [_level(fw, i, catalog, s, g) for i in range(len(fw.scale))]
        pages.append(_compare_index(fw, catalog, s, g))
        pages += [_pair_page(fw, a.id, b.id, catalog, s, g) for a, b in combinations(fw.scale, 2)]
    for comp_id, fws in shared_criteria_groups(catalog):
        pages.append(_across(comp_id, fws, catalog, s, g))
    if catalog.crosswalk is not None:
        pages.append(_crosswalk(catalog, s, g))
    if catalog.glossary is not None:
        pages.append(_glossary(catalog, s))
    from .quizpages import generate_quizzes  # quizpages builds on this module's pieces

    pages += generate_quizzes(catalog, s, g)
    return pages


#: Above this many frameworks the navigation lists only the "All frameworks" page, which links
#: every framework: MkDocs renders the whole nav into every page, so listing them all would make
#: the build grow with the square of the number of frameworks.
NAV_LIMIT = 40


def nav(catalog: Catalog) -> dict[str, list]:
    """Navigation sections for the generated pages, keyed by the marker that mkdocs.yml uses."""
    frameworks: list = [{"All frameworks": INDEX_PATH}]
    listed = list(catalog.frameworks.values()) if len(catalog.frameworks) <= NAV_LIMIT else []
    for fw in listed:
        frameworks.append(
            {
                esc(fw.title): [
                    {"Overview": overview_path(fw)},
                    {"Matrix": matrix_path(fw)},
                    {"Levels": [{esc(lv.label): level_path(fw, lv.id)} for lv in fw.scale]},
                    {"Compare levels": compare_path(fw)},
                ]
            }
        )
    across: list = [
        {esc(fws[0].competency(cid).title): across_path(cid)} for cid, fws in shared_criteria_groups(catalog)
    ]
    if catalog.crosswalk is not None:
        across.append({esc(catalog.crosswalk.title): CROSSWALK_PATH})
    from .quizpages import quiz_nav

    out = {"raterkit:frameworks": frameworks, "raterkit:across": across, "raterkit:quizzes": quiz_nav(catalog)}
    if catalog.glossary is not None:
        out["raterkit:glossary"] = GLOSSARY_PATH
    return out
