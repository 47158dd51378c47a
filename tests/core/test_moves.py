"""Move detection as a whole: multi-move turns, offers and refusals, spans and quotes, robustness.

Question shapes, empathy look-alikes and amounts have their own files (test_questions.py,
test_empathy.py, test_amounts.py), like the modules they test."""

from __future__ import annotations

import pytest

from parley.moves import (
    HELDOUT_FILE,
    MAX_CHARS,
    PRIORITY,
    TRAIN_FILE,
    Analysis,
    Detection,
    find_amounts,
    load_examples,
    primary_move,
)
from parley.reading import refused_with_an_offer
from parley.taxonomy import MOVES, REAL_MOVES


# -- several moves in one turn --------------------------------------------------------------------
def test_one_turn_carries_several_moves(detector):
    analysis = detector.detect("Hi Charlie, thanks for five years with us. I'm sorry about the jump; "
                               "what would make this work for you?")
    assert set(analysis.moves) == {"greeting", "appreciation", "empathy", "open_question"}
    assert analysis.primary == "open_question"


def test_offer_turn_with_reason_condition_and_close(moves_of):
    found = moves_of("Our supplier raised prices by 18% this year. If you commit to 12 months, I can do $23 "
                     "and include free shipping. Shall I set that up?")
    assert {"rationale", "conditional_trade", "concession", "value_add", "close"} <= found


def test_that_is_just_how_it_is_holds_the_position(moves_of):
    assert "hold_position" in moves_of("ok so the price went up to $25, that's just how it is now")


def test_plain_acknowledgement_is_other_only(moves_of):
    assert moves_of("ok") == {"other"}
    assert moves_of("one sec, pulling up your account") == {"other"}


# -- offers and refusals ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["We're unable to go to $29.", "I wish I could do $29.",
                                  "We are unable to offer 20% off."])
def test_turning_a_number_down_is_a_refusal_not_a_concession(moves_of, text):
    assert moves_of(text) == {"hold_position"}


@pytest.mark.parametrize("text", ["I have to keep it at $25", "I need to keep the price at $25.",
                                  "we have to stick with the new price", "we need to hold the line on this one",
                                  "I have to keep you at 25, I'm sorry", "we must hold you at the new rate",
                                  "I have to keep it at $25, sorry"])
def test_having_to_keep_the_price_is_a_refusal(moves_of, text):
    assert moves_of(text) == {"hold_position"}


def test_keeping_them_at_a_price_you_choose_to_give_is_a_concession(moves_of):
    assert "concession" in moves_of("I can keep you at $23 if you sign today")
    # the old price (before the rise) is given back: a concession. Holding the *current* price for longer is a
    # value_add by the README's convention, and the classifier reads that too at its threshold since the sixth
    # batch; what matters to the customer is the concession, and that this is no refusal
    held = moves_of("I can hold you at the old price")
    assert "concession" in held and "hold_position" not in held
    moves = moves_of("I'm so sorry about the surprise, we need to keep it at 25 though")
    assert moves == {"empathy", "hold_position"}


def offered(detector, text):
    return [(a.value, a.offered) for a in detector.detect(text).amounts]


def test_a_rivals_price_said_to_compare_is_not_offered(detector, moves_of):
    assert offered(detector, "At $33 you pay less than RelayDesk at $29 then $38.") == \
        [(33.0, True), (29.0, False), (38.0, False)]
    assert offered(detector, "I can do $23 instead of $25") == [(23.0, True), (25.0, False)]
    assert "concession" not in moves_of("Also RelayDesk goes to $38 after the first year.")


@pytest.mark.parametrize("text", ["Why is the $25 a problem for you right now?", "Is $25 too much for you?"])
def test_a_price_asked_about_or_weighed_is_not_a_concession(detector, moves_of, text):
    assert "concession" not in moves_of(text) and offered(detector, text) == [(25.0, False)]


def test_a_price_per_issue_is_still_a_price(detector):
    assert offered(detector, "I can bring your subscription to \u00a38.99 an issue.") == [(8.99, True)]


def test_a_number_called_my_best_without_the_is_an_offer(detector, moves_of):
    assert moves_of("24 is best i can do") == {"concession"} and offered(detector, "24 is best i can do") == \
        [(24.0, True)]


def test_turning_a_number_down_next_to_an_option_reads_both(moves_of):
    # the refusal and the offer, as the labelled files read it; the session core then meets it as a no that
    # engages (reading.refused_with_an_offer, tests/core/test_reading.py)
    assert moves_of("Sadly we're unable to go to $29, but I can include free delivery.") == \
        {"hold_position", "value_add"}
    assert moves_of("we're unable to go to 29. what matters most to you?") == {"hold_position", "open_question"}


@pytest.mark.parametrize("text, offers", [
    ("would $33 an agent with the channels included get this over the line?", True),
    ("could we meet at $33?", True),
    ("What if we did $33 an agent?", True),
    ("Would it help if I explained where the $35 comes from?", False),
    ("Is $29 what RelayDesk charges?", False),
])
def test_a_price_put_as_a_question_is_an_offer(moves_of, text, offers):
    assert ("concession" in moves_of(text)) is offers


