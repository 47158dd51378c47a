"""The engine's steps one by one: each takes a Turn and returns the next (parley/engine.py STEPS)."""

from __future__ import annotations

from dataclasses import replace

from parley import engine
from parley.amounts import Amount
from parley.engine import Turn, begin, start
from parley.events import Event, EventKind, has
from parley.moves import Detection
from parley.personas import Persona
from parley.reading import Topic
from tests.core.conftest import turn


def a_turn(persona: Persona, text: str, *moves: str, **state_changes) -> Turn:
    params = persona.parameters("normal")
    state = replace(start(persona, params, "normal", 3)[0], **state_changes)
    read = turn(text, *moves)  # each move shown by the whole text, as a detector would quote it
    read = replace(read, detections=tuple(Detection(m, 0, len(text), text, text, "pattern", 1.0) for m in moves))
    return begin(persona, params, state, read)


def test_the_pipeline_names_its_steps_in_order() -> None:
    assert [s.__name__ for s in engine.STEPS] == ["repeat_check", "summary_check", "rapport", "needs_met",
                                                  "facts_told", "needs_revealed", "offer_judgement", "outcome",
                                                  "reply"]


def test_begin_counts_the_turn_and_reads_it_once(charlie: Persona) -> None:
    t = a_turn(charlie, "Free shipping is on us from now on.", "value_add")
    assert t.state.turn == 1 and t.state.count("value_add") == 1 and t.state.last_moves == ("value_add",)
    assert t.reading.offer_extras == ("free_shipping",) and t.reading.gives and t.events == ()


def test_repeat_check_notices_the_same_message_and_ends_the_turn(charlie: Persona) -> None:
    first = engine.repeat_check(a_turn(charlie, "What matters most to you?", "open_question"))
    assert not first.done and first.state.said == (first.reading.said_key,)
    again = engine.repeat_check(a_turn(charlie, "What matters most to you?", "open_question", said=first.state.said))
    assert again.done and again.events == (Event(EventKind.repeated),) and again.lines[0] in charlie.lines.repeated
    assert again.state.patience == first.state.patience - 1
    short = engine.repeat_check(a_turn(charlie, "ok", "other"))  # "ok" may well come twice
    assert short.reading.said_key is None and not short.done


def test_rapport_rewards_acknowledgement_and_charges_pressure(charlie: Persona) -> None:
    warm = a_turn(charlie, "I'm sorry this came as a shock.", "empathy")
    assert engine.rapport(warm).state.trust == warm.state.trust + 12
    jab = engine.rapport(a_turn(charlie, "Take it or leave it.", "pressure"))
    assert jab.events == (Event(EventKind.pressured),) and jab.state.trust < jab.persona.parameters("normal").trust
    tired = engine.rapport(a_turn(charlie, "So sorry.", "empathy", rapport_streak=2))
    assert has(tired.events, EventKind.sympathy_fatigue) and tired.lines[0] in charlie.lines.sympathy_fatigue


def test_rapport_gives_trust_for_a_question_on_the_deal_not_for_small_talk(charlie: Persona) -> None:
    asked = a_turn(charlie, "What worries you most about the new price?", "open_question")
    assert engine.rapport(asked).state.trust == asked.state.trust + 3
    chat = a_turn(charlie, "What's your accountant's name?", "open_question")  # W5: friendly, builds nothing
    assert chat.reading.topic is Topic.off and engine.rapport(chat).state.trust == chat.state.trust


def test_needs_met_puts_named_extras_on_the_table_and_meets_needs(charlie: Persona) -> None:
    t = engine.needs_met(a_turn(charlie, "I can add free shipping on every order.", "value_add"))
    assert t.events[0] == Event(EventKind.extras, ("free_shipping",)) and t.state.extras == ("free_shipping",)
    # a close names an extra only with a word that gives it
    asked = engine.needs_met(a_turn(charlie, "Are you happy with the shipping?", "close"))
    assert asked.extras == () and asked.events == ()


