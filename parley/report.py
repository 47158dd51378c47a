"""The end-of-session report: the payload of the session contract and its readable text."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Sequence

from parley.engine import CustomerState
from parley.personas import Persona, format_money
from parley.scoring import CRITERIA, TurnScore, criteria, overall

# One concrete next step per criterion, used when that criterion is among the trainee's weakest; the
# wording follows what this session shows (see _advice).
ADVICE: Dict[str, str] = {
    "rapport": "Open by acknowledging how the customer feels and thanking them for their business, "
               "before any numbers.",
    "exploration": "Ask at least two open questions (what matters most to you? how do you use it?) and "
                   "summarise what you heard before you propose anything.",
    "value_creation": "Bring one non-price option that meets a need you uncovered, or trade: 'if you ..., "
                      "I can ...'.",
    "concession_discipline": "Explore first, then concede in small steps inside the company's floor, each "
                             "with a reason.",
    "transparency": "Explain the numbers behind your price and what your offer is worth to the customer over a "
                    "year.",
    "collaborative_tone": "Drop ultimatums and flat refusals; say what you can do and ask what would work.",
    "closing": "When you are close, confirm the price, the terms and the next step, and check the customer "
               "is happy with them.",
}


def _advice(name: str, persona: Persona, state: CustomerState, turns: Sequence[TurnScore]) -> str | None:
    """The next step for a weak criterion, fitted to what the trainee actually did (None: nothing to say)."""
    def did(move: str) -> bool:
        return any(move in t.moves for t in turns)

    if name == "rapport":
        if any("sympathy_fatigue" in t.events for t in turns):
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
    return ADVICE[name]


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


def improvement_plan(persona: Persona, state: CustomerState, scores: Dict[str, int], turns: Sequence[TurnScore],
                     mode: str = "practice") -> List[str]:
    if not turns:
        return [f"You ended before saying anything to {persona.name}. Start again and open by acknowledging how "
                "the change affects them."]
    plan: List[str] = []
    n = len(turns)
    messages = f"{n} message{'s' if n != 1 else ''}"
    if state.outcome in {None, "ended"} and not any(t.offer is not None or t.put_options or
                                                    {"conditional_trade", "concession"} & set(t.moves) for t in turns):
        # ended before anything was on the table: the score covers only the opening
        plan.append(f"You ended after {messages}, before any offer, so value creation, concessions and closing "
                    f"had nothing to judge. Play on to an agreement with {persona.name} for a full assessment.")
    costly = sorted((n for t in turns for n in t.notes if n.points < 0 and n.better), key=lambda n: n.points)
    for n in costly[:2]:
        step = f"Instead of \u201c{_clip(n.quote)}\u201d: {n.better}"
        if step not in plan:
            plan.append(step)
    for name, value in sorted(scores.items(), key=lambda kv: kv[1]):
        advice = _advice(name, persona, state, turns) if value < 75 else None
        if advice and len(plan) < 4:
            plan.append(f"{CRITERIA[name]} ({value}/100): {advice}")
    if not plan:
        if state.difficulty != "hard":
            plan.append("Strong session. Next time try the same persona on 'hard' difficulty.")
        elif mode == "assessment":
            plan.append("Strong session on 'hard' with no live tips. Next time try another persona.")
        else:
            plan.append("Strong session on 'hard'. Next time try another persona, or assessment mode with no live "
                        "tips.")
    return plan


def build_report(persona: Persona, state: CustomerState, turns: Sequence[TurnScore], mode: str = "practice") -> dict:
    # no turn, no evidence: nothing to score (the defaults would credit a tone and a discipline never shown)
    scores = criteria(persona, turns, state) if turns else {name: 0 for name in CRITERIA}
    result = outcome(persona, state, turns)
    return {
        "persona": persona.id,
        "difficulty": state.difficulty,
        "mode": mode,
        "currency": persona.briefing.currency,
        "unit": persona.briefing.unit,
        "overall": overall(scores, result) if turns else 0,
        "criteria": scores,
        "criteria_names": dict(CRITERIA),
        "outcome": result,
        # a heads-up was for the turn after it; looking back, each turn's own notes are what count
        "turns": [{"text": t.text, "moves": list(t.moves), "points": t.points,
                   "feedback": replace(t, notes=tuple(n for n in t.notes if not n.heads_up)).feedback}
                  for t in turns],
        "improvement_plan": improvement_plan(persona, state, scores, turns, mode),
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
    lines = [
        f"SESSION REPORT - overall {report['overall']}/100",
        f"Outcome: {ending}. Within company parameters: {'yes' if o['within_parameters'] else 'NO'}. "
        f"Customer retained: {retained}. Satisfaction {o['satisfaction']}/100.",
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
