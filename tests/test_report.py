"""The trainer's workshop report, and the sample workshop data it is shown with."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pytest

from raterkit import agreement
from raterkit.report import (
    DEVIATION_FILL,
    alpha_reading,
    analyse,
    build_report,
    contrast,
    summary_sentences,
    text_on,
)
from raterkit.responses import read_responses
from raterkit.words import alpha_text
from raterkit.workshop import RATERS, sample_files, write_sample

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = ROOT / "examples" / "workshop"
ROUND1, ROUND2 = WORKSHOP / "round1", WORKSHOP / "round2"
QUIZ = "cp1-customer-relations"


@pytest.fixture(scope="module")
def after(catalog):
    return read_responses([ROUND2], catalog, QUIZ)


@pytest.fixture(scope="module")
def before(catalog):
    return read_responses([ROUND1], catalog, QUIZ)


@pytest.fixture(scope="module")
def report(after, before, catalog):
    return build_report(after, before=before, catalog=catalog)


def _ratings(responses):
    raters, items, positions = responses.matrix()
    return raters, items, np.where(positions >= 0, positions, np.nan), responses.key_positions()


# --------------------------------------------------------------------------------------------
# Sample data


def test_committed_sample_files_are_what_the_generator_writes(catalog):
    expected = sample_files(catalog)
    committed = {str(p.relative_to(WORKSHOP)): p.read_text(encoding="utf-8") for p in sorted(WORKSHOP.glob("round*/*"))}
    assert sorted(committed) == sorted(expected), "run 'raterkit workshop-sample' and commit examples/workshop"
    for name, text in expected.items():
        assert committed[name] == text, f"examples/workshop/{name} differs from the generator's output"


def test_sample_generator_writes_the_same_files_again(catalog, tmp_path):
    write_sample(catalog, tmp_path)
    for name, text in sample_files(catalog).items():
        assert (tmp_path / name).read_bytes() == text.encode("utf-8")


def test_sample_raters_show_their_profiles_before_the_discussion(before):
    raters, _, ratings, key = _ratings(before)
    effects = agreement.rater_table(ratings, key, 4, raters)["effects"]
    profile = {rater.id: rater.profile for rater in RATERS}
    for rater, found in effects.items():
        expected = {
            "lenient": "lenient",
            "severe": "severe",
            "central": "central tendency",
            "random": "inconsistent",
        }.get(profile[rater])
        if expected:
            assert expected in found, f"{rater} ({profile[rater]}) shows {found}"
        else:
            assert found == [], f"{rater} ({profile[rater]}) should show no effect, shows {found}"


def test_sample_agrees_better_after_the_discussion_and_hard_items_are_discussed(before, after):
    _, _, first, key = _ratings(before)
    _, items, second, _ = _ratings(after)
    assert agreement.krippendorff_alpha(second, "ordinal", 4) > agreement.krippendorff_alpha(first, "ordinal", 4) + 0.2
    table = agreement.item_table(first, key, before.level_ids, items)
    assert {"cp1-03", "cp1-07"} <= set(agreement.discuss_first(table)[:2])
    assert len(RATERS) >= 12 and all(len(first[r][~np.isnan(first[r])]) == 16 for r in range(len(RATERS)))


def test_sample_round_two_holds_three_rows_that_cannot_be_used(after):
    assert (after.read, after.kept, after.skipped) == (195, 192, 3)
    assert [p.field for p in after.problems] == ["item", "item", "rating"]
    assert (after.matrix()[2] >= 0).all(), "every rater still rated all 16 behaviours"


# --------------------------------------------------------------------------------------------
# The summary says what agreement.py computes


def test_summary_numbers_are_agreements_numbers(report, after, before):
    raters, items, ratings, key = _ratings(after)
    alpha = agreement.krippendorff_alpha(ratings, "ordinal", 4)
    alpha_before = agreement.krippendorff_alpha(_ratings(before)[2], "ordinal", 4)
    table = agreement.item_table(ratings, key, after.level_ids, items)
    discuss = agreement.discuss_first(table)
    well = int((~table["discuss"]).sum())

    sentences = summary_sentences(analyse(after, before))
    text = " ".join(sentences)
    assert sentences[0] == f"{len(raters)} raters rated {len(items)} behaviours."
    words = discuss[0] if len(discuss) == 1 else ", ".join(discuss[:-1]) + " and " + discuss[-1]
    assert sentences[1] == f"The group agreed well on {well} of {len(items)} behaviours; discuss {words} first."
    assert f"Krippendorff's alpha (ordinal) is {alpha:.2f}: " in text
    assert alpha_reading(alpha) == "tentative" and "tentative conclusions" in text
    assert f"Agreement rose from {alpha_before:.2f} to {alpha:.2f} after discussion." in text
    assert "3 rows could not be used; see the list at the end." in text
    summary = report[report.index('<div class="summary">') : report.index('id="charts"')]
    shown = html.unescape(re.sub(r"<[^>]+>", "", summary.replace("</p>", "\n")))
    assert shown.split("\n")[: len(sentences)] == sentences, "the report opens with the same words"
    assert sentences == [
        "12 raters rated 16 behaviours.",
        "The group agreed well on 12 of 16 behaviours; discuss cp1-16, cp1-03, cp1-04 and cp1-10 first.",
        "Krippendorff's alpha (ordinal) is 0.72: good enough for tentative conclusions only "
        "(0.667 to 0.800; reliable is 0.800 or more).",
        "Agreement rose from 0.43 to 0.72 after discussion.",
        "2 of 12 raters show a rater effect; see the rater table.",
        "3 rows could not be used; see the list at the end.",
    ]


@pytest.mark.parametrize(
    "alpha, reading",
    [(0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"), (0.6669, "low"), (math.nan, "not defined")],
)
def test_alpha_reading_follows_krippendorffs_thresholds(alpha, reading):
    assert alpha_reading(alpha) == reading


def test_alpha_near_a_threshold_is_not_rounded_across_it():
    assert alpha_text(0.7996) == "0.7996"  # 0.80 and 0.800 would read as reliable
    assert alpha_text(0.6668) == "0.6668"  # below 0.667: low, though 0.67 would read tentative
    assert alpha_text(0.72) == "0.72"


def test_report_lists_the_rows_that_could_not_be_used(report, after):
    assert 'id="problems"' in report
    for problem in after.problems:
        assert problem.headline().replace("'", "&#x27;") in report
    assert "After the discussion: Read 195 rows: 192 kept, 3 skipped." in report
    assert "Before the discussion: Read 192 rows: 192 kept, 0 skipped." in report


def test_discussion_list_shows_behaviour_and_reference(report, catalog):
    items = {item.id: item for item in catalog.quizzes[QUIZ].items}
    section = report[report.index('id="discuss"') : report.index('id="statistics"')]
    for item_id in ("cp1-16", "cp1-03", "cp1-04", "cp1-10"):
        assert f"<strong>{item_id}</strong> — reference: Level {items[item_id].reference}" in section
        assert " ".join(items[item_id].behaviour.split())[:60].replace("'", "&#x27;") in section


def test_rater_table_names_effects_in_plain_words(report):
    section = report[report.index('id="raters"') : report.index('id="discuss"')]
    assert "Inconsistent: misses the reference in both directions" in section
    assert "Lenient: rates higher than the reference" in section  # before the discussion
    assert '<th scope="col">Before the discussion</th>' in section


# --------------------------------------------------------------------------------------------
# Self-contained, deterministic, accessible


def test_report_is_self_contained(report):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report, re.I)
    assert "http://" not in report and "https://" not in report
    for needle in ("<script", "<link", "@import", "url(", "<img", "<iframe", "@font-face"):
        assert needle not in report


def test_report_is_deterministic(after, before, catalog, report):
    assert build_report(after, before=before, catalog=catalog) == report


def test_every_chart_has_a_title_a_caption_and_a_table(report):
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", report, re.S)
    assert len(svgs) == 7  # heatmap, distributions, bias, confusion, alpha, bias and exact change
    for svg in svgs:
        ident = re.search(r'aria-labelledby="([^"]+)-title"', svg).group(1)
        assert 'role="img"' in svg
        assert re.search(rf'<title id="{ident}-title">[^<]+</title>', svg)
        after_svg = report[report.index(svg) + len(svg) :]
        assert after_svg.lstrip().startswith("</div><figcaption>")
        block = after_svg[: after_svg.index("</section>")]
        assert "<details>" in block and "<table>" in block and '<th scope="col">' in block


def test_heatmap_text_has_enough_contrast_on_every_cell(report):
    for fill in DEVIATION_FILL.values():
        assert contrast(fill, text_on(fill)) >= 4.5
    heatmap = re.search(r'<svg[^>]*aria-labelledby="heatmap-title".*?</svg>', report, re.S).group(0)
    pairs = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*/><text [^>]*fill="(#[0-9a-f]{6})"', heatmap)
    assert len(pairs) > 12 * 16
    for fill, ink in pairs:
        assert contrast(fill, ink) >= 4.5, (fill, ink)


def test_report_without_before_or_catalog_still_reads_well(after):
    page = build_report(after, title="Round 2 only")
    assert "<title>Round 2 only</title>" in page
    assert "Agreement rose" not in page and 'id="bias-change-title"' not in page
    assert "<strong>cp1-16</strong>" in page


def test_report_on_a_scale_of_ones_own_has_no_key_sections(tmp_path):
    (tmp_path / "r.csv").write_text(
        "rater,item,rating\n" + "".join(f"{r},x{i},{'abc'[(i + (r == 'b')) % 3]}\n" for r in "abc" for i in range(5)),
        encoding="utf-8",
    )
    responses = read_responses([tmp_path / "r.csv"], levels=["a", "b", "c"])
    page = build_report(responses)
    assert "3 raters rated 5 behaviours." in page
    assert "no reference key" in page and 'id="bias-title"' not in page


def test_level_ids_that_clash_with_table_columns_still_work(tmp_path):
    (tmp_path / "r.csv").write_text(
        "rater,item,rating\n"
        + "".join(f"{r},x{i},{['n', 'mode'][(i + (r == 'b')) % 2]}\n" for r in "abc" for i in range(4)),
        encoding="utf-8",
    )
    page = build_report(read_responses([tmp_path / "r.csv"], levels=["n", "mode"]))
    assert "3 raters rated 4 behaviours." in page


@pytest.mark.browser
def test_report_passes_axe_in_chromium_and_every_chart_has_a_name(report, page, tmp_path):
    """In Debian's Chromium (conftest's session browser, launched with the project's flags)."""
    from axe_playwright_python.sync_playwright import Axe

    page_file = tmp_path / "report.html"
    page_file.write_text(report, encoding="utf-8")
    titles = [html.unescape(t) for t in re.findall(r"<title id=\"[^\"]+\">([^<]+)</title>", report)]
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri())
    assert [url for url in requests if not url.startswith("file:")] == []
    for state in ("closed", "open"):  # the tables in <details> too
        if state == "open":
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    svgs = page.locator("svg")
    assert svgs.count() == len(titles) == 7
    for i in range(svgs.count()):
        assert svgs.nth(i).get_attribute("role") == "img"
    for title in titles:
        assert page.get_by_role("img", name=title, exact=True).count() == 1, title
    assert page.get_by_role("heading", level=1).count() == 1


