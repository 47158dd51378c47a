"""Shared fixtures for the plain-Python core: personas from personas/, hand-made analyses."""

from __future__ import annotations

from typing import Dict

import pytest

from parley.moves import Analysis, Detector, find_amounts, get_detector
from parley.personas import Persona, load_personas


@pytest.fixture(scope="session")
def personas() -> Dict[str, Persona]:
    return load_personas()


@pytest.fixture(scope="session")
def charlie(personas: Dict[str, Persona]) -> Persona:
    return personas["price_increase_charlie"]


@pytest.fixture(scope="session")
def detector() -> Detector:
    return get_detector()  # trained once, then cached on disk under .parley/


@pytest.fixture(scope="session")
def moves_of(detector: Detector):
    """The set of moves the detector reads in a text."""
    def run(text: str) -> set:
        return set(detector.detect(text).moves)

    return run


def turn(text: str, *moves: str) -> Analysis:
    """An analysed turn with the given moves, as if the detector had found them."""
    return Analysis(text, tuple(moves) or ("other",), (), find_amounts(text))
