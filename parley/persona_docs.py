"""The persona field reference in docs/personas.md, rendered from the pydantic schema.

The schema lives once, in parley/personas.py; `parley personas schema --write` puts this rendering
between the markers in docs/personas.md, and a test fails when the page is out of date.
"""

from __future__ import annotations

import enum
import typing
from pathlib import Path
from typing import Any, Dict, List, Tuple

from pydantic import BaseModel
from pydantic.fields import SHAPE_LIST, ModelField

from parley import personas as P
from parley.persona_tests import ConversationTest, Expect, Turn
from parley.replies import SessionFact
from parley.rubrics import Criterion, Rubric, RubricCriterion
from parley.scaffold import TEST_TEMPLATE, render
from parley.taxonomy import MOVE_DESCRIPTIONS, Mood

DOC = Path(__file__).resolve().parent.parent / "docs" / "personas.md"
MARKERS = {
    "reference": ("<!-- BEGIN GENERATED: field reference (parley personas schema --write) -->",
                  "<!-- END GENERATED: field reference -->"),
    "example": ("<!-- BEGIN GENERATED: example persona (parley personas schema --write) -->",
                "<!-- END GENERATED: example persona -->"),
}
EXAMPLE_ID, EXAMPLE_NAME = "cafe_owner_sam", "Sam"
EXAMPLE_TITLE = "Sam - café owner, unhappy about a price rise"

# Where each schema section sits in a persona file, in reading order.
PLACES: List[Tuple[type, str]] = [
    (P.Persona, "top level"), (P.Briefing, "briefing"), (P.Company, "company"), (P.Tradable, "company.tradables[]"),
    (P.Hidden, "hidden"), (P.Interest, "interests[]"), (P.Reactions, "reactions"), (P.MoodLines, "reactions.<move>"),
    (P.ReplyLine, "a reply line"), (P.When, "when"), (P.Fact, "facts[]"),
    (P.Lines, "lines"), (P.Phrases, "phrases"), (P.Story, "stories[]"), (P.DifficultyLevels, "difficulty"),
    (P.Overrides, "difficulty.<level>"),
]
TEST_PLACES: List[Tuple[type, str]] = [(ConversationTest, "a conversation test"), (Turn, "turns[]"), (Expect, "expect")]


def _anchor(place: str) -> str:
    return "".join(c for c in place.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _section_link(model: type, places: List[Tuple[type, str]]) -> str:
    place = next((p for m, p in places if m is model), model.__name__)
    return f"section [`{place}`](#{_anchor(place)})"


def type_name(field: ModelField, places: List[Tuple[type, str]]) -> str:
    def one(t: Any) -> str:
        if typing.get_origin(t) is typing.Union:  # a reply line: "text or a section [...]"
            return " or ".join(one(member) for member in typing.get_args(t) if member is not type(None))
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return {Criterion: "criterion", Mood: "mood", SessionFact: "named fact"}.get(t, "move")
        if isinstance(t, type) and issubclass(t, BaseModel):
            return _section_link(t, places)
        if typing.get_origin(t) is typing.Literal:
            return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(t))
        if typing.get_origin(t) in (dict, typing.Dict):
            return "story step"
        if isinstance(t, type) and issubclass(t, bool):
            return "yes/no"
        if isinstance(t, type) and issubclass(t, str):
            return "id" if getattr(t, "regex", None) is not None else "text"
        if isinstance(t, type) and issubclass(t, int):
            return "whole number"
        if isinstance(t, type) and issubclass(t, float):
            return "number"
        return str(t)

    name = one(field.type_)
    if field.shape == SHAPE_LIST:
        if " or " in name:
            return f"list, each {name.replace('text or section', 'text or a section')}"
        return f"list of {name}s" if not name.startswith("section") else f"list, each a {name}"
    return name


def default_text(field: ModelField) -> str:
    if field.required:
        return "**required**"
    if field.default_factory is not None:
        return "optional"
    if field.default is None:
        return "optional"
    value = field.default
    return f"optional, default `{value}`"


def allowed_text(field: ModelField) -> str:
    info, t, outer = field.field_info, field.type_, field.outer_type_
    parts = []

    def get(name: str) -> Any:
        for source in (info, t, outer):
            value = getattr(source, name, None)
            if value is not None:
                return value
        return None

    gt, ge, le, items = get("gt"), get("ge"), get("le"), getattr(outer, "min_items", None) or info.min_items
    if ge is not None and le is not None:
        parts.append(f"{ge:g} to {le:g}")
    elif gt is not None:
        parts.append(f"more than {gt:g}")
    elif ge is not None:
        parts.append(f"{ge:g} or more")
    if items:
        parts.append(f"at least {items}")
    if getattr(t, "regex", None) is not None:
        parts.append("lower_case_with_underscores")
    return ", ".join(parts)


def _table(model: type, places: List[Tuple[type, str]]) -> List[str]:
    rows = ["| field | type | required / default | allowed | what it does |", "|---|---|---|---|---|"]
    for name, field in model.__fields__.items():
        about = field.field_info.description or MOVE_DESCRIPTIONS.get(name, "")
        rows.append(f"| `{name}` | {type_name(field, places)} | {default_text(field)} | {allowed_text(field)} | "
                    f"{about.replace('|', '/')} |")
    return rows


