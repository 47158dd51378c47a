"""A persona's reading of a trainee turn: what the engine needs from the words, worked out once per turn.

The move detector (parley/moves.py) knows how reps talk in general; some of what the customer reacts
to depends on the persona: which of its tradables an offer names, which of its needs a question is
about, which of its facts a question asks for, whether a figure put to it matches its briefing.
`read(persona, analysis)` answers all of that from the turn's analysis as one typed `Reading`, so the
engine (parley/engine.py) decides on typed values and never looks at the raw words itself.

Like parley/persona_phrases.py, this is plain Python over the public `Analysis`, and it reads only its typed
values: the question records and words of parley/wording.py (each question's words, flags, figures and counts),
the detections and the amounts. It runs no regular expression over the trainee's text
(tests/core/test_reading.py checks that); persona phrases are matched on the analysis's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Dict, FrozenSet, Sequence, Tuple

import yaml

from parley.amounts import PRICE_ROLES, per_unit
from parley.moves import Analysis
from parley.personas import Persona
from parley.wording import (
    GENERIC,
    GENERIC_STEMS,
    OFFER_MOVES,
    PHRASES,
    Question,
    Word,
    content_words,
    mentions,
    number_after,
    stem,
    vocabulary,
    words_of,
)


class Topic(str, Enum):
    """What an open question or summary asks about."""

    none = "none"  # no words to go by: the deal in general
    deal = "deal"  # something in the deal (maybe one need: see `Reading.need_words`)
    off = "off"  # nothing in the deal at all ("any plans for the holidays?", "what's your accountant's name?")


class AnswerKind(str, Enum):
    """How a factual question is answered."""

    figure = "figure"  # a figure put to the customer, confirmed or corrected: `text` says it
    fact = "fact"  # one of the persona's `facts`: `fact` is its index
    briefing = "briefing"  # from the briefing: `text` is the template
    unknown = "unknown"  # a question for a fact the customer does not know
    private = "private"  # a personal detail ("what's your accountant's name?") the customer won't give here
    either_or = "either_or"  # "is it the price or the delivery?"


@dataclass(frozen=True)
class FactAnswer:
    kind: AnswerKind
    fact: int | None = None  # index into persona.facts
    text: str = ""  # a ready answer (figure) or a template (briefing)
    key: str = ""  # what it is about, to notice it asked again: "volume", "previous_price", "fact:how long"


@dataclass(frozen=True)
class Reading:
    """What the engine needs from one trainee turn, in this persona's world."""

    said_key: int | None = None  # the message's words, to notice the same message sent again
    offer_extras: Tuple[str, ...] = ()  # tradable ids the offer or close sentences name
    gives: bool = False  # the offer sentences use a word that gives ("free", "included", "thrown in")
    topic: Topic = Topic.none  # what an open question or summary asks about
    need_words: Tuple[Tuple[str, int], ...] = ()  # per interest id, how many of its own words the question uses
    small_talk_closed: bool = False  # a closed question about nothing in the deal ("did you catch the game?")
    teaching_fact: int | None = None  # index of a `teaches` fact the question asks for (open or closed)
    answer: FactAnswer | None = None  # the answer to a closed factual question, if it is one
    values: Dict[str, str] = field(default_factory=dict)  # briefing values for fact lines ({volume}...)
    asks: bool = False  # the turn has a question mark ("hi, how are you?" is not a second opening)
    asks_another: bool = False  # "what else matters?": about something not told yet, never a need told before
    names_detail: bool = False  # "what's your monthly fuel spend?": one thing by name, in a need's own words


def read(persona: Persona, analysis: Analysis) -> Reading:
    offering = offer_sentences(analysis)
    answer, teaching = _answer_fact(persona, analysis), _teaching_fact(persona, analysis)
    outside = _outside(persona, analysis) if answer is None and teaching is None else None
    if answer is None and teaching is None and outside in (Outside.detail, Outside.private):
        # "what's RelayDesk's uptime guarantee?": not sure; "what's your CFO's name?": why does that matter?
        answer = FactAnswer(AnswerKind.unknown if outside is Outside.detail else AnswerKind.private)
    if answer is not None and answer.kind is AnswerKind.fact and answer.fact != teaching and \
            answer.fact is not None and teaching is not None and answer.fact < teaching:
        teaching = None  # "when does the RelayDesk quote expire?": the fact listed first for it is the deadline
    return Reading(
        said_key=analysis.said_key,
        offer_extras=mentioned_extras(persona, offering),
        gives=_gives(offering),
        topic=Topic.off if outside is not None else _topic(persona, analysis),
        need_words=_need_words(persona, analysis),
        small_talk_closed=small_talk_question(persona, analysis),
        teaching_fact=teaching,
        answer=answer,
        values=fact_values(persona),
        asks=any("?" in w.text for w in analysis.words),
        names_detail=answer is None and teaching is None and _asks_for_detail(persona, analysis),
        asks_another=bool(_plain(analysis, _ASKING) & _ANOTHER),
    )


