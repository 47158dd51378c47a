"""The wording of a trainee turn as typed values: its words, and a record of each question it asks.

The detector (parley/moves.py) works out which moves a turn carries; what a persona reacts to also depends on
the words themselves: which of its facts a question names, whether a figure put to it is right, which of its
tradables an offer names. This module is the analysis's reading of those words, so that the persona's reading
(parley/reading.py) and the engine decide on typed values and never run a regular expression over the
trainee's text:

* `Word`: one token of the turn (spaCy's English tokenizer, lower-cased), with its character span and the
  sentence it stands in; chat shorthand for years reads as the word ("3 yrs", "3yrs": "3", "years");
* `Question`: one question (or summary) the detector found, as a record: its move, its shape
  (`parley.questions.Kind`), its span and words, its content words (what it is about), flags of its form
  (starts with a wh-word, asks what something is, asks a preference, offers a choice, asks about a change,
  is answered by the rep in the same breath), and the figures and counts put in it;
* `mentions(words, phrases)`: whether a phrase stands in a run of words, word by word.

The patterns and word lists are data (parley/data/wording.yml and parley/data/question_words.yml). The
detector attaches the question records to the `Analysis` (serialised with it); an analysis stored before they
existed, or built by hand, works them out from its text and detections on demand (`Analysis.questions()`).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Mapping, Sequence, Tuple

import spacy
import yaml
from spacy.lang.en.stop_words import STOP_WORDS

from parley.questions import AUX_FORMS, Kind
from parley.signals import phrases_pattern
from parley.taxonomy import Claim

DATA_DIR = Path(__file__).resolve().parent / "data"
WORDING_FILE = DATA_DIR / "wording.yml"
QUESTION_WORDS_FILE = DATA_DIR / "question_words.yml"
LISTENING_FILE = DATA_DIR / "listening.yml"
_DATA = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
_PATTERNS: Dict[str, re.Pattern] = {name: re.compile(p, re.I) for name, p in _DATA["patterns"].items()}
PHRASES: Dict[str, Tuple[str, ...]] = {name: tuple(str(p).lower() for p in v) for name, v in _DATA["phrases"].items()}
# the moves a question record is kept for: what the customer is asked, and what is summed up back to them
QUESTION_MOVES = frozenset({"open_question", "closed_question", "summary"})
# ...and the other words put to the customer, whose span and wording the customer hears too (a close may ask
# only how they feel; a figure in an offer's words is put forward, not put in their mouth: parley/listening.py)
OFFER_MOVES = frozenset({"concession", "conditional_trade", "value_add"})
RECORD_MOVES = QUESTION_MOVES | OFFER_MOVES | {"close"}


@lru_cache(maxsize=1)
def _question_words() -> Dict[str, object]:
    return yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8")) or {}


def vocabulary(name: str) -> FrozenSet[str]:
    """One word list of parley/data/question_words.yml, lower-cased (the file is read once)."""
    return frozenset(str(_question_words().get(name) or "").lower().split())


# -- words ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    """One token of a turn: lower-cased, with its character span and the sentence it stands in."""

    text: str
    start: int
    end: int
    sentence: int = 0  # index of its sentence (cut at ".", "!", "?" and line breaks); -1: punctuation between


@lru_cache(maxsize=1)
def _tokenizer():
    return spacy.blank("en").tokenizer  # the detector's tokenizer (a blank English pipeline's)


_YEARS = {"yr": "year", "yrs": "years"}


def _tokens(text: str, offset: int = 0) -> Iterable[Tuple[str, int, int]]:
    """(word, start, end) per token, lower-cased; "3 yrs", "3-yr" and "3yrs" read "3 years"."""
    out: list = []
    for token in _tokenizer()(text.lower()):
        if token.is_space:
            continue
        word, start = token.text, offset + token.idx
        glued = _PATTERNS["years_shorthand"].match(word)
        if glued:  # "3yrs": the number, then the word
            out.append((glued.group("num"), start, start + len(glued.group("num"))))
            out.append((_YEARS[glued.group("yr")], start + glued.start("yr"), start + len(word)))
            continue
        if word in _YEARS and out and (out[-1][0][-1:].isdigit() or
                                       out[-1][0] == "-" and len(out) > 1 and out[-2][0][-1:].isdigit()):
            if out[-1][0] == "-":
                out.pop()  # "3-yr": "3 year"
            out.append((_YEARS[word], start, start + len(word)))
            continue
        out.append((word, start, start + len(word)))
    return out


@lru_cache(maxsize=2048)
def words_of(text: str) -> Tuple[Word, ...]:
    """The words of a text, each with the sentence it stands in."""
    text, words, done = text or "", [], 0
    for n, m in enumerate(_PATTERNS["sentence"].finditer(text)):
        if m.start() > done:  # punctuation between sentences ("?!"): in no sentence
            words.extend(Word(w, s, e, -1) for w, s, e in _tokens(text[done:m.start()], done))
        words.extend(Word(w, s, e, n) for w, s, e in _tokens(m.group(), m.start()))
        done = m.end()
    words.extend(Word(w, s, e, -1) for w, s, e in _tokens(text[done:], done))
    return tuple(words)


def said_key(text: str) -> int | None:
    """A message's words, for noticing a repeat; short replies ("ok", "yes please") may well come twice."""
    words = re.findall(r"\w+", (text or "").lower())
    return zlib.crc32(" ".join(words).encode("utf-8")) if len(words) >= 3 else None


