"""Move detection: which negotiation moves a trainee turn carries, and the words that show each one.

Built on a blank spaCy English pipeline (no pretrained model can be downloaded): the sentencizer
splits a turn, lookup lemmas and token patterns catch the forms a move has (question shapes, money
and percentages, "if you..., I can..."), and a multi-label text classifier trained from the
project's own labelled examples (parley/data/moves/train.yml) catches the wording patterns miss.
Every detection keeps the character span that triggered it, so feedback can quote the trainee.
This module is the one source of truth: the Rasa NLU component and `parley detect` both call it.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.training import Example

from parley.taxonomy import REAL_MOVES, Move

DATA_DIR = Path(__file__).resolve().parent / "data" / "moves"
TRAIN_FILE = DATA_DIR / "train.yml"
HELDOUT_FILE = DATA_DIR / "heldout.yml"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".parley" / "detector"
MAX_CHARS = 2000  # a pasted essay is analysed on its first 2,000 characters
THRESHOLD = 0.5

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
    quote: str  # the sentence they stand in, which feedback cites
    source: str  # "pattern" or "model"
    score: float


@dataclass(frozen=True)
class Amount:
    """A money amount or percentage in the text, with what the words around it say it is."""

    value: float
    kind: str  # "money" or "percent"
    role: str  # "price", "reduction" (off / saving), "period" (per month / year), "other"
    start: int
    end: int


@dataclass(frozen=True)
class Analysis:
    text: str
    moves: Tuple[str, ...]
    detections: Tuple[Detection, ...]
    amounts: Tuple[Amount, ...] = ()
    truncated: bool = False
    scores: Dict[str, float] = field(default_factory=dict)

    @property
    def primary(self) -> str:
        return primary_move(self.moves)

    def quotes(self, move: str) -> List[str]:
        return [d.quote for d in self.detections if d.move == move]

    def to_dict(self) -> dict:
        """Plain JSON, so the analysis can travel in Rasa's parse data to the action server."""
        return {"text": self.text, "moves": list(self.moves), "truncated": self.truncated,
                "detections": [d.__dict__ for d in self.detections],
                "amounts": [a.__dict__ for a in self.amounts], "scores": self.scores}

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        return cls(data["text"], tuple(data["moves"]), tuple(Detection(**d) for d in data.get("detections", [])),
                   tuple(Amount(**a) for a in data.get("amounts", [])), bool(data.get("truncated")),
                   dict(data.get("scores", {})))


def primary_move(moves: Iterable[str]) -> str:
    present = set(moves)
    return next((m for m in PRIORITY if m in present), Move.other.value)


# -- labelled examples ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Labelled:
    text: str
    moves: Tuple[str, ...]


def load_examples(path: Path = TRAIN_FILE) -> List[Labelled]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [Labelled(str(e["text"]), tuple(e["moves"])) for e in data.get("examples", [])]


# -- patterns -------------------------------------------------------------------------------------
_AUX = ["is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "would", "will", "shall",
        "should", "have", "has", "had", "may", "might", "isn't", "aren't", "don't", "doesn't", "didn't",
        "won't", "wouldn't", "can't", "couldn't", "shouldn't"]
_LEAD = {"so", "and", "ok", "okay", "well", "also", "but", "right", "then", "now", "alright", "just", "oh", "sure"}
_OPEN_STARTS = {"what", "how", "why", "which", "tell", "describe", "explain", "walk", "help", "talk", "share"}
_FACT_AFTER_HOW = {"many", "much", "long", "often", "old", "soon", "far"}
_FACT_AFTER_WHAT = {"time", "day", "date", "year", "month", "size", "model", "number", "is"}

