"""A Rasa TrainingDataImporter that reads personas/*.yml at `rasa train` and `rasa data validate`.

Adding a persona is one YAML file and a retrain: this importer adds its id to the `persona` slot,
turns its stories into Rasa stories (each starting with the session start for that persona) and
feeds the move examples to NLU, so nothing generated is ever committed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.exceptions import RasaException
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import cached_method

from parley.moves import HELDOUT_FILE, TRAIN_FILE, load_examples, primary_move
from parley.personas import PERSONA_DIR, Persona, PersonaError, load_personas


class PersonaFilesError(RasaException):
    """Raised with every problem in every persona file; Rasa's CLI prints it without a traceback."""


class PersonaImporter(TrainingDataImporter):
    def __init__(self, config_file: str | None = None, domain_path: str | None = None,
                 training_data_paths: List[str] | None = None, persona_dir: str = str(PERSONA_DIR),
                 move_examples: str = str(TRAIN_FILE), **kwargs: Any) -> None:
        self._persona_dir = Path(persona_dir)
        self._move_examples = Path(move_examples)

    @cached_method
    def personas(self) -> Dict[str, Persona]:
        try:
            return load_personas(self._persona_dir)
        except PersonaError as exc:
            raise PersonaFilesError(f"Persona files have problems:\n{exc}") from None

    def get_domain(self) -> Domain:
        ids = sorted(self.personas())
        return Domain.from_dict({"slots": {"persona": {
            "type": "categorical", "values": ids, "influence_conversation": True,
            # set by action_start_session's SlotSet; naming the action here would make Rasa run it
            # before every user message to extract the slot
            "mappings": [{"type": "custom"}]}}})

    @cached_method
    def get_stories(self, exclusion_percentage: int | None = None) -> StoryGraph:
        stories = []
        for persona in self.personas().values():
            start = [{"intent": "start_session"}, {"action": "action_start_session"},
                     {"slot_was_set": [{"persona": persona.id}]}]
            for story in persona.stories:
                stories.append({"story": f"{persona.id}: {story.story}", "steps": start + story.steps})
        steps = YAMLStoryReader(None).read_from_parsed_yaml({"stories": stories})
        return StoryGraph(steps)

    def get_conversation_tests(self) -> StoryGraph:
        return StoryGraph([])  # conversation tests live in tests/, read by `rasa test --stories`

    def get_config(self) -> Dict:
        return {}

    def get_config_file_for_auto_config(self) -> str | None:
        return None

    @cached_method
    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        return move_examples(self._move_examples)


def move_examples(path: Path) -> TrainingData:
    """Labelled move examples as Rasa NLU data: one intent per example, its most consequential move
    (the intent the MoveClassifier predicts); the classifier itself learns every move of an example."""
    return TrainingData(training_examples=[Message.build(text=e.text, intent=primary_move(e.moves))
                                           for e in load_examples(path)])


def main(argv: List[str] | None = None) -> int:
    """Write the held-out move examples as Rasa NLU YAML, for `rasa test nlu --nlu <file>`."""
    parser = argparse.ArgumentParser(prog="python -m parley_rasa.importer", description=main.__doc__)
    parser.add_argument("out", type=Path, help="the NLU YAML file to write")
    parser.add_argument("--examples", type=Path, default=HELDOUT_FILE,
                        help="labelled move examples (default: the held-out set, never trained on)")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(move_examples(args.examples).nlu_as_yaml(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
