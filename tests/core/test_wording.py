"""The wording of a turn as typed values (parley/wording.py): its words and a record per question asked."""

from __future__ import annotations

from parley.moves import Analysis, Detection
from parley.questions import Kind
from parley.taxonomy import Claim
from parley.wording import Count, Question, content_words, mentions, number_after, phrase_words, words_of


def _only(analysis: Analysis, move: str | None = None) -> Question:
    found = analysis.questions({move} if move else {"open_question", "closed_question", "summary"})
    assert len(found) == 1, [q.text for q in analysis.questions()]
    return found[0]


# -- words -------------------------------------------------------------------------------------------

def test_words_are_lower_cased_tokens_with_their_span_and_sentence() -> None:
    words = words_of("Prices rose. I can do $23!")
    assert [w.text for w in words] == ["prices", "rose", ".", "i", "can", "do", "$", "23", "!"]
    assert [w.sentence for w in words] == [0, 0, 0, 1, 1, 1, 1, 1, 1]
    do = words[5]
    assert "Prices rose. I can do $23!"[do.start:do.end] == "do"


def test_chat_shorthand_for_years_after_a_number_reads_as_the_word() -> None:
    for said in ("3 yrs", "3-yr", "3yrs"):
        assert [w.text for w in words_of(f"how about {said} at $27?")][2:4] == ["3", "years" if "s" in said else "year"]
    assert "yrs" in [w.text for w in words_of("how many yrs?")]  # no number before it: left as written


def test_a_phrase_is_matched_word_by_word_and_a_starred_one_as_a_word_beginning() -> None:
    said = [w.text for w in words_of("So how many do you order, and is shipping included?")]
    assert mentions(said, ["how many"]) and mentions(said, ["includ*"])
    assert not mentions([w.text for w in words_of("however many you like")], ["how many"])
    assert not mentions(said, ["includes"])  # without a star, the whole word
    assert phrase_words("walk-away price") == ("walk", "-", "away", "price")
    assert mentions([w.text for w in words_of("what's your walk-away price?")], ["walk-away price"])


def test_content_words_leave_out_what_says_nothing_about_the_topic() -> None:
    assert content_words("What matters most to you about the quarterly budget?") == {"quarter", "budget"}
    assert content_words("What worries you?") == content_words("Are you worried?")


def test_the_words_after_a_number_in_a_persona_text() -> None:
    assert number_after("a regional haulier with 120 trucks and 1,200 drivers", 120) == ("trucks",)
    assert number_after("a regional haulier with 1200 drivers", 1200) == ("drivers",)


# -- question records ---------------------------------------------------------------------------------

def test_each_question_is_a_record_with_its_move_shape_span_and_words(detector) -> None:
    text = "Thanks for your patience. How many cartridges do you order each month?"
    analysis = detector.detect(text)
    q = _only(analysis, "closed_question")
    assert q.kind is Kind.closed and text[q.start:q.end] == q.text == "How many cartridges do you order each month?"
    assert q.words[:3] == ("how", "many", "cartridges") and q.wh_start and not q.what_is
    assert q.mentions(["how many cartridges"]) and not q.mentions(["how many trucks"])
    assert "cartridg" in q.content and "cartridges" in q.plain


def test_a_yes_no_question_joined_by_a_comma_is_part_of_what_the_quoted_one_asks_about(detector) -> None:
    q = _only(detector.detect("Would a fixed price help, and how long would you want it for?"))
    assert q.text == "how long would you want it for?"  # feedback quotes the clause that asks
    assert {"fixed", "pric", "long"} <= q.content  # the topic is the price too
    statement = _only(detector.detect("We have fixed prices across the board, and how long would you want it for?"))
    assert "pric" not in statement.content  # a statement before the comma is not asked


def test_the_flags_of_a_question_are_read_from_its_form(detector) -> None:
    assert _only(detector.detect("What's your accountant's name?"), "open_question").what_is
    assert not _only(detector.detect("What's worrying you most?"), "open_question").what_is
    assert _only(detector.detect("How long a contract would you consider?")).preference
    assert _only(detector.detect("Is it the price or the delivery?"), "closed_question").either_or
    assert not _only(detector.detect("Is it the price or not?"), "closed_question").either_or
    assert _only(detector.detect("How many trucks are you adding next year?"), "closed_question").change
    joke = detector.detect("Why did the procurement manager cross the road? To get a better quote!")
    assert _only(joke, "open_question").self_answered
    assert not any(q.self_answered for q in detector.detect("Why did you move to us? Tell me more.").questions())


