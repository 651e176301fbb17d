"""Fuzzing framework files: arbitrary Unicode, control characters, YAML syntax and markup in every
text field. `raterkit validate` either passes or names file:line problems and exits 1, never a
traceback or a hang; when it passes, the site's pages come out with every field's text inert
(no front matter ended early, no live markup, no script)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raterkit.cli import main
from raterkit.load import load_catalog
from raterkit.site.compose import build_site
from raterkit.site.page import SiteSettings

pytestmark = pytest.mark.slow

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\n---\n{: autofocus onfocus=alert(1) }\n",
    "[x](javascript:alert(1))",
    "{ autofocus onfocus=alert(1) }",
    '" onmouseover="alert(1)',
    "&amp; &lt; &#x27; &quot",
    "*emphasis* _under_ `code` # heading",
    "\u2028\u2029\x85 line breaks",
    "\x1b[2J\x00\x07",
    "- item\n  - nested: value",
    "key: value # comment",
    "&anchor *alias !!python/object:os.system",
    "{{ jinja }} {% raw %}",
    "\\ backslash \\n",
    "'single' \"double\"",
]
text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(min_size=1, max_size=40),
    st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), st.text(max_size=10)),
)


class LiveMarkup(HTMLParser):
    """What would run in the browser: a tag from the data, an event handler or autofocus, a
    javascript: link, or a title attribute whose text holds markup (Material renders tooltips
    from title attributes as HTML). The quiz's JSON data block is data, never run."""

    TAGS = frozenset({"script", "img", "svg", "iframe", "object", "embed", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.TAGS and not (tag == "script" and values.get("type") == "application/json"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "autofocus":
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")
            if name == "title" and "<" in (value or ""):
                self.found.append(f"{tag} title={value}")


def live_markup(rendered: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(rendered)
    parser.close()
    return parser.found


MARKDOWN = markdown.Markdown(
    extensions=["attr_list", "md_in_html", "abbr", "admonition", "fenced_code", "toc"],
    extension_configs={"toc": {"permalink": True}},
)
FRONT_MATTER_KEYS = {"title", "search", "hide", "description"}


def _framework(title, label, comp_title, definition, statement, crit_label, family):
    return {
        "id": "fuzz",
        "title": title,
        "family": family,
        "scale": [{"id": "low", "label": label}, {"id": "high", "label": "High"}],
        "competencies": [
            {
                "id": "service",
                "title": comp_title,
                "definition": definition,
                "criteria": [{"id": "speed", "label": crit_label}],
                "descriptors": {"low": {"speed": [statement]}, "high": {"speed": ["Responds at once."]}},
            }
        ],
    }


def _check_validate_output(code: int, out: str) -> None:
    assert code in (0, 1), out
    assert "went wrong" not in out and "Traceback" not in out
    if code == 1:
        headlines = [ln for ln in out.splitlines() if ln and not ln.startswith("    ") and "problem" not in ln]
        assert headlines
        for ln in headlines:
            assert re.match(r"^fuzz\.yaml:\d+: ", ln), ln


def _check_pages(path) -> None:
    catalog, problems = load_catalog([path])
    assert problems == []
    pages, _ = build_site(catalog, SiteSettings())
    for page in pages:
        head, sep, body = page.markdown.partition("\n---\n")
        assert page.markdown.startswith("---\n") and sep, page.path
        meta = yaml.safe_load(head.removeprefix("---\n"))
        assert isinstance(meta, dict) and set(meta) <= FRONT_MATTER_KEYS, (page.path, meta)
        assert live_markup(MARKDOWN.reset().convert(body)) == [], page.path


def test_the_live_markup_finder_finds_what_would_run():
    assert live_markup('<p>&lt;img src=x onerror=alert(1)&gt;</p><a title="&lt;b&gt;">x</a>') == ["a title=<b>"]
    assert live_markup('<img src=x onerror="y"><a href=" javascript:x">') == [
        "<img>",
        "img onerror=",
        "a href= javascript:x",
    ]
    assert live_markup('<script type="application/json">{"a": "<b>"}</script><p autofocus>') == ["p autofocus="]


@settings(
    max_examples=150,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.tuples(text, text, text, text, text, text, text),
    raw=st.booleans(),
)
def test_any_text_in_any_field_is_validated_or_refused_and_never_runs(tmp_path_factory, capsys, fields, raw):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.yaml"
    data = _framework(*fields)
    if raw:  # text written straight into the YAML: special syntax must give a clear problem
        body = yaml.safe_dump(_framework(*[f"@{i}@" for i in range(7)]), allow_unicode=True, sort_keys=False)
        for i, value in enumerate(fields):
            body = body.replace(f"'@{i}@'", value).replace(f"@{i}@", value)
        path.write_text(body, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    import os

    here = os.getcwd()
    os.chdir(folder)
    try:
        code = main(["validate", "fuzz.yaml"])
    finally:
        os.chdir(here)
    out = capsys.readouterr().out
    _check_validate_output(code, out)
    if code == 0:
        _check_pages(path)
