"""Pretraining the classifier's tok2vec (parley/pretrain.py): the corpus is unlabelled text the
repository carries, never a held-out file; the weights fit the ensemble's tok2vec and are the
same for the same corpus."""

from __future__ import annotations

import pytest

from parley import move_data, pretrain
from parley.classifier import ARCHITECTURE, ARCHITECTURES, blank
from parley.moves import Detector

TEXTS = ["thx for sticking with us 5 yrs, what would make this work for u?",
         "I can do $23 if you sign for two years.", "That must have been a shock when the invoice came.",
         "Hello I need a lot of water to survive", "Our costs went up 12% this year, so the price follows."]


def test_the_corpus_is_casino_and_the_training_turns_never_a_held_out_file():
    corpus = {t.strip().lower() for t in pretrain.corpus_texts()}
    assert {e.text.strip().lower() for e in move_data.casino_examples()} <= corpus
    for path in (move_data.HELDOUT_FILE, *move_data.MEASURING_ONLY):
        held = {e.text.strip().lower() for e in move_data.load_examples(path)}
        assert not held & corpus, path.name


def test_pretrained_weights_load_into_the_ensembles_tok2vec_and_are_reproducible():
    weights = pretrain.pretrain(TEXTS, epochs=1)
    assert weights == pretrain.pretrain(TEXTS, epochs=1)  # fixed seed: anyone building them gets these
    nlp = blank("ensemble")
    textcat = nlp.get_pipe("textcat_multilabel")
    textcat.add_label("empathy")
    nlp.initialize()
    textcat.model.get_ref("tok2vec").from_bytes(weights)  # same shape as the classifier's tok2vec


def test_the_fingerprint_follows_the_corpus():
    assert pretrain.fingerprint(TEXTS) == pretrain.fingerprint(list(TEXTS))
    assert pretrain.fingerprint(TEXTS) != pretrain.fingerprint(TEXTS[:-1])


def test_an_unknown_architecture_is_refused():
    assert ARCHITECTURE in ARCHITECTURES
    with pytest.raises(ValueError, match="unknown architecture"):
        Detector.train([], architecture="transformer")
