"""Persona files are untrusted input: limits in the one loader, fast refusals, reloads off the turn's path,
and the silent mistakes (file name != id, duplicate titles, curly quotes) turned into file:line errors."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from parley import personas as personas_module
from parley.personas import MAX_BYTES, PersonaError, PersonaWatcher, load_personas, parse_persona
from parley.scaffold import new_persona, render

LIMIT_S = 1.0  # the bar: a limit breach is a clear error in under a second


def alias_bomb(levels: int) -> str:
    """The classic "billion laughs": each level is nine aliases of the one below (9**levels values)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nid: bomb\nname: *a{levels - 1}\n"


def refused_quickly(call) -> PersonaError:
    started = time.perf_counter()
    with pytest.raises(PersonaError) as caught:
        call()
    took = time.perf_counter() - started
    assert took < LIMIT_S, f"took {took:.2f}s"
    return caught.value


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_is_refused_in_under_a_second_with_its_line(tmp_path: Path, levels: int) -> None:
    text = alias_bomb(levels)
    assert len(text.encode()) < 4096  # a 3 KB file, as in the issue
    (tmp_path / "bomb.yml").write_text(text, encoding="utf-8")
    error = refused_quickly(lambda: load_personas(tmp_path))
    [problem] = error.problems
    assert problem.file.endswith("bomb.yml") and 1 < problem.line <= levels + 2
    assert "aliases" in problem.message and "20,000" in problem.message


def test_anchors_that_stay_small_are_still_allowed() -> None:
    text = render("cafe_owner").replace("  greeting:\n    hostile:", "  greeting:\n    hostile: &short")
    greeting = ('    guarded: ["Hi. So, about this price.", "Hello. I hope you can help.", '
                '"Hi. I\'ve got the invoice right here."]')
    text = text.replace(greeting, "    guarded: *short", 1)
    persona = parse_persona(text, "cafe_owner.yml")
    assert persona.reactions["greeting"]["guarded"] == persona.reactions["greeting"]["hostile"]


def test_a_huge_file_is_refused_from_its_size_without_being_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    filler = "# " + "x" * 1000 + "\n"
    path.write_text(render("huge") + filler * (18 * 1024), encoding="utf-8")  # 18 MB, as in the issue
    assert path.stat().st_size > 18_000_000
    error = refused_quickly(lambda: load_personas(tmp_path))
    assert [str(p) for p in error.problems] == [f"{personas_module.display_path(path)}:1: the file is "
                                                f"{path.stat().st_size / 1024:,.0f} KB; a persona file may be at "
                                                f"most {MAX_BYTES // 1024} KB (the seed personas are about 13 KB)"]


