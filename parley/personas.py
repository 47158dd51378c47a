"""Persona files: the schema (defined once, here) and a loader whose errors name file, line and field.

A persona is data a trainer writes in YAML; nothing here knows about Rasa.  The importer turns the
`stories` into Rasa training data, the engine plays the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Literal, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from parley.taxonomy import MOODS, MOVES, Move

PERSONA_DIR = Path(__file__).resolve().parent.parent / "personas"
Difficulty = Literal["easy", "normal", "hard"]
DIFFICULTIES: Tuple[str, ...] = ("easy", "normal", "hard")
# Intents and actions a persona story may use besides the moves (they exist in domain.yml).
SESSION_INTENTS = ("start_session", "end_session")
STORY_ACTIONS = ("action_customer_turn", "action_start_session", "action_end_session", "action_listen")
IDENT = r"^[a-z][a-z0-9_]*$"


class Schema(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key is an error, not a silently ignored line
        anystr_strip_whitespace = True
        min_anystr_length = 1


class Tradable(Schema):
    """Something the rep may offer besides price (shown to the trainee in the briefing)."""

    id: str = Field(..., regex=IDENT, description="short name used by interests' `satisfied_by`")
    label: str = Field(..., description="how the briefing names it, e.g. 'free shipping'")
    keywords: List[str] = Field(..., min_items=1, description="words in a trainee turn that mean this extra")


class Company(Schema):
    """The company's bargaining parameters: what the rep is allowed to give."""

    floor_price: float = Field(..., gt=0, description="lowest unit price the rep may offer")
    tradables: List[Tradable] = Field(default_factory=list, description="non-price extras the rep may offer")


class Briefing(Schema):
    """What the trainee reads before the conversation starts."""

    customer: str = Field(..., description="who the customer is, one or two sentences")
    situation: str = Field(..., description="why they are getting in touch")
    goal: str = Field(..., description="what the trainee should try to achieve")
    product: str
    unit: str = Field("unit", description="what one unit of the product is called")
    currency: str = "$"
    list_price: float = Field(..., gt=0, description="current unit price")
    previous_price: float | None = Field(None, gt=0, description="unit price before a change, if any")
    monthly_volume: int | None = Field(None, gt=0, description="units the customer buys per month")


class Interest(Schema):
    """A hidden need behind the customer's position."""

    id: str = Field(..., regex=IDENT)
    description: str = Field(..., description="the need in plain words, quoted in the report")
    revealed_by: List[Move] = Field(..., min_items=1, description="trainee moves that can bring it out")
    min_trust: float = Field(0, ge=0, le=100, description="trust the customer needs before saying it")
    reveal: List[str] = Field(..., min_items=1, description="lines the customer says when it comes out")
    satisfied_by: List[str] = Field(
        default_factory=list, description="tradable ids or moves (e.g. appreciation) that meet this need"
    )
    worth: float = Field(0, ge=0, description="extra the customer would pay per unit once it is met")


class Hidden(Schema):
    """Parameters the trainee has to discover or respect; never shown before the report."""

    reservation_price: float = Field(..., gt=0, description="the most the customer will pay per unit")
    batna: str = Field(..., description="the customer's best alternative if there is no deal")
    trust: int = Field(..., ge=0, le=100, description="starting trust, 0-100")
    patience: int = Field(..., ge=1, le=30, description="unproductive turns the customer will sit through")
    accept_trust: int = Field(50, ge=0, le=100, description="trust needed before accepting any offer")
    empathy_needed: int = Field(1, ge=0, le=5, description="rapport moves needed before talking price")


class Overrides(Schema):
    """Per-difficulty values; anything left out keeps the built-in adjustment for that level."""

    reservation_price: float | None = Field(None, gt=0)
    trust: int | None = Field(None, ge=0, le=100)
    patience: int | None = Field(None, ge=1, le=30)
    accept_trust: int | None = Field(None, ge=0, le=100)
    empathy_needed: int | None = Field(None, ge=0, le=5)


class Lines(Schema):
    """Situational customer lines. `{price}`, `{counter}`, `{name}`, `{currency}` are filled in."""

    accept: List[str] = Field(..., min_items=1, description="the customer takes the offer")
    counter: List[str] = Field(..., min_items=1, description="asks for a lower price, `{counter}`")
    push_for_more: List[str] = Field(..., min_items=1, description="after a big fast concession")
    reject: List[str] = Field(..., min_items=1, description="an offer while trust is still too low")
    walk_away: List[str] = Field(..., min_items=1, description="patience or trust ran out")
    sympathy_fatigue: List[str] = Field(..., min_items=1, description="sympathy with no substance")


