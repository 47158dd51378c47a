"""The end-of-session report: the payload of the session contract and its readable text."""

from __future__ import annotations

from typing import Dict, List, Sequence

from parley.engine import CustomerState
from parley.personas import Persona, format_money
from parley.scoring import CRITERIA, TurnScore, criteria, overall

# One concrete next step per criterion, used when that criterion is the trainee's weakest.
ADVICE: Dict[str, str] = {
    "rapport": "Open by acknowledging how the customer feels and thanking them for their business, "
               "before any numbers.",
    "exploration": "Ask at least two open questions (what matters most to you? how do you use it?) and "
                   "summarise what you heard before you propose anything.",
    "value_creation": "Bring one non-price option that meets a need you uncovered, or trade: 'if you ..., "
                      "I can ...'.",
    "concession_discipline": "Explore first, then concede in small steps inside the company's floor, each "
                             "with a reason.",
    "transparency": "Explain every number: why the price changed and what your offer saves over a year.",
    "collaborative_tone": "Drop ultimatums and flat refusals; say what you can do and ask what would work.",
    "closing": "When you are close, confirm the price, the terms and the next step, and check the customer "
               "is happy with them.",
}


def outcome(persona: Persona, state: CustomerState, turns: Sequence[TurnScore]) -> dict:
    deal = state.outcome == "deal"
    floor = persona.company.floor_price
    within = all((t.offer or floor) >= floor for t in turns)
    terms = [persona.tradable(t).label for t in state.extras if persona.tradable(t)]  # type: ignore[union-attr]
    retained = deal or (state.outcome != "walked_away" and state.trust >= 40)
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


def improvement_plan(scores: Dict[str, int], turns: Sequence[TurnScore], difficulty: str = "normal") -> List[str]:
    plan: List[str] = []
    costly = sorted((n for t in turns for n in t.notes if n.points < 0 and n.better), key=lambda n: n.points)
    for n in costly[:2]:
        step = f"Instead of \u201c{_clip(n.quote)}\u201d: {n.better}"
        if step not in plan:
            plan.append(step)
    for name, value in sorted(scores.items(), key=lambda kv: kv[1]):
        if value < 75 and len(plan) < 4:
            plan.append(f"{CRITERIA[name]} ({value}/100): {ADVICE[name]}")
    if not plan:
        plan.append("Strong session. Next time try the same persona on 'hard' difficulty." if difficulty != "hard"
                    else "Strong session on 'hard'. Next time try another persona, or assessment mode with no live "
                         "tips.")
    return plan


def build_report(persona: Persona, state: CustomerState, turns: Sequence[TurnScore]) -> dict:
    scores = criteria(persona, turns, state)
    result = outcome(persona, state, turns)
    return {
        "persona": persona.id,
        "difficulty": state.difficulty,
        "currency": persona.briefing.currency,
        "unit": persona.briefing.unit,
        "overall": overall(scores, result),
        "criteria": scores,
        "criteria_names": dict(CRITERIA),
        "outcome": result,
        "turns": [{"text": t.text, "moves": list(t.moves), "points": t.points, "feedback": t.feedback}
                  for t in turns],
        "improvement_plan": improvement_plan(scores, turns, state.difficulty),
        "hidden": {"interests": {i.id: i.description for i in persona.interests},
                   "revealed": list(state.revealed), "batna": persona.hidden.batna},
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
    lines = [
        f"SESSION REPORT - overall {report['overall']}/100",
        f"Outcome: {ending}. Within company parameters: {'yes' if o['within_parameters'] else 'NO'}. "
        f"Customer retained: {'yes' if o['customer_retained'] else 'no'}. Satisfaction {o['satisfaction']}/100.",
        "",
        "Criteria:",
    ]
    for key, value in report["criteria"].items():
        bar = "#" * (value // 10) + "." * (10 - value // 10)
        lines.append(f"  {CRITERIA[key]:<24} {bar} {value:>3}")
    lines += ["", "Your turns:"]
    for i, turn in enumerate(report["turns"], 1):
        lines.append(f"  {i}. \u201c{_clip(turn['text'], 90)}\u201d [{', '.join(turn['moves'])}] {turn['points']:+d}")
        lines.append(f"     {turn['feedback']}")
    hidden = report.get("hidden", {})
    missed = [d for k, d in hidden.get("interests", {}).items() if k not in hidden.get("revealed", [])]
    if missed:
        lines += ["", "Needs you did not uncover:"] + [f"  - {d}" for d in missed]
    lines += ["", "Improvement plan:"] + [f"  {i}. {step}" for i, step in enumerate(report["improvement_plan"], 1)]
    return "\n".join(lines)


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