def test_needs_revealed_tells_a_need_when_ready_and_not_for_small_talk(charlie: Persona) -> None:
    ask = a_turn(charlie, "What matters most to you about the new price?", "open_question", trust=80)
    told = engine.needs_revealed(ask)
    assert told.events[0].kind is EventKind.revealed and told.reveal_line is not None
    chat = a_turn(charlie, "Any plans for the holidays?", "open_question", trust=80)
    assert chat.reading.topic is Topic.off
    assert engine.needs_revealed(chat).events == (Event(EventKind.off_topic),)


def test_facts_told_tells_a_teaching_fact_once_then_says_it_was_asked(personas) -> None:
    jordan = personas["competitor_switcher"]
    question = "What does RelayDesk charge after the first year?"
    told = engine.facts_told(a_turn(jordan, question, "open_question"))
    assert told.events == (Event(EventKind.fact_told),) and "$38" in told.taught
    assert told.state.told == ("fact:relaydesk charge",)
    again = engine.facts_told(a_turn(jordan, question, "open_question", told=told.state.told))
    assert again.events == (Event(EventKind.asked_again, "fact:relaydesk charge"),) and "$38" in again.taught
    assert any(again.taught.startswith(line) for line in jordan.lines.asked_again)
    # a need the question does not point at stays in: the question asked for the fact
    year_two = engine.facts_told(a_turn(jordan, "What happens to RelayDesk's price in year two?", "open_question",
                                        trust=90))
    assert year_two.taught and not has(engine.needs_revealed(year_two).events, EventKind.revealed)


def test_a_jab_brings_out_no_need(charlie: Persona) -> None:
    jab = a_turn(charlie, "Why should I care if you leave?", "pressure", trust=90)
    assert engine.needs_revealed(jab).events == () and engine.needs_revealed(jab).reveal_line is None


def test_offer_judgement_reads_the_price_and_holds_the_rep_to_a_better_one(charlie: Persona) -> None:
    offered = engine.offer_judgement(a_turn(charlie, "I can do $24 a cartridge.", "concession"))
    assert offered.offer == 24.0 and offered.events[0] == Event(EventKind.offer, 24.0) and offered.offer_line
    back = engine.offer_judgement(a_turn(charlie, "I can do $24.50 a cartridge.", "concession", offers=(24.0,)))
    assert back.events == (Event(EventKind.went_back, 24.0),) and "$24" in back.offer_line


def test_outcome_walks_away_when_patience_runs_out(charlie: Persona) -> None:
    t = a_turn(charlie, "Take it or leave it.", "pressure")
    gone = engine.outcome(replace(t, state=replace(t.state, patience=0)))
    assert gone.done and gone.state.outcome == "walked_away" and gone.lines[-1] in charlie.lines.walk_away
    assert not engine.outcome(t).done


def test_reply_answers_a_fact_before_falling_back_on_the_move_reaction(charlie: Persona) -> None:
    asked = engine.reply(a_turn(charlie, "How many cartridges do you order?", "closed_question"))
    assert asked.lines == ("About 150 cartridges a month.",)
    nothing = engine.reply(a_turn(charlie, "Our costs went up.", "rationale"))
    assert nothing.lines[0] in charlie.reactions["rationale"][nothing.state.mood.value]


def test_needs_revealed_brings_out_nothing_for_a_question_outside_the_deal(personas) -> None:
    charlie = personas["price_increase_charlie"]
    name = a_turn(charlie, "What's your accountant's name?", "open_question", trust=90)
    asked = engine.needs_revealed(name)
    assert asked.events == (Event(EventKind.off_topic),) and asked.reveal_line is None
    said = engine.reply(asked)  # an in-character "why does that matter?", never a hidden need
    assert said.lines[0] in charlie.lines.private_detail
    sofa = engine.reply(engine.needs_revealed(a_turn(personas["competitor_switcher"], "What's your best-selling "
                                                     "sofa at the moment?", "open_question", trust=90)))
    assert sofa.events == (Event(EventKind.off_topic),)
    assert sofa.lines[0] in personas["competitor_switcher"].lines.unknown_fact  # a thing: not sure
    generic = engine.needs_revealed(a_turn(charlie, "What's worrying you?", "open_question", trust=90))
    assert generic.events[0].kind is EventKind.revealed  # a generic question on the deal still brings one out