# -- totals and the list price -----------------------------------------------------------------------

def unit_prices(persona: Persona, analysis: Analysis) -> Analysis:
    """The analysis with every total that only makes sense as the customer's volume x months read as the unit
    price it stands for: "$38,880 a year" to Morgan (120 vehicles, $30 list) is $27 a vehicle a month
    (parley/amounts.py `per_unit`). The detector knows no volume; the persona does, so this runs per persona,
    before `at_list_price` (a total is never "at or above the list price") and the engine. A persona without a
    `monthly_volume` hears totals as they are."""
    volume = persona.briefing.monthly_volume
    if not volume or not analysis.amounts:
        return analysis
    amounts = tuple(per_unit(a, volume, persona.briefing.list_price) for a in analysis.amounts)
    return analysis if amounts == analysis.amounts else replace(analysis, amounts=amounts)


# -- the list price ----------------------------------------------------------------------------------

def at_list_price(persona: Persona, analysis: Analysis) -> Analysis:
    """The analysis with a 'concession' that gives nothing taken out: "I can do $30 a cartridge" against
    Charlie's $25 list price names a price at or above the one he is asked to pay now, so it concedes
    nothing. The detector knows no list price; the persona does, so this runs per persona (the session core
    applies it with the persona's phrases, before the engine and the evaluator read the turn). A turn left
    with no move restates (or raises) the price: it holds the position, in the same words."""
    if "concession" not in analysis.moves:
        return analysis
    list_price = persona.briefing.list_price
    put = [a for a in analysis.amounts if a.offered is not False]
    prices = [a.value for a in put if a.kind == "money" and a.role in PRICE_ROLES]  # "at £52 a month" too
    cuts = [a for a in put if a.role == "reduction" or a.kind == "percent"]
    if not prices or cuts or min(prices) < list_price:
        return analysis
    held = tuple(replace(d, move="hold_position") for d in analysis.detections if d.move == "concession")
    kept = tuple(d for d in analysis.detections if d.move != "concession")
    moves = tuple(m for m in analysis.moves if m != "concession")
    if not moves or moves == ("other",):
        moves, kept = ("hold_position",), tuple(sorted(kept + held, key=lambda d: d.start))
    return replace(analysis, moves=moves, detections=kept)


def refused_with_an_offer(analysis: Analysis) -> Analysis:
    """The analysis with a refusal that comes with an offer taken out of `hold_position`: "I can't lower the seat
    price, but I can lock $48 for three years" keeps the price and gives something. The detector reads both moves,
    as every labelled file does (the rep did refuse); DESIGN.md's hold_position "refuses without engaging
    interests", and an offer engages them, so the customer does not meet it as a flat no and the coach does not
    count it against collaboration. The session core applies this after `at_list_price` (a price restated at the
    list price next to a free extra offers the extra), before the engine and the evaluator read the turn."""
    if "hold_position" not in analysis.moves or not OFFER_MOVES & set(analysis.moves):
        return analysis
    return replace(analysis, moves=tuple(m for m in analysis.moves if m != "hold_position"),
                   detections=tuple(d for d in analysis.detections if d.move != "hold_position"))


# -- tradables -------------------------------------------------------------------------------------

# said before an extra, these read as "the": "lock that price", "your price lock" (parley/data/wording.yml)
_SAME_AS_THE = frozenset(PHRASES["same_as_the"])