@pytest.mark.parametrize("text", ["ok, $44 it is. Shall I send the renewal?", "$23.50 works, I'll set it up",
                                  "agreed at $44"])
def test_taking_up_the_customers_number_is_an_offer(detector, text):
    analysis = detector.detect(text)
    assert "concession" in analysis.moves and analysis.amounts[0].role == "price"


def test_an_offer_asked_yes_or_no_is_concession_and_closed_question(moves_of):
    assert {"concession", "closed_question"} <= moves_of("Would $23 a cartridge work for you?")


@pytest.mark.parametrize("text, offer", [
    ("How about $23 a cartridge?", "concession"),
    ("what if we moved you to quarterly invoicing?", "value_add"),
    ("How does $33 an agent sound?", "concession"),
    ("ok what about 40 a month if u sign for 12 months?", "concession"),
])
def test_a_proposal_that_makes_an_offer_is_the_offer_not_a_closed_question(moves_of, text, offer):
    moves = moves_of(text)
    assert offer in moves and "closed_question" not in moves


def test_a_proposal_without_an_offer_still_asks(moves_of):
    assert "closed_question" in moves_of("How about we talk again on Friday?")


# -- negation and pressure ------------------------------------------------------------------------
@pytest.mark.parametrize("text, absent", [
    ("We can't offer free shipping.", "value_add"),
    ("We don't do discounts on this plan.", "concession"),
    ("Nobody else will give you next-day delivery.", "value_add"),
    ("The price went to $25 in March.", "concession"),
])
def test_a_negated_or_reported_offer_is_no_offer(moves_of, text, absent):
    assert absent not in moves_of(text)


@pytest.mark.parametrize("text", [
    "Take it or leave it.",
    "Sign by five today or the quote goes back up.",
    "You clearly haven't read the contract.",
    "Honestly, you won't find anyone cheaper, so sign before the offer expires.",
])
def test_pressure(moves_of, text):
    assert "pressure" in moves_of(text)


# -- spans and quotes -----------------------------------------------------------------------------
EXPLAINED = [
    "Hi Charlie, thanks for five years with us. I'm sorry about the jump; what would make this work for you?",
    "I'm really sorry, Charlie, that must have been a shock when the invoice arrived and you saw the new price.",
    "Our supplier put up prices 18% this year, which is why the unit price moved, but if you commit to 12 months "
    "I can do $23 and include free shipping. Shall I set that up?",
    "I understand, but the price is the price.",
]


@pytest.mark.parametrize("text", EXPLAINED)
def test_every_detection_keeps_the_words_that_triggered_it(detector, text):
    analysis = detector.detect(text)
    assert analysis.detections
    for d in analysis.detections:
        assert text[d.start:d.end] == d.trigger
        assert d.quote in text  # the trainee's own words, verbatim
        at = text.index(d.quote)
        assert at <= d.start < at + len(d.quote) or d.quote in d.trigger  # the quote is where the trigger is
        assert len(d.quote.split()) >= 3, "a quote is a clause, not one keyword"
    assert set(analysis.moves) == {d.move for d in analysis.detections}


def test_quotes_are_the_clause_that_carries_the_move(detector):
    analysis = detector.detect(EXPLAINED[0])
    assert analysis.quotes("empathy") == ["I'm sorry about the jump"]
    assert analysis.quotes("open_question") == ["what would make this work for you?"]
    long_turn = detector.detect(EXPLAINED[2])
    for move in ("rationale", "conditional_trade", "close"):
        (quote,) = long_turn.quotes(move)
        assert len(quote) < len(EXPLAINED[2]) / 2  # tight: never the whole turn
    assert "$23" in long_turn.quotes("concession")[0]


def test_a_number_sold_as_a_package_is_an_offer(moves_of):
    assert [a.value for a in find_amounts("so 32 w/ price lock + whatsapp free 12mo. deal?")] == [32.0]
    assert "concession" in moves_of("so 32 w/ price lock + whatsapp free 12mo. deal?")


@pytest.mark.parametrize("text", [
    "How does $33 an agent sound, with the channels free for the first 12 months?",
    "Any chance $32 would get us there?",
    "Is $24 something you could live with?",
    "Would £29 a month get us there?",  # a monthly price, not a yearly total
    "ok ok $42 then, same as before",
])
def test_a_number_put_up_for_the_customers_verdict_is_an_offer_and_asks_yes_or_no(moves_of, text):
    found = moves_of(text)
    assert "concession" in found and "open_question" not in found


@pytest.mark.parametrize("text, expected", [
    ("what makes it unacceptable for you right now?", {"open_question"}),
    ("What would you lose if you switched to RelayDesk?", {"open_question"}),  # asks; trades nothing
    ("so sorry about the price jump 😬 what's hurting most?", {"empathy", "open_question"}),  # an emoji ends a clause
    ("Have I got that right?", {"summary"}),  # checks understanding; closes nothing
    ("hello?", {"greeting"}),  # are you there?
    ("Honestly, I don't have room to move on the one-year price.", {"hold_position"}),
])
def test_moves_people_get_wrong_in_chat(moves_of, text, expected):
    assert moves_of(text) == expected


