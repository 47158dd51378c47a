"""Money amounts and percentages (parley/amounts.py) and the role each one plays."""

from __future__ import annotations

import pytest

from parley.amounts import find_amounts


def test_amounts_with_their_roles():
    amounts = find_amounts("I can do $23 a cartridge, that's 10% off, and it saves you $3,600 a year. "
                           "Or £2 off each seat.")
    as_tuples = [(a.value, a.kind, a.role) for a in amounts]
    assert (23.0, "money", "price") in as_tuples
    assert (10.0, "percent", "reduction") in as_tuples
    assert (3600.0, "money", "reduction") in as_tuples or (3600.0, "money", "period") in as_tuples
    assert (2.0, "money", "reduction") in as_tuples
    text = "We can go to $1.5k for the bundle."
    (amount,) = find_amounts(text)
    assert amount.value == 1500.0 and text[amount.start:amount.end] == "$1.5k"


@pytest.mark.parametrize("text, value, role", [
    ("and i can do 23 a cartridge if you keep ordering", 23.0, "price"),  # chat drops the currency sign
    ("could you live with 31 an agent", 31.0, "price"),
    ("best I can do is 25.50", 25.5, "price"),
    ("Then final price is 27,50 per vehicle.", 27.5, "price"),  # a decimal comma
    ("we can reduce 2,50 dollar for each vehicle", 2.5, "reduction"),
    ("ok fine, 25 then, just sign", 25.0, "price"),
])
def test_prices_written_without_a_currency_sign(text, value, role):
    assert [(a.value, a.role) for a in find_amounts(text)] == [(value, role)]


@pytest.mark.parametrize("text", ["we have 30 agents and order 150 a month", "it's 12 months or 1.5 years",
                                  "for 3 years, 2 sites"])
def test_counts_and_durations_are_not_prices(text):
    assert find_amounts(text) == ()


@pytest.mark.parametrize("text, value, kind, role", [
    ("I can offer twenty-three dollars a cartridge.", 23.0, "money", "price"),
    ("I can take two dollars off.", 2.0, "money", "reduction"),
    ("we can do ten percent off", 10.0, "percent", "reduction"),
    ("thirty one pounds a month", 31.0, "money", "period"),
])
def test_amounts_written_in_words(text, value, kind, role):
    assert [(a.value, a.kind, a.role) for a in find_amounts(text)] == [(value, kind, role)]
