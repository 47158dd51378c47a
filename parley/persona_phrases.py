"""Persona domain phrases: words that mean a move in one customer's world, applied to a turn's analysis.

The move detector (parley/moves.py) knows how reps talk in general; a trainer knows their trade.  A
persona's `phrases:` section names, per move, phrases the detector does not know ("pause your
membership" offers an extra at a gym, "everyone pays" holds the price, "you have to pay" is
pressure).  For that persona's sessions this pass runs over the detector's `Analysis`:

* a phrase matches on whole words, in order, compared as lower-cased lemmas (spaCy's blank English
  tokenizer and lookup lemmas), so "pauses", "Pause" and "paused" all match "pause";
* each match adds a detection of its move (source "persona", the words as trigger, the sentence as
  the quote feedback cites);
* in that turn, the moves the phrase's move conflicts with (parley/data/persona_phrases.yml) are
  taken out: the persona's own words beat the general reading ("You signed a 12-month contract. You
  have to pay the invoice" is pressure, not a conditional trade). A phrase listed under `other`
  takes out whatever was read on its own words.

Plain Python over the public `Analysis`; nothing here changes how the detector works for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Sequence, Tuple

import spacy
import yaml
from spacy.language import Language

from parley.moves import Analysis, Detection
from parley.personas import Persona
from parley.taxonomy import MOVES

DATA_FILE = Path(__file__).resolve().parent / "data" / "persona_phrases.yml"
SOURCE = "persona"


@lru_cache(maxsize=1)
def conflicts() -> Dict[str, FrozenSet[str]]:
    """Per move, the moves a persona phrase for it takes out of its sentence (`other` always)."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}
    table = {move: frozenset(data.get("conflicts", {}).get(move, ())) | {"other"} for move in MOVES}
    unknown = {m for moves in table.values() for m in moves} - set(MOVES)
    if unknown:
        raise ValueError(f"{DATA_FILE}: not moves: {', '.join(sorted(unknown))}")
    return table


@lru_cache(maxsize=1)
def _nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _lemma_table() -> Dict[str, str]:
    try:
        from spacy.lookups import load_lookups

        return dict(load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup").items())
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
                if tuple(lemmas[i:i + n]) != phrase.words or taken & set(range(i + sent.start, i + sent.start + n)):
                    continue
                first, last = tokens[i], tokens[i + n - 1]
                found.append(Match(phrase, first.idx, last.idx + len(last.text),
                                   (sent.start_char, sent.end_char)))
                taken |= {t.i for t in tokens[i:i + n]}
    return sorted(found, key=lambda m: m.start)


def apply(persona: Persona, analysis: Analysis) -> Analysis:
    """The analysis as this persona's world reads it: its phrases' moves added, conflicting ones dropped."""
    phrases = compile_phrases(persona_table(persona))
    matches = find(phrases, analysis.text)
    if not matches:
        return analysis
    table = conflicts()
    detections = list(analysis.detections)
    for match in matches:
        lo, hi = match.sentence
        if match.phrase.move == "other":  # trade small talk: whatever was read on these very words goes
            detections = [d for d in detections if d.end <= match.start or d.start >= match.end]
            continue
        drop = table[match.phrase.move]
        detections = [d for d in detections if d.move not in drop]
        detections.append(Detection(match.phrase.move, match.start, match.end, analysis.text[match.start:match.end],
                                    analysis.text[lo:hi].strip(), SOURCE, 1.0))
    detections.sort(key=lambda d: d.start)
    had = {d.move for d in analysis.detections}
    dropped = set().union(*(table[m.phrase.move] for m in matches if m.phrase.move != "other"))
    # in the detector's way: moves in the order their words come; one it gave with no words stays unless dropped
    moves = list(dict.fromkeys(d.move for d in detections))
    moves += [m for m in analysis.moves if m not in had and m not in dropped and m not in moves]
    moves = [m for m in moves if m != "other"] or ["other"]
    scores = {**analysis.scores, **{m.phrase.move: 1.0 for m in matches if m.phrase.move != "other"}}
    return replace(analysis, moves=tuple(moves), detections=tuple(detections), scores=scores)
