"""Question shapes (parley/questions.py): open, closed, proposals, checks, and what only looks like a question."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, kind", [
    ("What matters most to you in a supplier?", "open_question"),
    ("Tell me about your budget", "open_question"),  # no question mark, still an invitation
    ("Could you walk me through how the cartridges get used?", "open_question"),
    ("I'm curious what made you start looking at other options.", "open_question"),
    ("So, wondering what made you look elsewhere.", "open_question"),  # the "I'm" dropped
    ("So, in what ways has the increase changed your plans?", "open_question"),
    ("How many cartridges do you order each month?", "closed_question"),
    ("Would you prefer monthly or quarterly invoices?", "closed_question"),
    ("Is the contract in your name?", "closed_question"),
    ("Is there anything else I can help with?", "closed_question"),
    ("How important is next-day delivery to you?", "open_question"),  # weighing a priority, not one fact
    ("Which of those matters most to your board?", "open_question"),  # weighing, like "how important"
    ("Which plan are you on?", "closed_question"),
    ("And what sort of situations come up?", "open_question"),  # a description, not a category
    ("What kind of plan are you on?", "closed_question"),
    ("When was a time a supplier really got it right for you?", "open_question"),  # a story, not a date
    ("When was the last time you ordered?", "closed_question"),
    ("how much of your volume comes in over whatsapp at the moment", "closed_question"),  # no "?" typed
    ("On a scale of 1 to 10, how confident are you in next year's volumes?", "open_question"),
    ("On a scale of 1 to 10, what number would you give us?", "closed_question"),
    ("W-what would make staying worth it for you?", "open_question"),  # a false start typed as said
    ("What's-how is the new price affecting the shop?", "open_question"),  # a restart mid-question
    ("do you have a budget in mind", "closed_question"),  # chat drops the question mark
    ("in what ways would the new pricing affect your team", "open_question"),  # inverted: asks, without "?"
    ("So what'd you think about the two options?", "open_question"),  # "what'd" = "what did"
    ("Could you check the invoice and tell me if the total looks right?", "closed_question"),  # "tell me if": yes/no
    ("Do you have a budget in mind for next year or?", "open_question"),  # "... or?" leaves the options to them
    ("About how many cartridges do you use a month?", "closed_question"),  # "about" = roughly: a figure
    ("to what extent does the price matter", "open_question"),
    ("Are you thinking of switching to another supplier?", "closed_question"),  # not "can you think of ..."
])
def test_question_shape_decides_open_or_closed(moves_of, text, kind):
    found = moves_of(text)
    assert kind in found
    assert ({"open_question", "closed_question"} - {kind}).isdisjoint(found)


def test_small_talk_and_rhetorical_questions_are_not_questions(moves_of):
    assert moves_of("hi, how are you today?") == {"greeting"}
    found = moves_of("Do you really think anyone will beat this price?")
    assert "pressure" in found and not {"open_question", "closed_question"} & found


def test_a_pseudo_cleft_is_a_summary_not_a_question(moves_of):
    found = moves_of("So what I'm hearing is the timing hurts more than the amount.")
    assert "summary" in found and "open_question" not in found


@pytest.mark.parametrize("text", [
    "Might I ask what you will need from the software over the next few years?",
    "hi jordan what would it take to keep you",  # greeting, name, question, no "?"
    "What is for you most important in this renewal",
    "whats ur finance person looking at",
    "wat is it about relaydesk thats winning you over?",
    "oh no, so sorry! what would make this right for you",
])
def test_open_questions_as_people_type_them(moves_of, text):
    assert "open_question" in moves_of(text)


def test_a_statement_built_on_what_is_not_a_question(moves_of):
    assert not {"open_question", "closed_question"} & moves_of("What would help is a longer contract.")


def test_a_so_statement_with_a_question_mark_checks_understanding(moves_of):
    assert moves_of("ok so its the whatsapp/sms stuff mostly?") == {"summary"}
    assert "summary" not in moves_of("So you'll sign today?")


def test_a_which_is_why_clause_is_not_a_question(moves_of):
    found = moves_of("Our supplier raised prices 18%, which is why list went to $25, but I can do $24 for you.")
    assert not {"open_question", "closed_question"} & found and "concession" in found


@pytest.mark.parametrize("text", [
    "We talked last time about how the price rise had hit your margins.",  # "about how ..." reports
    "From what I've heard from other customers, the switch takes a month.",
    "It sounds like you've got some ideas on how to cut the ink bill.",
    'Some customers think, "why pay more for the same toner?" and I get that.',  # someone's words, quoted
])
def test_wh_words_inside_a_statement_ask_nothing(moves_of, text):
    assert {"open_question", "closed_question"}.isdisjoint(moves_of(text))


@pytest.mark.parametrize("text", ["What did you pay before?", "what were you paying before?",
                                  "What do you spend on toner a month?"])
def test_asking_what_they_pay_asks_for_a_figure(moves_of, text):
    assert moves_of(text) == {"closed_question"}
    assert moves_of("What would you be willing to pay?") == {"open_question"}


@pytest.mark.parametrize("text", ["Have you talked to finance about it?", "Did you talk to finance?",
                                  "Are you talking to other vendors?", "did you tell them about the rise?"])
def test_asking_whether_they_talked_is_a_closed_question(moves_of, text):
    assert moves_of(text) == {"closed_question"}


@pytest.mark.parametrize("text", ["Can you tell me more about that?", "would you walk me through it?",
                                  "could u explain what happened"])
def test_asking_them_to_talk_is_an_open_question(moves_of, text):
    assert moves_of(text) == {"open_question"}


@pytest.mark.parametrize("text", [
    "so wat does finance actually need 2 see from u?",  # play-test finding F20
    "ok so wats the biggest issue 4 u w the new price?",
    "and hw wud u want the contract set up?",
    "right, so, wat matters most 2 ur team?",
])
def test_a_chat_spelt_wh_word_after_fillers_still_opens_the_question(moves_of, text):
    moves = moves_of(text)
    assert "open_question" in moves and "summary" not in moves
