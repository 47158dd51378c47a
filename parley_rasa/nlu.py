"""A Rasa NLU component that runs Parley's move detector: the intent *is* the evaluator's reading.

The intent is the turn's most consequential move; every move, with the span that triggered it, is
in the parse data under `parley_analysis`, which the action server scores.  One detector, one
source of truth: the NLU intent and the evaluator cannot disagree.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from parley.moves import Detector, get_detector, training_examples, training_fingerprint
from parley_rasa.channels import clean_text

logger = logging.getLogger(__name__)
ANALYSIS_KEY = "parley_analysis"
DEFAULT_EPOCHS = 12  # Detector.train's default


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MoveClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # the detector learns from parley/move_data.py's examples (multi-label, so richer than NLU
        # intents); `detector` fingerprints those files, the detector's code and its thresholds, so
        # Rasa retrains this component when any changes (Rasa's own fingerprint covers config and data)
        return {"epochs": DEFAULT_EPOCHS, "detector": training_fingerprint()}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 detector: Detector | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._detector = detector

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MoveClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        # Rasa's NLU data carries the same examples (one intent each), so its fingerprint changes
        # whenever they do and this retrains; the detector itself learns every label of each example.
        # With the default epochs it is the offline detector (parley.moves.get_detector), trained once
        # and cached by the same fingerprint: `scripts/train.sh` builds it first, Rasa reuses it.
        self._detector = get_detector() if self._config["epochs"] == DEFAULT_EPOCHS else \
            Detector.train(training_examples(), epochs=self._config["epochs"])
        with self._model_storage.write_to(self._resource) as directory:
            self._detector.to_disk(Path(directory) / "detector")
        return self._resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MoveClassifier:
        with model_storage.read_from(resource) as directory:
            detector = Detector.from_disk(Path(directory) / "detector")
        return cls(config, model_storage, resource, detector)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._detector is None:
            return messages
        # lone surrogates (half an emoji) make spaCy raise UnicodeEncodeError and the turn vanish
        texts = [clean_text(m.get(TEXT) or "") for m in messages]
        for message, text in zip(messages, texts):
            message.set(TEXT, text)
        for message, analysis in zip(messages, self._detector.detect_many(texts)):
            ranking = sorted(({INTENT_NAME_KEY: m, PREDICTED_CONFIDENCE_KEY: 1.0 if m in analysis.moves else s}
                              for m, s in analysis.scores.items()), key=lambda r: -r[PREDICTED_CONFIDENCE_KEY])
            message.set(INTENT, {INTENT_NAME_KEY: analysis.primary, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
            # short: every event travels to the action server on every call
            message.set(INTENT_RANKING_KEY, ranking[:5], add_to_output=True)
            message.set(ANALYSIS_KEY, analysis.to_dict(), add_to_output=True)
        return messages