def test_figures_and_counts_put_in_a_question_are_typed_values(detector) -> None:
    paid = _only(detector.detect("Were you paying $20 before?"), "closed_question")
    assert [(f.value, f.currency) for f in paid.figures] == [(20.0, True)]
    assert _only(detector.detect("Is it 15% less?"), "closed_question").figures == ()  # a percentage is no figure
    count = _only(detector.detect("Do you still order 150 a month?"), "closed_question").counts
    assert count == (Count(150.0, True, False, ("a", "month", "?")),)
    trucks = _only(detector.detect("Do you run 200 trucks?"), "closed_question").counts[0]
    assert trucks.value == 200 and trucks.counts(["trucks"]) and not trucks.counts(["seats"])
    assert _only(detector.detect("So it's 1,500 now?")).counts[0].alone
    assert _only(detector.detect("Are you paying $150 a month?"), "closed_question").counts == ()  # money


def test_question_records_travel_with_the_analysis_and_old_analyses_still_load(detector) -> None:
    analysis = detector.detect("How many cartridges do you order? And what's your budget?")
    assert analysis.asked is not None and analysis.asked == analysis.questions()
    again = Analysis.from_dict(analysis.to_dict())
    assert again.asked == analysis.asked and again == analysis
    stored = analysis.to_dict()
    del stored["questions"]  # an analysis stored before the records existed
    old = Analysis.from_dict(stored)
    assert old.asked is None
    assert [(q.move, q.text, q.wh_start, q.figures) for q in old.questions()] == \
        [(q.move, q.text, q.wh_start, q.figures) for q in analysis.questions()]


def test_a_question_detection_added_later_gets_a_record_worked_out_from_its_words() -> None:
    text = "Any plans for the holidays?"
    added = Analysis(text, ("closed_question",), (Detection("closed_question", 0, len(text), text, text, "persona",
                                                            1.0),), asked=())
    assert [q.text for q in added.questions()] == [text] and added.questions()[0].kind is None
    assert Analysis(text, ("other",), ()).questions() == ()


# -- what the customer hears in a question (phrases: parley/data/listening.yml) ------------------------

def _record(text: str, move: str = "closed_question") -> Question:
    found = Analysis(text, (move,), (Detection(move, 0, len(text), text, text, "pattern", 1.0),)).questions({move})
    assert len(found) == 1
    return found[0]


def test_a_record_holds_what_it_claims_about_the_customer() -> None:
    assert _record("So you've decided to move to the other tool?").claims == {Claim.leaving}
    assert _record("So you’re not going to switch?").claims == frozenset()  # negated (curly apostrophe too)
    assert _record("So you might switch?").claims == frozenset()  # hedged
    assert _record("So you'll switch unless we close the gap?").claims == frozenset()  # conditional
    assert _record("So you'll stay or switch?").claims == frozenset()  # both ways: neither
    assert _record("It's all about the price for you.", "summary").claims == {Claim.price_only}


def test_a_record_knows_a_summing_up_question_and_words_about_the_customer() -> None:
    so = _record("So you're leaving us?")
    assert so.sums_up and so.about_you
    assert _record("In other words, the price?").sums_up and not _record("In other words, the price?").about_you
    assert not _record("Would $28 be OK?").sums_up and not _record("Would $28 be OK?").about_you
    assert _record("Sounds like ur team needs more seats?").about_you  # chat shorthand for "your"
    assert not _record("Are we good?").sums_up


def test_a_record_knows_a_feelings_word_and_a_deal_word() -> None:
    feel = _record("How does that make you feel?", "open_question")
    assert feel.feelings and not feel.names_deal
    deal = _record("How do you feel about a longer contract?", "open_question")
    assert deal.feelings and deal.names_deal
    plain = _record("What would make the renewal fair?", "open_question")
    assert not plain.feelings and plain.names_deal


def test_offers_and_closes_get_a_record_with_their_span_but_are_not_asked_questions() -> None:
    text = "I can do $44. Shall we go ahead?"
    analysis = Analysis(text, ("concession", "close"), (
        Detection("concession", 0, 13, "I can do $44.", "I can do $44.", "pattern", 1.0),
        Detection("close", 14, len(text), "Shall we go ahead?", "Shall we go ahead?", "pattern", 1.0)))
    offer, close = analysis.questions({"concession", "close"})
    assert (offer.start, offer.end) == (0, 13) and text[close.start:close.end] == "Shall we go ahead?"
    assert analysis.questions() == ()  # the persona's reading asks only about questions and summaries


def test_the_hearing_travels_with_the_record_and_an_old_record_reads_it_again() -> None:
    record = _record("So you've made up your mind to leave?")
    assert Question.from_dict(record.to_dict()) == record
    stored = record.to_dict()
    del stored["claims"]  # stored before the hearing was recorded
    stored["flags"] = [f for f in stored["flags"] if f not in {"sums_up", "about_you", "feelings", "names_deal"}]
    assert Question.from_dict(stored) == record