def test_a_no_with_an_alternative_reads_the_no_and_the_offer(moves_of):
    found = moves_of("I'm afraid I can't do that, but what I can do is $45 a seat locked for three years.")
    assert {"concession", "hold_position"} <= found
    found = moves_of("I can't match $29, I'm afraid. The lowest I'm allowed to go is $30.")
    assert {"concession", "hold_position"} <= found  # (a reason read in "allowed" may come too)


def test_an_email_sign_off_offers_nothing(moves_of):
    found = moves_of("I can add priority support for tax season. Kind regards, Alex Morgan, Account Manager")
    assert found == {"value_add"}
    assert moves_of("Thanks for your time. Kind regards, Alex Morgan, Account Manager") == {"appreciation"}


@pytest.mark.parametrize("text, move", [
    ("I appreciate a 15% cut puts you in a tight spot.", "empathy"),
    ("I appreciate this is a big jump for you.", "empathy"),
    ("totaly get it, nobody wants to pay more for less", "empathy"),  # misspelt rapport still counts
    ("oh no, so sorry! what would make this right for you", "empathy"),
    ("thnx for 4 yrs with us, realy apreciate it", "appreciation"),
])
def test_rapport_in_chat_spelling(moves_of, text, move):
    assert move in moves_of(text)


def test_an_extra_given_free_for_a_period_is_a_value_add(moves_of):
    assert {"concession", "value_add"} <= moves_of(
        "How does $33 an agent sound, with the WhatsApp and SMS add-on free for the first 12 months?")
    assert "value_add" in moves_of("and we'll cover the 30 trucks joining next spring free for their first six months")


def test_concession_span_is_the_offered_amount_not_a_reported_one(detector):
    text = "The price went up to $25 in March, but I can do $23 for you."
    (concession,) = [d for d in detector.detect(text).detections if d.move == "concession"]
    assert "$23" in concession.trigger and "$25" not in concession.quote


# -- lemmas, API, robustness ----------------------------------------------------------------------
def test_pipeline_uses_lookup_lemmas_on_lower_case_words(detector):
    doc = detector.nlp("Apologised, we WAIVED the fees and lowered prices.")
    lemmas = [t.lemma_ for t in doc]
    assert {"apologise", "waive", "fee", "lower", "price"} <= set(lemmas)


def test_analysis_round_trips_through_json(detector):
    analysis = detector.detect("If you sign for two years, I can do $22. Shall I send the paperwork?")
    again = Analysis.from_dict(analysis.to_dict())
    assert again == analysis
    assert isinstance(again.detections[0], Detection)
    assert set(analysis.scores) == set(REAL_MOVES)


def test_primary_move_follows_priority():
    assert primary_move(["greeting", "pressure", "empathy"]) == "pressure"
    assert primary_move([]) == "other"
    assert set(PRIORITY) == set(MOVES)


def test_batch_and_single_detection_agree(detector):
    texts = [e.text for e in load_examples(HELDOUT_FILE)[:60]]
    batch = list(detector.detect_many(texts))
    assert [a.moves for a in batch] == [detector.detect(t).moves for t in texts]


def test_long_or_odd_input_is_handled(detector):
    long = "I'm sorry about the price. " * 200
    analysis = detector.detect(long)
    assert analysis.truncated and len(analysis.text) == MAX_CHARS
    assert "empathy" in analysis.moves
    for odd in ["", "   ", "\x00\x07", "🙂🙂", "?"]:
        assert detector.detect(odd).moves  # never empty, never an exception


def test_labelled_data_is_valid_and_held_out_is_independent():
    train, held = load_examples(TRAIN_FILE), load_examples(HELDOUT_FILE)
    for examples, minimum in ((train, 90), (held, 25)):
        for e in examples:
            assert e.moves and set(e.moves) <= set(MOVES)
            assert "other" not in e.moves or e.moves == ("other",)
        for move in MOVES:
            assert sum(move in e.moves for e in examples) >= minimum, move
    norm = {e.text.strip().lower() for e in train}
    assert len(norm) == len(train), "duplicate training text"
    assert norm.isdisjoint({e.text.strip().lower() for e in held}), "held-out text leaked into training"


def test_held_out_quality_floor(detector):
    """Not the benchmark (bench/bench_evaluator.py prints the figures); a guard against regressions."""
    examples = load_examples(HELDOUT_FILE)
    predicted = [set(a.moves) for a in detector.detect_many([e.text for e in examples])]
    f1s = []
    for move in REAL_MOVES:
        tp = sum(move in p and move in e.moves for p, e in zip(predicted, examples))
        fp = sum(move in p and move not in e.moves for p, e in zip(predicted, examples))
        fn = sum(move not in p and move in e.moves for p, e in zip(predicted, examples))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    assert sum(f1s) / len(f1s) >= 0.85


@pytest.mark.parametrize("text", ["\U0001f642\U0001f64f\U0001f4b8", "\U0001f600\U0001f600\U0001f600", "?!", "..."])
def test_a_message_with_no_words_carries_no_move(moves_of, text):
    assert moves_of(text) == {"other"}


