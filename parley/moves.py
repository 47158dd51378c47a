"""Move detection: which negotiation moves a trainee turn carries, and the words that show each one.

Built on a blank spaCy English pipeline (no pretrained model can be downloaded here):

* the sentencizer splits a turn into sentences, and each sentence into clauses;
* a lookup lemmatizer (tables from spacy-lookups-data, applied to the lower-cased word, so
  "Apologised", "apologize" and "apologies" meet) lets one pattern cover every inflection;
* pattern rules catch the forms a move takes: the shape of a question (parley/questions.py: open,
  closed, a proposal dressed as a question, a rhetorical jab), money and percentages
  (parley/amounts.py), "if you..., I can...", and the phrases of each move, with guards for
  look-alikes (parley/empathy.py: "I understand, but..." is a refusal, "sorry, I meant 3" is a typo
  fix; "how are you?" is a greeting);
* a multi-label text classifier trained from the project's own labelled examples (parley/move_data.py)
  scores each sentence and catches the wording the patterns miss: a bag of lemma n-grams and
  spaCy's TextCatEnsemble (a CNN over sub-word features) side by side, their scores blended
  (ARCHITECTURE, BLEND; docs/evaluator.md weighs the options).

Every detection keeps the character span that triggered it and the clause it stands in, so
feedback quotes the trainee's own words.  This module is the one source of truth: the Rasa NLU
component, `parley detect` and the session core all call it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Sequence, Set, Tuple

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from parley import classifier, empathy, signals, wording
from parley.amounts import FINAL_WORD, Amount, find_amounts
from parley.classifier import ARCHITECTURE, ENSEMBLE_PIPE, THRESHOLD, TRAINING_MODULES, feature_words
from parley.move_data import (  # noqa: F401  (re-exported: other modules import them from here)
    DATA_DIR,
    HELDOUT_FILE,
    TRAIN_FILE,
    Labelled,
    data_files,
    load_examples,
    training_examples,
)
from parley.phrases import load_phrases
from parley.questions import AUX_FORMS, SO_CHECK, Shape, may_ask, question_shape, quoted, word
from parley.signals import Signal
from parley.taxonomy import REAL_MOVES, Move

logger = logging.getLogger(__name__)
THRESHOLDS_FILE = DATA_DIR / "thresholds.yml"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".parley" / "detector"
# the code the trained detector depends on: a change to any of it retrains (parley/classifier.py holds
# the pipeline, its features and the training loop).  The passes, phrase tables, question rules,
# amounts and signals are not in it: they run over a trained detector's readings, training never calls
# them (tests/core/test_detector_cache.py trains with every one made to fail), so an edit re-reads
DETECTOR_MODULES = TRAINING_MODULES
MAX_CHARS = 2000  # a pasted essay is analysed on its first 2,000 characters


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Dict[str, float]:
    """Per-move decision thresholds of the classifier, calibrated by cross-validation grouped by
    conversation on the training data (`bench/bench_evaluator.py --calibrate` writes the file)."""
    found = {m: THRESHOLD for m in REAL_MOVES}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found.update({m: float(v) for m, v in (data.get("thresholds") or {}).items() if m in found})
    return found


THRESHOLDS: Dict[str, float] = load_thresholds()
# A "weak" pattern (a word that often, but not always, carries the move) needs this much support
# from the classifier as well.
SUPPORT = 0.3
# When nothing passes its threshold, the best move is still taken if the classifier gives it this.
FALLBACK = 0.3  # chosen on cross-validation (0.4 before): fewer turns left as "other"
# A classifier this sure of a move outweighs the soft guards of a rule (empathy without a feeling
# word, a greeting without "hi", a trade without "if"); the hard ones (a dismissive "I understand,
# but", a negated offer, a look-alike) still hold.  Chosen on cross-validation (docs/evaluator.md).
CONFIDENT = 0.7
# The same for empathy alone (a classifier this sure finds empathy with no feeling word, in a sentence
# turned to the other side: "That's a completely fair reaction"); chosen on cross-validation of the
# training split and CaSiNo (docs/evaluator.md, "Empathy: what the guards accept").
EMPATHY_CONFIDENT = 0.65
# When a sentence's form says one kind of question and the classifier is this sure of the other
# (and gives the form's kind less than 0.3), the classifier decides: "is it just the price or smth
# else too" invites an answer, "whats the budget this yr" asks for one fact.  None: the form alone.
QUESTION_OVERRIDE: float | None = None
# question shapes in which the classifier's pressure needs PRESSURE_IN_QUESTION, not its threshold:
# "are you thinking of switching to another supplier?" asks; the jabs have their own shape
PRESSURE_NEEDS_MORE = {"open", "closed"}
PRESSURE_IN_QUESTION = 0.75
QUESTIONS = ("open_question", "closed_question")
# The weight of the ensemble's score in "blend" (the bag of n-grams has the rest), chosen on
# 5-fold cross-validation among 0, 0.3, 0.5, 0.7 and 1 (docs/evaluator.md).  Applied at reading time.
BLEND = 0.3

# When a turn carries several moves, the Rasa intent is the most consequential one.
PRIORITY: Tuple[str, ...] = (
    "pressure", "conditional_trade", "concession", "value_add", "hold_position", "close", "summary",
    "open_question", "rationale", "empathy", "appreciation", "closed_question", "greeting", "other",
)


@dataclass(frozen=True)
class Detection:
    move: str
    start: int  # character span of the words that triggered the move
    end: int
    trigger: str  # those words
    quote: str  # the clause they stand in, which feedback cites
    source: str  # "pattern" or "model"
    score: float


@dataclass(frozen=True)
class Analysis:
    text: str
    moves: Tuple[str, ...]
    detections: Tuple[Detection, ...]
    amounts: Tuple[Amount, ...] = ()
    truncated: bool = False
    scores: Dict[str, float] = field(default_factory=dict)
    # typed signals the persona engine reacts to (parley/signals.py); None: read from the text on demand
    signal_names: Tuple[str, ...] | None = None
    # a record of each question (and summary) found, with its words, flags, figures and counts
    # (parley/wording.py); None: worked out from the text and the detections on demand
    asked: Tuple[wording.Question, ...] | None = None

    def has(self, signal: Signal) -> bool:
        """Whether the turn carries a signal: "yes, we can do that" agrees, "my best is $24" claims a best."""
        names = self.signal_names if self.signal_names is not None else signals.read(self.text)
        return Signal(signal).value in names

    @property
    def numbers(self) -> Tuple[float, ...]:
        """Every plain number said in the turn, whatever its role ("done. 27, 3 yrs" -> 27, 3)."""
        return signals.numbers(self.text)

    @property
    def primary(self) -> str:
        return primary_move(self.moves)

    def questions(self, moves: Iterable[str] = wording.QUESTION_MOVES) -> Tuple[wording.Question, ...]:
        """The record of each question (or summary) the turn carries, in the order of its detections: what it
        asks, in which words, and the figures put in it (parley/wording.py)."""
        found = wording.current(self.text, self.detections, self.asked)
        wanted = set(moves)
        return tuple(q for q in found if q.move in wanted)

    @property
    def words(self) -> Tuple[wording.Word, ...]:
        """The turn's words, lower-cased, each with its span and sentence (parley/wording.py)."""
        return wording.words_of(self.text)

    @property
    def said_key(self) -> int | None:
        """The message's words, to notice the same message sent again (None for a reply of a word or two)."""
        return wording.said_key(self.text)

    def quotes(self, move: str) -> List[str]:
        return [d.quote for d in self.detections if d.move == move]

    @property
    def prices(self) -> List[float]:
        """Every unit price the turn names, offered or not ("so that's $24", "$25 stands")."""
        return [a.value for a in self.amounts if a.kind == "money" and a.role == "price"]

    def to_dict(self) -> dict:
        """Plain JSON, so the analysis can travel in Rasa's parse data to the action server."""
        return {"text": self.text, "moves": list(self.moves), "truncated": self.truncated,
                "detections": [d.__dict__ for d in self.detections],
                "amounts": [a.__dict__ for a in self.amounts], "scores": self.scores,
                "signals": None if self.signal_names is None else list(self.signal_names),
                "questions": None if self.asked is None else [q.to_dict() for q in self.asked]}

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        return cls(data["text"], tuple(data["moves"]), tuple(Detection(**d) for d in data.get("detections", [])),
                   tuple(Amount(**a) for a in data.get("amounts", [])), bool(data.get("truncated")),
                   dict(data.get("scores", {})),
                   None if data.get("signals") is None else tuple(data["signals"]),
                   None if data.get("questions") is None else
                   tuple(wording.Question.from_dict(q) for q in data["questions"]))


def primary_move(moves: Iterable[str]) -> str:
    present = set(moves)
    return next((m for m in PRIORITY if m in present), Move.other.value)


# -- the phrase lexicon ---------------------------------------------------------------------------
# Each move's phrases are data: parley/data/moves/phrases/<move>.yml (parley/phrases.py loads them).