class Story(Schema):
    story: str
    steps: List[Dict[str, Any]] = Field(..., min_items=1, description="Rasa story steps: intent / action / slot_was_set")


class Persona(Schema):
    id: str = Field(..., regex=IDENT, description="stable id used by /start_session")
    name: str = Field(..., description="the customer's name")
    title: str = Field(..., description="one line for the persona picker")
    default_difficulty: Difficulty = "normal"
    briefing: Briefing
    company: Company
    opening: List[str] = Field(..., min_items=1, description="the customer's first line (one is picked)")
    hidden: Hidden
    interests: List[Interest] = Field(..., min_items=1)
    reactions: Dict[Move, Dict[str, List[str]]] = Field(
        ..., description="per move, per mood (hostile / guarded / open), lines the customer may say"
    )
    lines: Lines
    stories: List[Story] = Field(default_factory=list, description="Rasa stories for this persona")
    difficulty: Dict[Difficulty, Overrides] = Field(default_factory=dict)

    @validator("reactions")
    def every_move_and_mood(cls, reactions: Dict[Move, Dict[str, List[str]]]) -> Dict[Move, Dict[str, List[str]]]:
        missing = [m for m in MOVES if Move(m) not in reactions]
        if missing:
            raise ValueError(f"needs lines for every move; missing: {', '.join(missing)}")
        for move, by_mood in reactions.items():
            unknown = sorted(set(by_mood) - set(MOODS))
            if unknown:
                raise ValueError(f"{move.value}: unknown mood {', '.join(unknown)} (moods: {', '.join(MOODS)})")
            for mood in MOODS:
                lines = by_mood.get(mood)
                if not lines or not all(isinstance(x, str) and x.strip() for x in lines):
                    raise ValueError(f"{move.value}.{mood}: needs at least one line")
        return reactions

    @root_validator(skip_on_failure=True)
    def coherent_numbers(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        list_price = values["briefing"].list_price
        if values["company"].floor_price > list_price:
            raise ValueError(
                f"company.floor_price ({values['company'].floor_price}) is above briefing.list_price ({list_price})"
            )
        if values["hidden"].reservation_price > list_price:
            raise ValueError(
                f"hidden.reservation_price ({values['hidden'].reservation_price}) is above "
                f"briefing.list_price ({list_price}): the customer would accept the price as it is"
            )
        tradables = {t.id for t in values["company"].tradables}
        for interest in values["interests"]:
            unknown = [s for s in interest.satisfied_by if s not in tradables and s not in MOVES]
            if unknown:
                raise ValueError(
                    f"interest {interest.id}: satisfied_by names {', '.join(unknown)}, which is neither a "
                    f"tradable ({', '.join(sorted(tradables)) or 'none defined'}) nor a move"
                )
        return values

    # -- derived values -------------------------------------------------------------------------
    def parameters(self, difficulty: str | None = None) -> Parameters:
        """Hidden parameters at a difficulty: built-in adjustments, then the file's overrides."""
        level = difficulty or self.default_difficulty
        if level not in DIFFICULTIES:
            raise ValueError(f"unknown difficulty {level!r}; choose one of {', '.join(DIFFICULTIES)}")
        h, list_price, floor = self.hidden, self.briefing.list_price, self.company.floor_price
        step = {"easy": 1, "normal": 0, "hard": -1}[level]
        params = Parameters(
            reservation_price=min(list_price, max(floor, h.reservation_price + step * 0.05 * list_price)),
            trust=max(0, min(100, h.trust + 15 * step)),
            patience=max(2, h.patience + (3 if step > 0 else 2 * step)),
            accept_trust=max(0, min(100, h.accept_trust - 10 * step)),
            empathy_needed=max(0, h.empathy_needed - step),
        )
        override = self.difficulty.get(level)  # type: ignore[call-overload]
        if override:
            params = Parameters(**{**params.__dict__, **override.dict(exclude_none=True)})
        return params

    def tradable(self, tradable_id: str) -> Tradable | None:
        return next((t for t in self.company.tradables if t.id == tradable_id), None)


@dataclass(frozen=True)
class Parameters:
    """The hidden parameters in force for one session."""

    reservation_price: float
    trust: int
    patience: int
    accept_trust: int
    empathy_needed: int


# -- loading with file / line / field errors -----------------------------------------------------
@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PersonaError(Exception):
    """Every problem found, so a trainer can fix them all in one go."""

    def __init__(self, problems: List[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


_PLAIN = {
    "value_error.missing": "is missing (it is required)",
    "value_error.extra": "is not a field a persona has (check the spelling)",
    "type_error.float": "must be a number",
    "type_error.integer": "must be a whole number",
    "type_error.list": "must be a list (lines starting with '- ')",
    "type_error.dict": "must be a mapping (key: value lines)",
    "type_error.str": "must be text",
    "type_error.enum": "is not a known move",
}


def _plain(error: Dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "type_error.enum" or "enumeration" in error.get("msg", ""):
        return f"is not a known move (moves: {', '.join(MOVES)})"
    if kind.startswith("value_error.list.min_items"):
        return "must not be empty"
    if kind == "value_error.str.regex":
        return "must be lower_case_with_underscores, starting with a letter"
    if kind == "value_error.const" or "permitted" in error.get("msg", ""):
        return error["msg"].replace("unexpected value; permitted:", "must be one of")
    return error.get("msg", "is not valid")


def _line_map(text: str) -> Dict[Tuple[Any, ...], int]:
    """YAML path -> 1-based line, so validation errors can point at the line to fix."""
    lines: Dict[Tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: Tuple[Any, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[path + (key.value,)] = key.start_mark.line + 1
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines


def _line_for(loc: Tuple[Any, ...], lines: Dict[Tuple[Any, ...], int]) -> int:
    loc = tuple(loc)
    if loc and loc[-1] == "__root__":
        loc = loc[:-1]
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _field_name(loc: Tuple[Any, ...]) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in loc if p != "__root__"]
    return ".".join(parts).replace(".[", "[")


def parse_persona(text: str, file: str) -> Persona:
    """Validate one persona file's text; raises PersonaError listing every problem in it."""
    try:
        data = yaml.safe_load(text)
        lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        detail = getattr(exc, "problem", None) or str(exc)
        if "could not determine a constructor" in str(exc):
            detail = "uses a YAML tag that could run code or build objects; tags like !!python are not allowed"
        raise PersonaError([Problem(file, mark.line + 1 if mark else 0, "", f"not valid YAML: {detail}")])
    if not isinstance(data, dict):
        raise PersonaError([Problem(file, 1, "", "a persona file must be a mapping of fields (id:, name:, ...)")])
    try:
        return Persona.parse_obj(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            # root validators report their field in the message; point at it when we can
            named = re.match(r"(hidden|company|briefing)\.(\w+)", err.get("msg", ""))
            if loc in {("__root__",), ()} and named:
                loc = (named.group(1), named.group(2))
            problems.append(Problem(file, _line_for(loc, lines), _field_name(loc), _plain(err)))
        raise PersonaError(problems) from None


def story_problems(persona: Persona, text: str, file: str) -> List[Problem]:
    """Stories may only name moves, the session intents and Parley's actions."""
    lines = _line_map(text)
    intents = set(MOVES) | set(SESSION_INTENTS)
    problems = []
    for i, story in enumerate(persona.stories):
        for j, step in enumerate(story.steps):
            loc = ("stories", i, "steps", j)
            if "intent" in step and step["intent"] not in intents:
                problems.append(Problem(file, _line_for(loc, lines), _field_name(loc + ("intent",)),
                                        f"'{step['intent']}' is not a move (moves: {', '.join(MOVES)})"))
            elif "action" in step and step["action"] not in STORY_ACTIONS:
                problems.append(Problem(file, _line_for(loc, lines), _field_name(loc + ("action",)),
                                        f"'{step['action']}' is not an action a persona story can use "
                                        f"({', '.join(STORY_ACTIONS)})"))
            elif not {"intent", "action", "slot_was_set", "checkpoint", "or"} & set(step):
                problems.append(Problem(file, _line_for(loc, lines), _field_name(loc),
                                        "a story step needs 'intent:' or 'action:'"))
    return problems


def load_persona(path: Path) -> Persona:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PersonaError([Problem(str(path), line, "", "is not UTF-8 text; save the file as UTF-8")]) from None
    persona = parse_persona(text, str(path))
    problems = story_problems(persona, text, str(path))
    if problems:
        raise PersonaError(problems)
    return persona


def persona_files(directory: Path = PERSONA_DIR) -> List[Path]:
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.suffix in {".yml", ".yaml"})


def load_personas(directory: Path = PERSONA_DIR) -> Dict[str, Persona]:
    """All personas in a folder, keyed by id; raises PersonaError with every problem of every file."""
    personas: Dict[str, Persona] = {}
    where: Dict[str, str] = {}
    problems: List[Problem] = []
    for path in persona_files(directory):
        try:
            persona = load_persona(path)
        except PersonaError as exc:
            problems.extend(exc.problems)
            continue
        if persona.id in personas:
            problems.append(Problem(str(path), 1, "id", f"'{persona.id}' is already used by {where[persona.id]}"))
            continue
        personas[persona.id] = persona
        where[persona.id] = str(path)
    if problems:
        raise PersonaError(problems)
    return personas