def test_an_extra_and_a_price_in_one_sentence_are_both_read(moves_of):
    assert moves_of("We can include the full AV package with a technician on call, and the rate would be "
                    "$1,050 a day.") == {"value_add", "concession"}
    assert moves_of("The price will be $25 from next month, I'm afraid.") == {"hold_position"}


@pytest.mark.parametrize("text", ["$23 is my best.", "My best is $23.", "and $24 a cartridge because you're loyal"])
def test_a_price_called_the_best_or_tacked_on_is_read(detector, text):
    analysis = detector.detect(text)
    assert "concession" in analysis.moves and any(a.offered for a in analysis.amounts)


def test_reasons_checks_and_typed_questions_as_people_write_them(moves_of):
    assert "rationale" in moves_of("On price, given five years of orders I could come down to $24.50.")
    assert "rationale" in moves_of("which over two years beats RelayDesk's average of $33.50")
    assert "summary" in moves_of("So: a predictable price, faster help, juniors trained. Did I miss anything?")
    assert "open_question" in moves_of("wats the biggest issue for u?")


def _reads(moves_of, text: str, expected: set, absent: set) -> None:
    """The turn carries every expected move and none of the absent ones."""
    found = set(moves_of(text))
    assert expected <= found and not absent & found, found


@pytest.mark.parametrize("text, expected, absent", [
    ("how did support hold up in tax season", {"open_question"}, set()),  # no "?" typed
    ("Might I ask what matters most to you in this renewal", {"open_question"}, set()),
    ("Is there anything else you'd like me to know", {"open_question"}, set()),
    ("Would you be so kind as to explain how your partners approve the budget?", {"open_question"}, {"rationale"}),
    # "... or something else" leaves the answer open (docs/evaluator.md, "Question shapes")
    ("is it the price or something else", {"open_question"}, {"hold_position", "closed_question"}),
    ("how come you're unhappy", {"open_question"}, {"pressure"}),
    ("wats ur main concern", {"open_question"}, {"summary"}),
    ("how many agents log into the helpdesk right now", {"closed_question"}, set()),
    ("r u open to a 2 yr term", {"closed_question"}, set()),
    ("well its up to u", set(), {"greeting"}),
    ("Hi Lena, good to hear from you, how's your week going?", {"greeting"}, {"empathy", "open_question"}),
    ("Hi Jordan, thanks for four years, and I know a rival quote is a pain to deal with.", {"appreciation"},
     {"pressure"}),
    ("You mentioned earlier how the team only uses about half the seats.", {"summary"}, set()),
    ("Have you mentioned this to your manager?", {"closed_question"}, {"summary"}),
    ("I understand, but the new rate applies to everyone.", {"hold_position"}, {"empathy"}),
    ("I hear you. Still, $25 per cartridge stands.", {"hold_position"}, {"concession"}),
    ("would 23 work for you?", {"concession", "closed_question"}, {"close"}),  # README: a new offer asked yes/no
    ("23 ok?", {"concession"}, set()),
    ("i could offer 44 with priority support", {"concession"}, set()),
    ("I'll lock that price for the full term", {"value_add"}, set()),
    ("I can do $31 an agent with whatsapp + sms included", {"concession", "value_add"}, set()),
    ('he said "what are you going to do about it?"', set(), {"open_question", "closed_question"}),
    ("Sorry to hear the portal's been slow. Which browser is your team using?", {"empathy", "closed_question"},
     set()),
    ("thats the best i've got", {"hold_position"}, set()),
    ("tell me if that's a problem", {"closed_question"}, set()),
    ("any thoughts on what would help", {"open_question"}, set()),
    ("Are you the person who signs off the purchase order?", {"closed_question"}, {"close"}),
    ("To summarise: you need 30 seats, monthly billing and a named contact.", {"summary"}, {"value_add"}),
    ("Great, expect the revised contract in your inbox by 4pm.", {"close"}, set()),
    ("Prices are reviewed every April for every customer, so yours isn't being singled out.", {"rationale"}, set()),
    ("That's the lowest price you'll get anywhere, and it expires at midnight.", {"pressure"}, set()),
])
def test_moves_from_a_play_test_of_real_chat(moves_of, text, expected, absent):
    _reads(moves_of, text, expected, absent)


@pytest.mark.parametrize("text, price", [
    ("24 is my best", 24.0), ("44 final", 44.0), ("cant do 20. best i can do is 24", 24.0),
    ("OK, $45 locked for three years then, I'll send it over.", 45.0),
    ("Actually, on reflection I need to make that $24.", 24.0),  # revising one's own offer
    ("Would a three-year term at $27 work?", 27.0),
    ("done. 28, 3 yrs, sending contract now", 28.0),
    ("gr8 so 95 a treadmill from next month, ill email u the contract", 95.0),
    ("ok. $33 + free whatsapp/sms for 12 months", 33.0), ("$24 plus free shipping", 24.0),
    ("24 is the best i can do", 24.0),
])
def test_offers_as_reps_type_them_name_their_price(detector, text, price):
    analysis = detector.detect(text)
    assert "concession" in analysis.moves
    assert [a.value for a in analysis.amounts if a.offered] == [price]


