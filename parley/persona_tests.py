"""Conversation tests a trainer can write: trainee lines and what should happen, in YAML.

The format is the one of tests/e2e/conversations/*.yml (which the end-to-end suite plays over REST):

    title: the seed dialogue closes a deal at $23      # optional
    persona: price_increase_charlie
    difficulty: normal                                 # optional: the persona's default
    turns:
      - "Thank you for five years with us, Charlie..."
      - "I can offer $23 a cartridge, which saves you..."
      - "Or {reservation_price} a {unit}?"   # optional placeholders: {name} {product} {unit}
                                             # {list_price} {floor_price} {reservation_price}
      - say: "Do you want to leave then?"    # a turn with checks on the customer's reply to it:
        reply_mentions: [options, threaten]  #   the reply contains at least one of these (any case)
        reply_must_not_say: ["yes"]          #   ... and none of these (whole words, any case)
    expect:
      outcome: deal            # deal | walked_away | ended (nobody finished; the report was asked for)
      price: 23
      within_parameters: true
      overall_at_least: 75
      overall_at_most: 100
      feedback_mentions: "some words in the coach's feedback"
      customer_says: "some words in any customer reply"
      customer_never_says: [thanks for listening]   # no customer reply in the session says any of these
      revealed: [cash_flow]    # hidden interests that must have come out

A reply check fails with the turn's number, what the rep typed, what the customer answered and what was
expected, so a trainer can see at once which line to reword.  Words are matched whole and in any case:
`yes` does not match "yesterday"; a phrase (`thanks for listening`) matches as written.

A file holds one such test or a list of them.  `parley personas test` plays them offline through the
core Trainer (no Rasa server needed) and prints PASS / FAIL per conversation.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Literal, Union

from pydantic import Field, root_validator, validator

from parley.personas import (
    PERSONA_DIR,
    Difficulty,
    Ident,
    Persona,
    PersonaError,
    Problem,
    Schema,
    Text,
    display_path,
    read_text,
    read_yaml,
    schema_problems,
)

TEST_DIR = PERSONA_DIR / "tests"
Outcome = Literal["deal", "walked_away", "ended"]


def _words(value: Any) -> Any:
    """`reply_mentions: deal` means `[deal]`; a number is the words it is written as (`[150]`, `[22.5]`)."""
    def word(item: Any) -> Any:
        return f"{item:g}" if isinstance(item, (int, float)) and not isinstance(item, bool) else item

    return [word(value)] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else \
        [word(v) for v in value] if isinstance(value, list) else value


class Expect(Schema):
    """What should have happened by the end of the conversation; every line is optional."""

    outcome: Outcome | None = Field(None, description="deal, walked_away, or ended (no decision by the last line)")
    price: float | None = Field(None, gt=0, description="the agreed unit price")
    within_parameters: bool | None = Field(None, description="every offer at or above the floor price")
    overall_at_least: int | None = Field(None, ge=0, le=100, description="lowest acceptable overall score")
    overall_at_most: int | None = Field(None, ge=0, le=100, description="highest acceptable overall score")
    feedback_mentions: Text | None = Field(None, description="words that must appear in some turn's feedback")
    customer_says: Text | None = Field(None, description="words that must appear in some customer reply")
    revealed: List[Ident] | None = Field(None, description="interest ids that must have come out")
    customer_never_says: List[Text] | None = Field(None, min_items=1, description="words or phrases no customer "
                                                                                  "reply in the session may contain "
                                                                                  "(whole words, any case)")

    @validator("customer_never_says", pre=True)
    def _one_or_many(cls, value: Any) -> Any:
        return _words(value)


class Turn(Schema):
    """One trainee line with checks on the customer's reply to it (a plain line has no checks)."""

    say: Text = Field(..., description="what the trainee types (the same placeholders as a plain turn)")
    reply_mentions: List[Text] | None = Field(None, min_items=1, description="the customer's reply to this turn "
                                                                             "contains at least one of these words "
                                                                             "or phrases (whole words, any case)")
    reply_must_not_say: List[Text] | None = Field(None, min_items=1, description="the customer's reply to this turn "
                                                                                 "contains none of these (whole "
                                                                                 "words, any case)")

    @validator("reply_mentions", "reply_must_not_say", pre=True)
    def _one_or_many(cls, value: Any) -> Any:
        return _words(value)

    @property
    def checked(self) -> bool:
        return bool(self.reply_mentions or self.reply_must_not_say)


