"""What happened in a customer's reaction to one trainee turn, as typed values the evaluator reads.

The engine (parley/engine.py) reports each thing that happened as an `Event`: its `kind` and, for some
kinds, a `detail` (the interest brought out, the price gone back on, the tradables put on the table).
The evaluator (parley/scoring.py), the session core and the report read these values; nobody splits
strings.

Stored turns keep their events as JSON in a readable form: ``{"kind": "went_back", "detail": 24.0}``,
``{"kind": "accepted"}``.  Rows written before events were typed hold strings such as
``"went_back:24"``, ``"extras:a,b"`` or ``"accepted"``; `Event.from_json` reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, List, Tuple, Union

Detail = Union[str, float, Tuple[str, ...], None]


class EventKind(str, Enum):
    """Each kind of thing the customer's reaction can report."""

    # the turn itself
    already_finished = "already_finished"  # the session was over: nothing happened
    repeated = "repeated"  # the same message again, word for word
    not_english = "not_english"  # the customer asked for English (session core)
    asked_again = "asked_again"  # a fact already told or a need already revealed asked for again; detail: its id
    wrong_summary = "wrong_summary"  # a summary that got the customer wrong; detail: the need or the figure
    # rapport and tone
    sympathy_fatigue = "sympathy_fatigue"  # a third sympathy-only turn in a row
    held_position = "held_position"
    pressured = "pressured"
    # interests and facts
    extras = "extras"  # tradables put on the table this turn; detail: their ids (a tuple)
    satisfied = "satisfied"  # a need met; detail: the interest id
    revealed = "revealed"  # a hidden need brought out; detail: the interest id
    fact_told = "fact_told"  # a fact a criterion depends on was told
    off_topic = "off_topic"  # a friendly question about nothing in the deal
    all_said = "all_said"  # an open question once every need was out
    # offers
    offer = "offer"  # a unit price judged; detail: the price
    took_counter = "took_counter"  # the rep said yes to the customer's own counter
    went_back = "went_back"  # the rep asked more than they had offered; detail: the earlier (better) price
    same_offer = "same_offer"
    below_best = "below_best"  # a price under one the rep called their best; detail: that best price
    leap = "leap"
    standing_offer = "standing_offer"  # a close or extras at the price already on the table
    need_unmet = "need_unmet"  # a required need still unmet; detail: the interest id
    pushed_for_more = "pushed_for_more"
    accepted = "accepted"
    rejected_low_trust = "rejected_low_trust"
    not_ready = "not_ready"  # what the customer still needs before a yes; detail: rapport, heard or trust
    countered = "countered"
    # the end
    walked_away = "walked_away"
    wrapped_up = "wrapped_up"
    reneged = "reneged"
    misquoted = "misquoted"
    gave_after_deal = "gave_after_deal"
    soured = "soured"


_PRICES = {EventKind.offer, EventKind.went_back, EventKind.below_best}


@dataclass(frozen=True)
class Event:
    kind: EventKind
    detail: Detail = None

    def __str__(self) -> str:
        """The short form for logs: "accepted", "went_back:24", "extras:a,b"."""
        if self.detail is None:
            return self.kind.value
        if isinstance(self.detail, tuple):
            return f"{self.kind.value}:{','.join(self.detail)}"
        if isinstance(self.detail, float):
            return f"{self.kind.value}:{self.detail:g}"
        return f"{self.kind.value}:{self.detail}"

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind.value}
        if self.detail is not None:
            out["detail"] = list(self.detail) if isinstance(self.detail, tuple) else self.detail
        return out

    @classmethod
    def from_json(cls, data: Any) -> Event:
        """An event as stored: the JSON object, or the "kind:detail" string older rows hold."""
        if isinstance(data, Event):
            return data
        if isinstance(data, str):
            kind, _, detail = data.partition(":")
            return cls.of(kind, detail if detail else None)
        return cls.of(data["kind"], data.get("detail"))

    @classmethod
    def of(cls, kind: str | EventKind, detail: Any = None) -> Event:
        """An event with its detail in the kind's type (a price as a float, tradables as a tuple)."""
        kind = EventKind(kind)
        if detail is None:
            return cls(kind)
        if kind in _PRICES:
            return cls(kind, float(detail))
        if kind is EventKind.extras:
            ids = detail.split(",") if isinstance(detail, str) else detail
            return cls(kind, tuple(str(i) for i in ids if i))
        return cls(kind, str(detail))


Events = Tuple[Event, ...]


def has(events: Iterable[Event], kind: EventKind) -> bool:
    return any(e.kind is kind for e in events)


def details(events: Iterable[Event], kind: EventKind) -> List[Detail]:
    """The details of every event of a kind, in order (e.g. the interests revealed)."""
    return [e.detail for e in events if e.kind is kind]


def detail(events: Iterable[Event], kind: EventKind) -> Detail:
    """The detail of the first event of a kind, or None."""
    return next((e.detail for e in events if e.kind is kind), None)


def kinds(events: Iterable[Event]) -> frozenset:
    return frozenset(e.kind for e in events)


def load(stored: Iterable[Any]) -> Events:
    """Events as stored in a turn's JSON (either form)."""
    return tuple(Event.from_json(e) for e in stored or ())
