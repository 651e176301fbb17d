"""The rules of a live session and what each role may see of it.

One cohesive job: a workshop session's rules (who may do what, in which state) and its views.
A trainer creates a session from a quiz, opens, closes and reveals items, records consensus
levels and starts rounds; trainees join by code and name and rate open items. Every operation
checks its input and raises :class:`LiveError` (an HTTP status and a plain sentence) instead of
acting on bad input.

Two views are built here and nowhere else:

* the **participant view** holds an item's reference, rationale, cites, spread and word
  differences only once that item is revealed: the key stays hidden until the reveal;
* the **facilitator view** adds who has rated each item (never what, while the item is open),
  and the statistics of the library layer over the items already closed.
"""

from __future__ import annotations

import csv
import io
import random
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..catalog import Catalog
from ..compare import word_diff
from ..csvcells import protect
from ..library import compare_responses, summarize_responses
from ..model import Framework, Quiz, QuizItem
from ..report import Report, make_report
from ..responses import ResponseRow, ResponseSet, level_lookup
from .store import Duplicate, RatingRow, SessionRow, Store, token_hash

__all__ = ["CODE_ALPHABET", "CSV_COLUMNS", "MODES", "NAME_LIMIT", "PACES", "LiveError", "Room"]

MODES = ("reference", "consensus")
PACES = ("facilitator", "self")
#: Join codes: six characters without look-alikes (no 0/O, 1/I): 32**6, about a billion codes.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_LIMIT = 60
CSV_COLUMNS = ("rater", "item", "rating", "quiz", "round", "timestamp")
ACTIONS = {"open": "open", "close": "closed", "reveal": "revealed"}


class LiveError(Exception):
    """A request that cannot be carried out: an HTTP status and a plain sentence saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def no_item(item_id: str) -> LiveError:
    return LiveError(404, f"This session has no item called '{item_id[:80]}'.")


def join_code(typed: str) -> str | None:
    """A join code as typed (any case, spaces around) in its stored form; None when it cannot be one,
    so nothing else reaches the database."""
    code = typed.strip().upper()
    return code if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) else None


def name_key(name: str) -> str:
    """Names that differ only in case or spacing are one name."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class Participant:
    """Who a participant is, fixed from joining on: the session's round and states are read when needed."""

    id: int
    name: str
    session_id: int
    code: str
    quiz: str


#: How many participants a process remembers by token before it starts again (each about 0.5 KB).
KNOWN_LIMIT = 100_000