# --------------------------------------------------------------------------------------------
# The commands


def test_cli_report_writes_the_page_and_says_so(tmp_path, capsys, after, before, catalog):
    from raterkit.cli import main

    output = tmp_path / "out" / "report.html"
    code = main(
        ["report", str(ROUND2), "--before", str(ROUND1), "-o", str(output), "--quiz", QUIZ, "--data", str(ROOT)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == f"Wrote {output} (12 raters, 16 behaviours).\n"
    assert "Before the discussion: Read 192 rows: 192 kept, 0 skipped." in err
    assert "After the discussion: Read 195 rows: 192 kept, 3 skipped." in err
    for problem in after.problems:
        assert str(problem) in err
    assert output.read_text(encoding="utf-8") == build_report(after, before=before, catalog=catalog)


def test_cli_report_with_no_usable_row_writes_nothing(tmp_path, capsys):
    from raterkit.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("rater,item,rating\nAna,cp1-01,IV+\n", encoding="utf-8")
    code = main(["report", str(bad), "-o", str(tmp_path / "r.html"), "--data", str(ROOT)])
    err = capsys.readouterr().err
    assert code == 1
    assert "'IV+' is not a level of this scale" in err and "Read 1 row: 0 kept, 1 skipped." in err
    assert not (tmp_path / "r.html").exists()


def test_cli_workshop_sample_regenerates_the_committed_files(tmp_path, capsys):
    from raterkit.cli import main

    assert main(["workshop-sample", "--out", str(tmp_path), "--data", str(ROOT)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote 24 files to {tmp_path} ")
    for path in sorted(WORKSHOP.glob("round*/*.csv")):
        assert (tmp_path / path.relative_to(WORKSHOP)).read_bytes() == path.read_bytes()