# Phrase patterns per move: lists of lower-case token sequences ("*" matches any one token).
_PHRASES: Dict[str, List[str]] = {
    "greeting": ["hi", "hello", "hey", "good morning", "good afternoon", "good evening", "dear",
                 "thanks for reaching out", "thank you for reaching out", "thanks for getting in touch",
                 "thank you for getting in touch", "thanks for contacting", "thank you for contacting",
                 "nice to meet you", "welcome"],
    "empathy": ["sorry", "apologise", "apologize", "apologies", "my apologies", "i understand how",
                "i understand why", "i understand that", "i can see why", "i can imagine", "i can understand",
                "must be frustrating", "must be annoying", "must have been", "that sounds frustrating",
                "i hear you", "i get why", "i get that", "completely understand", "totally understand",
                "i understand your frustration", "frustrating", "that's not what you expected",
                "i know how", "understandable"],
    "appreciation": ["thank you for your loyalty", "thanks for your loyalty", "thank you for your business",
                     "thanks for your business", "appreciate your business", "appreciate your loyalty",
                     "appreciate your support", "value your business", "value you", "valued customer",
                     "loyal customer", "thank you for being", "thanks for being", "thank you for sticking",
                     "thanks for sticking", "thank you for staying", "grateful", "appreciate you",
                     "thank you for choosing", "thanks for choosing", "long-term support", "in appreciation"],
    "open_question": ["tell me", "walk me through", "help me understand", "i'd love to hear", "i would love to hear",
                      "could you explain", "can you explain", "could you share", "can you share", "say more",
                      "tell us", "what would", "what matters", "how would", "how does", "how do you",
                      "what do you", "what's important", "what is important", "how can we", "what can we"],
    "summary": ["so what i'm hearing", "what i'm hearing", "what i am hearing", "if i understand",
                "if i've understood", "if i have understood", "so you're saying", "so you are saying",
                "it sounds like", "sounds like", "just to confirm", "to recap", "let me recap", "in other words",
                "let me make sure", "if i've got this right", "if i got this right", "so for you",
                "correct me if", "to summarise", "to summarize", "so basically you", "if i'm hearing"],
    "rationale": ["because", "since our", "due to", "the reason", "reason is", "went up", "gone up",
                  "increased", "costs", "calculation", "calculated", "works out", "that means", "which means",
                  "save you", "saves you", "saving you", "per year", "a year", "annually", "per month",
                  "our supplier", "inflation", "to explain", "let me explain", "the math", "the maths"],
    "concession": ["discount", "% off", "percent off", "off the price", "off per", "reduce the price",
                   "lower the price", "knock", "waive", "waived", "credit", "refund", "price match",
                   "match their price", "match that price", "bring it down", "drop the price", "can do $",
                   "can offer you $", "offer you $", "offer the price", "special price", "reduced rate",
                   "reduced price", "can do it for", "cut the price", "off your", "rebate"],
    "value_add": ["free shipping", "free delivery", "shipping", "delivery", "instalment", "installment",
                  "payment plan", "spread the cost", "split the payment", "upgrade", "free trial", "trial",
                  "priority support", "training", "extra seats", "bonus", "lock the price", "price lock",
                  "lock in", "freeze", "at no extra cost", "at no cost", "for free", "complimentary",
                  "extended warranty", "payment terms", "quarterly invoicing", "invoice quarterly"],
    "conditional_trade": ["if you * i can", "if you * we can", "if you * i could", "if you * we could",
                          "provided you", "provided that you", "as long as you", "in exchange for",
                          "in return for", "in return", "on condition", "if you commit", "if you sign",
                          "if you agree", "if you order", "if you renew", "if you'd be willing",
                          "if you were willing", "if you can commit"],
    "hold_position": ["the price is the price", "can't change", "cannot change", "can't lower", "cannot lower",
                      "can't go lower", "cannot go lower", "can't offer", "cannot offer", "can't do anything",
                      "nothing i can do", "company policy", "non-negotiable", "not negotiable", "standard rate",
                      "our price is", "the price stays", "i understand, but", "i understand but",
                      "unable to", "not able to", "that's our price", "that is our price", "it is what it is",
                      "won't change", "no discounts", "no exceptions"],
    "pressure": ["take it or leave it", "final offer", "last chance", "expires", "or else", "your problem",
                 "not my problem", "not our problem", "you should have", "you should've", "go elsewhere",
                 "find another supplier", "nobody else", "you won't find", "you will not find", "today only",
                 "or lose", "deal with it", "like it or not", "not for you", "can't afford", "cant afford",
                 "you people", "stop complaining", "everyone else pays", "be reasonable"],
    "close": ["shall i", "should i go ahead", "i'll send", "i will send", "go ahead and", "set that up",
              "set it up", "does that work", "does this work", "does that sound", "does this sound",
              "are we agreed", "do we have a deal", "deal?", "confirm", "next step", "put that through",
              "process that", "i'll update", "i will update", "get that sorted", "can we agree",
              "sound reasonable", "sound good", "work for you", "agreed?", "lock that in", "finalise",
              "finalize", "i'll email", "i will email", "paperwork", "sign off"],
}


def _phrase_pattern(phrase: str) -> List[dict]:
    pattern: List[dict] = []
    for token in _tokenizer().make_doc(phrase):
        pattern.append({} if token.text == "*" else {"LOWER": token.lower_})
    # "*" stands for one to six words, as in "if you [sign for two years] I can"
    expanded: List[dict] = []
    for part in pattern:
        expanded.append({"OP": "{1,6}"} if part == {} else part)
    return expanded


