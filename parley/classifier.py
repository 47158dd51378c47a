"""The move classifier: what it reads and how it is trained (the detector's trained part).

Everything a trained detector depends on lives here and in `parley/move_data.py` (its examples) and
`parley/pretrain.py` (optional tok2vec weights): the pipeline (a sentencizer, a lookup lemmatizer
applied to the lower-cased word, one or two multi-label text classifiers), the features the
classifiers read (lemmas, numbers and amounts as placeholders) and the training loop.  These three
modules are the detector's cache key (`TRAINING_MODULES`): a change to any of them retrains.

What the detector does with the classifier's scores (the passes over a typed candidate, the phrase
tables, question shapes, amounts, signals, thresholds) lives in `parley/moves.py` and its helpers and
runs at reading time, so an edit there re-reads with the same trained classifier
(tests/core/test_detector_cache.py trains with every pass made to fail).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Dict, List, Sequence

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span, Token
from spacy.training import Example

from parley.move_data import Labelled
from parley.taxonomy import REAL_MOVES

_HERE = Path(__file__).resolve().parent
# what a trained detector is built from (besides its examples): a change to any of these retrains
TRAINING_MODULES = tuple(_HERE / f"{name}.py" for name in ("classifier", "move_data", "pretrain", "taxonomy"))

THRESHOLD = 0.5  # the pipes' own threshold; the detector applies its calibrated ones (moves.THRESHOLDS)
EPOCHS = 12
SEED = 7
# The shipped classifier (docs/evaluator.md weighs them): "bow", a bag of lemma uni- and bigrams;
# "ensemble", spaCy's TextCatEnsemble (that bag plus a CNN over a tok2vec trained from scratch);
# "ensemble-pretrained", the same with the tok2vec first pretrained by parley/pretrain.py;
# "blend", both "bow" and "ensemble" trained side by side, their scores mixed at reading time
# (parley.moves.BLEND).
ARCHITECTURES = ("bow", "ensemble", "ensemble-pretrained", "blend")
ARCHITECTURE = "blend"
ENSEMBLE_PIPE = "textcat_ensemble"  # the second classifier of "blend"
# The tok2vec of the `ensemble` classifier: word vectors hashed from the lemma's norm, prefix, suffix
# and shape (sub-word features: "apprecaite" shares a prefix with "appreciate"), and a CNN over
# them; `parley/pretrain.py` pretrains exactly this layer.
TOK2VEC = {"@architectures": "spacy.Tok2Vec.v2",
           "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64,
                     "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [2000, 1000, 1000, 1000],
                     "include_static_vectors": False},
           "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "depth": 2,
                      "window_size": 1, "maxout_pieces": 3}}


# -- lemmas ---------------------------------------------------------------------------------------
# Chat spellings and the lookup table's few surprises ("does" -> "doe", "'s" -> "have").
_LEMMA_FIXES: Dict[str, str] = {
    "does": "do", "doesn": "do", "'s": "'s", "s": "'s", "ca": "can", "wo": "will", "sha": "shall", "'re": "be",
    "re": "be", "m": "be", "r": "be", "ve": "have", "nt": "not", "n't": "not", "u": "you", "ya": "you",
    "ur": "your", "yr": "your", "thx": "thank", "thanks": "thank", "ty": "thank", "pls": "please",
    "plz": "please", "bout": "about", "shiping": "shipping", "shipin": "shipping", "quartrly": "quarterly",
    "quarterley": "quarterly", "invocing": "invoicing", "invoicng": "invoicing", "wanna": "want", "gon": "go",
    "na": "to", "better": "better", "worse": "worse",
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


# -- classifier input -----------------------------------------------------------------------------
def feature_words(doc: Doc, lemmas: Sequence[str]) -> List[str]:
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


def features(nlp: Language, span: Span) -> Doc:
    words = feature_words(span.as_doc(), [t.lemma_ for t in span])
    return Doc(nlp.vocab, words=[w for w in words if w] or ["<empty>"])


# -- building and training ------------------------------------------------------------------------
def blank(architecture: str = "bow") -> Language:
    """The pipeline: sentences, lemmas and a multi-label classifier.  `bow` is a bag of lemma uni-
    and bigrams; `ensemble` adds a CNN over a tok2vec (`TOK2VEC`, trained from scratch or
    initialised by `parley/pretrain.py`), spaCy's TextCatEnsemble; measured in docs/evaluator.md."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("parley_lemmatizer")
    bow = {"@architectures": "spacy.TextCatBOW.v2", "exclusive_classes": False, "ngram_size": 2,
           "no_output_layer": False}
    ensemble = {"@architectures": "spacy.TextCatEnsemble.v2", "linear_model": bow, "tok2vec": TOK2VEC}
    nlp.add_pipe("textcat_multilabel", config={"model": bow if architecture == "bow" else ensemble,
                                               "threshold": THRESHOLD})
    return nlp


def train(examples: Sequence[Labelled], epochs: int = EPOCHS, seed: int = SEED, architecture: str = ARCHITECTURE,
          tok2vec_weights: bytes | None = None) -> Language:
    """Train the classifier on whole examples (lemma features); a move an example does not label
    (a CaSiNo row knows only empathy) is masked out of the loss.  `tok2vec_weights` (an ensemble
    only): the tok2vec's starting weights, by default from `parley/pretrain.py` for
    "ensemble-pretrained" (built once and cached), random for "ensemble"."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}: one of {', '.join(ARCHITECTURES)}")
    if architecture == "blend":  # each classifier trained exactly as on its own, then put side by side
        nlp = train(examples, epochs, seed, "bow")
        ensemble = train(examples, epochs, seed, "ensemble", tok2vec_weights)
        nlp.add_pipe("textcat_multilabel", name=ENSEMBLE_PIPE, source=ensemble)
        return nlp
    if architecture == "ensemble-pretrained" and tok2vec_weights is None:
        from parley import pretrain  # imports this module
        tok2vec_weights = pretrain.tok2vec_weights()
    spacy.util.fix_random_seed(seed)
    nlp = blank(architecture)
    textcats = [nlp.get_pipe(name) for name in nlp.pipe_names if name.startswith("textcat")]
    for textcat in textcats:
        for move in REAL_MOVES:
            textcat.add_label(move)
    nlp.get_pipe("parley_lemmatizer").initialize(nlp=nlp)
    with nlp.select_pipes(enable=["parley_lemmatizer"]):
        docs = list(nlp.pipe(e.text for e in examples))
    data = [Example.from_dict(features(nlp, doc[:]), {"cats": e.cats()}) for doc, e in zip(docs, examples)]
    optimizer = nlp.initialize(lambda: data)
    if tok2vec_weights is not None:
        for textcat in textcats:
            if textcat.model.has_ref("tok2vec"):
                textcat.model.get_ref("tok2vec").from_bytes(tok2vec_weights)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(data)
        for batch in spacy.util.minibatch(data, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    return nlp
