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
* a multi-label text classifier (spaCy `textcat_multilabel`, bag of lemma n-grams) trained from
  the project's own labelled examples (parley/data/moves/train.yml) scores each sentence and
  catches the wording the patterns miss.

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
import random
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
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span, Token
from spacy.training import Example

from parley import empathy, signals
from parley.amounts import FINAL_WORD, Amount, find_amounts
from parley.move_data import (  # noqa: F401  (re-exported: other modules import them from here)
    DATA_DIR,
    HELDOUT_FILE,
    TRAIN_FILE,
    Labelled,
    data_files,
    load_examples,
    training_examples,
)
from parley.questions import AUX_FORMS, SO_CHECK, may_ask, question_shape, quoted, word
from parley.signals import Signal
from parley.taxonomy import REAL_MOVES, Move

logger = logging.getLogger(__name__)
THRESHOLDS_FILE = DATA_DIR / "thresholds.yml"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".parley" / "detector"
# the code the trained detector depends on: a change to any of it retrains
DETECTOR_MODULES = tuple(Path(__file__).resolve().parent / f"{name}.py"
                         for name in ("moves", "move_data", "questions", "empathy", "amounts", "signals"))
MAX_CHARS = 2000  # a pasted essay is analysed on its first 2,000 characters
THRESHOLD = 0.5


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
FALLBACK = 0.4
QUESTIONS = ("open_question", "closed_question")

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
                "signals": None if self.signal_names is None else list(self.signal_names)}

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        return cls(data["text"], tuple(data["moves"]), tuple(Detection(**d) for d in data.get("detections", [])),
                   tuple(Amount(**a) for a in data.get("amounts", [])), bool(data.get("truncated")),
                   dict(data.get("scores", {})),
                   None if data.get("signals") is None else tuple(data["signals"]))


def primary_move(moves: Iterable[str]) -> str:
    present = set(moves)
    return next((m for m in PRIORITY if m in present), Move.other.value)


# -- lemmas ---------------------------------------------------------------------------------------
# Chat spellings and the lookup table's few surprises ("does" -> "doe", "'s" -> "have").
_LEMMA_FIXES: Dict[str, str] = {
    "does": "do", "doesn": "do", "'s": "'s", "s": "'s", "ca": "can", "wo": "will", "sha": "shall", "'re": "be",
    "re": "be", "m": "be", "r": "be", "ve": "have", "nt": "not", "n't": "not", "u": "you", "ya": "you",
    "ur": "your", "yr": "your", "thx": "thank", "thanks": "thank", "ty": "thank", "pls": "please",
    "plz": "please", "wanna": "want", "gon": "go", "na": "to", "better": "better", "worse": "worse",
    "left": "left", "data": "data", "us": "us", "cos": "because", "coz": "because", "cuz": "because",
    "bc": "because", "apologies": "apology", "sorry": "sorry", "sry": "sorry", "soz": "sorry",
    "hiya": "hi", "howdy": "hi", "ok": "okay", "k": "okay", "kk": "okay", "dunno": "know", "lemme": "let",
    "gimme": "give", "gotta": "have", "importantly": "importantly", "frustrated": "frustrate",
    # common chat misspellings of the words that carry rapport
    "thnaks": "thank", "thnks": "thank", "thnx": "thank", "tnx": "thank", "thanx": "thank", "tx": "thank",
    "apreciate": "appreciate", "appriciate": "appreciate", "appreciat": "appreciate", "apprecaite": "appreciate",
    "realy": "really", "totaly": "totally", "totes": "totally", "yeras": "year", "yrs": "year", "yeards": "year",
    "sory": "sorry", "soory": "sorry", "sorri": "sorry", "undrstand": "understand", "understnad": "understand",
    "udnerstand": "understand", "frustating": "frustrating", "frustation": "frustration",
}


class LowercaseLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer, applied to the lower-cased word (the table is case-sensitive)."""

    _table: dict | None = None

    def lookup_lemmatize(self, token: Token) -> List[str]:
        if self._table is None:
            self._table = self.lookups.get_table("lemma_lookup", {}) if self.lookups else {}
        text = token.lower_.lstrip("-") or token.lower_
        fixed = _LEMMA_FIXES.get(text)
        return [fixed if fixed else self._table.get(text, text)]

    def initialize(self, get_examples=None, *, nlp=None, lookups=None):  # type: ignore[override]
        super().initialize(get_examples, nlp=nlp, lookups=lookups)
        self._table = None


@Language.factory("parley_lemmatizer", default_config={"model": None, "mode": "lookup", "overwrite": True})
def make_lemmatizer(nlp, model, name, mode, overwrite):  # no annotations: spaCy's config reads them
    return LowercaseLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite)


# -- the phrase lexicon ---------------------------------------------------------------------------
# Each phrase is written as plain words and matched on lemmas, so one line covers its inflections.
# Mini-syntax: "a|b" either word, "word?" optional, "*" one to five words, "#" a number, "=word" this
# exact form (tense matters: "we can go to $23" offers, "it went to $25" reports).
_FEELING_REFLECTION = ("sound like you be upset|frustrated|annoyed|worried|angry|disappointed|stressed|concerned|"
                       "unhappy|cross|furious|anxious|nervous|hurt|shocked|overwhelmed")
_PHRASES: Dict[str, List[str]] = {
    "greeting": [
        "hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening", "morning", "afternoon",
        "evening", "dear", "greetings", "welcome", "thank for reach out", "thank you for reach out",
        "thank for get in touch", "thank you for get in touch", "thank for contact", "thank you for contact",
        "thank you for call", "thank for call", "thank you for your message", "thank for your message",
        "thank for the message", "thank you for the message", "thank for write in", "nice to meet you",
        "lovely to meet you", "nice to hear from you", "good to speak with you", "good to hear from you",
        "you be through to", "you be speak with", "you be speak to", "this be * from", "my name be",
    ],
    "empathy": [
        "sorry", "apologise", "apologize", "apology", "i regret", "we regret",
        "i understand", "we understand", "i can understand", "i do understand", "understandable",
        "i totally|completely|fully|really|absolutely get it|that|why|how", "i get it", "i get that", "i get why",
        "i get how", "i hear you", "i hear what you", "i hear that", "i can imagine", "i can only imagine",
        "i imagine that", "i can see why", "i can see how", "i can see that", "i see why", "i see what you mean",
        "i see where you be come from", "i know how", "i know what it be like", "i know this be", "i know that be",
        "i know it be", "i know you be", "i realise", "i realize", "i can tell", "no wonder",
        "must be frustrating|annoying|stressful|hard|difficult|tough|rough|awful|upsetting|disappointing|worrying",
        "must have be", "must feel", "sound frustrating|annoying|stressful|hard|difficult|tough|rough|awful|"
        "terrible|horrible|upsetting|disappointing|worrying|exhausting|scary|serious|painful|unfair",
        "sound like a nightmare|pain|headache|hassle|lot|shock|blow|worry", "sound like you have have",
        "sound like you be have", "that do not sound good|great|fun|right|fair",
        "that be not what you expect", "not what you be expect", "not what you be hope", "not what you expect",
        "that be frustrating|annoying|stressful|hard|difficult|tough|rough|awful|terrible|horrible|upsetting|"
        "disappointing|worrying|unfortunate|unfair|rubbish", "that be not good|great|okay|ideal|fair|right",
        "that be no fun", "that be a shame|pain|blow|nightmare|headache", "that be not on",
        "that be really|so|very|such frustrating|annoying|stressful|hard|difficult|tough|rough|awful|terrible|"
        "horrible|upsetting|disappointing|worrying|unfortunate|unfair|rubbish",
        "that be too bad", "that be such a", "how frustrating|annoying|awful|stressful|unfortunate",
        "what a shame|pain|nightmare|hassle", "oh no", "oh dear", "oh man", "yikes", "ouch",
        "frustrating", "frustrate", "infuriating", "understandably", "in your shoes|position",
        "i would be upset|annoyed|frustrated|angry|worried|cross|furious too",
        "i would feel the same", "i would feel * too", "you be right to be", "you have every right",
        "your frustration", "your concern be valid", "fair point", "that be a fair point", "you make a fair|good point",
        "you be right", "you be absolutely|completely|totally right", "i do not want you to", "i would not want you to",
        "i do not blame you", "i can not blame you", "can not blame you", "i feel for you", "i be with you",
        "that be a lot to", "a lot to deal with", "a lot on your plate", "i can relate", "i can * relate",
        "relate to that|this|what|how", "we have let you down",
        "let you down", "not the experience", "should not have happen", "should have tell you",
        "should have warn you", "should have give you", "should have explain",
        "i be sad|sorry to hear", "to hear that", "understand your situation|position|point|concern|frustration|"
        "feeling|perspective|worry|worries|frustrations|concerns", "i would not want for you", "i do not want you get",
        "i do not want you getting", "i be worried about you", "i worry about you",
        "i really understand", "i really do understand", "i do really understand", "i fully understand",
        "i totally understand", "i completely understand", "i absolutely understand", "i can totally understand",
        "i can completely understand", "i can see this", "i can see it", "the last thing you need",
        "put you in a difficult|tough|hard|awkward|horrible|terrible|bad|tight spot|position|situation|bind",
        "a tight spot|squeeze", "in a bind", "i appreciate that be", "i appreciate this be", "i appreciate it be",
        "i appreciate how", "i appreciate what you",
        "i really|totally|completely|fully appreciate what you", "totally|completely|fully get it|that",
        "that must", "i know it feel", "i know how it feel", "i know this feel",
        "a horrible|terrible|awful|tough|difficult|hard|rough|stressful position|spot|situation",
        "would upset anyone", "would frustrate anyone", "would annoy anyone", "anyone would be",
        "make sense that you", "make total|complete|perfect sense that you", "fair to feel", "right to feel",
        "understandable to feel", "natural to feel", "i would hate for you to",
        "that make sense", "that make total|complete|perfect sense", "that totally|completely|really make sense",
        "make total|complete|perfect sense", "make sense", "do not worry", "no need to worry",
        "glad|good|happy|pleased|great to hear", "that be good|great|wonderful news",
        "that be * good|great|wonderful news", "reasonable|fair|natural|normal|understandable for you to",
        "of course you be worried|upset|annoyed|frustrated|concerned|angry|cross|disappointed",
        # a reflection of feeling ("sounds like you're really upset") names their feeling: empathy and summary
        _FEELING_REFLECTION, _FEELING_REFLECTION.replace("you be", "you be *"),
    ],
    "appreciation": [
        "thank you for your loyalty", "thank for your loyalty", "thank you for your business",
        "thank for your business", "thank you for your custom", "appreciate your business", "appreciate your custom",
        "appreciate your loyalty", "appreciate your support", "appreciate your patience", "appreciate you",
        "appreciate your",
        "appreciate the business", "appreciate every", "appreciate all", "appreciate have you",
        "value your business", "value your custom", "value your loyalty", "value you", "value the relationship",
        "value our relationship", "value have you", "valued customer", "loyal customer", "loyalty",
        "thank you for be", "thank for be", "thank you for stick", "thank for stick", "thank you for stay",
        "thank for stay", "thank you for choose", "thank for choose", "thank you for all", "thank for all",
        "thank you for * year", "thank for * year", "for * good|great|loyal|wonderful year|years",
        "thank for come to us", "thank you for come to us", "thank for come to we", "thank you for come to we",
        "grateful", "gratitude", "long-term support", "in appreciation",
        "your * year with us", "mean a lot to us", "it be appreciate", "be much appreciate",
        "be really appreciate", "be genuinely appreciate", "be truly appreciate", "we do not take * for granted",
        "one of our long", "one of our most", "one of our best", "one of our first", "such a long time",
        "proud to have you", "proud to count", "proud to serve", "proud to work with", "privilege",
        "relationship with you", "matter to us", "matter a lot to us",
        "pleasure work with you", "pleasure to work with", "pleasure have you",
    ],
    "summary": [
        "so what i be hear", "what i be hear", "what i hear be", "what i be understand", "if i understand",
        "do i miss anything", "have i miss anything", "anything i have miss", "anything i miss",
        "if i have understand", "so you be say", "so you be tell me", "you be say that", "it sound like",
        "sound like you", "so it sound", "just to confirm", "just to check", "to recap", "let me recap",
        "in other word", "let me make sure", "make sure i understand", "make sure i have", "make sure i get",
        "if i have get this right", "if i get this right", "if i be hear", "if i hear you", "so for you",
        "correct me if", "to summarise", "to summarize", "so basically", "so the main", "so the real",
        "so the key", "so the big", "so your main", "so your biggest", "so your real", "so your concern",
        "so the issue", "so the problem", "so the sticking point", "the sticking point be", "so it be the",
        "so it be not", "so what matter", "so you need", "so you want", "so you would", "so you feel",
        "so you have", "so you be", "you feel that", "you be feel", "you feel like", "you be worried",
        "you be concerned", "you be look for", "you be hope", "if i follow", "do i have that right",
        "have i get that right", "did i get that right", "be that right", "be that correct", "be that fair",
        "be that a fair", "be i right", "i be hear that", "if i be right", "so, basically",
        "sound like your", "repeat that back", "play that back", "play it back", "what i be take from",
        "you be tell me", "let me summarise", "let me summarize", "to sum up", "so two thing", "so three thing",
        "if i be understand", "the way i understand it", "as i understand it",
        "you mention", "you say earlier", "you tell me earlier", "you point out", "you bring up",
        "we talk about how", "we talk about your", "we talk about the", "we discuss how",
        _FEELING_REFLECTION, _FEELING_REFLECTION.replace("you be", "you be *"),
    ],
    "rationale": [
        "because", "across the board", "company-wide", "company wide", "single out", "every customer",
        "all our customer", "all our client",
        "since our", "since the", "due to", "the reason", "reason be", "reason for", "go up", "rise",
        "increase by", "increase in", "have increase", "cost", "calculation", "work out", "that mean",
        "which mean", "this mean", "save you", "saving", "per year", "a year", "annually", "per month",
        "over the year", "over a year", "over twelve month", "over 12 month", "over the contract", "our supplier",
        "supplier", "inflation", "let me explain", "to explain", "the math", "the maths", "as a result",
        "in total", "total", "come to", "add up", "compared to", "compared with", "comparison", "market rate",
        "benchmark", "break down", "breakdown", "price rise", "price increase", "wholesale", "raw material",
        "shipping cost", "freight cost", "fuel", "wage", "energy", "tariff", "the data", "your usage",
        "fund", "pay for", "invest", "so we can", "which be why", "that be why", "this be why", "in fact",
        "reflect", "according to", "last twice as long", "a saving of", "per cup|user|person|seat|head|unit|day",
        "we have add", "pay for the", "in comparison",
        # the reason for an offer: "given your volume", "since you order 150 a month", "in light of your loyalty"
        "given your", "given that", "given how", "since you order|buy|have|be|use|commit|sign|renew",
        "given * year|years|order|orders|loyalty|volume", "cheaper than", "less than their", "beat their",
        "beat * average|price|quote|offer",
        "considering", "in light of", "in recognition of",
        "with your volume", "because of your", "for your volume", "as you order", "your volume",
        "for the loyalty", "as a loyalty", "to reward", "as a thank you for",
        "protect you from", "shield you from", "so you be protect", "so you be cover",
    ],
    "concession": [
        "discount", "# % off", "# percent off", "off the price", "off per", "off each", "off your", "off the",
        "reduce the price", "reduce it", "reduce your", "lower the price", "lower your", "knock", "waive", "credit",
        "refund", "price match", "match their", "match that price", "match the", "bring it down", "bring the price",
        "drop the price", "drop it to", "drop to", "can do #", "could do #", "can go to #", "could go to #",
        "offer you #", "offer the price", "special price", "special rate", "reduced rate", "reduced price",
        "reduce rate", "reduce price", "can do it for", "could do it for", "cut the price", "cut your",
        "rebate", "money off", "month free", "months free", "free month", "free months", "on the house",
        "price cut", "meet you halfway", "meet you in the middle", "split the difference",
        "meet in the middle", "meet halfway", "split it down the middle", "go halfway", "let you have it for",
        "=go down to", "=come down to", "=come down", "back to $", "return to", "cheaper", "keep you at", "hold you at",
        "can do $|£|€ #", "could do $|£|€ #", "can offer $|£|€ #", "could offer $|£|€ #", "offer you $|£|€ #",
        "=go to $|£|€ #", "=drop to $|£|€ #", "=drop it to $|£|€ #", "=bring it to $|£|€ #", "=bring it down to",
        "let you have it at", "do it at $|£|€ #", "do it for $|£|€ #", "for just $|£|€ #", "at $|£|€ # instead",
        "half price", "half-price", "honour|honor * price", "honour|honor * rate", "remove|reverse|cancel|scrap "
        "the increase|rise", "take back the increase", "freeze the increase",
    ],
    "value_add": [
        "free shipping", "free delivery", "shipping", "delivery", "instalment", "installment", "payment plan",
        "spread the cost", "spread it", "spread the payment", "split the payment", "upgrade", "free trial", "trial",
        "priority support", "priority", "training", "extra seat", "extra user", "extra licence", "extra license",
        "bonus", "lock the price", "lock your price", "lock that price", "lock this price", "lock the rate",
        "lock your rate", "lock that rate", "with * include", "with * * include", "with * * * include",
        "price lock", "lock in", "lock it", "freeze", "guarantee",
        "at no extra cost", "at no extra charge", "at no cost", "at no charge", "for free", "free of charge",
        "without cost", "without charge", "without extra cost", "without any charge", "without any cost",
        "complimentary", "extended warranty", "warranty", "payment term", "quarterly invoicing",
        "invoice quarterly", "bill quarterly", "pay monthly", "monthly payment", "throw in", "include *",
        "add * for free", "free", "perk", "dedicated", "account manager", "named contact", "setup", "onboarding",
        "workshop", "pause", "flexible", "flexibility", "extend", "extension", "early access", "loan",
        "monthly billing", "quarterly billing", "billing", "spread it over", "extend the support", "extra support",
        "invoice you quarterly", "invoice you monthly", "bill you quarterly", "bill you monthly", "cost is spread",
        "spread the payments", "spread payments", "free for * month|months|year|years", "free for the first",
        "include * free", "include * free of charge", "include * at no cost",
        "include * at no extra cost", "add-on free", "included free",
        "we|i can|could|will|would include|add", "happy to include|add", "glad to include|add",
    ],
    "conditional_trade": [
        "if you * i can", "if you * we can", "if you * i could", "if you * we could", "if you * i will",
        "if you * * i|we can|could|will|would|give|offer|include|add|throw|knock",  # a longer condition
        "if you * we will", "if you * i would", "if you * we would", "if you * i 'll", "if you * we 'll",
        "provided you", "provided that you", "as long as you", "in exchange for", "in exchange", "in return for",
        "in return", "on condition", "on the condition", "if you commit", "if you sign", "if you agree",
        "if you order", "if you renew", "if you would be willing", "if you be willing", "if you can commit",
        "if you prepay", "if you pay", "if you switch", "if you move", "if you extend", "if you stay",
        "if you take", "if you go", "if you increase", "if you buy", "if you book", "if you lock",
        "would you be willing to", "be you willing to", "would you commit", "would you consider sign",
        "would you agree to", "in return would you", "when you sign", "when you commit", "once you sign",
        "for a * commitment", "with a * commitment", "for a * contract", "on a * contract", "for a * term",
        "on a * term", "on a * plan", "if we can agree", "you * and i will", "you * and we will",
        "you * and i can", "you * and we can",
    ],
    "hold_position": [
        "the price be the price", "that be the best i", "the best i have get", "the best i can do",
        "the best we can do",
        "do not have room", "do not have any room", "have no room",
        "no room to move|manoeuvre|maneuver", "be where we need to be", "can not change", "can not lower",
        "can not go lower", "can not go any lower",
        "can not go below", "can not offer", "can not do anything", "can not do any", "can not move",
        "can not budge", "can not reduce", "can not discount", "can not make an exception", "can not make exception",
        "can not help", "can not go down", "not in a position to", "nothing i can do", "nothing we can do",
        "nothing more i can", "nothing more we can", "there be no room", "no room to", "no flexibility",
        "company policy", "our policy", "the policy", "non-negotiable", "not negotiable", "standard rate",
        "standard price", "our price be", "the price stay", "the price will stay", "stay at", "remain at",
        "unable to", "not able to", "that be our price", "that be the price", "it be what it be",
        "that be list", "that be the list price", "that be our list price", "that be standard",
        "that be just how it be", "that be how it be", "that be just the way it be", "that be the way it be",
        "will not change", "no discount", "no exception", "out of my hand", "not up to me", "not my decision",
        "fixed", "final", "set in stone", "the same for everyone", "everyone pay the same", "apply to everyone",
        "apply to all", "be set by", "not something i can", "not something we can", "i be afraid not",
        "afraid that be", "i be afraid the", "i be afraid we", "i be afraid i", "not possible", "not go to change",
        "not go to happen", "that be the best i can", "that be as low as", "as low as i can", "as low as we can",
        "as far as i can go", "stand", "have to stay", "have to remain",
        # "I have to keep it at $25", "we must stick with the new price": the rep's hands are tied
        "have|need to keep|hold it|this|that|you at|on", "have|need to keep|hold the|our price|rate at|on|as",
        "have|need to hold the|our price|rate|line", "must keep|hold it|this|that|you at|on",
        "must keep|hold the|our price|rate at|on|as", "hold the line",
        "have|need to stick to|with the|our|that|this price|rate|figure|number|new|list|current|increase",
        "must stick to|with the|our|that|this price|rate|figure|number|new|list|current|increase",
        "price stay the same", "those be the terms", "that be the terms", "already tell you", "regardless of",
        "the contract say", "as i say", "as i have say",
    ],
    "pressure": [
        "take it or leave it", "final offer", "last chance", "last offer", "last time i", "expire", "or else",
        "expire at midnight", "expire tonight", "expire today", "end at midnight", "end tonight", "until midnight",
        "your problem", "not my problem", "not our problem", "not my concern", "not our concern", "you should have",
        "you should 've", "go elsewhere", "shop elsewhere", "look elsewhere", "take your business elsewhere",
        "find another supplier", "nobody else", "no one else", "you will not find", "good luck find",
        "today only", "only today", "or lose", "deal with it", "like it or not", "not for you", "can not afford",
        "you people", "stop complain", "stop whine", "stop moan", "stop make a fuss", "stop make such a fuss",
        "make a fuss", "everyone else pay", "be reasonable", "be realistic", "grow up", "get real", "yes or no",
        "before i change my mind", "withdraw the offer", "withdraw it", "pull the offer", "off the table",
        "foolish", "stupid", "silly", "crazy", "mad to", "you be a real pain", "you be such a pain", "you be a pain",
        "you be a nightmare", "pain to deal with", "waste of my time", "waste my time", "you be high maintenance",
        "difficult customer", "huge mistake", "big mistake", "a mistake",
        "do not come cry", "do not come back", "come crying", "come running back", "regret it", "regret this",
        "you will not last", "clock be tick", "time be run out", "run out of time", "do not have all day",
        "have not get all day", "other customers", "other people", "lucky", "your fault", "you clearly",
        "you obviously", "you do not understand", "you do not get it", "read the contract", "read the small print",
        "should have read", "not a charity", "we be not a charity", "in or out", "now or never", "decide now",
        "decide today", "by end of day", "by the end of the day", "by tonight", "by today", "within the hour",
        "in the next hour", "ten minutes", "10 minutes", "right now or", "sign now", "sign today or",
        "or the price go up", "or we will", "or i will", "or you will", "up to you if you want to lose",
        "throw away", "complain", "whatever", "do not waste", "waste my time", "waste of time",
        "waste each other 's time", "waste both our time", "waste our time", "do not bother", "waiting list",
        "queue of", "would kill for", "bite my hand off", "bite your hand off", "take your slot", "take your place",
        "your slot go", "spot left", "spots left", "place left", "places left", "move fast", "act fast", "hurry",
        "not go to beg", "your lookout", "on you", "a them problem", "overreact", "overreacting", "bigger client",
        "nothing to discuss", "not able to rejoin", "will not be able to rejoin", "last call", "only offer this once",
        "one-time offer", "no extension", "no extensions", "deadline be today", "do not expect",
        "we be do you a favour",
        "do you a favour", "do you a favor", "ridiculous", "embarrassing", "pathetic", "see how that work out",
        "good luck with that", "your own fault", "not our fault", "not my fault", "you be lucky", "you be not special",
        "only valid while", "begging to come back", "beg to come back", "haggle over", "haggling over",
        "quibble over", "calm down", "be petty", "so petty", "be childish", "be dramatic", "do not be difficult",
        "stop be difficult", "make such a fuss", "such a big deal", "only a few dollars|pounds|quid|bucks",
        "surely a business", "surely you can afford", "cut you off", "cancel your account", "suspend your",
        "collection", "cancellation fee", "lose your discount|rate|slot|priority|data|account|place",
        "price go up tomorrow", "until midnight", "by midnight", "before i hang up", "final answer",
        "end of story", "end of discussion", "this or nothing", "or nothing",
        "should have check|checked|notice|noticed|pay attention|paid attention|know|known",
        "not rocket science",
        "let 's be adult", "let us be adult", "everyone else accept", "nobody else complain", "no one else complain",
    ],
    "close": [
        "shall i", "shall we", "should i go ahead", "i will send", "i 'll send", "in your inbox", "put it through",
        "=sending contract", "=sending * contract", "i|we|ill send * contract", "=emailing * contract",
        "i|we|ill email * contract", "contract go out", "contract will go out",
        "ill send", "ill email",
        "ull see it on", "you 'll see it on", "expect the contract", "expect the * contract",
        "go ahead and", "set that up",
        "set it up", "set you up", "do that work", "do this work", "do that sound", "do this sound",
        "how do that sound", "how do this sound", "be we agreed", "be we agree", "do we have a deal",
        "confirm", "next step", "put that through", "put it through", "process that", "process it", "i will update",
        "i 'll update", "get that sorted", "get it sorted", "can we agree", "sound reasonable", "sound fair",
        "sound good", "work for you", "lock that in", "finalise", "finalize", "i will email",
        "i 'll email", "paperwork", "sign off", "are you happy with", "be you happy with", "be you happy to",
        "happy to go ahead", "happy to proceed", "proceed", "move forward", "get this do", "get that do",
        "update your account", "apply it", "apply that", "i will apply", "i 'll apply", "from your next",
        "start from", "take effect", "good to go", "all set", "we have a deal", "it be a deal", "deal", "deal ?",
        "agree ?", "agreement",
        "contract over", "send it over", "send over", "draw up", "in writing", "the new terms", "let us do it",
        "let 's do it", "let 's go with", "let us go with", "go with that", "anything else i can help",
        "anything else we can help", "can i help with anything else",
        "be live", "written quote", "docusign", "e-sign", "sign electronically", "complete the setup",
        "send it across", "call you tomorrow to", "get you a quote",
    ],
}

# Words that often but not always carry a move: they count only when the classifier agrees a
# little (SUPPORT), so "our delivery costs rose" is not an offer of free delivery.
_WEAK: Dict[str, Set[str]] = {
    "greeting": {"morning", "afternoon", "evening", "dear", "welcome", "you be through to", "you be speak with",
                 "you be speak to", "this be * from", "my name be"},
    "empathy": {"i know this be", "i know that be", "i know it be", "i know you be", "i realise", "i realize",
                "i can tell", "must feel", "sound like you have have", "sound like you be have", "frustrating",
                "frustrate", "fair point", "that be a fair point", "you make a fair|good point", "you be right",
                "let you down", "not the experience", "to hear that", "i can see it", "that must", "i know it feel",
                "anyone would be", "right to feel"},
    "appreciation": {"appreciate you", "appreciate every", "appreciate all", "loyalty", "thank you for be",
                     "thank for be", "thank you for all", "thank for all", "one of our long", "one of our most",
                     "one of our best", "one of our first", "such a long time", "privilege", "relationship with you",
                     "matter to us"},
    "summary": {"it sound like", "sound like you", "so it sound", "just to check", "so basically", "so the main",
                "so the real", "so the key", "so the big", "so your main", "so your biggest", "so your real",
                "so your concern", "so the issue", "so the problem", "so it be the", "so it be not", "so what matter",
                "so you need", "so you want", "so you would", "so you feel", "so you have", "so you be",
                "you feel that", "you be feel", "you feel like", "you be worried", "you be concerned",
                "you be look for", "you be hope", "be that fair", "be that a fair", "so, basically", "sound like your",
                "you be tell me", "so two thing", "so three thing"},
    "rationale": {"since the", "reason for", "go up", "rise", "increase by", "increase in", "have increase", "cost",
                  "work out", "that mean", "this mean", "save you", "saving", "per year", "a year", "annually",
                  "per month", "over the year", "over a year", "over the contract", "supplier", "in total", "total",
                  "come to", "add up", "comparison", "market rate", "benchmark", "break down", "breakdown",
                  "price rise", "price increase", "wholesale", "shipping cost", "freight cost", "fuel", "wage",
                  "energy", "tariff", "the data", "your usage", "fund", "pay for", "invest", "so we can", "in fact",
                  "reflect", "according to", "per cup|user|person|seat|head|unit|day", "we have add", "pay for the",
                  "in comparison"},
    "concession": {"off your", "off the", "reduce it", "reduce your", "lower your", "knock", "credit", "refund",
                   "match their", "match the", "drop it to", "drop to", "cut your", "=go down to", "=come down to",
                   "=come down", "back to $", "return to", "cheaper", "keep you at", "hold you at"},
    "value_add": {"shipping", "delivery", "spread it", "upgrade", "trial", "priority", "training", "bonus", "lock in",
                  "lock it", "freeze", "guarantee", "warranty", "pay monthly", "monthly payment", "throw in",
                  "include *", "free", "perk", "dedicated", "account manager", "named contact", "setup", "onboarding",
                  "workshop", "pause", "flexible", "flexibility", "extend", "extension", "early access", "loan",
                  "billing", "spread it over", "extra support"},
    "conditional_trade": {"in exchange", "in return", "if you pay", "if you move", "if you stay", "if you take",
                          "if you go", "would you be willing to", "be you willing to", "would you commit",
                          "would you consider sign", "would you agree to", "when you sign", "when you commit",
                          "once you sign", "for a * commitment", "with a * commitment", "for a * contract",
                          "on a * contract", "for a * term", "on a * term", "on a * plan", "if we can agree",
                          "you * and i will", "you * and we will", "you * and i can", "you * and we can"},
    "hold_position": {"can not help", "our policy", "the policy", "standard rate", "standard price", "stay at",
                      "remain at", "unable to", "not able to", "fixed", "final", "not possible",
                      "that be the best i can", "that be as low as", "as low as i can", "as low as we can",
                      "as far as i can go", "stand", "have to stay", "have to remain", "already tell you",
                      "regardless of", "the contract say", "as i say", "as i have say"},
    "pressure": {"last time i", "expire", "your problem", "nobody else", "no one else", "not for you", "can not afford",
                 "make a fuss", "be reasonable", "be realistic", "withdraw it", "off the table", "foolish", "stupid",
                 "silly", "crazy", "mad to", "big mistake", "a mistake", "do not come back", "regret it", "regret this",
                 "run out of time", "other customers", "other people", "lucky", "your fault", "you clearly",
                 "you obviously", "read the contract", "should have read", "in or out", "decide today", "by end of day",
                 "by the end of the day", "by tonight", "by today", "within the hour", "in the next hour",
                 "ten minutes", "10 minutes", "sign now", "or we will", "or i will", "or you will", "throw away",
                 "complain", "whatever", "queue of", "spot left", "place left", "move fast", "act fast", "hurry",
                 "on you", "overreact", "do not expect", "calm down", "cancel your account", "suspend your",
                 "collection", "cancellation fee", "lose your discount|rate|slot|priority|data|account|place",
                 "until midnight", "by midnight", "or nothing",
                 "should have check|checked|notice|noticed|pay attention|paid attention|know|known"},
    "close": {"shall we", "set you up", "confirm", "next step", "sound fair", "work for you", "are you happy with",
              "be you happy with", "be you happy to", "happy to go ahead", "happy to proceed", "proceed",
              "move forward", "get this do", "get that do", "apply it", "apply that", "from your next", "start from",
              "take effect", "good to go", "all set", "deal", "agreement", "contract over", "send it over", "send over",
              "draw up", "in writing", "the new terms", "let 's go with", "let us go with", "go with that",
              "anything else i can help", "anything else we can help", "can i help with anything else", "be live",
              "written quote", "complete the setup", "send it across", "call you tomorrow to", "get you a quote"},
}


# -- who puts a number forward ----------------------------------------------------------------
_OFFER_WORDS = re.compile(r"\b(offer|can do|could do|give you|bring|reduce|lower|drop|knock|take|match|"
                          r"discount|off|deal|for you|price of|special|let you have|how about|what about|"
                          r"i can|we can|i could|we could|i'll|we'll|i will|we will|go to|come down|"
                          r"(?:i|we) (?:cud|cld|cn|kan)|ill do|"  # chat spellings: "i cud do $95"
                          r"lock\w*(?: \w+){0,2} (?:at|in at)|"  # "and lock the price at $46"
                          r"meet you|settle|propose|proposal|suggest|quote you|put forward|"
                          # a price put as a question: "what if we did $33?", "would $33 get this over the line?"
                          r"(?:could|can|shall) we (?:\w+ ){0,2}?(?:do|meet|go|settle|agree|say|make it|land|call it)|"
                          r"what if (?:we|i)|make (?:it|that) [$£€]?\d+|"
                          r"\d+(?:[.,]\d{1,2})?\s+(?:ok|okay|alright|fine)(?=\s*\?)|"
                          r"would (?:say |something like |a price of |a rate of )?[$£€]?\d\S*\s+(?:\S+\s+){0,6}?"
                          r"(?:work|suit|help|do it|do the trick|swing it|get (?:this|us|it|you)|"
                          r"(?:be|feel|seem|sound) (?:ok|okay|acceptable|enough|fine|better|fair|doable|right)))\b",
                          re.I)
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
_JUDGED_AFTER = re.compile(r"^\s*(?:too\b|(?:is|was|'s|feels?|seems?)\s+(?:really\s+|just\s+|a bit\s+|quite\s+)?"
                           r"(?:too\b|a problem|an issue|the (?:problem|issue|sticking point)|hard\b|difficult|"
                           r"painful|a stretch|steep|expensive|a lot\b|over (?:your|the) budget|out of))", re.I)
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
        # Plain phrases go to a PhraseMatcher on lemmas (one pass, however many phrases); phrases with
        # gaps, numbers or exact forms need the token Matcher.
        self.matcher = Matcher(nlp.vocab)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.weak: Set[str] = set()
        self.move_words: Dict[str, Set[str]] = {}
        for move, phrases in _PHRASES.items():
            self.move_words[move] = {lemma for p in phrases for w in p.split() if w not in {"*", "#"}
                                     for alt in w.lstrip("=").split("|") for lemma in self._lemmas(alt.rstrip("?"))
                                     } - _STOP
            for n, phrase in enumerate(phrases):
                key = f"{move}|{n}"
                pattern = self._pattern(phrase)
                sequences = _expand(pattern)
                if sequences is None:
                    self.matcher.add(key, [pattern])
                else:
                    self.phrases.add(key, [Doc(nlp.vocab, words=seq, lemmas=seq) for seq in sequences])
                if phrase in _WEAK.get(move, set()):
                    self.weak.add(key)

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
    @staticmethod
    def blank(architecture: str = "bow") -> Language:
        """The pipeline: sentences, lemmas and a multi-label classifier.  `bow` (the shipped one) is a
        bag of lemma uni- and bigrams; `ensemble` adds a CNN over tok2vec trained from scratch
        (spaCy's TextCatEnsemble), measured in docs/evaluator.md."""
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("parley_lemmatizer")
        bow = {"@architectures": "spacy.TextCatBOW.v2", "exclusive_classes": False, "ngram_size": 2,
               "no_output_layer": False}
        model = bow if architecture == "bow" else {
            "@architectures": "spacy.TextCatEnsemble.v2", "linear_model": bow,
            "tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64,
                                  "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [2000, 1000, 1000, 1000],
                                  "include_static_vectors": False},
                        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "depth": 2,
                                   "window_size": 1, "maxout_pieces": 3}}}
        nlp.add_pipe("textcat_multilabel", config={"model": model, "threshold": THRESHOLD})
        return nlp

    @classmethod
    def train(cls, examples: Sequence[Labelled], epochs: int = 12, seed: int = 7, architecture: str = "bow",
              thresholds: Dict[str, float] | None = None) -> Detector:
        """Train the classifier on whole examples (lemma features); a move an example does not label
        (a CaSiNo row knows only empathy) is masked out of the loss."""
        spacy.util.fix_random_seed(seed)
        nlp = cls.blank(architecture)
        textcat = nlp.get_pipe("textcat_multilabel")
        for move in REAL_MOVES:
            textcat.add_label(move)
        nlp.get_pipe("parley_lemmatizer").initialize(nlp=nlp)
        with nlp.select_pipes(enable=["parley_lemmatizer"]):
            docs = list(nlp.pipe(e.text for e in examples))
        data = [Example.from_dict(_features(nlp, doc[:]), {"cats": e.cats()}) for doc, e in zip(docs, examples)]
        optimizer = nlp.initialize(lambda: data)
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(data)
            for batch in spacy.util.minibatch(data, size=16):
                nlp.update(batch, sgd=optimizer, drop=0.1)
        return cls(nlp, thresholds)

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
        docs = list(self.nlp.pipe((p[0] for p in prepared), disable=["textcat_multilabel"], batch_size=batch_size))
        sentences = [[s for s in doc.sents if s.text.strip()] for doc in docs]
        lemmas = [[t.lemma_ for t in doc] for doc in docs]
        features = []
        for doc, doc_lemmas, sents in zip(docs, lemmas, sentences):
            words = _feature_words(doc, doc_lemmas)
            features.extend(Doc(self.nlp.vocab, words=[w for w in words[s.start:s.end] if w] or ["<empty>"])
                            for s in sents)
        scored = iter(self.textcat.pipe(features, batch_size=batch_size))
        return [Reading(text, truncated, doc, sents, [next(scored).cats for _ in sents],
                        [set(doc_lemmas[s.start:s.end]) for s in sents])
                for (text, truncated), doc, doc_lemmas, sents in zip(prepared, docs, lemmas, sentences)]

    def analyse(self, reading: Reading) -> Analysis:
        return self._analyse(reading.text, reading.truncated, reading.doc, reading.sents, reading.cats,
                             reading.lemma_sets)

    def _analyse(self, text: str, truncated: bool, doc: Doc, sents: List[Span],
                 cats: List[Dict[str, float]], lemma_sets: List[Set[str]]) -> Analysis:
        # (move, sentence index) -> (rank, span, sentence, source, score); the best evidence wins
        found: Dict[Tuple[str, int], Tuple[Tuple[int, int, int], Span, Span, str, float]] = {}

        def add(move: str, span: Span, source: str, score: float, k: int) -> None:
            # a pattern beats the classifier; among patterns the earlier (then longer) match, among model
            # spans the shorter
            length = span.end - span.start
            rank = (1, -span.start, length) if source == "pattern" else (0, 0, -length)
            old = found.get((move, k))
            if old is None or rank > old[0]:
                found[(move, k)] = (rank, span, sents[k], source, score)

        starts = [s.start for s in sents]
        shapes = [question_shape(s) if may_ask(s, lemmas) else None for s, lemmas in zip(sents, lemma_sets)]
        shapes = [None if shape is not None and quoted(s, shape.start) else shape for s, shape in zip(sents, shapes)]
        dismissive_at: Dict[int, bool] = {}

        def dismissive(k: int) -> bool:  # worked out only for sentences where empathy shows up
            if k not in dismissive_at:
                dismissive_at[k] = empathy.dismissive(sents[k]) or \
                    k + 1 < len(sents) and empathy.brushed_aside(sents[k], sents[k + 1])
            return dismissive_at[k]

        def empathy_ok(k: int) -> bool:  # may the classifier's empathy stand in sentence k?
            # it needs a feeling word, turned towards the customer or their situation, not a refusal,
            # and not the speaker's own feelings ("I'm worried we'd run out")
            return bool(lemma_sets[k] & empathy.CUES) and bool(lemma_sets[k] & _TOWARDS) and not dismissive(k) \
                and not empathy.look_alike(sents[k]) and not empathy.own_feelings(sents[k]) and not turns_to_self(k)

        def turns_to_self(k: int) -> bool:
            return k + 1 < len(sents) and empathy.turns_to_self(sents[k], sents[k + 1])

        for match_id, start, end in sorted(self.matcher(doc) + self.phrases(doc), key=lambda m: (m[1], -m[2])):
            key = self.nlp.vocab.strings[match_id]
            move = key.split("|", 1)[0]
            k = bisect.bisect_right(starts, start) - 1
            if k < 0 or start >= sents[k].end:
                continue
            sent = sents[k]
            score = cats[k].get(move, 0.0)
            weak = key in self.weak
            if weak and score < SUPPORT:
                continue
            if move == "greeting" and (k != 0 or start - sent.start > 3):
                continue  # a greeting opens the turn
            span = doc[start:end]
            if move == "empathy":
                if dismissive(k):
                    add("hold_position", sent, "pattern", 1.0, k)
                    continue
                if empathy.look_alike(sent, span) or turns_to_self(k) or \
                        span[-1].lemma_ == "hear" and re.match(r"\s*from\b", doc.text[span.end_char:]):
                    continue  # "good to hear from you" greets
            if move in _NEGATABLE and _negated(span):
                continue
            if move == "concession" and span[0].lemma_ in {"keep", "hold"} and \
                    _OBLIGED.search(doc.text[sent.start_char: span.start_char]):
                continue  # "I can keep you at $23" gives; "I have to keep you at $25" holds
            if move == "conditional_trade" and _ASKS_TO_EXPLAIN.match(span.text):
                continue  # "if you could tell me more about your team, I can see what fits" asks; it trades nothing
            if move == "close" and span.start > sent.start and word(doc[span.start - 1]) in {"who", "that", "which"}:
                continue  # "are you the person who signs off the order?" asks who; it closes nothing
            if move == "pressure" and span[0].lower_ == "pain" and \
                    not {word(t) for t in doc[max(sent.start, span.start - 4): span.start]} & \
                    {"you", "u", "ur", "your"}:
                continue  # "a rival quote is a pain to deal with" feels for them; "you're a pain to deal with" insults
            if move == "rationale" and {t.lemma_ for t in span} <= {"to", "explain"} and \
                    shapes[k] is not None and shapes[k].kind == "open":
                continue  # "would you be so kind as to explain ...?" asks them to explain
            if move == "summary" and weak and dismissive(k):
                continue  # "sorry you feel that way" reflects nothing back
            if move == "summary" and span.start > sent.start and word(span[0]) in {"you", "we"} and \
                    word(doc[span.start - 1]) in AUX_FORMS:
                continue  # "have you mentioned this to your manager?" asks; "you mentioned ..." sums up
            add(move, span, "pattern", 1.0 if not weak else max(score, SUPPORT), k)
        for k, sent in enumerate(sents):
            scores = cats[k]
            shape = shapes[k]
            if shape is not None:
                span = doc[shape.start: sent.end]
                if shape.kind == "open":
                    add("open_question", span, "pattern", 1.0, k)
                elif shape.kind in {"closed", "proposal"}:  # "how about $23?" asks for a yes or a no
                    add("closed_question", span, "pattern", 1.0, k)
                elif shape.kind == "question":
                    # a statement said as a question asks for a yes or a no, unless it checks a summary:
                    # "so it's the WhatsApp side mostly?" sums up what the customer said
                    if SO_CHECK.match(sent.text):
                        add("summary", span, "pattern", 1.0, k)
                    elif scores.get("summary", 0.0) < self.thresholds["summary"] or \
                            scores.get("closed_question", 0.0) >= scores.get("summary", 0.0):
                        add("closed_question", span, "pattern", 1.0, k)
                elif shape.kind == "check":
                    offers = any((m, k) in found for m in ("concession", "value_add", "conditional_trade"))
                    if ("close", k) not in found and ("summary", k) not in found:
                        # "if I can do $23, would that work?" checks agreement to an offer: it sums up nothing
                        add("summary" if scores.get("summary", 0) >= scores.get("close", 0) and not offers
                            else "close", span, "pattern", 1.0, k)
                elif shape.kind == "rhetorical":
                    add("pressure", span, "pattern", 1.0, k)
                elif shape.kind == "phatic" and k == 0:
                    add("greeting", span, "pattern", 1.0, k)
            for move, score in scores.items():
                if score < self.thresholds[move] or (move, k) in found:
                    continue
                if move in QUESTIONS:
                    continue  # the sentence's form decides whether, and which kind of, question it asks
                if move == "empathy" and not empathy_ok(k):
                    continue
                if move == "conditional_trade" and not _CONDITION.search(sent.text):
                    continue  # a trade asks for something back: "because you've ordered for years" asks nothing
                if move == "greeting" and (k != 0 or not _GREETING_WORD.search(sent.text)):
                    continue  # "well its up to u" greets nobody
                weak_no = move == "hold_position" and shape is not None and shape.kind in {"open", "closed"}
                weak_push = move == "pressure" and shape is not None and shape.kind == "open"  # rhetorical yes/no stays
                if (weak_no or weak_push) and score < 0.6:
                    continue  # "is it the price or something else" asks; it refuses nothing
                if shape is not None and shape.kind == "rhetorical" and move in {"summary", "close"}:
                    continue
                if move == "summary" and shape is not None and shape.kind == "open":
                    # "what matters most to you?" asks; a restating open question ("so you're worried about
                    # cash flow, what would help?") was already found by the summary phrases above
                    continue
                span = self._model_span(sent, move)
                if move in _NEGATABLE:
                    cue = next((t for t in span if t.lemma_ in self.move_words.get(move, ())), None)
                    if cue is not None and _negated(span.doc[cue.i: cue.i + 1]):
                        continue  # "nobody else will give you free delivery" offers nothing
                add(move, span, "model", score, k)
        amounts = find_amounts(text)
        offered: Dict[int, bool] = {}
        refused: Set[int] = set()  # sentences where the rep turns a number down
        rivals: Set[int] = set()  # amounts that are someone else's price, or a price weighed
        for n, amount in enumerate(amounts):
            if (amount.kind, amount.role) in {("money", "other"), ("percent", "period")}:
                continue
            span = doc.char_span(amount.start, amount.end, alignment_mode="expand")
            if span is None:
                continue
            k = bisect.bisect_right(starts, span.start) - 1
            if k < 0 or span.start >= sents[k].end:
                continue
            clause = next((c for c in _clauses(sents[k]) if c.start <= span.start < c.end), sents[k])
            before, after = doc.text[clause.start_char: span.start_char], doc.text[span.end_char: clause.end_char]
            in_sentence = doc.text[sents[k].start_char: span.start_char]
            if _RIVAL_BEFORE.search(in_sentence) or n - 1 in rivals and \
                    _RIVAL_GOES_ON.match(text[amounts[n - 1].end: amount.start]) or \
                    _JUDGED_AFTER.match(after) or _WHY.match(sents[k].text):
                # "less than RelayDesk at $29 then $38", "is $25 too much?", "why is the $25 a problem?":
                # a price compared, weighed or asked about; nobody puts it forward
                offered[n] = False
                rivals.add(n)
                continue
            theirs = (_THEIR_NUMBER.search(clause.text) or _NAMED_BEFORE.search(before) and _NAMED_AFTER.match(after)) \
                and not (_WE_CAN.search(clause.text) or _REVISES.search(clause.text))
            # "what does the 15% cut mean for you?" names their number
            refused_before = _REFUSED_BEFORE.search(doc.text[sents[k].start_char: span.start_char])  # across clauses
            if _negated(span, window=8) or refused_before or _REFUSED_AFTER.match(after) or theirs:
                offered[n] = False  # "I can't match $29", "$42 isn't something I can offer", "you need 15% off"
                if not theirs:
                    refused.add(k)
                continue
            if (_NOT_OFFER.search(clause.text) or _CALCULATION.search(clause.text)) and not _WE_CAN.search(clause.text):
                offered[n] = False
                continue  # "it went up to $25", "they average $33.50", "that saves you $600 a year": not given
            if ("summary", k) in found and found[("summary", k)][3] == "pattern" and \
                    not (_WE_CAN.search(sents[k].text) or _TAKES_NUMBER.search(sents[k].text)):
                offered[n] = False
                continue  # "so a 15% lower total is the target, right?" sums up their number; it offers nothing
            if not (_offers(clause) or _PROPOSES_BEFORE.search(doc.text[sents[k].start_char: span.start_char])):
                continue
            if amount.role == "period" and not (_TAKES_NUMBER.search(clause.text) or _PERIOD_PRICE.search(clause.text)):
                continue  # "$600 a year" is a total; "would £29 a month get us there?" is a monthly price
            add("concession", span, "pattern", 1.0, k)
            offered[n] = True
        amounts = tuple(replace(a, offered=offered[n]) if n in offered else a for n, a in enumerate(amounts))
        for move, k in [key for key in found if key[0] == "concession"]:
            span = found[(move, k)][1]
            inside = [a for a in amounts if span.start_char <= a.start < span.end_char]
            if inside and all(a.offered is False for a in inside):
                del found[(move, k)]  # "you need 15% off, is that right?": their number, not a concession
        for k in refused:
            if not any(key[1] == k for key in found):
                add("hold_position", sents[k], "pattern", 1.0, k)  # "we're unable to go to $29": a plain no
        for k, (sent, shape) in enumerate(zip(sents, shapes)):
            if ("value_add", k) in found and ("summary", k) in found and found[("summary", k)][3] == "pattern" and \
                    not _WE_CAN.search(sent.text):
                del found[("value_add", k)]  # "to summarise: you need 30 seats and a named contact" offers nothing
            if ("concession", k) in found and ("close", k) in found and found[("close", k)][3] == "pattern" and \
                    shape is not None and shape.kind in {"closed", "check", "question"} and "?" in sent.text:
                # "would $23 work for you?" makes a new offer and asks yes or no; "does that work?" alone closes
                add("closed_question", found[("close", k)][1], "pattern", 1.0, k)
                del found[("close", k)]
        for move, k in list(found):
            if move == "closed_question" and (("open_question", k) in found or any(
                    (m, k) in found and (found[(m, k)][3] == "pattern" or found[(m, k)][4] > cats[k].get(move, 0.0))
                    for m in ("close", "summary"))):
                # one sentence, one kind of question: an open one wins, and a yes/no question that
                # proposes to finalise ("shall I set that up?") or checks a summary is that move
                del found[(move, k)]
            elif move == "close" and ("summary", k) in found and found[("summary", k)][3] == "pattern" and \
                    found[(move, k)][3] == "model":
                del found[(move, k)]  # "have I got that right?" checks understanding; it closes nothing
            elif move == "conditional_trade" and ("open_question", k) in found and not _WE_CAN.search(sents[k].text):
                del found[(move, k)]  # "what would you lose if you switched?" asks; it trades nothing
            elif move == "hold_position" and any(m in {"concession", "value_add", "conditional_trade"}
                                                 for m, _k in found):
                del found[(move, k)]  # "I can't match $29. I can do $30." engages: not a flat no
        if len(sents) > 1 and _SIGN_OFF.match(sents[-1].text) and " for " not in sents[-1].text:
            # "Kind regards, Alex Morgan, Account Manager" signs off; it offers nothing
            for key in [key for key in found if key[1] == len(sents) - 1]:
                del found[key]
        if not found and sents and sum(1 for t in doc if not t.is_punct) >= 3:
            best, top = max(((m, max(c.get(m, 0.0) for c in cats)) for m in REAL_MOVES if m not in QUESTIONS),
                            key=lambda ms: ms[1])
            if top >= FALLBACK:
                k = max(range(len(sents)), key=lambda j: cats[j].get(best, 0.0))
                in_k = [a.offered for a in amounts if sents[k].start_char <= a.start < sents[k].end_char]
                reported = best in {"concession", "value_add"} and (
                    bool(_NOT_OFFER.search(sents[k].text)) and not _WE_CAN.search(sents[k].text) or
                    bool(in_k) and False in in_k and True not in in_k)  # "the price went to $25" offers nothing
                greets = best != "greeting" or k == 0 and bool(_GREETING_WORD.search(sents[k].text))
                if (best != "empathy" or empathy_ok(k)) and not reported and greets:
                    add(best, sents[k], "model", top, k)
        if not any(ch.isalnum() for ch in text):
            found.clear()  # "🙂🙏💸" or "?!": no words, so no move to read into it
        detections = tuple(sorted(
            (Detection(move, span.start_char, span.end_char, span.text, _quote(span, sent), source, round(score, 3))
             for (move, _k), (_rank, span, sent, source, score) in found.items()),
            key=lambda d: (d.start, PRIORITY.index(d.move))))
        moves = tuple(dict.fromkeys(d.move for d in detections)) or (Move.other.value,)
        scores = {m: round(max((c.get(m, 0.0) for c in cats), default=0.0), 4) for m in REAL_MOVES}
        return Analysis(text, moves, detections, amounts, truncated, scores, tuple(sorted(signals.read(text))))

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


