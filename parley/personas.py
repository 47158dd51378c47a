"""Persona files: the schema (defined once, here) and a loader whose errors name file, line and field.

A persona is data a trainer writes in YAML; nothing here knows about Rasa.  The importer turns the
`stories` into Rasa training data, the engine plays the rest.  Trainers are not programmers, so:

* every field has a description; `parley personas schema` renders them into docs/personas.md;
* loading never stops at the first mistake: `load_personas` collects every problem of every file,
  each with file, line and field and a sentence in plain words (`Problem`);
* YAML is read with the safe loader only (object tags such as `!!python/object` are refused).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import string
import threading
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Literal, Tuple, Union

import yaml
from pydantic import (
    BaseModel,
    Field,
    conint,
    constr,
    create_model,
    errors,
    root_validator,
    validate_model,
    validator,
)

from parley.replies import FACT_DESCRIPTIONS, SessionFact, text
from parley.rubrics import Criterion
from parley.taxonomy import MOODS, MOVE_DESCRIPTIONS, MOVES, Claim, Mood, Move

logger = logging.getLogger(__name__)

# personas/ next to the package; PARLEY_PERSONA_DIR points the action server and the CLI elsewhere
PERSONA_DIR = Path(os.environ.get("PARLEY_PERSONA_DIR") or Path(__file__).resolve().parent.parent / "personas")
Difficulty = Literal["easy", "normal", "hard"]
DIFFICULTIES: Tuple[str, ...] = ("easy", "normal", "hard")
# Intents and actions a persona story may use besides the moves (they exist in domain.yml), and the
# action data/rules.yml makes Rasa run after each intent: a story must agree with those rules.
SESSION_INTENTS = ("start_session", "end_session", "retry_from_turn")
STORY_ACTIONS = ("action_customer_turn", "action_start_session", "action_end_session", "action_retry_from_turn",
                 "action_listen")
ACTION_AFTER = {"start_session": "action_start_session", "end_session": "action_end_session",
                "retry_from_turn": "action_retry_from_turn"}
STORY_SLOTS = ("persona", "difficulty", "mode", "session_active")
# A customer does not open up to a refusal, a threat or a turn that says nothing: an interest listed
# as revealed only by these could never come out.
NEVER_REVEAL: Tuple[str, ...] = ("hold_position", "pressure", "other")
IDENT = r"^[a-z][a-z0-9_]*$"
Ident = constr(strict=True, strip_whitespace=True, regex=IDENT)
Text = constr(strict=True, strip_whitespace=True, min_length=1)


class Schema(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key is an error, not a silently ignored line
        anystr_strip_whitespace = True
        min_anystr_length = 1

    @validator("*", pre=True)
    def _numbers_are_numbers(cls, value: Any, field: Any) -> Any:
        # pydantic would read `list_price: "25$"` as an error but `yes` as 1.0; neither is a number
        kind = field.outer_type_
        number = isinstance(kind, type) and issubclass(kind, (int, float)) and not issubclass(kind, bool)
        if number and isinstance(value, (bool, str)):
            raise errors.IntegerError() if issubclass(kind, int) else errors.FloatError()
        return value


# -- the schema ------------------------------------------------------------------------------------
class Tradable(Schema):
    """Something the rep may offer besides price (listed for the trainee in the briefing)."""

    id: Ident = Field(..., description="short name that interests' `satisfied_by` refer to, e.g. `free_shipping`")
    label: Text = Field(..., description="how the briefing and the report name it, e.g. 'free shipping on monthly "
                                         "orders'")
    keywords: List[Text] = Field(..., min_items=1, description=(
        "words that mean this extra when the trainee offers it (matched as word beginnings, any case: 'deliver' "
        "matches 'delivery'; one of 3 letters or fewer, like 'AV', only as a whole word)"))


class Company(Schema):
    """The company's bargaining parameters: what the rep is allowed to give."""

    floor_price: float = Field(..., gt=0, description="lowest unit price the rep may offer; an offer below it is "
                                                      "marked 'outside the company's parameters' in the report")
    tradables: List[Tradable] = Field(default_factory=list, description="extras the rep may offer besides price")


class Briefing(Schema):
    """What the trainee reads before the conversation starts."""

    customer: Text = Field(..., description="who the customer is, one or two sentences")
    situation: Text = Field(..., description="why they are getting in touch")
    goal: Text = Field(..., description="what the trainee should try to achieve")
    product: Text = Field(..., description="what the customer buys, e.g. 'toner cartridges'")
    unit: Text = Field("unit", description="what one unit of the product is called, e.g. 'cartridge'")
    currency: Text = Field("$", description="the money sign put in front of prices")
    list_price: float = Field(..., gt=0, description="the current unit price; offers are read against it")
    previous_price: float | None = Field(None, gt=0, description="the unit price before a change, if there was one")
    monthly_volume: int | None = Field(None, gt=0, description="units the customer buys per month, if it matters; "
                                                               "the briefing then tells the trainee 'They buy about "
                                                               "20 bags a month.' (with a unit such as 'seat per "
                                                               "month': 'They have 20 seats.'); an offer said as a "
                                                               "total ('$38,880 a year') is heard as the unit price "
                                                               "it stands for with it")

    @property
    def counted(self) -> Tuple[str, str, bool]:
        """The unit as counted ("cartridge", "cartridges") and whether it is a subscription ("seat per month":
        the volume is 25 seats, not 25 a month)."""
        one, per, _period = self.unit.partition(" per ")
        return one, _plural(one), bool(per)

    @property
    def volume(self) -> str:
        """The volume as the customer would say it: "150 cartridges a month", "25 seats"."""
        if not self.monthly_volume:
            return ""
        _one, many, subscription = self.counted
        return f"{self.monthly_volume:,} {many}" + ("" if subscription else " a month")


_IRREGULAR = {"person": "people", "man": "men", "woman": "women", "child": "children", "foot": "feet",
              "tooth": "teeth", "mouse": "mice", "box": "boxes", "staff": "staff", "equipment": "equipment"}


def _plural(noun: str) -> str:
    """English plural of a unit's last word: battery -> batteries, box -> boxes, person -> people."""
    head, _, last = noun.rpartition(" ")
    lower = last.lower()
    if lower in _IRREGULAR:
        plural = _IRREGULAR[lower]
    elif lower.endswith("s"):
        plural = last  # already counted: "supplies", "sessions"
    elif re.search(r"[^aeiou]y$", lower):
        plural = last[:-1] + "ies"
    elif re.search(r"(?:x|z|ch|sh)$", lower):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


class Interest(Schema):
    """A hidden need behind the customer's position."""

    id: Ident = Field(..., description="short name, e.g. `cash_flow`; shows in the report as revealed or not")
    description: Text = Field(..., description="the need in plain words; the report quotes it")
    revealed_by: List[Move] = Field(..., min_items=1, description="trainee moves that can bring it out, usually "
                                                                  "`open_question` and `summary`")
    min_trust: float = Field(0, ge=0, le=100, description="the customer only says it once trust is at least this")
    reveal: List[Text] = Field(..., min_items=1, description="what the customer says when it comes out (one is "
                                                             "picked)")
    satisfied_by: List[Text] = Field(default_factory=list, description="tradable ids or moves (e.g. `appreciation`, "
                                                                       "`concession`) that meet this need")
    worth: float = Field(0, ge=0, description="how much more per unit the customer will pay once the need is met")
    required: bool = Field(False, description="the customer says yes to no price until this need is met (e.g. a "
                                              "budget that must come down: `satisfied_by: [concession]`); an offer "
                                              "before that gets a counter")
    contradicted_by: List[Claim] = Field(
        default_factory=list, description="what a rep's summary may claim that says the opposite of this need: "
                                          "`leaving` (\"so you've decided to move to the other tool\"), `staying` "
                                          "(\"so you'll renew anyway\"), `price_only` (\"so it's all about the "
                                          "price?\"; a need money alone doesn't meet is contradicted by it anyway, "
                                          "once told). Such a summary gets a `lines.wrong_summary` line and this "
                                          "need in the customer's words, told or not (phrases: "
                                          "parley/data/listening.yml)")


class Fact(Schema):
    """A plain fact the customer answers when the trainee asks for it ("how many do you order?")."""

    about: List[Text] = Field(..., min_items=1, description="words or phrases in a question that ask for it, e.g. "
                                                            "`delivery day`, `how long`; matched whole-word, any case. "
                                                            "A yes/no question "
                                                            "matches any of them; an open question (\"by when do you "
                                                            "need to decide?\") only a phrase of two words or more, so "
                                                            "a single name (`RelayDesk`) leaves it to bring out needs; "
                                                            "when two facts match, the one listed first answers")
    answer: List[Text] = Field(..., min_items=1, description="the customer's answer (one is picked); may use "
                                                             "`{volume}`, `{unit}`, `{product}`, `{list_price}`, "
                                                             "`{previous_price}`")
    teaches: List[Criterion] = Field(default_factory=list, description="criteria that depend on the trainee "
                                                                      "learning this fact (e.g. `transparency` when "
                                                                      "the rival's full price is needed to compare "
                                                                      "costs); the customer then tells it to an open "
                                                                      "question too, and `parley personas check` "
                                                                      "warns when none of `ask` reaches it")
    ask: List[Text] = Field(default_factory=list, description="example questions a trainee would ask for this fact; "
                                                              "`parley personas check` plays each one and warns when "
                                                              "the customer does not answer with it")