def mentioned_extras(persona: Persona, words: Sequence[Word] | str) -> Tuple[str, ...]:
    """The tradables a turn's words name (`Analysis.words`, or the words of a quote). Keywords match as word
    beginnings ("deliver" in "delivery"); a short one ("AV", "IT") only as a whole word (or its plural), so
    "availability" is not the AV package. Chat shorthand and determiners don't hide a keyword: "3 yrs" reads
    "3 years" (parley/wording.py), "lock that price" "lock the price"."""
    if isinstance(words, str):
        words = words_of(words)
    said = ["the" if w.text in _SAME_AS_THE else w.text for w in words]
    found = []
    for tradable in persona.company.tradables:
        for keyword in tradable.keywords:
            short = len(keyword) <= 3
            if mentions(said, [keyword.lower()] if short else [keyword.lower() + "*"]) or \
                    short and mentions(said, [keyword.lower() + "s"]):
                found.append(tradable.id)
                break
    return tuple(found)


_OFFER_MOVES = {"value_add", "conditional_trade", "concession", "close"}


def offer_sentences(analysis: Analysis) -> Tuple[Word, ...]:
    """The words of the sentences of a turn that carry an offer or a close: an extra named only in a reason
    ("prices rose because shipping went up. I can do $23") is not put on the table."""
    spans = [(d.start, d.end) for d in analysis.detections if d.move in _OFFER_MOVES]
    if not spans:
        return analysis.words  # moves without spans (a transcript scored from its labels): the whole turn
    offering = {w.sentence for w in analysis.words
                if w.sentence >= 0 and any(start < w.end and end > w.start for start, end in spans)}
    return tuple(w for w in analysis.words if w.sentence in offering)


def _gives(words: Sequence[Word]) -> bool:
    """A close names an extra as part of the deal only with a word that gives it: "shall I send it over with free
    shipping included?" ("+" too: "$23 + free shipping"); "are you happy with delivery times?" gives nothing."""
    return mentions([w.text for w in words], PHRASES["gives"]) or any("+" in w.text for w in words)


# -- what a question is about ------------------------------------------------------------------------

# Words of any negotiation, on topic whatever the persona (so not 'off topic' when the persona never says them).
_DEAL_WORDS = vocabulary("deal")
# Small talk: a question about these, and nothing in the deal, is friendly but explores nothing.
_SMALL_TALK = vocabulary("small_talk")
# Details about a person ("what's your accountant's name?"): not something a customer answers in a renewal chat.
_PERSONAL = vocabulary("personal")
_PEOPLE = vocabulary("people")
# "what else matters?": asks for something not told yet, never about a need already told
_ANOTHER = vocabulary("another")


_stem, _words = stem, content_words  # what a persona's text is about, as a question's `content`
_GENERIC, _GENERIC_STEMS = GENERIC, GENERIC_STEMS
_SMALL_TALK_STEMS = _SMALL_TALK | frozenset(_stem(w) for w in _SMALL_TALK)
# words of a deal that small talk uses too: "any plans for the holidays?", "next week"
_WEAK_DEAL_WORDS = frozenset(_stem(w) for w in vocabulary("weak_deal"))


def _is_small_talk(words: frozenset, deal_words: frozenset) -> bool:
    return bool(words & _SMALL_TALK_STEMS) and not (words - _SMALL_TALK_STEMS - _WEAK_DEAL_WORDS) & deal_words


_ASKING = frozenset({"open_question", "summary"})
_ANY_QUESTION = _ASKING | {"closed_question"}
_OPEN = frozenset({"open_question"})
_CLOSED = frozenset({"closed_question"})


def _asked_words(analysis: Analysis, moves: frozenset = _ASKING) -> FrozenSet[str]:
    """What the turn's questions of these moves are about: their content words (`Question.content`)."""
    return frozenset().union(*(q.content for q in analysis.questions(moves)))


def _plain(analysis: Analysis, moves: frozenset) -> FrozenSet[str]:
    """Every word of the turn's questions of these moves, as written (`Question.plain`)."""
    return frozenset().union(*(q.plain for q in analysis.questions(moves)))


def _topic(persona: Persona, analysis: Analysis) -> Topic:
    words = _asked_words(analysis)
    if not words:
        return Topic.none
    # an acknowledgement in the same turn may bring a need out whatever the question is about
    if _is_small_talk(words, _interest_words(persona)[1]) and not set(analysis.moves) & {"empathy", "appreciation"}:
        return Topic.off  # "any plans for the holidays?" is not about planning the budget
    return Topic.deal


