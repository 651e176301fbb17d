"""Quiz pages without MkDocs: what a new rater is shown, what the browser is given, what assessment mode keeps back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from raterkit.model import PassRuleSpec, anchor
from raterkit.rules import resolve_pass_rule
from raterkit.scoring import PassRule
from raterkit.site.compose import build_site
from raterkit.site.page import SiteSettings
from raterkit.site.quizpages import (
    ANSWER_KEYS,
    ItemPayload,
    LevelPayload,
    QuizPayload,
    RulePayload,
    nav,
    quiz_path,
    read_payload,
)
from raterkit.words import BIAS_PHRASES

JS = Path(__file__).resolve().parent.parent / "src" / "raterkit" / "site" / "assets" / "rk-quiz.js"


@pytest.fixture(scope="module")
def practice(catalog):
    return {p.path: p for p in build_site(catalog, SiteSettings())[0]}


@pytest.fixture(scope="module")
def assessment(catalog):
    return {p.path: p for p in build_site(catalog, SiteSettings(assessment=True))[0]}


def test_every_quiz_has_a_page_listed_in_the_index_and_the_navigation(catalog, practice):
    from support import QUIZ

    assert len(catalog.quizzes) == len(list(QUIZ.glob("*.yaml"))) >= 5
    index = practice["quizzes/index.md"].markdown
    entries = nav(catalog)["raterkit:quizzes"]
    assert entries[0] == {"All quizzes": "quizzes/index.md"}
    for quiz in catalog.quizzes.values():
        assert quiz_path(quiz) in practice
        assert f'href="{quiz.id}/"' in index
        assert {quiz.title: quiz_path(quiz)} in entries


def test_each_behaviour_is_a_fieldset_with_one_native_radio_per_level_and_a_check_button(catalog, practice):
    quiz = catalog.quizzes["cp3-customer-relations"]
    fw = catalog.frameworks[quiz.framework]
    page = practice[quiz_path(quiz)].markdown
    assert page.count('<fieldset class="rk-quiz-item"') == len(quiz.items) == 12
    assert page.count('type="radio"') == 12 * len(fw.scale)
    assert page.count('<button type="button" class="md-button rk-quiz-check">Check') == 12
    assert "<legend>Behaviour 1 " in page and "<legend>Behaviour 12 " in page
    for lv in fw.scale:
        assert (
            f'<input type="radio" name="rk-q-cp3-01" id="rk-q-cp3-01-{lv.id}" value="{lv.id}"><label for="rk-q-cp3-01-{lv.id}">{lv.label}</label>'
            in page
        )
    assert page.count('aria-live="polite"') >= 12
    assert "80% exact, 95% within one level, average bias within ±0.5 levels" in page


def test_the_payload_carries_reference_rationale_cites_and_a_diff_for_every_wrong_level(catalog, practice):
    texts = catalog.statement_texts()
    for quiz in catalog.quizzes.values():
        fw = catalog.frameworks[quiz.framework]
        page = practice[quiz_path(quiz)]
        data = QuizPayload.model_validate(read_payload(page.markdown))
        assert data.practice and data.quiz == quiz.id
        assert [lv.id for lv in data.levels] == [lv.id for lv in fw.scale]
        assert data.rule is not None
        for item, got in zip(quiz.items, data.items, strict=True):
            assert got.id == item.id and got.behaviour == item.behaviour
            assert data.levels[got.reference].id == item.reference
            assert got.rationale.startswith("<p>") and item.rationale[:40].replace("'", "&#x27;") in got.rationale
            for address in item.cites:
                frag = anchor(address)
                assert f"#{frag}" in got.cites
                assert texts[address][:30].replace("'", "&#x27;").replace('"', "&quot;") in got.cites.replace(
                    "&amp;", "&"
                )
            assert len(got.diffs) == len(fw.scale)
            for pos, diff in enumerate(got.diffs):
                if pos == got.reference:
                    assert diff == ""
                else:
                    assert "<table" in diff and "Your answer" in diff and "Reference" in diff


def test_a_miss_between_different_levels_marks_the_differing_words(catalog, practice):
    data = read_payload(practice["quizzes/cp3-customer-relations.md"].markdown)
    first = data["items"][0]  # reference II, on Customer Needs only
    diff_from_i = first["diffs"][0]
    assert "<del>" in diff_from_i and "<ins>" in diff_from_i
    assert diff_from_i.count('<th scope="row">') == 1  # one criterion only


def test_cited_links_resolve_to_the_matrix_page_from_the_quiz_page(catalog, practice):
    data = read_payload(practice["quizzes/cp3-customer-relations.md"].markdown)
    hrefs = re.findall(r'href="([^"]+)"', data["items"][0]["cites"])
    assert hrefs and all(h.startswith("../../frameworks/acqdemo-cp3-customer-relations/matrix/#s-") for h in hrefs)


def _js_keys(name: str) -> set[str]:
    return set(re.findall(rf"\b{name}\.(\w+)", JS.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "name, model",
    [("data", QuizPayload), ("item", ItemPayload), ("level", LevelPayload), ("rule", RulePayload)],
)
def test_the_quiz_script_reads_only_keys_the_payload_model_defines(name, model):
    used = _js_keys(name) - {"dataset"} if name == "data" else _js_keys(name)
    assert used, f"rk-quiz.js never reads {name}.*"
    assert used <= set(model.model_fields), f"rk-quiz.js reads {sorted(used - set(model.model_fields))} of {name}"


def test_the_script_reads_the_rule_as_defined():
    assert {"exact", "within_one", "max_abs_bias", "text"} <= _js_keys("rule") | _js_keys(r"data\.rule")


def test_json_in_the_page_cannot_close_its_script_element():
    payload = QuizPayload(
        quiz="q",
        practice=False,
        levels=[LevelPayload(id="a", label="A")],
        items=[ItemPayload(id="x", behaviour="</script><script>alert(1)</script><!-- x")],
    )
    text = payload.to_script_json()
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["items"][0]["behaviour"] == "</script><script>alert(1)</script><!-- x"


def test_behaviour_text_is_escaped_on_the_page(catalog, practice):
    page = practice["quizzes/cp3-customer-relations.md"].markdown
    body = page.split('<div class="rk-quiz-data"')[0]
    assert "Linda Park" in body
    assert "<script" not in body


def test_a_quiz_pass_rule_overrides_only_the_values_it_states(catalog):
    quiz = catalog.quizzes["cp3-customer-relations"]
    assert resolve_pass_rule(quiz.pass_rule, 3) == PassRule.default_for(3)
    stricter = quiz.model_copy(update={"pass_rule": PassRuleSpec(exact=0.9)})
    assert resolve_pass_rule(stricter.pass_rule, 3) == PassRule(exact=0.9, within_one=0.95, max_abs_bias=0.5)
    looser = quiz.model_copy(update={"pass_rule": PassRuleSpec(within_one=0.8, max_abs_bias=1)})
    assert resolve_pass_rule(looser.pass_rule, 4) == PassRule(exact=0.7, within_one=0.8, max_abs_bias=1)


def test_assessment_mode_pages_carry_no_reference_rationale_or_cites(catalog, assessment):
    addresses = {a for q in catalog.quizzes.values() for i in q.items for a in i.cites}
    for quiz in catalog.quizzes.values():
        page = assessment[quiz_path(quiz)].markdown
        data = read_payload(page)
        assert data["practice"] is False and "rule" not in data
        assert all(set(item) == {"id", "behaviour"} for item in data["items"])
        assert "rk-quiz-check" not in page and "Show my results" not in page
        assert "Download CSV" in page and 'id="rk-rater"' in page
        for key in ANSWER_KEYS:
            assert f'"{key}"' not in page
        for item in quiz.items:
            assert item.rationale[:60] not in page
        for address in addresses:
            assert address not in page and anchor(address) not in page


def test_no_other_generated_page_mentions_a_quiz_item(catalog, practice):
    for path, page in practice.items():
        if path.startswith("quizzes/"):
            continue
        for quiz in catalog.quizzes.values():
            for item in quiz.items:
                assert item.rationale[:60] not in page.markdown, path
                assert item.behaviour[:60] not in page.markdown, path


def test_the_payload_gives_the_script_the_bias_wording_in_practice_only(catalog, practice, assessment):
    for quiz in catalog.quizzes.values():
        data = read_payload(practice[quiz_path(quiz)].markdown)
        assert data["bias_words"] == BIAS_PHRASES
        assert "bias_words" not in read_payload(assessment[quiz_path(quiz)].markdown)