def test_a_summary_of_their_number_offers_nothing_but_an_offer_with_a_check_closes(moves_of):
    assert moves_of("You said it has to be 15% lower. So a 15% lower total is the target, right?") == {"summary"}
    assert moves_of("So if I can do $23, would that work?") == {"concession", "closed_question"}


def test_sending_the_contract_closes(moves_of):
    assert "close" in moves_of("Perfect. $27 fixed for three years - contract goes out tomorrow.")
    assert "close" not in moves_of("Can you send me the contract terms you have now?")


def test_an_extra_without_cost_is_given_not_negated(moves_of):
    moves = moves_of("I understand. If you stay with us 2 more years, we give you the messaging add-on without cost "
                     "and price 33 dollar per agent.")
    assert {"value_add", "concession"} <= moves and "hold_position" not in moves


def test_loyalty_as_the_reason_for_an_offer_and_thanks_for_the_years(moves_of):
    assert {"concession", "rationale"} <= moves_of("I can take 8% off for you, for the loyalty.")
    assert "rationale" in moves_of("$46 a seat, locked for three years. That lock protects you from any list rise.")
    assert "rationale" not in moves_of("thanks for your five years with us")
    assert "appreciation" in moves_of("Jordan, thanks for coming to us before signing and for four good years.")


def test_a_long_condition_still_trades_but_a_polite_request_does_not(moves_of):
    assert "conditional_trade" in moves_of("If you stay with us 2 more years, we give you the messaging add-on free.")
    assert "conditional_trade" not in moves_of("If you could tell me more about your team, I can see what fits.")


@pytest.mark.parametrize("text", [
    "Morgan, thank you for two years with us and for being upfront about the cut. A 15% reduction is a hard brief.",
    "A 20% cut to your budget is a lot to absorb."])
def test_a_comment_on_the_customers_own_cut_offers_nothing(moves_of, text):
    assert not {"concession", "value_add"} & moves_of(text)


def test_saying_what_the_rep_wants_to_find_out_is_no_close(moves_of):
    asked = "How much is RelayDesk asking after first year? I want compare all contract."
    assert moves_of(asked) == {"closed_question"}
    assert "close" in moves_of("I want to check the paperwork is right before you sign. Shall I send it now?")


@pytest.mark.parametrize("text", ["renewal is 48, thats list", "Renewal is $48, that's standard."])
def test_restating_the_list_price_holds_the_position(moves_of, text):
    assert moves_of(text) == {"hold_position"}


# -- numbers read by role (issue 19, item 2) ---------------------------------------------------------
@pytest.mark.parametrize("text", ["I get it, a 15% cut is a lot to deal with",
                                  "I hear you, $25 is a lot more than you were paying.",
                                  "So you're looking at a 10% reduction, that's a big ask."])
def test_a_customers_number_said_back_in_empathy_or_a_summary_is_never_an_offer(detector, text):
    analysis = detector.detect(text)
    assert "concession" not in analysis.moves
    assert all(a.offered is False for a in analysis.amounts)


def test_offers_typed_naturally_are_heard(detector):
    from parley.engine import offered_price

    analysis = detector.detect("i can do a three-year contract with the price fixed, and quarterly billing, "
                               "at $27 a truck")
    assert {"concession", "value_add"} <= set(analysis.moves)
    assert [(a.value, a.offered) for a in analysis.amounts] == [(27.0, True)]
    assert offered_price(analysis, 30.0) == 27.0
    analysis = detector.detect("price is $27 per vehicle per month")
    assert "concession" in analysis.moves and offered_price(analysis, 30.0) == 27.0


def test_a_chat_typed_proposal_of_extras_is_a_value_add(moves_of):
    assert "value_add" in moves_of("how bout we do quartrly invoicing + free shiping?")


def test_an_offer_asked_as_a_question_is_an_offer_not_a_summary(detector):
    analysis = detector.detect("would $32 per agent work for you now?")
    assert set(analysis.moves) == {"concession", "closed_question"}
    assert [(a.value, a.offered) for a in analysis.amounts] == [(32.0, True)]


@pytest.mark.parametrize("text", ["Would you sign at $48?", "Would you renew at $30?"])
def test_a_yes_asked_at_a_price_is_no_trade(detector, text: str) -> None:
    """Signing or renewing is the yes itself, not something traded for the price (at a list price of $48
    it is no offer either: the amount pass decides that)."""
    moves = detector.detect(text).moves
    assert "closed_question" in moves and "conditional_trade" not in moves


def test_a_price_tied_to_a_term_stays_a_trade(detector) -> None:
    assert "conditional_trade" in detector.detect("If you sign a two-year contract, I can do $46.").moves


# -- play-test findings F17-F21: refusals, everyone alike, tradables sold, chat offers, a price kept ----
@pytest.mark.parametrize("text", [
    "You get what you pay for.",  # F17
    "Cheap tools cost more in the end; you get what you paid for.",
    "Budget cuts are an internal matter for your company, not for us.",
    "That's a matter for your finance team.",
    "How you fund it is nothing to do with us.",
    "Your budget isn't our responsibility.",
])
def test_a_dismissive_refusal_holds_the_position(moves_of, text):
    assert "hold_position" in moves_of(text) or "pressure" in moves_of(text)
    assert "other" not in moves_of(text)