class Hidden(Schema):
    """Parameters the trainee has to discover or respect; shown only in the report."""

    reservation_price: float = Field(..., gt=0, description="the most the customer will pay per unit; the `worth` "
                                                            "of each need met is added to it, and an offer above the "
                                                            "total gets a counter-offer")
    batna: Text = Field(..., description="the customer's best alternative if there is no deal, e.g. a rival quote")
    batna_price: float | None = Field(None, gt=0, description="what that alternative costs per unit, if it has a "
                                                              "price; the customer's limit at every difficulty stays "
                                                              "at or above it (nobody pays less to stay than to "
                                                              "leave and still refuses)")
    trust: conint(strict=True, ge=0, le=100) = Field(..., description="starting trust; it sets the mood, rises with "
                                                                      "empathy, thanks, reasons and questions, falls "
                                                                      "with refusals and pressure; at 0 the customer "
                                                                      "walks away")
    patience: conint(strict=True, ge=1, le=30) = Field(..., description="unproductive turns the customer sits through: "
                                                                        "a refusal costs 1, pressure 2, a yes/no "
                                                                        "question or an empty turn 0.5, a third "
                                                                        "sympathy-only turn 1; at 0 they walk away")
    accept_trust: conint(strict=True, ge=0, le=100) = Field(50, description="trust needed before an affordable offer "
                                                                            "is accepted (below it, or short of the "
                                                                            "two below: a `reject` line, and the coach "
                                                                            "tells the trainee which is missing, never "
                                                                            "the price)")
    empathy_needed: conint(strict=True, ge=0, le=5) = Field(1, description="empathy or appreciation moves needed "
                                                                           "before accepting an offer")
    explore_needed: conint(strict=True, ge=0, le=5) = Field(0, description="hidden interests the rep must have "
                                                                           "brought out before an offer is accepted")


class Overrides(Schema):
    """Values for one difficulty level; anything left out keeps the built-in adjustment."""

    reservation_price: float | None = Field(None, gt=0, description="replaces `hidden.reservation_price`")
    trust: conint(strict=True, ge=0, le=100) | None = Field(None, description="replaces `hidden.trust`")
    patience: conint(strict=True, ge=1, le=30) | None = Field(None, description="replaces `hidden.patience`")
    accept_trust: conint(strict=True, ge=0, le=100) | None = Field(None, description="replaces `hidden.accept_trust`")
    empathy_needed: conint(strict=True, ge=0, le=5) | None = Field(None, description="replaces "
                                                                                     "`hidden.empathy_needed`")
    explore_needed: conint(strict=True, ge=0, le=5) | None = Field(None, description="replaces "
                                                                                     "`hidden.explore_needed`")


class DifficultyLevels(Schema):
    """Per-difficulty overrides of the hidden parameters."""

    easy: Overrides | None = Field(None, description="values for 'easy'")
    normal: Overrides | None = Field(None, description="values for 'normal' (normally the `hidden` values)")
    hard: Overrides | None = Field(None, description="values for 'hard'")


def _one_or_many(value: Any) -> Any:
    """`mood: hostile` means `mood: [hostile]`: a single value is a list of one."""
    return [value] if isinstance(value, str) else value