def test_a_named_detail_about_a_need_not_ready_gets_not_sure(personas) -> None:
    morgan = personas["procurement_manager"]
    fuel = a_turn(morgan, "What's your monthly fuel spend?", "open_question", trust=45)  # fuel_case wants 50
    t = engine.needs_revealed(fuel)
    assert t.events == () and engine.reply(t).lines[0] in morgan.lines.unknown_fact
    ready = engine.needs_revealed(a_turn(morgan, "What's your monthly fuel spend?", "open_question", trust=60))
    assert ready.events == (Event(EventKind.revealed, "fuel_case"),)  # ready to talk about it: the need answers


def test_a_question_about_a_need_told_restates_it_then_says_it_was_asked(personas) -> None:
    morgan = personas["procurement_manager"]
    question = "What does the cut mean in practice: the per-vehicle price, or the yearly total?"
    first = engine.needs_revealed(a_turn(morgan, question, "open_question", trust=70, revealed=("budget_cut",)))
    assert first.events == () and first.reveal_line.startswith("As I said, ")
    assert first.reveal_line[len("As I said, "):].lower() in [line.lower() for line in
                                                               morgan.interests[0].reveal]
    heard = engine.remember((), [engine._fill(line, morgan, first.state) for line in morgan.interests[0].reveal])
    again = engine.needs_revealed(a_turn(morgan, question, "open_question", trust=70, revealed=("budget_cut",),
                                         heard=heard))
    assert again.events == (Event(EventKind.asked_again, "budget_cut"),)
    assert any(again.reveal_line.startswith(line) for line in morgan.lines.asked_again)
    # "beyond that, what else...?" asks for something new: the next need comes out
    other = engine.needs_revealed(a_turn(morgan, "Beyond the cut and the yearly total, what else matters?",
                                         "open_question", trust=70, revealed=("budget_cut",)))
    assert other.events == (Event(EventKind.revealed, "multi_year"),)


def test_a_yes_or_no_question_putting_a_told_need_back_is_confirmed(charlie: Persona) -> None:
    back = a_turn(charlie, "So it's the quarterly budget and the cash flow?", "closed_question", trust=60,
                  revealed=("cash_flow",))
    t = engine.needs_revealed(back)
    assert t.events == () and t.reveal_line in charlie.reactions["summary"][t.state.mood.value]


def test_aimed_at_tells_a_need_told_from_a_new_one(personas) -> None:
    morgan = personas["procurement_manager"]
    budget, multi = morgan.interests[0], morgan.interests[1]
    t = a_turn(morgan, "What does the cut mean for the yearly total?", "open_question", revealed=("budget_cut",))
    assert engine.aimed_at(t.reading, [multi], [budget]) == ("told", budget)
    assert engine.aimed_at(t.reading, [multi], []) == ("any", None)


# -- offers: how the customer answers a price (F12, F13, W3, W6, F27 in tests/playtest/FINDINGS.md) ----------

def test_a_first_price_gets_a_first_counter_and_a_lower_one_a_closer_counter(charlie: Persona) -> None:
    first = engine.offer_judgement(a_turn(charlie, "I can do $24 a cartridge.", "concession"))
    assert has(first.events, EventKind.countered) and first.state.counter == 22.5
    assert any(first.offer_line == engine._fill(str(line), charlie, first.state, price="$24", counter="$22.50")
               for line in charlie.lines.counter_first), first.offer_line  # nothing is "closer" yet
    moved = engine.offer_judgement(a_turn(charlie, "I can do $23.50 a cartridge.", "concession",
                                          offers=(24.0,), counter=22.5, counter_said=1))
    assert has(moved.events, EventKind.countered) and moved.state.counter == 22.5
    assert any(moved.offer_line.startswith(str(line).split("{")[0]) for line in charlie.lines.counter)


