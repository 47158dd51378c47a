"""Money amounts and percentages in a turn, and what the words around each one say it is.

"$23 a cartridge", "27,50", "10% off", "saves you $3,600 a year", "46?": each becomes an `Amount`
with its value, kind (money or percent) and role (a price, a reduction, a total per period).
Whether the rep puts the number forward, refuses it or only reports it needs the sentence
around it; parley/moves.py decides that and records it in `Amount.offered`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Tuple

# the roles in which a money amount names a price: "$23" and "$23 a month" alike (the engine and the list-price
# step of the session core read the same ones)
PRICE_ROLES = ("price", "period")


@dataclass(frozen=True)
class Amount:
    """A money amount or percentage in the text, with what the words around it say it is."""

    value: float
    kind: str  # "money" or "percent"
    role: str  # "price", "reduction" (off / saving), "period" (per month / year), "other"
    start: int
    end: int
    # True: put forward by the rep; False: refused, reported or the customer's own ("I can't do $40",
    # "it went up to $25", "your budget has to come down 15%"); None: the words don't say
    offered: bool | None = None
    # the months a money amount covers by the words next to it ("$38,880 a year": 12, "over three years": 36);
    # None: the words name no period. Read with the amount, so a per-persona reading never reads the text again
    months: int | None = None

_NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"  # "$24, saving..." ends at the 4, not the comma
# words after a number that make it the rep's last word on price: "24 is my best", "44 final", "$45 locked"
FINAL_WORD = r"(?:(?:is|'s)\s+(?:my|our)\s+(?:very\s+)?(?:best|final|lowest)|final|tops|locked|fixed for|" \
             r"is (?:the )?best (?:i|we) can)\b"
_MONEY = re.compile(
    rf"(?P<cur>[$£€])\s?(?P<num>{_NUMBER})(?P<k>k\b)?"
    rf"|(?P<num2>{_NUMBER})\s?(?:(?P<pct>%|percent|per cent|pc\b)"
    r"|(?P<word>dollars?|bucks|pounds?|euros?|usd|gbp|eur|quid)\b)"
    # chat drops the currency sign: "23 a cartridge", "31 an agent", "25.50", "27,50", "ok, 25 then"
    r"|(?<![\w$£€.,])(?P<bare>\d+(?:[.,]\d\d?)?)(?=(?:\s+(?:a|an|per|each)\s+|\s*/\s*)(?!(?:year|yr|annum|month|mo|"
    r"quarter|week|day|hour|time)s?\b)[a-z]|\s+then\b|\s+it is\b|\s+it's\b|\s+works\b|\s+" + FINAL_WORD + ")"
    r"|(?<![\w$£€.,])(?P<cents>\d+[.,]\d\d)(?![\d%])"
    # a number sold as a package: "so 32 w/ price lock", "for 30 with the lock"
    r"|\b(?:at|say|so|ok|okay|make it|do|for|to)\s+(?P<package>\d+)(?=\s*(?:w/|with\b|plus\b|\+|incl))"
    # a bare number put up for a verdict: "would 23 work for you", "does 23.50 suit", "23 ok?"
    r"|\b(?:would|does|do|will|could|can|is)\s+(?P<asked>\d+(?:[.,]\d{1,2})?)(?=\s+(?:work|suit|do it|be ok|"
    r"be okay|be alright|be fine|sound|help|get us|be any good)\b)"
    r"|^\W*(?P<asked2>\d+(?:[.,]\d{1,2})?)(?=\s+(?:ok|okay|alright|good|fine)\s*\?)"
    # after an offering verb, or a number said on its own: "I can do 24 because...", "how about 23?", "46?"
    r"|(?:\b(?:can do|could do|how about|what about|make it|make that|go to|go down to|drop to|come down to|"
    r"offer you|(?:can|could|will|would|i'?ll|we'?ll) offer|deal at|call it|stay at|stays at|back to|"
    r"that'?s|thats|that is|"
    r"settle (?:at|on)|meet you at|(?:best|lowest) (?:i|we) can (?:do|go|offer)(?: is)?)\s+|"
    r"(?:^|(?<=[.!?]\s))\W*(?:ok|okay|fine|alright|right|so|then|great|gr8|perfect|cool|sure|yes|"
    r"yep|done)?\W*)"
    r"(?<![$£€\d])(?P<verbnum>\d+(?:[.,]\d{1,2})?)(?![.,]?\d)(?=\s*(?:[?!.,;]|$|then\b|if\b|because\b|as\b|since\b|for\b|with\b|and\b|"
    r"plus\b|instead\b|on\b|flat\b|from\b))",
    re.IGNORECASE,
)
_DECIMAL_COMMA = re.compile(r"^\d+,\d\d$")  # "27,50" is 27.50; "3,600" is three thousand six hundred
_REDUCTION_AFTER = re.compile(r"^\s*(off|less|cheaper|lower|discount|saving|reduction|back|credit|rebate|refund)", re.I)
_REDUCTION_BEFORE = re.compile(r"(sav(e|es|ing)( you)?( of)?|discount of|knock(ed|ing)?( off)?|take|taking|"
                               r"reduc\w*(?: by)?|cut by|drop(ped)? by|credit of|refund of|rebate of|lower by)"
                               r"\s*(about |around |a |an )?$", re.I)
_PERIOD_AFTER = re.compile(r"^\s*(/|per|a|an|each|every)?\s*(year|yr|annum|month|mo|quarter|week)\b|"
                           r"^\s*(annually|yearly|monthly|a year|a month)", re.I)


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# an amount in words: "twenty-three dollars a cartridge", "two dollars off", "ten percent"
_WORDS_MONEY = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<unit>{'|'.join(_ONES[1:10])}))?|(?P<small>{'|'.join(_ONES)}))"
    r"\s+(?:(?P<pct>percent|per cent)|dollars?|bucks|pounds?|euros?|quid)\b",
    re.I,
)


def _role(text: str, start: int, end: int, kind: str) -> str:
    after, before = text[end: end + 25], text[max(0, start - 30): start]
    if _REDUCTION_AFTER.search(after) or _REDUCTION_BEFORE.search(before):
        return "reduction"
    if _PERIOD_AFTER.search(after):
        return "period"
    return "price" if kind == "money" else "other"


def find_amounts(text: str) -> Tuple[Amount, ...]:
    amounts = []
    for m in _WORDS_MONEY.finditer(text):
        value = float(_TENS.index(m.group("tens").lower()) * 10 + 20 +
                      (_ONES.index(m.group("unit").lower()) if m.group("unit") else 0)) if m.group("tens") \
            else float(_ONES.index(m.group("small").lower()))
        kind = "percent" if m.group("pct") else "money"
        amounts.append(Amount(value, kind, _role(text, m.start(), m.end(), kind), m.start(), m.end()))
    for m in _MONEY.finditer(text):
        group = next(g for g in ("num", "num2", "bare", "cents", "package", "asked", "asked2", "verbnum")
                     if m.group(g))
        raw = m.group(group)
        try:
            value = float(raw.replace(",", ".") if _DECIMAL_COMMA.match(raw) else raw.replace(",", ""))
        except ValueError:
            continue
        if m.group("k"):
            value *= 1000
        kind = "percent" if m.group("pct") else "money"
        # the number, not the words before it
        start = m.start(group) if group in {"package", "verbnum", "asked"} else m.start()
        amounts.append(Amount(value, kind, _role(text, start, m.end(), kind), start, m.end()))
    return tuple(sorted((_with_period(a, text) for a in amounts), key=lambda a: a.start))


def _with_period(amount: Amount, text: str) -> Amount:
    return replace(amount, months=_period_named(text, amount)) if amount.kind == "money" else amount


# -- totals --------------------------------------------------------------------------------------------
# the period a total covers, said next to it: "$38,880 a year", "the annual total to $36,720", "a monthly bill of"
_PERIOD_MONTHS = (
    (re.compile(r"\b(?:years?|yearly|annual(?:ly)?|annum|yr)\b", re.I), 12),
    (re.compile(r"\b(?:quarters?|quarterly)\b", re.I), 3),
    (re.compile(r"\b(?:months?|monthly|mo)\b", re.I), 1),
)
_SENTENCE_END = re.compile(r"[.!?;]\s")


# a total over several years: "$110,160 over the three years", "the three-year total of $110,160"
_YEARS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_OVER_YEARS_AFTER = re.compile(r"^\s*(?:in total\s+)?(?:over|for|across)\s+(?:the\s+)?(?:next\s+|whole\s+|full\s+)?"
                               r"(two|three|four|five|[2-5])[\s-]*(?:years?|yrs?)\b", re.I)
_YEARS_TOTAL_BEFORE = re.compile(r"\b(two|three|four|five|[2-5])[\s-]*(?:years?|yrs?)\s+(?:total|bill|cost|spend|"
                                 r"contract value)\b(?:\s+\w+){0,3}\s*$", re.I)


def _period_named(text: str, amount: Amount) -> int | None:
    """The months a total covers by the words next to it: after it first ("$38,880 a year", "$110,160 over three
    years"), else the period words nearest before it in its sentence ("take the annual total to $36,720", "the
    three-year total of $110,160")."""
    after = text[amount.end: amount.end + 40]
    several = _OVER_YEARS_AFTER.match(after)
    if several:
        return 12 * _YEARS[several.group(1).lower()]
    for pattern, months in _PERIOD_MONTHS:
        if re.match(r"^\s*(?:/|per|a|an|each|every)?\s*" + pattern.pattern, after[:20], re.I):
            return months
    before = text[max(0, amount.start - 60): amount.start]
    ends = list(_SENTENCE_END.finditer(before))
    before = before[ends[-1].end():] if ends else before
    several = _YEARS_TOTAL_BEFORE.search(before)
    if several:
        return 12 * _YEARS[several.group(1).lower()]
    nearest = [(m.end(), months) for pattern, months in _PERIOD_MONTHS for m in pattern.finditer(before)]
    return max(nearest)[1] if nearest else None


def per_unit(amount: Amount, volume: int, list_price: float) -> Amount:
    """A money total turned into the unit price it stands for, with the customer's monthly volume: "$38,880 a
    year" for 120 vehicles at a $30 list price is $27 a vehicle a month; "a saving of $4,320 a year" is $3 off.
    Only an amount that cannot be a unit price (more than twice the list price) and only makes sense as
    volume x months (a unit price between 30% and 150% of the list price; a saving below it) is converted, over
    the period its words name (else a year, then a month). Anything else comes back as it was."""
    if amount.kind != "money" or amount.role == "other" or amount.value <= 2 * list_price or volume <= 0:
        return amount
    for months in (amount.months,) if amount.months else (12, 1):
        unit = round(amount.value / (volume * months), 2)
        fits = 0 < unit < list_price if amount.role == "reduction" else 0.3 * list_price <= unit <= 1.5 * list_price
        if fits:
            return replace(amount, value=unit, role="reduction" if amount.role == "reduction" else "price")
    return amount
