"""`parley personas new`: the title follows the name (or --title), the starter test follows the persona's
numbers after a trainer changes them, and what monthly_volume does is said where it is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.moves import detect
from parley.persona_tests import load_cases, run_case
from parley.personas import Briefing, PersonaError, load_personas
from parley.scaffold import new_persona


def test_the_title_follows_the_name_and_the_id(tmp_path: Path) -> None:
    new_persona("gym_member", tmp_path, name="Alex", with_test=False)
    assert load_personas(tmp_path)["gym_member"].title == "Alex - gym member"
    new_persona("seat_cutter", tmp_path, name="Kim", with_test=False, title="Kim - SaaS customer cutting seats")
    persona = load_personas(tmp_path)["seat_cutter"]
    assert persona.title == "Kim - SaaS customer cutting seats" and "café" not in persona.title
    with pytest.raises(PersonaError):
        new_persona("bad_title", tmp_path, title='say "hi" {price}')


def test_two_scaffolded_personas_do_not_share_a_title(tmp_path: Path) -> None:
    new_persona("first_cafe", tmp_path, with_test=False)
    new_persona("second_cafe", tmp_path, with_test=False)
    assert len({p.title for p in load_personas(tmp_path).values()}) == 2


def test_the_starter_test_follows_the_personas_numbers(tmp_path: Path) -> None:
    new_persona("gym_member", tmp_path, name="Alex")
    path = tmp_path / "gym_member.yml"
    text = path.read_text(encoding="utf-8")
    for old, new in (('  currency: "$"', '  currency: "£"'), ("  list_price: 46 ", "  list_price: 52 "),
                     ("  previous_price: 40 ", "  previous_price: 48 "), ("  floor_price: 42 ", "  floor_price: 44 "),
                     ("  reservation_price: 44 ", "  reservation_price: 47 ")):
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    personas = load_personas(tmp_path)
    cases = load_cases(tmp_path / "tests" / "gym_member.yml", personas)
    assert "I can offer £47 a bag." in cases[0].turns(personas)[2]
    for case in cases:
        result = run_case(case, personas, detect)
        assert result.passed, "\n".join(result.failures + result.transcript)


def test_an_unknown_placeholder_in_a_test_turn_is_a_file_line_error(tmp_path: Path) -> None:
    new_persona("gym_member", tmp_path)
    test = tmp_path / "tests" / "gym_member.yml"
    test.write_text(test.read_text(encoding="utf-8").replace("{reservation_price}", "{best_price}"), encoding="utf-8")
    with pytest.raises(PersonaError) as caught:
        load_cases(test, load_personas(tmp_path))
    [problem] = caught.value.problems
    # the starter test's offer is a turn with a reply check: the problem is in its `say:`
    assert problem.field == "[0].turns[2].say" and "{best_price}" in problem.message
    assert "{best_price}" in test.read_text(encoding="utf-8").splitlines()[problem.line - 1]


def test_what_monthly_volume_adds_to_the_briefing_is_said_where_it_is_set(tmp_path: Path) -> None:
    new_persona("gym_member", tmp_path, with_test=False)
    line = next(x for x in (tmp_path / "gym_member.yml").read_text(encoding="utf-8").splitlines()
                if x.startswith("  monthly_volume:"))
    following = (tmp_path / "gym_member.yml").read_text(encoding="utf-8").split(line)[1].splitlines()[1]
    assert "briefing then tells the trainee" in line and "They buy about 20 bags a month." in following
    assert "They have 20 seats." in Briefing.__fields__["monthly_volume"].field_info.description
