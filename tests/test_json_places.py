"""`ivrc lint` places a JSON request's findings by the paths their marks stand for
(`ivrc.build.json_locate`), without reading the request again with positions: the same
findings, at the same places, as the exact reading gives."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from test_json_input import _COMPILED, _every_check_with_positions, _paths, _put, json_values

from ivrc.build import json_text
from ivrc.build.json_locate import MARK, locate
from ivrc.build.json_text import parse_located
from ivrc.build.library import analyze
from ivrc.language.config import Config

LAYOUTS = st.sampled_from([(None, (", ", ": ")), (2, (",", ": ")), ("\t", (" ,\n", " :  ")), (0, (",", ":"))])


def _linted(text: str) -> list:
    return list(analyze(text, path="r.json", config=Config(region="IL"), findings_only=True).diagnostics)


@given(st.sampled_from(_COMPILED), st.data(), st.lists(json_values, min_size=1, max_size=3), LAYOUTS)
def test_findings_placed_by_their_marks_are_those_of_the_exact_reading(request, data, news, layout):
    for new in news:
        path = data.draw(st.sampled_from(_paths(request)))
        request = _put(request, path, new)
    indent, separators = layout
    text = json.dumps(request, indent=indent, separators=separators, ensure_ascii=False)
    assert _linted(text) == _every_check_with_positions(text)


def _exact_places(value: object, path: tuple = ()) -> dict:
    """Every value's and key's span, as the exact reading has them."""
    places = {(False, path): value.span}  # type: ignore[attr-defined]
    if isinstance(value.value, dict):  # type: ignore[attr-defined]
        for key, item in value.pairs:  # type: ignore[attr-defined]
            places[(True, (*path, key.value))] = key.span
            places.update(_exact_places(item, (*path, key.value)))
    elif isinstance(value.value, list):  # type: ignore[attr-defined]
        for index, item in enumerate(value.value):  # type: ignore[attr-defined]
            places.update(_exact_places(item, (*path, index)))
    return places


# Any keys at all: quotes, backslashes, control characters and other scripts written escaped or not.
ANY_KEYS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@given(json_values | ANY_KEYS, LAYOUTS, st.booleans(), st.data())
def test_a_located_value_or_key_stands_where_the_exact_reading_puts_it(value, layout, ascii_only, data):
    indent, separators = layout
    text = "\n " + json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only) + "\r\n"
    root, problems = parse_located(text)
    assert root is not None and not problems
    exact = _exact_places(root)
    wanted = data.draw(st.sets(st.sampled_from(sorted(exact, key=repr)), min_size=1))
    assert locate(text, wanted) == {want: exact[want] for want in wanted}


def test_a_request_with_findings_is_not_read_again(monkeypatch):
    request = dict(_COMPILED[0])
    steps = request["ivr"]["steps"] if "ivr" in request else None
    assert steps, "the first example is a dialer request with steps"
    text = json.dumps({**request, "ivr": {**request["ivr"], "steps": [*steps, {"step_id": "lost", "actions": []}]}})
    expected = _every_check_with_positions(text)
    assert expected and all(d.line != MARK for d in expected)

    def refuse(text: str) -> None:
        raise AssertionError("read again with positions")

    monkeypatch.setattr(json_text, "parse_located", refuse)
    monkeypatch.setattr("ivrc.build.from_json.parse_located", refuse)
    assert _linted(text) == expected


def test_a_finding_that_names_a_line_is_placed_by_the_exact_reading():
    request = dict(_COMPILED[0])
    steps = request["ivr"]["steps"]
    text = json.dumps({**request, "ivr": {**request["ivr"], "steps": [*steps, steps[0]]}}, indent=2)
    found = _linted(text)
    assert found == _every_check_with_positions(text)
    named = [d for d in found if " on line " in d.message]
    assert named and all(str(MARK) not in d.message and d.line != MARK for d in found)
