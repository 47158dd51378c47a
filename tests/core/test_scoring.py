"""Context-aware scoring: every point cites the trainee's words, and the same move scores differently
depending on what came before (concession before exploring, sympathy with no substance, the floor)."""

from __future__ import annotations

from dataclasses import replace
from typing import List

import pytest

from parley import engine, scoring
from parley.engine import CustomerState, Reaction
from parley.events import Event, EventKind, detail, has, load
from parley.moves import Analysis, Detection, find_amounts
from parley.rubrics import load_rubric
from parley.scoring import CRITERIA, TurnScore, assess_turn, criteria, outcome_score, overall
from parley.session import Trainer
from parley.store import Store
from tests.core.conftest import turn


class Conversation:
    """Drives the pure core (engine + evaluator) turn by turn, as the session does."""

    def __init__(self, persona, detector, difficulty: str = "normal"):
        self.persona, self.detector = persona, detector
        self.params = persona.parameters(difficulty)
        self.state, _ = engine.start(persona, self.params, difficulty, seed=7)
        self.turns: List[TurnScore] = []

    def say(self, text: str) -> TurnScore:
        analysis = self.detector.detect(text)
        reaction = engine.react(self.persona, self.params, self.state, analysis)
        score = assess_turn(self.persona, self.state, analysis, reaction)
        self.state = reaction.state
        self.turns.append(score)
        return score

    def criteria(self):
        return criteria(self.persona, self.turns, self.state)


@pytest.fixture
def talk(personas, detector):
    """A fresh conversation with Charlie (personas comes from tests/core/conftest.py)."""
    return Conversation(personas["price_increase_charlie"], detector)


def agree_at_23(talk: Conversation) -> None:
    """Rapport, then a reasoned $23: Charlie says yes, and the next turn is the wrap-up."""
    talk.say("Thanks for five years with us, Charlie, and I'm sorry the rise landed like that.")
    assert has(talk.say("Because you order every month, I can do $23 a cartridge.").events, EventKind.accepted)


def messages(score: TurnScore) -> str:
    return " | ".join(n.message for n in score.notes)


def test_every_note_quotes_the_trainees_own_words(talk):
    texts = ["Hi Charlie, thanks for five years with us. I'm sorry the price jumped; what would help most?",
             "The price is the price, take it or leave it.",
             "I can do $23 a cartridge."]
    for text in texts:
        score = talk.say(text)
        assert score.notes
        for note in score.notes:
            assert note.quote and note.quote in text
            assert note.criterion in CRITERIA
        assert score.points == sum(n.points for n in score.notes)


def test_feedback_cites_the_clause_not_the_whole_turn(talk):
    text = ("Hi Charlie, thanks for five years with us. I'm sorry the new price landed without warning; "
            "what has been the hardest part for you?")
    score = talk.say(text)
    empathy = next(n for n in score.notes if n.criterion == "rapport" and "feels" in n.message)
    assert empathy.quote == "I'm sorry the new price landed without warning"
    assert "\u201cI'm sorry the new price landed without warning\u201d" in score.feedback
    assert score.spans["open_question"] == ["what has been the hardest part for you?"]


def test_concession_before_exploring_interests_is_flagged_with_the_offer_quoted(talk):
    score = talk.say("I can do $24 a cartridge.")
    note = next(n for n in score.notes if "conceding before exploring interests" in n.message)
    assert note.points < 0 and note.criterion == "concession_discipline"
    assert "$24" in note.quote
    assert "open question" in note.better


def test_same_concession_after_an_open_question_is_not_flagged(talk):
    talk.say("What would make the new price workable for you?")
    score = talk.say("Because you've ordered every month for five years, I can do $24 a cartridge.")
    assert "conceding before exploring" not in messages(score)
    assert any(n.points > 0 and n.criterion == "concession_discipline" for n in score.notes)


def test_concession_without_a_figure_before_exploring_is_flagged_too(talk):
    score = talk.say("I'll waive the delivery charge for you.")
    assert "conceding before exploring interests" in messages(score)


def test_discount_below_the_floor_is_flagged_with_the_numbers(talk):
    score = talk.say("Fine, I'll do $15 a cartridge.")
    floor = next(n for n in score.notes if "below the floor" in n.message)
    assert floor.points <= -5
    assert "$15" in floor.message and "$22" in floor.message and "40% off" in floor.message
    assert "$15" in floor.quote
    assert talk.criteria()["concession_discipline"] <= 20


def test_a_hard_counter_never_goes_below_the_floor(personas, detector):
    hard = Conversation(personas["price_increase_charlie"], detector, "hard")  # Charlie pays $22.50 at most
    hard.say("Hi Charlie. What matters most to you right now?")
    score = hard.say("Our costs went up, so the best I can do is $23 a cartridge.")
    floor = personas["price_increase_charlie"].company.floor_price
    assert has(score.events, EventKind.countered) and hard.state.counter >= floor
    assert not any("below your floor" in n.message for n in score.notes)
    assert TurnScore.from_dict(score.to_dict()) == score  # stored turns keep every note field


def test_after_a_yes_the_tip_says_to_wrap_up_and_the_wrap_up_is_scored(personas, detector):
    def agree() -> Conversation:
        talk = Conversation(personas["price_increase_charlie"], detector)
        talk.say("Thanks for five years with us, Charlie, and I'm sorry the rise landed like that.")
        deal = talk.say("Because you order every month, I can do $23 a cartridge, which saves you $3,600 a year.")
        assert has(deal.events, EventKind.accepted) and "your next message wraps up the session" in deal.tip
        return talk

    confirmed = agree().say("Great, I'll apply $23 from your next order and email the new terms today.")
    assert [(n.criterion, n.points) for n in confirmed.notes] == [("closing", 3)]
    vague = agree().say("ok cool")
    assert vague.points == -1 and "restate the price" in vague.tip
    loose = agree().say("Sounds good, I'll sort it.")  # agrees to something, but nobody could say what
    assert not any(n.criterion == "closing" and n.points > 0 for n in loose.notes)
    extra = agree().say("And I'll add free shipping as well.")
    assert any(n.criterion == "concession_discipline" and n.points == -2 for n in extra.notes)


