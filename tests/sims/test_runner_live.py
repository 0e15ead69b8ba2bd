"""Live controls in CPython: their declaration in sims/contract.py, and sims/runner.py's update
path, which sends a live control's new params to the running generator instead of restarting it."""

import importlib
import json

import numpy as np
import pytest

import sims
from sims import contract, runner

COUNTER = '''
def simulate(params, seed):
    n, got = 0, None
    while True:
        sent = yield {"panels": [], "summary": f"frame {n}, got {got}"}
        if sent is not None:
            got = sent["speed"]
            if got < 0:
                raise ValueError("negative speed")
            if got == 0:
                return
        n += 1
'''
IGNORES = '''
def simulate(params, seed):
    n = 0
    while True:
        yield {"panels": [], "summary": f"frame {n}"}
        n += 1
'''


def spec(result):
    return json.loads(result[0])


def array(result, ref):
    return result[1][ref["$a"]:ref["$a"] + int(np.prod(ref["shape"]))].reshape(ref["shape"])


@pytest.fixture
def key(request):
    yield request.node.name
    runner.stop(request.node.name)


def test_a_control_is_live_only_when_declared_so():
    assert "live" not in contract.slider("a", "A", 0, 1, 0)
    assert contract.slider("a", "A", 0, 1, 0, live=True)["live"] is True
    for make in (lambda live: contract.toggle("t", "T", live=live),
                 lambda live: contract.choice("c", "C", [("x", "X")], "x", live=live),
                 lambda live: contract.canvas_click("p", "P", [0, 0], live=live)):
        assert "live" not in make(False) and make(True)["live"] is True
        contract.validate_controls([make(True)])


def test_a_live_button_counts_its_presses_and_never_restarts():
    pressed = contract.button("push", "Push", live=True)
    assert (pressed["action"], pressed["default"], pressed["live"]) == ("press", 0, True)
    assert contract.defaults([pressed]) == {"push": 0}
    contract.validate_controls([pressed, contract.button("again", "Again")])
    with pytest.raises(ValueError, match="live button"):
        contract.validate_controls([{**contract.button("b", "B"), "action": "press"}])
    with pytest.raises(ValueError, match="live"):
        contract.validate_controls([{**contract.slider("s", "S", 0, 1, 0), "live": "yes"}])
    with pytest.raises(ValueError, match="playback"):
        contract.validate_controls([{**contract.playback(), "live": True}])


def test_update_reaches_the_running_sim_without_restarting(key):
    params = contract.defaults(importlib.import_module("sims.ball").CONTROLS)
    runner.start(key, "ball", json.dumps(params), 1)
    for _ in range(49):
        runner.step(key)
    moved = {**params, "launch": [6.0, 4.0]}
    result = runner.update(key, json.dumps(moved))
    frame = spec(result)
    assert "49 transitions seen" in frame["summary"]  # all it learned is kept: no restart
    circle = [item for item in frame["panels"][0]["items"] if "circle" in item][-1]
    assert np.allclose(array(result, circle["circle"])[0, :2], [6.0, 4.0])
    assert "50 transitions seen" in spec(runner.step(key))["summary"]


def test_update_sends_the_params_and_answers_with_the_next_frame(key):
    runner.start(key, "counter", "{}", 0, source=COUNTER)
    runner.step(key)
    assert spec(runner.update(key, json.dumps({"speed": 3})))["summary"] == "frame 2, got 3"
    assert spec(runner.step(key))["summary"] == "frame 3, got 3"


def test_a_sim_that_ignores_what_it_is_sent_shows_its_next_frame(key):
    runner.start(key, "ignores", "{}", 0, source=IGNORES)
    assert spec(runner.update(key, json.dumps({"speed": 3})))["summary"] == "frame 1"


def test_update_fails_safely_like_step(key):
    runner.start(key, "counter", "{}", 0, source=COUNTER)
    error = spec(runner.update(key, json.dumps({"speed": -1})))["error"]
    assert "ValueError: negative speed" in error and "counter.py (edited)" in error
    assert "runner.py" not in error
    assert "error" in spec(runner.step(key))  # the failed sim is gone: nothing left to step
    runner.start(key, "counter", "{}", 0, source=COUNTER)
    assert spec(runner.update(key, json.dumps({"speed": 0}))) == {"done": True}
    assert "error" in spec(runner.update("no such sim", "{}"))


@pytest.mark.parametrize("name", [n for n in sims.NAMES
                                  if any(c.get("live") for c in importlib.import_module(f"sims.{n}").CONTROLS)])
def test_every_live_control_reaches_its_running_sim(name, key):
    controls = importlib.import_module(f"sims.{name}").CONTROLS
    params = contract.defaults(controls)
    runner.start(key, name, json.dumps(params), 2)
    for control in (c for c in controls if c.get("live")):
        if control["kind"] == "slider":
            values = [control["min"], control["max"]]
        elif control["kind"] == "choice":
            values = [value for value, _ in control["options"]]
        elif control["kind"] == "toggle":
            values = [True, False]
        elif control["kind"] == "button":
            values = [params[control["name"]] + 1]
        else:
            values = [[0.0, 0.0], control["default"]]
        for value in values:
            params[control["name"]] = value
            frame = spec(runner.update(key, json.dumps(params)))
            assert "error" not in frame, frame.get("error")
            runner.step(key)
