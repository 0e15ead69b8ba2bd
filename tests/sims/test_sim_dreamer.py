"""Tests for the dreamer sim: its controls and frames, the lambda-return, the fitted heads, and
that an actor trained only in imagination does better in the real world."""

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sims import contract
from sims import dreamer as sim
from sims import pointmass as pm
from simkit import frames

SEEDS = range(6)


def trained(seed, horizon):
    """A learner after the whole loop, with the model's drift from each real episode (2 to 8)
    when replaying its actions, as the summary reports it."""
    d = sim.Dreamer(seed, horizon)
    d.drifts = [sim.drift(d) for kind, e, i, _ in sim.loop(d)
                if kind == "real" and i == sim.EPISODE_STEPS - 1 and e > 0]
    return d


@pytest.fixture(scope="module")
def learners():
    return [trained(seed, 12) for seed in SEEDS]


@pytest.fixture(scope="module")
def by_horizon(learners):
    return {1: [trained(seed, 1) for seed in SEEDS[:5]], 12: learners,
            30: [trained(seed, 30) for seed in SEEDS[:5]]}


def reward_share(d):
    """The share of the predicted rewards in the lambda-return imagined from the start."""
    _, _, R, _, (rewards, critic) = d.dream_from(pm.START)
    np.testing.assert_allclose(rewards + critic, R[:, 0])
    return float(rewards[0] / R[0, 0])


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


@pytest.mark.parametrize("seed", range(5))
def test_training_uses_only_imagination(monkeypatch, seed):
    """Try it: "Its actor is trained purely in imagination: it never learns from a real
    transition directly"."""
    d = sim.Dreamer(seed, 12)
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


def test_ch3_claim_at_horizon_1_the_lambda_return_is_mostly_the_critic(by_horizon):
    """Try it: "at Imagination horizon 1, is the λ-return made mostly of predicted rewards or
    mostly of the critic's value?"; text: "at horizon 1, about 98 % ... is the critic's value"."""
    shares = [reward_share(d) for d in by_horizon[1]]
    assert max(shares) < 0.05
    # The summary line shows the split the learner is asked to check.
    last = frames(sim, horizon=1)[-1]["summary"]
    R, rewards, critic = map(float, re.search(
        r"from the start, λ-return (\S+) = predicted rewards (\S+) \+ critic (\S+);", last).groups())
    assert abs(rewards + critic - R) < 0.11 and critic > 10 * rewards


def test_ch3_claim_at_horizon_30_the_rewards_share_grows_but_the_critic_still_gives_two_thirds(
        by_horizon):
    """Try it: "And at 30?"; text: "Even a 30-step dream still takes about two thirds of its
    λ-return from the critic"."""
    short = np.mean([reward_share(d) for d in by_horizon[1]])
    long = [reward_share(d) for d in by_horizon[30]]
    assert all(0.25 < s < 0.45 for s in long)
    assert np.mean(long) > 5 * short
    assert np.mean([reward_share(d) for d in by_horizon[12]]) < np.mean(long)


def test_ch3_claim_longer_dreams_drift_further_from_reality(learners):
    """Try it: "The dashed orange line is the model replaying the current episode's real actions
    ... Do longer dreams stay faithful to reality?"; text: "a few centimetres off after 5 steps,
    tens of centimetres after 20 and about a metre after 40"."""
    drift = np.array([np.mean(d.drifts, axis=0) for d in learners])  # (seeds, 41): per step
    mean = drift.mean(0)
    assert mean[1] < 0.01 and 0.01 < mean[5] < 0.08 and 0.15 < mean[20] < 0.8
    assert 0.7 < mean[40] < 2.5
    assert np.all(drift[:, 40] > 2 * drift[:, 20]) and np.all(drift[:, 20] > 2 * drift[:, 5])


def test_ch3_claim_the_dashed_replay_is_drawn_and_reported():
    fs = frames(sim, limit=sim.EPISODE_STEPS + sim.TRAIN_STEPS + 20)
    f = fs[-1]                                   # episode 2, step 20
    dashed = [i for i in f["panels"][0]["items"] if i.get("dash") and i["role"] == "imagined"]
    assert len(dashed) == 1 and len(dashed[0]["line"]) == 21
    assert "replaying this episode's 20 actions, the model is" in f["summary"]


def test_ch3_claim_predicted_rewards_rise_as_the_dream_nears_the_goal(learners):
    """Try it: "Watch the green predicted rewards along an imagined path: they rise as the dream
    approaches the goal"."""
    for d in learners:
        Z, r, _, _, _ = d.dream_from(pm.START)
        distance = pm.goal_distance(Z[0, 1:])
        assert distance[-1] < distance[0] - 0.5
        assert r[0, -1] > r[0, 0] + 0.2
        assert np.corrcoef(r[0], -distance)[0, 1] > 0.95
    # The green bars are those rewards, one per imagined step.
    f = frames(sim, limit=sim.EPISODE_STEPS + 1)[-1]
    bars = next(i for i in f["panels"][1]["items"] if "bars" in i)
    assert bars["role"] == "reward" and len(bars["bars"]) == 12


def test_ch3_claim_caption_colours_and_the_critic_at_the_horizon():
    """Caption: "Teal = real states, orange = imagined futures, green = predicted rewards"; Try
    it: "At the horizon, the critic's value estimate takes over, and the sim shows the resulting
    λ-return"."""
    for seed in range(5):
        f = frames(sim, seed=seed, limit=sim.EPISODE_STEPS + sim.TRAIN_STEPS + 5)[-1]
        world, rewards, returns, _ = f["panels"]
        roles = {i["role"] for i in world["items"] if "line" in i or "lines" in i}
        assert {"real", "imagined"} <= roles
        assert {i["role"] for i in rewards["items"]} == {"reward"}
        curve = np.asarray(next(i for i in returns["items"] if "line" in i)["line"])
        critic = np.asarray(next(i for i in returns["items"] if "points" in i)["points"])
        # The curve is the lambda-return at each imagined step and ends on v(z_H).
        assert curve[-1, 0] == critic[0, 0] == 12 and curve[-1, 1] == critic[0, 1]
        first = float(re.search(r"λ-return (\S+) =", f["summary"]).group(1))
        assert abs(curve[0, 1] - first) < 0.051
