"""Empathy and its look-alikes (parley/empathy.py), read through the whole detector."""

from __future__ import annotations

import pytest

from parley.moves import Candidate


def test_dismissive_i_understand_but_is_a_refusal_not_empathy(moves_of):
    assert moves_of("I understand, but the price is the price.") == {"hold_position"}
    assert "empathy" not in moves_of("I hear you, but we don't match competitor prices.")
    assert "empathy" not in moves_of("Sorry, no, we can't go under $24.")


def test_acknowledgement_then_a_separate_refusal_is_both(moves_of):
    assert moves_of("I understand this is frustrating. Unfortunately I can't change the rate.") == \
        {"empathy", "hold_position"}


@pytest.mark.parametrize("text", [
    "Apologies for the confusion over the new rates.",
    "that must be stressful with the team already stretched",
    "Oh no, that's the opposite of what we want for you.",
    "I completely understand why a 25% jump would worry you.",
    "That makes sense, nobody budgets for a rise mid-year.",  # validating what they said
    "Glad to hear the machines have held up.",
    "Don't worry, we'll get the invoice corrected.",
    "Sounds like you're pretty upset with us for springing it on you?",  # a reflection of feeling
])
def test_empathy_in_several_forms_and_inflections(moves_of, text):
    assert "empathy" in moves_of(text)


@pytest.mark.parametrize("text", [
    "Does that make sense?",  # checks they followed, acknowledges nothing
    "I hope that makes sense.",
    "That doesn't make sense to me.",
    "I'm worried we'd run at a loss on that.",  # the speaker's own feeling, not theirs
])
def test_look_alikes_of_validation_are_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


def test_a_bare_acknowledgement_brushed_aside_in_the_next_sentence_is_a_refusal(moves_of):
    assert moves_of("Makes sense. But the price is fixed for everyone.") == {"hold_position"}
    assert "empathy" in moves_of("That makes sense given your budget. But the price is fixed for everyone.")


@pytest.mark.parametrize("text", [
    "sorry, I meant $23", "Sorry?", "I don't understand what you mean.",
    "Sorry, I didn't see your last message.",  # the rep's own slip in the chat
    "sorry, I thought that I'd already sent the quote",
    "Sorry, I realised I quoted last year's price.",
])
def test_apologising_for_a_typo_or_a_slip_of_ones_own_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


def test_an_apology_for_how_the_customer_was_treated_is_empathy(moves_of):
    assert "empathy" in moves_of("i'm sorry, i didnt mean to be short with you.")
    assert "empathy" not in moves_of("sorry, didn't mean to send that yet")


def test_an_apology_for_the_customers_trouble_stays_empathy_next_to_a_slip(moves_of):
    assert "empathy" in moves_of("I'm so sorry you were caught out, I didn't see the notice went out late.")
    assert "empathy" in moves_of("Sorry, I realise this is a big jump for you.")


@pytest.mark.parametrize("text", [
    "Oh no. I need the upgrade included too.",  # dismay at a clash of needs
    "Oh no. I really need you to sign for 12 months first.",  # "you" as the object of the speaker's need
    "I'm sorry. I would really like the three-year term, because budgets are set for us.",  # softens a request
])
def test_a_bare_apology_or_groan_that_leads_into_ones_own_need_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)
    assert "empathy" in moves_of("Oh no. We have to get this fixed for you today.")
    assert "empathy" in moves_of("I'm so sorry. I would be upset too.")


@pytest.mark.parametrize("text", ["I'm sorry, the broadband price is what it is.",
                                  "Sorry Noor, there's no room to move on it."])
def test_an_apology_that_leads_straight_into_a_no_is_a_refusal(moves_of, text):
    assert moves_of(text) == {"hold_position"}


@pytest.mark.parametrize("text", ["I'm sorry, $42 isn't something I'm able to offer.",
                                  "Sorry, that isn't something we can do."])
def test_an_apology_wrapped_round_a_no_is_a_refusal(moves_of, text):
    assert moves_of(text) == {"hold_position"}
    assert "empathy" in moves_of("I'm sorry this isn't something you expected.")


@pytest.mark.parametrize("text", ["Apologies, my headset cut out.", "Sorry, the page just refreshed itself."])
def test_apologising_for_a_technical_hiccup_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


def test_a_bare_apology_that_only_announces_a_no_is_a_refusal(moves_of):
    assert moves_of("I'm sorry. We can't go lower than $25.") == {"hold_position"}
    assert moves_of("I'm sorry. I can't imagine how hard that has been.") == {"empathy"}


