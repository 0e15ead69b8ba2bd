"""Tests for the planning sim: its controls and frames, and what planning by sampling teaches."""

import numpy as np
import pytest

from sims import contract
from sims import planning as sim
from sims import pointmass as pm
from simkit import frames

SEEDS = range(40)


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    names = {c["name"] for c in sim.CONTROLS}
    assert {"samples", "method", "replan"} <= names
    assert sim.TITLE and sim.HOW and sim.__doc__


@pytest.mark.parametrize("params", [{}, {"method": "cem", "samples": 200}, {"samples": 1},
                                    {"method": "cem", "samples": 3}])
def test_every_frame_is_valid(params):
    fs = frames(sim, **params)
    assert 0 < len(fs) < 1000
    for f in fs:
        contract.validate_frame(f)
        assert f["summary"] and f["legend"]
        world = f["panels"][0]
        assert world["x"] == pm.ARENA_X and world["y"] == pm.ARENA_Y
        for item in world["items"]:
            for key in ("line", "lines", "points"):
                if key in item:      # everything drawn stays inside the arena
                    xy = np.asarray(item[key]).reshape(-1, 2)
                    assert np.all(xy >= pm.LO - 1e-6) and np.all(xy <= pm.HI + 1e-6)
        assert contract.pack(f)[1].size < 50_000


def test_the_search_reveals_exactly_the_sample_budget():
    for method in ("random", "cem"):
        fs = frames(sim, samples=37, method=method)
        # The last search frame plots one score point per sample.
        search = [f for f in fs if f["panels"][1]["xlabel"] == "sample"]
        points = [i for i in search[-1]["panels"][1]["items"] if "points" in i][0]["points"]
        assert len(points) == 37
        assert sum(pm.cem_sizes(37, method)) == 37


def test_the_model_is_fitted_and_accurate():
    model = sim.make_model(np.random.default_rng(0))
    S, A, S2 = pm.random_transitions(np.random.default_rng(1), 500)
    # Near the noise floor of the true system (velocity noise 0.02 m/s, RMS over 4 components).
    assert model.error(S, A, S2) < 1.5 * pm.NOISE
    assert pm.unfitted_model("drag").error(S, A, S2) > 5 * model.error(S, A, S2)


def mean_best(samples, method, truth=False):
    """Average over seeds of the best plan's return: predicted, or when executed for real."""
    out = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        model = sim.make_model(rng)
        p = sim.first_plan(model, samples, method, rng)
        out.append(pm.reward(pm.execute(pm.START, p["actions"])[1:]).sum() if truth
                   else p["score"])
    return float(np.mean(out))


def test_best_of_n_improves_with_n_on_average():
    scores = [mean_best(n, "random") for n in (1, 5, 30, 200)]
    assert all(a < b for a, b in zip(scores, scores[1:])), scores


def test_more_samples_never_plan_worse_in_the_true_system():
    # The plan's first 20 forces run open loop in the true system: its real return.
    returns = [mean_best(n, "random", truth=True) for n in (1, 5, 30, 200)]
    assert all(a <= b for a, b in zip(returns, returns[1:])), returns


@pytest.mark.parametrize("samples", [30, 100, 200])
def test_cem_beats_random_shooting_at_equal_budget(samples):
    assert mean_best(samples, "cem") > mean_best(samples, "random")


def test_model_predictive_control_reaches_the_goal_around_the_obstacle():
    for method in ("random", "cem"):
        reached = 0
        for seed in range(8):
            rng = np.random.default_rng(seed)
            path = np.array([s for s, _ in sim.mpc(sim.make_model(rng), 100, method, rng)])
            reached += pm.goal_distance(path[-1]) < pm.GOAL_RADIUS
            assert not pm.in_obstacle(path).any()
        assert reached >= 6, method