@pytest.mark.parametrize("text", [
    "We value all our customers equally.",  # F18
    "We treat every customer the same.",
    "We appreciate every one of our customers.",
])
def test_esteem_for_every_customer_alike_is_not_appreciation(moves_of, text):
    assert "appreciation" not in moves_of(text)


def test_thanks_to_this_customer_next_to_everyone_alike_is_still_appreciation(moves_of):
    assert "appreciation" in moves_of("Thanks so much for your loyalty, we value all our customers.")


@pytest.mark.parametrize("text", [
    "Discounts are not given on standard items unless a written agreement exists.",  # F18
    "Discounts aren't available on this plan.",
    "A price match is not something we offer.",
    "Free shipping doesn't apply to consumables.",
])
def test_a_tradable_named_as_the_subject_of_a_refusal_is_not_offered(moves_of, text):
    assert not moves_of(text) & {"concession", "value_add"}


@pytest.mark.parametrize("text", [
    "Priority support is available as a paid option.",  # F19
    "Training is available on request at the standard day rate.",
    "Onboarding workshops are billed separately.",
    "Seats may be added at any time and are billed pro rata.",
    "WhatsApp is a paid add-on for everyone, no exceptions.",
])
def test_a_tradable_sold_at_its_price_is_not_a_value_add(moves_of, text):
    assert not moves_of(text) & {"value_add", "conditional_trade"}


@pytest.mark.parametrize("text", [
    "WhatsApp costs extra, but I can include it free for a year.",
    "I can add priority support at no extra cost.",
])
def test_a_tradable_given_is_still_a_value_add(moves_of, text):
    assert "value_add" in moves_of(text)


def test_a_summary_checked_in_the_next_sentence_offers_nothing(moves_of):
    moves = moves_of("So they're $29 for year one but $38 for year two, and messaging is the real gap. "
                     "Is that right?")  # F19
    assert "summary" in moves and not moves & {"value_add", "concession"}
    assert "value_add" in moves_of("I can include messaging free for a year. Does that work?")


@pytest.mark.parametrize("text, price", [
    ("wat if i lock ur price 4 3 yrs at 46 a seat? no more surprises", 46.0),  # F20
    ("wot if we lock the price for three years at 27 a vehicle?", 27.0),
])
def test_an_offer_in_chat_shorthand_is_read(detector, text, price):
    analysis = detector.detect(text)
    assert "concession" in analysis.moves and (price, True) in offered(detector, text)


@pytest.mark.parametrize("text", ["Fair, $33 stands.",  # F21
                                  "You're right, the $33 still stands.", "My mistake, $24 stands as promised."])
def test_agreeing_then_keeping_a_number_honours_it(detector, text):
    # the number is put forward (an offer); a "stands" read beside it is a no that offers, which the session core
    # meets as engaging (reading.refused_with_an_offer)
    analysis = refused_with_an_offer(detector.detect(text))
    assert "hold_position" not in analysis.moves and "concession" in analysis.moves


@pytest.mark.parametrize("text", ["$25 stands.", "Sorry, $25 stands.", "Fair enough, but $25 stands."])
def test_keeping_a_number_without_conceding_the_point_still_holds(moves_of, text):
    assert moves_of(text) == {"hold_position"}


# -- offers the customer must hear (play-test R1, R3) -------------------------------------------------
@pytest.mark.parametrize("text, price, asks", [
    ("Sorry, sorry. Would $28 perhaps be OK?", 28.0, True),  # a hedged proposal has the form of a check
    ("I'm really sorry, I don't think I'm allowed to go lower. Maybe $27.50? If that's alright?", 27.5, True),
    ("Perhaps 26 a seat?", 26.0, True),
    # "how / what about <offer>?" suggests: the offer only (README convention, `moves.offers_proposed`)
    ("How about $24 a cartridge and we switch you to quarterly invoicing so it fits your budget?", 24.0, False),
    ("what about $31 an agent, so it sits inside what you need to spend?", 31.0, False),
    ("Hmm, 27.50 maybe?", 27.5, True),  # the hedge after the number
])
def test_a_hedged_proposal_is_a_concession_not_a_summary_or_a_refusal(detector, text, price, asks):
    analysis = detector.detect(text)
    assert "concession" in analysis.moves and ("closed_question" in analysis.moves) is asks
    assert "summary" not in analysis.moves
    assert "hold_position" not in refused_with_an_offer(analysis).moves  # "not allowed to go lower" + an offer
    assert [a.value for a in analysis.amounts if a.offered] == [price]


def test_a_price_asked_about_is_put_forward(detector):
    """"What do you think of $28 a vehicle?" asks the customer's view of a price the rep puts up (its question shape,
    open, is the question rules' call)."""
    analysis = detector.detect("What do you think of $28 a vehicle?")
    assert "concession" in analysis.moves and [a.value for a in analysis.amounts if a.offered] == [28.0]


@pytest.mark.parametrize("text", ["You mentioned maybe $22?", "Your budget is maybe $22, is that right?",
                                  "So a 15% lower total is the target, right?"])
