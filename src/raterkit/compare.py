"""What changes between two levels' statements, word by word (for the site and quiz feedback)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Op = Literal["same", "removed", "added"]
_TOKEN = re.compile(r"\s*\S+\s*|\s+")  # a word with the spaces around it


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments turning ``old`` into ``new``: words kept, removed (only in old), added (only in new).

    Words are compared whole, ignoring case and trailing punctuation, so "customers." and
    "customers" count as the same word; whitespace is kept as it was. Joining the 'same' and
    'added' segments gives back ``new``; 'same' and 'removed' give back ``old`` up to spacing.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], autojunk=False)
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            # keep the newer spelling of matched words (punctuation can differ)
            _push(out, "same", "".join(b[j1:j2]))
        else:
            if i2 > i1:
                _push(out, "removed", "".join(a[i1:i2]))
            if j2 > j1:
                _push(out, "added", "".join(b[j1:j2]))
    return _tidy(out)


def _key(token: str) -> str:
    return token.strip().lower().rstrip(".,;:")


def _push(out: list[Segment], op: Op, text: str) -> None:
    if not text:
        return
    if out and out[-1].op == op:
        out[-1] = Segment(op, out[-1].text + text)
    else:
        out.append(Segment(op, text))


def _tidy(segments: list[Segment]) -> list[Segment]:
    """Keep changes to whole words: whitespace at the edges of a change becomes unchanged text."""
    out: list[Segment] = []
    for seg in segments:
        if seg.op == "same":
            _push(out, "same", seg.text)
        elif not seg.text.strip():
            if seg.op == "added":  # a change in spacing alone is no change worth marking
                _push(out, "same", seg.text)
        else:
            core = seg.text.strip()
            lead, trail = seg.text[: seg.text.index(core)], seg.text[seg.text.index(core) + len(core) :]
            _push(out, "same", lead)
            _push(out, seg.op, core)
            _push(out, "same", trail)
    return out


def changed_share(segments: list[Segment]) -> float:
    """Share of words that differ, 0 (identical) to 1 (nothing in common)."""
    words = {"same": 0, "removed": 0, "added": 0}
    for seg in segments:
        words[seg.op] += len(seg.text.split())
    total = words["same"] + max(words["removed"], words["added"])
    return 0.0 if total == 0 else max(words["removed"], words["added"]) / total
