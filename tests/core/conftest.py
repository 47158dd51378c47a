"""Shared fixtures for the plain-Python core: personas from personas/, hand-made analyses."""

from __future__ import annotations

from typing import Dict

import pytest

from parley.moves import Analysis, find_amounts
from parley.personas import Persona, load_personas


@pytest.fixture(scope="session")
def personas() -> Dict[str, Persona]:
    return load_personas()


@pytest.fixture(scope="session")
def charlie(personas: Dict[str, Persona]) -> Persona:
    return personas["price_increase_charlie"]


def turn(text: str, *moves: str) -> Analysis:
    """An analysed turn with the given moves, as if the detector had found them."""
    return Analysis(text, tuple(moves) or ("other",), (), find_amounts(text))
