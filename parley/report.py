"""The end-of-session report: the payload of the session contract and its readable text.

The criteria are computed by parley/scoring.py; the session's rubric (rubrics/<name>.yml) says which
of them count and how much, the pass mark and the advice. A criterion the session gave nothing to
judge is "not shown": `null` in `criteria`, with the reason in `not_shown`. A session too short or off
topic to assess has `overall: null`, `assessed: false` and `not_assessed` saying why.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Dict, List, Sequence

from parley.engine import CustomerState, _step
from parley.events import EventKind, has
from parley.personas import Persona, format_money
from parley.rubrics import Rubric, load_rubric
from parley.scoring import CRITERIA, Note, Scores, TurnScore, assessable, criteria, outcome_score, overall

# Why a criterion had nothing to judge, in the trainee's words.
NOT_SHOWN: Dict[str, str] = {
    "rapport": "no greeting, acknowledgement or thanks to judge",
    "exploration": "no question asked and nothing summed up",
    "value_creation": "nothing was put on the table",
    "concession_discipline": "no offer made, so there was no concession to judge",
    "transparency": "no reason, number or position given",
    "collaborative_tone": "the negotiation itself never started",
    "closing": "nothing was close enough to confirm",
}
RETRY_COMMAND = "/retry_from_turn"


def retry_command(turn: int) -> str:
    """The session-contract command that replays a session up to `turn` and lets the trainee say it again."""
    return f"{RETRY_COMMAND}{json.dumps({'turn': turn})}"


def _advice(name: str, persona: Persona, state: CustomerState, turns: Sequence[TurnScore],
            rubric: Rubric) -> str | None:
    """The next step for a weak criterion, fitted to what the trainee actually did (None: nothing to say)."""
    def did(move: str) -> bool:
        return any(move in t.moves for t in turns)

    if name == "rapport":
        if any(has(t.events, EventKind.sympathy_fatigue) for t in turns):
            return ("Acknowledge once, then add substance: after an 'I understand', ask a question or put an "
                    "option on the table; sympathy on its own wears thin.")
        if did("empathy") and not did("appreciation"):
            return "Thank the customer for the relationship as well as acknowledging how they feel."
        if did("appreciation") and not did("empathy"):
            return "Acknowledge how the change affects the customer, not only thank them for their business."
    if name == "concession_discipline" and not any(t.offer is not None for t in turns):
        if not state.offers and not did("value_add") and not did("conditional_trade"):
            return ("Once you know what matters, put something on the table: a price step with a reason, or an "
                    "option that meets a need you heard.")
    if name == "exploration":
        asked = sum("open_question" in t.moves for t in turns)
        if asked >= 2 and not did("summary"):
            return ("Your questions opened things up; now sum up what you heard ('so what matters most is ...') "
                    "before you propose, so the customer knows you listened.")
        if asked >= 2:
            return ("You asked and summed up; keep asking until every need is out (see the needs you did not "
                    "uncover) before you put a number down.")
        if did("summary"):
            return ("You summed up well; ask at least two open questions (what matters most to you? how do you use "
                    "it?) before you propose, so every need is out before the price is.")
    if name == "transparency":
        if any(n.criterion == "transparency" and n.points < 0 for t in turns for n in t.notes):
            return "Give every offer its reason (loyalty, volume, a commitment) and say what it is worth to them."
        explained = next((n.quote for t in turns for n in t.notes if n.criterion == "transparency" and n.points > 0),
                         None)
        if explained:
            return (f"You explained once (\u201c{_clip(explained)}\u201d); give every number its reason, and say "
                    "what your offer is worth to the customer over a year.")
        if persona.briefing.previous_price:
            return "Explain why the price changed, and what your offer saves the customer over a year."
    if name == "value_creation" and did("conditional_trade") and not any(t.put_options for t in turns):
        return ("You traded; now add a non-price option that meets a need the customer told you about, so the "
                "deal is worth more than the money.")
    if name == "value_creation" and any(t.put_options for t in turns):
        if not did("conditional_trade"):
            return "You put options on the table; next time trade them: 'if you commit to ..., I can include ...'."
        return "Tie each option to a need the customer told you about, so it is worth more than money off."
    if name == "closing" and state.outcome != "deal" and not state.offers:
        return None  # nothing was ever close enough to confirm
    if name == "closing" and state.outcome != "deal" and did("close"):
        return (f"You moved to close before {persona.name} had said yes: check the offer meets what they told you, "
                "get a clear yes, then confirm the terms and the next step.")
    return rubric.advice(name) or None


def outcome(persona: Persona, state: CustomerState, turns: Sequence[TurnScore]) -> dict:
    deal = state.outcome == "deal"
    floor = persona.company.floor_price
    within = all(t.offer is None or t.offer >= floor for t in turns)  # "$0" is an offer too
    terms = [persona.tradable(t).label for t in state.extras if persona.tradable(t)]  # type: ignore[union-attr]
    # with no deal, the customer stays only if they trust the rep enough to take an affordable offer: a
    # customer still at their opening trust has merely not left yet
    retained = deal or (state.outcome != "walked_away" and
                        state.trust >= persona.parameters(state.difficulty).accept_trust)
    satisfaction = state.trust * 0.7 + (30 if deal else 0) if state.outcome != "walked_away" else min(state.trust, 15)
    return {
        "deal": deal,
        "price": state.deal_price,
        "terms": terms if deal else [],
        "within_parameters": within,
        "customer_retained": retained,
        "satisfaction": int(round(max(0, min(100, satisfaction)))),
        "ended_by": state.outcome or "ended",
        "trust": int(round(state.trust)),
    }


def costly_moments(persona: Persona, state: CustomerState, turns: Sequence[TurnScore], rubric: Rubric,
                   limit: int = 2) -> List[dict]:
    """The one or two turns that cost the most, each with what went wrong, a better line written for that
    moment, and the command that replays the session to just before it."""
    cost = []
    for position, t in enumerate(turns, 1):
        bad = [n for n in t.notes if n.points < 0 and not n.heads_up]
        if bad:
            cost.append((sum(n.points for n in bad), position, t, min(bad, key=lambda n: n.points)))
    moments = []
    for _, position, t, worst in sorted(cost, key=lambda c: (c[0], c[1]))[:limit]:
        before = [x for x in turns[:position - 1]]
        moments.append({
            "turn": position,
            "text": t.text,
            "quote": worst.quote,
            "criterion": worst.criterion,
            "why": worst.message,
            "better": worst.better,
            "better_line": better_line(persona, state, before, t, worst, rubric),
            "retry": retry_command(position),
        })
    return sorted(moments, key=lambda m: m["turn"])


def better_line(persona: Persona, state: CustomerState, before: Sequence[TurnScore], turn: TurnScore, note: Note,
                rubric: Rubric) -> str:
    """The rubric's line for this kind of moment, filled in with this session's numbers and needs."""
    template = rubric.better_lines.get(note.kind)
    if not template:
        return note.better
    floor, list_price = persona.company.floor_price, persona.briefing.list_price
    standing = next((t.offer for t in reversed(before) if t.offer is not None), None) or list_price
    step = max(_step(list_price), round(0.04 * list_price / _step(list_price)) * _step(list_price))
    step_offer = max(floor, standing - step)
    revealed = [i for i in persona.interests if i.id in state.revealed]
    extra = next((persona.tradable(x).label for i in revealed for x in i.satisfied_by  # type: ignore[union-attr]
                  if persona.tradable(x)), None) or (persona.company.tradables[0].label
                                                     if persona.company.tradables else "something else of value")
    b = persona.briefing
    reason_hint = (f"our own costs rose, which is why the price moved from {persona.money(b.previous_price)}"
                   if b.previous_price else "of what is included in it and the term you commit to")
    values = {"name": persona.name, "product": b.product, "unit": b.unit, "floor": persona.money(floor),
              "list_price": persona.money(list_price),
              # going back: the number to stand by is the one on the table before, not the higher one asked
              "offer": persona.money(standing if note.kind == "went_back" else turn.offer or standing),
              "step_offer": persona.money(step_offer), "counter": persona.money(turn.offer or floor),
              "extra": extra,
              "need": (revealed[0].description if revealed else "what matters most to them").rstrip("."),
              "reason_hint": reason_hint}
    return " ".join(template.format_map(values).split())


def improvement_plan(persona: Persona, state: CustomerState, scores: Scores, turns: Sequence[TurnScore],
                     mode: str = "practice", rubric: Rubric | None = None, moments: Sequence[dict] = (),
                     not_assessed: str | None = None) -> List[str]:
    rubric = rubric or load_rubric(persona.rubric)
    if not turns:
        return [f"You ended before saying anything to {persona.name}. Start again and open by acknowledging how "
                "the change affects them."]
    plan: List[str] = []
    if not_assessed:
        plan.append(f"Not assessed: {not_assessed}. Start again and negotiate with {persona.name}: ask what matters "
                    "to them, explain your reasons and put an offer on the table.")
    n = len(turns)
    messages = f"{n} message{'s' if n != 1 else ''}"
    if not not_assessed and state.outcome in {None, "ended"} and not any(
            t.offer is not None or t.put_options or {"conditional_trade", "concession"} & set(t.moves) for t in turns):
        # ended before anything was on the table: those criteria are not shown
        plan.append(f"You ended after {messages}, before any offer, so value creation, concessions and closing "
                    f"were not shown. Play on to an agreement with {persona.name} for a full assessment.")
    for m in moments:
        plan.append(f"Turn {m['turn']}, \u201c{_clip(m['quote'])}\u201d: {m['why']} Try instead: "
                    f"\u201c{m['better_line']}\u201d (retry from this turn: {m['retry']})")
    covered = {m["criterion"] for m in moments}
    labels = rubric.labels
    for name, value in sorted(((k, v) for k, v in scores.items() if rubric.weights.get(k, 0) > 0),
                              key=lambda kv: (kv[1] if kv[1] is not None else -1)):
        if len(plan) >= 4 or name in covered:
            continue
        if value is None:
            continue  # said above (nothing on the table), or the moments cover it
        advice = _advice(name, persona, state, turns, rubric) if value < 75 else None
        if advice:
            plan.append(f"{labels.get(name, CRITERIA[name])} ({value}/100): {advice}")
    if not plan:
        if state.difficulty != "hard":
            plan.append("Strong session. Next time try the same persona on 'hard' difficulty.")
        elif mode == "assessment":
            plan.append("Strong session on 'hard' with no live tips. Next time try another persona.")
        else:
            plan.append("Strong session on 'hard'. Next time try another persona, or assessment mode with no live "
                        "tips.")
    return plan


def build_report(persona: Persona, state: CustomerState, turns: Sequence[TurnScore], mode: str = "practice",
                 rubric: Rubric | None = None) -> dict:
    rubric = rubric or load_rubric(getattr(state, "rubric", None) or persona.rubric)
    result = outcome(persona, state, turns)
    not_assessed = assessable(turns, rubric) if turns else "nothing to assess: the session had no messages"
    computed = criteria(persona, turns, state) if turns else {name: None for name in CRITERIA}
    scores: Scores = {name: computed.get(name) for name in rubric.labels}  # the rubric's criteria, its order
    total = None if not_assessed else overall(scores, outcome_score(persona, result, state), rubric, turns)
    moments = costly_moments(persona, state, turns, rubric) if turns and not not_assessed else []
    return {
        "persona": persona.id,
        "difficulty": state.difficulty,
        "mode": mode,
        "currency": persona.briefing.currency,
        "unit": persona.briefing.unit,
        "overall": total,
        "assessed": not_assessed is None,
        "not_assessed": not_assessed,
        "passed": None if total is None else total >= rubric.pass_mark,
        "rubric": {"name": rubric.name, "title": rubric.title, "pass_mark": rubric.pass_mark,
                   "weights": rubric.weights, "outcome_weight": rubric.outcome_weight},
        "criteria": scores,
        "not_shown": {k: NOT_SHOWN[k] for k, v in scores.items() if v is None},
        "criteria_names": rubric.labels,
        "outcome": result,
        # a heads-up was for the turn after it; looking back, each turn's own notes are what count
        "turns": [{"text": t.text, "moves": list(t.moves), "points": t.points,
                   "feedback": replace(t, notes=tuple(n for n in t.notes if not n.heads_up)).feedback}
                  for t in turns],
        "moments": moments,
        "improvement_plan": improvement_plan(persona, state, scores, turns, mode, rubric, moments, not_assessed),
        # what the customer kept to themselves, shown once the session is over so the trainee can learn from it
        "hidden": {"interests": {i.id: i.description for i in persona.interests},
                   "revealed": list(state.revealed), "satisfied": list(state.satisfied),
                   "batna": persona.hidden.batna,
                   "reservation_price": persona.parameters(state.difficulty).reservation_price},
    }


def render_text(report: dict) -> str:
    """The report as plain text for a terminal, REST client or Slack."""
    o, currency = report["outcome"], report.get("currency", "$")
    if o["deal"]:
        terms = f" with {', '.join(o['terms'])}" if o["terms"] else ""
        ending = f"Deal at {format_money(currency, o['price'])}{terms}"
    elif o["ended_by"] == "walked_away":
        ending = "No deal: the customer walked away"
    else:
        ending = "No deal yet: session ended"
    # still talking when the session ended, but unhappy: not lost, not kept either
    retained = "yes" if o["customer_retained"] else "no" if o["ended_by"] == "walked_away" else "at risk"
    rubric = report.get("rubric") or {}
    if report.get("overall") is None:
        title = f"SESSION REPORT - not assessed: {report.get('not_assessed') or 'nothing to assess'}"
    else:
        verdict = ""
        if rubric.get("pass_mark") is not None:
            verdict = (f" (a pass: the pass mark is {rubric['pass_mark']})" if report["overall"] >= rubric["pass_mark"]
                       else f" (below the pass mark of {rubric['pass_mark']})")
        title = f"SESSION REPORT - overall {report['overall']}/100{verdict}"
    lines = [
        title,
        f"Outcome: {ending}. Within company parameters: {'yes' if o['within_parameters'] else 'NO'}. "
        f"Customer retained: {retained}. Satisfaction {o['satisfaction']}/100.",
    ]
    if rubric.get("title"):
        lines.append(f"Scored with the '{rubric.get('name')}' rubric: {rubric['title']}.")
    lines += ["", "Criteria:"]
    names = report.get("criteria_names") or CRITERIA
    for key, value in report["criteria"].items():
        label = names.get(key, CRITERIA.get(key, key))
        if value is None:
            lines.append(f"  {label:<24} not shown  ({report.get('not_shown', {}).get(key, NOT_SHOWN.get(key, ''))})")
            continue
        bar = "#" * (value // 10) + "." * (10 - value // 10)
        lines.append(f"  {label:<24} {bar} {value:>3}")
    lines += ["", "Your turns:"]
    for i, turn in enumerate(report["turns"], 1):
        lines.append(f"  {i}. \u201c{_clip(turn['text'], 90)}\u201d [{', '.join(turn['moves'])}] {turn['points']:+d}")
        lines.append(f"     {turn['feedback']}")
    hidden = report.get("hidden", {})
    revealed, satisfied = hidden.get("revealed", []), hidden.get("satisfied", [])
    missed = [d + (" (you met it without asking)" if k in satisfied else "")
              for k, d in hidden.get("interests", {}).items() if k not in revealed]
    if missed:
        lines += ["", "Needs you did not uncover:"] + [f"  - {d}" for d in missed]
    if hidden.get("reservation_price") is not None:
        lines += ["", "Behind the scenes:",
                  f"  - The most the customer would pay before any need was met: "
                  f"{format_money(currency, hidden['reservation_price'])} per {report.get('unit', 'unit')}",
                  f"  - Their alternative if there was no deal: {hidden.get('batna', '')}"]
    lines += ["", "Improvement plan:"] + [f"  {i}. {step}" for i, step in enumerate(report["improvement_plan"], 1)]
    return "\n".join(lines)


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