def render_reference() -> str:
    from parley import engine  # the engine's own constants, so the numbers below cannot drift

    out: List[str] = []
    for model, place in PLACES:
        out += [f"### `{place}`", "", (model.__doc__ or "").strip().splitlines()[0], ""] + _table(model, PLACES) + [""]
    out += ["### Difficulty levels", "",
            "'normal' uses the `hidden` values as written. 'easy' and 'hard' move them as below, unless the "
            "file's `difficulty:` overrides set a value. Either way, the reservation price stays between "
            "`company.floor_price` (and `hidden.batna_price`, when the alternative has a price) and "
            f"`briefing.list_price`; trust starts at {P.START_TRUST_FLOOR} or more and patience at "
            f"{P.START_PATIENCE_FLOOR} or more at every level, so one misstep (an ultimatum costs "
            f"{P.MISSTEP_TRUST} trust and {P.MISSTEP_PATIENCE} patience) never ends a session on its own; and "
            "`explore_needed` never exceeds the number of interests.", "",
            "| hidden parameter | easy | hard |", "|---|---|---|"]
    out += [f"| `{name}` | {easy} | {hard} |" for name, easy, hard in P.describe_adjustments()]
    rapport = ", ".join(f"{m} +{g:g}" for m, g in engine.RAPPORT_GAIN.items())
    out += ["", "### Engine constants", "",
            f"- Mood: **hostile** while trust is below {engine.HOSTILE_BELOW}, **open** from {engine.OPEN_FROM}, "
            "**guarded** in between.",
            f"- First-time trust gains for rapport: {rapport} (the second time half, the third a third).",
            f"- A single price drop of {engine.BIG_STEP:.0%} of the list price or more is a *leap*: the customer "
            "pushes for more.",
            f"- Moves that never reveal an interest: {', '.join(f'`{m}`' for m in P.NEVER_REVEAL)}.", "",
            "### Conversation tests (`personas/tests/*.yml`)", ""]
    for model, place in TEST_PLACES:
        out += [f"#### `{place}`", "", (model.__doc__ or "").strip().splitlines()[0], ""] + _table(model, TEST_PLACES)
        out += [""]
    return "\n".join(out).rstrip() + "\n"


def render_example() -> str:
    """The scaffold's own output: the example a trainer reads is exactly what `personas new` writes."""
    return ("```yaml\n" + render(EXAMPLE_ID, EXAMPLE_NAME, title=EXAMPLE_TITLE) + "```\n\n"
            f"The starter test it comes with (`personas/tests/{EXAMPLE_ID}.yml`):\n\n"
            "```yaml\n" + render(EXAMPLE_ID, EXAMPLE_NAME, TEST_TEMPLATE) + "```\n")


def rendered_blocks() -> Dict[str, str]:
    return {"reference": render_reference(), "example": render_example()}


def splice(page: str, blocks: Dict[str, str]) -> str:
    """The page with each generated block replaced; raises ValueError when a marker is missing."""
    for key, body in blocks.items():
        begin, end = MARKERS[key]
        if begin not in page or end not in page:
            raise ValueError(f"docs/personas.md lacks the markers {begin} ... {end}")
        head, rest = page.split(begin, 1)
        _, tail = rest.split(end, 1)
        page = f"{head}{begin}\n\n{body}\n{end}{tail}"
    return page


def stale(path: Path = DOC) -> bool:
    page = path.read_text(encoding="utf-8")
    return splice(page, rendered_blocks()) != page


def write(path: Path = DOC) -> bool:
    """Update the generated blocks in place; True when the file changed."""
    page = path.read_text(encoding="utf-8")
    new = splice(page, rendered_blocks())
    if new != page:
        path.write_text(new, encoding="utf-8")
    return new != page



# -- docs/scoring.md: the rubric file reference, from parley/rubrics.py -------------------------------
SCORING_DOC = DOC.parent / "scoring.md"
RUBRIC_MARKERS = ("<!-- BEGIN GENERATED: rubric reference (parley personas schema --write) -->",
                  "<!-- END GENERATED: rubric reference -->")
RUBRIC_PLACES: List[Tuple[type, str]] = [(Rubric, "rubric file"), (RubricCriterion, "criteria[]")]


def render_rubric_reference() -> str:
    out: List[str] = []
    for model, place in RUBRIC_PLACES:
        out += [f"### `{place}`", "", (model.__doc__ or "").strip().splitlines()[0], ""] + \
            _table(model, RUBRIC_PLACES) + [""]
    return "\n".join(out)


def _splice_rubric(page: str) -> str:
    begin, end = RUBRIC_MARKERS
    if begin not in page or end not in page:
        raise ValueError(f"docs/scoring.md lacks the markers {begin} ... {end}")
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n\n{render_rubric_reference()}\n{end}{tail}"


def scoring_stale(path: Path = SCORING_DOC) -> bool:
    page = path.read_text(encoding="utf-8")
    return _splice_rubric(page) != page


def write_scoring(path: Path = SCORING_DOC) -> bool:
    page = path.read_text(encoding="utf-8")
    new = _splice_rubric(page)
    if new != page:
        path.write_text(new, encoding="utf-8")
    return new != page