# -- who puts a number forward ----------------------------------------------------------------
_OFFER_WORDS = re.compile(r"\b(offer|can do|could do|give you|bring|reduce|lower|drop|knock|take|match|"
                          r"discount|off|deal(?!\s+with)|for you|price of|special|let you have|how about|what about|"
                          r"i can|we can|i could|we could|i'll|we'll|i will|we will|go to|come down|"
                          r"(?:i|we) (?:cud|cld|cn|kan)|ill do|"  # chat spellings: "i cud do $95"
                          # "and lock the price at $46", "lock ur price 4 3 yrs at 46 a seat"
                          r"lock\w*(?: \w+){0,5} (?:at|in at)|"
                          r"meet you|settle|propose|proposal|suggest|quote you|put forward|"
                          # a price put as a question: "what if we did $33?", "would $33 get this over the line?"
                          r"(?:could|can|shall) we (?:\w+ ){0,2}?(?:do|meet|go|settle|agree|say|make it|land|call it)|"
                          r"(?:what|wat|wot|wht) if (?:we|i)|make (?:it|that) [$£€]?\d+|"
                          r"\d+(?:[.,]\d{1,2})?\s+(?:ok|okay|alright|fine)(?=\s*\?)|"
                          r"would (?:say |something like |a price of |a rate of )?[$£€]?\d\S*\s+(?:\S+\s+){0,6}?"
                          r"(?:work|suit|help|do it|do the trick|swing it|get (?:this|us|it|you)|"
                          r"(?:be|feel|seem|sound) (?:ok|okay|acceptable|enough|fine|better|fair|doable|right)))\b",
                          re.I)
# the rep says a price again, and says so in the turn: "As I said, £345 a month is the figure", "We've been through
# this. $48.", "£45 a session. Same as I said before.", "the answer is the same: £14 a box". Said again it gives
# nothing new: a hold, unless the rep offers in the amount's own clause ("as I said, I can do $23 if you sign").
_RESTATED = re.compile(r"\b(?:as|like|what) (?:i|we)(?:'ve| have)? (?:already )?(?:said|say|mentioned|told you)\b|"
                       r"\b(?:i'?ve|i have|we'?ve|we have) (?:already )?"
                       r"(?:told you|said)\b|\bbeen (?:over|through) (?:this|that)\b|\bfor the last time\b|"
                       r"\blast time i'?m (?:going to|gonna) say\b|\bas (?:already )?mentioned\b|"
                       r"\bthe answer(?:'s| is) (?:still )?the same\b", re.I)
# a number refused, wished for or the customer's own, not one put forward
# (what `_negated` does not already catch: a refusal without "not", or a wish)
_REFUSED_BEFORE = re.compile(r"(?:unable to|wish (?:i|we) could)\s+(?:\w+\s+){0,3}$", re.I)
_REFUSED_AFTER = re.compile(r"^\W*(?:\S+\s+){0,4}?(?:is not|isn'?t|is off the table|won'?t work|doesn'?t work|"
                            r"is too low|is below|is not possible|isn'?t possible|is out of the question|"
                            r"stands|(?:stays|remains|is staying|is fixed)(?!\s+(?:\w+\s+)?(?:for|until|till|through|"
                            r"all|the whole|locked))|is final|still applies)\b", re.I)  # "$23 stays for a year" locks
# a number used as a name, "the 15% cut", "your $25 rate", is talked about, not put forward
_NAMED_BEFORE = re.compile(r"\b(?:the|your|that|this|their|those|these)\s*$", re.I)
_NAMED_AFTER = re.compile(r"^\s*(?!off\b|discount|less\b|per\b|a\b|an\b|each\b|then\b)[a-z]", re.I)
_THEIR_NUMBER = re.compile(r"\b(?:has to|have to|needs? to|you need|you want|you'?d like|you would like|you'?re after|"
                           r"you said|you mentioned|you asked|your budget|is that right|did i get that right|"
                           r"have i got that right)\b", re.I)
# the rep revising their own number: "on reflection I need to make that $24" is an offer, not their need
_REVISES = re.compile(r"\b(?:i|we)(?:'d| would)? (?:need|have) to (?:make|go|do|offer|bring|drop|change|revise)\b",
                      re.I)
# "I am pleased to propose the following: a renewal at $45 per seat"
_PROPOSES_BEFORE = re.compile(r"\b(?:propose|proposal|offer|suggest|here'?s what|what (?:i|we) can do)\b"
                              r"[^.!?]*:\s*[^.!?]*$", re.I)
# a rival's price, said to compare: "less than RelayDesk at $29", "vs their $22.50", "Acme goes to $38"
_RIVAL_BEFORE = re.compile(
    r"(?i:\b(?:than|vs\.?|versus|compared (?:to|with)|unlike)\s+(?:[\w'.-]+\s+){0,3}?"
    r"(?:at|for|on|charging|charges|with|'s)?\s*)$|(?i:\b(?:instead of|rather than|down from|up from)\s*)$|"
    r"\b(?!(?:I|We|You|It|That|This|Our|Your|My|The|So|Then|And|But|If|Also|Ok|Okay|Well|Yes|No|Sure|Great|Fine|"
    r"Right|Now|Today|At|For|With|How|What|Would|Could|Can|Will|Shall)\b)[A-Z][\w-]*(?:'s)?\s+"
    r"(?i:(?:price\s+)?(?:goes|go|going|rises?|jumps?|moves?|charges?|offers?|quotes?|wants?|is|at|for)\s+"
    r"(?:up\s+)?(?:to\s+)?)$")
_RIVAL_GOES_ON = re.compile(r"^\s*(?:,|then|and|and then|rising to|going (?:up )?to|up to|before|after)\s*$", re.I)
# a price weighed, not put forward: "is $25 too much for you?", "I know $25 is a stretch"
# (a word or two may name it first: "a 15% cut is a lot to deal with")
_JUDGED_AFTER = re.compile(r"^\s*(?:too\b|(?:[a-z-]+\s+){0,2}?(?:is|was|'s|feels?|seems?)\s+"
                           r"(?:really\s+|just\s+|a bit\s+|quite\s+|such\s+)?"
                           r"(?:too\b|a problem|an issue|the (?:problem|issue|sticking point)|hard\b|difficult|"
                           r"painful|a stretch|steep|expensive|a lot\b(?!\s+(?:less|cheaper|lower|better))|"
                           r"over (?:your|the) budget|out of))", re.I)
# the price of an offer made earlier in the sentence: "i can do a three-year contract ..., at $27 a truck"
_OFFER_GOES_ON = re.compile(r"^\W*(?:and\s+|all\s+|so\s+)?(?:at|for)\s*$", re.I)
_WE_CAN_DO = re.compile(r"\b(?:i|we)\s*(?:can|could|'ll|will|cud|cn)\s+(?:do|offer|give)\b", re.I)
_WHY = re.compile(r"^\W*(?:\w+\W+){0,2}?why\b", re.I)
_NOT_OFFER = re.compile(r"\b(went up|gone up|put up|puts up|went to|gone to|moved to|jumped to|rose to|climbed to|"
                        r"increase[ds]?|rose|raised|used to|was|were|last year|last quarter|"
                        r"competitor|rival|they|their|quoted|paid|paying|cost us|costs us|our costs)\b", re.I)


# taking up the customer's number is an offer too: "ok, $44 it is", "$44 works", "agreed at $44", "$42 then";
# and so is a number put up for their verdict: "how does $33 sound?", "any chance $32 gets us there?"
_TAKES_NUMBER = re.compile(r"\d\S*\s+(?:it is|it's|works|agreed|is agreed|is a deal|then)\b|"
                           r"\d\S*\s+" + FINAL_WORD + "|"  # "$23 is my best", "44 final", "$45 locked"
                           # a price with something added: "$33 + free whatsapp", "$24 plus free shipping"
                           r"[$£€]\d[\d.,]*\s*(?:\+|plus\b|w/|with\b|incl)|"
                           r"\bagreed (?:at|on)\s+\S*\d|\bany chance (?:of |at |on )?[$£€]?\d|\blive with [$£€]?\d|"
                           r"\d\S*\s+(?:\S+\s+){0,8}?(?:sound|sounds|suit|suits|work(?=\s*\?)|fly|do it|do the trick|"
                           r"live with|"
                           r"get (?:us|you|this|it|me) (?:there|over)|over the line)\b|\b(?:say|make it)\s+[$£€]?\d|"
                           r"\b(?:so|ok|okay)\s+[$£€]?\d[\d.,]*\s*(?:w/|with\b|plus\b|\+|incl)|"
                           # "my best is $23"
                           r"\b(?:my|our)\s+(?:very\s+)?(?:best|final|lowest)(?:\s+(?:price|offer))?\s+"
                           r"(?:is|would be)\s+[$£€]?\d|"
                           # "the rate would be $1,050 a day", "your price would come to $23"
                           r"\b(?:rate|price|cost|fee|charge)\s+(?:would|could)\s+(?:be|come (?:down )?to|"
                           r"drop to|go (?:down )?to)\s+[$£€]?\d|"
                           # a price said on its own or opening the sentence: "23", "46?", "$23 a cartridge, because..."
                           r"^\W*(?:(?:ok|okay|fine|alright|right|so|then|and|but|or|great|gr8|perfect|done|cool)\W+)*"
                           r"[$£€]?\d[\d.,]*\s*"
                           r"(?:$|[?!.]|(?:a|an|per|each|/)\s*\w+)",
                           re.I)


_SIGN_OFF = re.compile(r"^\W*(?:kind|best|warm|many)?\s*(?:regards|wishes|thanks)\b|^\W*(?:yours (?:sincerely|truly|"
                       r"faithfully)|sincerely|cheers),", re.I)
_PERIOD_PRICE = re.compile(r"\b(?:i|we) (?:can|could|'ll|will) (?:do|offer|go|bring|drop|charge|make it)\b", re.I)
# a number put up for the customer's yes, however hedged: "how about $24 ...?", "would $28 perhaps be OK?",
# "maybe $27.50?", "perhaps 27?": the word just before the number proposes it (R1, R3)
_PROPOSED_AT = re.compile(r"(?:\b(?:how about|what about|hows about|how's|maybe|perhaps|possibly|"
                          r"(?:let'?s|shall we) say|"
                          r"(?:would|could|might|can|will)(?: you (?:take|accept|consider|go for|do))?|"
                          r"(?:could|can|shall) we (?:do|go with|settle on|agree on)|"
                          r"(?:think|thoughts|feel|feeling)s? (?:about|of|on))|"
                          r"^\W*(?:(?:ok|okay|so|well|or)\W+)?say)"
                          r"\s+(?:(?:just|perhaps|maybe|possibly|something like|around|about|roughly)\s+)*$", re.I)