def _need_words(persona: Persona, analysis: Analysis) -> Tuple[Tuple[str, int], ...]:
    """Per need, how many of the words only that need uses the question has ("trucks": one need's word)."""
    words = _asked_words(analysis, _ANY_QUESTION)  # "so it's the quarterly budget?" is about a need too
    own = _interest_words(persona)[0]
    return tuple((i.id, len(words & own.get(i.id, frozenset()))) for i in persona.interests)


def small_talk_question(persona: Persona, analysis: Analysis) -> bool:
    """A closed question about nothing in the deal ("did you catch the game last night?")."""
    words = _asked_words(analysis, _CLOSED)
    return bool(words) and _is_small_talk(words, _interest_words(persona)[1])


_TOPICS: Dict[int, Tuple[Persona, Dict[str, frozenset], frozenset]] = {}


def _interest_words(persona: Persona) -> Tuple[Dict[str, frozenset], frozenset]:
    """Per need, the words only that need's description and reveal lines use; and every word of the
    needs, the briefing and any negotiation (worked out once per persona)."""
    known = _TOPICS.get(id(persona))
    if known is None or known[0] is not persona:
        texts = {i.id: _words(i.description + " " + " ".join(i.reveal)) for i in persona.interests}
        # small-talk words never point at a need alone: "how's your week?" is not about "it took weeks"
        chat = _SMALL_TALK_STEMS
        own = {k: v - chat - frozenset().union(*(w for j, w in texts.items() if j != k)) for k, v in texts.items()}
        deal = frozenset().union(*texts.values(), _words(persona.briefing.json()), {_stem(w) for w in _DEAL_WORDS})
        deal -= _words(persona.name)  # "how's your week, Dana?" is still small talk
        known = _TOPICS[id(persona)] = (persona, own, deal)
    return known[1], known[2]


class Outside(str, Enum):
    """How an open question is outside the deal (`_outside`)."""

    private = "private"  # asks for a personal detail: "what's your accountant's name?"
    detail = "detail"  # asks for a thing the customer has no answer to: "what's RelayDesk's uptime guarantee?"
    chat = "chat"  # about something else altogether: "why did the procurement manager cross the road?"


def _known_words(persona: Persona) -> frozenset:
    """Every word the persona's world has: its needs, briefing, facts and tradables, and any negotiation's."""
    known = _KNOWN.get(id(persona))
    if known is None or known[0] is not persona:
        texts = [" ".join(f.about) + " " + " ".join(f.answer) for f in persona.facts]
        texts += [t.label + " " + " ".join(t.keywords) for t in persona.company.tradables]
        known = _KNOWN[id(persona)] = (persona, _interest_words(persona)[1] | _words(" ".join(texts)))
    return known[1]


_KNOWN: Dict[int, Tuple[Persona, frozenset]] = {}


def _outside(persona: Persona, analysis: Analysis) -> Outside | None:
    """An open question about nothing in the deal that no need points at: a detail about a person ("what's the
    name of your managing partner?"), a thing the persona has no word for ("what's RelayDesk's uptime
    guarantee?"), or a question that is not about the customer at all (a joke). Generic on-topic questions
    ("what matters most to you?", "tell me more") have no words left to go by, so they are never outside."""
    asked = analysis.questions(_OPEN)
    if not asked or "summary" in analysis.moves:
        return None
    words = _asked_words(analysis, _OPEN)
    if _is_small_talk(words, _interest_words(persona)[1]):
        return None  # "what are you having for lunch?": small talk, answered as such
    shared = frozenset(_stem(w) for w in _DEAL_WORDS)
    raw = _plain(analysis, _OPEN)
    if raw & _PERSONAL and (raw & _PEOPLE or not words & shared):  # "the name of the plan" is about the plan
        return Outside.private
    own = _interest_words(persona)[0]
    if any(words & w for w in own.values()):
        return None  # "what does the cut mean in practice?" points at a need
    unknown = words - _known_words(persona) - _SMALL_TALK_STEMS
    if not unknown:
        return None
    if any(q.what_is for q in asked):
        return Outside.detail  # "what's your best-selling sofa?": one thing, by a name the customer has no use for
    if any(q.self_answered for q in analysis.questions()):
        return Outside.chat  # "why did the procurement manager cross the road? To get a better quote!"
    return None  # anything else may be on the deal in words this list lacks: the needs answer it