@pytest.mark.parametrize("text, empathy", [
    ("i cant imagine what that week was like for u", True),
    ("I couldn't even imagine running a shop through that.", True),
    ("That can't have been easy for the team.", True),
    ("I can't imagine you'd find a better price anywhere.", False),  # "I doubt", said of the deal: no sympathy
])
def test_sympathy_said_with_a_negated_verb_is_empathy(moves_of, text, empathy):
    assert ("empathy" in moves_of(text)) is empathy


@pytest.mark.parametrize("text", ["That doesn't sound fair to me.", "that's not good for us"])
def test_the_speakers_own_verdict_on_a_proposal_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


@pytest.mark.parametrize("text", ["That's not fair on you.", "I can definitely relate to that.",
                                  "That's good news about the new contract."])
def test_validating_their_side_is_empathy(moves_of, text):
    assert "empathy" in moves_of(text)


@pytest.mark.parametrize("text, empathy", [
    ("I understand you're reviewing suppliers this quarter.", False),  # "I gather", not "I feel for you"
    ("I understand you're not happy with the increase.", True),
    ("I hear you've had a tough quarter.", True),
    ("I understand that your team is stretched.", True),  # a strain on them is a difficulty too
    ("I get that budgets are tight this year.", True),
])
def test_i_understand_you_is_empathy_only_about_a_feeling_or_a_difficulty(moves_of, text, empathy):
    assert ("empathy" in moves_of(text)) is empathy


def test_our_price_is_our_price_is_a_refusal_even_after_i_understand(moves_of):
    assert moves_of("I understand, but our price is our price.") == {"hold_position"}


def test_no_as_a_determiner_does_not_turn_an_apology_into_a_refusal(moves_of):
    moves = moves_of("I know switching 30 agents mid-year is no small thing and I'm sorry we've put you in this "
                     "position.")
    assert "empathy" in moves and "hold_position" not in moves
    assert moves_of("No, sorry, that's the price.") == {"hold_position"}


@pytest.mark.parametrize("text", ["I hear you, but everyone's paying $25 now.", "Sorry you feel that way.",
                                  "I understand, but the price is $25 for everyone.",
                                  "I understand, but the new rate is 25 now",
                                  "price is 25 now sorry", "The price is $25 now, sorry."])
def test_brush_offs_and_the_non_apology_are_refusals(moves_of, text):
    assert moves_of(text) == {"hold_position"}
    assert "empathy" in moves_of("I'm sorry you feel let down by the way we handled it.")


# -- an apology for the speaker's own state (play-test finding F8) ---------------------------------
@pytest.mark.parametrize("text", [
    "Sorry, I'm starving. Do you have a good lasagne recipe?",
    "sry im half asleep lol",
    "Sorry, I've been on calls all morning.",
    "Apologies, I'm running late today.",
    "I'm sorry, I would really like to close this today.",
])
def test_an_apology_for_ones_own_state_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


@pytest.mark.parametrize("text", [
    "Sorry, I know that's a lot to take in.",
    "I'm so sorry, I'd be furious too.",
    "Sorry, I didn't realise the increase landed mid-quarter.",
    "I'm sorry, I really am.",
    "Sorry, I'm aware this jump hurts your cash flow.",
])
def test_an_apology_that_turns_to_the_customer_is_still_empathy(moves_of, text):
    assert "empathy" in moves_of(text)


# -- acknowledging the other side's situation (issue 15: DESIGN.md's "acknowledges feelings/situation") -----
@pytest.mark.parametrize("text", [
    "I understand you need the water for your kids.",
    "I understand that your son is in hospital this week.",
    "I know you're swamped with the audit this month.",
    "I understand you're under a lot of pressure from finance.",
])
def test_acknowledging_their_situation_is_empathy(moves_of, text):
    assert "empathy" in moves_of(text)


@pytest.mark.parametrize("text", [
    "I understand you're reviewing suppliers this quarter.",  # a fact they told: "I gather"
    "I understand you need a 15% cut.",  # their ask restated: no circumstance weighs on them
    "I understand your partners need to sign off.",  # business partners: not a hardship
])
def test_i_understand_you_with_a_neutral_fact_is_still_no_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


def test_the_situation_words_are_data(detector):
    from parley import empathy
    assert {"kid", "sick", "deadline"} <= empathy.SITUATION and "budget" not in empathy.SITUATION
    assert "sorry" in empathy.CUES and "understand" in empathy.ACKNOWLEDGE
    import yaml
    data = yaml.safe_load(empathy.WORDS_FILE.read_text(encoding="utf-8"))
    for name, words in data.items():
        assert len(words) == len(set(words)), f"{name}: a word listed twice"
    doc = detector.nlp("I know your kids need it. I could get this extra water if you have kids.")
    first, second = list(doc.sents)
    assert empathy.acknowledges_situation(first)
    assert not empathy.acknowledges_situation(second)  # "I could get" acquires; it acknowledges nothing


