"""Keeps the corpus's `known_defect` markers honest after a fix lands.

    python -m tests.playtest.markers           # lists markers whose check now passes, and new failures
    python -m tests.playtest.markers --write   # also removes the markers whose check now passes

A marker names a check that fails because of a finding in FINDINGS.md; once the fix is merged the check passes
and tests/core/test_playtest.py asks for the marker to go, so the check is enabled from then on.
"""

from __future__ import annotations

import re
import sys
from typing import Dict, List

from parley.moves import detect
from parley.personas import Persona, load_personas
from tests.playtest.checks import all_failures
from tests.playtest.corpus import Session, all_sessions, play


def fixed_and_new(session: Session, personas: Dict[str, Persona]) -> tuple[List[str], List[str]]:
    """The markers whose check passes now, and the failures no marker covers."""
    failures = all_failures(play(session, personas, detect), personas[session.persona])
    failed = {name for name, _ in failures}
    return ([name for name in session.known_defect if name not in failed],
            [f"{name}: {message}" for name, message in failures if name not in session.known_defect])


def remove_markers(text: str, names: List[str]) -> str:
    """The session file without the given `known_defect` entries (and without the section once it is empty)."""
    for name in names:
        text = re.sub(rf"^  {re.escape(name)}: [FR]\d+\n", "", text, flags=re.M)
    if re.search(r"^known_defect:\n(?!  )", text + "\n", flags=re.M) or text.rstrip().endswith("known_defect:"):
        text = re.sub(r"(?:^#[^\n]*\n)?^known_defect:\n?(?=(?!  )|\Z)", "", text, flags=re.M)
    return text


def main(argv: List[str]) -> int:
    personas, write, new_failures = load_personas(), "--write" in argv, 0
    for session in all_sessions():
        fixed, new = fixed_and_new(session, personas)
        for name in fixed:
            print(f"{session.id}: {name} ({session.known_defect[name]}) passes now")
        for failure in new:
            print(f"{session.id}: NEW FAILURE {failure}")
        new_failures += len(new)
        if write and fixed:
            session.path.write_text(remove_markers(session.path.read_text(encoding="utf-8"), fixed), encoding="utf-8")
    return 1 if new_failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