def test_their_number_said_back_stays_theirs_however_hedged(detector, text):
    analysis = detector.detect(text)
    assert "concession" not in analysis.moves and all(a.offered is False for a in analysis.amounts)


def test_a_calculation_that_lands_on_a_unit_price_leaves_whose_price_open(detector):
    """"That's $25.50 a vehicle a month" spells out a unit price (the engine hears it where a close names it);
    a comparison or a saving is never a price put forward."""
    spelled = detector.detect("That's $25.50 a vehicle a month. Shall I draw up the three-year contract?")
    assert [(a.value, a.offered) for a in spelled.amounts] == [(25.5, None)] and "close" in spelled.moves
    assert [a.offered for a in detector.detect("That's $5 more than last year, I know.").amounts] == [False]
    assert [a.offered for a in detector.detect("We can offer $23; that saves you $3,600 a year.").amounts] == \
        [True, False]


@pytest.mark.parametrize("text", ["Sorry, sorry. What would help you most?", "Oh gosh, I'm so sorry.",
                                  "Sorry, sorry."])
def test_an_apology_is_not_a_refusal(moves_of, text):
    assert "hold_position" not in moves_of(text)
    assert "hold_position" in moves_of("Sorry, that is the price.")  # a refusal said with an apology still refuses


@pytest.mark.parametrize("text, expected, absent", [
    # a cost of the company's that rose is the reason given for a price (phrases/rationale.yml)
    ("Freight from Rotterdam doubled, and we can't absorb all of that.", {"rationale"}, set()),
    ("Energy bills for the bakery tripled over winter.", {"rationale"}, set()),
    ("Honestly the old price was below our cost, we were losing money on every unit.", {"rationale"}, set()),
    ("Running your account at a loss is not something I can do.", {"rationale"}, set()),
    ("I'll pass that on to my manager today.", set(), {"rationale"}),
    ("The new rate reflects the extra engineers we put on your account.", {"rationale"}, set()),
    # `ours`: the customer's own costs explain no price of ours
    ("I know your energy bills have doubled, that must be hard.", {"empathy"}, {"rationale"}),
    ("I'd be annoyed too if my bill jumped like that.", {"empathy"}, {"rationale"}),
    # absorbing a cost for them gives something
    ("We'll absorb the shipping cost for you this quarter.", set(), {"rationale"}),
])
def test_a_cost_that_rose_is_a_reason(moves_of, text, expected, absent):
    _reads(moves_of, text, expected, absent)


@pytest.mark.parametrize("text, expected, absent", [
    ("Hope this email finds you well. I've attached the revised quote.", {"greeting"}, set()),
    ("Trust you're well. Following up on our call.", {"greeting"}, set()),
    ("How's your week going so far?", {"greeting"}, {"open_question"}),
    ("How are things on your side?", {"greeting"}, {"open_question"}),
    ("How are things going with the new warehouse?", {"open_question"}, {"greeting"}),
    ("I hope you're well aware of the deadline.", set(), {"greeting"}),
])
def test_the_opening_courtesies_of_an_email_or_a_chat_greet(moves_of, text, expected, absent):
    _reads(moves_of, text, expected, absent)


@pytest.mark.parametrize("text, expected, absent", [
    # the rep's own offer with its purpose ("so ...") restates nothing, whatever the classifier guesses
    ("I could offer quarterly invoicing so the cost is spread out.", {"value_add"}, {"summary"}),
    ("We can move the invoice to the 28th so it lands after payday.", {"value_add"}, {"summary"}),
    # a summary phrase still sums up, before or inside the offer
    ("So you need the cost spread out. I could offer quarterly invoicing.", {"summary", "value_add"}, set()),
    ("You said the invoice timing is the real problem, so I can bill you quarterly.", {"summary", "value_add"},
     set()),
])
def test_an_offer_with_its_purpose_is_no_summary(moves_of, text, expected, absent):
    _reads(moves_of, text, expected, absent)