@lru_cache(maxsize=1)
def _tokenizer() -> Language:
    return spacy.blank("en")


_MONEY = re.compile(
    r"(?P<cur>[$£€])\s?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<k>k\b)?"
    r"|(?P<num2>\d[\d,]*(?:\.\d+)?)\s?(?:(?P<pct>%|percent|per cent|pc\b)|(?P<word>dollars?|bucks|pounds?|euros?|usd|gbp|eur)\b)",
    re.IGNORECASE,
)
_REDUCTION_AFTER = re.compile(r"^\s*(off|less|cheaper|lower|discount|saving|reduction|back|credit)", re.I)
_REDUCTION_BEFORE = re.compile(r"(sav(e|es|ing)( you)?( of)?|discount of|knock(ed)?|take|reduc\w* by|cut by|drop(ped)? by|credit of|refund of|rebate of)\s*(about |around |a |an )?$", re.I)
_PERIOD_AFTER = re.compile(r"^\s*(/|per|a|an|each|every)?\s*(year|yr|annum|month|mo|quarter|week)\b|^\s*(annually|yearly|monthly|a year|a month)", re.I)


def find_amounts(text: str) -> Tuple[Amount, ...]:
    amounts = []
    for m in _MONEY.finditer(text):
        raw = m.group("num") or m.group("num2")
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        if m.group("k"):
            value *= 1000
        kind = "percent" if m.group("pct") else "money"
        after, before = text[m.end(): m.end() + 25], text[max(0, m.start() - 30): m.start()]
        if _REDUCTION_AFTER.search(after) or _REDUCTION_BEFORE.search(before):
            role = "reduction"
        elif _PERIOD_AFTER.search(after):
            role = "period"
        elif kind == "money":
            role = "price"
        else:
            role = "other"
        amounts.append(Amount(value, kind, role, m.start(), m.end()))
    return tuple(amounts)


def _question_shape(sent: Span) -> str | None:
    """'open_question', 'closed_question' or None, from the sentence's form alone."""
    words = [t for t in sent if not t.is_punct and not t.is_space]
    if not words:
        return None
    i = 0
    while i < len(words) - 1 and (words[i].lower_ in _LEAD or words[i].lower_ == ","):
        i += 1
    first = words[i].lower_
    second = words[i + 1].lower_ if i + 1 < len(words) else ""
    asks = sent.text.rstrip().endswith("?")
    if first in {"tell", "describe", "explain", "walk", "talk"} or (first == "help" and second == "me"):
        return "open_question"
    if first in {"what", "how", "why", "which"} and (asks or len(words) > 3):
        if first == "how" and second in _FACT_AFTER_HOW:
            return "closed_question"
        if first == "what" and second in _FACT_AFTER_WHAT and len(words) <= 5:
            return "closed_question"
        if first == "which":
            return "closed_question"
        return "open_question"
    if first in _AUX and asks:
        rest = " ".join(w.lower_ for w in words[i + 1: i + 5])
        if re.match(r"(you|we) (tell|explain|share|walk|describe|help)", rest):
            return "open_question"
        return "closed_question"
    if asks and re.search(r"\bor\b", sent.text, re.I):
        return "closed_question"
    if asks and len(words) <= 4:
        return "closed_question"
    return None


