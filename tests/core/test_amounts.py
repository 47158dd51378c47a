"""Money amounts and percentages (parley/amounts.py) and the role each one plays."""

from __future__ import annotations

import pytest

from parley.amounts import find_amounts, per_unit


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


# -- totals read as unit prices (play-test R1) ---------------------------------------------------------
@pytest.mark.parametrize("text, value, role", [
    ("I can bring that down to $38,880 a year, 10% less.", 27.0, "price"),  # 120 vehicles x 12 months
    ("If you sign for three years, I can take the annual total to $36,720.", 25.5, "price"),
    ("your monthly bill drops to $3,240", 27.0, "price"),
    ("that's a saving of $4,320 a year", 3.0, "reduction"),
    ("a quarterly invoice of $9,720", 27.0, "price"),
    ("I can do $110,160 over the three years.", 25.5, "price"),  # 120 x 36 months
    ("the three-year total comes to $110,160", 25.5, "price"),
])
def test_a_total_is_read_as_the_unit_price_it_stands_for(text, value, role):
    (amount,) = [a for a in find_amounts(text) if a.kind == "money"]
    unit = per_unit(amount, volume=120, list_price=30.0)
    assert (unit.value, unit.role) == (value, role) and (unit.start, unit.end) == (amount.start, amount.end)


@pytest.mark.parametrize("text, months", [
    ("$38,880 a year", 12), ("a quarterly invoice of $9,720", 3), ("$110,160 over the three years", 36),
    ("the three-year total comes to $110,160", 36), ("$3,240 per month", 1), ("I can do $27.", None),
])
def test_a_money_amount_carries_the_period_its_words_name(text, months):
    """The period is read with the amount, so the persona's reading converts totals without the text."""
    (amount,) = [a for a in find_amounts(text) if a.kind == "money"]
    assert amount.months == months


@pytest.mark.parametrize("text", ["I can do $27 a vehicle.", "The hardware swap costs $1,000,000.",
                                  "We have 120 trucks and $500 of setup fees."])
def test_an_amount_that_is_no_total_of_the_volume_stays_as_it_is(text):
    for amount in find_amounts(text):
        assert per_unit(amount, volume=120, list_price=30.0) == amount