# a hedge after the number: "hmm, 27.50 maybe?", "$28, perhaps?"
_HEDGED_AFTER = re.compile(r"^\W*(?:maybe|perhaps|possibly)\b[^.!?]{0,20}\?", re.I)
# a calculation that lands on a unit price: "That's $25.50 a vehicle a month", "which works out at $27 a seat";
# the rep spells out a price (their own, usually: whose it is the words don't say); "that's $5 more than
# last year" compares, it names no price
_WORKED_OUT_TO = re.compile(r"\b(?:that'?s|thats|that is|which is|which'?s|it'?s|works? out (?:at|to)|"
                            r"comes? (?:down )?to|making it|bringing it to)\s*(?:just\s+|only\s+|exactly\s+)?$", re.I)
_COMPARED_AFTER = re.compile(r"^\s*(?:[a-z]+\s+){0,3}?(?:more|less|cheaper|dearer|higher|lower|than|extra|"
                             r"over|under|above|below|up|down)\b", re.I)


def _offers(sent: Span) -> bool:
    return bool(_OFFER_WORDS.search(sent.text) or _TAKES_NUMBER.search(sent.text))


# A trade is conditional: the classifier may find one only where the sentence sets a condition.
_CONDITION = re.compile(r"\b(?:if|provided|providing|as long as|in exchange|in return|on condition|commit\w*|sign\w*|"
                        r"when you|once you|unless|renew\w*|prepay\w*|agree\w*|term|contract|lock\w*|swap|trade)\b|"
                        r"\band (?:i|we)(?:'ll| will| can| could)\b", re.I)
_NEGATIONS = {"not", "no", "never", "nothing", "without", "nobody", "none", "neither", "nor"}


_FREE_OF = {"extra", "additional", "cost", "costs", "charge", "charges", "charging", "fee", "fees", "paying", "payment"}


def _negated(span: Span, window: int = 8) -> bool:
    """A negation shortly before the trigger, inside its clause: "we can't offer a discount"."""
    doc = span.doc
    i = span.start - 1
    while i >= max(span.sent.start, span.start - window):
        token = doc[i]
        if token.text in {",", ";", ":", ".", "!", "?"} or token.lower_ in {"but", "however", "though"}:
            return False
        if token.lemma_ in _NEGATIONS and not (token.lower_ in {"no", "without"} and i + 1 < len(doc) and
                                                doc[i + 1].lower_ in _FREE_OF):
            return True  # "at no extra cost" and "without charge" give something; they negate nothing
        i -= 1
    return False


# a negation after the trigger: "Discounts are not given on standard items", "free shipping isn't something we offer"
_DENIED_AFTER = re.compile(
    r"^[^,;:.!?]{0,40}?\b(?:(?:is|are|was|were|be|been|'s|'re)\s+(?:not|never)|isn'?t|aren'?t|wasn'?t|weren'?t|"
    r"(?:do|does|did|can|could|will|would|shall|may)\s*(?:not|n'?t)|don'?t|doesn'?t|didn'?t|can'?t|cannot|won'?t|"
    r"wouldn'?t|never)\s+(?:be\s+|been\s+|currently\s+|normally\s+|usually\s+)?(?:given|offered|available|possible|"
    r"apply|applied|applicable|included|provided|granted|an option|on offer|on the table|something|part of|allowed|"
    r"permitted|extended|honou?red|accepted)\b", re.I)


def _denied_after(span: Span) -> bool:
    """The trigger is the subject of a refusal: "Discounts are not given ...", "a price match isn't possible"."""
    sent = span.sent
    return bool(_DENIED_AFTER.match(span.doc.text[span.end_char: sent.end_char]))


# a tradable sold, not given: "Priority support is available as a paid option", "training at the standard day rate"
_SOLD_NOT_GIVEN = re.compile(
    r"\b(?:paid|chargeable|billable)\s+(?:option|add-?on|extra|upgrade|service|feature|tier)s?\b|"
    r"\bat (?:an |the |our )?(?:extra|additional|standard|normal|usual|full|list)\s+(?:day\s+)?"
    r"(?:cost|charge|fee|price|rate)s?\b|\bfor an? (?:extra |additional |small |one-off )?(?:fee|charge)\b|"
    r"\b(?:billed|charged|invoiced|sold|priced)\s+(?:separately|extra|on top|at cost|pro[ -]?rata|"
    r"as an? (?:extra|add-?on))\b|"
    r"\bcosts? extra\b|\b(?:is|are) extra\b", re.I)


def _sold_not_given(span: Span) -> bool:
    """A value_add's words in a clause that sells the thing at its price: nothing is given."""
    clause = next((cl for cl in _clauses(span.sent) if cl.start <= span.start < cl.end), span.sent)
    return bool(_SOLD_NOT_GIVEN.search(clause.text))


# thanks or esteem for every customer alike ("We value all our customers equally") values nobody in particular
_EVERYONE_ALIKE = re.compile(r"\b(?:all|every|each)\s+(?:one\s+of\s+)?(?:(?:of\s+)?(?:our|the|my)\s+)?"
                             r"(?:customers?|clients?|accounts?|users?)\b|\beveryone\b|\beverybody\b|\bequally\b|"
                             r"\balike\b", re.I)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|u|ur)\b", re.I)


def _to_everyone(sent: Span) -> bool:
    """Appreciation aimed at all customers alike and never at this one: "We value all our customers equally"
    says this customer's years count for nothing special ("Thanks for your loyalty; we value all our
    customers" still thanks them)."""
    return bool(_EVERYONE_ALIKE.search(sent.text)) and not _SECOND_PERSON.search(sent.text)


# agreeing the customer's point, then keeping a number: "Fair, $33 stands." after going back on $33 keeps the
# better offer; it refuses nothing ("Sorry, $25 stands" and "Fair, but $25 stands" still refuse)
_CONCEDES_POINT = re.compile(
    r"^\W*(?:(?:ok|okay|yes|yeah|right|well)\W+)?(?:fair(?: enough| point)?|that'?s fair|you'?re right|you are right|"
    r"true|good point|point taken|my mistake|my bad|my error|my apologies|as promised|as agreed|"
    r"a deal'?s a deal|you have my word|i did say(?: that)?|i said (?:it|that))\b"
    r"(?![^.!?]*\b(?:but|however|though|although|still|unfortunately|sorry)\b)[^.!?]*$", re.I)
_STANDS = re.compile(r"^\W*(?:\S+\s+){0,3}?(?:still\s+)?(?:stands|holds|applies|is still on the table|"
                     r"is still (?:good|valid|there))\b", re.I)


def _honours(in_sentence: str, after: str) -> bool:
    """The rep concedes the customer's point and keeps a number said before: the number is put forward."""
    return bool(_CONCEDES_POINT.match(in_sentence) and _STANDS.match(after))


# -- the detector ---------------------------------------------------------------------------------
@dataclass
class Reading:
    """One turn as the passes read it: the text, its sentences and lemmas, the classifier's scores."""

    text: str
    truncated: bool
    doc: Doc
    sents: List[Span]
    cats: List[Dict[str, float]]  # per sentence: move -> the classifier's score
    lemma_sets: List[Set[str]]  # per sentence: its lemmas