class Detector:
    """A trained move detector: sentence splitter, patterns and a per-sentence text classifier."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self.matcher = Matcher(nlp.vocab)
        for move, phrases in _PHRASES.items():
            self.matcher.add(move, [_phrase_pattern(p) for p in phrases])

    # -- building ------------------------------------------------------------------------------
    @staticmethod
    def blank() -> Language:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe(
            "textcat_multilabel",
            config={"model": {"@architectures": "spacy.TextCatBOW.v2", "exclusive_classes": False,
                              "ngram_size": 2, "no_output_layer": False}, "threshold": THRESHOLD},
        )
        return nlp

    @classmethod
    def train(cls, examples: Sequence[Labelled], epochs: int = 12, seed: int = 7) -> Detector:
        spacy.util.fix_random_seed(seed)
        nlp = cls.blank()
        textcat = nlp.get_pipe("textcat_multilabel")
        for move in REAL_MOVES:
            textcat.add_label(move)
        data = [
            Example.from_dict(nlp.make_doc(_normalise(e.text)),
                              {"cats": {m: float(m in e.moves) for m in REAL_MOVES}})
            for e in examples
        ]
        optimizer = nlp.initialize(lambda: data)
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(data)
            for batch in spacy.util.minibatch(data, size=16):
                nlp.update(batch, sgd=optimizer, drop=0.1)
        return cls(nlp)

    def to_disk(self, path: Path) -> None:
        self.nlp.to_disk(path)

    @classmethod
    def from_disk(cls, path: Path) -> Detector:
        return cls(spacy.load(path))

    # -- detecting -----------------------------------------------------------------------------
    def detect(self, text: str) -> Analysis:
        return next(self.detect_many([text]))

    def detect_many(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Analysis]:
        prepared = [_prepare(t) for t in texts]
        docs = self.nlp.pipe((p[0] for p in prepared), disable=["textcat_multilabel"], batch_size=batch_size)
        docs = list(docs)
        sentences = [[s for s in doc.sents if s.text.strip()] for doc in docs]
        flat = [_normalise(s.text) for sents in sentences for s in sents]
        textcat = self.nlp.get_pipe("textcat_multilabel")
        scored = iter(textcat.pipe((self.nlp.make_doc(t) for t in flat), batch_size=batch_size))
        for (text, truncated), doc, sents in zip(prepared, docs, sentences):
            yield self._analyse(text, truncated, doc, sents, [next(scored).cats for _ in sents])

    def _analyse(self, text: str, truncated: bool, doc: Doc, sents: List[Span],
                 cats: List[Dict[str, float]]) -> Analysis:
        found: Dict[Tuple[str, int], Detection] = {}

        def add(move: str, span: Span, source: str, score: float) -> None:
            key = (move, span.sent.start)  # one detection per move and sentence
            if key not in found or found[key].source == "model" and source == "pattern":
                found[key] = Detection(move, span.start_char, span.end_char, span.text, span.sent.text.strip(),
                                       source, round(score, 3))

        for match_id, start, end in self.matcher(doc):
            move = self.nlp.vocab.strings[match_id]
            span = doc[start:end]
            if move == "greeting" and span.sent.start != 0:
                continue  # a greeting opens the turn
            if move == "empathy" and _dismissive(span.sent):
                add("hold_position", span.sent, "pattern", 1.0)
                continue
            add(move, span, "pattern", 1.0)
        for sent, sent_cats in zip(sents, cats):
            shape = _question_shape(sent)
            if shape:
                add(shape, sent, "pattern", 1.0)
            for move, score in sent_cats.items():
                if score >= THRESHOLD:
                    if move in {"open_question", "closed_question"} and shape and shape != move:
                        continue  # the sentence's form decides which kind of question it is
                    add(move, sent, "model", score)
        amounts = find_amounts(text)
        if any(a.role in {"price", "reduction"} or a.kind == "percent" for a in amounts):
            for sent in sents:
                if _offers(sent) and any(sent.start_char <= a.start < sent.end_char for a in amounts):
                    add("concession", sent, "pattern", 1.0)
        detections = tuple(sorted(found.values(), key=lambda d: (d.start, PRIORITY.index(d.move))))
        moves = tuple(dict.fromkeys(d.move for d in detections)) or (Move.other.value,)
        scores = {m: max((c.get(m, 0.0) for c in cats), default=0.0) for m in REAL_MOVES}
        return Analysis(text, moves, detections, amounts, truncated, scores)


_OFFER_WORDS = re.compile(r"\b(offer|can do|could do|give you|bring|reduce|lower|drop|knock|take|match|"
                          r"discount|off|deal|for you|price of|special|let you have|how about|what about|"
                          r"i can|we can|i could|we could)\b", re.I)


def _offers(sent: Span) -> bool:
    return bool(_OFFER_WORDS.search(sent.text))


def _dismissive(sent: Span) -> bool:
    """"I understand, but..." acknowledges nothing: it is a refusal dressed as empathy."""
    return bool(re.search(r"\b(understand|hear you|get it|appreciate that)\b[,.]?\s*(but|however)\b", sent.text, re.I))


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _prepare(text: str) -> Tuple[str, bool]:
    text = _CONTROL.sub(" ", text or "")
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


# -- the shared detector --------------------------------------------------------------------------
def training_fingerprint(path: Path = TRAIN_FILE) -> str:
    digest = hashlib.sha256(Path(path).read_bytes())
    digest.update(Path(__file__).read_bytes())  # code changes retrain too
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def get_detector() -> Detector:
    """The project's detector, trained from its labelled examples on first use and cached on disk."""
    target = CACHE_DIR / training_fingerprint()
    if (target / "meta.json").exists():
        return Detector.from_disk(target)
    detector = Detector.train(load_examples())
    tmp = target.with_name(f"{target.name}.{random.getrandbits(32):x}.tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    detector.to_disk(tmp)
    try:
        tmp.rename(target)  # atomic: a concurrent process may have written the same model first
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return detector


def detect(text: str) -> Analysis:
    return get_detector().detect(text)