class ConversationTest(Schema):
    """One scripted conversation: the trainee's lines in order, then the expected result."""

    title: Text | None = Field(None, description="what the test shows, printed with PASS or FAIL")
    persona: Ident = Field(..., description="the persona id")
    difficulty: Difficulty | None = Field(None, description="easy, normal or hard (default: the persona's)")
    mode: Literal["practice", "assessment"] | None = Field(None, description="practice (default) or assessment")
    turns: List[Union[Text, Turn]] = Field(..., min_items=1, description="what the trainee types, one line per turn; "
                                                                         "a turn may be a section [`turns[]`]"
                                                                         "(#turns) with checks on the reply")
    expect: Expect = Field(default_factory=Expect, description="the expected result (may be left out when the "
                                                                "turns check the replies)")

    @root_validator(skip_on_failure=True)
    def _checks_something(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if not checks_something(values):
            raise ValueError(NOTHING_CHECKED)
        return values

    @property
    def said(self) -> List[str]:
        """The trainee's lines as written (placeholders not filled in yet)."""
        return [t if isinstance(t, str) else t.say for t in self.turns]


NOTHING_CHECKED = ("the test checks nothing: add `expect:` (outcome, price, ...) or a turn with `reply_mentions:` / "
                   "`reply_must_not_say:`")


def checks_something(values: Dict[str, Any]) -> bool:
    """A test expects an outcome, or checks at least one reply."""
    checked = any(not isinstance(t, str) and t.checked for t in values.get("turns") or [])
    expect = values.get("expect")
    return checked or expect is None or bool(expect.dict(exclude_none=True))


@dataclass
class Case:
    file: str
    line: int
    test: ConversationTest

    def turns(self, personas: Dict[str, Persona]) -> List[str]:
        """The trainee's lines with the persona's values filled in (`{reservation_price}`, `{name}`...)."""
        values = test_placeholders(personas[self.test.persona], self.test.difficulty)
        return [string.Formatter().vformat(turn, (), values) for turn in self.test.said]

    @property
    def name(self) -> str:
        level = self.test.difficulty or "default"
        return f"{self.file}:{self.line} {self.test.title or self.test.persona} ({self.test.persona}, {level})"


@dataclass
class Result:
    case: Case
    failures: List[str]
    transcript: List[str] = field(default_factory=list)
    report: dict | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def conversation_files(paths: List[Path] | None = None, directory: Path = TEST_DIR) -> List[Path]:
    if paths:
        out: List[Path] = []
        for p in map(Path, paths):
            out.extend(sorted(p.glob("*.y*ml")) if p.is_dir() else [p])
        return out
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.suffix in {".yml", ".yaml"})


def load_cases(path: Path, personas: Dict[str, Persona] | None = None) -> List[Case]:
    """The tests in one file; raises PersonaError with every problem (file, line, field)."""
    file = display_path(path)
    if not Path(path).is_file():
        raise PersonaError([Problem(file, 0, "", "there is no such test file")])
    data, lines, problems = read_yaml(read_text(Path(path)), file)
    items, prefix = (data, True) if isinstance(data, list) else ([data], False)
    cases = []
    for i, item in enumerate(items):
        loc = (i,) if prefix else ()
        if not isinstance(item, dict):
            problems.append(Problem(file, lines.get(loc, 1), "", "a conversation test is a section with persona:, "
                                    "turns: and expect:"))
            continue
        values, found = schema_problems(ConversationTest, item, lines, file, loc)
        found += _turn_problems(item, loc, lines, file)
        if not found and not checks_something(values):
            found.append(Problem(file, lines.get(loc + ("expect",), lines.get(loc, 1)), _name(loc, "expect"),
                                 NOTHING_CHECKED))
        problems += found
        if personas is not None and values.get("persona") and values["persona"] not in personas:
            known = ", ".join(sorted(personas))
            problems.append(Problem(file, lines.get(loc + ("persona",), 1), _name(loc, "persona"),
                                    f"there is no persona '{values['persona']}' (personas: {known})"))
        elif personas is not None and values.get("persona") and isinstance(item.get("expect"), dict):
            # an interest the persona does not have could never come out: say so now, not as a failed run
            interests = [i.id for i in personas[values["persona"]].interests]
            for key in ("revealed",):
                for n, interest in enumerate(item["expect"].get(key) or []):
                    if interest not in interests:
                        problems.append(Problem(file, lines.get(loc + ("expect", key, n), 1),
                                                _name(loc, f"expect.{key}[{n}]"),
                                                f"'{interest}' is not an interest of {values['persona']} "
                                                f"(interests: {', '.join(interests)})"))
        if not found:
            cases.append(Case(file, lines.get(loc, 1), ConversationTest.parse_obj(item)))
    if problems:
        raise PersonaError(problems)
    return cases