def test_a_file_just_under_the_size_limit_is_checked_in_under_a_second(tmp_path: Path) -> None:
    text = render("big_one")
    reply = '    - "A long line the customer might say, padded out to test how fast a big file is read."\n'
    text = text.replace("  walk_away:", "  walk_away:\n" + reply * ((MAX_BYTES - len(text) - 2000) // len(reply)), 1)
    assert MAX_BYTES - 3000 < len(text.encode()) <= MAX_BYTES
    (tmp_path / "big_one.yml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    assert set(load_personas(tmp_path)) == {"big_one"}
    assert time.perf_counter() - started < 5 * LIMIT_S  # a legal file loads too (generous: a loaded machine)


def test_deep_nesting_is_refused_with_its_line() -> None:
    text = "id: deep\nname:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)) + "  " * 40 + "x: 1\n"
    error = refused_quickly(lambda: parse_persona(text, "deep.yml"))
    assert str(error.problems[0]).startswith("deep.yml:14: sections are nested more than 12 deep")
    flow = "id: deep\nname: " + "[" * 5000 + "]" * 5000 + "\n"
    assert "nested more than" in str(refused_quickly(lambda: parse_persona(flow, "flow.yml")))


def test_the_conversation_tests_share_the_limits(tmp_path: Path) -> None:
    from parley.persona_tests import load_cases

    path = tmp_path / "bomb_test.yml"
    path.write_text(alias_bomb(9), encoding="utf-8")
    assert "aliases" in str(refused_quickly(lambda: load_cases(path)))


# -- silent mistakes are errors ------------------------------------------------------------------------
def test_a_file_named_differently_from_its_id_is_an_error_at_the_id_line(tmp_path: Path) -> None:
    (tmp_path / "gym.yml").write_text(render("gym_member"), encoding="utf-8")
    with pytest.raises(PersonaError) as caught:
        load_personas(tmp_path)
    [problem] = caught.value.problems
    line = render("gym_member").splitlines().index(next(x for x in render("gym_member").splitlines()
                                                        if x.startswith("id:"))) + 1
    assert (problem.line, problem.field) == (line, "id")
    assert "the file is called 'gym.yml'" in problem.message and "gym_member.yml" in problem.message


def test_two_personas_with_the_same_title_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "first_one.yml").write_text(render("first_one", title="Sam - gym member"), encoding="utf-8")
    (tmp_path / "second_one.yml").write_text(render("second_one", title="sam - Gym member "), encoding="utf-8")
    with pytest.raises(PersonaError) as caught:
        load_personas(tmp_path)
    [problem] = caught.value.problems
    assert problem.file.endswith("second_one.yml") and problem.field == "title"
    assert "already the title of" in problem.message and "first_one.yml" in problem.message


def test_a_line_in_curly_quotes_is_an_error_not_words_the_customer_says() -> None:
    text = render("cafe_owner").replace('    - "OK, {price} a bag works for me. Thanks for sorting it out."',
                                        '    - \u201c{price} a bag works for me.\u201d')
    with pytest.raises(PersonaError) as caught:
        parse_persona(text, "cafe_owner.yml")
    [problem] = caught.value.problems
    assert problem.field == "lines.accept[0]" and "curly quotes" in problem.message
    assert text.splitlines()[problem.line - 1].strip().startswith("- \u201c{price}")


# -- reloads never hold up a turn ----------------------------------------------------------------------
def _touch(path: Path, text: str) -> None:
    stat = path.stat() if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if stat:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_slow_reload_never_blocks_current_and_swaps_in_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    watcher = PersonaWatcher(tmp_path, wait=0.2)
    first = watcher.current()
    release = threading.Event()
    real = personas_module.load_available

    def slow(directory: Path, cache=None):
        release.wait(30)  # a reload stuck on a slow disk, or a huge file
        return real(directory, cache)

    monkeypatch.setattr(personas_module, "load_available", slow)
    _touch(tmp_path / "cafe_owner.yml", render("cafe_owner").replace("Thanks for sorting it out.", "Sorted."))
    for _ in range(5):  # every turn meanwhile is answered at once, from the last good personas
        started = time.perf_counter()
        assert watcher.current() is first
        assert time.perf_counter() - started < 0.5
    release.set()
    reloaded = watcher.reloaded(timeout=10)
    assert reloaded is not first and "OK, {price} a bag works for me. Sorted." in reloaded["cafe_owner"].lines.accept


def test_a_bomb_saved_while_serving_keeps_the_last_good_version_and_says_why(tmp_path: Path) -> None:
    new_persona("cafe_owner", tmp_path, with_test=False)
    watcher = PersonaWatcher(tmp_path)
    first = watcher.current()
    _touch(tmp_path / "cafe_owner.yml", alias_bomb(9).replace("id: bomb", "id: cafe_owner"))
    started = time.perf_counter()
    assert watcher.current()["cafe_owner"] is first["cafe_owner"]
    assert time.perf_counter() - started < LIMIT_S
    assert watcher.reloaded()["cafe_owner"] is first["cafe_owner"]
    assert [p.file for p in watcher.problems] == [personas_module.display_path(tmp_path / "cafe_owner.yml")]
    assert "aliases" in watcher.problems[0].message


def test_a_reload_reads_only_the_file_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for pid in ("cafe_one", "cafe_two", "cafe_three"):
        new_persona(pid, tmp_path, with_test=False)
    watcher = PersonaWatcher(tmp_path)
    watcher.current()
    read: list = []
    real = personas_module.load_persona
    monkeypatch.setattr(personas_module, "load_persona", lambda path: read.append(Path(path).name) or real(path))
    _touch(tmp_path / "cafe_two.yml", render("cafe_two").replace("Thanks for sorting it out.", "Sorted."))
    assert "OK, {price} a bag works for me. Sorted." in watcher.reloaded()["cafe_two"].lines.accept
    assert read == ["cafe_two.yml"]
