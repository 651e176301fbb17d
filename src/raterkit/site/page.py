"""What every generated page is built with: the page record and settings, paths and statement
links, the templates (one Jinja2 environment), glossary marking, word-diff cells and the
:class:`Page` builder. Pure: no MkDocs.

HTML comes only from the templates in ``templates/``, which escape every value they are given;
a fragment that is already HTML (a diff cell, glossary-marked text, another template's output)
crosses as :class:`markupsafe.Markup` and is inserted as is. The Markdown around the fragments
(front matter, headings) is quoted with the helpers in ``html.py``.
"""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from ..compare import Segment, word_diff
from ..load import Catalog
from ..model import Framework, anchor
from .html import esc, href, yaml_str


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


def statement_link(catalog: Catalog, address: str) -> tuple[str, str]:
    """(matrix page path, anchor) of a statement, for links from any page."""
    fw = catalog.frameworks[address.split("/", 1)[0]]
    return matrix_path(fw), anchor(address)


# ----------------------------------------------------------------------------- templates


def _escape_text(value: Any) -> Markup:
    """How a template writes a value: HTML as it is, anything else as escaped text.

    The same character references as ``html.escape`` (``&#x27;``, ``&quot;``), so a page reads
    the same whichever helper escaped a piece of it."""
    if type(value) is Markup:  # the common case of HTML, passed through untouched
        return value
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape(str(value), quote=True))


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, in a private per-user folder of the temporary directory:
    a build compiles a template only when its source changed. A cache that cannot be read or
    written is passed over (the template is compiled), never an error."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged cache file (unreadable, truncated, not a pickle)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> BytecodeCache | None:
    try:
        return _CompiledTemplates()
    except (OSError, RuntimeError):  # no safe temporary directory
        return None


#: Compiled once per process (and cached between builds); each template file holds one page
#: family's fragments as macros.
ENV = Environment(
    loader=PackageLoader("raterkit.site", "templates"),
    bytecode_cache=_bytecode_cache(),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_escape_text,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,
)


def macros(name: str) -> Any:
    """The macros of one template file (``templates/<name>``), called from Python like functions;
    each returns :class:`Markup`."""
    return ENV.get_template(name).module


_COMMON = macros("common.html")

#: What an empty cell of a matrix or comparison says.
EMPTY_CELL: Markup = _COMMON.empty_cell()


# ----------------------------------------------------------------------------- glossary


class Glossary:
    """Wraps glossary terms in ``<abbr>`` so their definitions show on hover, focus or tap.

    The definition goes in the ``title`` attribute, which Material's tooltips (``content.tooltips``)
    insert into the page as HTML: it is written there as HTML text (``<`` as ``&lt;``), then
    escaped for the attribute, so a definition never becomes markup in a tooltip."""

    def __init__(self, terms: dict[str, str]):
        # Keyed by case folding, as the pattern matches: a term such as 'ſervice' matches 'service'.
        self.terms = {k.casefold(): v for k, v in terms.items()}
        words = sorted({k.lower() for k in terms}, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE) if words else None

    def mark(self, text: str, seen: set[str]) -> Markup:
        """``text`` (plain text, not HTML) as HTML, the first use on a page of each term explained.
        ``seen`` holds the definitions already explained on this page.

        Terms are found in the text as written, before anything is escaped, so a term such as
        ``amp`` or ``quot`` never lands inside a character reference."""
        if self._pattern is None:
            return _escape_text(text)
        out: list[str] = []
        end = 0
        for m in self._pattern.finditer(text):
            definition = self.terms.get(m.group(1).casefold())
            if definition is None or definition in seen:
                continue
            seen.add(definition)
            out.append(esc(text[end : m.start()]))
            out.append(_COMMON.abbr(m.group(1), html.escape(definition, quote=False)))
            end = m.end()
        if not out:
            return _escape_text(text)
        out.append(esc(text[end:]))
        return Markup("".join(out))


# ----------------------------------------------------------------------------- word diffs


def diff_side(segments: list[Segment], show: str) -> Markup:
    """One side of a comparison: ``show='old'`` marks removed words, ``'new'`` marks added words."""
    hidden = "added" if show == "old" else "removed"
    pieces = []  # (op, separating space, words)
    for seg in segments:
        if seg.op == hidden:
            continue
        if seg.op == "same":
            pieces.append(("same", "", seg.text))
        else:
            pieces.append((seg.op, " " if seg.text.startswith(" ") else "", seg.text.lstrip()))
    if pieces:  # the side starts with its first word
        op, space, words = pieces[0]
        pieces[0] = (op, "", words.lstrip())
    return _COMMON.diff_side(pieces)


@lru_cache(maxsize=4096)
def diff_cells(old: str, new: str) -> tuple[Markup, Markup]:
    """Two levels' text as side-by-side cells: removed words marked on the left, added on the right.

    Cached: the compare pages, the level pages and the quiz feedback show many pairs more than once."""
    if old and new:
        segs = word_diff(old, new)
        return diff_side(segs, "old"), diff_side(segs, "new")
    return (_escape_text(old) if old else EMPTY_CELL), (_escape_text(new) if new else EMPTY_CELL)


# ----------------------------------------------------------------------------- the page builder


class Page:
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
        """A relative URL from this page (text: the templates escape it)."""
        return href(self.path, to_path, fragment, self.settings.directory_urls)

    def prose(self, text: str) -> Markup:
        """Text as HTML with the first use of each glossary term on this page explained."""
        return self.glossary.mark(text, self._seen_terms)

    def add(self, *chunks: str) -> None:
        """Markdown lines, already quoted (``md`` for headings)."""
        self.parts.extend(chunks)

    def heading(self, level: int, markdown: str) -> None:
        """A Markdown heading; ``markdown`` is already quoted (``md`` for any text from the data)."""
        self.parts.extend(["#" * level + " " + markdown, ""])

    def html(self, markup: Markup) -> None:
        """One HTML block (a template's output; nothing when it is empty). Blocks are separated by
        blank lines and contain none, so Markdown leaves them alone."""
        block = str(markup).strip("\n").replace("\n\n", "\n")
        if block:
            self.parts.extend([block, ""])

    def done(self) -> GeneratedPage:
        return GeneratedPage(self.path, self.title, "\n".join(self.parts) + "\n")