def test_meeting_the_customers_own_number_needs_no_reason(personas, detector):
    hard = Conversation(personas["price_increase_charlie"], detector, "hard")
    hard.say("Hi Charlie. What matters most to you right now?")
    hard.say("Our costs went up, so I can do $23 a cartridge.")  # Charlie asks for $21.50
    own_number = hard.say("ok, $21.50 it is.")
    assert not any(n.criterion == "transparency" for n in own_number.notes)
    assert any("below the floor" in n.message for n in own_number.notes)  # still flagged: it is below $22


def test_a_reason_given_just_before_the_number_carries_it(personas, detector):
    jordan = Conversation(personas["competitor_switcher"], detector)
    jordan.say("What is RelayDesk offering that caught your eye?")
    jordan.say("RelayDesk's price jumps in year two, so over the contract we'd work out cheaper.")
    offer = jordan.say("Would $33 an agent get this over the line?")
    assert offer.offer == 33 and not any(n.criterion == "transparency" for n in offer.notes)
    cold = Conversation(personas["competitor_switcher"], detector)
    cold.say("What is RelayDesk offering that caught your eye?")
    bare = cold.say("Would $33 an agent get this over the line?")
    assert any(n.message == "the offer came with no reason." for n in bare.notes)


def test_a_trade_is_its_own_reason(personas, detector):
    dana = Conversation(personas["loyal_customer"], detector)
    dana.say("What would a fair renewal look like for you?")
    score = dana.say("If you commit to a three-year term, I could fix the price at $45 a seat.")
    assert score.offer == 45 and not any(n.criterion == "transparency" and n.points < 0 for n in score.notes)


def test_loyalty_named_with_the_offer_is_its_reason(talk):
    talk.say("What matters most to you right now?")
    score = talk.say("I can do $24 a cartridge as a thank-you for five years of orders.")
    assert score.offer == 24 and not any(n.message == "the offer came with no reason." for n in score.notes)