_ASKS_TO_EXPLAIN = re.compile(r"if you (?:could|would|can|don'?t mind|wouldn'?t mind)(?: just)? (?:tell|explain|share|"
                              r"let me know|help me|walk me|describe|give me (?:a|some) (?:sense|idea|picture))\b",
                              re.I)
_TOWARDS = {"you", "your", "yours", "u", "ur", "that", "this", "it", "must", "sound", "such", "how", "what"}
_OBLIGED = re.compile(r"\b(?:have|has|need|needs|got|must)\s+(?:to\s+)?$", re.I)
_NEGATABLE = {"concession", "value_add", "conditional_trade", "appreciation", "close"}
_CALCULATION = re.compile(r"\b(works? out|sav(?:e|es|ing) you|comes? to|adds? up|in total|that's|that is|which is|"
                          r"compared|versus|vs)\b", re.I)
_WE_CAN = re.compile(r"\b(i|we) (can|could|'ll|will)\b", re.I)
_STOP = {"i", "you", "we", "the", "a", "an", "be", "to", "for", "of", "it", "that", "this", "and", "in", "on", "at",
         "your", "our", "my", "do", "have", "'s", "not", "can", "will", "would", "so", "what", "with", "by", "me", "us"}


_GREETING_WORD = re.compile(r"\b(?:hi|hello|hey|hiya|morning|afternoon|evening|greetings|dear|welcome|meet|"
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


# -- classifier input -----------------------------------------------------------------------------
def _feature_words(doc: Doc, lemmas: Sequence[str]) -> List[str]:
    """What the classifier reads, token by token: lemmas, with numbers and amounts as placeholders
    ("" for whitespace, which it skips)."""
    words: List[str] = []
    for token, lemma in zip(doc, lemmas):
        if token.is_space:
            words.append("")
        elif token.is_currency:
            words.append("<cur>")
        elif token.like_num or any(ch.isdigit() for ch in token.text):
            if words and words[-1] == "<cur>":
                words[-1] = "<money>"
                words.append("")
            else:
                words.append("<num>")
        elif token.text == "%":
            words.append("<pct>")
        else:
            words.append(lemma or token.lower_)
    return words


def _features(nlp: Language, span: Span) -> Doc:
    words = _feature_words(span.as_doc(), [t.lemma_ for t in span])
    return Doc(nlp.vocab, words=[w for w in words if w] or ["<empty>"])


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _prepare(text: str) -> Tuple[str, bool]:
    text = _CONTROL.sub(" ", text or "")
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


# -- the shared detector --------------------------------------------------------------------------
def training_fingerprint() -> str:
    """A key for the trained detector: its data files, its code and its thresholds; a change retrains."""
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