def test_the_same_price_again_repeats_the_counter_and_never_raises_it(charlie: Persona) -> None:
    # the ceiling rose since the counter was said (a need met): a fresh counter would be $23, the kept one is $22.50
    again = engine.offer_judgement(a_turn(charlie, "Can we go ahead at $24?", "concession", offers=(24.0,),
                                          counter=22.5, counter_said=1, satisfied=("cash_flow",)))
    assert has(again.events, EventKind.same_offer) and has(again.events, EventKind.countered)
    assert again.state.counter == 22.5 and "$22.50" in again.offer_line and "$24" in again.offer_line
    assert any(again.offer_line == engine._fill(str(line), charlie, again.state, price="$24", counter="$22.50")
               for line in charlie.lines.same_offer)
    # a close with nothing new is judged at the standing price: the same answer, the same counter
    standing = engine.offer_judgement(a_turn(charlie, "Thanks Charlie, I'll send it over.", "close", offers=(24.0,),
                                             counter=22.5, counter_said=1, satisfied=("cash_flow",)))
    assert has(standing.events, EventKind.standing_offer) and standing.state.counter == 22.5
    assert "Closer" not in standing.offer_line and "$22.50" in standing.offer_line


def test_a_yes_takes_only_the_counter_of_the_customers_last_reply(charlie: Persona) -> None:
    said_last_turn = engine.offer_judgement(a_turn(charlie, "Yes, we can do that.", "close", offers=(24.0,),
                                                   counter=22.5, counter_said=1, turn=1))
    assert has(said_last_turn.events, EventKind.took_counter) and said_last_turn.offer == 22.5
    long_ago = engine.offer_judgement(a_turn(charlie, "Yes, we can do that.", "close", offers=(24.0,),
                                             counter=22.5, counter_said=1, turn=3))
    assert not has(long_ago.events, EventKind.took_counter) and long_ago.offer is None


def test_a_first_leap_to_the_floor_is_pushed_once_then_a_held_floor_is_accepted(charlie: Persona) -> None:
    caved = engine.offer_judgement(a_turn(charlie, "I can do $22 right away.", "concession", trust=60.0,
                                          move_counts=(("empathy", 1),)))
    assert has(caved.events, EventKind.leap) and has(caved.events, EventKind.pushed_for_more)
    assert caved.state.counter < charlie.company.floor_price and caved.state.pushed
    held = engine.offer_judgement(a_turn(charlie, "Sorry, $22 is as low as I can go.", "concession",
                                         offers=(22.0,), counter=caved.state.counter, pushed=True, counter_said=1))
    assert has(held.events, EventKind.accepted) and held.state.deal_price == 22


def test_a_summary_and_every_told_need_met_count_as_acknowledgement(personas) -> None:
    morgan = personas["procurement_manager"]
    params = morgan.parameters("hard")
    told = tuple(i.id for i in morgan.interests)
    base = replace(start(morgan, params, "hard", 3)[0], trust=77.0, revealed=told)
    thanked_once = replace(base, move_counts=(("appreciation", 1),))
    assert params.empathy_needed == 2 and not engine._acknowledged(morgan, params, thanked_once)
    assert engine._acknowledged(morgan, params, replace(thanked_once, move_counts=(("appreciation", 1),
                                                                                    ("summary", 1))))
    assert engine._acknowledged(morgan, params, replace(thanked_once, satisfied=told))
    assert not engine._acknowledged(morgan, params, replace(thanked_once, satisfied=told[:1]))
    # they top acknowledgement up, never replace it: with no thanks or empathy at all, still not acknowledged
    assert not engine._acknowledged(morgan, params, replace(base, move_counts=(("summary", 2),), satisfied=told))


