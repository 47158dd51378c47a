"""The "How scoring works" page tells the truth: every criterion the rubric has, the weights, shares,
pass mark, caps and min_turns of rubrics/*.yml, and computed texts whose numbers are the ones
parley/scoring.py uses.  Change the scoring or a rubric and forget the plain words: this fails."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from parley import scoring
from parley.cockpit import rubric as plain_rubric
from parley.rubrics import MOMENTS, RUBRIC_DIR, Criterion, RubricError, available

DEFAULT_FILE = RUBRIC_DIR / "default.yml"
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _rubric_file(name: str = "default") -> dict:
    return yaml.safe_load((RUBRIC_DIR / f"{name}.yml").read_text(encoding="utf-8"))


def _numbers(text: str) -> Set[float]:
    return {float(n) for n in NUMBER.findall(text)}


# -- every criterion, every moment ------------------------------------------------------------------

def test_the_plain_words_cover_every_criterion_and_every_kind_of_moment():
    words = plain_rubric.plain()  # schema-checked: a missing or misspelt key fails here
    assert set(words.criteria) == set(Criterion), "rubric_plain.yml: every criterion needs rewards/computed/not_shown"
    assert set(MOMENTS) <= set(words.moments), "rubric_plain.yml: a rubric may cap any kind of moment"


@pytest.mark.parametrize("name", available())
def test_each_rubric_file_gets_its_criteria_in_its_order(name):
    data = _rubric_file(name)
    page = plain_rubric.page(name)
    assert [c.id for c in page.criteria] == [c["id"] for c in data["criteria"]]
    assert [c.name for c in page.criteria] == [c["label"] for c in data["criteria"]]
    assert all(c.rewards and c.computed and c.not_shown for c in page.criteria)


# -- the numbers on the page are the rubric file's --------------------------------------------------

def test_the_page_states_the_default_rubric_weights_shares_and_pass_mark():
    data = _rubric_file()
    page = plain_rubric.page()
    outcome = 100 * data.get("outcome_weight", 0.2)
    weights = {c["id"]: c.get("weight", 1) for c in data["criteria"]}
    total = sum(w for w in weights.values() if w > 0)
    for c in page.criteria:
        assert c.weight == weights[c.id]
        expected = (100 - outcome) * weights[c.id] / total
        assert c.share == pytest.approx(expected)
        assert c.share_text == f"{round(expected, 1):g}"
    # the shares and the outcome add up to the whole overall
    assert sum(c.share for c in page.criteria) + outcome == pytest.approx(100)
    rule = plain_rubric.overall_rule()
    assert f"{round(100 - outcome):g}% the criteria" in rule and f"{round(outcome):g}% where the conversation" in rule
    assert f"{data['pass_mark']} or more" in rule and page.pass_mark == data["pass_mark"]
    assert f"fewer than {data['min_turns']} of your messages" in rule
    for kind, cap in data["caps"].items():
        assert f"{plain_rubric.plain().moments[kind]}: at most {cap}" in rule
    assert not page.left_out  # the default rubric uses all seven


def test_the_page_follows_a_rubric_with_other_numbers(tmp_path, monkeypatch):
    """A trainer's rubric: another pass mark, outcome share and caps, one criterion at weight 0 and one
    left out. The page says so without anyone touching the plain words."""
    data = _rubric_file()
    data.update(name="strict", pass_mark=85, outcome_weight=0.5, min_turns=5, caps={"pressure": 30})
    data["criteria"] = [dict(c, weight=0) if c["id"] == "rapport" else c
                        for c in data["criteria"] if c["id"] != "closing"]
    (tmp_path / "strict.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "default.yml").write_text(DEFAULT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr("parley.rubrics.RUBRIC_DIR", tmp_path)
    page = plain_rubric.page("strict")
    by_id = {c.id: c for c in page.criteria}
    assert "closing" not in by_id and page.left_out == "This rubric does not use: Closing."
    assert not by_id["rapport"].counts and by_id["rapport"].share == 0
    total = sum(c["weight"] for c in data["criteria"])
    assert by_id["exploration"].share == pytest.approx(50 * 2 / total)
    rule = plain_rubric.overall_rule("strict")
    assert "50% the criteria" in rule and "50% where the conversation" in rule and "85 or more" in rule
    assert "pressure or an ultimatum: at most 30" in rule and "fewer than 5 of your messages" in rule
    assert "below the company's floor" not in rule  # this rubric has no floor cap


def test_a_persona_shows_the_rubric_it_names_and_unknown_names_get_a_clear_answer():
    from parley.personas import load_personas

    personas = load_personas()
    some = sorted(personas)[0]
    assert plain_rubric.rubric_for_persona(some) == personas[some].rubric
    with pytest.raises(RubricError, match="no persona called 'nobody'"):
        plain_rubric.rubric_for_persona("nobody")
    with pytest.raises(RubricError, match="no rubric called 'nothing'"):
        plain_rubric.page("nothing")


def test_names_cover_every_criterion_with_the_default_rubric_labels():
    labels = {c["id"]: c["label"] for c in _rubric_file()["criteria"]}
    assert plain_rubric.names() == {c.value: labels.get(c.value, scoring.CRITERIA[c.value]) for c in Criterion}


# -- the computed texts name scoring.py's numbers ------------------------------------------------------

def _criteria_blocks() -> Dict[str, List[ast.stmt]]:
    """The statements that judge each criterion: the body of its judge function in scoring._CRITERIA."""
    blocks: Dict[str, List[ast.stmt]] = {}
    for name, judge in scoring._CRITERIA.items():
        tree = ast.parse(textwrap.dedent(inspect.getsource(judge)))
        blocks[name] = tree.body[0].body  # type: ignore[attr-defined]
    return blocks


def _literals(nodes: List[ast.AST]) -> Set[float]:
    return {abs(float(n.value)) for node in nodes for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)}


def _score_expressions(block: List[ast.stmt]) -> List[ast.AST]:
    """The expressions that make the score itself: what the judge returns, and when it returns a
    variable (return discipline), every assignment to that variable; not the helper counts before
    them (e.g. the 4 points that mark an option meeting a need)."""
    returned = [node.value for stmt in block for node in ast.walk(stmt)
                if isinstance(node, ast.Return) and node.value is not None]
    kept = {v.id for v in returned if isinstance(v, ast.Name)}
    assigns = [node for stmt in block for node in ast.walk(stmt) if isinstance(node, ast.Assign)]
    return [v for v in returned if not isinstance(v, ast.Name)] + \
        [a for a in assigns if any(isinstance(t, ast.Name) and t.id in kept for t in a.targets)]


def _penalty_points(criterion: str) -> Set[float]:
    """The points the turn notes take off this criterion: Note("<criterion>", -N, ...) in scoring.py."""
    tree = ast.parse(Path(scoring.__file__).read_text(encoding="utf-8"))
    points = set()
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Note" and len(call.args) >= 2:
            first, second = call.args[0], call.args[1]
            if isinstance(first, ast.Constant) and first.value == criterion and isinstance(second, ast.UnaryOp):
                points.add(float(second.operand.value))  # type: ignore[attr-defined]
    return points


@pytest.mark.parametrize("criterion", [c.value for c in Criterion])
def test_each_computed_text_names_the_numbers_scoring_uses(criterion):
    block = _criteria_blocks()[criterion]
    used = _literals(block)
    # a note's points count times the block's multiplier (concession discipline: 10 a point)
    used |= {p * m for p in _penalty_points(criterion) for m in used}
    text = plain_rubric.plain().criteria[Criterion(criterion)].computed
    stated = _numbers(text)
    # every number the text names is one scoring.py uses for this criterion (0 and 100: the scale)
    assert stated - used - {0.0, 100.0} == set(), f"{criterion}: the text names numbers scoring.py does not use"
    # and every number in the score's own formula is stated (0 and 1 are not rules worth stating)
    formula = _literals(_score_expressions(block)) - {0.0, 1.0}
    assert formula - stated == set(), f"{criterion}: the text leaves out numbers of the formula"


def _points_multiplier(block: List[ast.stmt]) -> float | None:
    """How many criterion points one note point is worth, when the formula counts the notes' points:
    `n.points * 10` (concession discipline) or `12 * lapses` with lapses = sum(n.points ...)."""
    def counts_points(node: ast.AST) -> bool:  # sum(n.points for n in ...): adds the notes' points up
        return any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "sum"
                   and any(isinstance(n, ast.Attribute) and n.attr == "points" for n in ast.walk(c))
                   for c in ast.walk(node))

    of_points = {t.id for stmt in block for a in ast.walk(stmt) if isinstance(a, ast.Assign) and counts_points(a.value)
                 for t in a.targets if isinstance(t, ast.Name)}
    for node in (n for stmt in block for n in ast.walk(stmt)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for number, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(number, ast.Constant) and (
                        isinstance(other, ast.Attribute) and other.attr == "points" or
                        isinstance(other, ast.Name) and other.id in of_points):
                    return float(number.value)
    return None


@pytest.mark.parametrize("criterion", [c.value for c in Criterion])
def test_each_misstep_the_text_prices_is_a_note_scoring_takes_off(criterion):
    """Where the criterion counts the turn notes' points (concession discipline, transparency), the
    penalties the text states are exactly the notes' points at the formula's rate: none missing,
    none invented."""
    block = _criteria_blocks()[criterion]
    rate = _points_multiplier(block)
    if rate is None:
        return  # this criterion counts moves, not note points: the test above covers its numbers
    text = plain_rubric.plain().criteria[Criterion(criterion)].computed
    stated = {float(n) for n in re.findall(r"-(\d+(?:\.\d+)?)", text)}
    assert stated == {rate * p for p in _penalty_points(criterion)}


def test_the_outcome_text_names_the_numbers_outcome_score_uses():
    used = _literals([ast.parse(inspect.getsource(scoring.outcome_score))])
    stated = _numbers(plain_rubric.plain().outcome)
    assert stated - used - {0.0, 100.0} == set()
    assert {40.0, 50.0, 10.0} <= stated


# -- the page as rendered -------------------------------------------------------------------------------

def test_the_rendered_page_shows_the_rubric_files_pass_mark_shares_and_caps():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    import parley_web

    env = Environment(loader=FileSystemLoader(Path(parley_web.__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True))
    data = _rubric_file()
    html = env.get_template("rubric.html").render(viewer=None, csrf="", rubric=plain_rubric.page(), persona="")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert f"You pass with an overall score of {data['pass_mark']} or more" in text
    outcome = 100 * data["outcome_weight"]
    assert f"{100 - outcome:g}% the criteria" in text and f"{outcome:g}% where the conversation ended" in text
    total = sum(c["weight"] for c in data["criteria"] if c["weight"] > 0)
    for c in data["criteria"]:
        share = f"{round((100 - outcome) * c['weight'] / total, 1):g}"
        assert re.search(rf"{re.escape(c['label'])} {share}% of your overall", text.replace("&amp;", "&")), c["id"]
    for cap in set(data["caps"].values()):
        assert f"at most {cap}" in text
    assert f"fewer than {data['min_turns']} of your messages" in text
    assert "four fifths" not in text and "70 when nothing" not in text  # the old, untrue rule
