"""Broken persona files get every problem at once, each with file, line, field and plain words.

Each case starts from the scaffold's valid persona (what `parley personas new` writes), breaks one
thing the way a trainer might, and checks the exact message: the file, the line to fix (found by
looking for the broken text in the file), the field, and the wording.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest
from rasa.shared.exceptions import RasaException

from parley.personas import PersonaError, Problem, load_personas
from parley.scaffold import render
from parley_rasa.importer import PersonaFilesError, PersonaImporter

ROOT = Path(__file__).resolve().parents[2]
BASE = render("cafe_owner")


@dataclass(frozen=True)
class Case:
    kind: str
    old: str  # text in the valid file ...
    new: str  # ... replaced by this
    at: str  # the problem is reported on the line holding this text (after the edit)
    field: str  # "" for whole-file problems such as bad YAML
    words: str  # part of the message
    occurrence: int = 1  # which occurrence of `at` holds the problem


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the broken file")


CASES = [
    Case("bad YAML: unclosed bracket", "  product: coffee beans", "  product: [coffee beans", "[coffee beans", "",
         "not valid YAML: while parsing a flow sequence"),
    Case("tab used to indent", "  product: coffee beans", "\tproduct: coffee beans", "product: coffee beans", "",
         "not valid YAML: a tab is used to indent; indent with spaces only"),
    Case("unquoted line starting with {", '    - "{price} is still more than I can justify. Could you do {counter}?"',
         "    - {price} is still more than I can justify.", "{price} is still more", "",
         "a line that starts with { (such as {price} ...) must be put in quotes"),
    Case("': ' inside an unquoted line", '  batna: "A roaster in town sells similar beans at $43 a bag, but delivers '
         'only once a fortnight."', "  batna: Note: a roaster sells beans", "  batna: Note", "",
         "a ': ' inside a line reads as a new field; put the whole line in quotes"),
    Case("a number in quotes", "  reservation_price: 44", '  reservation_price: "44"', "reservation_price",
         "hidden.reservation_price", "must be a number, not text: remove the quotes around '44'"),
    Case("a field indented too far", "  accept_trust: 50", "    accept_trust: 50", "accept_trust: 50", "",
         "does not line up with the"),
    Case("a field not indented enough", "  accept_trust: 50", "accept_trust: 50", "accept_trust: 50", "",
         "does not line up with the"),
    Case("a list line with a colon in it", '    - "{price} is still more than I can justify. Could you do {counter}?"',
         "    - Look: {price} is still more than I can justify.", "Look: {price}", "",
         "a ': ' inside a line reads as a new field; put the whole line in quotes"),
    Case("a line in curly quotes", '    - "{price} is still more than I can justify. Could you do {counter}?"',
         "    - \u201cLook: that is still more than I can justify.\u201d", "\u201cLook:", "lines.counter[0]",
         "the line is in curly quotes"),
    Case("YAML object tag", "  product: coffee beans", '  product: !!python/object/apply:os.system ["echo owned"]',
         "  product: !!python", "", "uses the YAML tag !!python/object/apply:os.system; tags such as !!python/object "
         "could run code or build objects, so they are not allowed"),
    Case("key written twice", "  trust: 35 ", "  trust: 40\n  trust: 35 ", "  trust: 35", "",
         "'trust' is written twice in the same section (first on line"),
    Case("missing required field", '  batna: "A roaster in town sells similar beans at $43 a bag, but delivers only '
         'once a fortnight."\n', "", "hidden:", "hidden.batna",
         "is missing; it is required: the customer's best alternative"),
    Case("unknown (misspelt) field", "  reservation_price: 44", "  reservaton_price: 44", "reservaton_price",
         "hidden.reservaton_price", "is not a field here (did you mean 'reservation_price'?)"),
    Case("text where a number belongs", "  list_price: 46 ", "  list_price: $46 ", "list_price: $46",
         "briefing.list_price", "must be a number like 25 or 22.5 (no currency sign or words); it says '$46'"),
    Case("a fraction where a whole number belongs", "  trust: 35 ", "  trust: 35.5 ", "trust: 35.5",
         "hidden.trust", "must be a whole number like 30; it says 35.5"),
    Case("yes/no where text belongs", '    hostile: ["Yes.", "No.", "Maybe. Why?"]', "    hostile: [Yes, No]",
         "[Yes, No]",
         "reactions.closed_question.hostile[0]", "must be text, not yes/no"),
    Case("text where a list belongs", "    revealed_by: [open_question, summary]\n    min_trust: 40",
         "    revealed_by: open_question\n    min_trust: 40", "revealed_by: open_question",
         "interests[1].revealed_by", "must be a list"),
    Case("reservation price above the list price", "  reservation_price: 44", "  reservation_price: 48",
         "reservation_price: 48", "hidden.reservation_price",
         "the reservation price (48) is above briefing.list_price (46)"),
    Case("floor price above the list price", "  floor_price: 42", "  floor_price: 47", "floor_price: 47",
         "company.floor_price", "the floor price (47) is above briefing.list_price (46)"),
    Case("reservation price below the floor", "  reservation_price: 44", "  reservation_price: 41",
         "reservation_price: 41", "hidden.reservation_price",
         "is below company.floor_price (42): no price the rep may offer would ever be accepted"),
    Case("interest with an empty revealed_by", "    revealed_by: [open_question, summary]\n    min_trust: 40",
         "    revealed_by: []\n    min_trust: 40", "revealed_by: []", "interests[1].revealed_by",
         "is empty, so nothing can ever reveal this interest"),
    Case("interest no trust level can reach", "    min_trust: 40", "    min_trust: 120", "min_trust: 120",
         "interests[1].min_trust", "is 120, but trust only goes from 0 to 100, so no trust level can reach it"),
    Case("interest revealed only by moves that never reveal",
         "    revealed_by: [open_question, summary]\n    min_trust: 40",
         "    revealed_by: [pressure, hold_position]\n    min_trust: 40", "revealed_by: [pressure",
         "interests[1].revealed_by", "which never bring an interest out"),
    Case("unknown move", "    revealed_by: [open_question, summary]\n    min_trust: 40",
         "    revealed_by: [open_questions, summary]\n    min_trust: 40", "open_questions",
         "interests[1].revealed_by[0]", "'open_questions' is not a move (did you mean 'open_question'?)"),
    Case("satisfied_by names an unknown tradable", "satisfied_by: [monthly_invoice]",
         "satisfied_by: [monthly_invoices]", "monthly_invoices", "interests[1].satisfied_by[0]",
         "'monthly_invoices' is neither a tradable (free_delivery, monthly_invoice, price_lock) nor a move "
         "(did you mean 'monthly_invoice'?)"),
    Case("worth that nothing can unlock", "    satisfied_by: [monthly_invoice]", "    satisfied_by: []",
         "    worth: 1 ", "interests[1].worth", "nothing satisfies this interest"),
    Case("duplicate interest id", "  - id: cash_flow", "  - id: wants_to_stay", "- id: wants_to_stay",
         "interests[1].id", "'wants_to_stay' is used by two interests", occurrence=2),
    Case("story names an unknown move", "      - intent: hold_position", "      - intent: refuse",
         "intent: refuse", "stories[1].steps[0].intent", "'refuse' is not a move"),
    Case("story names an unknown response", "      - action: action_customer_turn\n  - story:",
         "      - action: utter_goodbye\n  - story:", "utter_goodbye", "stories[0].steps[5].action",
         "'utter_goodbye' is not a response a persona story can use"),
    Case("story names an unknown action", "      - action: action_customer_turn\n  - story:",
         "      - action: action_offer_discount\n  - story:", "action_offer_discount", "stories[0].steps[5].action",
         "'action_offer_discount' is not an action a persona story can use"),
    Case("story with two moves in a row", "      - intent: appreciation\n      - action: action_customer_turn",
         "      - intent: appreciation", "- intent: open_question", "stories[0].steps[1].intent",
         "two trainee moves in a row"),
    Case("story step with a misspelt key", "      - intent: hold_position", "      - intnet: hold_position",
         "intnet: hold_position", "stories[1].steps[0].intnet", "not 'intnet' (did you mean 'intent'?)"),
    Case("empty reaction list", '    guarded: ["Go on.", "OK.", "Better."]', "    guarded: []", "    guarded: []",
         "reactions.concession.guarded", "is empty; it needs at least one line"),
    Case("reactions missing a move", '  close:\n    hostile: ["We\'re not there yet.", "Agree to what?", '
         '"Slow down. Nothing\'s agreed."]\n'
         '    guarded: ["Not yet, I\'m not convinced.", "Let\'s not rush.", "I\'m not ready to sign anything yet."]\n'
         '    open: ["Nearly there, I think.", "Let\'s go over the terms first.", '
         '"Close. Tell me exactly what I\'m getting first."]\n', "", "reactions:",
         "reactions.close", "is missing; it is required: when the rep proposes to finalise"),
    Case("unknown mood", '    guarded: ["Go on.", "OK.", "Better."]', '    grumpy: ["Go on.", "OK."]', "grumpy:",
         "reactions.concession.grumpy", "is not a mood (moods: hostile, guarded, open)"),
    Case("placeholder that is never filled in", '"OK, {price} a bag works', '"OK, {prise} a bag works', "{prise}",
         "lines.accept[0]", "uses {prise}, which is not filled in here; this line may use {currency}, {list_price}, "
         "{name}, {price}, {product}, {unit}"),
    Case("lone brace in a line", '"OK, {price} a bag works', '"OK, {price a bag works', "{price a bag",
         "lines.accept[0]", "has a lone '{' or '}'"),
    Case("unknown difficulty level", "  easy:\n    trust: 50", "  easiest:\n    trust: 50", "easiest:",
         "difficulty.easiest", "is not a difficulty level (levels: easy, normal, hard)"),
    Case("difficulty levels out of order", "  easy:\n    trust: 50", "  easy:\n    trust: 20", "trust: 20",
         "difficulty.easy.trust", "makes 'easy' harder than 'normal' (trust 20 on easy, 35 on normal)"),
    Case("unknown default difficulty", "default_difficulty: normal", "default_difficulty: medium",
         "default_difficulty: medium", "default_difficulty", "must be one of easy, normal, hard; it says 'medium'"),
    Case("id that is not lower_case_with_underscores", "id: cafe_owner ", "id: Cafe-Owner ", "id: Cafe-Owner", "id",
         "'Cafe-Owner' must be lower_case_with_underscores"),
    Case("more exploration needed than there are interests", "  explore_needed: 0 ", "  explore_needed: 4 ",
         "explore_needed: 4", "hidden.explore_needed", "4 is more than the 3 interest(s) this persona has"),
    Case("fact answer with a placeholder it cannot use", '    answer: ["Three years now."]',
         '    answer: ["Since {year}."]', "Since {year}", "facts[0].answer[0]",
         "uses {year}, which is not filled in here"),
    Case("fact without the words that ask for it", "  - about: [how long have, how many years]\n", "  - about: []\n",
         "about: []", "facts[0].about", "must not be empty"),
]


RESERVATION_ABOVE_LIST = next(c for c in CASES if c.kind == "reservation price above the list price")


def broken(case: Case) -> str:
    assert case.old in BASE, case.kind
    return BASE.replace(case.old, case.new, 1)


def problems_in(folder: Path) -> List[Problem]:
    with pytest.raises(PersonaError) as caught:
        load_personas(folder)
    return caught.value.problems


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "cafe_owner.yml").write_text(BASE, encoding="utf-8")
    assert set(load_personas(tmp_path)) == {"cafe_owner"}


def test_there_are_at_least_twenty_kinds_of_broken_file() -> None:
    assert len({c.kind for c in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_each_mistake_is_reported_with_file_line_field_and_plain_words(tmp_path: Path, case: Case) -> None:
    text = broken(case)
    path = tmp_path / "cafe_owner.yml"
    path.write_text(text, encoding="utf-8")
    problems = problems_in(tmp_path)
    line = line_of(text, case.at, case.occurrence)
    matching = [p for p in problems if p.field == case.field and case.words in p.message]
    assert matching, "\n".join(map(str, problems))
    problem = matching[0]
    assert (problem.file, problem.line) == (str(path), line), str(problem)
    expected_start = f"{path}:{line}: {case.field}: " if case.field else f"{path}:{line}: "
    assert str(problem).startswith(expected_start)
    assert "Traceback" not in str(problem) and "pydantic" not in str(problem).lower()


def test_object_tags_are_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    text = BASE.replace("  product: coffee beans", f'  product: !!python/object/apply:os.system ["touch {marker}"]')
    (tmp_path / "cafe_owner.yml").write_text(text, encoding="utf-8")
    problems_in(tmp_path)
    assert not marker.exists()


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    raw = BASE.encode("utf-8").replace(b"  product: coffee beans", "  product: caf\u00e9 beans".encode("latin-1"))
    (tmp_path / "cafe_owner.yml").write_bytes(raw)
    [problem] = problems_in(tmp_path)
    assert problem.line == line_of(BASE, "  product: coffee beans")
    assert "is not UTF-8 text (byte 0xe9); save the file as UTF-8" in problem.message


@pytest.mark.parametrize("text,words", [
    ("", "the file is empty"),
    ("- one\n- two\n", "must be a section of fields (id:, name:, ...), not a list"),
])
def test_a_file_that_is_not_a_persona_at_all(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "cafe_owner.yml").write_text(text, encoding="utf-8")
    [problem] = problems_in(tmp_path)
    assert problem.line == 1 and words in problem.message


def test_duplicate_persona_id_points_at_the_second_files_id_line(tmp_path: Path) -> None:
    (tmp_path / "cafe_owner.yml").write_text(BASE, encoding="utf-8")
    (tmp_path / "cafe_owner.yaml").write_text(BASE, encoding="utf-8")  # both named after the id
    [problem] = problems_in(tmp_path)
    assert problem.file == str(tmp_path / "cafe_owner.yml") and problem.field == "id"
    assert problem.line == line_of(BASE, "id: cafe_owner")
    assert f"'cafe_owner' is already the id of {tmp_path / 'cafe_owner.yaml'}" in problem.message


def test_a_copy_with_a_taken_id_is_blamed_not_the_file_named_after_the_id(tmp_path: Path) -> None:
    (tmp_path / "cafe_owner.yml").write_text(BASE, encoding="utf-8")
    (tmp_path / "a_new_cafe.yml").write_text(BASE, encoding="utf-8")  # sorts first, but it is the copy
    [problem] = problems_in(tmp_path)
    assert problem.file == str(tmp_path / "a_new_cafe.yml") and problem.field == "id"
    assert "the file is called 'a_new_cafe.yml'; name the file after the id (cafe_owner.yml)" in problem.message


def test_every_problem_in_every_file_at_once(tmp_path: Path) -> None:
    many = BASE.replace("  reservation_price: 44", "  reservaton_price: 44").replace(
        "      - intent: hold_position", "      - intent: refuse").replace("  trust: 35 ", "  trust: high ")
    (tmp_path / "many.yml").write_text(many, encoding="utf-8")
    (tmp_path / "yaml.yml").write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    (tmp_path / "good_one.yml").write_text(render("good_one"), encoding="utf-8")
    problems = problems_in(tmp_path)
    fields = {(Path(p.file).name, p.field) for p in problems}
    assert {("many.yml", "hidden.reservaton_price"), ("many.yml", "hidden.reservation_price"),
            ("many.yml", "hidden.trust"), ("many.yml", "stories[1].steps[0].intent"), ("yaml.yml", "")} <= fields
    assert not any(p.file.endswith("good_one.yml") for p in problems)
    lines = [p.line for p in problems if p.file.endswith("many.yml")]
    assert lines == sorted(lines)  # in the order a trainer reads the file


def parley(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})


def test_check_command_prints_every_problem_and_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "cafe_owner.yml").write_text(broken(RESERVATION_ABOVE_LIST), encoding="utf-8")
    (tmp_path / "other.yml").write_text("id: other\nname: [oops\n", encoding="utf-8")
    result = parley("personas", "check", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "2 problems in 2 persona files:" in result.stderr
    assert f"{tmp_path / 'cafe_owner.yml'}:" in result.stderr and "hidden.reservation_price" in result.stderr
    assert f"{tmp_path / 'other.yml'}:2: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_importer_raises_a_rasa_exception_listing_every_problem(tmp_path: Path) -> None:
    (tmp_path / "cafe_owner.yml").write_text(broken(RESERVATION_ABOVE_LIST), encoding="utf-8")
    (tmp_path / "other.yml").write_text("id: other\nname: [oops\n", encoding="utf-8")
    with pytest.raises(PersonaFilesError) as caught:
        PersonaImporter(persona_dir=str(tmp_path)).get_domain()
    assert isinstance(caught.value, RasaException)  # Rasa's CLI prints these without a traceback
    message = str(caught.value)
    assert f"{tmp_path / 'cafe_owner.yml'}:{line_of(broken(RESERVATION_ABOVE_LIST), 'reservation_price: 48')}: " \
           "hidden.reservation_price" in message
    assert f"{tmp_path / 'other.yml'}:2: not valid YAML" in message


def test_rasa_data_validate_stops_cleanly_on_a_broken_persona(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copytree(ROOT / "personas", project / "personas", ignore=shutil.ignore_patterns("tests"))
    persona = project / "personas" / "procurement_manager.yml"
    text = persona.read_text(encoding="utf-8").replace("  floor_price: 25.5", "  floor_price: 31")
    persona.write_text(text, encoding="utf-8")
    result = subprocess.run([str(Path(sys.executable).parent / "rasa"), "data", "validate", "--config", "config.yml",
                             "--domain", "domain.yml", "--data", "data"], cwd=project, capture_output=True, text=True,
                            timeout=600, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "PersonaFilesError" in out and "Traceback" not in out
    assert f"personas/procurement_manager.yml:{line_of(text, 'floor_price: 31')}: company.floor_price: the floor " \
           "price (31) is above briefing.list_price (30)" in out


@pytest.mark.parametrize("old,new,message", [
    ("  patience: 6 ", "  patience 6 ", "'patience 6' needs a ':' after the field name"),
    ("  floor_price: 42", "   floor_price: 42", "does not line up with the lines around it"),
    ("  - \"My beans went from $40 to $46 a bag overnight. That's not how you treat a regular.\"",
     "  - \"My beans went from $40 to $46 a bag overnight. That's not how you treat a regular.",
     "a quote (\") opened on this line is never closed"),
])
def test_everyday_yaml_slips_point_at_the_line_changed_in_plain_words(tmp_path: Path, old: str, new: str,
                                                                      message: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    (tmp_path / "cafe_owner.yml").write_text(text, encoding="utf-8")
    [problem] = problems_in(tmp_path)
    assert problem.line == line_of(text, new.strip()) and message in problem.message
