"""Question forms of long, spoken-style turns (issue 15, round 4), each rule on its own.

The sentences are written for a renewal chat, in the rule's category (docs/evaluator.md, "Question shapes"),
never taken from an evaluation file.  Also the AnnoMI halves of bench/bench_annomi.py: deterministic and split by
conversation.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from parley import questions
from parley.questions import STATEMENT, Clause, Shape

ROOT = Path(__file__).resolve().parents[2]


def kind(verdict) -> str | None:
    return verdict.kind.value if isinstance(verdict, Shape) else ("statement" if verdict is STATEMENT else None)


@pytest.fixture(scope="module")
def sentence(detector):
    """The sentence of a text that holds a marker word (the first sentence without one)."""
    def make(text: str, marker: str | None = None) -> questions.Sentence:
        sents = list(detector.read_many([text])[0].doc.sents)
        sent = next((s for s in sents if marker and marker in s.text), sents[0])
        stripped = sent.text.strip()
        return questions.Sentence(sent, " ".join(stripped.lower().split()), "?" in stripped)

    return make


@pytest.fixture(scope="module")
def clause(detector):
    def make(text: str) -> Clause:
        doc = detector.read_many([text])[0].doc
        return Clause.at(doc, 0, len(doc), "?" in text)

    return make


def moves(detector, text: str) -> set:
    return set(detector.detect(text).moves)


# -- anything_else: "any other questions?" is the courtesy "any questions?" is -----------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Do you have any other questions about the renewal?", "closed"),
    ("Are there any other questions I can answer?", "closed"),
    ("Do you have any other concerns about the renewal?", "open"),  # concerns invite more
    ("Is there anything else you'd want in the package?", "open"),
])
def test_any_other_questions_is_a_courtesy(clause, text, expected):
    assert kind(questions.anything_else(clause(text))) == expected


# -- wh_unmarked_statement: a relative clause inside a statement asks nothing ------------------------------------
@pytest.mark.parametrize("text, asks", [
    ("We can add the analytics module, which can help your team see the queue at a glance.", False),
    ("I spoke to Priya, who would sign the order on our side.", False),
    ("ok so between the two, which would you prefer", True),  # inverted: still asks without "?"
])
def test_a_relative_clause_without_a_question_mark_states(detector, text, asks):
    found = moves(detector, text)
    assert bool(found & {"open_question", "closed_question"}) is asks


def test_the_relative_rule_on_its_own(detector):
    doc = detector.read_many(["We can add the module, which can help your team."])[0].doc
    i = next(t.i for t in doc if t.lower_ == "which")
    assert questions.wh_unmarked_statement(Clause.at(doc, i, len(doc), False)) is STATEMENT


# -- quoted: a quotation opened in an earlier sentence ------------------------------------------------------------
def test_a_question_quoted_across_sentences_is_reported_not_asked(detector):
    text = 'So your finance team thinks, "Fine. But what if the volumes drop next year?"'
    assert not moves(detector, text) & {"open_question", "closed_question"}
    doc = detector.read_many([text])[0].doc
    last = list(doc.sents)[-1]
    assert questions.quoted(last, last.start)


def test_a_question_after_a_closed_quotation_still_asks(detector):
    assert "open_question" in moves(detector, 'They said "no way". What would change their mind?')


# -- rhetorical_jab: reproaches with one possible answer ----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Don't you know what happens to your rate if you leave mid-term?",
    "Dont you realise how much this saves you?",
    "What could be more important than keeping your team online?",
])
def test_a_reproach_or_a_question_with_one_answer_is_rhetorical(sentence, text):
    assert kind(questions.rhetorical_jab(sentence(text))) == "rhetorical"


@pytest.mark.parametrize("text", [
    "Don't you think the annual plan would suit you better?",  # a suggestion put for a yes or a no
    "What could be most important for your team this year?",
])
def test_a_suggestion_or_a_plain_question_is_not_rhetorical(sentence, text):
    assert questions.rhetorical_jab(sentence(text)) is None


# -- indirect_question: "I'm wondering if you could tell me ..." hands the floor over, even without "?" -------------
@pytest.mark.parametrize("text, expected", [
    ("So I'm wondering if you can tell me a bit about how the team uses the tool right now.", "open"),
    ("I was wondering if you could walk me through the budget process", "open"),
    ("I'm wondering whether it's worth trying a different approach.", None),  # musing aloud
    ("I wonder if the price is the real issue here.", None),
])
def test_a_wondered_request_to_talk_asks_without_a_question_mark(sentence, text, expected):
    assert kind(questions.indirect_question(sentence(text))) == expected


# -- scale_question: a scale named, then a feeling asked about ------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("On a scale of 0 to 10, 10 being very sure, how are you feeling about the two options?", None),
    ("On a scale of 1 to 10, how do you feel about the new rate?", None),
    ("On a scale of 1 to 10, what number would you give the support team?", "closed"),
])
def test_a_scale_then_a_feeling_asks_them_to_explain(sentence, text, expected):
    assert kind(questions.scale_question(sentence(text))) == expected


def test_a_scale_then_a_feeling_reads_open(detector):
    found = moves(detector, "On a scale of 0 to 10, how are you feeling about the two options?")
    assert "open_question" in found and "closed_question" not in found


# -- said_as_a_question: calling someone by name ----------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Mr. Okafor?", "statement"),
    ("Ms Lee?", "statement"),
    ("Tuesday?", "closed"),  # one fact offered for a yes or a no
])
def test_a_name_called_is_no_question(sentence, text, expected):
    assert kind(questions.said_as_a_question(sentence(text))) == expected


# -- the AnnoMI halves --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bench_annomi():
    spec = importlib.util.spec_from_file_location("bench_annomi_under_test", ROOT / "bench" / "bench_annomi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_halves_split_by_conversation_deterministically(bench_annomi):
    rows = [{"id": f"annomi-{c}-{n}", "text": "x", "label": "no_question"} for c in (2, 10, 3, 11, 1) for n in range(3)]
    a, b = bench_annomi.halves(rows)
    assert {bench_annomi.conversation(r["id"]) for r in a} == {"annomi-1", "annomi-3", "annomi-11"}
    assert {bench_annomi.conversation(r["id"]) for r in b} == {"annomi-2", "annomi-10"}
    assert bench_annomi.halves(list(reversed(rows)))[0] == list(reversed(a))  # the order of the rows does not matter
    assert len(a) + len(b) == len(rows)


def test_the_halves_report_aggregates_only(bench_annomi):
    figures = bench_annomi.figures(["open_question", "closed_question", "no_question"],
                                   ["open_question", "open_question", "no_question"])
    assert figures["open_question"]["f1"] == pytest.approx(2 / 3, abs=0.01)
    assert figures["closed_question"]["recall"] == 0


# -- round 4, from the training split's out-of-fold confusions ----------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Can you just tell me what it would take to keep you?", "open"),  # a softener before the verb
    ("Could you perhaps walk me through the sign-off?", "open"),
    ("Can you just confirm the seat count?", None),  # not a request to talk: the next rules decide
])
def test_a_request_to_talk_past_a_softener(clause, text, expected):
    assert kind(questions.request_to_talk(clause(text))) == expected


@pytest.mark.parametrize("text, expected", [
    ("What's the timeline you're working to?", "closed"),  # a date, though a clause follows the noun
    ("What's the deadline you've been given?", "closed"),
    ("What's the budget you're working with?", None),  # not a date: the next rules decide (open)
])
def test_a_date_noun_before_a_clause_is_one_fact(clause, text, expected):
    assert kind(questions.what_date(clause(text))) == expected


@pytest.mark.parametrize("text", ["How does that sit with you?", "How does this land?"])
def test_how_does_that_sit_checks_agreement(clause, text):
    assert kind(questions.how_does_that_sound(clause(text))) == "check"


def test_how_r_u_is_a_greeting(sentence):
    assert kind(questions.small_talk(sentence("hi hi, how r u doing today?"))) == "phatic"


@pytest.mark.parametrize("text", ["What exactly did you expect, a gift?", "Why are we still talking about $2?"])
def test_more_jabs_are_rhetorical(sentence, text):
    assert kind(questions.rhetorical_jab(sentence(text))) == "rhetorical"


@pytest.mark.parametrize("text, expected", [
    ("What we can do for you?", None),  # a learner's question in statement order: the wh-rules decide (open)
    ("Why you want change now?", None),
    ("What I'm hearing is you need more time?", "statement"),  # built on "is": a summary said as a question
    ("What you said makes sense.", "statement"),
    ("What we can do, if you sign today, is $23?", "statement"),  # a clause break inside: a statement
])
def test_a_question_left_in_statement_order(clause, text, expected):
    assert kind(questions.wh_subject_clause(clause(text))) == expected


@pytest.mark.parametrize("text", ["What we can do for you?", "Why you want change now?", "how I can help you?"])
def test_a_learners_question_reads_open(detector, text):
    found = moves(detector, text)
    assert "open_question" in found and "closed_question" not in found


def test_which_is_after_a_comma_is_a_relative_clause(detector):
    found = moves(detector, "You've recommended us to others, which is the best compliment we get.")
    assert not found & {"open_question", "closed_question"}


@pytest.mark.parametrize("text, expected", [
    ("Did you catch the match last night?", "statement"),
    ("Is it snowing where you are?", "statement"),
    ("Did the snow delay your deliveries?", None),  # about the customer's business: a real question
    ("Did you see the match-day price of $30?", None),  # a number: the deal is in it
    ("Are you watching the football with the team or is the contract review on?", None),  # a word of the deal
])
def test_a_yes_no_question_about_the_weather_or_a_game_is_small_talk(sentence, text, expected):
    assert kind(questions.small_talk_question(sentence(text))) == expected


def test_small_talk_asks_no_question(detector):
    found = moves(detector, "Did you catch the match last night?")
    assert not found & {"open_question", "closed_question"}