class Detector:
    """A trained move detector: sentences and clauses, lemma patterns, question shapes, a classifier."""

    def __init__(self, nlp: Language, thresholds: Dict[str, float] | None = None):
        self.nlp = nlp
        self.thresholds: Dict[str, float] = dict(thresholds or THRESHOLDS)
        self.lemmatizer = nlp.get_pipe("parley_lemmatizer")
        self.textcat = nlp.get_pipe("textcat_multilabel")
        self.ensemble = nlp.get_pipe(ENSEMBLE_PIPE) if ENSEMBLE_PIPE in nlp.pipe_names else None
        # Plain phrases go to a PhraseMatcher on lemmas (one pass, however many phrases); phrases with
        # gaps, numbers or exact forms need the token Matcher.
        self.matcher = Matcher(nlp.vocab)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.weak: Set[str] = set()
        self.ours: Set[str] = set()  # phrases of the company's side (`ours`): not after "your"
        self.move_words: Dict[str, Set[str]] = {}
        for move, phrases in load_phrases().items():
            self.move_words[move] = {lemma for p in phrases for w in p.text.split() if w not in {"*", "#"}
                                     for alt in w.lstrip("=").split("|") for lemma in self._lemmas(alt.rstrip("?"))
                                     } - _STOP
            for n, phrase in enumerate(phrases):
                key = f"{move}|{n}"
                pattern = self._pattern(phrase.text)
                sequences = _expand(pattern)
                if sequences is None:
                    self.matcher.add(key, [pattern])
                else:
                    self.phrases.add(key, [Doc(nlp.vocab, words=seq, lemmas=seq) for seq in sequences])
                if phrase.weak:
                    self.weak.add(key)
                if phrase.ours:
                    self.ours.add(key)

    def _pattern(self, phrase: str) -> List[dict]:
        pattern: List[dict] = []
        for chunk in phrase.split():
            optional = chunk.endswith("?") and len(chunk) > 1
            chunk = chunk[:-1] if optional else chunk
            if chunk == "*":
                pattern.append({"OP": "{1,5}"})
                continue
            if chunk == "#":
                pattern.append({"LIKE_NUM": True})
                continue
            if chunk.startswith("=") and len(chunk) > 1:  # this exact word form, not its lemma
                pattern.extend({"LOWER": t.lower_} for t in self.nlp.make_doc(chunk[1:]))
                continue
            if "|" in chunk:
                lemmas = [self._lemmas(alt)[0] for alt in chunk.split("|")]
                pattern.append({"LEMMA": {"IN": lemmas}})
            else:
                for lemma in self._lemmas(chunk):
                    # "'s" is "is" or "has" ("that's", "it's been"): let it stand for either
                    pattern.append({"LEMMA": {"IN": [lemma, "'s"]}} if lemma in {"be", "have"} else {"LEMMA": lemma})
            if optional:
                pattern[-1]["OP"] = "?"
        return pattern

    def _lemmas(self, text: str) -> List[str]:
        return [self.lemmatizer.lookup_lemmatize(t)[0] for t in self.nlp.make_doc(text)]

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def train(cls, examples: Sequence[Labelled], epochs: int = classifier.EPOCHS, seed: int = classifier.SEED,
              architecture: str = ARCHITECTURE, thresholds: Dict[str, float] | None = None,
              tok2vec_weights: bytes | None = None) -> Detector:
        """A detector around a classifier trained on `examples` (`parley.classifier.train`)."""
        return cls(classifier.train(examples, epochs, seed, architecture, tok2vec_weights), thresholds)

    def to_disk(self, path: Path) -> None:
        self.nlp.to_disk(path)
        (Path(path) / "parley_thresholds.json").write_text(json.dumps(self.thresholds, indent=1), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: Path) -> Detector:
        nlp = spacy.load(path)
        if "parley_lemmatizer" not in nlp.pipe_names:
            # saved by an older Parley (e.g. inside a Rasa model trained before this version): its
            # classifier read other features, so use the current detector trained from the same data
            logger.warning("detector at %s predates lemma features; using one retrained from %s", path, TRAIN_FILE)
            return get_detector()
        saved = Path(path) / "parley_thresholds.json"
        return cls(nlp, json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else None)

    # -- detecting -----------------------------------------------------------------------------
    def detect(self, text: str) -> Analysis:
        return next(self.detect_many([text]))

    def detect_many(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Analysis]:
        for reading in self.read_many(texts, batch_size):
            yield self.analyse(reading)

    def read_many(self, texts: Iterable[str], batch_size: int = 256) -> List[Reading]:
        """Sentences, lemmas and the classifier's scores per sentence: everything the passes read."""
        prepared = [_prepare(t) for t in texts]
        classifiers = [name for name in self.nlp.pipe_names if name.startswith("textcat")]
        docs = list(self.nlp.pipe((p[0] for p in prepared), disable=classifiers, batch_size=batch_size))
        sentences = [[s for s in doc.sents if s.text.strip()] for doc in docs]
        lemmas = [[t.lemma_ for t in doc] for doc in docs]
        features = []
        for doc, doc_lemmas, sents in zip(docs, lemmas, sentences):
            words = feature_words(doc, doc_lemmas)
            features.extend(Doc(self.nlp.vocab, words=[w for w in words[s.start:s.end] if w] or ["<empty>"])
                            for s in sents)
        scored = iter(self._scores(features, batch_size))
        return [Reading(text, truncated, doc, sents, [next(scored) for _ in sents],
                        [set(doc_lemmas[s.start:s.end]) for s in sents])
                for (text, truncated), doc, doc_lemmas, sents in zip(prepared, docs, lemmas, sentences)]

    def _scores(self, features: List[Doc], batch_size: int) -> List[Dict[str, float]]:
        """The classifier's scores per feature doc: the bag of n-grams', mixed with the ensemble's in
        a "blend" (BLEND of the ensemble, the rest the bag's)."""
        scores = [dict(doc.cats) for doc in self.textcat.pipe(features, batch_size=batch_size)]
        if self.ensemble is None:
            return scores
        return [{m: (1 - BLEND) * s[m] + BLEND * doc.cats[m] for m in s}
                for s, doc in zip(scores, self.ensemble.pipe(features, batch_size=batch_size))]

    def analyse(self, reading: Reading) -> Analysis:
        """Run the named passes, in order, over one turn held as a typed candidate (see PASSES)."""
        candidate = Candidate(reading)
        for step in PASSES:
            step(self, candidate)
        return candidate.analysis()

    def _model_span(self, sent: Span, move: str) -> Span:
        """The clause of a long sentence that carries a move the classifier found in it: the one with
        most of the move's own words (from the phrase lexicon), else the whole sentence."""
        if len(sent) < 12:
            return sent
        clauses = _clauses(sent)
        if len(clauses) < 2:
            return sent
        words = self.move_words.get(move, set())
        hits = [sum(t.lemma_ in words for t in c) for c in clauses]
        best = max(range(len(clauses)), key=lambda j: hits[j])
        return clauses[best] if hits[best] else sent


# -- the passes -----------------------------------------------------------------------------------
@dataclass
class Evidence:
    """The best evidence so far that a sentence carries a move."""

    rank: Tuple[int, int, int]
    span: Span  # the words that show it
    sent: Span
    source: str  # "pattern" or "model"
    score: float


class Candidate:
    """One turn while the passes read it: the reading, and what they have found so far per
    (move, sentence index); each pass adds or removes evidence."""

    def __init__(self, reading: Reading):
        self.reading = reading
        self.text, self.doc, self.sents = reading.text, reading.doc, reading.sents
        self.cats, self.lemma_sets = reading.cats, reading.lemma_sets
        self.starts = [s.start for s in self.sents]
        self.found: Dict[Tuple[str, int], Evidence] = {}
        self.shapes: List[Shape | None] = [None] * len(self.sents)
        self.amounts: Tuple[Amount, ...] = ()
        self.refused: Set[int] = set()  # sentences where the rep turns a number down
        self.vetoed: Set[Tuple[str, int]] = set()  # (move, sentence) whose phrase a rule found to be a look-alike
        self._dismissive: Dict[int, bool] = {}

    def add(self, move: str, span: Span, source: str, score: float, k: int) -> None:
        """Record evidence: a pattern beats the classifier; among patterns the earlier (then longer)
        match, among model spans the shorter."""
        length = span.end - span.start
        rank = (1, -span.start, length) if source == "pattern" else (0, 0, -length)
        old = self.found.get((move, k))
        if old is None or rank > old.rank:
            self.found[(move, k)] = Evidence(rank, span, self.sents[k], source, score)

    def by(self, move: str, k: int, source: str) -> bool:
        """Whether sentence k carries the move, found by that source."""
        return (move, k) in self.found and self.found[(move, k)].source == source

    def sentence_of(self, token_i: int) -> int | None:
        k = bisect.bisect_right(self.starts, token_i) - 1
        return None if k < 0 or token_i >= self.sents[k].end else k

    def dismissive(self, k: int) -> bool:  # worked out only for sentences where empathy shows up
        if k not in self._dismissive:
            sents = self.sents
            self._dismissive[k] = empathy.dismissive(sents[k]) or \
                k + 1 < len(sents) and empathy.brushed_aside(sents[k], sents[k + 1])
        return self._dismissive[k]

    def turns_to_self(self, k: int) -> bool:
        return k + 1 < len(self.sents) and empathy.turns_to_self(self.sents[k], self.sents[k + 1])

    def empathy_ok(self, k: int) -> bool:
        """May the classifier's empathy stand in sentence k?  It needs a feeling word turned towards
        the customer, or an acknowledgement of their situation ("I know your kids need it"), and no
        refusal, not the speaker's own feelings."""
        lemmas = self.lemma_sets[k]
        # a feeling word turned to them ("that must be hard") or acknowledged ("I know the upfront payment is hard")
        feels = bool(lemmas & empathy.CUES) and bool(lemmas & (_TOWARDS | empathy.ACKNOWLEDGE)) or \
            empathy.acknowledges_situation(self.sents[k])
        return feels and not self.dismissive(k) \
            and not empathy.look_alike(self.sents[k]) and not empathy.own_feelings(self.sents[k]) \
            and not self.turns_to_self(k)

    def empathy_plausible(self, k: int) -> bool:
        """Empathy without a feeling word may still be empathy ("it sounds like you've been taken for
        granted"), but never a refusal, a look-alike, the speaker's own feelings, a turn to self, or the
        speaker's own wants: "I know my sister and I want to make s'mores" is about the speaker, however sure
        the classifier is; nor is a verdict on the deal ("sounds reasonable")."""
        return not empathy.about_self(self.sents[k]) and not self.dismissive(k) and \
            not empathy.look_alike(self.sents[k]) and not empathy.own_feelings(self.sents[k]) and \
            not self.turns_to_self(k) and not empathy.verdict(self.sents[k])

    def analysis(self) -> Analysis:
        detections = tuple(sorted(
            (Detection(move, e.span.start_char, e.span.end_char, e.span.text, _quote(e.span, e.sent), e.source,
                       round(e.score, 3))
             for (move, _k), e in self.found.items()),
            key=lambda d: (d.start, PRIORITY.index(d.move))))
        moves = tuple(dict.fromkeys(d.move for d in detections)) or (Move.other.value,)
        scores = {m: round(max((c.get(m, 0.0) for c in self.cats), default=0.0), 4) for m in REAL_MOVES}
        kinds = {(move, e.span.start_char): self.shapes[k].kind for (move, k), e in self.found.items()
                 if self.shapes[k] is not None}
        return Analysis(self.text, moves, detections, self.amounts, self.reading.truncated, scores,
                        tuple(sorted(signals.read(self.text))), wording.questions(self.text, detections, kinds))


