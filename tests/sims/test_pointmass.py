"""Tests for the shared point-mass world: true dynamics, least-squares models and planners."""

import numpy as np
import pytest

from sims import pointmass as pm


def test_the_true_system_is_deterministic_without_noise_and_stays_in_the_arena():
    rng = np.random.default_rng(0)
    S, A = pm.random_states(rng, 500, max_speed=3.0), rng.uniform(-1.5, 1.5, (500, 2))
    S2 = pm.step(S, A)
    assert np.array_equal(S2, pm.step(S, np.clip(A, -1, 1)))     # actions are clipped
    assert np.all(S2[:, :2] >= pm.LO) and np.all(S2[:, :2] <= pm.HI)
    hit = (S2[:, :2] == pm.LO) | (S2[:, :2] == pm.HI)
    assert np.all(S2[:, 2:][hit] == 0)                           # walls stop the mass


def test_full_thrust_reaches_a_top_speed_of_about_two_metres_per_second():
    s = np.array([[-1.9, 0.0, 0.0, 0.0]])
    for _ in range(15):
        s = pm.step(s, np.array([[1.0, 0.0]]))
    assert 1.5 < s[0, 2] < 2.1


def test_the_drag_model_recovers_noise_free_dynamics_exactly():
    S, A, _ = pm.random_transitions(np.random.default_rng(1), 200)
    model = pm.fit_model(S, A, pm.step(S, A), kind="drag", ridge=1e-9)
    T, B, _ = pm.random_transitions(np.random.default_rng(2), 200)
    assert model.error(T, B, pm.step(T, B)) < 1e-6
    # An affine model cannot represent the drag.
    affine = pm.fit_model(S, A, pm.step(S, A), kind="affine", ridge=1e-9)
    assert affine.error(T, B, pm.step(T, B)) > 1e-3


def test_rollout_is_repeated_predict():
    rng = np.random.default_rng(3)
    model = pm.fit_model(*pm.random_transitions(rng, 100), kind="drag")
    actions = rng.uniform(-1, 1, (5, 7, 2))
    states = model.rollout(pm.START, actions)
    s = np.tile(pm.START, (5, 1))
    for t in range(7):
        s = model.predict(s, actions[:, t])
        np.testing.assert_allclose(states[:, t + 1], s, atol=1e-12)


def test_smooth_noise_is_standard_normal_and_correlated_in_time():
    e = pm.smooth_noise(np.random.default_rng(4), 20000, 12)
    assert e.shape == (20000, 12, 2)
    np.testing.assert_allclose(e.std(axis=(0, 2)), 1, atol=0.03)
    c = np.corrcoef(e[:, 5, 0], e[:, 6, 0])[0, 1]
    assert abs(c - pm.SMOOTH) < 0.03


@pytest.mark.parametrize("budget", [1, 7, 8, 30, 33, 200])
@pytest.mark.parametrize("method", ["random", "cem"])
def test_planners_spend_exactly_their_budget_and_return_their_best_sample(budget, method):
    rng = np.random.default_rng(budget)
    model = pm.fit_model(*pm.random_transitions(rng, 200), kind="drag")
    p = pm.plan(model, pm.START, budget, 10, method, rng)
    assert sum(len(r["scores"]) for r in p["rounds"]) == budget
    best = max(r["scores"].max() for r in p["rounds"])
    assert p["score"] == best
    assert p["score"] == pytest.approx(pm.score(model.rollout(pm.START, p["actions"][None]))[0])
    assert np.all(np.abs(p["actions"]) <= 1)