def _asks_for_detail(persona: Persona, analysis: Analysis) -> bool:
    """"What's your monthly fuel spend?": one thing by name, in the words of a need (the customer answers with
    the need when ready to talk about it, else says they don't have it to hand: engine.needs_revealed)."""
    words = _asked_words(analysis, _OPEN)
    return any(q.what_is for q in analysis.questions(_OPEN)) and \
        any(words & w for w in _interest_words(persona)[0].values()) and "summary" not in analysis.moves


# -- facts -------------------------------------------------------------------------------------------

# Facts every persona can answer from its briefing, unless its own `facts` say otherwise, and the lines that
# confirm or correct a figure put to the customer (parley/data/briefing_facts.yml): (key, phrases, answer).
BRIEFING_FACTS_FILE = Path(__file__).resolve().parent / "data" / "briefing_facts.yml"
_BRIEFING = yaml.safe_load(BRIEFING_FACTS_FILE.read_text(encoding="utf-8"))
BRIEFING_FACTS: Tuple[Tuple[str, Tuple[str, ...], str], ...] = tuple(
    (f["key"], tuple(str(p) for p in f["phrases"]), str(f["answer"])) for f in _BRIEFING["facts"])
_FIGURE_LINES: Dict[str, Dict[str, str]] = _BRIEFING["figures"]


def _figure_answer(key: str, agrees: bool, persona: Persona, values: Dict[str, str]) -> FactAnswer:
    """A figure put to the customer, confirmed or corrected, with the real one (parley/data/briefing_facts.yml)."""
    line = _FIGURE_LINES[key]["agrees" if agrees else "corrects"]
    return FactAnswer(AnswerKind.figure, text=line.format(**values, briefing_volume=persona.briefing.volume), key=key)


_SMALL_MOVES = {"greeting", "empathy", "appreciation", "closed_question", "other"}


def _teaching_fact(persona: Persona, analysis: Analysis) -> int | None:
    """A question about a fact the persona `teaches` (one a criterion depends on), asked as an open or a
    closed question; None when the turn asks for none or also offers something."""
    asked = analysis.questions(_OPEN | _CLOSED)
    if not asked or set(analysis.moves) - _SMALL_MOVES - {"open_question", "summary"}:
        return None
    return next((n for n, fact in enumerate(persona.facts)
                 if fact.teaches and any(q.mentions(fact.about) for q in asked)), None)


def fact_key(about: Sequence[str]) -> str:
    """What a persona fact is remembered by once told: its first `about` phrase ("fact:how long"), which
    stays the same when a trainer adds or reorders facts."""
    return f"fact:{about[0].lower()}"


def fact_values(persona: Persona) -> Dict[str, str]:
    """The briefing's values a fact's answer may use: {volume}, {previous_price}..."""
    b = persona.briefing
    counted, plural, subscription = b.counted
    volume = f"{b.monthly_volume:,} {plural}" if b.monthly_volume else ""
    return {"unit": b.unit, "product": b.product, "list_price": persona.money(b.list_price),
            "previous_price": persona.money(b.previous_price) if b.previous_price else "", "volume": volume,
            # asked their limit, a customer anchors on what they paid before (no previous price: no anchor)
            "limit": persona.money(b.previous_price) if b.previous_price else "",
            "volume_answer": (f"{b.volume}, at the moment." if subscription else f"About {b.volume}.")
            if volume else ""}


def _answer_fact(persona: Persona, analysis: Analysis) -> FactAnswer | None:
    """A factual question gets a factual answer ("About 150 cartridges a month."), not a yes or a no."""
    asked = analysis.questions(_CLOSED)
    if not asked and set(analysis.moves) <= _SMALL_MOVES | {"open_question"}:
        return _named_fact(persona, analysis)  # "what were you paying before?": a fact, however it is asked
    if not asked or set(analysis.moves) - _SMALL_MOVES:
        return None  # "would free delivery help?" offers something: the offer gets the reaction
    b = persona.briefing
    counted, plural, _subscription = b.counted
    values = fact_values(persona)
    for question in asked:
        checked = _check_figure(question, persona, values)
        if checked is not None:
            return checked
        for n, fact in enumerate(persona.facts):
            if question.mentions(fact.about):
                return FactAnswer(AnswerKind.fact, fact=n, key=fact_key(fact.about))
        for key, phrases, answer in BRIEFING_FACTS:
            phrases = tuple(p.format(counted=plural, counted_one=counted) for p in phrases)
            if key == "volume" and question.change:
                continue
            if values[key] and question.mentions(phrases):  # key: the briefing value it needs
                return FactAnswer(AnswerKind.briefing, text=answer, key=key)
    if analysis.primary == "closed_question" and any(q.wh_start and not q.preference for q in asked):
        return FactAnswer(AnswerKind.unknown)
    if analysis.primary == "closed_question" and any(q.either_or for q in asked):
        return FactAnswer(AnswerKind.either_or)
    return None


