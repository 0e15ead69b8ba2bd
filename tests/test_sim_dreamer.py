"""Tests for the dreamer sim: its controls and frames, the lambda-return, the fitted heads, and
that an actor trained only in imagination does better in the real world."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sims import contract
from sims import dreamer as sim
from sims import pointmass as pm
from simkit import frames

SEEDS = range(6)


@pytest.fixture(scope="module")
def learners():
    return [sim.run(seed) for seed in SEEDS]


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    (horizon,) = sim.CONTROLS
    assert (horizon["name"], horizon["min"], horizon["max"], horizon["default"]) == \
        ("horizon", 1, 30, 12)
    assert sim.TITLE and sim.HOW and sim.__doc__


@pytest.mark.parametrize("horizon,limit", [(12, None), (1, 80), (30, 80)])
def test_every_frame_is_valid(horizon, limit):
    fs = frames(sim, limit=limit, horizon=horizon)
    assert limit or len(fs) == sim.EPISODES * (sim.EPISODE_STEPS + sim.TRAIN_STEPS)
    for f in fs:
        contract.validate_frame(f)
        assert f["summary"] and f["legend"]
        assert len(f["panels"]) == 4
        world = f["panels"][0]
        for item in world["items"]:
            for key in ("line", "lines", "points"):
                if key in item:      # everything drawn stays inside the arena
                    xy = np.asarray(item[key]).reshape(-1, 2)
                    assert np.all(xy >= pm.LO - 1e-6) and np.all(xy <= pm.HI + 1e-6)
        bars = [i for i in f["panels"][1]["items"] if "bars" in i]
        if bars:    # one predicted reward per imagined step
            assert np.asarray(bars[0]["bars"]).shape == (horizon, 2)
        assert contract.pack(f)[1].size < 50_000


def reference_lambda_return(r, v, gamma, lam):
    """The lambda-return as the lambda-weighted mix of n-step returns (no recursion):
    R_t = (1 - lam) sum_n lam^(n-1) G_t^(n) + lam^(H-t-1) G_t^(H-t), where G_t^(n) is
    the n-step return bootstrapped with v(z_t+n) and v[k] = v(z_k+1)."""
    H = len(r)
    out = np.empty(H)
    for t in range(H):
        def G(n):
            return sum(gamma ** k * r[t + k] for k in range(n)) + gamma ** n * v[t + n - 1]
        out[t] = ((1 - lam) * sum(lam ** (n - 1) * G(n) for n in range(1, H - t))
                  + lam ** (H - t - 1) * G(H - t))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 15), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(0, 10 ** 6))
def test_lambda_return_matches_the_n_step_definition(H, gamma, lam, seed):
    rng = np.random.default_rng(seed)
    r, v = rng.normal(size=H), rng.normal(size=H)
    np.testing.assert_allclose(sim.lambda_returns(r, v, gamma, lam),
                               reference_lambda_return(r, v, gamma, lam), atol=1e-9)
    # The recursion is linear: its mean over t has the weights the actor's gradient uses.
    alpha, beta = sim.return_weights(H, gamma, lam)
    np.testing.assert_allclose(sim.lambda_returns(r, v, gamma, lam).mean(),
                               alpha @ r + beta @ v, atol=1e-9)


def test_the_actor_gradient_is_the_gradient_of_the_imagined_return(learners):
    d = learners[0]
    rng = np.random.default_rng(1)
    theta = rng.normal(scale=0.7, size=(2, 5))
    z0 = np.array(d.data["S"])[rng.integers(0, len(d.data["S"]), 8)]
    J, grad, _, _ = sim.actor_objective(d.world, d.critic, theta, z0, 9)
    eps, fd = 1e-6, np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[i] = eps
        fd[i] = (sim.actor_objective(d.world, d.critic, theta + e, z0, 9)[0]
                 - sim.actor_objective(d.world, d.critic, theta - e, z0, 9)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-6)


def r_squared(pred, true):
    return 1 - np.mean((pred - true) ** 2) / np.var(true)


def test_the_reward_head_fits_the_true_reward(learners):
    for d in learners:
        # Held out: a fresh real episode of the trained actor, never seen by the fit.
        d.start_episode()
        for _ in range(sim.EPISODE_STEPS):
            d.real_step()
        S2 = np.array(d.path[1:])
        assert r_squared(d.world.reward(S2), pm.reward(S2, obstacle=False)) > 0.9
    # And the head's features can represent the reward over the whole arena.
    rng = np.random.default_rng(0)
    S, T = pm.random_states(rng, 400), pm.random_states(rng, 400)
    R = pm.reward(S, obstacle=False)
    head = sim.WorldModel(S, np.zeros((400, 2)), S, R)
    assert r_squared(head.reward(T), pm.reward(T, obstacle=False)) > 0.97


def test_the_latent_dynamics_fit_the_real_transitions(learners):
    for d in learners:
        S, A, S2 = pm.random_transitions(np.random.default_rng(7), 300)
        # Above the noise floor (about 0.014): the linear latent model misses the drag.
        assert d.world.dynamics.error(S, A, S2) < 0.05
        assert d.world.dynamics.error(S, A, S2) < 0.4 * pm.unfitted_model().error(S, A, S2)


def test_training_uses_only_imagination(monkeypatch):
    d = sim.Dreamer(0, 12)
    d.start_episode()
    for _ in range(sim.EPISODE_STEPS):
        d.real_step()
    d.end_episode()

    def forbidden(*args, **kwargs):
        raise AssertionError("the true system was used while training")
    monkeypatch.setattr(pm, "step", forbidden)
    monkeypatch.setattr(pm, "reward", forbidden)
    before = d.theta.copy()
    for _ in range(5):
        d.train_step()
    assert not np.array_equal(before, d.theta)


def test_training_in_imagination_improves_the_real_return(learners):
    before = sim.evaluate(np.zeros((2, 5)))
    after = [sim.evaluate(d.theta) for d in learners]
    assert np.mean(after) > before + 10
    assert min(after) > before
    # The episodes it collected along the way got better too.
    first = np.mean([d.returns[0] for d in learners])
    last = np.mean([np.mean(d.returns[-3:]) for d in learners])
    assert last > first + 10
