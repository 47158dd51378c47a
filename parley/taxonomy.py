"""The trainee-move taxonomy and customer moods: the shared vocabulary of every module."""

from __future__ import annotations

from enum import Enum


class Move(str, Enum):
    """What a trainee turn does; one turn often carries several."""

    greeting = "greeting"
    empathy = "empathy"
    appreciation = "appreciation"
    open_question = "open_question"
    closed_question = "closed_question"
    summary = "summary"
    rationale = "rationale"
    concession = "concession"
    value_add = "value_add"
    conditional_trade = "conditional_trade"
    hold_position = "hold_position"
    pressure = "pressure"
    close = "close"
    other = "other"


MOVES: tuple[str, ...] = tuple(m.value for m in Move)
# The 13 moves a detector looks for; `other` is what a turn is when none of them is found.
REAL_MOVES: tuple[str, ...] = tuple(m for m in MOVES if m != Move.other.value)

MOVE_DESCRIPTIONS: dict[str, str] = {
    "greeting": "opens politely or greets the customer by name",
    "empathy": "acknowledges the customer's feelings or situation, or apologises",
    "appreciation": "thanks the customer for their loyalty or business",
    "open_question": "invites the customer to explain (what, how, why, tell me)",
    "closed_question": "asks for a yes/no, an either/or or a single fact",
    "summary": "restates what the customer said or checks understanding",
    "rationale": "explains reasons, shares information or a calculation",
    "concession": "offers a price cut, discount, credit or waived fee",
    "value_add": "offers a non-price benefit: instalments, shipping, upgrade, trial, terms",
    "conditional_trade": "ties a benefit to something from the customer (if you..., I can...)",
    "hold_position": "restates the position or refuses without engaging interests",
    "pressure": "pressures: an ultimatum, threat, false deadline, blame or belittling",
    "close": "proposes to finalise, confirms terms or next steps",
    "other": "none of the above",
}


class Mood(str, Enum):
    """How the customer feels, derived from trust; reaction lines are written per mood."""

    hostile = "hostile"
    guarded = "guarded"
    open = "open"


MOODS: tuple[str, ...] = tuple(m.value for m in Mood)


class Claim(str, Enum):
    """What a rep's summary may claim about the customer's position (phrases in parley/data/listening.yml);
    a persona's interest names the claims that say the opposite of it (`contradicted_by`)."""

    leaving = "leaving"  # the customer has decided to go ("so you've decided to move to the other tool")
    staying = "staying"  # the customer will stay whatever happens ("so you're happy to renew anyway")
    price_only = "price_only"  # it is only about the price ("so it's all about the price for you?")