def test_a_summary_that_brings_out_the_next_need_is_confirmed_first(charlie: Persona) -> None:
    summary = "So the jump landed in the middle of a quarter you had already budgeted?"
    t = engine.reply(engine.needs_revealed(a_turn(charlie, summary, "summary", trust=80,
                                                  revealed=("cash_flow",))))
    assert has(t.events, EventKind.revealed) and len(t.lines) == 2  # W2: "Yes, you've got it." then the need
    assert t.lines[0] in charlie.reactions["summary"][t.state.mood.value]
    first = engine.reply(engine.needs_revealed(a_turn(charlie, summary, "summary", trust=80)))
    assert len(first.lines) == 1  # nothing told yet: nothing to confirm, the need is the answer


def test_a_close_that_names_a_lower_price_is_judged_at_that_price(personas) -> None:
    """"That's $25.50 a vehicle a month. Shall I draw up the contract?" after $27: the customer answers $25.50,
    never the price standing before it nor the list price (R1); a close at the standing price is judged as before."""
    morgan = personas["procurement_manager"]
    text = "That's $25.50 a vehicle a month. Shall I draw up the three-year contract?"
    named = a_turn(morgan, text, "close", offers=(27.0,))
    named = replace(named, analysis=replace(named.analysis, amounts=(Amount(25.5, "money", "price", 7, 13),)))
    judged = engine.offer_judgement(named)
    assert judged.offer == 25.5 and judged.events[0] == Event(EventKind.offer, 25.5)
    assert "$27" not in judged.offer_line and "$30" not in judged.offer_line
    standing = engine.offer_judgement(a_turn(morgan, "Shall I draw up the contract?", "close", offers=(27.0,)))
    assert standing.offer is None and has(standing.events, EventKind.standing_offer)
    refused = replace(named, analysis=replace(named.analysis, amounts=(
        Amount(25.5, "money", "price", 7, 13, offered=False),)))  # a rival's or a refused price is not the rep's
    assert engine.offer_judgement(refused).offer is None
    pushy = a_turn(morgan, text, "close", "pressure", offers=(27.0,))
    assert engine.closed_at(replace(pushy.analysis, amounts=named.analysis.amounts), pushy.state, 30.0) is None


def test_a_hedged_proposal_is_an_offer_and_never_a_reason_to_ask_for_more(personas, detector) -> None:
    """"Maybe $27.50? If that's alright?" after $28 is a step down the customer hears at $27.50 (R3)."""
    morgan = personas["procurement_manager"]
    params = morgan.parameters("normal")
    state = replace(start(morgan, params, "normal", 3)[0], offers=(28.0,), counter=26.5, counter_said=2, turn=2)
    t = engine.offer_judgement(begin(morgan, params, state, detector.detect(
        "I'm really sorry, I don't think I'm allowed to go lower. Maybe $27.50? If that's alright?")))
    assert t.offer == 27.5 and "no movement" not in (t.offer_line or "")


def test_a_wrap_up_close_that_names_a_lower_price_gives_it(personas) -> None:
    """After a yes at $27, "That's $25.50 a vehicle a month. I'll send the contract." puts $25.50 in writing: the
    customer holds the company to it (the evaluator says it was given after the deal)."""
    morgan = personas["procurement_manager"]
    params = morgan.parameters("normal")
    agreed = replace(start(morgan, params, "normal", 3)[0], offers=(27.0,), outcome="deal", deal_price=27.0)
    text = "That's $25.50 a vehicle a month. Shall I send the contract?"
    said = replace(turn(text, "close"), amounts=(Amount(25.5, "money", "price", 7, 13),))
    wrap = engine.react(morgan, params, agreed, said)
    assert has(wrap.events, EventKind.gave_after_deal) and wrap.state.deal_price == 25.5 and wrap.offer == 25.5


# -- a customer who makes sense of the rep's words (R2, R9, RW1, RW3 in tests/playtest/FINDINGS.md) ----------

def _through(t: Turn) -> Turn:
    for step in engine.STEPS:
        t = step(t)
        if t.done:
            break
    return t