@pytest.mark.parametrize("text, expected, absent", [
    # the cost behind a price, and information shared to explain it, are rationales
    ("it's not a random number - it's what the new courier charges us per parcel plus a small margin", {"rationale"},
     set()),
    ("the supplier put ours up and it's a straight pass-through", {"rationale"}, set()),
    ("Honestly the main driver is wages: our cleaners got the new living wage.", {"rationale"}, set()),
    ("What's the ideal monthly figure for you? For context, $23 is the lowest I can get approved.", {"rationale"},
     set()),
    ("I can do $31 an agent, the lowest I've been approved for.", {"rationale"}, set()),
    ("Switching providers usually takes about two weeks of staff time to migrate everything.", {"rationale"}, set()),
    # a price said again, with the turn saying so, gives nothing new: a hold
    ("We've been through this. $48.", {"hold_position"}, {"concession"}),
    ("As I said, £345 a month is the figure.", {"hold_position"}, {"concession"}),
    ("like i said, 30 a truck", {"hold_position"}, {"concession"}),
    ("£45 a session. Same as I said before.", {"hold_position"}, {"concession"}),
    ("As I said, I can do $23 if you sign today.", {"concession"}, {"hold_position"}),  # an offer still offers
    # a plain no in other words (seventh session): no room, a floor, the end of the matter, the same answer again
    ("There's no wiggle room on the lift-servicing rate, I'm afraid.", {"hold_position"}, set()),
    ("That's our floor on the boarding fee.", {"hold_position"}, set()),
    ("The hosting fee is £60 a month, full stop.", {"hold_position"}, {"concession"}),
    ("a cheaper rate? not happening", {"hold_position"}, set()),
    ("I have to respectfully decline a return to last year's pricing.", {"hold_position"}, set()),
    ("I've asked again and the answer is the same: £14 a box.", {"hold_position"}, {"concession"}),
    ("We'll need to stick with the quote from Tuesday.", {"hold_position"}, set()),
    ("The skip-hire charge stays where it is.", {"hold_position"}, set()),
    ("Same-day delivery isn't something we offer on this range.", {"hold_position"}, {"value_add"}),
    ("how much wiggle room does your budget have?", {"open_question"}, {"hold_position"}),
    ("Regardless of what you decide, thanks for your time today.", set(), {"hold_position"}),
    # blame, guilt and belittling in other words (seventh session); a size named to advise is no jab
    ("Surely a company your size can absorb a 4% rise.", {"pressure"}, set()),
    ("You will regret leaving, mark my words.", {"pressure"}, set()),
    ("We are going round in circles here.", {"pressure"}, set()),
    ("Let's be grown-ups about this.", {"pressure"}, set()),
    ("Other venues pay it without blinking.", {"pressure"}, set()),
    ("It's on you that you missed the notice.", {"pressure"}, set()),
    ("We've bent over backwards for your account already.", {"pressure"}, set()),
    ("For a shop your size, the Pro plan is the better fit.", set(), {"pressure"}),
    ("Could you think about that and let me know?", set(), {"pressure"}),
    # false deadlines, threats and jabs said in other words are pressure; their own deadline said back is not
    ("Sorry to be pushy, but I need a decision by four.", {"pressure"}, set()),
    ("I can do $33, but that's only good until I log off at five.", {"pressure"}, set()),
    ("If I don't hear back today the slot goes to the next school on the list.", {"pressure"}, set()),
    ("We'll have to suspend your deliveries if this drags on.", {"pressure"}, set()),
    ("Keep pushing and the discount disappears.", {"pressure"}, set()),
    ("You'd be mad to move 120 trucks over a few dollars.", {"pressure"}, set()),
    ("So to recap: you like the coffee, you hate the new price, and you need an answer by Friday.", {"summary"},
     {"pressure"}),
    # reflections said in other words sum up; "I hear what you're saying, but ..." brushes it aside
    ("Just recapping: 150 cartridges a month, budget set quarterly, happy with quality. Did I get it?", {"summary"},
     set()),
    ("What you're describing is a budget that was set before the increase was announced.", {"summary"}, set()),
    ("You're saying the new features don't help your team much.", {"summary"}, {"pressure"}),
    ("You need it cheaper and sooner. Fair summary?", {"summary"}, set()),
    ("I hear what you're saying, but I'm not able to change the terms.", {"hold_position"}, {"summary"}),
    # finalising and next steps in other words close
    ("Can I take that as a yes?", {"close"}, set()),
    ("Please sign and return the attached agreement at your convenience.", {"close"}, set()),
    ("Let me get that set up for you right away.", {"close"}, set()),
    ("All done, your new price is live.", {"close"}, set()),
    ("Hey, no pressure at all. Think it over and I'll check in Thursday morning.", {"close"}, set()),
    ("It's okay to take time. If you need a week to talk to the partners, I'll keep the offer open until then.",
     {"close"}, set()),
    # a condition said formally or inverted still trades; "should you need anything" trades nothing
    ("Were you to pay the year upfront, I could bring it to £17 a month.", {"conditional_trade"}, set()),
    ("Should you order 1,000 cartridges this year, you'd get a 15% rebate.", {"conditional_trade"}, set()),
    ("So long as you order the uniforms by June, we'll embroider the school crest for free.", {"conditional_trade"},
     set()),
    ("Assuming you keep the current volume, I can go to $23.", {"conditional_trade"}, set()),
    ("Should you need anything else, just let me know.", set(), {"conditional_trade"}),
    # putting oneself in their place, and naming how hard it is, is empathy; thanks for their patience is not
    ("$6 a seat more after eight years, I'd be irritated too.", {"empathy"}, set()),
    ("Fair enough, I'd want to think it over too.", {"empathy"}, set()),
    ("That sounds really awkward with the partners.", {"empathy"}, set()),
    ("Seeing $48 after paying $42 for three years must have felt like a step backwards.", {"empathy"}, set()),
    ("I recognise that this places you in an awkward position with your partners.", {"empathy"}, set()),
    ("I really appreciate how patient you've been with us on this, Dana.", {"appreciation"}, {"empathy"}),
])
def test_moves_said_in_other_words(moves_of, text, expected, absent):
    """Phrases and passes added in the sixth session from the training split's out-of-fold misses
    (docs/evaluator.md, "Figures as measured")."""
    _reads(moves_of, text, expected, absent)
