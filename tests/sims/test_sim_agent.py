"""Tests for the agent sim (the whole loop): its controls and frames, and that acting, fitting and
planning again makes the agent better as its data grows."""

import numpy as np
import pytest

from sims import agent as sim
from sims import contract
from sims import pointmass as pm
from simkit import frames

SEEDS = range(5)


@pytest.fixture(scope="module")
def agents():
    return [sim.run(seed) for seed in SEEDS]


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    by_name = {c["name"]: c for c in sim.CONTROLS}
    assert by_name["playback"]["kind"] == "playback"
    assert by_name["reset"]["action"] == "reset"
    assert (by_name["horizon"]["min"], by_name["horizon"]["max"]) == (5, 30)
    assert (by_name["samples"]["min"], by_name["samples"]["max"]) == (10, 300)
    assert sim.TITLE and sim.HOW and sim.__doc__


@pytest.mark.parametrize("params,limit", [({}, None), ({"horizon": 5, "samples": 10}, 200),
                                          ({"horizon": 30, "samples": 300}, 30)])
def test_every_frame_is_valid(params, limit):
    fs = frames(sim, limit=limit, **params)
    assert limit or len(fs) == sim.EPISODES * sim.EPISODE_STEPS
    for f in fs:
        contract.validate_frame(f)
        assert f["summary"] and f["legend"] and len(f["panels"]) == 3
        for item in f["panels"][0]["items"]:
            for key in ("line", "lines", "points"):
                if key in item:      # real paths and model rollouts stay inside the arena
                    xy = np.asarray(item[key]).reshape(-1, 2)
                    assert np.all(xy >= pm.LO - 1e-6) and np.all(xy <= pm.HI + 1e-6)
        assert contract.pack(f)[1].size < 50_000


def test_the_model_is_refitted_on_all_data_so_far(agents):
    for agent in agents:
        counts = [n for n, _ in agent.errors]
        total = sim.EPISODES * sim.EPISODE_STEPS
        assert counts == list(range(0, total + 1, sim.REFIT_EVERY))
        assert len(agent.returns) == sim.EPISODES


def test_the_return_improves_as_data_grows(agents):
    first = np.array([a.returns[0] for a in agents])
    later = np.array([np.mean(a.returns[1:]) for a in agents])
    assert later.mean() > first.mean() + 5
    assert np.sum(later > first) >= len(agents) - 1


def test_the_held_out_model_error_falls_with_more_data(agents):
    errors = np.array([[e for _, e in a.errors] for a in agents]).mean(0)
    n = np.array([n for n, _ in agents[0].errors])
    checkpoints = [errors[n == k][0] for k in (20, 60, 120, 300, 600)]
    assert all(a > b for a, b in zip(checkpoints, checkpoints[1:])), checkpoints
    # Near the true system's noise floor at the end (velocity noise 0.02, RMS over 4 parts).
    assert checkpoints[-1] < 1.5 * pm.NOISE
