"""Fuzzing framework files: arbitrary Unicode, control characters, YAML syntax and markup in every
text field. `raterkit validate` either passes or names file:line problems and exits 1, never a
traceback or a hang; when it passes, the site's pages come out with every field's text inert
(no front matter ended early, no live markup, no script)."""

from __future__ import annotations

import re
from datetime import timedelta

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
#: Live markup: a tag from the data, an event handler inside a tag, a javascript: link, or a
#: title attribute holding markup (Material renders tooltips from title attributes as HTML).
MARKER = re.compile(
    r"<(script|img|svg|iframe)\b|<[^>]*\bon\w+\s*=|\]\(\s*javascript:|href=\"\s*javascript:|title=\"[^\"]*&lt;",
    re.IGNORECASE,
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
        assert not MARKER.search(body), (page.path, MARKER.search(body))
        assert not re.search(r"(?<!\\)\{\s*:?[^}\n]*\bon\w+=", body), page.path


@settings(
    max_examples=60,
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