def question_shapes(detector: Detector, c: Candidate) -> None:
    """Pass 1: the question form of each sentence (parley/questions.py); a quoted question asks nothing."""
    for k, (sent, lemmas) in enumerate(zip(c.sents, c.lemma_sets)):
        shape = question_shape(sent) if may_ask(sent, lemmas) else None
        c.shapes[k] = None if shape is not None and quoted(sent, shape.start) else shape


# whose cost it is: "your bills doubled" is the customer's, and so is "my bill" in "I'd be annoyed too
# if my bill jumped like that"
_YOURS = {"your", "ur", "yr", "you", "u", "my"}


def _customers_own(c: Candidate, span: Span, k: int) -> bool:
    """"your" (or "my") in the three words before a phrase of the company's side (flagged `ours`), or the
    phrase said back in a summary ("So fuel costs jumped and the budget didn't")."""
    return ("summary", k) in c.found or \
        any(word(t) in _YOURS for t in c.doc[max(c.sents[k].start, span.start - 3): span.start])


def _pattern_vetoed(c: Candidate, move: str, span: Span, k: int, weak: bool) -> bool:
    """The look-alikes of a phrase match: true when the words are there but the move is not."""
    doc, sent, shape = c.doc, c.sents[k], c.shapes[k]
    if move == "greeting":
        return k != 0 or span.start - sent.start > 3  # a greeting opens the turn
    if move == "empathy" and (empathy.look_alike(sent, span) or c.turns_to_self(k) or
                              span[-1].lemma_ == "hear" and bool(re.match(r"\s*from\b", doc.text[span.end_char:]))):
        return True  # "good to hear from you" greets
    if move in _NEGATABLE and (_negated(span) or _denied_after(span)):
        return True
    if move == "value_add" and _sold_not_given(span):
        return True  # "Priority support is available as a paid option" sells it; it gives nothing
    if move == "appreciation" and _to_everyone(sent):
        return True  # "We value all our customers equally" values nobody in particular
    if move == "concession" and span[0].lemma_ in {"keep", "hold"} and \
            _OBLIGED.search(doc.text[sent.start_char: span.start_char]):
        return True  # "I can keep you at $23" gives; "I have to keep you at $25" holds
    if move == "conditional_trade" and _ASKS_TO_EXPLAIN.match(span.text):
        return True  # "if you could tell me more about your team, I can see what fits" asks; it trades nothing
    if move == "close" and span.start > sent.start and word(doc[span.start - 1]) in {"who", "that", "which"}:
        return True  # "are you the person who signs off the order?" asks who; it closes nothing
    if move == "close" and _asks_about_others(c, k, span):
        return True  # "has your finance team signed off the budget?" asks a fact about someone else; it closes nothing
    if move == "pressure" and span[0].lower_ == "pain" and \
            not {word(t) for t in doc[max(sent.start, span.start - 4): span.start]} & {"you", "u", "ur", "your"}:
        return True  # "a rival quote is a pain to deal with" feels for them; "you're a pain to deal with" insults
    if move == "rationale" and {t.lemma_ for t in span} <= {"to", "explain"} and \
            shape is not None and shape.kind == "open":
        return True  # "would you be so kind as to explain ...?" asks them to explain
    if move == "summary" and weak and c.dismissive(k):
        return True  # "sorry you feel that way" reflects nothing back
    if move == "summary" and span.start > sent.start and word(span[0]) in {"you", "we"} and \
            word(doc[span.start - 1]) in AUX_FORMS:
        return True  # "have you mentioned this to your manager?" asks; "you mentioned ..." sums up
    return False


# who a yes/no question may ask to close: the rep, the customer, the two of them, or the offer on the table
_CLOSING_SUBJECTS = {"i", "we", "you", "u", "ya", "that", "this", "it", "everything", "everyone", "all", "there"}


def _asks_about_others(c: Candidate, k: int, span: Span) -> bool:
    """A yes/no question about a third party ("are the partners open to a multi-year deal?", "is ur partner signing
    off or u?"): its close phrase asks whether someone else signs or agrees, a fact; it proposes to finalise
    nothing ("shall I send it over?", "are you happy to sign?", "is that a deal?" close)."""
    shape, doc = c.shapes[k], c.doc
    if shape is None or shape.kind not in {"closed", "check"} or word(doc[shape.start]) not in AUX_FORMS:
        return False
    at = shape.start + 1
    if at < c.sents[k].end and word(doc[at]) in {"n't", "not", "nt"}:
        at += 1
    return at < span.start and at < c.sents[k].end and word(doc[at]) not in _CLOSING_SUBJECTS


def phrase_patterns(detector: Detector, c: Candidate) -> None:
    """Pass 2: the phrases of each move (parley/data/moves/phrases/), minus their look-alikes; a weak
    phrase needs some support from the classifier; a dismissive "I understand, but" holds."""
    matches = detector.matcher(c.doc) + detector.phrases(c.doc)
    for match_id, start, end in sorted(matches, key=lambda m: (m[1], -m[2])):
        key = detector.nlp.vocab.strings[match_id]
        move = key.split("|", 1)[0]
        k = c.sentence_of(start)
        if k is None:
            continue
        score = c.cats[k].get(move, 0.0)
        weak = key in detector.weak
        if weak and score < SUPPORT:
            continue
        if move == "empathy" and c.dismissive(k):
            c.add("hold_position", c.sents[k], "pattern", 1.0, k)
            continue
        span = c.doc[start:end]
        if _pattern_vetoed(c, move, span, k, weak) or key in detector.ours and _customers_own(c, span, k):
            c.vetoed.add((move, k))
        else:
            c.add(move, span, "pattern", 1.0 if not weak else max(score, SUPPORT), k)


def shape_moves(detector: Detector, c: Candidate) -> None:
    """Pass 3: the moves a sentence's form makes: an open or closed question, a check, a jab, hello."""
    for k, (sent, shape) in enumerate(zip(c.sents, c.shapes)):
        if shape is None:
            continue
        scores = c.cats[k]
        span = c.doc[shape.start: sent.end]
        if shape.kind in {"open", "closed"} and QUESTION_OVERRIDE is not None:
            other = "closed" if shape.kind == "open" else "open"
            if scores.get(f"{other}_question", 0.0) >= QUESTION_OVERRIDE and \
                    scores.get(f"{shape.kind}_question", 0.0) < 0.3:
                c.add(f"{other}_question", span, "model", scores[f"{other}_question"], k)
                continue
        if shape.kind == "open":
            c.add("open_question", span, "pattern", 1.0, k)
        elif shape.kind in {"closed", "proposal"}:  # "how about $23?" asks for a yes or a no
            c.add("closed_question", span, "pattern", 1.0, k)
        elif shape.kind == "question":
            # a statement said as a question asks for a yes or a no, unless it checks a summary:
            # "so it's the WhatsApp side mostly?" sums up what the customer said
            if any(SO_CHECK.match(clause.text) for clause in _clauses(sent)):
                # "hi sam, so its the delivery fee thats bugging you?": the clause that sums up may follow a hello
                c.add("summary", span, "pattern", 1.0, k)
            elif scores.get("summary", 0.0) < detector.thresholds["summary"] or \
                    scores.get("closed_question", 0.0) >= scores.get("summary", 0.0):
                c.add("closed_question", span, "pattern", 1.0, k)
        elif shape.kind == "check":
            offers = any((m, k) in c.found for m in ("concession", "value_add", "conditional_trade"))
            if ("close", k) not in c.found and ("summary", k) not in c.found:
                # "if I can do $23, would that work?" checks agreement to an offer: it sums up nothing
                c.add("summary" if scores.get("summary", 0) >= scores.get("close", 0) and not offers
                      else "close", span, "pattern", 1.0, k)
        elif shape.kind == "rhetorical":
            c.add("pressure", span, "pattern", 1.0, k)
        elif shape.kind == "phatic" and k == 0:
            c.add("greeting", span, "pattern", 1.0, k)


# a sentence that is nothing but an apology: "Sorry, sorry.", "Oh gosh, I'm so sorry!", "My apologies."
_APOLOGY_ONLY = re.compile(r"^\W*(?:(?:oh|gosh|god|dear|um+|er+|so|very|really|truly|terribly|awfully|i'?m|i am|im|"
                           r"my|again|sorry|sry|soz|apologies|apologise|apologize)\b\W*)*"
                           r"(?:sorry|sry|soz|apologies|apologise|apologize)\b(?:\W*(?:sorry|again|about that)\b)*\W*$",
                           re.I)


