"""The framework pages: per framework an overview, the matrix, one page per level and the level
comparisons; the pages across frameworks (shared criteria, the crosswalk); the list of frameworks
and the glossary. Pure: catalog in, ``[GeneratedPage]`` and navigation out.

Statements carry ids derived from their addresses on the matrix page, which is their permalink;
other pages link there. The HTML comes from ``templates/frameworks.html``.
"""

from __future__ import annotations

from itertools import combinations, permutations

from markupsafe import Markup

from ..compare import word_diff
from ..load import Catalog
from ..model import Competency, Framework, Statement
from .downloads import Download, file_href, size_text
from .html import esc, md
from .page import (
    EMPTY_CELL,
    FRAMEWORKS_DIR,
    GeneratedPage,
    Glossary,
    Page,
    SiteSettings,
    diff_cells,
    diff_side,
    level_path,
    macros,
    matrix_path,
    overview_path,
    statement_link,
)

T = macros("frameworks.html")
C = macros("common.html")

# ----------------------------------------------------------------------------- paths


def compare_path(fw: Framework) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/compare/index.md"


def pair_path(fw: Framework, a: str, b: str) -> str:
    return f"{FRAMEWORKS_DIR}/{fw.id}/compare/{a}-vs-{b}.md"


def pair_id(a: str, b: str) -> str:
    return f"pair-{a}-vs-{b}"


def across_path(comp_id: str) -> str:
    return f"across/{comp_id}.md"


INDEX_PATH = f"{FRAMEWORKS_DIR}/index.md"
CROSSWALK_PATH = "across/crosswalk.md"
GLOSSARY_PATH = "glossary.md"

# ----------------------------------------------------------------------------- pieces


def statement_list(page: Page, fw: Framework, statements: list[Statement], *, ids: bool, catalog: Catalog) -> Markup:
    """Statements as a list, each with its permalink (``ids``: this page is the permalink's home)."""
    items: list[tuple[Markup, str | None, str | None]] = []
    for st in statements:
        text = page.prose(fw.fill(st.text, page.settings.fill))
        if ids:
            items.append((text, st.anchor, None))
        else:
            items.append((text, None, page.link(*statement_link(catalog, st.address))))
    return C.statement_list(items)


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


def _overview(
    fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary, downloads: list[Download] | None = None
) -> GeneratedPage:
    p = Page(overview_path(fw), fw.title, s, g)
    p.heading(1, md(fw.title))
    family = p.prose(fw.family) if fw.family else None
    source = source_url = None
    if fw.source and (fw.source.document or fw.source.url):
        source = fw.source.document or fw.source.url or ""
        if fw.source.url and fw.source.url.startswith(("https://", "http://")):
            source_url = fw.source.url
    p.html(T.overview_intro(family, source, source_url, p.link(matrix_path(fw)), p.link(compare_path(fw))))
    p.heading(2, "The scale")
    p.add("Levels from lowest to highest:", "")
    described = _described_levels(fw)
    p.html(T.scale([(lv.label, p.link(level_path(fw, lv.id)), lv.id in described) for lv in fw.scale]))
    if fw.guidance:
        p.heading(2, "Guidance")
        p.html(T.guidance([p.prose(fw.fill(t, s.fill)) for t in fw.guidance]))
    for comp in fw.competencies:
        p.heading(2, md(comp.title))
        definition = p.prose(fw.fill(comp.definition, s.fill)) if comp.definition else None
        level = None
        if comp.definition_level:
            lv = fw.level(comp.definition_level)
            level = (lv.label, p.link(level_path(fw, lv.id)))
        criteria = None if comp.has_implicit_criterion else [c.label for c in comp.criteria]
        p.html(T.competency_intro(definition, level, criteria))
        if comp.expectations:
            p.heading(3, "Expected at every level")
            p.html(C.para(p.prose(fw.fill(comp.expectations, s.fill)), "rk-expectations"))
        if comp.plan_element:
            _plan_element(p, fw, comp, catalog)
    if downloads:
        p.heading(2, "Download this framework")
        p.html(
            T.downloads(
                [(d.kind, file_href(p.path, d.path, s.directory_urls), size_text(len(d.content))) for d in downloads]
            )
        )
    return p.done()