def test_summary_check_catches_a_figure_the_customer_never_said(personas) -> None:
    dana = personas["loyal_customer"]
    said = (48.0, 42.0)  # her opening
    wrong = engine.summary_check(a_turn(dana, "So you want us to match $41, like the other tool quoted you?",
                                        "summary", trust=80, figures=said))
    assert wrong.events == (Event(EventKind.wrong_summary, "$41"),) and wrong.state.wrong_summaries == 1
    assert engine.rapport(wrong).state.trust == wrong.state.trust  # no credit for putting words in her mouth
    said_back = _through(a_turn(dana, "So you want us to match $41, like the other tool quoted you?", "summary",
                                trust=80, figures=said))
    assert said_back.lines[0] in [engine._fill(str(line), dana, said_back.state, said="$41")
                                  for line in dana.lines.wrong_figure]
    assert not set(said_back.lines) & set(dana.reactions["summary"]["open"])  # never "That's exactly it."
    right = engine.summary_check(a_turn(dana, "So you'd like something nearer the $42 you were paying?", "summary",
                                        trust=80, figures=said))
    assert right.events == () and right.summary is not None and not right.summary.wrong
    proposal = engine.summary_check(a_turn(dana, "Would $44 be OK?", "summary", figures=said))
    assert proposal.events == ()  # a figure proposed, not put in her mouth


def test_a_summary_saying_the_opposite_of_a_need_is_corrected_with_that_need(personas) -> None:
    dana = personas["loyal_customer"]
    text = "So you've pretty much decided to move to the other tool anyway?"
    t = _through(a_turn(dana, text, "summary", trust=80, revealed=("loyalty_recognised",)))
    assert Event(EventKind.wrong_summary, "wants_to_stay") in t.events
    assert Event(EventKind.revealed, "wants_to_stay") in t.events  # she says she wants to stay
    assert t.lines[0] in dana.lines.wrong_summary and t.lines[1] in dana.interests[2].reveal
    told = _through(a_turn(dana, text, "summary", trust=80, revealed=("wants_to_stay",)))
    assert told.lines[0] in dana.lines.wrong_summary and told.lines[1] in dana.interests[2].reveal  # not said yet
    heard = engine.remember((), dana.interests[2].reveal)
    again = _through(a_turn(dana, text, "summary", trust=80, revealed=("wants_to_stay",), heard=heard))
    assert again.lines[0] in dana.lines.wrong_summary and again.lines[1].startswith("As I said, ")
    for fair in ("So you're thinking of switching to the other tool?", "So you don't want to move to the other "
                 "tool, you want a fair renewal?", "So you'd like to stay?"):
        assert engine.summary_check(a_turn(dana, fair, "summary", trust=80)).events == (), fair


def test_a_price_only_summary_is_wrong_once_a_need_money_does_not_meet_is_told(personas) -> None:
    dana = personas["loyal_customer"]
    early = engine.summary_check(a_turn(dana, "So it's all about the price for you?", "summary", trust=80))
    assert early.events == ()  # nothing else told yet: a fair guess
    told = _through(a_turn(dana, "So it's all about the price for you?", "summary", trust=80,
                           revealed=("tax_season_support",)))
    assert Event(EventKind.wrong_summary, "tax_season_support") in told.events
    assert told.lines[0] in dana.lines.wrong_summary and told.lines[1] in dana.interests[3].reveal


def test_feelings_questions_wear_thin_like_sympathy(personas) -> None:
    dana = personas["loyal_customer"]
    first = engine.rapport(a_turn(dana, "How does that make you feel?", "open_question"))
    assert first.state.trust == first.persona.parameters("normal").trust + 3 and first.state.feelings_asked == 1
    second = engine.rapport(a_turn(dana, "How are you feeling now?", "open_question", feelings_asked=1))
    assert second.state.trust == second.persona.parameters("normal").trust  # asked again: nothing gained
    third = engine.rapport(a_turn(dana, "I understand. How are you feeling now?", "empathy", "open_question",
                                  rapport_streak=2, feelings_asked=2))
    assert has(third.events, EventKind.sympathy_fatigue) and third.lines[0] in dana.lines.sympathy_fatigue
    assert engine.needs_revealed(third).events == third.events  # sympathy worn thin brings nothing out
    deal = engine.rapport(a_turn(dana, "What would make the renewal work for you?", "open_question",
                                 rapport_streak=2))
    assert not has(deal.events, EventKind.sympathy_fatigue) and deal.state.rapport_streak == 0