class Room:
    """Every live session over one catalog (frameworks and quizzes) and one database."""

    def __init__(self, catalog: Catalog, store: Store, public_url: str = "http://127.0.0.1:8080"):
        self.catalog = catalog
        self.store = store
        self.public_url = public_url.rstrip("/")
        self.texts = catalog.statement_texts()
        self._public: dict[str, tuple[int, dict[str, Any]]] = {}
        self._building = threading.Lock()  # one thread builds a new public view; the others wait for it
        #: The statistics by session and revision: they cover closed items only, whose ratings
        #: cannot change until the next revision, so a room rating away does not recompute them.
        self._statistics: dict[str, tuple[int, dict[str, Any]]] = {}
        #: Participants by their token's hash, as found in the database: who holds a token never
        #: changes, so a request of someone seen before needs no query to know who they are.
        self._known: dict[str, Participant] = {}

    # ----------------------------------------------------------------------------------------
    # Looking things up

    def session(self, code: str) -> SessionRow:
        stored = join_code(code)
        found = self.store.session(stored) if stored else None
        if found is None:
            raise LiveError(404, "There is no session with that code. Check the code on the trainer's screen.")
        return found

    def quiz(self, session: SessionRow) -> Quiz:
        return self.catalog.quizzes[session.quiz]

    def framework(self, quiz: Quiz) -> Framework:
        return self.catalog.frameworks[quiz.framework]

    def _item(self, session: SessionRow, item_id: str) -> QuizItem:
        quiz = self.quiz(session)
        in_session = {row.item for row in self.store.items(session.id, session.round)}
        for item in quiz.items:
            if item.id == item_id and item_id in in_session:
                return item
        raise no_item(item_id)

    def level(self, quiz: Quiz, written: Any) -> str:
        fw = self.framework(quiz)
        ids = [lv.id for lv in fw.scale]
        if isinstance(written, str):
            found = level_lookup(ids, [lv.label for lv in fw.scale]).get(written.strip().casefold())
            if found:
                return found
        raise LiveError(
            422,
            f"That is not a level of this scale. Choose one of {', '.join(ids)} "
            f"({', '.join(lv.label for lv in fw.scale)}).",
        )

    # ----------------------------------------------------------------------------------------
    # The trainer's operations

    def quizzes(self) -> list[dict[str, Any]]:
        out = []
        for quiz in self.catalog.quizzes.values():
            fw = self.framework(quiz)
            out.append(
                {
                    "id": quiz.id,
                    "title": quiz.title,
                    "framework": fw.title,
                    "items": [{"id": i.id, "behaviour": i.behaviour} for i in quiz.items],
                    "levels": [{"id": lv.id, "label": lv.label} for lv in fw.scale],
                }
            )
        return out

    def create(self, quiz_id: Any, item_ids: Any = None, mode: Any = "reference", pace: Any = "facilitator") -> str:
        if not isinstance(quiz_id, str) or quiz_id not in self.catalog.quizzes:
            raise LiveError(422, f"There is no quiz of that name. The quizzes: {', '.join(self.catalog.quizzes)}.")
        if mode not in MODES:
            raise LiveError(422, "The mode is 'reference' (the quiz's levels) or 'consensus' (the room decides).")
        if pace not in PACES:
            raise LiveError(422, "The pace is 'facilitator' (you open each item) or 'self' (every item open at once).")
        quiz = self.catalog.quizzes[quiz_id]
        known = [item.id for item in quiz.items]
        if item_ids is None or item_ids == []:
            chosen = known
        else:
            if not isinstance(item_ids, list) or not all(isinstance(i, str) for i in item_ids):
                raise LiveError(422, "The items are a list of item ids from the quiz.")
            wrong = [i for i in item_ids if i not in known]
            if wrong:
                raise LiveError(422, f"The quiz has no item '{wrong[0][:80]}'. Its items: {', '.join(known)}.")
            chosen = [i for i in known if i in set(item_ids)]
        state = "open" if pace == "self" else "waiting"
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                return self.store.create_session(code, quiz_id, mode, pace, chosen, state, now()).code
            except Duplicate:
                continue
        raise LiveError(409, "No free join code was found; try again.")

    def act(self, code: str, item_id: str, action: str) -> None:
        """Open, close or reveal one item of the current round."""
        session = self.session(code)
        self._item(session, item_id)
        if action not in ACTIONS:
            raise LiveError(404, "An item can be opened, closed or revealed.")
        state = {row.item: row.state for row in self.store.items(session.id, session.round)}[item_id]
        target = ACTIONS[action]
        if state == "revealed" and target != "revealed":
            raise LiveError(409, "This item is already revealed in this round; start a new round to rate it again.")
        if state == target:
            return
        self.store.set_states(session.id, session.round, {item_id: target})

    def reveal_all(self, code: str) -> None:
        session = self.session(code)
        changes = {
            row.item: "revealed" for row in self.store.items(session.id, session.round) if row.state != "revealed"
        }
        if changes:
            self.store.set_states(session.id, session.round, changes)

    def record(self, code: str, item_id: str, written: Any) -> None:
        """The level the room agreed on for an item (consensus mode)."""
        session = self.session(code)
        if session.mode != "consensus":
            raise LiveError(409, "This session rates against the quiz's reference levels; there is nothing to record.")
        item = self._item(session, item_id)
        self.store.set_consensus(session.id, item.id, self.level(self.quiz(session), written))

    def new_round(self, code: str) -> int:
        """The same items again, in a new order, for re-rating after the discussion."""
        session = self.session(code)
        order = [row.item for row in self.store.items(session.id, session.round)]
        shuffled = order[:]
        rng = random.SystemRandom()
        while len(order) > 1 and shuffled == order:
            rng.shuffle(shuffled)
        return self.store.new_round(session.id, shuffled, "open" if session.pace == "self" else "waiting")

    # ----------------------------------------------------------------------------------------
    # The trainee's operations

    def join(self, code: str, name: Any) -> tuple[str, Participant]:
        session = self.session(code)
        if not isinstance(name, str) or not name.strip():
            raise LiveError(422, "Type the name the trainer will see (your first name is enough).")
        name = " ".join(name.split())
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
            raise LiveError(422, "A name can hold letters, digits, spaces and punctuation, but no control characters.")
        if len(name) > NAME_LIMIT:
            raise LiveError(422, f"That name is too long: keep it under {NAME_LIMIT} characters.")
        token = secrets.token_urlsafe(32)
        try:
            row = self.store.join(session.id, name, name_key(name), token_hash(token), now())
        except Duplicate:
            raise LiveError(409, "Someone in this session already uses that name. Add an initial.") from None
        participant = Participant(row.id, row.name, session.id, session.code, session.quiz)
        self._remember(token_hash(token), participant)
        return token, participant

    def participant(self, code: str, token: str | None) -> Participant:
        """The participant holding ``token`` in session ``code``: 401 without a valid token, 403 for
        another session's (checked before the code, so a code cannot be probed without joining)."""
        hashed = token_hash(token) if token and len(token) < 200 else None
        found = self._known.get(hashed) if hashed else None
        if found is None and hashed:
            row = self.store.participant_and_session(hashed)
            if row is not None:
                found = Participant(row[0].id, row[0].name, row[1].id, row[1].code, row[1].quiz)
                self._remember(hashed, found)
        if found is None:
            raise LiveError(401, "Join the session first: open the join page and type your name.")
        return self._in_session(found, code)

    def known_participant(self, code: str, token: str | None) -> Participant | None:
        """:meth:`participant` for a token this process has seen before, without a query; None otherwise."""
        found = self._known.get(token_hash(token)) if token and len(token) < 200 else None
        return None if found is None else self._in_session(found, code)

    def _remember(self, hashed: str, participant: Participant) -> None:
        if len(self._known) >= KNOWN_LIMIT:
            self._known.clear()
        self._known[hashed] = participant

    @staticmethod
    def _in_session(participant: Participant, code: str) -> Participant:
        if len(code) > 40 or participant.code != code.strip().upper():
            raise LiveError(403, "You joined another session: join this one with its own code.")
        return participant

    def rate(self, participant: Participant, item_id: str, written: Any) -> dict[str, Any]:
        """Record a rating in the session's current round. The item's state and the round are read
        in the write itself: a rating costs one transaction and no other query."""
        quiz = self.catalog.quizzes[participant.quiz]
        if not any(item.id == item_id for item in quiz.items):  # only a quiz's item id reaches the database
            raise no_item(item_id)
        try:
            level = self.level(quiz, written)
        except LiveError:
            self._item(self.session(participant.code), item_id)  # an unknown item is reported first
            raise
        state, round_ = self.store.rate(participant.session_id, item_id, participant.id, level, now())
        if state == "missing":
            raise no_item(item_id)
        if state is not None:
            raise LiveError(
                409,
                "This item is not open for rating yet."
                if state == "waiting"
                else "This item is closed: the trainer has stopped the rating.",
            )
        return {"item": item_id, "rating": level, "round": round_}

    # ----------------------------------------------------------------------------------------
    # The views

    def public_view(self, code: str) -> dict[str, Any]:
        """What every participant may see now: the same for all, cached per revision."""
        session = self.session(code)
        cached = self._public.get(session.code)
        if cached and cached[0] == session.revision:
            return cached[1]
        with self._building:  # a room of streams woken at once: one builds the view, the others take it
            cached = self._public.get(session.code)
            if cached and cached[0] == session.revision:
                return cached[1]
            view = self._public_view(session)
            self._public[session.code] = (session.revision, view)
        return view

    def participant_view(self, participant: Participant) -> dict[str, Any]:
        view = dict(self.public_view(participant.code))
        session = self.session(participant.code)
        view["name"] = participant.name
        view["mine"] = self.store.mine(session.id, view["round"], participant.id)
        return view

    def _heading(self, session: SessionRow, quiz: Quiz) -> dict[str, Any]:
        fw = self.framework(quiz)
        return {
            "code": session.code,
            "quiz": {"id": quiz.id, "title": quiz.title},
            "mode": session.mode,
            "pace": session.pace,
            "round": session.round,
            "revision": session.revision,
            "scale": [{"id": lv.id, "label": lv.label} for lv in fw.scale],
        }

    def _public_view(self, session: SessionRow) -> dict[str, Any]:
        quiz = self.quiz(session)
        fw = self.framework(quiz)
        by_id = {item.id: item for item in quiz.items}
        rows = self.store.items(session.id, session.round)
        agreed = self.store.consensus(session.id) if session.mode == "consensus" else {}
        spreads = self._spreads(session, fw, [r.item for r in rows if r.state == "revealed"])
        shown = []
        for row in rows:
            if row.state == "waiting":
                continue
            item = by_id[row.item]
            entry: dict[str, Any] = {
                "id": item.id,
                "position": row.position,
                "behaviour": item.behaviour,
                "what": fw.rated_on(item),
                "state": row.state,
            }
            if row.state == "revealed":
                entry.update(self._revealed(session, fw, item, agreed.get(item.id), spreads[item.id]))
            shown.append(entry)
        return {**self._heading(session, quiz), "items": shown, "waiting": sum(r.state == "waiting" for r in rows)}

    def _revealed(
        self, session: SessionRow, fw: Framework, item: QuizItem, agreed: str | None, spread: dict[str, int]
    ) -> dict[str, Any]:
        """A revealed item's key: the spread, the reference (or the level the room agreed), why, and the differences."""
        reference = item.reference if session.mode == "reference" else agreed
        part: dict[str, Any] = {
            "spread": spread,
            "reference": reference,
            "reference_label": fw.level(reference).label if reference else None,
            "rationale": item.rationale if session.mode == "reference" else None,
            "cites": self._cites(item) if session.mode == "reference" else [],
            "diffs": {},
        }
        if reference:
            part["diffs"] = {lv.id: self._diff(fw, item, lv.id, reference) for lv in fw.scale if lv.id != reference}
        return part

    def _cites(self, item: QuizItem) -> list[dict[str, str]]:
        out = []
        for address in item.cites:
            cited = self.catalog.frameworks[address.split("/", 1)[0]]
            out.append({"where": cited.place(address), "text": cited.fill(self.texts[address])})
        return out

    def _diff(self, fw: Framework, item: QuizItem, yours: str, reference: str) -> list[dict[str, Any]]:
        """Your level's and the reference level's statements, word by word, as the site's quiz feedback marks them."""
        competency = fw.competency(item.competency)
        out = []
        for criterion, label in fw.criteria_of(item):
            old = " ".join(fw.fill(t) for t in competency.statements(yours, criterion))
            new = " ".join(fw.fill(t) for t in competency.statements(reference, criterion))
            segments = word_diff(old, new)
            out.append(
                {
                    "criterion": label,
                    "yours": [{"op": s.op, "text": s.text} for s in segments if s.op != "added"],
                    "reference": [{"op": s.op, "text": s.text} for s in segments if s.op != "removed"],
                }
            )
        return out

    def _spreads(self, session: SessionRow, fw: Framework, item_ids: list[str]) -> dict[str, dict[str, int]]:
        counted = self.store.spread(session.id, session.round) if item_ids else {}
        return {item: {lv.id: counted.get(item, {}).get(lv.id, 0) for lv in fw.scale} for item in item_ids}

    def facilitator_view(self, code: str) -> dict[str, Any]:
        session = self.session(code)
        quiz = self.quiz(session)
        fw = self.framework(quiz)
        by_id = {item.id: item for item in quiz.items}
        rows = self.store.items(session.id, session.round)
        people = self.store.participants(session.id)
        agreed = self.store.consensus(session.id)
        # Who has rated what (never the level): rebuilt as a room rates, so it reads no more than that.
        name = {p.id: p.name for p in people}
        raters: dict[str, list[str]] = {row.item: [] for row in rows}
        rated: dict[str, int] = {p.name: 0 for p in people}
        for participant_id, item in self.store.who_rated(session.id, session.round):
            raters[item].append(name[participant_id])
            rated[name[participant_id]] += 1
        done = [row.item for row in rows if row.state in ("closed", "revealed")]
        spreads = self._spreads(session, fw, done)
        return {
            **self._heading(session, quiz),
            "rounds": session.round,
            "join_url": self.join_url(session.code),
            "participants": [{"name": p.name, "rated": rated[p.name]} for p in people],
            "items": [
                {
                    "id": row.item,
                    "position": row.position,
                    "behaviour": by_id[row.item].behaviour,
                    "what": fw.rated_on(by_id[row.item]),
                    "state": row.state,
                    "reference": by_id[row.item].reference,
                    "consensus": agreed.get(row.item),
                    "rated": len(raters[row.item]),
                    "raters": raters[row.item],
                    "spread": spreads.get(row.item),
                }
                for row in rows
            ],
            **self._statistics_of(session, quiz, done, agreed),
        }

    def join_url(self, code: str) -> str:
        return f"{self.public_url}/join/{code}"

    # ----------------------------------------------------------------------------------------
    # Statistics, the CSV and the report: the library layer over the session's ratings

    def _key(
        self, session: SessionRow, quiz: Quiz, item_ids: list[str], agreed: dict[str, str]
    ) -> dict[str, str] | None:
        if session.mode == "reference":
            return {item.id: item.reference for item in quiz.items if item.id in item_ids}
        if item_ids and all(i in agreed for i in item_ids):
            return {i: agreed[i] for i in item_ids}
        return None  # not every item has its agreed level yet: statistics without a reference

    def responses(
        self, session: SessionRow, quiz: Quiz, rows: list[RatingRow], item_ids: list[str], agreed: dict[str, str]
    ) -> ResponseSet:
        """The ratings as the library layer reads response files: one row per rater and item."""
        fw = self.framework(quiz)
        kept = [
            ResponseRow(r.rater, r.item, r.level, quiz.id, r.updated, f"round {r.round}", n)
            for n, r in enumerate(rows, start=1)
        ]
        return ResponseSet(
            rows=kept,
            problems=[],
            read=len(kept),
            kept=len(kept),
            skipped=0,
            level_ids=[lv.id for lv in fw.scale],
            level_labels=[lv.label for lv in fw.scale],
            items=list(item_ids),
            key=self._key(session, quiz, item_ids, agreed),
            quiz=quiz.id,
        )

    def _statistics_of(
        self, session: SessionRow, quiz: Quiz, done: list[str], agreed: dict[str, str]
    ) -> dict[str, Any]:
        cached = self._statistics.get(session.code)
        if cached and cached[0] == session.revision:
            return cached[1]
        closed = set(done)
        ratings = self.store.ratings(session.id, session.round) if closed else []
        statistics = {
            "stats": self._stats(session, quiz, [r for r in ratings if r.item in closed], done, agreed),
            "change": self._change(session, quiz, done, agreed),
        }
        self._statistics[session.code] = (session.revision, statistics)
        return statistics

    def _stats(
        self, session: SessionRow, quiz: Quiz, rows: list[RatingRow], done: list[str], agreed: dict[str, str]
    ) -> dict[str, Any] | None:
        """Agreement so far: over the items closed in this round, once two people have rated them."""
        if not done or len({r.rater for r in rows}) < 2:
            return None
        responses = self.responses(session, quiz, rows, done, agreed)
        summary = summarize_responses(responses, quiz)
        exact = None
        if responses.key is not None and rows:
            exact = sum(r.level == responses.key[r.item] for r in rows) / len(rows)
        return {
            "items": len(done),
            "raters": summary["raters"],
            "alpha": summary["alpha"]["ordinal"],
            "exact": exact,
            "discuss_first": summary["discuss_first"],
            "per_rater": [
                {"rater": r["rater"], "n": r["n"], "exact": r.get("exact"), "bias": r.get("bias")}
                for r in summary["per_rater"]
            ],
        }

    def _change(
        self, session: SessionRow, quiz: Quiz, done: list[str], agreed: dict[str, str]
    ) -> dict[str, Any] | None:
        """Round 1 against this round, over the items closed in this round (from round 2 on)."""
        if session.round < 2 or not done:
            return None
        first = [r for r in self.store.ratings(session.id, 1) if r.item in set(done)]
        now_rows = [r for r in self.store.ratings(session.id, session.round) if r.item in set(done)]
        if not first or not now_rows:
            return None
        before = self.responses(session, quiz, first, done, agreed)
        after = self.responses(session, quiz, now_rows, done, agreed)
        if after.key is None:
            return None
        return compare_responses(before, after)

    def csv(self, code: str, round_: int | None = None) -> str:
        """Every rating (or one round's) in the response format, with a ``round`` column."""
        session = self.session(code)
        if round_ is not None and not 1 <= round_ <= session.round:
            raise LiveError(404, f"This session has rounds 1 to {session.round}.")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.store.ratings(session.id, round_):
            writer.writerow([protect(r.rater), r.item, r.level, session.quiz, r.round, r.updated])
        return out.getvalue()

    def report(self, code: str) -> str:
        """The workshop report of the last round (before/after against round 1 when there are two or more)."""
        return self.report_files(code).html

    def report_files(self, code: str, raters_file: str | None = None) -> Report:
        """The report page and, for a large room, its per-rater CSV (``raters_file``: its name, for the link)."""
        session = self.session(code)
        quiz = self.quiz(session)
        agreed = self.store.consensus(session.id)
        item_ids = [row.item for row in sorted(self.store.items(session.id, 1), key=lambda r: r.item)]
        item_ids = [i.id for i in quiz.items if i.id in set(item_ids)]
        rated = sorted({r.round for r in self.store.ratings(session.id)})
        if not rated:
            raise LiveError(409, "Nobody has rated yet: the report needs ratings.")
        after = self.responses(session, quiz, self.store.ratings(session.id, rated[-1]), item_ids, agreed)
        before = None
        if len(rated) > 1:  # the first round against the last one that has ratings
            before = self.responses(session, quiz, self.store.ratings(session.id, rated[0]), item_ids, agreed)
        return make_report(after, before=before, catalog=self.catalog, raters_file=raters_file)
