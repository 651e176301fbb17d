"""Small helpers that turn framework text into safe HTML and Markdown, and link pages together.

Every string that comes from data passes through ``esc`` (HTML) or ``md`` (Markdown): framework
text is shown as text, never interpreted, so ``<script>`` or ``[x](javascript:...)`` in a
statement renders as visible characters and runs nothing.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable

from ..compare import Segment, word_diff

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~^=:])")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def md(text: str) -> str:
    """Text for a Markdown context (headings, link text): HTML-escaped, Markdown syntax disarmed."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar, for front matter."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def url_of(path: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page at ``path`` (a .md file)."""
    stem = path[: -len(".md")]
    if posixpath.basename(stem) == "index":
        return posixpath.dirname(stem) + "/" if posixpath.dirname(stem) else ""
    return stem + "/" if directory_urls else stem + ".html"


def href(from_path: str, to_path: str, fragment: str = "", directory_urls: bool = True) -> str:
    """A relative link from one generated page to another (or to an anchor on it)."""
    here = url_of(from_path, directory_urls)
    there = url_of(to_path, directory_urls)
    base = posixpath.dirname(here) if here.endswith(".html") else here.rstrip("/")
    rel = posixpath.relpath(there or ".", base or ".") if there != here else ""
    if rel == ".":
        rel = "./"
    elif rel and there.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return esc(rel + (f"#{fragment}" if fragment else "")) or "#"


def segments_html(segments: Iterable[Segment], show: str) -> str:
    """One side of a comparison: ``show='old'`` marks removed words, ``'new'`` marks added words."""
    out = []
    for seg in segments:
        space = " " if seg.text.startswith(" ") else ""
        if seg.op == "same":
            out.append(esc(seg.text))
        elif seg.op == "removed" and show == "old":
            out.append(f"{space}<del>{esc(seg.text.lstrip())}</del>")
        elif seg.op == "added" and show == "new":
            out.append(f"{space}<ins>{esc(seg.text.lstrip())}</ins>")
    return "".join(out).lstrip()


class Glossary:
    """Wraps glossary terms in ``<abbr>`` so their definitions show on hover, focus or tap."""

    def __init__(self, terms: dict[str, str]):
        self.terms = {k.lower(): v for k, v in terms.items()}
        words = sorted(self.terms, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE) if words else None

    def mark(self, escaped: str, seen: set[str]) -> str:
        """Explain the first use on a page of each term. ``escaped`` is HTML-escaped text (no tags);
        ``seen`` holds the definitions already explained on this page."""
        if self._pattern is None:
            return escaped

        def wrap(m: re.Match) -> str:
            definition = self.terms[m.group(1).lower()]
            if definition in seen:
                return m.group(0)
            seen.add(definition)
            return f'<abbr title="{esc(definition)}" tabindex="0">{m.group(1)}</abbr>'

        return self._pattern.sub(wrap, escaped)


EMPTY_CELL = '<span class="rk-empty">Not described</span>'


def diff_cells(old: str, new: str) -> tuple[str, str]:
    """Two levels' text as side-by-side cells: removed words marked on the left, added on the right."""
    if old and new:
        segs = word_diff(old, new)
        return segments_html(segs, "old"), segments_html(segs, "new")
    return (esc(old) if old else EMPTY_CELL), (esc(new) if new else EMPTY_CELL)