def _model_vetoed(c: Candidate, move: str, score: float, k: int) -> bool:
    """Where the classifier's reading of a sentence cannot stand, whatever its score."""
    sent, shape = c.sents[k], c.shapes[k]
    if move in QUESTIONS:
        return True  # the sentence's form decides whether, and which kind of, question it asks
    confident = CONFIDENT is not None and score >= CONFIDENT
    if move == "empathy" and not c.empathy_ok(k) and \
            not (score >= EMPATHY_CONFIDENT and c.empathy_plausible(k) and (move, k) not in c.vetoed):
        return True  # "I understand you're reviewing suppliers" was found a look-alike: no override
    if move == "conditional_trade" and not _CONDITION.search(sent.text) and not confident:
        return True  # a trade asks for something back: "because you've ordered for years" asks nothing
    if move == "greeting" and (k != 0 or not _GREETING_WORD.search(sent.text) and not confident):
        return True  # "well its up to u" greets nobody; "Good day to you, Mr Okafor" does
    if move == "hold_position" and _APOLOGY_ONLY.match(sent.text):
        return True  # "Sorry, sorry." apologises; it refuses nothing (R3)
    weak_no = move == "hold_position" and shape is not None and shape.kind in {"open", "closed"}
    # a plain question is rarely pressure (the rhetorical ones have their own shape)
    weak_push = move == "pressure" and shape is not None and shape.kind in PRESSURE_NEEDS_MORE
    if weak_no and score < 0.6 or weak_push and score < PRESSURE_IN_QUESTION:
        return True  # "is it the price or something else" asks; it refuses nothing
    if shape is not None and shape.kind == "rhetorical" and move in {"summary", "close"}:
        return True
    if move == "appreciation" and _to_everyone(sent):
        return True  # "We value all our customers equally": esteem for everyone alike, none for this customer
    if move == "summary" and _OFFER_OPENING.match(sent.text):
        return True  # "I could offer quarterly invoicing so the cost is spread out" offers; it restates nothing
    if move == "value_add" and _describes_service(sent):
        return True  # "Support is provided during business hours" states a term; nobody gives anything
    if move == "close" and not confident and _WANTS_TO_LEARN.search(sent.text):
        return True  # "I want compare all contract" says why the rep asks; it finalises nothing
    # "what matters most to you?" asks; a restating open question ("so you're worried about cash flow,
    # what would help?") was already found by the summary phrases
    return move == "summary" and shape is not None and shape.kind == "open"


OFFER_WORDS_FILE = DATA_DIR / "offer_words.yml"


@lru_cache(maxsize=1)
def _offer_words() -> Dict[str, frozenset]:
    """The lists of offer_words.yml as sets, read once."""
    data = yaml.safe_load(OFFER_WORDS_FILE.read_text(encoding="utf-8")) or {}
    return {name: frozenset(str(w).lower() for w in words) for name, words in data.items()}


def _describes_service(sent: Span) -> bool:
    """"Support is provided during business hours on working days": a service described in the passive, with nobody
    giving it and nobody receiving it (no "we", "you", "free", "included", ...), states a term; it offers nothing
    (the lists are data, parley/data/moves/offer_words.yml)."""
    words = _offer_words()
    said = [t.lower_ for t in sent]
    passive = any(a in {"is", "are"} and b in words["service_passives"] for a, b in zip(said, said[1:]))
    return passive and words["givers"].isdisjoint(said)


def _denied_in(detector: Detector, span: Span, move: str) -> bool:
    """The model's reading of an offer, thanks or a close whose cue word is negated or the subject of a
    refusal: "nobody else will give you free delivery", "Free shipping doesn't apply to consumables"."""
    if move not in _NEGATABLE:
        return False
    cue = next((t for t in span if t.lemma_ in detector.move_words.get(move, ())), None)
    return cue is not None and (_negated(span.doc[cue.i: cue.i + 1]) or _denied_after(span.doc[cue.i: cue.i + 1]))


def _bar(detector: Detector, c: Candidate, move: str, k: int) -> float:
    """The score the classifier's move must reach: its calibrated threshold, or only some support (`SUPPORT`) for
    empathy in a sentence that acknowledges the other side's situation ("I understand you need the water for your
    kids"), which is to the classifier what a weak phrase is to the patterns."""
    if move == "empathy" and empathy.acknowledges_situation(c.sents[k]):
        return min(detector.thresholds[move], SUPPORT)
    return detector.thresholds[move]


def classifier_moves(detector: Detector, c: Candidate) -> None:
    """Pass 4: the classifier's moves above their calibrated thresholds, where no rule vetoes them."""
    for k, scores in enumerate(c.cats):
        for move, score in scores.items():
            if score < _bar(detector, c, move, k) or (move, k) in c.found or _model_vetoed(c, move, score, k):
                continue
            span = detector._model_span(c.sents[k], move)
            if _denied_in(detector, span, move):
                continue  # "nobody else will give you free delivery" offers nothing
            if move == "value_add" and _sold_not_given(span):
                continue  # "training is available at the standard day rate" sells it
            c.add(move, span, "model", score, k)


def _belittled(c: Candidate, k: int, clause: Span) -> bool:
    """A jab dressed as a question ("is $5 really such a big deal for a shop your size?"): its amount is belittled,
    not put forward (play-test F1; the jabs are `rhetorical` in parley/data/moves/questions.yml).  An offer in the
    same sentence still offers: "I can do $23, is that really too much?"."""
    shape = c.shapes[k]
    return shape is not None and shape.kind == "rhetorical" and not _WE_CAN.search(clause.text)


def _amount_role(c: Candidate, n: int, amount: Amount, span: Span, k: int, rivals: Set[int]) -> bool | None:
    """Whether the rep puts amount n forward (True), only names, weighs or refuses it (False), or the
    words don't say (None).  A refusal marks the sentence in `c.refused`."""
    doc, text, sent = c.doc, c.text, c.sents[k]
    clause = next((cl for cl in _clauses(sent) if cl.start <= span.start < cl.end), sent)
    before, after = doc.text[clause.start_char: span.start_char], doc.text[span.end_char: clause.end_char]
    in_sentence = doc.text[sent.start_char: span.start_char]
    if _belittled(c, k, clause):
        rivals.add(n)
        return False
    if _RIVAL_BEFORE.search(in_sentence) or n - 1 in rivals and \
            _RIVAL_GOES_ON.match(text[c.amounts[n - 1].end: amount.start]) or \
            _JUDGED_AFTER.match(after) or _WHY.match(sent.text):
        # "less than RelayDesk at $29 then $38", "is $25 too much?", "why is the $25 a problem?":
        # a price compared, weighed or asked about; nobody puts it forward
        rivals.add(n)
        return False
    proposed = bool(_PROPOSED_AT.search(before) or _HEDGED_AFTER.match(doc.text[span.end_char: sent.end_char]))
    # "how about $24 ... so it fits your budget?" proposes $24 for their budget; "your budget is $22" and "you
    # mentioned maybe $22?" are theirs
    their_words = [m.start() for m in _THEIR_NUMBER.finditer(clause.text)]
    theirs = (any(at < len(before) for at in their_words) or their_words and not proposed or
              _NAMED_BEFORE.search(before) and _NAMED_AFTER.match(after)) \
        and not (_WE_CAN.search(clause.text) or _REVISES.search(clause.text))
    # "what does the 15% cut mean for you?" names their number
    if _honours(in_sentence, after):
        return True  # "Fair, $33 stands.": the rep keeps the better number they went back on
    if _RESTATED.search(text) and not proposed and not _WE_CAN.search(clause.text):
        c.refused.add(k)  # "We've been through this. $48.": the same price again, a hold
        return False
    refused_before = _REFUSED_BEFORE.search(in_sentence)  # across clauses
    if _negated(span, window=8) or refused_before or _REFUSED_AFTER.match(after) or theirs:
        if not theirs:  # "I can't match $29", "$42 isn't something I can offer", "you need 15% off"
            c.refused.add(k)
        return False
    if _NOT_OFFER.search(clause.text) and not _WE_CAN.search(clause.text):
        return False  # "it went up to $25", "they average $33.50": not given
    if _CALCULATION.search(clause.text) and not _WE_CAN.search(clause.text):
        # "that saves you $600 a year" gives nothing; "That's $25.50 a vehicle a month" spells out a unit price
        # (the engine hears it where the rep closes on it); "that's $5 more than last year" compares
        worked_out = amount.kind == "money" and amount.role == "price" and _WORKED_OUT_TO.search(before) and \
            not _COMPARED_AFTER.match(after)
        return None if worked_out else False
    if (c.by("summary", k, "pattern") or c.by("empathy", k, "pattern")) and not proposed and \
            not (_WE_CAN.search(sent.text) or _TAKES_NUMBER.search(sent.text)):
        # "so a 15% lower total is the target, right?" sums up their number, "I get it, a 15% cut is a lot"
        # feels for them: a number said back in a summary or in empathy offers nothing
        return False
    if not (_offers(clause) or _PROPOSES_BEFORE.search(in_sentence) or proposed and "?" in sent.text or
            _OFFER_GOES_ON.search(before) and _WE_CAN_DO.search(in_sentence)):
        return None  # "maybe $27.50?" asks for a yes to a price: proposed, however nervously
    if amount.role == "period" and not (_TAKES_NUMBER.search(clause.text) or _PERIOD_PRICE.search(clause.text)):
        return None  # "$600 a year" is a total; "would £29 a month get us there?" is a monthly price
    return True


def amount_roles(detector: Detector, c: Candidate) -> None:
    """Pass 5: money and percentages (parley/amounts.py) and who puts each forward; an amount put
    forward is a concession, one turned down a refusal, a concession on nobody's number is dropped."""
    c.amounts = find_amounts(c.text)
    offered: Dict[int, bool] = {}
    rivals: Set[int] = set()  # amounts that are someone else's price, or a price weighed
    for n, amount in enumerate(c.amounts):
        if (amount.kind, amount.role) in {("money", "other"), ("percent", "period")}:
            continue
        span = c.doc.char_span(amount.start, amount.end, alignment_mode="expand")
        k = None if span is None else c.sentence_of(span.start)
        if k is None:
            continue
        role = _amount_role(c, n, amount, span, k, rivals)
        if role is not None:
            offered[n] = role
        if role:
            c.add("concession", span, "pattern", 1.0, k)
    c.amounts = tuple(replace(a, offered=offered[n]) if n in offered else a for n, a in enumerate(c.amounts))
    for move, k in [key for key in c.found if key[0] == "concession"]:
        span = c.found[(move, k)].span
        inside = [a for a in c.amounts if span.start_char <= a.start < span.end_char]
        if inside and all(a.offered is False for a in inside):
            del c.found[(move, k)]  # "you need 15% off, is that right?": their number, not a concession
    for k in c.refused:
        if not any(key[1] == k for key in c.found):
            c.add("hold_position", c.sents[k], "pattern", 1.0, k)  # "we're unable to go to $29": a plain no
    for _move, k in [key for key in c.found if key[0] == "concession"]:
        _proposal_not_summary(c, k)


