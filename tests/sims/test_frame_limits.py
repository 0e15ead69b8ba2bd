"""Frames that would freeze or crash the learner's page are refused by the runner, which returns
the sim's error instead; real sims' frames pass, and checking them costs a fraction of a
millisecond. The page checks the same limits (tests/browser/test_browser_frame_limits.py), read
from its config (tests/builder/test_contract_on_pages.py).
"""

import importlib
import json
import time

import pytest

import sims
from sims import contract, runner
from hostile import HOSTILE, SOURCE, hostile_source
from simkit import frames

@pytest.mark.parametrize("payload", HOSTILE)
def test_runner_returns_an_error_frame_for_a_hostile_frame(payload):
    began = time.perf_counter()
    spec, data = runner.start(f"test-{payload}", "ball", "{}", 0, hostile_source(payload))
    assert time.perf_counter() - began < 2, "refused quickly, without copying the arrays first"
    message = json.loads(spec)
    assert "error" in message, spec[:200]
    assert message["error"].startswith("A frame breaks the contract")
    assert data.size == 0


def test_a_hostile_frame_after_healthy_ones_ends_the_run_with_an_error():
    source = SOURCE % 'dict(panels=[PANEL])\n    yield {"panels": [dict(PANEL, x=[0, float("inf")])]}'
    first = json.loads(runner.start("test-later", "ball", "{}", 0, source)[0])
    assert "panels" in first
    assert "x range" in json.loads(runner.step("test-later")[0])["error"]


def test_an_ordinary_exception_still_shows_its_traceback_line():
    source = "def simulate(params, seed):\n    yield 1 / 0\n"
    error = json.loads(runner.start("test-raise", "ball", "{}", 0, source)[0])["error"]
    assert 'sims/ball.py (edited)", line 2' in error and "ZeroDivisionError" in error


@pytest.mark.parametrize("name", sims.NAMES)
def test_real_sims_frames_pass_the_runner(name):
    params = json.dumps(contract.defaults(importlib.import_module(f"sims.{name}").CONTROLS))
    results = [runner.start(f"test-{name}", name, params, 0)]
    results += [runner.step(f"test-{name}") for _ in range(5)]
    runner.stop(f"test-{name}")
    for spec, _ in results:
        assert "error" not in json.loads(spec), spec[:500]


def test_checking_a_real_frame_costs_well_under_a_millisecond():
    shown = [f for name in sims.NAMES for f in frames(importlib.import_module(f"sims.{name}"), limit=20)]
    best = float("inf")
    for _ in range(5):  # the fastest of five passes: the machine's other work is not the check's
        began = time.perf_counter()
        for frame in shown:
            contract.validate_frame(frame)
        best = min(best, (time.perf_counter() - began) / len(shown))
    assert best < 0.5e-3, f"{best * 1e3:.3f} ms per frame"


def test_validation_names_the_part_that_breaks_the_limits():
    panel = {"title": "t", "x": [0, 1], "y": [0, 1], "items": []}
    with pytest.raises(contract.FrameError, match="title has 101 characters"):
        contract.validate_frame({"panels": [dict(panel, title="x" * 101)]})
    with pytest.raises(contract.FrameError, match="x range"):
        contract.validate_frame({"panels": [dict(panel, x=[1, 1 + 1e-12])]})
    contract.validate_frame({"panels": [dict(panel, x=[1, 1 + 1e-6])]})  # narrow but drawable
    with pytest.raises(contract.FrameError, match="NaN"):
        contract.pack({"panels": [dict(panel, aspect=float("nan"))]})


def test_metrics_are_a_few_finite_numbers_by_name():
    panel = {"title": "t", "x": [0, 1], "y": [0, 1], "items": []}
    contract.validate_frame({"panels": [panel], "metrics": {"error": 0.4, "step": 3}})
    for metrics, message in (([1.0], "a dict"), ({"Error": 1.0}, "not a name"),
                             ({"error": float("nan")}, "finite"), ({"error": True}, "finite"),
                             ({"error": "0.4"}, "finite"),
                             ({f"m{i}": 1.0 for i in range(13)}, "13 metrics; at most 12")):
        with pytest.raises(contract.FrameError, match=message):
            contract.validate_frame({"panels": [panel], "metrics": metrics})


@pytest.mark.parametrize("name", sims.NAMES)
def test_every_sim_reports_its_numbers_as_metrics(name):
    # a prediction question reads them; every sim's chapter has one
    module = importlib.import_module(f"sims.{name}")
    found = [f.get("metrics") for f in frames(module, seed=1, limit=400)]
    assert any(found), f"{name} reports no metrics in its first 400 frames"