@lru_cache(maxsize=4096)
def phrase_words(phrase: str) -> Tuple[str, ...]:
    """A phrase as the words it is matched by (the same tokenizer as the turn's)."""
    return tuple(w for w, _s, _e in _tokens(phrase))


def _at(words: Sequence[str], i: int, phrase: Tuple[str, ...], prefix: bool) -> bool:
    n = len(phrase)
    if i + n > len(words) or tuple(words[i: i + n - 1]) != phrase[:-1]:
        return False
    return words[i + n - 1].startswith(phrase[-1]) if prefix else words[i + n - 1] == phrase[-1]


@lru_cache(maxsize=1024)
def _index(words: Tuple[str, ...]) -> Dict[str, Tuple[int, ...]]:
    """Where each word stands in a run of words, so a phrase is looked for only where its first word is."""
    found: Dict[str, list] = {}
    for i, w in enumerate(words):
        found.setdefault(w, []).append(i)
    return {w: tuple(at) for w, at in found.items()}


def mentions(words: Sequence[str], phrases: Iterable[str]) -> bool:
    """Whether any phrase stands in the words, word by word ("how many" in "so how many do you order?", not in
    "however many"). A phrase ending in "*" matches a word that begins so ("includ*": "included")."""
    words = tuple(words)
    index = _index(words)
    for phrase in phrases:
        prefix = phrase.endswith("*")
        tokens = phrase_words((phrase[:-1] if prefix else phrase).lower())
        if not tokens:
            continue
        if prefix and len(tokens) == 1:
            if any(w.startswith(tokens[0]) for w in index):
                return True
        elif any(_at(words, i, tokens, prefix) for i in index.get(tokens[0], ())):
            return True
    return False


# -- content words: what a question is about -----------------------------------------------------------

# Words that say nothing about what a question is about ("what matters most to you?" asks about anything).
GENERIC = STOP_WORDS | vocabulary("generic")