def _proposal_not_summary(c: Candidate, k: int) -> None:
    """"Would $28 perhaps be OK?" has the form of a check, which pass 3 read as a summary because no offer was
    found yet; with its price put forward it asks a yes or a no to a proposal (as "would $23 work for you?"
    does), and sums up nothing (R3). A summary of the customer's words ("so a 15% cut is the target, right?")
    never gets here: its number is theirs, not put forward."""
    shape, found = c.shapes[k], c.found.get(("summary", k))
    if shape is None or found is None or shape.kind not in {"check", "question"} or \
            (found.span.start, found.span.end) != (shape.start, c.sents[k].end):
        return  # a summary phrase ("if I've got this right, ...") stays a summary
    del c.found[("summary", k)]
    c.add("closed_question", found.span, "pattern", 1.0, k)


QUESTION_MOVES_FILE = DATA_DIR / "question_moves.yml"


@lru_cache(maxsize=1)
def _question_moves() -> dict:
    return yaml.safe_load(QUESTION_MOVES_FILE.read_text(encoding="utf-8")) or {}


_OFFERS = ("concession", "value_add", "conditional_trade")


def _confirmed_before(c: Candidate, k: int) -> bool:
    """Sentence k is a bare confirmation ("Correct?", "Right?", "Yes?") of the statement before it."""
    if k == 0 or "?" not in c.sents[k].text or c.shapes[k - 1] is not None:
        return False
    said = " ".join(t.lower_ for t in c.sents[k] if not t.is_punct)
    return said in _question_moves().get("confirmations", ())


def confirmations(c: Candidate) -> None:
    """"You need 40 seats and a named contact. Correct?": the bare check asks the customer to confirm the statement
    before it, a summary (a close when that statement makes an offer: "I can do $23 from March. Ok?" is not this, "ok"
    is no confirmation word); it asks no closed question of its own."""
    for k in range(1, len(c.sents)):
        if not _confirmed_before(c, k):
            continue
        c.found.pop(("closed_question", k), None)
        offers = any((m, k - 1) in c.found for m in _OFFERS) and _WE_CAN.search(c.sents[k - 1].text)
        move = "close" if offers else "summary"
        if (move, k - 1) not in c.found:
            c.add(move, c.sents[k], "pattern", 1.0, k)


def offers_proposed(c: Candidate) -> None:
    """"How about $23 a unit?", "what if we moved you to quarterly invoicing?": a proposal that makes an offer is
    the offer; it asks the customer nothing to find out (README convention; the training files label it so 18 times
    in 27, and the DESIGN.md-only held-out writer does too).  "Would $23 work for you?" asks their yes or no: still
    a closed question, and a proposal with no offer in it ("what if we looked at the delivery terms?") still asks."""
    for k, shape in enumerate(c.shapes):
        if shape is not None and shape.kind == "proposal" and any((m, k) in c.found for m in _OFFERS):
            c.found.pop(("closed_question", k), None)


def conflicts(detector: Detector, c: Candidate) -> None:
    """Pass 6: one reading per sentence where two moves exclude each other."""
    confirmations(c)
    offers_proposed(c)
    found = c.found
    for k, (sent, shape) in enumerate(zip(c.sents, c.shapes)):
        if ("value_add", k) in found and (c.by("summary", k, "pattern") or _checked_after(c, k)) and \
                not _WE_CAN.search(sent.text):
            # "to summarise: you need 30 seats and a named contact" offers nothing, and nor does "So they're $29
            # for year one and messaging is the gap. Is that right?"
            del found[("value_add", k)]
        if ("concession", k) in found and c.by("close", k, "pattern") and \
                shape is not None and shape.kind in {"closed", "check", "question"} and "?" in sent.text and \
                _floats_offer(c, k):
            # "would $23 work for you?" makes a new offer and asks yes or no; "I can do $23, does that work?" and
            # "shall we agree on $23?" close on it (_floats_offer)
            c.add("closed_question", found[("close", k)].span, "pattern", 1.0, k)
            del found[("close", k)]
    for move, k in list(found):
        if move == "closed_question" and (("open_question", k) in found or any(
                (m, k) in found and (found[(m, k)].source == "pattern" or
                                     found[(m, k)].score > c.cats[k].get(move, 0.0))
                for m in ("close", "summary"))):
            # one sentence, one kind of question: an open one wins, and a yes/no question that
            # proposes to finalise ("shall I set that up?") or checks a summary is that move
            del found[(move, k)]
        elif move == "close" and c.by("summary", k, "pattern") and found[(move, k)].source == "model":
            del found[(move, k)]  # "have I got that right?" checks understanding; it closes nothing
        elif move == "close" and ("open_question", k) in found and found[(move, k)].source == "model":
            del found[(move, k)]  # "anything looking further ahead?" explores; only a rule's close stands (R5)
        elif move == "close" and c.by("hold_position", k, "pattern") and found[(move, k)].source == "model":
            del found[(move, k)]  # "we have to stick with the new price" refuses; it finalises nothing
        elif move == "conditional_trade" and ("open_question", k) in found and not _WE_CAN.search(c.sents[k].text):
            del found[(move, k)]  # "what would you lose if you switched?" asks; it trades nothing
        elif move == "conditional_trade" and _acceptance_asked_at_a_price(c, k):
            # "would you sign at $48?" asks for a yes and nothing else: no trade.  Whether $48 is an offer
            # is the amount pass's call (at Dana's list price it is none)
            del found[(move, k)]
    # A refusal next to an offer ("I can't match $29. I can do $30.") is read as both, as every labelled file
    # labels it; the customer and the coach meet it as a no that engages (`reading.refused_with_an_offer`).


def _clause_index(sent: Span, token_i: int) -> int:
    return next((j for j, cl in enumerate(_clauses(sent)) if cl.start <= token_i < cl.end), 0)


def _floats_offer(c: Candidate, k: int) -> bool:
    """Sentence k is a yes/no question with an offer and a close phrase in it: does the question float the offer
    (a concession asked yes or no, DESIGN.md: "would $23 work for you?", "if I could do $23, would that work?")
    or close on it?  The rep proposing to finalise ("shall we agree on $23?", "can we agree $32 today?", "... $23,
    shall I draw that up?") closes, and so does a check said after the offer's own clause ("I can do $23, does that
    work for you?", "ill go to 23, deal?": README conventions, "Does that work for you?" after an offer)."""
    sent, shape, doc = c.sents[k], c.shapes[k], c.doc
    asks = word(doc[shape.start])
    subject = word(doc[shape.start + 1]) if shape.start + 1 < sent.end else ""
    if asks in AUX_FORMS and subject in {"we", "i"}:
        return False
    if asks in {"would", "could", "might"}:
        return True
    offered = [a for a in c.amounts if a.offered and sent.start_char <= a.start < sent.end_char]
    offer_at = c.doc.char_span(offered[0].start, offered[0].end, alignment_mode="expand").start if offered \
        else c.found[("concession", k)].span.start
    return _clause_index(sent, offer_at) == _clause_index(sent, c.found[("close", k)].span.start)


def _checked_after(c: Candidate, k: int) -> bool:
    """Sentence k is what a bare check after it ("Is that right?", "Have I got that right?") asks the customer
    to confirm: a summary of what they said."""
    if k + 1 < len(c.sents) and _confirmed_before(c, k + 1):
        return True  # "You need 40 seats, monthly billing and a named contact. Correct?"
    if k + 1 >= len(c.sents) or not c.by("summary", k + 1, "pattern"):
        return False
    return sum(1 for t in c.sents[k + 1] if not t.is_punct) <= 6


# what a real trade asks of the customer besides a yes: a term, a volume, paying early, a reference
_TRADED_FOR = re.compile(r"\b(?:if|provided|providing|as long as|so long as|in exchange|in return|on condition|unless|"
                         r"years?|months?|term|contract|commit\w*|volume|seats?|more|extra|prepay\w*|upfront|up front|"
                         r"annual\w*|referr\w*|reference|case study|review|testimonial)\b", re.I)


def dismissive_questions(detector: Detector, c: Candidate) -> None:
    """Pass 7: a jab dressed as a question ("why should I care if you leave?", "do you want to leave then?")
    is pressure and asks nothing: in a sentence read as pressure, the question moves go (DESIGN.md: a
    rhetorical question used as pressure is pressure; issue 16)."""
    for move, k in list(c.found):
        jab = c.found.get(("pressure", k))
        # the jab is the question itself when its words (a phrase or the jab's shape, not the classifier's
        # guess) start no later than the question's; a pressure phrase inside a real question is what the
        # question asks about ("what made you look elsewhere?")
        if move in QUESTIONS and jab is not None and jab.source == "pattern" and \
                jab.span.start <= c.found[(move, k)].span.start:
            del c.found[(move, k)]
        elif move in QUESTIONS and jab is not None and jab.source == "model":
            # the classifier's pressure stands in a question only when it is sure (PRESSURE_IN_QUESTION): then the
            # question form is the jab ("Don't you think you're overreacting?"), and asks nothing
            del c.found[(move, k)]


