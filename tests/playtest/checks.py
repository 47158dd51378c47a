"""What a session file expects, checked against its replay: the session's `expect:`, each turn's notes and the
coherence invariants. Every check has a name a session's `known_defect:` can list (docs/playtest.md)."""

from __future__ import annotations

import re
from typing import List, Tuple

from parley.personas import Persona
from tests.playtest.corpus import Played
from tests.playtest.invariants import check_all

Failure = Tuple[str, str]  # (check name, what went wrong)


def says(text: str, phrase: str) -> bool:
    """The phrase as words in the text, any case: "No" is not in "Not exactly", "$23" is not in "$230"."""
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w|\.\d)", text, re.I) is not None


def expectations(played: Played) -> List[Failure]:
    """The session's `expect:` against its report and replies."""
    expect, report, failures = played.session.expect, played.report, []
    outcome = report.get("outcome", {})
    ended_by, price, overall = outcome.get("ended_by"), outcome.get("price"), report.get("overall")
    replies = [played.opening] + [t.reply for t in played.turns]
    if ended_by not in expect["outcome"]:
        failures.append(("outcome", f"expected {' or '.join(expect['outcome'])}, got {ended_by}"
                                    f"{f' at {price:g}' if price else ''}"))
    if "price_between" in expect:
        low, high = expect["price_between"]
        if ended_by == "deal" and not (price is not None and low <= price <= high):
            failures.append(("price_between", f"expected a deal between {low:g} and {high:g}, got {price}"))
    if "within_parameters" in expect and outcome.get("within_parameters") is not expect["within_parameters"]:
        failures.append(("within_parameters", f"expected {expect['within_parameters']}, got "
                                              f"{outcome.get('within_parameters')}"))
    if "overall_at_least" in expect and (overall is None or overall < expect["overall_at_least"]):
        failures.append(("overall_at_least", f"expected at least {expect['overall_at_least']}, got {overall} "
                                             f"{report.get('criteria')}"))
    if "overall_at_most" in expect and overall is not None and overall > expect["overall_at_most"]:
        # a session too short or off topic to assess has no score, which is not a high one
        failures.append(("overall_at_most", f"expected at most {expect['overall_at_most']}, got {overall} "
                                            f"{report.get('criteria')}"))
    if "customer_says" in expect and not any(says(r, expect["customer_says"]) for r in replies):
        failures.append(("customer_says", f"the customer never said {expect['customer_says']!r}"))
    for phrase in expect.get("customer_never_says") or []:
        if any(says(r, phrase) for r in replies):
            failures.append(("customer_never_says", f"the customer said {phrase!r}"))
    revealed = report.get("hidden", {}).get("revealed", [])
    missing = [i for i in expect.get("revealed") or [] if i not in revealed]
    if missing:
        failures.append(("revealed", f"did not come out: {', '.join(missing)} (revealed: {revealed})"))
    return failures


def turn_notes(played: Played) -> List[Failure]:
    """Each turn's `moves_include`, `moves_exclude`, `reply_has` and `reply_not`."""
    failures = []
    for n, script in enumerate(played.session.turns, 1):
        checks = [k for k in ("moves_include", "moves_exclude", "reply_has", "reply_not") if getattr(script, k)]
        if not checks:
            continue
        if n > len(played.turns):
            failures += [(f"turn{n}.{k}", f"turn {n} was not played: the session ended at turn {len(played.turns)}")
                         for k in checks]
            continue
        t = played.turns[n - 1]
        missing = [m for m in script.moves_include if m not in t.moves]
        if missing:
            failures.append((f"turn{n}.moves_include", f"{t.text!r} read as {list(t.moves)}, without {missing}"))
        extra = [m for m in script.moves_exclude if m in t.moves]
        if extra:
            failures.append((f"turn{n}.moves_exclude", f"{t.text!r} read as {list(t.moves)}, including {extra}"))
        if script.reply_has and not any(says(t.reply, p) for p in script.reply_has):
            failures.append((f"turn{n}.reply_has", f"{t.text!r} answered {t.reply!r}, with none of "
                                                   f"{list(script.reply_has)}"))
        said = [p for p in script.reply_not if says(t.reply, p)]
        if said:
            failures.append((f"turn{n}.reply_not", f"{t.text!r} answered {t.reply!r}, which says {said}"))
    return failures


def all_failures(played: Played, persona: Persona) -> List[Failure]:
    """Every check the session fails: its expectations, its turn notes, then the invariants (by name)."""
    found = expectations(played) + turn_notes(played)
    for name, turn, message in check_all(played, persona):
        found.append((name, f"turn {turn}: {message}"))
    return found
