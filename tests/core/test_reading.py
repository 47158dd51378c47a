"""A persona's reading of a turn (parley/reading.py): what the engine needs from the words, worked out once."""

from __future__ import annotations

from parley.personas import Persona
from parley.reading import AnswerKind, Topic, at_list_price, read
from tests.core.conftest import turn


def test_a_price_at_or_above_the_list_price_concedes_nothing(charlie: Persona, detector) -> None:
    assert charlie.briefing.list_price == 25
    above = at_list_price(charlie, detector.detect("I can do $30 a cartridge"))
    assert above.moves == ("hold_position",) and above.quotes("hold_position") == ["I can do $30 a cartridge"]
    assert at_list_price(charlie, detector.detect("I can do $25 a cartridge")).moves == ("hold_position",)
    below = detector.detect("I can do $24 a cartridge")
    assert at_list_price(charlie, below) is below  # a real step down stays a concession
    cut = turn("I can do $30 a cartridge, or 10% off if you sign today.", "concession")
    assert at_list_price(charlie, cut) is cut  # a cut named with it: the detector's reading stands


def test_the_list_price_with_an_extra_keeps_the_extra(charlie: Persona) -> None:
    kept = at_list_price(charlie, turn("I can do $25 a cartridge with free shipping.", "concession", "value_add"))
    assert kept.moves == ("value_add",)


def test_the_reading_answers_facts_from_the_briefing_and_the_persona(personas, detector) -> None:
    dana = personas["loyal_customer"]
    plan = read(dana, detector.detect("are you still on the Professional plan?")).answer
    assert plan.kind is AnswerKind.fact and "Professional plan" in dana.facts[plan.fact].answer[0]
    charlie = personas["price_increase_charlie"]
    volume = read(charlie, detector.detect("do you order 100 a month?")).answer
    assert volume.kind is AnswerKind.figure and volume.text == "No, it's about 150 cartridges a month."
    assert read(charlie, detector.detect("what is your budget?")).answer.kind is AnswerKind.unknown


def test_the_reading_knows_what_a_question_is_about(charlie: Persona, detector) -> None:
    assert read(charlie, detector.detect("Any plans for the holidays?")).topic is Topic.off
    budget = read(charlie, detector.detect("How does the increase fit your quarterly budget?"))
    assert budget.topic is Topic.deal and dict(budget.need_words)["cash_flow"] > 0
    assert read(charlie, detector.detect("Free shipping is on us.")).offer_extras == ("free_shipping",)


def test_a_price_put_to_the_customer_is_checked_against_the_briefing(personas, detector) -> None:
    charlie = personas["price_increase_charlie"]
    assert read(charlie, detector.detect("Are you paying $25 now?")).answer.text == "Yes, $25 a cartridge now."
    assert read(charlie, detector.detect("are you paying $24 now?")).answer.text == "No, it's $25 a cartridge now."
    jordan = personas["competitor_switcher"]  # the rival's price is one of Jordan's facts, not the list price
    assert read(jordan, detector.detect("Is RelayDesk's price now $29?")).answer.kind is AnswerKind.fact


def test_an_open_question_that_names_a_fact_gets_the_fact_and_one_word_leaves_it_to_the_needs(personas,
                                                                                             detector) -> None:
    dana, jordan = personas["loyal_customer"], personas["competitor_switcher"]
    paid = read(dana, detector.detect("What were you paying per seat before this renewal?")).answer
    assert paid is not None and paid.kind is AnswerKind.briefing and paid.key == "previous_price"
    when = read(jordan, detector.detect("By when do you need to decide?")).answer
    assert when is not None and when.kind is AnswerKind.fact and when.key == "fact:deadline"
    assert read(jordan, detector.detect("What does RelayDesk give you that we don't?")).answer is None


def test_a_fact_listed_before_the_rivals_terms_answers_a_question_both_could_match(personas, detector) -> None:
    reading = read(personas["competitor_switcher"], detector.detect("When does the RelayDesk quote expire?"))
    assert reading.answer is not None and reading.answer.key == "fact:deadline" and reading.teaching_fact is None