def _plan_element(p: Page, fw: Framework, comp: Competency, catalog: Catalog) -> None:
    plan, s = comp.plan_element, p.settings
    assert plan is not None
    kind = "Critical element" if plan.critical else "Element"
    weight = f"at least {plan.weight.minimum}%"
    weight += (
        f"; this plan gives it {plan.weight.value}%" if plan.weight.value is not None else "; no weight is prescribed"
    )
    p.heading(3, f"{kind}: objective and weight")
    p.html(T.plan_objective(p.prose(fw.fill(plan.objective, s.fill)), weight))
    req = plan.results.required
    p.heading(3, "Results of major activities")
    p.html(T.plan_results(req.min, req.max, [p.prose(fw.fill(t, s.fill)) for t in plan.results.items]))
    level = fw.level(plan.standards.level)
    p.heading(3, f"Standards at {md(level.label)}")
    basis = p.prose(fw.fill(plan.standards.basis, s.fill)) if plan.standards.basis else None
    statements = [st for crit in comp.criteria for st in _cell(fw, comp, level.id, crit.id)]
    p.html(
        T.plan_standards(
            basis,
            statement_list(p, fw, statements, ids=False, catalog=catalog),
            plan.standards.generic_standards_apply,
        )
    )


def _matrix(fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = Page(matrix_path(fw), f"{fw.title}: matrix", s, g)
    p.heading(1, f"{md(fw.title)}: levels and criteria")
    p.html(T.matrix_lede(p.link(overview_path(fw)), p.link(compare_path(fw))))
    columns = [lv.label for lv in fw.scale]
    for comp, rows in _grouped(fw):
        p.heading(2, "Competencies" if comp is None else md(comp.title))
        row_head = "Competency" if comp is None else ("Criterion" if not comp.has_implicit_criterion else "")
        caption = f"{fw.title}" + (f", {comp.title}" if comp is not None else "") + ": statements by level"
        body = []
        for rcomp, crit_id, label in rows:
            cells = []
            for lv in fw.scale:
                statements = _cell(fw, rcomp, lv.id, crit_id)
                cells.append(statement_list(p, fw, statements, ids=True, catalog=catalog) if statements else EMPTY_CELL)
            body.append((label, cells))
        p.html(C.grid(caption, f"rk-matrix rk-cols-{len(fw.scale)}", row_head or "Row", columns, body))
    return p.done()


def _level(fw: Framework, idx: int, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    lv = fw.scale[idx]
    p = Page(level_path(fw, lv.id), f"What {lv.label} looks like: {fw.title}", s, g)
    p.heading(1, f"What {md(lv.label)} looks like")
    p.html(T.level_lede(fw.title, p.link(matrix_path(fw))))
    described = _described_levels(fw)
    if lv.id not in described:
        names = ", ".join(fw.level(x).label for x in [lv2.id for lv2 in fw.scale if lv2.id in described])
        p.html(T.level_not_described(lv.label, names))
    below = fw.scale[idx - 1] if idx > 0 else None
    above = fw.scale[idx + 1] if idx + 1 < len(fw.scale) else None
    for comp, rows in _grouped(fw):
        if lv.id in described:
            if comp is not None and len(fw.competencies) > 1:
                p.heading(2, md(comp.title))
            elif comp is not None:
                p.heading(2, "Statements")
            for rcomp, crit_id, label in rows:
                statements = _cell(fw, rcomp, lv.id, crit_id)
                if len(rows) > 1 or comp is None:
                    p.heading(3, md(label))
                p.html(
                    statement_list(p, fw, statements, ids=False, catalog=catalog)
                    if statements
                    else T.not_described_at_this_level()
                )
    for other, heading, old_first in (
        (below, "What changes from the level below", True),
        (above, "What changes at the level above", False),
    ):
        if other is None:
            continue
        p.heading(2, f"{heading}: {md(other.label)}")
        p.html(_pair_table(p, fw, (other.id, lv.id) if old_first else (lv.id, other.id)))
    return p.done()


def _pair_table(p: Page, fw: Framework, pair: tuple[str, str]) -> Markup:
    """Two levels side by side, criterion by criterion; words only in the first marked as removed,
    words only in the second as added."""
    a, b = (fw.level(x) for x in pair)
    body = []
    for comp, crit_id, label in _rows(fw):
        old = _cell_text(fw, comp, a.id, crit_id, p.settings)
        new = _cell_text(fw, comp, b.id, crit_id, p.settings)
        left, right = diff_cells(old, new)
        row_label = label if len(fw.competencies) == 1 or comp.has_implicit_criterion else f"{comp.title}: {label}"
        body.append((row_label, left, right))
    caption = f"{a.label} and {b.label} side by side"
    return C.compare_table(caption, a.label, b.label, a.label, b.label, a.label, b.label, body)


def _compare_index(fw: Framework, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = Page(compare_path(fw), f"Compare levels: {fw.title}", s, g, search=False)
    p.heading(1, f"Compare two levels: {md(fw.title)}")
    a, b = fw.scale[0].id, fw.scale[min(1, len(fw.scale) - 1)].id
    p.html(T.compare_picker([(lv.id, lv.label) for lv in fw.scale], a, b))
    sections = []
    for x, y in permutations([lv.id for lv in fw.scale], 2):
        lo, hi = sorted((x, y), key=fw.level_index)
        sections.append(
            T.pair_section(
                pair_id(x, y),
                x,
                y,
                fw.level(x).label,
                fw.level(y).label,
                _pair_table(p, fw, (x, y)),
                p.link(pair_path(fw, lo, hi)),
            )
        )
    p.html(Markup("\n").join(sections))
    return p.done()


def _pair_page(fw: Framework, a: str, b: str, catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    la, lb = fw.level(a), fw.level(b)
    p = Page(pair_path(fw, a, b), f"{la.label} and {lb.label} compared: {fw.title}", s, g)
    p.heading(1, f"{md(la.label)} and {md(lb.label)} compared")
    p.html(T.pair_lede(fw.title, p.link(compare_path(fw), pair_id(a, b)), p.link(matrix_path(fw))))
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


def _across(comp_id: str, fws: list[Framework], catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    comp0 = fws[0].competency(comp_id)
    title = f"{comp0.title} across frameworks"
    p = Page(across_path(comp_id), title, s, g)
    p.heading(1, md(title))
    p.html(T.across_lede(", ".join(fw.title for fw in fws), fws[0].title))
    labels: list[str] = []
    for fw in fws:
        labels += [lv.label for lv in fw.scale if lv.label not in labels]
    for label in labels:
        having = [fw for fw in fws if any(lv.label == label for lv in fw.scale)]
        p.heading(2, md(label))
        if len(having) < 2:
            p.html(T.only_one_has(having[0].title, label))
        body = []
        for crit in comp0.criteria:
            texts = []
            for fw in having:
                lv = next(lv for lv in fw.scale if lv.label == label)
                texts.append(_cell_text(fw, fw.competency(comp_id), lv.id, crit.id, s))
            cells: list[str] = []  # text, or Markup where words are marked
            for i, text in enumerate(texts):
                if i == 0 or not text or not texts[0]:
                    shown: str = text or EMPTY_CELL
                    if i == 0 and len(having) > 1 and text and texts[1]:
                        shown = diff_side(word_diff(text, texts[1]), "old")
                else:
                    shown = diff_side(word_diff(texts[0], text), "new")
                cells.append(shown)
            body.append((crit.label, cells))
        caption = f"{label} in {', '.join(fw.title for fw in having)}"
        p.html(C.grid(caption, "rk-compare", "Criterion", [fw.title for fw in having], body))
    return p.done()


def _crosswalk(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    cw = catalog.crosswalk
    assert cw is not None
    p = Page(CROSSWALK_PATH, cw.title, s, g)
    p.heading(1, md(cw.title))
    if cw.description:
        p.html(C.para(p.prose(cw.description), "rk-lede"))
    for theme in cw.themes:
        p.heading(2, md(theme.title))
        blocks = [C.para(p.prose(theme.description))] if theme.description else []
        for link in theme.links:
            fw = catalog.frameworks[link.framework]
            comp = fw.competency(link.competency)
            crits = [c for c in comp.criteria if link.criterion in (None, c.id)]
            where = comp.title + (f": {crits[0].label}" if link.criterion else "")
            levels = []
            for lv in fw.scale:
                statements = [st for c in crits for st in _cell(fw, comp, lv.id, c.id)]
                if statements:
                    levels.append((lv.label, statement_list(p, fw, statements, ids=False, catalog=catalog)))
            note = p.prose(link.note) if link.note else None
            blocks.append(T.crosswalk_link(fw.title, p.link(overview_path(fw)), where, note, levels))
        p.html(Markup("\n").join(blocks))
    return p.done()


# ----------------------------------------------------------------------------- catalog pages


def _frameworks_index(catalog: Catalog, s: SiteSettings, g: Glossary) -> GeneratedPage:
    p = Page(INDEX_PATH, "All frameworks", s, g)
    p.heading(1, "All frameworks")
    p.html(C.para("Each framework has an ordered scale of levels and statements describing each level.", "rk-lede"))
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
        scale = " < ".join(lv.label for lv in fw.scale)
        rows.append((fw.title, p.link(overview_path(fw)), fw.family or "", scale, shape))
    p.html(T.frameworks_table(rows))
    return p.done()


def _glossary(catalog: Catalog, s: SiteSettings) -> GeneratedPage:
    p = Page(GLOSSARY_PATH, "Glossary", s, Glossary({}))
    p.heading(1, "Glossary")
    p.add(
        "Words the frameworks and this site use. Elsewhere on the site, hover over, focus or tap an underlined word to see its meaning.",
        "",
    )
    terms = sorted(catalog.glossary.terms, key=lambda t: t.term.lower()) if catalog.glossary else []
    p.html(T.glossary([("term-" + t.term.replace(" ", "-"), t.term, t.definition) for t in terms]))
    return p.done()


def pages(
    catalog: Catalog, settings: SiteSettings, glossary: Glossary, downloads: dict[str, list[Download]] | None = None
) -> list[GeneratedPage]:
    """Every framework page, the pages across frameworks, the list of frameworks and the glossary.
    ``downloads``: framework id -> the files its overview page links to (written by the caller)."""
    s, g = settings, glossary
    out = [_frameworks_index(catalog, s, g)]
    for fw in catalog.frameworks.values():
        out += [_overview(fw, catalog, s, g, (downloads or {}).get(fw.id)), _matrix(fw, catalog, s, g)]
        out += [_level(fw, i, catalog, s, g) for i in range(len(fw.scale))]
        out.append(_compare_index(fw, catalog, s, g))
        out += [_pair_page(fw, a.id, b.id, catalog, s, g) for a, b in combinations(fw.scale, 2)]
    for comp_id, fws in shared_criteria_groups(catalog):
        out.append(_across(comp_id, fws, catalog, s, g))
    if catalog.crosswalk is not None:
        out.append(_crosswalk(catalog, s, g))
    if catalog.glossary is not None:
        out.append(_glossary(catalog, s))
    return out


#: Above this many frameworks the navigation lists only the "All frameworks" page, which links
#: every framework: MkDocs renders the whole nav into every page, so listing them all would make
#: the build grow with the square of the number of frameworks.
NAV_LIMIT = 40


def nav(catalog: Catalog) -> dict[str, list | str]:
    """Navigation sections for these pages, keyed by the marker that mkdocs.yml uses."""
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
    out: dict[str, list | str] = {"raterkit:frameworks": frameworks, "raterkit:across": across}
    if catalog.glossary is not None:
        out["raterkit:glossary"] = GLOSSARY_PATH
    return out