def test_a_different_price_in_the_wrap_up_is_flagged_not_praised(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    wrap = talk.say("Great, I'll send the new terms at $24 a cartridge today.")
    assert any("you quoted $24, but the deal is at $23" in n.message for n in wrap.notes)
    assert not any(n.criterion == "closing" and n.points > 0 for n in wrap.notes)
    # the customer holds the rep to the yes and waits for the correction, which is then credited
    assert talk.state.agreed and talk.state.deal_price == 23
    fixed = talk.say("Sorry, my mistake: $23 a cartridge from your next order, paperwork today.")
    assert talk.state.outcome == "deal" and talk.state.wrapped_up and fixed.points > 0


def test_going_back_on_a_yes_loses_the_deal(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    wrap = talk.say("Actually no, sorry, my manager says the price stays at $25.")
    assert has(wrap.events, EventKind.reneged) and talk.state.outcome == "walked_away" and talk.state.deal_price is None
    assert any(n.criterion == "transparency" and n.points < 0 for n in wrap.notes)


def test_a_lower_price_in_the_wrap_up_is_the_deal_now_and_checked_against_the_floor(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years with us, Charlie, and I'm sorry the rise landed like that.")
    talk.say("Because you order every month, I can do $23 a cartridge.")
    wrap = talk.say("To confirm: $20 a cartridge from next month, and I'll send the paperwork today.")
    assert talk.state.deal_price == 20 and wrap.offer == 20
    assert any("below the floor of $22, now in writing" in n.message for n in wrap.notes)
    assert talk.criteria()["closing"] < 100 and talk.criteria()["concession_discipline"] <= 20


def test_the_quote_is_the_clearest_evidence(talk):
    score = talk.say("Everyone's prices went up. Take it or leave it.")
    pressure = next(n for n in score.notes if n.criterion == "collaborative_tone" and n.points == -4)
    assert pressure.quote == "Take it or leave it."


def test_a_number_named_in_a_question_is_not_an_offer(personas, detector):
    morgan = Conversation(personas["procurement_manager"], detector, "hard")
    score = morgan.say("What does the 15% cut mean for you in practice?")
    assert score.offer is None and "concession" not in score.moves


def test_a_credit_with_its_amount_is_not_a_concession_without_a_figure(personas, detector):
    jordan = Conversation(personas["competitor_switcher"], detector)
    score = jordan.say("I can give you a one-off $2,000 credit on your next invoice.")
    assert "concession" in score.moves and "with no figure" not in messages(score)


def test_an_extra_named_only_in_a_reason_is_not_put_on_the_table(talk):
    talk.say("Thanks for five years Charlie, sorry about the jump.")
    talk.say("What matters most?")
    talk.say("Our prices rose because shipping costs went up. I can do $23 a cartridge.")
    assert talk.state.extras == ()
    talk.say("And I can include free shipping on your monthly orders.")
    assert talk.state.extras == ("free_shipping",)


def test_a_rivals_lower_price_in_an_argument_is_not_the_deal_price(personas, detector):
    jordan = Conversation(personas["competitor_switcher"], detector, "easy")
    jordan.say("Thanks for four years, Jordan. What matters most to you?")
    score = jordan.say("At $33 you pay less than RelayDesk at $29 then $38.")
    assert score.offer == 33 and jordan.state.deal_price != 29


def test_writing_the_deal_up_before_a_yes_is_not_praised(personas, detector):
    dana = Conversation(personas["loyal_customer"], detector)
    dana.say("Hi Dana, thank you so much for eight years, we really value you.")
    dana.say("How would you like the renewal to look?")
    # $47: her thanks in the first turn meets her wish to be recognised as it comes out (RW1), so with priority
    # support $46 is a price she would take; the point here is a write-up before any yes
    dana.say("I can offer $47 a seat with priority support.")
    assert not has(dana.turns[-1].events, EventKind.accepted)
    score = dana.say("Great, I'll send the contract for $47 today.")
    assert not has(score.events, EventKind.accepted) and not score.tip.startswith("Good:")
    assert "before Dana had said yes" in messages(score)


def test_a_wrong_summary_earns_no_exploration_credit(personas, detector):
    dana = Conversation(personas["loyal_customer"], detector)  # R2: the rival's $41 is hers, never said
    dana.say("Hi Dana, thanks for eight years with us. I'm sorry the quote was a shock.")
    dana.say("What would make this renewal feel fair to you?")
    wrong = dana.say("So basically you want us to match $41, like the other tool quoted you. Is that right?")
    assert has(wrong.events, EventKind.wrong_summary)
    assert not any(n.criterion == "exploration" and n.points > 0 for n in wrong.notes)
    assert any(n.kind == "wrong_summary" for n in wrong.notes)
    right_text = "So you'd like something nearer the $42 you were paying, and to be treated as a partner?"
    right = dana.say(right_text)
    assert not has(right.events, EventKind.wrong_summary)
    assert any(n.criterion == "exploration" and n.points > 0 for n in right.notes)
    listened = Conversation(personas["loyal_customer"], detector)  # the same rep without the wrong summary
    for text in [t.text for t in dana.turns[:2]] + [right_text]:
        listened.say(text)
    assert dana.criteria()["exploration"] == listened.criteria()["exploration"] - 10  # misheard once


def test_the_tip_never_calls_a_criticism_good(talk):
    talk.say("What matters most to you right now?")
    score = talk.say("I can give you a discount.")  # no figure: a 0-point note, the only one
    assert score.points == 0 and not score.tip.startswith("Good:")
    assert "state the exact price" in score.tip


def test_an_affordable_offer_turned_down_says_what_is_missing_not_the_price(personas, detector):
    morgan = Conversation(personas["procurement_manager"], detector)  # needs one acknowledgement first
    morgan.say("What are the criteria you're scoring suppliers on?")
    score = morgan.say("Because our component costs rose 9%, if you commit to three years we could do $27.")
    assert has(score.events, EventKind.rejected_low_trust) and Event.of("not_ready", "rapport") in score.events
    assert score.tip.startswith("the number may not be the problem: Morgan doesn't feel acknowledged yet.")
    assert "$27" not in score.tip and "Acknowledge" in score.tip
    assert detail(score.events, EventKind.not_ready) == "rapport"  # named first
    persona = personas["procurement_manager"]
    said = engine.react(persona, morgan.params, morgan.state, detector.detect("I can do $27.")).lines
    assert said[-1] in [line.format(price="$27") for line in persona.lines.reject_unacknowledged]  # as the coach says
    warm = Conversation(personas["procurement_manager"], detector)
    warm.say("I'm sorry the renewal landed on top of a budget cut. What are you scoring suppliers on?")
    assert has(warm.say("Because our component costs rose 9%, if you commit to three years we could "
                                  "do $27.").events, EventKind.accepted)


def test_a_leap_is_named_with_both_prices(personas, detector):
    dana = Conversation(personas["loyal_customer"], detector)
    dana.say("What would a fair renewal look like for you?")
    score = dana.say("I can do $41 a seat.")
    assert any("leap from $48 to $41" in n.message for n in score.notes)


def test_repeated_empathy_with_no_substance_stops_earning_points(talk):
    first = talk.say("I'm so sorry about the increase.")
    second = talk.say("I really do understand how frustrating this is.")
    third = talk.say("Honestly, I'm so sorry.")
    assert first.points > 0
    assert second.points == 0 and "no more credit" in messages(second)
    assert third.points < 0 and "wear thin" in messages(third)
    assert talk.criteria()["rapport"] < 60


def test_repeated_empathy_with_substance_keeps_the_turn_positive(talk):
    talk.say("I'm so sorry about the increase.")
    score = talk.say("I understand it's frustrating. What would make this work for you?")
    assert score.points > 0
    assert "no more credit" not in messages(score)


def test_dismissive_understanding_earns_nothing_for_rapport(talk):
    score = talk.say("I understand, but the price is the price.")
    assert all(n.criterion != "rapport" or n.points <= 0 for n in score.notes)
    assert any(n.criterion == "collaborative_tone" and n.points < 0 for n in score.notes)


def test_pressure_costs_more_than_holding_position(talk):
    held = talk.say("I'm afraid the price stays at $25.")
    pushed = talk.say("Take it or leave it.")
    assert pushed.points < held.points < 0
    assert "ultimatum" in messages(pushed)


def test_closed_questions_in_a_row_before_any_open_one(talk):
    talk.say("Are you still ordering 150 a month?")
    score = talk.say("Is it the price that bothers you?")
    assert score.points < 0 and "another closed question" in messages(score)


def test_value_add_that_meets_a_revealed_need_is_worth_more(personas, detector):
    easy = Conversation(personas["price_increase_charlie"], detector, difficulty="easy")
    easy.say("I'm sorry about the increase, and thank you for five years with us.")
    easy.say("How does the timing of the increase affect your budget?")
    assert "cash_flow" in easy.state.revealed
    score = easy.say("We can move you to quarterly invoicing so it matches your budget.")
    assert any(n.points >= 4 and n.criterion == "value_creation" for n in score.notes)


def test_overall_rewards_a_deal_inside_the_limits(charlie):
    scores = {name: 60 for name in CRITERIA}
    state, _ = engine.start(charlie, charlie.parameters(), "normal", 1)
    inside = {"deal": True, "price": 23.0, "within_parameters": True, "customer_retained": True}
    at_floor = {**inside, "price": 22.0}
    outside = {"deal": True, "price": 21.0, "within_parameters": False, "customer_retained": True}
    kept = {"deal": False, "price": None, "within_parameters": True, "customer_retained": True, "ended_by": "ended"}
    lost = {"deal": False, "price": None, "within_parameters": True, "customer_retained": False,
            "ended_by": "walked_away"}
    rubric = load_rubric()
    totals = [overall(scores, outcome_score(charlie, o, state), rubric) for o in (inside, at_floor, kept, outside)]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) == 4, totals
    assert overall(scores, outcome_score(charlie, lost, state), rubric) == totals[-1]  # nothing for either


def test_session_feedback_payload_carries_moves_spans_and_tip(personas, detector):
    trainer = Trainer(personas, Store("sqlite:///:memory:"), detector.detect)
    trainer.start("t1", "price_increase_charlie")
    reply = trainer.turn("t1", "I'm sorry the price went up so suddenly. What matters most to you?")
    feedback = reply.payload("turn_feedback")
    assert set(feedback["moves"]) == {"empathy", "open_question"}
    assert feedback["spans"]["empathy"] == ["I'm sorry the price went up so suddenly."]
    assert feedback["points"] > 0 and feedback["tip"]
    report = trainer.end("t1").payload("report")
    assert report["turns"][0]["feedback"].count("\u201c") >= 2  # quotes the trainee twice


def test_agreeing_to_the_customers_counter_in_words_makes_the_deal(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years, Charlie, and sorry for the surprise. What matters most to you?")
    # "meet me at $22.50"
    assert has(talk.say("Because you order 150 a month I can do $24.").events, EventKind.countered)
    counter = talk.state.counter
    yes = talk.say("Yes, we can do that.")
    assert has(yes.events, EventKind.took_counter) and has(yes.events, EventKind.accepted)
    assert talk.state.deal_price == counter
    assert not any(n.criterion == "transparency" for n in yes.notes)  # their own number needs no case made


def test_asking_more_than_already_offered_is_called_out(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years, Charlie. What matters most to you?")
    talk.say("Because you order every month, I can do $24.")
    up = talk.say("Given your volume, the best I can do is $24.50.")
    assert Event.of("went_back", 24) in up.events and talk.state.offers == (24.0,)
    assert any(n.criterion == "transparency" and n.points < 0 for n in up.notes)
    assert not any(n.criterion == "concession_discipline" and n.points > 0 for n in up.notes)


def test_the_same_price_again_earns_nothing(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("What matters most to you, Charlie?")
    talk.say("Because you order every month, I can do $24.")
    again = talk.say("Because of your volume, I can offer $24.")
    assert has(again.events, EventKind.same_offer) and not any(n.points > 0 and n.criterion == "concession_discipline"
                                                    for n in again.notes)


def test_a_rude_wrap_up_keeps_the_deal_but_sours_it_and_extras_given_are_in_the_terms(personas, detector):
    def agree() -> Conversation:
        talk = Conversation(personas["price_increase_charlie"], detector)
        agree_at_23(talk)
        return talk
    rude = agree()
    sour = rude.say("Finally. You were a real pain, you know that?")
    assert has(sour.events, EventKind.soured) and rude.state.outcome == "deal"
    assert any(n.criterion == "collaborative_tone" and n.points < 0 for n in sour.notes)
    generous = agree()
    generous.say("Great, $23 from your next order, and I'll throw in free shipping too.")
    assert "free_shipping" in generous.state.extras


@pytest.mark.parametrize("text", ["Given your volume I can offer $24.", "Since you order 150 a month, I can do $24.",
                                  "With your volume in mind, I can do $24."])
def test_a_reason_in_the_same_breath_as_the_offer_counts(personas, detector, text):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("What matters most to you, Charlie?")
    offer = talk.say(text)
    assert offer.offer == 24 and not any(n.criterion == "transparency" and n.points < 0 for n in offer.notes)


def test_going_straight_to_the_floor_is_a_leap_with_nothing_left_to_trade(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("I'm sorry the increase hit you like that, Charlie.")
    caved = talk.say("Given your five years with us, I can do $22.")  # $25 -> $22: 12% of the list price at once
    assert has(caved.events, EventKind.leap)
    assert any("already your floor" in n.message for n in caved.notes)


def test_the_same_message_again_word_for_word_costs_and_tries_patience(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    first = talk.say("What matters most to you here?")
    assert first.points > 0 and talk.state.revealed
    revealed, patience = talk.state.revealed, talk.state.patience
    again = talk.say("what matters most to you here")
    assert has(again.events, EventKind.repeated) and again.points == -1 and again.notes[0].kind == "repeated"
    assert talk.state.revealed == revealed and talk.state.patience == patience - 1
    assert talk.say("ok").points == talk.say("ok").points  # short replies may come twice


def test_a_question_brings_out_the_need_it_asks_about_and_an_off_topic_one_none(personas, detector):
    def warm() -> Conversation:
        talk = Conversation(personas["price_increase_charlie"], detector)
        talk.say("I'm sorry the increase landed like that, Charlie, and thank you for five years of orders.")
        return talk
    talk = warm()
    loyalty = talk.say("How do you feel about the way we treat long-standing customers compared with new ones?")
    assert Event.of("revealed", "loyalty_recognised") in loyalty.events
    talk = warm()
    budget = talk.say("How does the increase affect your cash flow and quarterly budget?")
    assert Event.of("revealed", "cash_flow") in budget.events
    talk = warm()
    weekend = talk.say("How was your weekend?")
    assert has(weekend.events, EventKind.off_topic) and not has(weekend.events, EventKind.revealed)
    assert weekend.points == 1 and "nothing in the deal" in weekend.feedback


def test_a_best_price_that_was_not_the_best_is_called_out(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("I'm sorry this landed on you, Charlie. What matters most to you?")
    talk.say("Because you order every month, the best I can do is $24.")
    lower = talk.say("Given your volume, I can do $23.")
    assert any(n.criterion == "transparency" and "your best" in n.message for n in lower.notes)


@pytest.mark.parametrize("hedge", ["OK, I'll check if we can do that.", "Let me see if we can do that.",
                                   "Maybe we can do that, I'm not sure."])
def test_a_hedge_to_the_customers_counter_is_not_a_yes(personas, detector, hedge):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("I'm sorry the increase landed like that, Charlie, and thank you for five years of orders.")
    talk.say("What would make this work for you?")
    assert has(talk.say("Given your volume I can offer $24 a cartridge.").events, EventKind.countered)
    assert not has(talk.say(hedge).events, EventKind.took_counter) and talk.state.outcome is None


@pytest.mark.parametrize("question", ["What's the hardest part of this change for you?",
                                      "What worries you most about this?", "What do you think of that package?"])
def test_an_ordinary_question_about_the_deal_is_not_off_topic(personas, detector, question):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("I'm sorry the increase landed like that, Charlie, and thank you for five years of orders.")
    assert not has(talk.say(question).events, EventKind.off_topic)


def test_small_talk_about_the_week_brings_out_no_need(personas, detector):
    talk = Conversation(personas["loyal_customer"], detector, "easy")
    score = talk.say("Hi Dana! Lovely to hear from you, how's your week going?")
    assert not has(score.events, EventKind.revealed)


def test_going_back_up_to_the_list_price_is_called_out(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("What matters most to you, Charlie?")
    talk.say("Because you order every month, I can do $24.")
    back = talk.say("Thinking again, I need to go back to $25.")
    assert Event.of("went_back", 24) in back.events


@pytest.mark.parametrize("retraction", ["Actually, I can't do $23 after all, sorry.",
                                        "Sorry, I spoke too soon - my manager won't approve $23."])
def test_a_retraction_that_names_the_agreed_price_still_loses_the_deal(personas, detector, retraction):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    assert has(talk.say(retraction).events, EventKind.reneged) and talk.state.outcome == "walked_away"


def test_a_terse_wrap_up_with_the_price_and_a_next_step_is_a_confirmation(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    wrap = talk.say("gr8, 23 from next order, ill email u")
    assert any(n.criterion == "closing" and n.points == 3 for n in wrap.notes)


def test_restating_ones_own_price_after_a_counter_does_not_take_the_counter(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years with us, Charlie, and I'm sorry the rise landed like that.")
    talk.say("What would make this work for you?")
    first = talk.say("Because you order every month, I can do $24 a cartridge.")
    assert has(first.events, EventKind.countered)
    again = talk.say("done. 24, from next order")
    assert not has(again.events, EventKind.took_counter) and not has(again.events, EventKind.accepted)


def test_a_wrap_up_that_restates_a_higher_price_is_a_misquote(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    wrap = talk.say("great so that's $24 from next order")
    assert has(wrap.events, EventKind.misquoted)


def test_a_lower_price_after_the_yes_is_called_a_cut_not_a_misquote(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    wrap = talk.say("ok 22.50 then, from your next order")
    said = " ".join(n.message for n in wrap.notes)
    assert "you cut the price to $22.50 after Charlie had agreed at $23" in said and "but the deal is at" not in said


def test_doubt_cast_on_a_deal_just_agreed_loses_it(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    taken_back = talk.say("hmm actually i'm not sure i can do that, let me check with my manager")
    assert has(taken_back.events, EventKind.reneged)


def test_asking_again_once_every_need_is_out_earns_little(personas, detector):
    charlie = personas["price_increase_charlie"]
    talk = Conversation(charlie, detector, "easy")
    talk.state = replace(talk.state, trust=90.0, revealed=tuple(i.id for i in charlie.interests))
    score = talk.say("What else matters to you here?")
    assert has(score.events, EventKind.all_said)
    assert [n.points for n in score.notes if n.criterion == "exploration"] == [1]


def test_a_wrap_up_in_shorthand_with_a_different_price_is_a_misquote(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    agree_at_23(talk)
    assert has(talk.say("great so thats 23.5 from next order").events, EventKind.misquoted)


def test_an_extra_that_meets_a_need_is_quoted_by_its_own_words(personas, detector):
    dana = Conversation(personas["loyal_customer"], detector)
    dana.say("Hi Dana, thanks for eight years, and sorry the renewal landed like that.")
    dana.say("How do the partners set the budget?")
    score = dana.say("I can add priority support with a named contact, and lock the price at $46 for three years.")
    met = next(n for n in score.notes if n.points == 4 and n.criterion == "value_creation")
    assert "lock the price" in met.quote and "priority support" not in met.quote  # the lock meets the budget need


# -- issue 19: criteria need evidence -----------------------------------------------------------------
def play(personas, detector, persona_id: str, lines: List[str], difficulty: str = "normal") -> Conversation:
    talk = Conversation(personas[persona_id], detector, difficulty)
    for line in lines:
        talk.say(line)
    return talk


def test_nothing_offered_means_concession_discipline_is_not_shown_not_100(personas, detector):
    talk = play(personas, detector, "price_increase_charlie", [
        "Hi Charlie, sorry about the jump.", "What matters most to you right now?", "How does it affect your budget?"])
    scores = talk.criteria()
    assert scores["concession_discipline"] is None and scores["value_creation"] is None
    assert scores["exploration"] is not None and scores["rapport"] is not None


def test_an_unconditional_drop_on_turn_two_is_counted(personas, detector):
    talk = play(personas, detector, "loyal_customer", ["Hello Dana, thanks for eight years with us.",
                                                       "OK, I can do $44 a seat."])
    kinds = {n.kind for n in talk.turns[1].notes if n.points < 0}
    assert {"gift", "no_reason"} <= kinds, kinds  # money off with no reason and nothing asked in return
    assert talk.criteria()["concession_discipline"] <= 70


def test_three_unreasoned_concessions_in_a_row_are_stacked_and_score_low(personas, detector):
    talk = play(personas, detector, "price_increase_charlie", [
        "Hi Charlie, what matters most to you?", "I can do $24.50.", "OK, $24.", "Alright, $23.50."])
    stacked = [t for t in talk.turns if any(n.kind == "stacked" for n in t.notes)]
    assert len(stacked) == 2  # the second and third
    assert all(any(n.kind == "gift" for n in t.notes) for t in talk.turns[1:])
    assert talk.criteria()["concession_discipline"] <= 20


def test_caving_to_the_floor_under_pressure_caps_discipline(personas, detector):
    talk = play(personas, detector, "loyal_customer", ["Hello Dana.", "Please don't leave. I can do $40."])
    caved = [n for n in talk.turns[1].notes if n.kind == "caved"]
    assert caved and "caving under pressure" in caved[0].message and "$40" in caved[0].quote
    assert talk.criteria()["concession_discipline"] <= 20


def test_a_reasoned_trade_after_exploring_keeps_discipline_high(personas, detector):
    talk = play(personas, detector, "price_increase_charlie", [
        "Thanks for five years with us, Charlie, and I'm sorry the rise landed like that.",
        "What has been the hardest part of it for you?",
        "If you commit to twelve more months, I can do $23 a cartridge because you order every month."])
    assert talk.criteria()["concession_discipline"] >= 80


def test_a_reason_and_a_hard_line_in_one_sentence_get_advice_that_does_not_contradict(talk):
    score = talk.say("Our supplier raised toner costs by 18%, so the price has to stay at $25.")
    if "hold_position" in score.moves and "rationale" in score.moves:
        hold = next(n for n in score.notes if n.kind == "hold_position")
        assert "explain why the price is what it is" not in hold.better
        assert "you explained the reasons" in messages(score)
    else:  # the detector read it as one move: then nothing can contradict
        assert not ({"hold_position", "rationale"} <= set(score.moves))


def test_restating_the_agreed_package_at_wrap_up_is_a_close_not_a_giveaway(personas, detector):
    jordan = play(personas, detector, "competitor_switcher", [
        "Hi Jordan, thanks for four years with us.",
        "What's drawing you to RelayDesk beyond the price?",
        "How will your finance director compare the two offers?",
        "I can include the WhatsApp and SMS channels free for 12 months.",
        "If you sign for 24 months, I can do $31 an agent and lock that price for the whole term. "
        "That saves you money over two years. Does that work for you?"])
    assert jordan.state.agreed, jordan.turns[-1].events
    wrap = jordan.say("Great, I'll send the agreement over now with the channels and the price lock written in.")
    assert not has(wrap.events, EventKind.gave_after_deal)
    assert not any("after the customer had already agreed" in n.message for n in wrap.notes)
    assert [n.points for n in wrap.notes if n.criterion == "closing"] == [3]


def test_asking_for_the_rival_price_is_answered_and_credited(personas, detector):
    jordan = play(personas, detector, "competitor_switcher", ["Hi Jordan, thanks for four years with us."])
    score = jordan.say("What happens to RelayDesk's price in year two?")
    assert has(score.events, EventKind.fact_told)
    assert any(n.criterion == "exploration" and n.points > 0 for n in score.notes)


def test_the_coach_flags_a_counter_below_the_floor_the_rep_accepts(personas, detector):
    charlie = personas["price_increase_charlie"]
    talk = Conversation(charlie, detector)
    talk.say("Hi Charlie, what matters most to you right now?")
    # a counter below the floor, as a session stored before counters kept to the floor could hold
    talk.state = replace(talk.state, counter=21.0, offers=(23.0,), counter_said=talk.state.turn)  # in his last reply
    score = talk.say("Yes, we can do that.")
    assert has(score.events, EventKind.took_counter) and score.offer == 21.0
    flagged = next(n for n in score.notes if n.kind == "accepted_below_floor")
    assert flagged.points <= -5 and "Charlie's $21" in flagged.message and "$22" in flagged.message
    assert talk.criteria()["concession_discipline"] <= 20


# -- assess_turn's steps, each on its own: hand-made analyses and reactions, no detector, no engine ----------

def step_turn(persona, text: str, *moves: str, events=(), offer=None, after=None, **before) -> scoring.Turn:
    """A turn as assess_turn sees it: the state before (fields given as keywords), the moves as if detected,
    the engine's events and offer; the state after is the state before unless given."""
    state = CustomerState(persona.id, "normal", 7, 50.0, 5.0, **before)
    return scoring.Turn(persona, state, turn(text, *moves), Reaction(after or state, ("ok",), load(events), offer))


def kinds(notes) -> List[tuple]:
    return [(n.criterion, n.points, n.kind) for n in notes]


def test_every_read_of_an_engine_event_goes_through_one_helper():
    events = load(("revealed:cash_flow", "took_counter", "revealed:price_lock", "went_back:24"))  # as stored
    assert scoring._has(events, EventKind.took_counter) and scoring._has(events, EventKind.went_back)
    assert not scoring._has(events, EventKind.accepted)
    assert scoring._event_detail(events, EventKind.went_back) == 24.0
    assert scoring._event_detail(events, EventKind.took_counter) is None
    assert scoring._event_details(events, EventKind.revealed) == ["cash_flow", "price_lock"]


def test_step_repeat_notes_says_nothing_new_was_heard(charlie):
    notes = scoring._repeat_notes(step_turn(charlie, "We're the best.", "rationale", events=("repeated",)))
    assert len(notes) == 1 and "word for word" in notes[0].message and notes[0].quote == "We're the best."


def test_a_repeated_turn_is_judged_by_the_repeat_step_alone(charlie):
    score = assess_turn(charlie, *step_args(step_turn(charlie, "What matters most?", "open_question",
                                                      events=("repeated",))))
    assert [n.message for n in score.notes] == [scoring._repeat_notes(step_turn(charlie, "x"))[0].message]


def step_args(t: scoring.Turn) -> tuple:
    return t.before, t.analysis, t.reaction


def test_step_rapport_credits_the_first_acknowledgement_and_not_sympathy_again_and_again(charlie):
    first = scoring._rapport_notes(step_turn(charlie, "Hi Charlie, sorry about that.", "greeting", "empathy"))
    assert kinds(first) == [("rapport", 1, ""), ("rapport", 2, "")]
    again = scoring._rapport_notes(step_turn(charlie, "I'm sorry.", "empathy", move_counts=(("empathy", 1),)))
    assert kinds(again) == [("rapport", 0, "")] and "no substance" in again[0].message
    tired = scoring._rapport_notes(step_turn(charlie, "So sorry.", "empathy", events=("sympathy_fatigue",)))
    assert kinds(tired) == [("rapport", -1, "sympathy_only")]


def test_step_exploration_names_the_need_an_open_question_brought_out(charlie):
    asked = scoring._exploration_notes(step_turn(charlie, "How does the rise affect you?", "open_question",
                                                 events=("revealed:cash_flow",)))
    assert kinds(asked) == [("exploration", 3, "")] and "budget is fixed per quarter" in asked[0].message
    chat = scoring._exploration_notes(step_turn(charlie, "How was your weekend?", "open_question",
                                                events=("off_topic",)))
    assert kinds(chat) == [("exploration", 1, "")]
    closed = scoring._exploration_notes(step_turn(charlie, "Is it the price?", "closed_question",
                                                  move_counts=(("closed_question", 1),)))
    assert kinds(closed) == [("exploration", -1, "closed_questions")]
    summed = scoring._exploration_notes(step_turn(charlie, "So the jump hurts. Right?", "summary"))
    assert kinds(summed) == [("exploration", 2, "")]


def test_step_reasons_credits_a_reason(charlie):
    assert kinds(scoring._reason_notes(step_turn(charlie, "Toner costs rose 20%.", "rationale"))) == \
        [("transparency", 2, "")]
    assert scoring._reason_notes(step_turn(charlie, "Hello.", "greeting")) == []


def test_step_value_credits_an_option_that_meets_a_told_need_more(charlie):
    told = scoring._value_notes(step_turn(charlie, "We could invoice you quarterly.", "value_add",
                                          events=("satisfied:cash_flow",), revealed=("cash_flow",)))
    assert kinds(told) == [("value_creation", 4, "")] and "invoice you quarterly" in told[0].quote
    untold = scoring._value_notes(step_turn(charlie, "We could invoice you quarterly.", "value_add",
                                            events=("satisfied:cash_flow",)))
    assert kinds(untold) == [("value_creation", 2, "")]
    trade = scoring._value_notes(step_turn(charlie, "If you commit, I can do more.", "conditional_trade"))
    assert kinds(trade) == [("value_creation", 3, "")]


def test_step_offers_calls_out_going_back_and_the_same_number_again(charlie):
    back = scoring._offer_notes(step_turn(charlie, "It's $25 now.", "concession", events=("went_back:24",),
                                          offer=25.0, offers=(24.0,)))
    assert ("transparency", -3, "went_back") in kinds(back) and "$24" in back[0].message
    same = scoring._offer_notes(step_turn(charlie, "$24.", "concession", events=("same_offer",), offer=24.0,
                                          offers=(24.0,)))
    assert kinds(same) == [("concession_discipline", 0, "")]
    vague = scoring._offer_notes(step_turn(charlie, "I can knock a bit off.", "concession"))
    assert kinds(vague) == [("concession_discipline", -2, "before_exploring"), ("concession_discipline", 0, "")]


def test_step_tone_costs_pressure_more_than_a_hard_line(charlie):
    notes = scoring._tone_notes(step_turn(charlie, "That's the price, take it or leave it.", "hold_position",
                                          "pressure"))
    assert kinds(notes) == [("collaborative_tone", -2, "hold_position"), ("collaborative_tone", -4, "pressure")]


def test_step_closing_credits_a_close_on_a_yes_and_flags_writing_it_up_before_one(charlie):
    yes = scoring._closing_notes(step_turn(charlie, "Does $23 work for you?", "close", events=("accepted",)))
    assert kinds(yes) == [("closing", 3, "")]
    after = CustomerState(charlie.id, "normal", 7, 50.0, 5.0, offers=(23.0,))
    early = scoring._closing_notes(step_turn(charlie, "I'll send the contract at $23 today.", "close", after=after))
    assert kinds(early) == [("closing", -1, "early_close")]
    asks = scoring._closing_notes(step_turn(charlie, "Shall we settle on that?", "close"))
    assert kinds(asks) == [("closing", 1, "")]


def test_step_heads_up_says_what_the_customer_still_needs_and_when_to_wrap_up(charlie):
    refused = scoring._heads_up_notes(step_turn(charlie, "I can do $23.", "concession", events=("not_ready:heard",)))
    assert [n.heads_up for n in refused] == [True] and "understood" in refused[0].message
    agreed = scoring._heads_up_notes(step_turn(charlie, "I can do $23.", "concession", events=("accepted",)))
    assert agreed[0].heads_up and "has agreed" in agreed[0].message


def test_assess_turn_is_the_steps_in_order(charlie):
    t = step_turn(charlie, "Sorry Charlie. How does this affect you? Toner costs rose.", "empathy", "open_question",
                  "rationale", events=("revealed:cash_flow",))
    expected = [n for step in (scoring._rapport_notes, scoring._exploration_notes, scoring._reason_notes)
                for n in step(t)]
    assert list(assess_turn(charlie, *step_args(t)).notes) == expected


# -- issue 16 play-test findings F24 and F25 (tests/playtest/FINDINGS.md), decisions in docs/scoring.md --------

def claimed(text: str, source: str) -> Analysis:
    """A turn the detector read as a reason, by a matched phrase ("pattern") or only by the classifier ("model")."""
    return Analysis(text, ("rationale",), (Detection("rationale", 0, len(text), text, text, source, 0.4),),
                    find_amounts(text))


def test_step_reasons_a_bare_claim_is_not_a_reason(charlie):
    state = CustomerState(charlie.id, "normal", 7, 50.0, 5.0)
    claim = scoring.Turn(charlie, state, claimed("We're the market leader.", "model"), Reaction(state, (), ()))
    assert kinds(scoring._reason_notes(claim)) == [("transparency", 0, "claim")]
    for reason in (claimed("We're the market leader.", "pattern"), claimed("We cut 12% off fuel costs.", "model")):
        assert kinds(scoring._reason_notes(scoring.Turn(charlie, state, reason, Reaction(state, (), ())))) == \
            [("transparency", 2, "")]


def test_a_line_sent_three_times_is_one_claim_and_costs_tone_twice(personas, detector):
    morgan = play(personas, detector, "procurement_manager", [
        "What would make this renewal work for your finance team?"] + ["We're the market leader in fleet tracking."] * 3
        + ["Given a three-year term, I can do $27 a vehicle."])
    said = [t for t in morgan.turns if "market leader" in t.text]
    assert [n.kind for t in said for n in t.notes] == ["claim", "repeated", "repeated"]
    scores = morgan.criteria()
    assert scores["collaborative_tone"] == 70  # 100 - 15 for each repeat
    assert scores["transparency"] == 65  # 30 + 35 for the one reason ("given a three-year term"), none for the claim


def test_a_message_with_nothing_in_it_costs_its_turn_only(personas, detector):
    talk = Conversation(personas["procurement_manager"], detector)
    mash = talk.say("lkjhlkjh")
    assert [(n.points, n.kind) for n in mash.notes] == [(-1, "empty")] and "Morgan" in mash.notes[0].message
    talk.say("What would make this renewal work for you?")
    assert talk.criteria()["collaborative_tone"] == 100  # the mash costs no criterion


def test_a_price_above_the_list_price_is_going_back_not_a_concession(talk):
    talk.say("Thanks for five years with us, Charlie.")
    above = talk.say("I can do $30 a cartridge.")
    assert above.offer is None
    assert [(n.criterion, n.points) for n in above.notes if n.kind == "went_back"] == \
        [("transparency", -3), ("concession_discipline", -2)]
    assert "$30" in above.notes[0].message and "$25 list price" in above.notes[0].message


def test_going_back_on_an_offer_costs_concession_discipline_too(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years, Charlie. What matters most to you?")
    talk.say("Because you order every month, I can do $24 a cartridge.")
    back = talk.say("Thinking again, I need to go back to $25.")
    assert has(back.events, EventKind.went_back)
    assert {(n.criterion, n.points) for n in back.notes if n.kind == "went_back"} == \
        {("transparency", -3), ("concession_discipline", -2)}
    assert talk.criteria()["concession_discipline"] <= 80


def test_taking_the_customers_counter_with_no_reason_or_trade_is_a_concession_without_a_condition(personas, detector):
    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years, Charlie. What matters most to you?")
    assert has(talk.say("Because you order 150 a month I can do $24.").events, EventKind.countered)
    # the reason is now two turns back and no longer carries the next step; Charlie repeats his counter, so the
    # yes answers his last reply (a yes takes only the counter of the customer's last reply)
    talk.say("Can we go ahead at $24?")
    assert "$22.50" in talk.state.last_lines[-1], talk.state.last_lines
    yes = talk.say("Yes, we can do that.")
    assert has(yes.events, EventKind.took_counter)
    gift = [n for n in yes.notes if n.kind == "gift"]
    assert gift and gift[0].points == -3 and "you took Charlie's $22.50" in gift[0].message
    assert not any(n.criterion == "transparency" for n in yes.notes)  # their own number needs no case made to them
    assert not any(n.points > 0 and n.criterion == "concession_discipline" for n in yes.notes)


def test_the_better_line_for_going_back_stands_by_the_earlier_number(personas, detector):
    from parley.report import better_line

    talk = Conversation(personas["price_increase_charlie"], detector)
    talk.say("Thanks for five years, Charlie. What matters most to you?")
    talk.say("Because you order every month, I can do $24 a cartridge.")
    back = talk.say("Thinking again, I need to go back to $25.")
    note = next(n for n in back.notes if n.kind == "went_back")
    line = better_line(talk.persona, talk.state, talk.turns[:-1], back, note, load_rubric("default"))
    assert line.startswith("$24 is the price on the table") and "$25" not in line


def test_the_words_naming_an_extra_are_cut_at_commas_and_and_never_inside_a_number() -> None:
    """The coach quotes the part of a turn that names an extra: its words split at ",", ";" and "and" (any case),
    so "$3,600 a year" is cited whole, not as "$3" (parley/scoring.py `_parts` over `Analysis.words`)."""
    from parley.scoring import _parts

    text = "Free shipping, and that's $3,600 a year back. And a named contact for tax season."
    parts = [text[p[0].start: p[-1].end] for p in _parts(Analysis(text, ("value_add",), ()).words)]
    assert parts == ["Free shipping", "that's $3,600 a year back.", "a named contact for tax season."]