@pytest.mark.parametrize("text", ["yeah that sucks. can do 23 tho", "oh no, hope he gets better soon",
                                  "That's a big jump, I'd be mad too."])
def test_sympathy_for_their_situation_is_empathy(moves_of, text):
    assert "empathy" in moves_of(text)
    assert "empathy" not in moves_of("I hope the new quote is better for you.")


def test_hearing_about_their_trouble_is_not_the_speakers_own_feeling(detector):
    from parley import empathy
    doc = detector.nlp("I hear the new price has been a real problem.")
    assert not empathy.own_feelings(next(iter(doc.sents)))
    doc = detector.nlp("I'm worried we'd run at a loss on that.")
    assert empathy.own_feelings(next(iter(doc.sents)))


# -- brush-offs and look-alikes found on the training split's out-of-fold readings -------------------
@pytest.mark.parametrize("text", [
    "I hear you. But we can't move on the price.",  # the bare formula, brushed aside next
    "I hear you. The rate stays as quoted though.",  # the "but" said at the end
    "I understand, but my hands are tied on the unit price.",
    "I understand, but the fleet price is the same for every customer.",
    "No discount, sorry.",
    "we're not dropping below 46, sorry",
])
def test_more_brush_offs_are_refusals_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text) and "hold_position" in moves_of(text)


@pytest.mark.parametrize("text", [
    "I'm not going to apologise for a price that's still below the market average.",
    "Sorry, wrong chat window.",
    "Have I understood that correctly?",
])
def test_a_refused_apology_a_slip_or_a_check_is_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)
    assert "empathy" in moves_of("No problem, sorry for the wait.")


@pytest.mark.parametrize("text", [
    "I get that you're upset, but honestly, you should have read the renewal email.",  # the "but" blames them
    "Still $25, sorry.",
    "Sorry Grace, the flour price is set centrally.",
])
def test_blame_or_a_bare_price_next_to_the_formula_is_no_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)


@pytest.mark.parametrize("text", ["sorry, what?", "I'm sorry, can we come back to the price in a minute?",
                                  "Sorry, can you remind me of your company name?",
                                  "The way I understand it, your partners approve spending once a year."])
def test_sorry_as_excuse_me_and_i_understand_as_i_gather_are_not_empathy(moves_of, text):
    assert "empathy" not in moves_of(text)
    assert "empathy" in moves_of("I'm so sorry, is the new rate hurting you badly?")  # the question feels with them


@pytest.mark.parametrize("text", ["You're right that it went up a lot.", "ur right, we messed up the notice. my bad"])
def test_validating_their_complaint_with_its_content_is_empathy(moves_of, text):
    assert "empathy" in moves_of(text)


def test_an_acknowledged_feeling_word_needs_no_you(detector):
    """"I know the upfront payment is hard right now": the classifier's empathy may stand on an acknowledging
    verb and a feeling word, without "you" or "that"."""
    c = Candidate(detector.read_many(["I know the upfront payment is hard right now."])[0])
    assert c.empathy_ok(0)
    c = Candidate(detector.read_many(["The upfront payment is hard."])[0])
    assert not c.empathy_ok(0)


def test_about_self_is_the_speakers_own_wants_with_no_word_for_the_other_side(detector):
    from parley import empathy
    first, second, third = detector.nlp("I know my sister and I want to make pancakes. I know you want it sorted. "
                                        "I know, the jump is big.").sents
    assert empathy.about_self(first)
    assert not empathy.about_self(second) and not empathy.about_self(third)


@pytest.mark.parametrize("text, plausible", [
    # a verdict on the deal agrees; it feels nothing for them (CaSiNo's "sounds reasonable", read out of fold)
    ("sounds reasonable", False),
    ("I think that sounds reasonable, i dont get too thirsty!", False),
    ("ok that's fine, we can do it", False),
    ("That works for me.", False),
    # the same opening that turns to them afterwards, validation and a situation may still be empathy
    ("That's fine, and I'm glad you said it.", True),
    ("That's fair.", True),
    ("It sounds like a rough month for your team.", True),
])
def test_a_verdict_on_the_deal_never_carries_the_classifiers_empathy(detector, text, plausible):
    """Agreement is not empathy (docs/evaluator.md, "Taxonomy decisions"): however sure the classifier is, a
    sentence that opens with a verdict on the deal and does not turn to the other side gets no empathy from it."""
    assert Candidate(detector.read_many([text])[0]).empathy_plausible(0) is plausible