TURN_PLACEHOLDERS = ("name", "product", "unit", "list_price", "floor_price", "reservation_price")


def test_placeholders(persona: Persona, difficulty: str | None = None) -> Dict[str, str]:
    """What a test's turns may use, so a test follows the persona's numbers when a trainer edits them:
    prices as the trainee would type them ("$44", "£52.50"); the reservation price is the one in force
    at the test's difficulty."""
    params = persona.parameters(difficulty)
    b = persona.briefing
    return {"name": persona.name, "product": b.product, "unit": b.unit, "list_price": persona.money(b.list_price),
            "floor_price": persona.money(persona.company.floor_price),
            "reservation_price": persona.money(params.reservation_price)}


def _turn_problems(item: dict, loc: tuple, lines: Dict, file: str) -> List[Problem]:
    found = []
    for n, turn in enumerate(item.get("turns") or []):
        at = ("turns", n)
        if isinstance(turn, dict) and isinstance(turn.get("say"), str):
            turn, at = turn["say"], ("turns", n, "say")
        if not isinstance(turn, str):
            continue
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(turn) if f is not None}
        except ValueError:
            names = {"{"}
        unknown = sorted(x for x in names if x not in TURN_PLACEHOLDERS)
        if unknown:
            found.append(Problem(file, lines.get(loc + at, 1), _name(loc, ".".join(
                                     f"[{x}]" if isinstance(x, int) else x for x in at).replace(".[", "[")),
                                 f"uses {', '.join('{' + x + '}' for x in unknown)}; a turn may use "
                                 f"{', '.join('{' + x + '}' for x in TURN_PLACEHOLDERS)} (a brace on its own is "
                                 "written {{ or }})"))
    return found


def _name(loc: tuple, key: str) -> str:
    return f"[{loc[0]}].{key}" if loc else key


def check(report: dict, expect: Dict[str, Any], customer_lines: List[str] | None = None) -> List[str]:
    """Each expectation that the report does not meet, in words; empty when all are met."""
    failures = []
    outcome = report["outcome"]
    if expect.get("outcome") is not None and outcome["ended_by"] != expect["outcome"]:
        price = f" at {outcome['price']:g}" if outcome.get("price") else ""
        failures.append(f"expected outcome {expect['outcome']}, got {outcome['ended_by']}{price} "
                        f"(customer trust {outcome.get('trust')})")
    if expect.get("price") is not None and (outcome.get("price") is None or
                                           abs(outcome["price"] - float(expect["price"])) > 0.005):
        failures.append(f"expected a deal at {expect['price']:g}, got {outcome.get('price')}")
    if expect.get("within_parameters") is not None and outcome["within_parameters"] is not expect["within_parameters"]:
        failures.append(f"expected within_parameters {expect['within_parameters']}, got {outcome['within_parameters']}")
    scored = report.get("overall") is not None  # None: the session was too short or off topic to assess
    if (expect.get("overall_at_least") is not None or expect.get("overall_at_most") is not None) and not scored:
        failures.append(f"expected an overall score, but the session was not assessed: {report.get('not_assessed')}")
    if scored and expect.get("overall_at_least") is not None and report["overall"] < expect["overall_at_least"]:
        failures.append(f"expected an overall score of at least {expect['overall_at_least']}, got {report['overall']} "
                        f"({_criteria(report)})")
    if scored and expect.get("overall_at_most") is not None and report["overall"] > expect["overall_at_most"]:
        failures.append(f"expected an overall score of at most {expect['overall_at_most']}, got {report['overall']} "
                        f"({_criteria(report)})")
    mentions = expect.get("feedback_mentions")
    if mentions and not any(mentions in t["feedback"] for t in report["turns"]):
        failures.append(f"no turn's feedback mentions {expect['feedback_mentions']!r}")
    if expect.get("customer_says") and not any(expect["customer_says"].lower() in line.lower()
                                               for line in customer_lines or []):
        failures.append(f"the customer never said {expect['customer_says']!r}")
    for words in expect.get("customer_never_says") or []:
        said = next((line for line in customer_lines or [] if says(line, words)), None)
        if said is not None:
            failures.append(f"the customer said {words!r}, which it never should: \"{said}\"")
    missing = [i for i in expect.get("revealed") or [] if i not in report.get("hidden", {}).get("revealed", [])]
    if missing:
        failures.append(f"these interests did not come out: {', '.join(missing)} (revealed: "
                        f"{', '.join(report.get('hidden', {}).get('revealed', [])) or 'none'})")
    return failures


