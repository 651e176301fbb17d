"""The workshop report's parts, without a browser: contrast maths, the SVG builder, escaping, templates."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from raterkit.report import analyse, build_report
from raterkit.report.colour import BLACK, DEVIATION_FILL, INK, WHITE, blend, contrast, luminance, text_on
from raterkit.report.render import Table, escape, render
from raterkit.report.svg import Svg
from raterkit.responses import read_responses

EVIL = "<img src=x onerror=alert(1)>"
PACKAGE = Path(__file__).resolve().parent.parent / "src" / "raterkit" / "report"


def _responses(tmp_path, rows: str, levels: list[str]):
    path = tmp_path / "r.csv"
    path.write_text("rater,item,rating\n" + rows, encoding="utf-8")
    return read_responses([path], levels=levels)


# --------------------------------------------------------------------------------------------
# Colour


@pytest.mark.parametrize(
    "a, b, ratio",
    [
        ("#000000", "#ffffff", 21.0),  # the WCAG maximum
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # one step lighter fails
        ("#ff0000", "#ffffff", 4.0),
    ],
)
def test_contrast_matches_known_wcag_ratios(a, b, ratio):
    assert contrast(a, b) == pytest.approx(ratio, abs=0.005)
    assert contrast(b, a) == contrast(a, b)


def test_luminance_runs_from_black_to_white():
    assert luminance("#000000") == 0.0
    assert luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#808080") == pytest.approx(0.2158605, abs=1e-6)


def test_text_on_any_fill_reads_at_aa():
    """Including the mid-tones of the confusion chart's shading (share 0.6 is #6881a6), where INK falls short."""
    shades = [blend(low, "#08306b", k / 100) for low in ("#f7fbff", "#f2f2f2") for k in range(101)]
    grid = [f"#{r:02x}{g:02x}{b:02x}" for r in range(0, 256, 15) for g in range(0, 256, 15) for b in range(0, 256, 51)]
    fills = [*DEVIATION_FILL.values(), *shades, *grid]
    for fill in fills:
        assert text_on(fill) in (INK, WHITE, BLACK)
        assert contrast(fill, text_on(fill)) >= 4.5, fill


def test_blend_runs_from_one_colour_to_the_other_and_clips():
    assert blend("#000000", "#ffffff", 0) == "#000000"
    assert blend("#000000", "#ffffff", 1) == "#ffffff"
    assert blend("#000000", "#ffffff", 0.5) == "#808080"
    assert blend("#000000", "#ffffff", 7) == "#ffffff"


# --------------------------------------------------------------------------------------------
# Escaping: the SVG builder and the templates


def test_escape_shows_markup_as_text_and_keeps_trusted_markup():
    assert escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert escape('a "b" & c') == "a &quot;b&quot; &amp; c"
    assert escape("&#39;") == "&amp;#39;"  # text that looks like an entity stays text
    assert escape(Markup("<b>kept</b>")) == "<b>kept</b>"
    assert isinstance(escape(3), Markup) and escape(3) == "3"


def test_svg_builder_escapes_labels_and_returns_markup():
    svg = Svg("t<x>", "Title <script>alert(1)</script>", "Desc & more", 100, 50)
    svg.text(10, 20, "<script>alert(1)</script>")
    svg.rect(0, 0, 10.04, 5, "#ffffff", stroke="#000000", dash="3 2")
    out = svg.render()
    assert isinstance(out, Markup)
    assert "<script" not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "Desc &amp; more" in out
    assert 'id="t&lt;x&gt;-title"' in out  # even an id cannot break out of its attribute
    assert (
        '<rect x="0" y="0" width="10" height="5" fill="#ffffff" stroke="#000000" stroke-width="1" stroke-dasharray="3 2"/>'
        in out
    )


def test_table_template_escapes_cells_and_marks_numbers():
    table = Table("Cap <i>", ["Who", "Count"], [[EVIL, 3]], numeric=(1,))
    out = render("table.html", table=table)
    assert "<img" not in out
    assert '<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th><td class="num">3</td>' in out
    assert "<caption>Cap &lt;i&gt;</caption>" in out


def test_templates_are_strict_about_missing_values():
    with pytest.raises(UndefinedError):
        render("figure.html", ident="x", heading="h", svg=Markup(""), caption="c")  # no table


# --------------------------------------------------------------------------------------------
# The page


def test_a_hostile_rater_name_item_and_title_appear_as_text(tmp_path):
    rows = "".join(
        f"{rater},{item},{level}\n" for rater in (EVIL, "bo", "cy") for item, level in (("<b>x1</b>", "a"), ("x2", "b"))
    )
    rows += f"{EVIL},x3,b\nbo,x3,a\ncy,x3,b\n"
    page = build_report(_responses(tmp_path, rows, ["a", "b"]), title="<script>alert('t')</script>")
    assert "<img" not in page and "<script" not in page and "<b>x1" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;x1&lt;/b&gt;" in page
    assert "<title>&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;</title>" in page


def test_page_inlines_the_package_css_and_is_deterministic(tmp_path):
    rows = "".join(f"{r},x{i},{'ab'[(i + (r == 'b')) % 2]}\n" for r in "abc" for i in range(3))
    responses = _responses(tmp_path, rows, ["a", "b"])
    page = build_report(responses)
    css = resources.files("raterkit.report").joinpath("report.css").read_text(encoding="utf-8")
    assert f"<style>\n{css}</style>" in page
    assert build_report(responses) == page
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</html>\n")


def test_level_ids_n_and_mode_count_as_levels(tmp_path):
    rows = "a,x0,n\nb,x0,n\nc,x0,mode\na,x1,mode\nb,x1,mode\nc,x1,mode\n"
    responses = _responses(tmp_path, rows, ["n", "mode"])
    analysis = analyse(responses)
    assert [analysis.count("x0", k) for k in (0, 1)] == [2, 1]
    assert [analysis.count("x1", k) for k in (0, 1)] == [0, 3]
    page = build_report(responses)
    distributions = page[page.index('id="distributions-h"') : page.index('id="raters"')]
    assert re.search(r'<th scope="row">x0</th><td class="num">2</td><td class="num">1</td>', distributions)
    assert '<th scope="row">x1</th><td class="num">0</td><td class="num">3</td><td>mode</td>' in distributions


def test_the_package_escapes_only_through_markupsafe():
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import html\b|from html import)", text, re.M), path.name
        assert "html.escape" not in text, path.name
