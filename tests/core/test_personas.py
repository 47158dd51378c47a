"""Personas as files: discovery, the fourth persona, the scaffold, live reload, docs and trainer tests."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest

from parley import persona_docs
from parley.moves import detect
from parley.persona_tests import conversation_files, load_cases, run_case
from parley.personas import PERSONA_DIR, SECTIONS, Persona, PersonaError, PersonaWatcher, load_personas, parse_persona
from parley.scaffold import new_persona, render
from parley.session import Trainer
from parley.store import Store
from parley_rasa.importer import PersonaImporter

ROOT = Path(__file__).resolve().parents[2]
SEED_IDS = {"price_increase_charlie", "loyal_customer", "competitor_switcher"}


def parley(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})


# -- the fourth persona, added with no code change --------------------------------------------------
def on_file() -> set:
    """The ids of the persona files in personas/: the seed ones and any a trainer has added."""
    return {path.stem for path in PERSONA_DIR.glob("*.yml")}


def test_every_persona_file_is_discovered(personas: Dict[str, Persona]) -> None:
    assert set(personas) == on_file() >= SEED_IDS | {"procurement_manager"}
    morgan = personas["procurement_manager"]
    assert morgan.name == "Morgan" and "multi-year" in morgan.title
    assert {i.id for i in morgan.interests} >= {"budget_cut", "multi_year"}


def test_the_importer_adds_the_new_persona_to_the_slot_and_its_stories() -> None:
    importer = PersonaImporter(persona_dir=str(PERSONA_DIR))
    slot = next(s for s in importer.get_domain().slots if s.name == "persona")
    assert set(slot.values) - {"__other__"} == on_file() >= SEED_IDS | {"procurement_manager"}
    steps = [s for s in importer.get_stories().story_steps if s.block_name.startswith("procurement_manager: ")]
    assert len(steps) == len(load_personas()["procurement_manager"].stories) >= 3
    first = [e.as_story_string() for e in steps[0].events[:3]]
    assert first[0] == "start_session" and "procurement_manager" in first[2]


def test_adding_a_persona_leaves_the_others_exactly_as_they_were(tmp_path: Path, personas: Dict[str, Persona]) -> None:
    for persona_id in SEED_IDS:  # the three seed personas alone, whatever else a trainer has added since
        shutil.copy2(PERSONA_DIR / f"{persona_id}.yml", tmp_path / f"{persona_id}.yml")
    without = load_personas(tmp_path)
    assert set(without) == SEED_IDS
    for persona_id in SEED_IDS:
        assert without[persona_id] == personas[persona_id]
        for level in ("easy", "normal", "hard"):
            assert without[persona_id].parameters(level) == personas[persona_id].parameters(level)
    plus = tmp_path / "plus"  # the seed personas and the fourth one
    plus.mkdir()
    for persona_id in SEED_IDS | {"procurement_manager"}:
        shutil.copy2(PERSONA_DIR / f"{persona_id}.yml", plus / f"{persona_id}.yml")
    before = {s.block_name for s in PersonaImporter(persona_dir=str(tmp_path)).get_stories().story_steps}
    after = {s.block_name for s in PersonaImporter(persona_dir=str(plus)).get_stories().story_steps}
    assert before < after and all(name.startswith("procurement_manager: ") for name in after - before)


def test_the_procurement_manager_plays_through_the_core(personas: Dict[str, Persona]) -> None:
    [case] = [c for c in load_cases(PERSONA_DIR / "tests" / "procurement_manager.yml", personas)
              if c.test.expect.outcome == "deal"]
    result = run_case(case, personas, detect)
    assert result.passed, "\n".join(result.failures + result.transcript)
    assert "three-year" in " ".join(result.report["outcome"]["terms"])


# -- the scaffold -----------------------------------------------------------------------------------
def test_new_persona_is_complete_valid_commented_and_comes_with_a_test(tmp_path: Path) -> None:
    written = new_persona("angry_dentist", tmp_path, name="Robin")
    assert written == [tmp_path / "angry_dentist.yml", tmp_path / "tests" / "angry_dentist.yml"]
    text = written[0].read_text(encoding="utf-8")
    assert sum(1 for line in text.splitlines() if line.lstrip().startswith("#")) >= 20
    persona = load_personas(tmp_path)["angry_dentist"]
    assert persona.name == "Robin" and "{name}" not in persona.title and "__" not in text
    # every section of the schema is written out, so the trainer sees every field there is
    for section in ("briefing:", "company:", "tradables:", "opening:", "hidden:", "interests:", "reactions:",
                    "lines:", "stories:", "difficulty:", "explore_needed:", "satisfied_by:", "worth:"):
        assert section in text, section


def test_new_persona_plays_as_it_is_and_passes_its_own_tests(tmp_path: Path) -> None:
    new_persona("angry_dentist", tmp_path, name="Robin")
    personas = load_personas(tmp_path)
    cases = load_cases(tmp_path / "tests" / "angry_dentist.yml", personas)
    assert {c.test.expect.outcome for c in cases} == {"deal", "walked_away"}
    for case in cases:
        result = run_case(case, personas, detect)
        assert result.passed, "\n".join(result.failures + result.transcript)
    trainer = Trainer(personas, Store("sqlite:///:memory:"), detect)
    reply = trainer.start("t", "angry_dentist", "hard")
    assert reply.payload("briefing")["name"] == "Robin" and len(reply.texts) == 2


def test_a_test_expecting_an_interest_the_persona_lacks_is_a_problem_up_front(tmp_path: Path) -> None:
    new_persona("angry_dentist", tmp_path, name="Robin")
    personas = load_personas(tmp_path)
    real = personas["angry_dentist"].interests[0].id
    path = tmp_path / "tests" / "typo.yml"
    path.write_text(f"persona: angry_dentist\nturns: [\"hi\"]\nexpect:\n  revealed: [{real}, budget_cut]\n",
                    encoding="utf-8")
    with pytest.raises(PersonaError, match=r"expect.revealed\[1\]: 'budget_cut' is not an interest of angry_dentist"):
        load_cases(path, personas)


def test_new_persona_never_overwrites_and_checks_the_id(tmp_path: Path) -> None:
    new_persona("angry_dentist", tmp_path)
    path = tmp_path / "angry_dentist.yml"
    path.write_text(path.read_text(encoding="utf-8") + "# my edits\n", encoding="utf-8")
    with pytest.raises(PersonaError, match="already exists; edit it, or pick another id"):
        new_persona("angry_dentist", tmp_path)
    assert path.read_text(encoding="utf-8").endswith("# my edits\n")
    for bad in ("Angry-Dentist", "1dentist", "angry dentist", ""):
        with pytest.raises(PersonaError, match="is not a valid id"):
            new_persona(bad, tmp_path)
    (tmp_path / "renamed.yml").write_text(render("taken_id"), encoding="utf-8")
    with pytest.raises(PersonaError, match="a persona with the id 'taken_id' already exists"):
        new_persona("taken_id", tmp_path)


def test_new_check_and_test_commands_work_together(tmp_path: Path) -> None:
    created = parley("personas", "new", "angry_dentist", "--name", "Robin", "--dir", str(tmp_path))
    assert created.returncode == 0, created.stderr
    assert "angry_dentist.yml" in created.stdout
    again = parley("personas", "new", "angry_dentist", "--dir", str(tmp_path))
    assert again.returncode == 1 and "nothing was overwritten" in again.stderr
    checked = parley("personas", "check", "--dir", str(tmp_path))
    assert checked.returncode == 0 and "1 persona file(s) OK" in checked.stdout, checked.stderr
    tested = parley("personas", "test", "--dir", str(tmp_path))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("PASS") == 2 and "2 passed, 0 failed" in tested.stdout


# -- conversation tests a trainer writes ------------------------------------------------------------
def test_every_persona_has_trainer_tests_and_they_pass() -> None:
    result = parley("personas", "test")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "FAIL" not in result.stdout and " 0 failed" in result.stdout
    files = {p.stem for p in conversation_files()}
    assert files >= SEED_IDS | {"procurement_manager"}
    for persona_id in SEED_IDS | {"procurement_manager"}:
        assert result.stdout.count(f"({persona_id}, ") >= 2, persona_id


def test_a_failing_trainer_test_says_why_and_exits_non_zero(tmp_path: Path) -> None:
    test = tmp_path / "wrong.yml"
    test.write_text("persona: price_increase_charlie\nturns:\n  - \"Take it or leave it.\"\n"
                    "expect:\n  outcome: deal\n  price: 23\n", encoding="utf-8")
    result = parley("personas", "test", str(test))
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "expected outcome deal, got ended" in result.stdout
    assert "rep: Take it or leave it." in result.stdout  # the conversation is printed for a failure


def test_a_malformed_trainer_test_names_file_line_and_field(tmp_path: Path) -> None:
    test = tmp_path / "bad.yml"
    test.write_text("persona: nobody_here\ndifficulty: extreme\nturns: []\nexpect:\n  outcome: won\n  prise: 3\n",
                    encoding="utf-8")
    result = parley("personas", "test", str(test))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for expected in (":1: persona: there is no persona 'nobody_here'", ":2: difficulty: must be one of easy, normal, "
                     "hard", ":3: turns: must not be empty", ":5: expect.outcome: must be one of deal, walked_away, "
                     "ended", ":6: expect.prise: is not a field here (did you mean 'price'?)"):
        assert f"{test}{expected}" in result.stderr, result.stderr


def test_the_e2e_fixtures_are_valid_trainer_tests(personas: Dict[str, Persona]) -> None:
    for path in sorted((ROOT / "tests" / "e2e" / "conversations").glob("*.yml")):
        assert load_cases(path, personas), path


# -- the edit loop: the action server sees edits without a restart ----------------------------------
def _bump(path: Path, old: str, new: str) -> None:
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later mtime, even on coarse clocks


def test_watcher_reloads_edited_added_and_fixed_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    watcher = PersonaWatcher(tmp_path)
    first = watcher.current()
    assert watcher.current() is first  # nothing changed: no reload
    path = tmp_path / "cafe_owner.yml"
    _bump(path, "Thanks for sorting it out.", "Thanks, sorted.")
    assert "OK, {price} a bag works for me. Thanks, sorted." in watcher.current()["cafe_owner"].lines.accept
    with caplog.at_level(logging.WARNING):
        _bump(path, "  list_price: 46 ", "  list_price: forty-six ")
        kept = watcher.current()  # a broken save keeps the last good personas
    assert kept["cafe_owner"].briefing.list_price == 46
    assert "serving cafe_owner" in caplog.text and "briefing.list_price" in caplog.text
    _bump(path, "  list_price: forty-six ", "  list_price: 47 ")
    assert watcher.current()["cafe_owner"].briefing.list_price == 47
    (tmp_path / "second_cafe.yml").write_text(render("second_cafe"), encoding="utf-8")
    assert set(watcher.current()) == {"cafe_owner", "second_cafe"}


def test_a_broken_file_at_start_up_leaves_the_other_personas_playable(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    (tmp_path / "broken.yml").write_text("id: broken\nname:\tSam\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert set(PersonaWatcher(tmp_path).current()) == {"cafe_owner"}
    assert "broken.yml:2" in caplog.text and "serving cafe_owner" in caplog.text
    with pytest.raises(PersonaError):
        load_personas(tmp_path)  # `parley personas check` and `rasa train` stay strict
    (tmp_path / "cafe_owner.yml").unlink()
    with pytest.raises(PersonaError):
        PersonaWatcher(tmp_path).current()  # nothing left to play: the problems are the answer


def test_the_action_servers_trainer_follows_the_persona_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import actions

    monkeypatch.setenv("PARLEY_DB_URL", f"sqlite:///{tmp_path / 'a.db'}")
    new_persona("cafe_owner", tmp_path, with_test=False)
    monkeypatch.setattr(actions, "PERSONAS", PersonaWatcher(tmp_path))
    actions.trainer.cache_clear()
    try:
        store = actions.trainer().store
        assert set(actions.trainer().personas) == {"cafe_owner"}
        _bump(tmp_path / "cafe_owner.yml", "title: \"Sam - cafe owner", "title: \"Sam - edited cafe owner")
        assert actions.trainer().personas["cafe_owner"].title.startswith("Sam - edited")
        assert actions.trainer().store is store  # the database stays open; only the personas are new
    finally:
        actions.trainer.cache_clear()


# -- docs -------------------------------------------------------------------------------------------
def test_docs_field_reference_matches_the_schema() -> None:
    assert not persona_docs.stale(), "docs/personas.md is out of date: run `parley personas schema --write`"


def test_docs_cover_every_field_and_the_example_is_valid() -> None:
    page = persona_docs.DOC.read_text(encoding="utf-8")
    for model in SECTIONS:
        for name in model.__fields__:
            assert f"| `{name}` |" in page, f"{model.__name__}.{name}"
    example = page.split("```yaml\n")[-2].split("```")[0]
    persona = parse_persona(example, "docs example")
    assert persona.id == persona_docs.EXAMPLE_ID


def test_schema_check_command_fails_on_a_stale_page(tmp_path: Path) -> None:
    page = tmp_path / "personas.md"
    page.write_text(persona_docs.DOC.read_text(encoding="utf-8").replace("| `batna` |", "| `bat` |"), encoding="utf-8")
    stale = parley("personas", "schema", "--check", "--doc", str(page))
    assert stale.returncode == 1 and "out of date" in stale.stderr and "parley personas schema --write" in stale.stderr
    assert persona_docs.stale(page) and persona_docs.write(page) and not persona_docs.stale(page)
    assert page.read_text(encoding="utf-8") == persona_docs.DOC.read_text(encoding="utf-8")


def test_list_shows_every_persona() -> None:
    result = parley("personas", "list")
    assert result.returncode == 0
    assert all(persona_id in result.stdout for persona_id in SEED_IDS | {"procurement_manager"})


def test_persona_files_ignore_the_tests_folder() -> None:
    assert (PERSONA_DIR / "tests").is_dir()
    started = time.perf_counter()
    personas = load_personas()
    assert set(personas) == on_file() and "tests" not in personas
    assert time.perf_counter() - started < 5


def test_difficulty_overrides_keep_the_documented_limits(charlie) -> None:
    hard = charlie.difficulty.hard.copy(update={"patience": 1})  # Charlie's file overrides hard's patience
    levels = charlie.difficulty.copy(update={"hard": hard})
    persona = charlie.copy(update={"difficulty": levels, "hidden": charlie.hidden.copy(update={"patience": 29})})
    assert persona.parameters("hard").patience >= 2
    assert persona.parameters("easy").patience <= 30


@pytest.mark.parametrize("unit, plural", [("battery", "batteries"), ("box", "boxes"), ("person", "people"),
                                          ("coffee bag", "coffee bags"), ("cartridge", "cartridges")])
def test_units_are_counted_in_proper_plurals(unit: str, plural: str) -> None:
    from parley.personas import _plural

    assert _plural(unit) == plural
