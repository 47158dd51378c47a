"""Persona domain phrases: words that mean a move in one customer's world, applied to a turn's analysis.

The move detector (parley/moves.py) knows how reps talk in general; a trainer knows their trade.  A
persona's `phrases:` section names, per move, phrases the detector does not know ("pause your
membership" offers an extra at a gym, "everyone pays" holds the price, "you have to pay" is
pressure).  For that persona's sessions this pass runs over the detector's `Analysis`:

* a phrase matches on whole words, in order, compared as lower-cased lemmas (spaCy's blank English
  tokenizer and lookup lemmas), so "pauses", "Pause" and "paused" all match "pause";
* each match adds a detection of its move (source "persona", the words as trigger, the sentence as
  the quote feedback cites);
* in that sentence (a few: in the whole turn), the moves the phrase's move conflicts with
  (parley/data/persona_phrases.yml) are taken out: the persona's own words beat the general reading
  ("You signed a 12-month contract. You have to pay the invoice" is pressure, not a conditional
  trade); a price move that names its figure stays an offer. A phrase listed under `other`
  takes out whatever was read on its own words.

Plain Python over the public `Analysis`; nothing here changes how the detector works for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Sequence, Tuple

import spacy
import yaml
from spacy.language import Language

from parley.moves import Analysis, Detection
from parley.personas import Persona
from parley.taxonomy import MOVES

DATA_FILE = Path(__file__).resolve().parent / "data" / "persona_phrases.yml"
SOURCE = "persona"


@dataclass(frozen=True)
class Conflicts:
    """parley/data/persona_phrases.yml: which moves a persona phrase takes out, and where."""

    sentence: Dict[str, FrozenSet[str]]  # per move: taken out of the phrase's sentence (`other` always)
    turn: Dict[str, FrozenSet[str]]  # per move: taken out of the whole turn
    kept_with_a_figure: FrozenSet[str]  # never taken out of a sentence that names an amount


@lru_cache(maxsize=1)
def conflicts() -> Conflicts:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}

    def table(key: str, always: FrozenSet[str] = frozenset()) -> Dict[str, FrozenSet[str]]:
        return {move: frozenset((data.get(key) or {}).get(move, ())) | always for move in MOVES}

    found = Conflicts(table("conflicts", frozenset({"other"})), table("turn_conflicts"),
                      frozenset(data.get("kept_with_a_figure") or ()))
    named = {m for t in (found.sentence, found.turn) for moves in t.values() for m in moves} | \
        found.kept_with_a_figure | set(data.get("conflicts") or {}) | set(data.get("turn_conflicts") or {})
    unknown = named - set(MOVES)
    if unknown:
        raise ValueError(f"{DATA_FILE}: not moves: {', '.join(sorted(unknown))}")
    return found


@lru_cache(maxsize=1)
def _nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _lemma_table() -> Any:
    """spaCy's English lookup lemmas (a `Table`, keyed by the word's hash: use `.get(word, default)`)."""
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except (ImportError, ValueError, KeyError):  # spacy-lookups-data missing: lower-cased words still match
        return {}


def lemma(word: str) -> str:
    lower = word.lower()
    return _lemma_table().get(lower, lower)


def _words(text: str) -> Tuple[str, ...]:
    return tuple(lemma(t.text) for t in _nlp().make_doc(text) if not t.is_punct and not t.is_space)


@dataclass(frozen=True)
class Phrase:
    move: str
    words: Tuple[str, ...]  # lemmas
    text: str  # as the trainer wrote it


@lru_cache(maxsize=64)
def compile_phrases(table: Tuple[Tuple[str, Tuple[str, ...]], ...]) -> Tuple[Phrase, ...]:
    """(move, phrases) pairs as lemma sequences, longest first (a longer phrase is the more specific)."""
    out = [Phrase(move, _words(text), text) for move, texts in table for text in texts]
    return tuple(sorted((p for p in out if p.words), key=lambda p: -len(p.words)))


def persona_table(persona: Persona) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    phrases = getattr(persona, "phrases", None)
    return tuple((move, tuple(texts)) for move, texts in phrases.items()) if phrases is not None else ()


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int  # characters in the turn's text
    end: int
    sentence: Tuple[int, int]


def find(phrases: Sequence[Phrase], text: str) -> List[Match]:
    """Every non-overlapping match of the phrases in the text (longest phrase first)."""
    if not phrases or not text:
        return []
    doc = _nlp()(text)
    found: List[Match] = []
    taken: set = set()
    for sent in doc.sents:
        tokens = [t for t in sent if not t.is_punct and not t.is_space]
        lemmas = [lemma(t.text) for t in tokens]
        for phrase in phrases:
            n = len(phrase.words)
            for i in range(len(lemmas) - n + 1):
                words = {t.i for t in tokens[i:i + n]}
                if tuple(lemmas[i:i + n]) != phrase.words or taken & words:
                    continue  # a longer phrase already took these words
                first, last = tokens[i], tokens[i + n - 1]
                found.append(Match(phrase, first.idx, last.idx + len(last.text),
                                   (sent.start_char, sent.end_char)))
                taken |= words
    return sorted(found, key=lambda m: m.start)


def _taken_out(detection: Detection, match: Match, table: Conflicts, figure: bool) -> bool:
    """Whether a phrase's match takes this detection out of the turn's reading."""
    move = match.phrase.move
    if detection.move in table.turn[move]:
        return True
    lo, hi = match.sentence
    in_sentence = detection.start < hi and detection.end > lo
    return in_sentence and detection.move in table.sentence[move] and not (
        figure and detection.move in table.kept_with_a_figure)


def apply(persona: Persona, analysis: Analysis) -> Analysis:
    """The analysis as this persona's world reads it: its phrases' moves added, conflicting ones dropped."""
    phrases = compile_phrases(persona_table(persona))
    matches = find(phrases, analysis.text)
    if not matches:
        return analysis
    table = conflicts()
    detections = list(analysis.detections)
    figures = [a.start for a in analysis.amounts]
    for match in matches:
        lo, hi = match.sentence
        if match.phrase.move == "other":  # trade small talk: whatever was read on these very words goes
            detections = [d for d in detections if d.end <= match.start or d.start >= match.end]
            continue
        figure = any(lo <= at < hi for at in figures)
        detections = [d for d in detections if not _taken_out(d, match, table, figure)]
        detections.append(Detection(match.phrase.move, match.start, match.end, analysis.text[match.start:match.end],
                                    analysis.text[lo:hi].strip(), SOURCE, 1.0))
    detections.sort(key=lambda d: d.start)
    had = {d.move for d in analysis.detections}
    dropped = set().union(*(table.sentence[m.phrase.move] | table.turn[m.phrase.move]
                            for m in matches if m.phrase.move != "other"))
    # in the detector's way: moves in the order their words come; one it gave with no words stays unless dropped
    moves = list(dict.fromkeys(d.move for d in detections))
    moves += [m for m in analysis.moves if m not in had and m not in dropped and m not in moves]
    moves = [m for m in moves if m != "other"] or ["other"]
    scores = {**analysis.scores, **{m.phrase.move: 1.0 for m in matches if m.phrase.move != "other"}}
    return replace(analysis, moves=tuple(moves), detections=tuple(detections), scores=scores)
