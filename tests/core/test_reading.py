"""A persona's reading of a turn (parley/reading.py): what the engine needs from the words, worked out once."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

from parley import reading
from parley.personas import Persona
from parley.reading import AnswerKind, Topic, at_list_price, read, refused_with_an_offer, unit_prices
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


def test_a_price_per_month_at_the_list_price_concedes_nothing(charlie: Persona) -> None:
    paused = turn("We can pause the plan while you travel, at $25 a month.", "concession", "value_add")
    kept = at_list_price(charlie, paused)
    assert kept.moves == ("value_add",)  # the price it names is the one they pay now: only the pause is given
    below = turn("I can do $24 a month.", "concession")
    assert at_list_price(charlie, below) is below


def test_the_list_price_with_an_extra_keeps_the_extra(charlie: Persona) -> None:
    kept = at_list_price(charlie, turn("I can do $25 a cartridge with free shipping.", "concession", "value_add"))
    assert kept.moves == ("value_add",)


def test_a_no_with_an_offer_engages_and_a_flat_no_holds(charlie: Persona, detector) -> None:
    # the detector reads the refusal and the offer; the customer and the coach meet a no that offers something
    # as engaging (DESIGN.md: hold_position "refuses without engaging interests")
    both = detector.detect("I can't lower the unit price, but I can add free delivery on every order.")
    assert {"hold_position", "value_add"} <= set(both.moves)
    engaged = refused_with_an_offer(both)
    assert "hold_position" not in engaged.moves and "value_add" in engaged.moves
    assert not engaged.quotes("hold_position")
    flat = detector.detect("I can't lower the unit price, I'm afraid.")
    assert refused_with_an_offer(flat) is flat and "hold_position" in flat.moves
    asked = detector.detect("we're unable to go to 29. what matters most to you?")
    assert refused_with_an_offer(asked) is asked  # a question engages nothing the engine trades on: still a no


def test_the_list_price_restated_next_to_an_extra_offers_the_extra(charlie: Persona) -> None:
    said = turn("The price stays at $25, but I can add free shipping.", "hold_position", "value_add")
    assert refused_with_an_offer(at_list_price(charlie, said)).moves == ("value_add",)


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


# -- questions outside the deal (issue 16, F7) and the customer's limit (F23) -----------------------------------

def test_a_question_outside_the_deal_is_off_topic_and_a_detail_the_customer_cannot_give(personas, detector) -> None:
    charlie, jordan, morgan = (personas[p] for p in ("price_increase_charlie", "competitor_switcher",
                                                     "procurement_manager"))
    for persona, question in ((charlie, "What's your accountant's name?"),  # a detail about a person
                              (personas["loyal_customer"], "What's the name of your managing partner?"),
                              (morgan, "What's your CFO's name?"),  # "CFO" is in a need's words: still a name
                              (jordan, "What's your best-selling sofa at the moment?"),  # no word of the deal
                              (jordan, "What's RelayDesk's uptime guarantee?")):
        reading = read(persona, detector.detect(question))
        assert reading.topic is Topic.off, question
        detail = AnswerKind.private if "name" in question else AnswerKind.unknown  # a person's: why does it matter?
        assert reading.answer is not None and reading.answer.kind is detail, question
    joke = read(morgan, detector.detect("Why did the procurement manager cross the road? To get a better quote! Ha."))
    assert joke.topic is Topic.off and joke.answer is None  # answered by the rep: small talk, not a fact to look up


def test_generic_and_on_topic_questions_stay_on_the_deal(personas, detector) -> None:
    for persona in personas.values():
        for question in ("What's worrying you?", "What matters most to you?", "Tell me more.",
                         "What's your biggest concern?", "What's driving this?", "What would help you most?",
                         "What is the main problem for you?",
                         "Can you tell me what this increase does to your business?"):
            reading = read(persona, detector.detect(question))
            assert reading.topic is not Topic.off and reading.answer is None, (persona.id, question)
    dana = personas["loyal_customer"]  # "the name of the plan" asks about the plan, a thing of the deal
    assert read(dana, detector.detect("What's the name of the plan you're on?")).topic is not Topic.off


def test_a_named_detail_about_a_need_is_answered_when_nothing_else_is(personas, detector) -> None:
    morgan = personas["procurement_manager"]
    fuel = read(morgan, detector.detect("What's your monthly fuel spend?"))
    assert fuel.topic is Topic.deal and dict(fuel.need_words)["fuel_case"] == 1
    assert fuel.names_detail and fuel.answer is None  # the engine decides: the need if ready, else "not sure"
    assert not read(morgan, detector.detect("What does the budget cut mean for you?")).names_detail


def test_asked_their_limit_the_customer_anchors_or_points_at_the_rival(personas, detector) -> None:
    charlie, jordan = personas["price_increase_charlie"], personas["competitor_switcher"]
    limit = read(charlie, detector.detect("What's the lowest price you'd actually accept?")).answer
    assert limit is not None and limit.kind is AnswerKind.briefing and limit.key == "limit"
    assert "{previous_price}" in limit.text  # the $20 he paid before, never his real limit
    rival = read(jordan, detector.detect("What's the lowest price you'd stay for?")).answer
    assert rival is not None and rival.kind is AnswerKind.fact and "$29" in jordan.facts[rival.fact].answer[0]


def test_the_briefing_s_other_word_for_the_unit_counts_it(personas, detector) -> None:
    morgan = personas["procurement_manager"]  # "a regional haulier with 120 trucks"; the unit is a vehicle
    assert read(morgan, detector.detect("Do you run 200 trucks?")).answer.text == "No, it's about 120 vehicles."
    assert read(morgan, detector.detect("Do you run 120 trucks?")).answer.text == "Yes, about 120 vehicles."


def test_what_else_asks_for_something_not_told_yet(charlie: Persona, detector) -> None:
    assert read(charlie, detector.detect("Besides the budget, what else worries you?")).asks_another
    assert not read(charlie, detector.detect("How does the increase fit your quarterly budget?")).asks_another


def test_a_person_s_detail_is_private_and_word_forms_meet(personas, detector) -> None:
    jordan = personas["competitor_switcher"]  # a boss is a word of the deal; their email is still private
    assert read(jordan, detector.detect("What's your boss's email?")).answer.kind is AnswerKind.private
    gap = read(jordan, detector.detect("Tell me more about the messaging gap with WhatsApp and SMS."))
    assert dict(gap.need_words)["messaging_channel"] >= 2  # "messaging" meets the need's "message"


# -- the analysis is the only code that reads the trainee's raw text (issue 15, item 3) -------------------------

def _regex_uses(path: Path) -> List[str]:
    """Where a module imports `re` (or `regex`) or calls one of its functions, by line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in {"re", "regex"} for a in node.names):
            found.append(f"{path.name}:{node.lineno}: import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"re", "regex"}:
            found.append(f"{path.name}:{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in {"re", "regex"}:
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_reading_engine_and_scoring_run_no_regular_expression_over_the_trainee_s_text(tmp_path) -> None:
    """reading.py, engine.py, scoring.py and listening.py decide on the analysis's typed values
    (parley/wording.py, parley/signals.py): none imports `re`, so none can run a pattern over `analysis.text`."""
    root = Path(reading.__file__).resolve().parent
    assert [use for name in ("reading.py", "engine.py", "scoring.py", "listening.py")
            for use in _regex_uses(root / name)] == []
    probe = tmp_path / "probe.py"  # the check itself sees a regex when there is one
    probe.write_text("import re\nfrom re import search\nre.search('x', 'y')\n", encoding="utf-8")
    assert len(_regex_uses(probe)) == 3


def test_the_reading_matches_persona_phrases_on_the_analysis_s_words(personas, detector) -> None:
    charlie = personas["price_increase_charlie"]
    # a fact's `about` phrase is matched word by word: "how long have" in the question's words
    years = read(charlie, detector.detect("How long have you been ordering from us?")).answer
    assert years is not None and years.kind is AnswerKind.fact and "Five years" in charlie.facts[years.fact].answer[0]
    # the offer's words name an extra ("lock that price": "lock the price"), and a giving word gives it
    offer = read(charlie, detector.detect("I'll lock that price for the year, shipping included."))
    assert set(offer.offer_extras) == {"price_lock", "free_shipping"} and offer.gives
    assert not read(charlie, detector.detect("Are you happy with delivery times?")).gives


def test_totals_are_heard_as_the_unit_price_with_the_personas_volume(personas, detector) -> None:
    """Morgan buys for 120 vehicles at a $30 list price: "$38,880 a year" is $27 a vehicle a month, and an annual
    total offered is a concession at that price, not a price above the list (R1)."""
    morgan = personas["procurement_manager"]
    offer = detector.detect("If you sign for three years, I can take the annual total to $36,720, "
                            "which is exactly 15% lower.")
    unit = unit_prices(morgan, offer)
    assert [(a.value, a.role, a.offered) for a in unit.amounts if a.kind == "money"] == [(25.5, "price", True)]
    assert "concession" in at_list_price(morgan, unit).moves
    assert "concession" not in at_list_price(morgan, offer).moves  # read as $36,720 a vehicle it gave nothing
    small = detector.detect("I can do $27 a vehicle.")
    assert unit_prices(morgan, small) is small
    # a briefing that names no monthly volume: totals stay totals
    no_volume = morgan.copy(update={"briefing": morgan.briefing.copy(update={"monthly_volume": None})})
    assert unit_prices(no_volume, offer) is offer