def _named_fact(persona: Persona, analysis: Analysis) -> FactAnswer | None:
    """An open question that names a persona fact by one of its phrases of two words or more, or a briefing
    fact ("what were you paying per seat before?", "by when do you need to decide?"), gets that fact; one
    that names none, or only a single word of one ("what does RelayDesk give you?"), is left to the needs it
    may bring out."""
    values, (counted, plural, _subscription) = fact_values(persona), persona.briefing.counted
    for question in analysis.questions(_OPEN):
        for fact in persona.facts:  # named precisely: "by when", "used to pay"; "RelayDesk" alone asks about needs
            if not fact.teaches and question.mentions([a for a in fact.about if " " in a.strip()]):
                return FactAnswer(AnswerKind.fact, fact=persona.facts.index(fact), key=fact_key(fact.about))
        for key, phrases, _answer in BRIEFING_FACTS:
            phrases = tuple(p.format(counted=plural, counted_one=counted) for p in phrases)
            if values[key] and question.mentions(phrases) and not (key == "volume" and question.change):
                return FactAnswer(AnswerKind.briefing, text=_answer, key=key)
    return None


def counted_as(persona: Persona) -> Tuple[str, ...]:
    """The briefing's other words for what the customer counts: Morgan's briefing says "a regional haulier with
    120 trucks" and her unit is a vehicle, so "trucks" counts vehicles too ("do you run 200 trucks?")."""
    b = persona.briefing
    if not b.monthly_volume:
        return ()
    found = number_after(" ".join((b.customer, b.situation, b.goal)), b.monthly_volume)
    return tuple(w for w in found if w not in _GENERIC)


# "do you still order 150 a month?", "are you paying $25 now?": the words that say what a figure is about
_ORDERING = PHRASES["ordering"]
_CURRENT_PRICE_WORDS = PHRASES["current_price"]
_PREVIOUS_PRICE_WORDS = next(phrases for key, phrases, _answer in BRIEFING_FACTS if key == "previous_price")


def _check_figure(question: Question, persona: Persona, values: dict) -> FactAnswer | None:
    """A yes or a no that agrees with the briefing, then the real figure: a customer does not let a wrong
    number about their own account pass, nor say "No." to the right one."""
    if question.wh_start:
        return None  # "how many do you order?" asks for the figure; the fact phrases answer it
    b = persona.briefing
    figures = [(f.currency, f.value) for f in question.figures]
    if not figures:
        return None
    if b.previous_price and question.mentions(_PREVIOUS_PRICE_WORDS):
        said = figures[0][1]
        return _figure_answer("previous_price", abs(said - b.previous_price) < 0.005, persona, values)
    if question.mentions(_CURRENT_PRICE_WORDS) and any(cur for cur, _n in figures) and \
            not any(question.mentions(fact.about) for fact in persona.facts):  # "RelayDesk's price now": a fact
        # "are you paying $25 now?": the list price is what they are asked to pay now
        said = next(n for cur, n in figures if cur)
        return _figure_answer("list_price", abs(said - b.list_price) < 0.005, persona, values)
    counted, plural, _subscription = b.counted
    # the count of their own unit, in the briefing's other words for it too ("120 trucks" for vehicles):
    # "150 a month", "150 cartridges", "30 agents", "200 trucks"; not "3 offices"
    names = (plural.lower(), counted.lower(), *counted_as(persona))
    said_count = next((c for c in question.counts if c.counts(names)), None)
    if b.monthly_volume and said_count and question.mentions((*_ORDERING, counted, plural, *counted_as(persona))) and \
            not question.change:
        said = said_count.value
        # "about 150" covers 140
        return _figure_answer("volume", abs(said - b.monthly_volume) <= 0.1 * b.monthly_volume, persona, values)
    return None
