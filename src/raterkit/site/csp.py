"""The Content-Security-Policy every built page carries: a second wall behind the escaping.

Scripts run only from the site's own files ('self') and from the theme's own inline scripts,
each allowed by its SHA-256 hash; inline event handlers (``onerror=``), ``javascript:`` links and
any other inline script do not run. The hashes are computed by rendering the theme's script
templates (Material's ``partials/javascripts/*.html``), never from a page's content, for every
page depth of the site (one of them names the path to the site root), so instant navigation
between pages of different depths runs them too. Pure: a Jinja environment in, text out.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Any

import jinja2

#: The theme's templates that hold inline scripts (Material 9.8; a template the theme does not
#: have is passed over). ``__config`` is JSON, not a script: it needs no hash.
THEME_SCRIPT_TEMPLATES = (
    "partials/javascripts/base.html",
    "partials/javascripts/palette.html",
    "partials/javascripts/content.html",
    "partials/javascripts/announce.html",
    "partials/javascripts/outdated.html",
    "partials/javascripts/consent.html",
    "partials/integrations/analytics.html",
)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_CHARSET = re.compile(r"<meta charset=[^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def script_hash(script: str) -> str:
    """A CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def theme_script_hashes(
    env: jinja2.Environment, config: Any, base_urls: Iterable[str], features: list[str]
) -> list[str]:
    """Hashes of the theme's inline scripts as each page of the site renders them (``base_urls``:
    the path from each page to the site root, as the theme's templates get it)."""
    hashes: list[str] = []
    for name in THEME_SCRIPT_TEMPLATES:
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound:
            continue
        for base_url in sorted(set(base_urls)):
            try:
                text = template.render(config=config, base_url=base_url, features=features)
            except Exception:  # a template that needs more of the page: its script is not allowed
                continue
            for script in _INLINE_SCRIPT.findall(text):
                h = script_hash(script)
                if h not in hashes:
                    hashes.append(h)
    return hashes


def policy(hashes: Iterable[str]) -> str:
    """The policy: scripts from the site's files and the hashed theme scripts only."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "script-src-attr 'none'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def with_policy(page_html: str, csp: str) -> str:
    """The page with the policy as the first thing in its head (after the character set), before
    any script."""
    tag = f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
    m = _CHARSET.search(page_html) or _HEAD.search(page_html)
    if m is None:
        return tag + page_html
    return page_html[: m.end()] + "\n    " + tag + page_html[m.end() :]