def says(reply: str, words: str) -> bool:
    """Whether a reply contains the words as whole words, any case ("yes" is not in "yesterday")."""
    # "21" is not in "$21.50": a number goes on through a decimal point or a thousands comma
    return re.search(r"(?<!\w)(?<!\d[.,])" + re.escape(words.strip().lower()) + r"(?!\w)(?![.,]\d)",
                     reply.lower()) is not None


def reply_failures(turns: List[Any], played: List[tuple]) -> List[str]:
    """Each per-turn reply check that fails, as a trainer reads it: the turn, the reply, what was expected.

    `turns` are the test's turns (text or `Turn`), `played` the (rep's text, customer's reply) pairs."""
    failures = []
    for n, (turn, (said, reply)) in enumerate(zip(turns, played), 1):
        if isinstance(turn, str) or not turn.checked:
            continue
        where = f"turn {n}: rep: \"{said}\"\n        customer: \"{reply}\"\n        "
        if turn.reply_mentions and not any(says(reply, w) for w in turn.reply_mentions):
            wanted = " or ".join(repr(w) for w in turn.reply_mentions)
            failures.append(f"{where}expected the reply to mention {wanted}")
        said_wrong = [w for w in turn.reply_must_not_say or [] if says(reply, w)]
        if said_wrong:
            failures.append(f"{where}expected the reply not to say {', '.join(repr(w) for w in said_wrong)}")
    for n, turn in enumerate(turns[len(played):], len(played) + 1):
        if not isinstance(turn, str) and turn.checked:
            failures.append(f"turn {n}: \"{turn.say}\" was never played (the conversation ended before it), so "
                            "its reply could not be checked")
    return failures


def _criteria(report: dict) -> str:
    return ", ".join(f"{k} {'not shown' if v is None else v}" for k, v in report.get("criteria", {}).items())


def run_case(case: Case, personas: Dict[str, Persona], detect: Callable) -> Result:
    """Play one conversation through the core Trainer (in-memory database) and check it."""
    from parley.session import replay

    test = case.test
    played = replay(personas, detect, test.persona, case.turns(personas), test.difficulty, test.mode, "persona-test")
    transcript = [f"  [{t}]" for t in played.start.texts[1:]]
    customer = list(played.start.texts[1:])
    answers = []
    for text, reply in played.turns:
        moves = (reply.payload("turn_feedback") or {}).get("moves", [])
        answer = reply.texts[0] if reply.texts else ""
        customer.append(answer)
        answers.append((text, answer))
        transcript += [f"  rep: {text}", f"       moves: {', '.join(moves)}", f"  customer: {answer}"]
    if len(played.turns) < len(test.turns):
        transcript.append(f"  (the conversation ended before: {test.turns[len(played.turns)]!r})")
    report = played.report or {}
    failures = reply_failures(test.turns, answers) + check(report, test.expect.dict(exclude_none=True), customer)
    return Result(case, failures, transcript, report)