def stem(word: str) -> str:
    """A crude stem, so "worries" meets "worried" and "prices" meets "price"."""
    for suffix in ("ing", "ed", "ly", "es", "s", "th"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "planning" -> "plann" -> "plan"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # "message" and "messaging" -> "messag"; "price" and "prices" -> "pric"
    return word


GENERIC_STEMS = GENERIC | frozenset(stem(w) for w in GENERIC)


@lru_cache(maxsize=4096)
def content_words(text: str) -> FrozenSet[str]:
    """The stems of the words that say what a text is about (stop words and generic question words left out);
    the same for a trainee's question and a persona's description, so the two can meet."""
    text = re.sub(r"n't\b|['\u2019]\w+", "", text.lower())  # "don't" -> "do", "how's" -> "how"
    stems = (stem(w) for w in re.findall(r"[a-z]{3,}", text) if w not in GENERIC)
    return frozenset(w for w in stems if w not in GENERIC_STEMS)  # "worries" -> "worri", as "worried"


def plain_words(text: str) -> FrozenSet[str]:
    """Every run of letters of a text, lower-cased, as written."""
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def number_after(text: str, number: int) -> Tuple[str, ...]:
    """The words a text puts right after a number ("a regional haulier with 120 trucks": "trucks")."""
    found = re.findall(r"(?<![\w.,])" + f"{number:,}".replace(",", ",?") + r"\s+([a-z][a-z-]+)", text.lower())
    return tuple(dict.fromkeys(found))


# -- figures and counts put in a question --------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A number put in a question: "were you paying $20 before?" (20, with a currency sign)."""

    value: float
    currency: bool


@dataclass(frozen=True)
class Count:
    """A number that may count something: "150 a month", "200 trucks", "150 now?" (never "$150")."""

    value: float
    per_month: bool  # "150 a month", "150 monthly"
    alone: bool  # said on its own: "150?", "150 now", "150 at the moment"
    after: Tuple[str, ...] = ()  # the words right after it: ("trucks", "?")

    def counts(self, names: Iterable[str]) -> bool:
        """Whether it counts one of these things ("200 trucks"), a month's worth, or is said on its own."""
        return self.per_month or self.alone or any(_at(self.after, 0, phrase_words(n.lower()), False)
                                                   for n in names if n)


def _figures(lowered: str) -> Tuple[Figure, ...]:
    return tuple(Figure(float(m.group("num").replace(",", "")), bool(m.group("cur")))
                 for m in _PATTERNS["figure"].finditer(lowered))


def _counts(lowered: str) -> Tuple[Count, ...]:
    counts = []
    for m in _PATTERNS["count"].finditer(lowered):
        try:
            value = float(m.group("num").replace(",", ""))
        except ValueError:
            continue
        counts.append(Count(value, bool(_PATTERNS["per_month"].match(lowered, m.start())),
                            bool(_PATTERNS["said_alone"].match(lowered, m.start())),
                            tuple(w for w, _s, _e in _tokens(lowered[m.end():]))[:4]))
    return tuple(counts)


# -- what the customer hears: claims, summing-up, feelings -------------------------------------------------

_HEARING = yaml.safe_load(LISTENING_FILE.read_text(encoding="utf-8")) or {}
_HEARD: Dict[str, re.Pattern] = {name: re.compile(p, re.I) for name, p in (_HEARING.get("patterns") or {}).items()}


def _phrases(items: Iterable[str]) -> re.Pattern:
    """Any of the phrases, as whole words (parley/signals.py reads its plain phrases the same way)."""
    return re.compile(phrases_pattern(items))


CLAIMS: Dict[Claim, re.Pattern] = {Claim(k): _phrases(v) for k, v in (_HEARING.get("claims") or {}).items()}
_NEGATION = re.compile(r"\b(?:" + "|".join(re.escape(str(n)) for n in _HEARING.get("negations") or ()
                                           if n != "n't") + r")\b|n't\b|n’t\b")
_FEELINGS = _phrases(_HEARING.get("feelings") or ())
# "how do you feel about a three-year lock?" asks for an opinion on the deal, not how the customer feels: the
# negotiation's own words (parley/data/question_words.yml `deal`, shared with parley/reading.py)
_DEAL = vocabulary("deal")
_WINDOW = 5  # words before a claim that may turn it round ("you don't really want to leave")


def claims(text: str) -> FrozenSet[Claim]:
    """What the words claim about the customer; a claim after a negation or a hedge in the few words before it,
    or with a condition after it, claims nothing ("you don't want to leave", "rather stay than switch",
    "thinking of switching", "you'll switch unless we close the gap")."""
    lowered = text.lower().replace("’", "'")
    found = set()
    for claim, pattern in CLAIMS.items():
        for m in pattern.finditer(lowered):
            before = " ".join(re.findall(r"[\w']+", lowered[: m.start()])[-_WINDOW:])
            after = " ".join(re.findall(r"[\w']+", lowered[m.end():])[:_WINDOW + 3])
            if not _NEGATION.search(before) and not _HEARD["hedge"].search(before) and \
                    not _HEARD["condition"].search(after):
                found.add(claim)
                break
    return both_ways(found)


def both_ways(claimed: Iterable[Claim]) -> FrozenSet[Claim]:
    """Claims taken together: "stay or go?" claims neither."""
    found = set(claimed)
    if {Claim.leaving, Claim.staying} <= found:
        found -= {Claim.leaving, Claim.staying}
    return frozenset(found)


def _names_deal(lowered: str) -> bool:
    return any(w in _DEAL or w.rstrip("s") in _DEAL for w in re.findall(r"[a-z]+", lowered))


@lru_cache(maxsize=2048)
def heard(quote: str) -> Dict[str, object]:
    """What the customer hears in a question's words: the fields of its record (`Question.claims`, `sums_up`,
    `about_you`, `feelings`, `names_deal`)."""
    lowered = quote.lower()
    return {"claims": claims(quote), "sums_up": bool(_HEARD["sums_up"].match(quote)),
            "about_you": bool(_HEARD["about_you"].search(quote)), "feelings": bool(_FEELINGS.search(lowered)),
            "names_deal": _names_deal(lowered)}


# -- questions -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """One question (or summary) of a turn, as the persona's reading needs it."""

    move: str  # the detection it belongs to: "open_question", "closed_question" or "summary"
    kind: Kind | None  # the shape of its sentence (parley/questions.py); None: not known (a stored turn)
    start: int  # character span of the words quoted for it, in the turn
    end: int
    text: str  # those words
    words: Tuple[str, ...]  # its words, lower-cased (`Word.text`)
    content: FrozenSet[str]  # the stems of what it is about (`content_words`)
    plain: FrozenSet[str]  # every word as written (`plain_words`)
    wh_start: bool = False  # starts with a question word: "how many do you order?"
    what_is: bool = False  # asks for one thing by name: "what's your CFO's name?", "who is your contact?"
    preference: bool = False  # asks what they would like: "how long a contract would you consider?"
    either_or: bool = False  # offers a choice: "is it the price or the delivery?"
    change: bool = False  # asks about a change: "how many trucks are you adding next year?"
    self_answered: bool = False  # answered in the same breath: "why...? To get a better quote!"
    figures: Tuple[Figure, ...] = ()
    counts: Tuple[Count, ...] = ()
    # what the customer hears in it (phrases: parley/data/listening.yml)
    claims: FrozenSet[Claim] = frozenset()  # what it claims about the customer: "so you've decided to leave"
    sums_up: bool = False  # opens as a summing-up: "so you're leaving us?", "sounds like...", "you mean..."
    about_you: bool = False  # speaks about the customer ("you", "your"): only then a figure is put in their mouth
    feelings: bool = False  # uses a feelings word: "how does that make you feel?"
    names_deal: bool = False  # names the deal: "how do you feel about a three-year lock?" asks about the deal

    def mentions(self, phrases: Iterable[str]) -> bool:
        return mentions(self.words, phrases)

    def to_dict(self) -> dict:
        return {"move": self.move, "kind": None if self.kind is None else self.kind.value, "start": self.start,
                "end": self.end, "text": self.text, "words": list(self.words), "content": sorted(self.content),
                "plain": sorted(self.plain), "flags": [f for f in _FLAGS if getattr(self, f)],
                "figures": [[f.value, f.currency] for f in self.figures],
                "counts": [[c.value, c.per_month, c.alone, list(c.after)] for c in self.counts],
                "claims": sorted(c.value for c in self.claims)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Question:
        flags = {f: f in set(data.get("flags") or ()) for f in _FLAGS}
        if data.get("claims") is None:  # stored before the customer's hearing was recorded: read it now
            flags.update(heard(data["text"]))
        else:
            flags["claims"] = frozenset(Claim(c) for c in data["claims"])
        return cls(data["move"], None if data.get("kind") is None else Kind(data["kind"]), int(data["start"]),
                   int(data["end"]), data["text"], tuple(data.get("words") or ()),
                   frozenset(data.get("content") or ()), frozenset(data.get("plain") or ()),
                   **flags,
                   figures=tuple(Figure(float(v), bool(c)) for v, c in data.get("figures") or ()),
                   counts=tuple(Count(float(v), bool(p), bool(a), tuple(after))
                                for v, p, a, after in data.get("counts") or ()))


_FLAGS = ("wh_start", "what_is", "preference", "either_or", "change", "self_answered")
_HEARD_FLAGS = ("sums_up", "about_you", "feelings", "names_deal")
_FLAGS = _FLAGS + _HEARD_FLAGS


def _located(text: str, quote: str, start: int, end: int) -> int:
    """Where a detection's quote stands in the turn: the occurrence around its trigger."""
    at = text.rfind(quote, 0, start + len(quote)) if quote else -1
    if at < 0 or at + len(quote) < end:
        at = text.find(quote)
    return max(at, 0)


def _asked_before(text: str, start: int) -> FrozenSet[str]:
    """The content words of a yes/no question the quote's sentence opens with, joined to the quoted one by a comma
    ("Would a fixed price help, and how long would you want it for?": the question is about the price too)."""
    opening = re.split(r"[.!?\n]", text[:start])[-1]
    first = opening.split(maxsplit=1)
    if not first or first[0].lower() not in AUX_FORMS or "," not in opening:
        return frozenset()
    return content_words(opening)


def question(text: str, move: str, quote: str, trigger_start: int, trigger_end: int,
             kind: Kind | None = None) -> Question:
    """The record of one question of a turn, from its detection."""
    start = _located(text, quote, trigger_start, trigger_end)
    end = start + len(quote)
    lowered = quote.lower()
    mark = text.find("?", max(start, end - 1))
    return Question(
        move, kind, start, end, quote, phrase_words(lowered), content_words(quote) | _asked_before(text, start),
        plain_words(quote),
        wh_start=bool(_PATTERNS["wh_start"].match(lowered)), what_is=bool(_PATTERNS["what_is"].match(lowered)),
        preference=bool(_PATTERNS["preference"].search(lowered)),
        either_or=bool(_PATTERNS["either_or"].search(lowered)), change=bool(_PATTERNS["change"].search(lowered)),
        self_answered=mark >= 0 and bool(_PATTERNS["self_answered"].match(text, mark)),
        figures=_figures(lowered), counts=_counts(lowered), **heard(quote))


def questions(text: str, detections: Sequence, kinds: Mapping[Tuple[str, int], Kind] | None = None
              ) -> Tuple[Question, ...]:
    """A record per question (and summary) detection of a turn, in the detections' order. `kinds`: the shape
    of each one's sentence, by (move, start of its trigger)."""
    kinds = kinds or {}
    return tuple(question(text, d.move, d.quote, d.start, d.end, kinds.get((d.move, d.start)))
                 for d in detections if d.move in RECORD_MOVES)


@lru_cache(maxsize=1024)
def current(text: str, detections: Tuple, stored: Tuple[Question, ...] | None) -> Tuple[Question, ...]:
    """The records of a turn's question detections as they stand now: the detector's own record of each one,
    or, for a detection added later (a persona's phrase) or an analysis stored without them, one worked out
    from its text."""
    known = {(q.move, q.text): q for q in stored or ()}
    return tuple(known.get((d.move, d.quote)) or question(text, d.move, d.quote, d.start, d.end)
                 for d in detections if d.move in RECORD_MOVES)
