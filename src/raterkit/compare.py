"""What changes between two levels' statements, word by word (for the site and quiz feedback)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Op = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments turning ``old`` into ``new``: words kept, removed (only in old), added (only in new).

    Words are compared whole, ignoring case and trailing punctuation, so "customers." and
    "customers" count as the same word (the newer spelling is kept). Texts are taken as words
    separated by single spaces; each segment after the first starts with its separating space.
    Joining the 'same' and 'added' segments gives the words of ``new``; 'same' and 'removed'
    give the words of ``old`` (up to the punctuation of matched words).
    """
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], autojunk=False)
    out: list[Segment] = []
    started = False

    def emit(op: Op, words: list[str]) -> None:
        nonlocal started
        if not words:
            return
        text = (" " if started else "") + " ".join(words)
        started = True
        if out and out[-1].op == op:
            out[-1] = Segment(op, out[-1].text + text)
        else:
            out.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("same", b[j1:j2])
        else:
            emit("removed", a[i1:i2])
            emit("added", b[j1:j2])
    return out


def _key(word: str) -> str:
    return word.lower().rstrip(".,;:")


def changed_share(segments: list[Segment]) -> float:
    """Share of words that differ, 0 (identical) to 1 (nothing in common)."""
    words = {"same": 0, "removed": 0, "added": 0}
    for seg in segments:
        words[seg.op] += len(seg.text.split())
    total = words["same"] + max(words["removed"], words["added"])
    return 0.0 if total == 0 else max(words["removed"], words["added"]) / total