class When(Schema):
    """The conditions a reply line fits: every condition named must hold (parley/replies.py chooses)."""

    mood: List[Mood] | None = Field(None, min_items=1, description="the customer's mood is one of these "
                                                                    "(`hostile`, `guarded`, `open`)")
    this_turn: List[Move] | None = Field(None, min_items=1, description="the rep's turn now carries every one of "
                                                                        "these moves")
    rep_did: List[Union[Move, SessionFact]] | None = Field(
        None, min_items=1, description="so far in the session (this turn included) the rep has made each of these "
                                       "moves, or each of these named facts holds: "
                                       + "; ".join(f"`{k}`: {v}" for k, v in FACT_DESCRIPTIONS.items()))
    rep_did_not: List[Union[Move, SessionFact]] | None = Field(
        None, min_items=1, description="none of these moves or named facts so far (e.g. `[earned]`: the rep has "
                                       "not earned thanks)")
    revealed: List[Ident] | None = Field(None, min_items=1, description="these interests (ids) have come out")
    satisfied: List[Ident] | None = Field(None, min_items=1, description="these interests (ids) have been met")

    @validator("*", pre=True)
    def _lists(cls, value: Any) -> Any:
        return _one_or_many(value)

    @root_validator(skip_on_failure=True)
    def _names_something(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if not any(values.get(k) for k in cls.__fields__):
            raise ValueError("`when` names no condition; name one (mood, this_turn, rep_did, rep_did_not, "
                             "revealed, satisfied) or write the line as plain text")
        return values


class ReplyLine(Schema):
    """A line with the conditions it fits; in any reply list, instead of plain text."""

    say: Text = Field(..., description="what the customer says (the same placeholders as a plain line here)")
    when: When | None = Field(None, description="when this line fits (section [`when`](#when)); the most "
                                                "specific lines that fit are chosen first, plain lines are the "
                                                "fallback")

    def __eq__(self, other: Any) -> bool:
        # a line is its words: `"Deal." in persona.lines.accept` holds for plain and conditioned lines alike
        if isinstance(other, str):
            return self.say == other
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


# A reply line as written: plain text, or `{say: ..., when: {...}}`.
Line = Union[Text, ReplyLine]


class MoodLines(Schema):
    """What the customer may say in each mood (one line is picked)."""

    hostile: List[Line] = Field(..., min_items=1, description="trust below the hostile threshold")
    guarded: List[Line] = Field(..., min_items=1, description="trust in between")
    open: List[Line] = Field(..., min_items=1, description="trust at or above the open threshold")

    def __getitem__(self, mood: str) -> List[Line]:
        return list(getattr(self, str(getattr(mood, "value", mood))))


class _ReactionsBase(Schema):
    def __getitem__(self, move: str) -> MoodLines:
        return getattr(self, Move(move).value)


# One section per move (parley/taxonomy.py), each with lines per mood: the customer's answer when
# nothing bigger happens in the turn (an interest coming out, an offer, walking away).
Reactions = create_model(  # type: ignore[call-overload]
    "Reactions", __base__=_ReactionsBase,
    **{move: (MoodLines, Field(..., description=f"when the rep {MOVE_DESCRIPTIONS[move]}" if move != "other" else
                               "when the turn carries none of the moves above")) for move in MOVES},
)
Reactions.__doc__ = "The customer's answer to each trainee move, per mood; every move needs lines."


class _PhrasesBase(Schema):
    def items(self) -> List[Tuple[str, List[str]]]:
        return [(move, list(getattr(self, move))) for move in MOVES if getattr(self, move)]


# Domain words: per move, phrases that mean that move in this persona's world (parley/persona_phrases.py).
Phrases = create_model(  # type: ignore[call-overload]
    "Phrases", __base__=_PhrasesBase,
    **{move: (List[Text], Field(default_factory=list, description=(
        f"phrases by which the rep {MOVE_DESCRIPTIONS[move]}" if move != "other" else
        "phrases that carry no move here (small talk of this trade); they cancel a move read on the same "
        "words"))) for move in MOVES},
)
Phrases.__doc__ = ("Words that mean a move in this customer's world, which the general move detector does not know "
                   "(\"pause your membership\", \"everyone pays\", \"you have to pay\"). Matched on whole words, any "
                   "case, any form of a word (\"pauses\" matches \"pause\"); in a turn where one matches, the "
                   "phrase's move replaces the moves it conflicts with (parley/data/persona_phrases.yml). Used for "
                   "this persona's sessions only.")


class Lines(Schema):
    """Situational customer lines; the placeholders in braces are filled in by the engine."""

    accept: List[Line] = Field(..., min_items=1, description="the customer takes the offer; may use `{price}`")
    counter: List[Line] = Field(..., min_items=1, description="asks for a lower price after the rep's price came "
                                                              "down (\"closer\" fits here); may use `{price}` and "
                                                              "`{counter}`")
    counter_first: List[Line] = Field(
        ["{price} doesn't work for me. Could you do {counter}?", "Not at {price}. I was thinking more like {counter}.",
         "That's a start, but {counter} is where I need to be."], min_items=1,
        description="asks for a lower price when the rep's price has not come down yet: the first price of the "
                    "session (nothing is \"closer\" or \"better\" yet); may use `{price}` and `{counter}`")
    same_offer: List[Line] = Field(
        ["Still {price}? I said {counter}.", "That's the same {price} as before. My answer's still {counter}.",
         "Nothing's changed since {price}. {counter} would do it."], min_items=1,
        description="the rep names the same price again (or asks for a yes at it) with nothing new, after the "
                    "customer named their counter: the customer repeats it and bids no higher; may use `{price}` "
                    "and `{counter}`")
    push_for_more: List[Line] = Field(..., min_items=1, description="after a big fast concession; may use `{price}` "
                                                                    "and `{counter}`")
    reject: List[Line] = Field(..., min_items=1, description="an acceptable offer while the customer is not ready "
                                                             "(trust, empathy or exploration too low); may use "
                                                             "`{price}`")
    reject_unacknowledged: List[Line] | None = Field(
        None, min_items=1, description="instead of `reject` when what is missing is acknowledgement (too little "
                                       "empathy or appreciation so far); may use `{price}`")
    reject_unheard: List[Line] | None = Field(
        None, min_items=1, description="instead of `reject` when what is missing is being understood (too few "
                                       "hidden interests brought out so far); may use `{price}`")
    walk_away: List[Line] = Field(..., min_items=1, description="patience or trust ran out; the session ends")
    sympathy_fatigue: List[Line] = Field(..., min_items=1, description="the third sympathy-only turn in a row")
    goodbye: List[Line] = Field(
        ["Great. Thanks for sorting it out.", "Perfect, thank you. Talk soon."], min_items=1,
        description="after a deal, the customer's last line once the rep wraps up; may use `{price}`")
    went_back: List[Line] = Field(
        ["You offered {previous} a moment ago. I'm holding you to that.",
         "Hang on, that's more than the {previous} you already offered."], min_items=1,
        description="the rep asks more than they had already offered; the earlier offer stands; may use `{price}` "
                    "and `{previous}`")
    reneged: List[Line] = Field(
        ["That's not what we just agreed. Forget it, I'll take my business elsewhere.",
         "So the deal we just made doesn't count? Then we're done here."], min_items=1,
        description="after a deal, the rep goes back on it (a higher price, or a no); the deal is off and the "
                    "session ends; may use `{price}` (the agreed price)")
    repeated: List[Line] = Field(
        ["You've already said that.", "We've been over this. Anything new?"], min_items=1,
        description="the rep sends the same message again, word for word")
    misquoted: List[Line] = Field(
        ["Hang on, we agreed {price}, not {said}. Can you confirm that?",
         "That's not what we said. It was {price}, wasn't it?"], min_items=1,
        description="after a deal, the rep's confirmation names a higher price; the customer waits for a "
                    "correction; may use `{price}` (the agreed price) and `{said}`")
    sour_goodbye: List[Line] = Field(
        ["Right. The deal stands, but I won't forget how this ended.", "Fine. Let's leave it there."], min_items=1,
        description="after a deal, instead of `goodbye` when the rep's last message pressures or belittles; the "
                    "deal stands; may use `{price}`")
    unknown_fact: List[Line] = Field(
        ["I'd have to look that up.", "Not off the top of my head. Why does it matter?"], min_items=1,
        description="a factual question (how many, which, when...) that no `facts` entry answers")
    either_or: List[Line] = Field(
        ["A bit of both, honestly.", "Both, if I'm honest.", "Honestly, a bit of each."], min_items=1,
        description="an either/or question no `facts` entry answers (\"is it the price or the timing?\"): a "
                    "short answer that fits either half, never a bare yes or no")
    private_detail: List[Line] | None = Field(
        None, min_items=1, description="a question for a personal detail (someone's name, an email, a phone "
                                       "number: \"what's your accountant's name?\") that a customer does not "
                                       "give in this chat: \"why does that matter?\"; without it, an "
                                       "`unknown_fact` line")
    all_said: List[Line] = Field(
        ["I think I've told you what matters. What can you do for me?",
         "That's the whole picture, really. Over to you."], min_items=1,
        description="an open question once every need is out: the customer has nothing to add and waits for a "
                    "proposal")
    need_unmet: List[Line] | None = Field(
        None, min_items=1, description="an offer while a `required` interest is still unmet: the customer says in "
                                       "words what is missing instead of countering (\"it's not the price, it's the "
                                       "contract length\"); may use `{price}` and `{need}` (that interest's "
                                       "description); without it, a `reject` line")
    small_talk: List[Line] = Field(
        ["Fine, thanks. Busy as ever.", "Not bad, thanks. Anyway, about the price..."], min_items=1,
        description="a friendly question about nothing in the deal (the weekend, the weather): a short answer, "
                    "and no need comes out")
    asked_again: List[Line] = Field(
        ["You asked me that already.", "I told you that a minute ago.", "We've been through that."], min_items=1,
        description="the rep asks again for a fact the customer already told or a need already out; said before "
                    "the answer again")
    wrong_summary: List[Line] = Field(
        ["Not quite, no.", "No, that's not what I said.", "That's not it, actually."], min_items=1,
        description="a summary that gets the customer wrong (says the opposite of one of their needs, or that it "
                    "is only about the price once they told more): a \"not quite\", said before the need it got "
                    "wrong, in the customer's words")
    wrong_figure: List[Line] = Field(
        ["{said}? I never said {said}.", "Where did {said} come from? I didn't say that.",
         "Hang on, I never mentioned {said}."], min_items=1,
        description="a summary that puts a figure in the customer's mouth they never said (their walk-away "
                    "price, a rival's quote they kept to themselves): corrected, not confirmed; may use `{said}` "
                    "(the figure)")
    non_apology: List[Line] = Field(
        ["That's not really an apology, is it?", "Sorry I feel that way? The quote did this, not me.",
         "I don't need you to be sorry about my feelings. I need you to look at the price."], min_items=1,
        description="an apology for the customer's reaction, not for anything the company did (\"I'm sorry you "
                    "feel that way\"): the customer answers the tone")
    thinking: List[Line] = Field(
        ["Well?", "Take your time. I'm listening.", "Go on, I'm waiting."], min_items=1,
        description="a thinking noise on its own (\"hmm\", \"🤔\", \"let me think\"): the customer waits for "
                    "the answer")


class Story(Schema):
    """A Rasa story: an example conversation for the dialogue model, written as moves and actions."""

    story: Text = Field(..., description="a name saying what happens, e.g. 'charlie accepts a fair offer'")
    steps: List[Dict[str, Any]] = Field(..., min_items=1, description="`- intent: <move>` then `- action: "
                                                                      "action_customer_turn`, repeated")


def format_money(currency: str, value: float) -> str:
    """An amount as the trainee reads it: $23, $23.50, $3,600."""
    text = f"{value:,.2f}"
    return currency + (text[:-3] if text.endswith(".00") else text)


class Persona(Schema):
    """One customer the trainee can practise with."""

    id: Ident = Field(..., description="stable id used by /start_session and the `persona` slot; name the file "
                                       "`<id>.yml`")
    name: Text = Field(..., description="the customer's name; `{name}` in any line")
    title: Text = Field(..., description="one line for the persona picker and the briefing")
    default_difficulty: Difficulty = Field("normal", description="level used when the trainee does not choose one")
    briefing: Briefing = Field(..., description="what the trainee reads first")
    company: Company = Field(..., description="the company's bargaining parameters")
    opening: List[Line] = Field(..., min_items=1, description="the customer's first line (one is picked; a line "
                                                              "may name a `mood`, which the difficulty's starting "
                                                              "trust sets)")
    hidden: Hidden = Field(..., description="hidden parameters at 'normal' difficulty")
    interests: List[Interest] = Field(..., min_items=1, description="the needs behind the customer's position")
    reactions: Reactions = Field(..., description="per move, per mood, what the customer may say")
    lines: Lines = Field(..., description="lines for offers, walking away and sympathy fatigue")
    facts: List[Fact] = Field(default_factory=list, description="answers to factual questions; the monthly volume "
                                                                "and the previous price are answered from the "
                                                                "briefing without an entry")
    phrases: Phrases = Field(default_factory=Phrases, description="domain words: per move, phrases that mean it "
                                                               "in this customer's world")
    stories: List[Story] = Field(default_factory=list, description="Rasa stories for this persona (each starts "
                                                                   "after the session start)")
    difficulty: DifficultyLevels = Field(default_factory=DifficultyLevels, description="per-level overrides")
    rubric: Ident = Field("default", description="the scoring rubric (`rubrics/<name>.yml`): which criteria count, "
                                                 "their weights, the pass mark and the advice")

    @root_validator(skip_on_failure=True)
    def coherent(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        found = coherence_problems(values) + story_problems(values.get("stories") or [])
        if found:
            raise ValueError("; ".join(f"{_field_name(loc)}: {message}" for loc, message in found))
        return values

    # -- derived values -------------------------------------------------------------------------
    def parameters(self, difficulty: str | None = None) -> Parameters:
        """Hidden parameters at a difficulty: built-in adjustments, then the file's overrides."""
        return parameters_at(self.hidden, self.briefing.list_price, self.company.floor_price,
                             self.difficulty, difficulty or self.default_difficulty, len(self.interests))

    def money(self, value: float) -> str:
        return format_money(self.briefing.currency, value)

    def tradable(self, tradable_id: str) -> Tradable | None:
        return next((t for t in self.company.tradables if t.id == tradable_id), None)


SECTIONS: Tuple[type, ...] = (Persona, Briefing, Company, Tradable, Hidden, Interest, Reactions, MoodLines, Lines,
                              ReplyLine, When,
                              Phrases, Story, DifficultyLevels, Overrides)


# -- difficulty ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameters:
    """The hidden parameters in force for one session."""

    reservation_price: float
    trust: int
    patience: int
    accept_trust: int
    empathy_needed: int
    explore_needed: int = 0


@dataclass(frozen=True)
class Adjustment:
    """How a level moves one hidden parameter away from the file's value (which is 'normal')."""

    easy: float
    hard: float
    unit: str
    easier: int  # +1: a higher value makes the customer easier to win; -1: a lower one does


# The built-in adjustments; a file's `difficulty:` section overrides any of them.
ADJUSTMENTS: Dict[str, Adjustment] = {
    "reservation_price": Adjustment(+0.05, -0.05, "of the list price", +1),
    "trust": Adjustment(+15, -15, "points", +1),
    "patience": Adjustment(+3, -2, "", +1),
    "accept_trust": Adjustment(-10, +10, "points", -1),
    "empathy_needed": Adjustment(-1, +1, "", -1),
    "explore_needed": Adjustment(-1, +1, "", -1),
}
# Difficulty is a slope, not a cliff: what one misstep (an ultimatum) costs the customer's trust and patience
# in the engine, and so the least a customer starts with at any level, so that one misstep never ends a
# session on its own and the trainee can still recover.
MISSTEP_TRUST, MISSTEP_PATIENCE = 15, 2
START_TRUST_FLOOR, START_PATIENCE_FLOOR = MISSTEP_TRUST + 5, MISSTEP_PATIENCE + 1


def parameters_at(hidden: Hidden, list_price: float, floor: float, levels: DifficultyLevels, level: str,
                  interests: int) -> Parameters:
    if level not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {level!r}; choose one of {', '.join(DIFFICULTIES)}")
    step = None if level == "normal" else level  # 'normal' is the file's `hidden` values as written

    override = getattr(levels, level, None)
    chosen = override.dict(exclude_none=True) if override else {}

    def moved(name: str) -> float:  # the file's override for this level, else the built-in adjustment
        if name in chosen:
            return chosen[name]
        base = getattr(hidden, name)
        return base if step is None else base + getattr(ADJUSTMENTS[name], step) * (
            list_price if name == "reservation_price" else 1)

    # the documented limits hold whichever way a value was reached
    return Parameters(
        # never below the customer's own alternative: paying less to stay than to leave and still refusing is no
        # customer at all (a built-in 'hard' step would otherwise take Charlie's $23 under his $22.50 quote)
        reservation_price=round(min(list_price, max(floor, hidden.batna_price or 0, moved("reservation_price"))), 2),
        trust=int(max(START_TRUST_FLOOR, min(100, moved("trust")))),
        patience=int(max(START_PATIENCE_FLOOR, min(30, moved("patience")))),
        accept_trust=int(max(0, min(100, moved("accept_trust")))),
        empathy_needed=int(max(0, moved("empathy_needed"))),
        explore_needed=int(max(0, min(interests, moved("explore_needed")))),
    )


# -- checks across fields --------------------------------------------------------------------------
PLACEHOLDERS = {"name", "currency", "unit", "product", "list_price"}
FACT_PLACEHOLDERS = {"volume", "previous_price"}
LINE_PLACEHOLDERS = {"accept": {"price"}, "counter": {"price", "counter"}, "push_for_more": {"price", "counter"},
                     "counter_first": {"price", "counter"}, "same_offer": {"price", "counter"},
                     "reject": {"price"}, "reject_unacknowledged": {"price"}, "reject_unheard": {"price"},
                     "need_unmet": {"price", "need"},
                     "goodbye": {"price"}, "went_back": {"price", "previous"}, "reneged": {"price"},
                     "misquoted": {"price", "said"}, "sour_goodbye": {"price"}, "wrong_figure": {"said"}}


def coherence_problems(values: Dict[str, Any]) -> List[Tuple[Tuple[Any, ...], str]]:
    """Problems between fields, on whatever parts of a persona validated on their own."""
    found: List[Tuple[Tuple[Any, ...], str]] = []
    briefing, company, hidden = values.get("briefing"), values.get("company"), values.get("hidden")
    interests: List[Interest] | None = values.get("interests")  # None when they did not validate
    list_price = briefing.list_price if briefing else None
    if company and list_price is not None and company.floor_price > list_price:
        found.append((("company", "floor_price"), f"the floor price ({company.floor_price:g}) is above "
                      f"briefing.list_price ({list_price:g}); the lowest price the rep may offer must be at or "
                      "below the current price"))
    if hidden and list_price is not None and hidden.reservation_price > list_price:
        found.append((("hidden", "reservation_price"), f"the reservation price ({hidden.reservation_price:g}) is "
                      f"above briefing.list_price ({list_price:g}): the customer would happily pay the price as it "
                      "is, so there is nothing to negotiate"))
    elif hidden and company and hidden.reservation_price < company.floor_price:
        found.append((("hidden", "reservation_price"), f"the reservation price ({hidden.reservation_price:g}) is "
                      f"below company.floor_price ({company.floor_price:g}): no price the rep may offer would ever "
                      "be accepted"))

    if hidden and hidden.batna_price is not None and hidden.reservation_price < hidden.batna_price:
        found.append((("hidden", "reservation_price"), f"the reservation price ({hidden.reservation_price:g}) is below "
                      f"hidden.batna_price ({hidden.batna_price:g}): the customer would refuse to stay for less than "
                      "their alternative costs"))

    tradable_ids = [t.id for t in company.tradables] if company else []
    for i, t_id in _duplicates(tradable_ids):
        found.append((("company", "tradables", i, "id"), f"'{t_id}' is used by two tradables; ids must differ"))
    for i, i_id in _duplicates([x.id for x in interests or []]):
        found.append((("interests", i, "id"), f"'{i_id}' is used by two interests; ids must differ"))
    for i, interest in enumerate(interests or []):
        loc = ("interests", i)
        blocked = [m.value for m in interest.revealed_by if m.value in NEVER_REVEAL]
        if blocked and len(blocked) == len(interest.revealed_by):
            found.append((loc + ("revealed_by",), f"only {', '.join(blocked)}, which never bring an interest out "
                          "(a customer does not open up to refusals, pressure or small talk), so nothing can reveal "
                          "this interest; use moves like open_question, summary or empathy"))
        elif blocked:
            for j, move in enumerate(interest.revealed_by):
                if move.value in NEVER_REVEAL:
                    found.append((loc + ("revealed_by", j), f"{move.value} never brings an interest out; remove it"))
        if company is not None:
            for j, name in enumerate(interest.satisfied_by):
                if name not in tradable_ids and name not in MOVES:
                    hint = _did_you_mean(name, tradable_ids + list(MOVES))
                    found.append((loc + ("satisfied_by", j), f"'{name}' is neither a tradable "
                                  f"({', '.join(tradable_ids) or 'none defined'}) nor a move{hint}"))
        if interest.worth > 0 and not interest.satisfied_by:
            found.append((loc + ("worth",), "is more than 0 but nothing satisfies this interest (satisfied_by is "
                          "empty), so the worth could never count"))

    if hidden and company and briefing and interests is not None:
        levels = values.get("difficulty") or DifficultyLevels()
        found.extend(_difficulty_problems(hidden, briefing.list_price, company.floor_price, levels, len(interests)))
    found.extend(_placeholder_problems(values))
    found.extend(_reply_line_problems(values))
    return found


def _difficulty_problems(hidden: Hidden, list_price: float, floor: float, levels: DifficultyLevels,
                         interests: int) -> List[Tuple[Tuple[Any, ...], str]]:
    found: List[Tuple[Tuple[Any, ...], str]] = []
    for level in DIFFICULTIES:
        override = getattr(levels, level)
        price = override.reservation_price if override else None
        if price is not None and price > list_price:
            found.append((("difficulty", level, "reservation_price"), f"{price:g} is above briefing.list_price "
                          f"({list_price:g}); the customer would pay the price as it is"))
        elif price is not None and price < floor:
            found.append((("difficulty", level, "reservation_price"), f"{price:g} is below company.floor_price "
                          f"({floor:g}); no price the rep may offer would be accepted"))
        if price is not None and hidden.batna_price is not None and price < hidden.batna_price:
            found.append((("difficulty", level, "reservation_price"), f"{price:g} is below hidden.batna_price "
                          f"({hidden.batna_price:g}); the customer would refuse to stay for less than leaving costs"))
        explore = override.explore_needed if override else None
        if explore is not None and explore > interests:
            found.append((("difficulty", level, "explore_needed"), f"{explore} is more than the {interests} "
                          "interest(s) this persona has"))
    if hidden.explore_needed > interests:
        found.append((("hidden", "explore_needed"), f"{hidden.explore_needed} is more than the {interests} "
                      "interest(s) this persona has, so no offer could ever be accepted"))
    if found:
        return found
    at = {level: parameters_at(hidden, list_price, floor, levels, level, interests) for level in DIFFICULTIES}
    for easier, harder in (("easy", "normal"), ("normal", "hard")):
        changed = False
        for name, adj in ADJUSTMENTS.items():
            a, b = getattr(at[easier], name), getattr(at[harder], name)
            changed = changed or a != b
            if (a - b) * adj.easier < 0:
                where = harder if getattr(levels, harder) and getattr(getattr(levels, harder), name) is not None \
                    else easier
                found.append((("difficulty", where, name), f"makes '{easier}' harder than '{harder}' ({name} "
                              f"{a:g} on {easier}, {b:g} on {harder}); each level must be at least as hard as the "
                              "one before"))
        if not changed:
            found.append((("difficulty", harder), f"'{harder}' ends up exactly like '{easier}'; the overrides cancel "
                          "the built-in adjustments, so the level would change nothing"))
    return found


def _placeholder_problems(values: Dict[str, Any]) -> List[Tuple[Tuple[Any, ...], str]]:
    found: List[Tuple[Tuple[Any, ...], str]] = []

    def check(loc: Tuple[Any, ...], texts: Iterable[Any], allowed: set) -> None:
        for j, line in enumerate(texts):
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(text(line)) if f is not None}
            except ValueError:
                found.append((loc + (j,) + (() if isinstance(line, str) else ("say",)), "has a lone '{' or '}'; "
                              "placeholders look like {price}, and a brace on its own is written {{ or }}"))
                continue
            unknown = sorted(n for n in names if n not in allowed)
            if unknown:
                found.append((loc + (j,) + (() if isinstance(line, str) else ("say",)),
                              f"uses {', '.join('{' + n + '}' for n in unknown)}, which is not filled in "
                              f"here; this line may use {', '.join('{' + n + '}' for n in sorted(allowed))}"))

    check(("opening",), values.get("opening") or [], PLACEHOLDERS)
    for i, interest in enumerate(values.get("interests") or []):
        check(("interests", i, "reveal"), interest.reveal, PLACEHOLDERS)
    reactions = values.get("reactions")
    if reactions is not None:
        for move in MOVES:
            for mood in MOODS:
                check(("reactions", move, mood), reactions[move][mood], PLACEHOLDERS)
    for i, fact in enumerate(values.get("facts") or []):
        check(("facts", i, "answer"), fact.answer, PLACEHOLDERS | FACT_PLACEHOLDERS)
    lines = values.get("lines")
    if lines is not None:
        for name in Lines.__fields__:
            check(("lines", name), getattr(lines, name) or [], PLACEHOLDERS | LINE_PLACEHOLDERS.get(name, set()))
    return found


def reply_pools(values: Dict[str, Any]) -> List[Tuple[Tuple[Any, ...], List[Any]]]:
    """Every reply pool of a persona (its validated parts), with its place in the file: `opening`,
    `reactions.<move>.<mood>`, `lines.<category>` (a category left out is not listed)."""
    pools: List[Tuple[Tuple[Any, ...], List[Any]]] = []
    if values.get("opening"):
        pools.append((("opening",), list(values["opening"])))
    reactions = values.get("reactions")
    if reactions is not None:
        pools += [(("reactions", move, mood), reactions[move][mood]) for move in MOVES for mood in MOODS]
    lines = values.get("lines")
    if lines is not None:
        pools += [(("lines", name), list(getattr(lines, name))) for name in Lines.__fields__ if getattr(lines, name)]
    return pools


def _reply_line_problems(values: Dict[str, Any]) -> List[Tuple[Tuple[Any, ...], str]]:
    """Conditioned lines that could never be said, or a list with no line for when no condition fits."""
    found: List[Tuple[Tuple[Any, ...], str]] = []
    interests = values.get("interests")
    ids = [i.id for i in interests] if interests is not None else None
    for loc, pool in reply_pools(values):
        conditioned = [(j, line) for j, line in enumerate(pool) if not isinstance(line, str) and line.when]
        if conditioned and len(conditioned) == len(pool):
            found.append((loc, "every line here has a `when`, so when none fits the customer would have nothing "
                               "fitting to say; add at least one plain line as the fallback"))
        for j, line in conditioned:
            when = line.when
            for key in ("revealed", "satisfied"):
                for n, interest in enumerate(getattr(when, key) or []):
                    if ids is not None and interest not in ids:
                        found.append((loc + (j, "when", key, n), f"'{interest}' is not an interest of this persona"
                                      f"{_did_you_mean(interest, ids)} (interests: {', '.join(ids)})"))
            moods = {m.value for m in when.mood or []}
            if loc[0] == "reactions" and moods and loc[2] not in moods:
                found.append((loc + (j, "when", "mood"), f"the line is listed under '{loc[2]}' but asks for mood "
                              f"{', '.join(sorted(moods))}, so it could never be said; move it or drop the mood"))
            both = {str(getattr(x, "value", x)) for x in when.rep_did or []} & \
                {str(getattr(x, "value", x)) for x in when.rep_did_not or []}
            if both:
                found.append((loc + (j, "when"), f"names {', '.join(sorted(both))} under both rep_did and "
                              "rep_did_not, so it could never be said"))
    return found


MIN_LINES = 3  # lines per reply category for `parley personas check` to stay quiet (a session then rarely repeats)


def coverage_warnings(persona: Persona, minimum: int = MIN_LINES) -> List[Tuple[Tuple[Any, ...], str]]:
    """Reply categories a persona never covers (left to the built-in lines) or covers with fewer than
    `minimum` lines; (place in the file, message), for warnings. Optional categories that fall back on
    another (`reject_unacknowledged`, `reject_unheard`, `need_unmet`) count only when written, except
    `need_unmet` for a persona with a `required` interest."""
    found: List[Tuple[Tuple[Any, ...], str]] = []
    written = persona.lines.__fields_set__
    for name, field in Lines.__fields__.items():
        pool = getattr(persona.lines, name)
        optional_fallback = not field.required and field.default is None
        if name not in written and not (name == "need_unmet" and any(i.required for i in persona.interests)):
            if not optional_fallback:
                found.append((("lines",), f"`lines.{name}` is not written, so {persona.name} says the built-in "
                              f"lines there ({field.field_info.description}); write at least {minimum} in "
                              f"{persona.name}'s words"))
            continue
        if name not in written:
            found.append((("lines",), f"`lines.{name}` is not written, but an interest is `required`; write at least "
                          f"{minimum} lines"))
            continue
        if len(pool or []) < minimum:
            found.append((("lines", name), f"has {len(pool or [])} line(s); write at least {minimum}, so a session "
                          "does not repeat itself"))
    for move in MOVES:
        for mood in MOODS:
            pool = persona.reactions[move][mood]
            if len(pool) < minimum:
                found.append((("reactions", move, mood), f"has {len(pool)} line(s); write at least {minimum}, so "
                              "a session does not repeat itself"))
    return found


def coverage_problems(path: Path, persona: Persona, minimum: int = MIN_LINES) -> List[Problem]:
    """`coverage_warnings` with the file, line and field of each, for `parley personas check`."""
    lines = _line_map(read_text(path))[0]
    return [Problem(display_path(path), _line_for(loc, lines), _field_name(loc), message)
            for loc, message in coverage_warnings(persona, minimum)]


def _duplicates(items: List[str]) -> List[Tuple[int, str]]:
    seen: set = set()
    out = []
    for i, item in enumerate(items):
        if item in seen:
            out.append((i, item))
        seen.add(item)
    return out


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


# -- stories ---------------------------------------------------------------------------------------
def story_problems(stories: List[Story]) -> List[Tuple[Tuple[Any, ...], str]]:
    """Stories may only name moves, the session intents and Parley's actions, in an order the rules allow."""
    intents = set(MOVES) | set(SESSION_INTENTS)
    found: List[Tuple[Tuple[Any, ...], str]] = []
    for i, story in enumerate(stories):
        expected_action: str | None = None  # what data/rules.yml makes Rasa do after the last intent
        for j, step in enumerate(story.steps):
            loc = ("stories", i, "steps", j)
            kinds = [k for k in ("intent", "action", "slot_was_set") if k in step]
            unknown = sorted(set(step) - {"intent", "action", "slot_was_set"})
            if unknown:
                found.append((loc + (unknown[0],), f"a story step has 'intent:', 'action:' or 'slot_was_set:', not "
                              f"'{unknown[0]}'{_did_you_mean(unknown[0], ['intent', 'action', 'slot_was_set'])}"))
                continue
            if len(kinds) != 1:
                found.append((loc, "a story step needs exactly one of 'intent:', 'action:' or 'slot_was_set:'"))
                continue
            kind, value = kinds[0], step[kinds[0]]
            if kind == "intent":
                if not isinstance(value, str) or value not in intents:
                    found.append((loc + ("intent",), f"'{value}' is not a move{_did_you_mean(value, intents)} "
                                  f"(moves: {', '.join(MOVES)})"))
                    expected_action = None
                    continue
                if expected_action:
                    found.append((loc + ("intent",), f"two trainee moves in a row: after the previous intent the "
                                  f"story needs '- action: {expected_action}'"))
                expected_action = ACTION_AFTER.get(value, "action_customer_turn")
            elif kind == "action":
                if not isinstance(value, str) or value not in STORY_ACTIONS:
                    what = "a response" if isinstance(value, str) and value.startswith("utter_") else "an action"
                    found.append((loc + ("action",), f"'{value}' is not {what} a persona story can use; Parley has "
                                  f"no utter_ responses, the customer speaks through action_customer_turn "
                                  f"(actions: {', '.join(STORY_ACTIONS)})"))
                elif expected_action and value != expected_action:
                    found.append((loc + ("action",), f"after that intent Parley always runs {expected_action} "
                                  f"(data/rules.yml), so '{value}' here would contradict the rules"))
                expected_action = None
            else:
                entries = value if isinstance(value, list) else [value]
                for entry in entries:
                    if not isinstance(entry, dict):
                        found.append((loc + ("slot_was_set",), "must be a list of 'slot: value' entries"))
                        continue
                    for slot in entry:
                        if slot not in STORY_SLOTS:
                            found.append((loc + ("slot_was_set",), f"'{slot}' is not a slot "
                                          f"(slots: {', '.join(STORY_SLOTS)})"))
        if expected_action:
            last = len(story.steps) - 1
            found.append((("stories", i, "steps", last), f"the story ends on a trainee move; add "
                          f"'- action: {expected_action}' after it"))
    return found


# -- loading with file / line / field errors -----------------------------------------------------
@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PersonaError(Exception):
    """Every problem found, so a trainer can fix them all in one go."""

    def __init__(self, problems: List[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def report(self) -> str:
        files = len({p.file for p in self.problems})
        head = f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)} in {files} persona " \
               f"file{'s' * (files != 1)}:"
        return "\n".join([head] + [f"  {p}" for p in self.problems])


def display_path(path: Path | str) -> str:
    """A path as the trainer would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


def _model_at(loc: Tuple[Any, ...], root: type | None = None) -> Tuple[type | None, str | None]:
    """The schema section that holds the last field of `loc`, and that field's name."""
    model: Any = root or Persona
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.__fields__.get(part)
        inner = field.type_ if field is not None else None
        if typing.get_origin(inner) is Union:  # a reply line: text or a section; the section has fields
            inner = next((t for t in typing.get_args(inner) if isinstance(t, type) and issubclass(t, BaseModel)),
                         None)
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    last = loc[-1] if loc else None
    return model, last if isinstance(last, str) else None


def _value_at(data: Any, loc: Tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _plain(error: Dict[str, Any], loc: Tuple[Any, ...], data: Any, root: type | None = None) -> str:
    """A pydantic error in words a trainer understands."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    model, name = _model_at(loc, root)
    field = model.__fields__.get(name) if model is not None and name else None
    value = _value_at(data, loc)
    about = f": {field.field_info.description}" if field is not None and field.field_info.description else ""
    if kind == "value_error.missing":
        return f"is missing; it is required{about}"
    if kind == "value_error.extra":
        parent = loc[:-1]
        if parent == ("reactions",):
            return f"is not a move{_did_you_mean(name or '', MOVES)} (moves: {', '.join(MOVES)})"
        if len(parent) == 2 and parent[0] == "reactions":
            return f"is not a mood{_did_you_mean(name or '', MOODS)} (moods: {', '.join(MOODS)})"
        if parent == ("phrases",):
            return f"is not a move{_did_you_mean(name or '', MOVES)} (moves: {', '.join(MOVES)})"
        if parent == ("difficulty",):
            return f"is not a difficulty level (levels: {', '.join(DIFFICULTIES)})"
        here = sorted(model.__fields__) if model is not None else []
        return f"is not a field here{_did_you_mean(name or '', here)}; fields here: {', '.join(here)}"
    if kind == "type_error.none.not_allowed":
        return "is empty; write a value after the colon, or remove the line if the field is optional"
    if kind == "type_error.str":
        return (f"must be text, not {_yaml_kind(value)}; put it in quotes" if value is not None
                else "must be text")
    if kind in {"type_error.float", "type_error.integer"} and isinstance(value, str) and \
            re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", value):
        return f"must be a number, not text: remove the quotes around {value!r}"
    if kind == "type_error.float":
        return f"must be a number like 25 or 22.5 (no currency sign or words){_got(value)}"
    if kind == "type_error.integer":
        return f"must be a whole number like 30{_got(value)}"
    if kind == "type_error.bool":
        return f"must be yes or no (true or false){_got(value)}"
    if kind == "type_error.list":
        return f"must be a list: one '- ' line per item, or [a, b] on one line{_got(value)}"
    if kind in {"type_error.dict", "type_error.mapping"}:
        return f"must be a section of 'key: value' lines{_got(value)}"
    if kind == "type_error.enum" and model is When or (loc[-2:-1] and loc[-2] in When.__fields__):
        where = loc[-2] if isinstance(loc[-1], int) else loc[-1]
        whole = _value_at(data, loc[:-1])
        value = whole if isinstance(whole, str) else value  # `mood: opne` is read as [opne], not letters
        if where == "mood":
            return f"'{value}' is not a mood{_did_you_mean(str(value), MOODS)} (moods: {', '.join(MOODS)})"
        if where in {"rep_did", "rep_did_not"}:
            known = list(MOVES) + [f.value for f in SessionFact]
            return (f"'{value}' is not a move or a named fact{_did_you_mean(str(value), known)} (moves: "
                    f"{', '.join(MOVES)}; named facts: {', '.join(f.value for f in SessionFact)})")
    if kind == "type_error.enum":
        return f"'{value}' is not a move{_did_you_mean(str(value), MOVES)} (moves: {', '.join(MOVES)})"
    if kind == "value_error.const":
        permitted = ", ".join(str(v) for v in ctx.get("permitted", ()))
        return f"must be one of {permitted}{_got(value)}"
    if kind.startswith("value_error.list.min_items"):
        if name == "revealed_by":
            return ("is empty, so nothing can ever reveal this interest; list the moves that bring it out, "
                    "e.g. [open_question, summary]")
        return "is empty; it needs at least one line" if model in (MoodLines, Lines) or name in {
            "opening", "reveal"} else "must not be empty"
    if kind == "value_error.str.regex":
        return f"'{value}' must be lower_case_with_underscores and start with a letter, e.g. free_shipping"
    if kind == "value_error.any_str.min_length":
        return "is empty; write some text"
    limit = ctx.get("limit_value")
    if kind == "value_error.number.not_le" and name in {"min_trust", "accept_trust"}:
        return f"is {value}, but trust only goes from 0 to 100, so no trust level can reach it"
    if kind == "value_error.number.not_gt":
        return f"must be more than {limit}{_got(value)}"
    if kind == "value_error.number.not_ge":
        return f"must be at least {limit}{_got(value)}"
    if kind == "value_error.number.not_le":
        return f"must be at most {limit}{_got(value)}"
    return error.get("msg", "is not valid")


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"yes/no ({str(value).lower()}; YAML reads yes, no, on, off, true and false that way)"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, dict):
        if any("\u201c" in str(k) or "\u201d" in str(k) for k in value):
            return ("a section of key: value lines: the line is in curly quotes (\u201c \u201d), which YAML does not "
                    "treat as quotes; use straight quotes (\")")
        return "a section of key: value lines (a line starting with { or containing ': ' needs quotes)"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _got(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return f"; it says {value!r}" if isinstance(value, str) else f"; it says {value}"


def _line_map(text: str) -> Tuple[Dict[Tuple[Any, ...], int], List[Tuple[int, str]]]:
    """YAML path -> 1-based line, and keys written twice in one section (line, message)."""
    lines: Dict[Tuple[Any, ...], int] = {}
    twice: List[Tuple[int, str]] = []

    def walk(node: yaml.Node, path: Tuple[Any, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: Dict[Any, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if key.value in seen:
                    twice.append((line, f"'{key.value}' is written twice in the same section (first on line "
                                        f"{seen[key.value]}); the second one would silently replace the first"))
                    continue
                seen[key.value] = line
                lines[path + (key.value,)] = line
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines, twice


def _line_for(loc: Tuple[Any, ...], lines: Dict[Tuple[Any, ...], int]) -> int:
    loc = tuple(p for p in loc if p != "__root__")
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _field_name(loc: Tuple[Any, ...]) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in loc if p != "__root__"]
    return ".".join(parts).replace(".[", "[")


def _yaml_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if "while parsing a flow" in str(getattr(exc, "context", "")) and getattr(exc, "context_mark", None):
        mark = exc.context_mark  # an unclosed [ or {: point at the line that opened it
    line = mark.line + 1 if mark else 0
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    detail = " ".join(str(x) for x in (getattr(exc, "context", None), getattr(exc, "problem", None)) if x) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(exc):
        tag = re.search(r"tag '([^']+)'", str(exc))
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "here"
        detail = (f"uses the YAML tag {name}; tags such as !!python/object could run code or build objects, so "
                  "they are not allowed in persona files")
    elif "\t" in source[: len(source) - len(source.lstrip())] or "'\\t'" in detail:
        detail = "a tab is used to indent; indent with spaces only"
    elif re.match(r"\s*(-\s+)?\{|\s*[\w]+:\s+\{", source):  # "- {price} works" or "accept: {price} works"
        detail = "a line that starts with { (such as {price} ...) must be put in quotes"
    elif re.match(r"\s*-\s+[^\"']*:\s", source):  # "- Look: {price} is too much": prose with a colon in it
        detail = "a ': ' inside a line reads as a new field; put the whole line in quotes"
    elif re.match(r"\s*[\u201c\u201d]", source.lstrip("- ")):
        detail = ("the line is in curly quotes (\u201c \u201d), which YAML does not treat as quotes; use straight "
                  "quotes (\")")
    elif "could not find expected ':'" in detail and getattr(exc, "context_mark", None):
        line = exc.context_mark.line + 1  # the line the field began on, not where the scanner gave up
        source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        detail = f"'{source.split(' #')[0].strip()}' needs a ':' after the field name (e.g. 'patience: 5')"
    elif "while scanning a quoted scalar" in detail and getattr(exc, "context_mark", None):
        line = exc.context_mark.line + 1
        detail = "a quote opened on this line is never closed"
    elif "expected <block end>" in detail:
        lines = text.splitlines()
        above = [n for n in range(max(0, line - 12), line) if n < len(lines) and lines[n].strip()]
        unclosed = [n for n in above if lines[n].count('"') % 2 == 1]
        odd = [n for n in above[-2:] if (len(lines[n]) - len(lines[n].lstrip(" "))) % 2 == 1]
        if unclosed:  # YAML notices an unclosed quote only lines later
            line, detail = unclosed[-1] + 1, 'a quote (") opened on this line is never closed'
        else:
            def indent(n: int) -> int:
                return len(lines[n]) - len(lines[n].lstrip(" "))
            # a field pulled too far left sits between two lines indented deeper than it
            dedented = [n for n in above[-2:] if 0 < n < len(lines) - 1 and lines[n - 1].strip() and
                        indent(n) < indent(n - 1) and indent(n) < indent(n + 1)]
            line = odd[-1] + 1 if odd else dedented[-1] + 1 if dedented else line
            detail = ("this line does not line up with the lines around it: indent it with the same number of "
                      "spaces as the fields next to it")
    elif "mapping values are not allowed" in detail and re.match(r"\s*[a-z_]+:(\s+[^:]*)?$", source.split(" #")[0]):
        # "accept_trust: 55" is a field, not prose: it sits at the wrong depth
        detail = ("this field, or the one above it, does not line up with the fields around it: indent it with "
                  "the same number of spaces as the fields at its level")
    elif "mapping values are not allowed" in detail:
        detail = "a ': ' inside a line reads as a new field; put the whole line in quotes"
    elif "expected a single document" in detail:
        detail = "a persona file holds one persona; remove the extra '---'"
    return Problem(file, line, "", f"not valid YAML: {detail}")


# -- persona files are untrusted input ------------------------------------------------------------
# A trainer's file (or anyone's who can write to personas/) must not stall the server: the limits are
# checked on the raw events of the YAML parser, which cost time in proportion to the file's length,
# before anything is built.  An anchor (&name) used through aliases (*name) is allowed, but what the
# aliases would expand to counts towards MAX_NODES, so a "billion laughs" file is refused in milliseconds.
MAX_BYTES = 96 * 1024  # the seed personas are 10-14 KB; a file this size loads in about a second
MAX_NODES = 20_000  # values in the file once aliases are expanded (a seed persona has about 700)
MAX_DEPTH = 12  # sections inside sections (a seed persona goes 5 deep)
# The limits are checked with libyaml's parser when PyYAML has it (about 40 times faster). The file itself
# is then read with the pure-Python one: its stricter reading (tabs) and its messages are what
# _yaml_problem explains to trainers.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def limit_problems(text: str, file: str) -> List[Problem]:
    """The first limit a file's YAML breaks (size once expanded, depth), as a Problem at its line; [] when none.

    Walks the parser's events only (linear in the text), so it is fast on exactly the files that would
    be slow to load; YAML syntax errors are left to the loader, which explains them better."""
    sizes: List[int] = []  # values counted so far in each open section
    anchors: Dict[str, int] = {}
    opened: List[str | None] = []  # the anchor of each open section
    total = 0
    try:
        for event in yaml.parse(text, Loader=FAST_LOADER):
            line = event.start_mark.line + 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                sizes.append(0)
                opened.append(event.anchor)
                if len(sizes) > MAX_DEPTH:
                    return [Problem(file, line, "", f"sections are nested more than {MAX_DEPTH} deep; a persona "
                                    "file needs 5 or 6 levels at most")]
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                size, anchor = sizes.pop() + 1, opened.pop()
            elif isinstance(event, yaml.ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    continue  # the loader names the undefined alias
                size, anchor = anchors[event.anchor], None
                total += size - 1  # the copy's own values (its first is counted below)
            else:
                continue
            if anchor:
                anchors[anchor] = size
            if sizes:
                sizes[-1] += size
            total += 1
            if total > MAX_NODES:
                how = ("; aliases (*name) copy what an anchor (&name) holds, and copies of copies multiply"
                       if anchors else "")
                return [Problem(file, line, "", f"the file holds more than {MAX_NODES:,} values once read{how}. "
                                "A persona file is a few hundred values: write the lines out instead")]
    except yaml.YAMLError:
        return []
    return []


def read_yaml(text: str, file: str) -> Tuple[Any, Dict[Tuple[Any, ...], int], List[Problem]]:
    """Safely parsed YAML, its line map and the keys written twice; raises PersonaError on bad YAML or on a
    file past the limits (size, values once aliases are expanded, depth), before building anything."""
    if len(text) > MAX_BYTES:
        raise PersonaError([_too_big(file, len(text.encode("utf-8")))])
    limits = limit_problems(text, file)
    if limits:
        raise PersonaError(limits)
    try:
        data = yaml.safe_load(text)
        lines, twice = _line_map(text)
    except yaml.YAMLError as exc:
        raise PersonaError([_yaml_problem(exc, text, file)]) from None
    return data, lines, [Problem(file, line, "", message) for line, message in twice]


def schema_problems(model: type, data: Any, lines: Dict[Tuple[Any, ...], int], file: str,
                    prefix: Tuple[Any, ...] = ()) -> Tuple[Dict[str, Any], List[Problem]]:
    """Validate `data` against a schema section: the values that passed, and a Problem per error."""
    values, _, error = validate_model(model, data)
    problems: List[Problem] = []
    for err in _one_reading(error.errors() if error else [], data):
        loc = tuple(err["loc"])
        if loc == ("__root__",):
            continue  # cross-field checks report themselves with their own places
        problem = Problem(file, _line_for(prefix + loc, lines), _field_name(prefix + loc),
                          _plain(err, loc, data, model))
        if problem not in problems:  # a value two readings refuse alike (a move or a named fact) is said once
            problems.append(problem)
    return values, problems


def _one_reading(errs: List[Dict[str, Any]], data: Any) -> List[Dict[str, Any]]:
    """A reply line may be text or a `say:`/`when:` section, and pydantic reports why each reading failed;
    keep the reading the trainer meant: the section's errors when a section was written, else the text's."""
    kept = []
    for err in errs:
        loc = tuple(err["loc"])
        value = _value_at(data, loc)
        section_written = isinstance(value, dict) and bool(set(value) & set(ReplyLine.__fields__))
        line_at = next((loc[:n] for n in range(len(loc) - 1, 0, -1) if isinstance(loc[n - 1], int) and
                        isinstance(_value_at(data, loc[:n]), dict) and
                        not set(_value_at(data, loc[:n])) & set(ReplyLine.__fields__) and
                        any(tuple(o["loc"]) == loc[:n] and o["type"] == "type_error.str" for o in errs)), None)
        if line_at is not None:
            continue  # "Look: ..." in curly quotes reads as a section, but it was meant as text: the text's error
        if err["type"] == "type_error.str" and section_written and \
                any(tuple(other["loc"])[:len(loc)] == loc and len(other["loc"]) > len(loc) for other in errs):
            continue  # a `say:`/`when:` section, not text that lacks quotes
        if err["type"] in {"type_error.dict", "type_error.mapping"} and not section_written and \
                any(tuple(other["loc"]) == loc and other["type"] == "type_error.str" for other in errs):
            continue  # a number where a line belongs: "put it in quotes" says it
        kept.append(err)
    return kept


def parse_persona(text: str, file: str) -> Persona:
    """Validate one persona file's text; raises PersonaError listing every problem in it."""
    data, lines, problems = read_yaml(text, file)
    if data is None:
        raise PersonaError([Problem(file, 1, "", "the file is empty; `parley personas new <id>` writes a starting "
                                                 "point")])
    if not isinstance(data, dict):
        raise PersonaError([Problem(file, 1, "", "a persona file must be a section of fields (id:, name:, ...), "
                                                 f"not {_yaml_kind(data)}")])
    values, found = schema_problems(Persona, data, lines, file)
    problems += found + _curly_quote_problems(data, lines, file)
    checks = coherence_problems(values)
    if values.get("stories") is not None:
        checks += story_problems(values["stories"])
    for loc, message in checks:
        problems.append(Problem(file, _line_for(loc, lines), _field_name(loc), message))
    if problems:
        raise PersonaError(sorted(problems, key=lambda p: p.line))
    return Persona.parse_obj(data)


def _too_big(file: str, size: int) -> Problem:
    return Problem(file, 1, "", f"the file is {size / 1024:,.0f} KB; a persona file may be at most "
                                f"{MAX_BYTES // 1024} KB (the seed personas are about 13 KB)")


def read_text(path: Path) -> str:
    """A file's text; a file over MAX_BYTES is refused from its size, without being read."""
    with Path(path).open("rb") as f:
        raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            f.seek(0, os.SEEK_END)
            raise PersonaError([_too_big(display_path(path), f.tell())])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PersonaError([Problem(display_path(path), line, "", "is not UTF-8 text (byte "
                                    f"0x{raw[exc.start]:02x}); save the file as UTF-8")]) from None


_CURLY = {"\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c"}


def _curly_quote_problems(data: Any, lines: Dict[Tuple[Any, ...], int], file: str,
                          loc: Tuple[Any, ...] = ()) -> List[Problem]:
    """A line wrapped in curly quotes (\u201c{price} works\u201d) is valid YAML, but the quotes are part of
    the text: the customer would say them, and a placeholder inside would be read as words."""
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _curly_quote_problems(value, lines, file, loc + (key,))]
    if isinstance(data, list):
        return [p for i, value in enumerate(data) for p in _curly_quote_problems(value, lines, file, loc + (i,))]
    if isinstance(data, str) and len(data) > 1 and _CURLY.get(data[0]) == data[-1]:
        return [Problem(file, _line_for(loc, lines), _field_name(loc), f"is wrapped in curly quotes ({data[0]} "
                        f"{data[-1]}), which YAML keeps as part of the text, so the customer would say them; use "
                        "straight quotes (\")")]
    return []


def load_persona(path: Path) -> Persona:
    """One persona file; its name must be its id (`<id>.yml`), which is what /start_session and the
    trainers' tools use to find it."""
    text, file = read_text(path), display_path(path)
    persona = parse_persona(text, file)
    if Path(path).stem != persona.id:
        line = _line_map(text)[0].get(("id",), 1)
        raise PersonaError([Problem(file, line, "id", f"is '{persona.id}' but the file is called "
                                    f"'{Path(path).name}'; name the file after the id ({persona.id}.yml) or change "
                                    f"the id to '{Path(path).stem}', so /start_session and the persona picker "
                                    "agree on its name")])
    return persona


def persona_files(directory: Path = PERSONA_DIR) -> List[Path]:
    """Persona files are the *.yml / *.yaml directly in the folder (sub-folders such as tests/ are not)."""
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_personas(directory: Path = PERSONA_DIR) -> Dict[str, Persona]:
    """All personas in a folder, keyed by id; raises PersonaError with every problem of every file."""
    personas, problems = load_available(directory)
    if problems:
        raise PersonaError(problems)
    return personas


FileKey = Tuple[str, int, int]  # name, mtime (ns), size
ParseCache = Dict[FileKey, Any]  # a file as last read: its Persona or its PersonaError


def _load_cached(path: Path, cache: ParseCache | None) -> Persona:
    """`load_persona`, reusing the last result for a file whose name, mtime and size did not change (a
    reload then reads only the file a trainer saved)."""
    if cache is None:
        return load_persona(path)
    try:
        stat = path.stat()
        key: FileKey | None = (path.name, stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is not None and key in cache:
        found = cache[key]
    else:
        try:
            found = load_persona(path)
        except PersonaError as exc:
            found = exc
        if key is not None:
            cache[key] = found
    if isinstance(found, PersonaError):
        raise found
    return found


def load_available(directory: Path = PERSONA_DIR, cache: ParseCache | None = None
                   ) -> Tuple[Dict[str, Persona], List[Problem]]:
    """The personas that load, and every problem of the files that do not: a running trainer keeps
    serving the good personas while a trainer fixes a broken file (check and train stay strict).
    With a `cache` (the watcher's), unchanged files are not read again."""
    personas: Dict[str, Persona] = {}
    where: Dict[str, str] = {}
    problems: List[Problem] = []
    directory = Path(directory)
    if not directory.is_dir():
        raise PersonaError([Problem(display_path(directory), 0, "", "there is no such persona folder")])
    for path in persona_files(directory):
        try:
            persona = _load_cached(path, cache)
        except PersonaError as exc:
            problems.extend(exc.problems)
            continue
        if persona.id in personas:
            # blame the copy, not the original: the file not named after the id (`<id>.yml`), else the later one
            original, copy = Path(where[persona.id]), path
            if path.stem == persona.id and original.stem != persona.id:
                original, copy = path, original
                personas[persona.id], where[persona.id] = persona, display_path(path)
            line = _line_map(read_text(copy))[0].get(("id",), 1)
            problems.append(Problem(display_path(copy), line, "id", f"'{persona.id}' is already the id of "
                                    f"{display_path(original)}; every persona needs its own id (name the file "
                                    f"after it: <id>.yml)"))
            continue
        same_title = next((p for p in personas.values() if p.title.strip().lower() == persona.title.strip().lower()),
                          None)
        if same_title is not None:
            line = _line_map(read_text(path))[0].get(("title",), 1)
            problems.append(Problem(display_path(path), line, "title", f"'{persona.title}' is already the title of "
                                    f"{where[same_title.id]}; trainees pick a persona by its title, so each needs "
                                    "its own"))
            continue
        personas[persona.id] = persona
        where[persona.id] = display_path(path)
    if not problems and not personas:
        problems.append(Problem(display_path(directory), 0, "", "has no persona files (*.yml); "
                                "`parley personas new <id>` writes one"))
    return personas, problems


class PersonaWatcher:
    """The personas of a folder, reloaded when any persona file is added, removed or edited.

    The action server asks for `current()` on every turn (a few `stat` calls), so a trainer's edit is
    live at the next message without a restart.  A reload never holds up a trainee's turn: the files
    are read on a background thread and the new personas swapped in whole (one assignment) when they
    are ready; `current()` waits at most `wait` seconds for it (enough for an ordinary edit to be live
    on the very next message) and otherwise answers with the last good personas.  A broken file never
    takes the others down: the good personas are served, a persona whose file broke keeps its last good
    version, and the problems are logged once per change and kept in `problems` for the trainer's
    screens.  Only a folder with no loadable persona at all raises (on the first load).
    """

    def __init__(self, directory: Path = PERSONA_DIR, wait: float = 0.5):
        self.directory = Path(directory)
        self.wait = wait
        self.problems: List[Problem] = []  # of the last reload; [] when every file loaded
        self._signature: Tuple[Tuple[str, int, int], ...] | None = None
        self._personas: Dict[str, Persona] | None = None
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self._done = threading.Event()  # set while no reload is under way
        self._done.set()
        self._cache: ParseCache = {}

    def signature(self) -> Tuple[Tuple[str, int, int], ...]:
        out = []
        for path in persona_files(self.directory):
            try:
                stat = path.stat()
            except OSError:
                continue
            out.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(out)

    def current(self) -> Dict[str, Persona]:
        signature = self.signature()
        if self._personas is None:  # the first load is the start-up: nothing to serve before it
            self._reload(signature)
            return self._personas  # type: ignore[return-value]
        if signature != self._signature:
            with self._lock:
                if self._loading is None:
                    self._done.clear()
                    self._loading = threading.Thread(target=self._reload_in_background, args=(signature,),
                                                     name="persona-reload", daemon=True)
                    self._loading.start()
            self._done.wait(self.wait)
        return self._personas

    def reloaded(self, timeout: float = 10) -> Dict[str, Persona]:
        """The personas once any reload under way has finished (for tools and tests)."""
        personas = self.current()
        self._done.wait(timeout)
        return self._personas or personas

    def _reload_in_background(self, signature: Tuple[Tuple[str, int, int], ...]) -> None:
        try:
            self._reload(signature)
        except Exception:  # noqa: BLE001  # keep serving the last good personas whatever happened
            logger.exception("Reloading the persona files failed; serving the last good versions")
            self._signature = signature
        finally:
            with self._lock:
                self._loading = None
            self._done.set()

    def _reload(self, signature: Tuple[Tuple[str, int, int], ...]) -> None:
        cache: ParseCache = {k: v for k, v in self._cache.items() if k in set(signature)}  # files still there
        personas, problems = load_available(self.directory, cache)
        self._cache = cache
        if problems:
            # a persona whose file broke keeps its last good version
            kept = {pid: p for pid, p in (self._personas or {}).items() if pid not in personas}
            personas = {**kept, **personas}
            logger.warning("Some persona files have problems; serving %s.\n%s",
                           ", ".join(sorted(personas)) or "no persona", PersonaError(problems).report())
            if not personas:
                raise PersonaError(problems)
        elif self._personas is not None:
            logger.info("Reloaded persona files: %s", ", ".join(sorted(personas)))
        # swapped in whole: a turn sees the old set or the new one, never half of each
        self._personas, self._signature, self.problems = personas, signature, problems


def describe_adjustments() -> List[Tuple[str, str, str]]:
    """(field, easy, hard) in words, for the docs."""
    def words(value: float, unit: str) -> str:
        return f"{value * 100:+g}% {unit}" if unit == "of the list price" else f"{value:+g} {unit}".strip()

    return [(name, words(adj.easy, adj.unit), words(adj.hard, adj.unit)) for name, adj in ADJUSTMENTS.items()]


