"""The persona importer as Rasa sees it: config.yml's importers load, personas become domain and stories."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.utils.common import class_from_module_path

from parley.moves import HELDOUT_FILE, load_examples, primary_move
from parley.personas import load_personas
from parley_rasa.importer import PersonaFilesError, PersonaImporter, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def importer() -> TrainingDataImporter:
    return TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"),
                                                 [str(ROOT / "data")])


def test_every_importer_named_in_config_exists() -> None:
    # Rasa only logs "Importer 'x' not found." for a misspelt importer and trains without it
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for entry in config["importers"]:
        if entry["name"] != "RasaFileImporter":
            assert class_from_module_path(entry["name"]) is PersonaImporter


def test_domain_gets_a_persona_slot_with_every_persona(importer: TrainingDataImporter) -> None:
    domain = importer.get_domain()
    slot = next(s for s in domain.slots if s.name == "persona")
    assert set(load_personas()) <= set(slot.values)
    assert {"empathy", "concession", "start_session"} <= set(domain.intents)


def test_persona_stories_start_with_the_session_for_that_persona(importer: TrainingDataImporter) -> None:
    stories: StoryGraph = importer.get_stories()
    names = [step.block_name for step in stories.story_steps]
    for persona_id in load_personas():
        assert any(name.startswith(f"{persona_id}: ") for name in names), persona_id
    charlie = next(s for s in stories.story_steps if s.block_name.startswith("price_increase_charlie: "))
    events = [e.as_story_string() for e in charlie.events[:3]]
    assert events[0] == "start_session" and "action_start_session" in events[1] and "persona" in events[2]


def test_nlu_data_carries_the_move_examples(importer: TrainingDataImporter) -> None:
    nlu = importer.get_nlu_data()
    assert {"empathy", "pressure", "conditional_trade"} <= set(nlu.intents)
    assert len(nlu.intent_examples) > 1000


def test_broken_persona_folder_raises_a_clean_rasa_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("id: Bad Id\nname: [unclosed\n")
    with pytest.raises(PersonaFilesError) as err:
        PersonaImporter(persona_dir=str(tmp_path)).get_domain()
    assert re.search(r"bad\.yml:\d+: not valid YAML", str(err.value))


def test_the_held_out_examples_export_as_rasa_nlu_yaml_for_rasa_test_nlu(tmp_path: Path) -> None:
    assert main([str(tmp_path / "heldout.nlu.yml")]) == 0
    data = RasaYAMLReader().read(tmp_path / "heldout.nlu.yml")
    expected = [(e.text, primary_move(e.moves)) for e in load_examples(HELDOUT_FILE)]
    assert sorted((m.get("text"), m.get("intent")) for m in data.intent_examples) == sorted(expected)


def test_rasa_train_refuses_an_alias_bomb_or_a_huge_persona_in_under_a_second(tmp_path: Path) -> None:
    """`rasa train` died at 10 GB on a 3 KB alias bomb; the importer shares the loader's limits."""
    import time

    from tests.core.test_persona_limits import alias_bomb

    (tmp_path / "bomb.yml").write_text(alias_bomb(9), encoding="utf-8")
    (tmp_path / "huge.yml").write_text("id: huge\n" + "# padding\n" * 2_000_000, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(PersonaFilesError) as caught:
        PersonaImporter(persona_dir=str(tmp_path)).get_domain()
    assert time.perf_counter() - started < 1.0
    assert "bomb.yml:" in str(caught.value) and "aliases" in str(caught.value)
    assert "huge.yml:1: the file is" in str(caught.value)