def _acceptance_asked_at_a_price(c: Candidate, k: int) -> bool:
    """A yes/no question that names a price the rep puts forward and asks for nothing but acceptance."""
    sent, shape = c.sents[k], c.shapes[k]
    if shape is None or shape.kind not in {"closed", "check", "question"} or _TRADED_FOR.search(sent.text):
        return False
    inside = [a for a in c.amounts if sent.start_char <= a.start < sent.end_char and a.kind == "money"]
    return bool(inside) and all(a.offered is not False for a in inside)


def sign_off(detector: Detector, c: Candidate) -> None:
    """Pass 8: "Kind regards, Alex Morgan, Account Manager" signs off; it offers nothing."""
    last = len(c.sents) - 1
    if last > 0 and _SIGN_OFF.match(c.sents[last].text) and " for " not in c.sents[last].text:
        for key in [key for key in c.found if key[1] == last]:
            del c.found[key]


def fallback(detector: Detector, c: Candidate) -> None:
    """Pass 9: a turn of a few words where nothing was found takes the classifier's best move, if it is
    sure enough and no rule says otherwise."""
    sents, cats = c.sents, c.cats
    if c.found or not sents or sum(1 for t in c.doc if not t.is_punct) < 3:
        return
    best, top = max(((m, max(cat.get(m, 0.0) for cat in cats)) for m in REAL_MOVES if m not in QUESTIONS),
                    key=lambda ms: ms[1])
    if top < FALLBACK:
        return
    k = max(range(len(sents)), key=lambda j: cats[j].get(best, 0.0))
    in_k = [a.offered for a in c.amounts if sents[k].start_char <= a.start < sents[k].end_char]
    reported = best in {"concession", "value_add"} and (
        bool(_NOT_OFFER.search(sents[k].text)) and not _WE_CAN.search(sents[k].text) or
        bool(in_k) and False in in_k and True not in in_k) or \
        best in {"value_add", "conditional_trade"} and bool(_SOLD_NOT_GIVEN.search(sents[k].text)) or \
        best == "appreciation" and _to_everyone(sents[k]) or _denied_in(detector, sents[k], best)
    # "the price went to $25" offers nothing; "priority support is available as a paid option" sells it;
    # "free shipping doesn't apply to consumables" refuses it (the same guard as the classifier pass)
    greets = best != "greeting" or k == 0 and bool(_GREETING_WORD.search(sents[k].text))
    if (best != "empathy" or c.empathy_ok(k)) and not reported and greets:
        c.add(best, sents[k], "model", top, k)


def no_words(detector: Detector, c: Candidate) -> None:
    """Pass 10: "🙂🙏💸" or "?!": no words, so no move to read into it."""
    if not any(ch.isalnum() for ch in c.text):
        c.found.clear()


PASSES = (question_shapes, phrase_patterns, shape_moves, classifier_moves, amount_roles, conflicts,
          dismissive_questions, sign_off, fallback, no_words)


_ASKS_TO_EXPLAIN = re.compile(r"if you (?:could|would|can|don'?t mind|wouldn'?t mind)(?: just)? (?:tell|explain|share|"
                              r"let me know|help me|walk me|describe|give me (?:a|some) (?:sense|idea|picture))\b",
                              re.I)
_TOWARDS = {"you", "your", "yours", "u", "ur", "that", "this", "it", "must", "sound", "such", "how", "what"}
_OBLIGED = re.compile(r"\b(?:have|has|need|needs|got|must)\s+(?:to\s+)?$", re.I)
_NEGATABLE = {"concession", "value_add", "conditional_trade", "appreciation", "close"}
_CALCULATION = re.compile(r"\b(works? out|sav(?:e|es|ing) you|comes? to|adds? up|in total|that's|that is|which is|"
                          r"compared|versus|vs)\b", re.I)
_WE_CAN = re.compile(r"\b(i|we) (can|could|'ll|will)\b", re.I)
# a sentence that opens with the rep's own offer ("I could offer ...", "we'll add ..."); a summary phrase ("so you
# need ...", "you said ...") is found by the patterns before the classifier is asked, so only its guess is vetoed.
# "I can see / hear / imagine ..." reflects what the customer said and is left alone.
_OFFER_OPENING = re.compile(r"^\W*(?:(?:ok(?:ay)?|well|right|look|and|but|then|now)\W+)?(?:i|we)\s*"
                            r"(?:can|could|'ll|will|'d|would)\s+"
                            r"(?!(?:see|hear|tell|imagine|understand|appreciate|sense|get)\b)", re.I)
# The rep saying what they want to find out ("I want compare all contract", "I'd like to understand the numbers"):
# a reason for asking, never a proposal to finalise, so the classifier's unsure close is not taken.
_WANTS_TO_LEARN = re.compile(r"\b(?:i|we)\s*(?:want|wanna|'d like|would like|need|am trying|'m trying)\s+"
                             r"(?:to\s+)?(?:compare|understand|check|know|see|learn|find out|look at|get a sense|"
                             r"work out)\b", re.I)
_STOP = {"i", "you", "we", "the", "a", "an", "be", "to", "for", "of", "it", "that", "this", "and", "in", "on", "at",
         "your", "our", "my", "do", "have", "'s", "not", "can", "will", "would", "so", "what", "with", "by", "me", "us"}


_GREETING_WORD = re.compile(r"\b(?:hi|hello|hey|hiya|hallo|howdy|yo|salut|bonjour|hola|ciao|namaste|good day|g'day|"
                            r"morning|afternoon|evening|greetings|dear|welcome|meet|"
                            r"hear from|speak|chat|talk)\b", re.I)



def _expand(pattern: List[dict]) -> List[List[str]] | None:
    """The lemma sequences a token pattern stands for, if it only uses lemmas (else None)."""
    sequences: List[List[str]] = [[]]
    for part in pattern:
        if set(part) - {"LEMMA", "OP"} or part.get("OP") not in {None, "?"} or "LEMMA" not in part:
            return None
        value = part["LEMMA"]
        options = list(value["IN"]) if isinstance(value, dict) else [value]
        grown = [seq + [o] for seq in sequences for o in options]
        sequences = grown + (sequences if part.get("OP") == "?" else [])
    return [seq for seq in sequences if seq]


# -- clauses and quotes ---------------------------------------------------------------------------
_CLAUSE_BREAK = {",", ";", ":", "—", "–", "--", "-", "(", ")"}
_CLAUSE_WORDS = {"but", "however", "although", "though", "whereas", "so", "and", "because"}


def _clauses(sent: Span) -> List[Span]:
    """Split a sentence at punctuation that separates clauses (and before "but" / "however")."""
    doc = sent.doc
    cuts = [sent.start]
    for token in sent[1:]:
        if token.text in {"-", "–", "—"} and not doc[token.i - 1].whitespace_:
            continue  # a hyphen inside a word ("mid-quarter") is no clause break
        if token.text in _CLAUSE_BREAK or (token.lower_ in {"but", "however"} and not doc[token.i - 1].is_punct):
            cuts.append(token.i if token.lower_ in {"but", "however"} else token.i + 1)
    cuts.append(sent.end)
    spans = [doc[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
    return [s for s in spans if any(not t.is_punct for t in s)] or [sent]


def _quote(span: Span, sent: Span) -> str:
    """The words feedback cites for a detection: the clause carrying it, at least a few words long."""
    words = [t for t in sent if not t.is_punct]
    if len(words) <= 10:
        return sent.text.strip()  # a short sentence is its own clause
    clauses = _clauses(sent)
    first = next((k for k, c in enumerate(clauses) if c.start <= span.start < c.end), 0)
    last = next((k for k, c in enumerate(clauses) if c.start < span.end <= c.end), first)
    last = max(first, last)

    def length(a: int, b: int) -> int:  # words that say something: a name alone ("Charlie,") does not count
        return sum(len(w) for w in ([t for t in c if not t.is_punct] for c in clauses[a: b + 1])
                   if not (len(w) <= 2 and all(t.is_title for t in w)))

    while length(first, last) < 5 and (first > 0 or last < len(clauses) - 1):
        if last < len(clauses) - 1:
            last += 1
        else:
            first -= 1
    doc = sent.doc
    chosen = doc[clauses[first].start: clauses[last].end]
    return _LEADING_LINK.sub("", chosen.text.strip(" ,;:-—–").strip())


_LEADING_LINK = re.compile(r"^(?:and|but|so|or|then)\s+(?=\S)", re.I)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _prepare(text: str) -> Tuple[str, bool]:
    text = _CONTROL.sub(" ", text or "")
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


# -- the shared detector --------------------------------------------------------------------------
def training_fingerprint() -> str:
    """A key for the trained detector: its examples, the code that trains it (`DETECTOR_MODULES`) and
    the thresholds it is saved with; a change retrains.  Phrase tables and passes are read at load and
    reading time, so they are not in it."""
    digest = hashlib.sha256()
    for path in (*data_files(), *DETECTOR_MODULES, *([THRESHOLDS_FILE] if THRESHOLDS_FILE.exists() else [])):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def get_detector() -> Detector:
    """The project's detector, trained from its labelled examples on first use and cached on disk."""
    target = CACHE_DIR / training_fingerprint()
    if (target / "meta.json").exists():
        return Detector.from_disk(target)
    detector = Detector.train(training_examples())
    # training seeds `random`: the temporary name must not come from it, or parallel first runs collide
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    detector.to_disk(tmp)
    try:
        tmp.rename(target)  # atomic: a concurrent process may have written the same model first
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return detector


def detect(text: str) -> Analysis:
    return get_detector().detect(text)
