"""Pretraining the classifier's tok2vec on unlabelled text the repository carries (`spacy pretrain`).

spaCy's pretraining objective (`spacy.PretrainCharacters.v1`: a masked word's first and last
characters predicted from its neighbours, the default of `spacy pretrain`) is run here through
spaCy's own functions (`spacy.training.pretrain.make_update`) rather than the command line,
because the classifier reads *feature* docs (lemmas, numbers as placeholders, see
`parley.classifier.feature_words`), and the tok2vec has to learn on the same words it will read.

The corpus is openly licensed text already in the repository, no label used:
* the CaSiNo utterances (CC BY 4.0, see NOTICE),
* the hand-written trainee turns the detector trains on (train.yml and extra/*.yml, never the
  held-out files).
The personas' lines were left out on purpose: trainers edit personas often, and a persona edit must
not change how every trainee turn is read (nor cost a retrain of the detector).

The run is bounded and reproducible: a fixed seed, a fixed number of epochs (a few minutes on one
core); the weights are cached under `.parley/pretrain/<fingerprint>.bin`, keyed by the corpus and
this code, and never committed: anyone who clones the repository builds the same weights.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import random
import uuid
from pathlib import Path
from typing import List, Sequence

import spacy
from spacy.tokens import Doc
from spacy.training.pretrain import make_update
from thinc.api import Adam, set_dropout_rate

from parley.move_data import casino_examples, trainee_examples

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".parley" / "pretrain"
EPOCHS = 8
SEED = 11
BATCH_WORDS = 3000
OBJECTIVE = {"@architectures": "spacy.PretrainCharacters.v1", "maxout_pieces": 3, "hidden_size": 300,
             "n_characters": 4}


def corpus_texts() -> List[str]:
    """The unlabelled corpus, in a fixed order."""
    return [e.text for e in casino_examples()] + [e.text for e in trainee_examples()]


def fingerprint(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    from parley import classifier  # the tok2vec's shape and the feature words are defined there
    digest.update(repr(classifier.TOK2VEC).encode())
    digest.update(inspect.getsource(classifier.feature_words).encode())
    digest.update(repr(sorted(classifier._LEMMA_FIXES.items())).encode())
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def feature_docs(texts: Sequence[str]) -> List[Doc]:
    from parley.classifier import blank, features
    nlp = blank("ensemble")
    nlp.get_pipe("parley_lemmatizer").initialize(nlp=nlp)
    with nlp.select_pipes(enable=["parley_lemmatizer"]):
        return [features(nlp, doc[:]) for doc in nlp.pipe(texts)]


def pretrain(texts: Sequence[str], epochs: int = EPOCHS, seed: int = SEED) -> bytes:
    """spaCy's character objective over the corpus; returns the tok2vec's (averaged) weights."""
    from parley.classifier import TOK2VEC
    spacy.util.fix_random_seed(seed)
    docs = [d for d in feature_docs(texts) if len(d) >= 3]
    registry = spacy.util.registry
    tok2vec = registry.resolve({"m": TOK2VEC})["m"]
    objective = registry.resolve({"m": OBJECTIVE})["m"]
    model = objective(docs[0].vocab, tok2vec)
    model.initialize(X=docs[:32])
    set_dropout_rate(model, 0.2)
    optimizer = Adam(0.001, L2=0.01, grad_clip=1.0, use_averages=True, L2_is_weight_decay=True)
    loss_of = model.attrs["loss"]
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(docs)
        total, batch, words = 0.0, [], 0
        for doc in docs:
            batch.append(doc)
            words += len(doc)
            if words >= BATCH_WORDS:
                total += make_update(model, batch, optimizer, loss_of)
                batch, words = [], 0
        if batch:
            total += make_update(model, batch, optimizer, loss_of)
        logger.info("pretrain epoch %d: loss %.1f", epoch, total)
    with model.use_params(optimizer.averages):
        return tok2vec.to_bytes()


def tok2vec_weights() -> bytes:
    """The pretrained tok2vec for the shipped detector, built once per corpus and cached on disk."""
    texts = corpus_texts()
    target = CACHE_DIR / f"{fingerprint(texts)}.bin"
    if target.exists():
        return target.read_bytes()
    weights = pretrain(texts)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(weights)
    tmp.replace(target)
    return weights
