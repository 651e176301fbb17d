"""Quoting helpers for the Markdown around the HTML fragments, and relative links between pages.

HTML fragments come from the templates (``page.py``), which escape every value. The Markdown
around them (front matter, headings, link text, the navigation) is quoted here: ``esc`` for HTML,
``md`` for a Markdown line, ``yaml_str`` for front matter. Framework text is shown as text,
never interpreted, so ``<script>`` or ``[x](javascript:...)`` in a title renders as visible
characters and runs nothing.
"""

from __future__ import annotations

import html
import posixpath
import re

#: Python-Markdown's escapable characters (``Markdown.ESCAPED_CHARS``) less ``>``, which ``esc``
#: writes as ``&gt;``. A backslash before any other character stays on the page as a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


def esc(text: str) -> str:
    """Text for an HTML context: ``& < > " '`` as character references."""
    return html.escape(text, quote=True)


def md(text: str) -> str:
    """Text for a Markdown line (a heading, link text): Markdown syntax disarmed, HTML escaped.

    Markdown characters are escaped first and only those a backslash escapes, so no character
    reference (``&amp;``, ``&lt;``) is split and no backslash is left visible. Quotes stay as they
    are: they mean nothing in Markdown text, and the table of contents shows them as written.
    Line breaks become spaces: the text stays on its one line.
    """
    one_line = " ".join(text.splitlines())  # a line break would end the heading and start a block
    return html.escape(_MD_SPECIAL.sub(r"\\\1", one_line), quote=False)


#: What a YAML double-quoted scalar cannot hold as it is: control characters and line breaks (a
#: line break would be folded, and a line '---' would end the front matter), and the characters
#: YAML does not allow in a stream.
_YAML_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar on one line, for front matter."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body) + '"'


def url_of(path: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page at ``path`` (a .md file)."""
    stem = path[: -len(".md")]
    if posixpath.basename(stem) == "index":
        return posixpath.dirname(stem) + "/" if posixpath.dirname(stem) else ""
    return stem + "/" if directory_urls else stem + ".html"


def href(from_path: str, to_path: str, fragment: str = "", directory_urls: bool = True) -> str:
    """A relative link from one generated page to another (or to an anchor on it), as text: the
    templates escape it where it lands in an attribute."""
    here = url_of(from_path, directory_urls)
    there = url_of(to_path, directory_urls)
    base = posixpath.dirname(here) if here.endswith(".html") else here.rstrip("/")
    rel = _relpath(there, base) if there != here else ""
    if rel == ".":
        rel = "./"
    elif rel and there.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel + (f"#{fragment}" if fragment else "") or "#"


def _relpath(target: str, base: str) -> str:
    """``posixpath.relpath`` for two paths under the site root, without asking the file system
    for the working directory (a site links thousands of times)."""
    to, start = [p for p in target.split("/") if p], [p for p in base.split("/") if p]
    common = 0
    while common < min(len(to), len(start)) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."