def test_a_feelings_question_brings_out_feelings_not_business_needs(personas) -> None:
    dana = personas["loyal_customer"]  # budget_cycle comes out only for questions about the deal
    t = engine.needs_revealed(a_turn(dana, "How does that make you feel?", "open_question", trust=80,
                                     revealed=("loyalty_recognised",)))
    assert t.events == (Event(EventKind.revealed, "wants_to_stay"),)
    deal = engine.needs_revealed(a_turn(dana, "What matters most to you in the next contract?", "open_question",
                                        trust=80, revealed=("loyalty_recognised",)))
    assert deal.events == (Event(EventKind.revealed, "budget_cycle"),)
    # nothing left that feelings bring out: an answer about how it landed, as to empathy
    told = ("loyalty_recognised", "wants_to_stay")
    felt = _through(a_turn(dana, "How does that make you feel?", "open_question", trust=80, revealed=told))
    assert not has(felt.events, EventKind.revealed) and felt.lines[0] in dana.reactions["empathy"]["open"]


def test_a_non_apology_gets_an_answer_about_tone(personas) -> None:
    dana = personas["loyal_customer"]
    t = _through(a_turn(dana, "I'm sorry you feel that way. What emotions come up?", "hold_position",
                        "open_question", trust=80))
    assert t.lines[0] in dana.lines.non_apology and not has(t.events, EventKind.revealed)
    assert not has(t.events, EventKind.sympathy_fatigue)
    owned = _through(a_turn(dana, "I'm sorry you feel we've let you down.", "empathy", trust=80))
    assert not set(owned.lines) & set(dana.lines.non_apology)  # owns up to something: an apology


def test_a_thinking_noise_is_waited_on(charlie: Persona) -> None:
    for noise in ("hmm 🤔", "Hmm...", "let me think"):
        t = _through(a_turn(charlie, noise, "other"))
        assert t.lines[0] in charlie.lines.thinking, noise
    other = _through(a_turn(charlie, "purple monkey dishwasher", "other"))
    assert other.lines[0] not in charlie.lines.thinking


def test_a_need_told_in_the_turn_that_meets_it_is_met(personas) -> None:
    dana = personas["loyal_customer"]  # RW1: her thanks came with the turn that brought the need out
    t = engine.needs_revealed(a_turn(dana, "Thank you for eight years with us.", "appreciation", trust=60))
    assert t.events == (Event(EventKind.revealed, "loyalty_recognised"), Event(EventKind.satisfied,
                                                                              "loyalty_recognised"))
    assert "loyalty_recognised" in t.state.satisfied


def test_extras_given_since_the_counter_are_not_the_same_offer_again(personas) -> None:
    dana = personas["loyal_customer"]  # RW1: training and seats one turn, "$48, shall we go ahead?" the next
    before = dict(offers=(48.0,), counter=46.5, counter_said=7, satisfied=("new_staff",), trust=100)

    def said_again(t: Turn) -> bool:
        return any(t.offer_line == engine._fill(str(line), dana, t.state, price="$48", counter="$46.50")
                   for line in dana.lines.same_offer)

    same = engine.offer_judgement(a_turn(dana, "Shall we go ahead at $48?", "close", **before,
                                         extras=("price_lock",), counter_extras=("price_lock",)))
    assert has(same.events, EventKind.countered) and said_again(same) and same.state.counter == 46.5
    moved = engine.offer_judgement(a_turn(dana, "Shall we go ahead at $48?", "close", **before,
                                          extras=("price_lock", "training"), counter_extras=("price_lock",)))
    assert has(moved.events, EventKind.countered) and not said_again(moved)
    assert moved.state.counter_extras == ("price_lock", "training")
