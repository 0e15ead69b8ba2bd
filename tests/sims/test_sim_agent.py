"""Tests for the agent sim (the whole loop): its controls and frames, that it learns its dynamics
and its reward from its own data and plans with both, and every claim chapter 8 makes about it."""

import numpy as np
import pytest

from sims import agent as sim
from sims import contract
from sims import pointmass as pm
from simkit import frames

SEEDS = range(6)
_runs = {}


def runs(horizon=15, refit=True, samples=100):
    """The whole loop over SEEDS at one setting, computed once per session."""
    key = (horizon, refit, samples)
    if key not in _runs:
        _runs[key] = [sim.run(seed, horizon, samples, refit) for seed in SEEDS]
    return _runs[key]


def late(agents, field):
    """Per seed, the values of `field` in the last five episodes."""
    return np.array([getattr(a, field)[5:] for a in agents])


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    by_name = {c["name"]: c for c in sim.CONTROLS}
    assert by_name["playback"]["kind"] == "playback"
    assert by_name["reset"]["action"] == "reset"
    assert by_name["reseed"]["action"] == "reseed"
    assert (by_name["horizon"]["min"], by_name["horizon"]["max"]) == (5, 30)
    assert (by_name["samples"]["min"], by_name["samples"]["max"]) == (10, 300)
    assert by_name["refit"]["kind"] == "toggle" and by_name["refit"]["default"] is True
    assert sim.TITLE and sim.HOW and sim.__doc__


@pytest.mark.parametrize("params,limit", [({}, None), ({"horizon": 5, "samples": 10}, 200),
                                          ({"horizon": 30, "samples": 300, "refit": False}, 30)])
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


def test_panel_titles_are_short_enough_to_fit():
    for horizon in (5, 30):
        f = frames(sim, limit=1, horizon=horizon)[0]
        assert all(len(p["title"]) <= 26 for p in f["panels"]), [p["title"] for p in f["panels"]]


def test_the_caption_colours_match_the_roles_drawn():
    # "Teal = real path, orange = the plan being considered, green = the goal and the returns."
    f = frames(sim, limit=30)[-1]
    roles = {(p, item.get("role")) for p, panel in enumerate(f["panels"]) for item in panel["items"]}
    assert {(0, "real"), (0, "imagined"), (0, "reward"), (1, "reward")} <= roles
    assert dict(f["legend"])["imagined"] == "plan being considered"


def test_the_summary_carries_the_returns_the_distance_and_the_model_error():
    last = frames(sim, horizon=5)[-1]["summary"]
    agent = runs(horizon=5)[0]          # the same seed: the same run
    assert f"{agent.returns[0]:.1f} in the first" in last
    assert f"{np.mean(agent.returns[5:]):.1f} on average in the last five" in last
    reached = sum(d < sim.REACHED for d in agent.final_distances[5:])
    assert f"{reached} of which ended within {sim.REACHED} m of the goal" in last
    assert f"5-step model error {agent.errors[-1][1]:.2f} m" in last


def test_the_models_are_refitted_on_all_data_so_far():
    # "As data accumulates, its model is refitted on everything it has experienced so far."
    for agent in runs():
        counts = [n for n, _ in agent.errors]
        assert counts == list(range(0, sim.EPISODES * sim.EPISODE_STEPS + 1, sim.REFIT_EVERY))
        assert len(agent.rewards.R) == len(agent.data["S"]) == sim.EPISODES * sim.EPISODE_STEPS


def test_the_world_model_is_conditioned_on_actions():
    agent = runs()[0]
    s = np.tile(sim.START, (2, 1))
    left, right = agent.dynamics.predict(s, np.array([[-1.0, 0.0], [1.0, 0.0]]))
    true_left, true_right = pm.step(s, np.array([[-1.0, 0.0], [1.0, 0.0]]))
    # The fitted model moves the mass the way the force pushes it, by about the true amount.
    np.testing.assert_allclose(right[2] - left[2], true_right[2] - true_left[2], rtol=0.1)


def test_the_planner_scores_plans_with_its_own_learned_reward(monkeypatch):
    agent = sim.Agent(0, 15, 100)
    for _ in range(90):
        p = agent.step()        # planned with the models fitted at step 80
    # The plan's score is the reward model's sum over the imagined states, not the true one ...
    assert p["score"] == pytest.approx(float(agent.rewards(p["states"][1:]).sum()))
    assert abs(p["score"] - float(sim.reward(p["states"][1:]).sum())) > 1e-3
    # ... and planning never looks at the true reward.
    monkeypatch.setattr(sim, "reward", lambda s: pytest.fail("the planner read the true reward"))
    sim.plan(agent.dynamics, agent.rewards, agent.s, 100, 15, np.random.default_rng(0))


def test_the_reward_model_learns_the_goal_and_the_wall_where_it_was_felt():
    P = pm.random_states(np.random.default_rng(9), 2000)[:, :2]
    away = ~sim.in_wall(P)
    for agent in runs():
        err = np.abs(agent.rewards(P) - sim.reward(P))
        assert np.median(err[away]) < 0.1                  # the bowl round the goal
        felt = np.array(agent.rewards.P)[sim.in_wall(np.array(agent.rewards.P))]
        bowl = sim.bowl_features(felt) @ agent.rewards.bowl
        assert np.mean(bowl - agent.rewards(felt)) > 1.5   # the wall, where it was felt
        seen = np.array(agent.rewards.P)
        far = np.min(np.linalg.norm(P[:, None] - seen[None], axis=-1), axis=1) > 0.8
        bumps = agent.rewards(P[far]) - sim.bowl_features(P[far]) @ agent.rewards.bowl
        assert far.any() and np.percentile(np.abs(bumps), 90) < 0.05   # flat where never been


def test_before_the_first_fit_all_plans_look_alike_and_the_agent_acts_at_random():
    # HOW: "Before the first fit both models predict nothing, all plans look alike."
    agent = sim.Agent(0, 15, 100)
    for _ in range(sim.REFIT_EVERY - 1):
        p = agent.step()
        assert p["score"] == 0 and np.all(agent.rewards(p["samples"][:, 1:]) == 0)


def test_ch8_claim_first_episode_plans_do_not_match_the_real_path():
    # "In the very first episode ... will the orange plans match the teal path? Watch the model
    # error from one episode to the next": no, and the error falls episode by episode.
    errors = np.array([[e for _, e in a.errors] for a in runs()])
    per_episode = errors[:, ::sim.EPISODE_STEPS // sim.REFIT_EVERY]   # at each episode's start
    assert np.all(per_episode[:, 0] > 5 * per_episode[:, 2])         # unfitted vs episode 3
    mean = per_episode.mean(0)
    assert mean[1] > mean[2] > mean[-1]
    assert np.all(errors[:, -1] < 0.1)                 # 15 imagined steps within 10 cm at the end


def test_ch8_claim_return_improves_and_is_reliable_after_five_episodes():
    # "How many episodes does the agent need before it reliably collects reward?" About five.
    R = np.array([a.returns for a in runs()])
    assert np.all(R[:, 0] < 35)                        # the first episode is random
    assert R[:, 1:5].mean() < R[:, 5:].mean() - 8      # episodes 2-5 still learn the wall
    assert np.mean(R[:, 5:] > 45) > 0.9                # from the sixth on, nearly always


def test_ch8_claim_a_horizon_of_5_is_myopic_and_stops_in_front_of_the_wall():
    short = runs(horizon=5)
    dist, ret = late(short, "final_distances"), late(short, "returns")
    assert np.mean(dist > 1.0) > 0.7                   # most late episodes end far from the goal,
    ends = np.array([[path[-1, 0] for path in a.paths[5:]] for a in short])
    assert np.mean(ends[dist > 1.0] < sim.WALLS[0, 0]) > 0.8      # waiting in front of the wall
    assert ret.mean() < late(runs(), "returns").mean() - 8


def test_ch8_claim_a_horizon_of_15_sees_round_the_wall_and_reaches_the_goal():
    dist = late(runs(), "final_distances")
    assert np.median(dist) < 0.2 and np.mean(dist < 0.5) > 0.9


def test_ch8_claim_30_steps_in_a_model_fitted_once_fail_because_its_errors_compound():
    frozen = runs(horizon=30, refit=False)
    # The model fitted on the first 20 steps: its imagined paths drift further from the true ones
    # with every step, to metres after 30 steps, where a refitted model stays within 30 cm ...
    S, A, true = sim.held_out_paths(np.random.default_rng(7), 100, 30)

    def error(agent, steps=(5, 15, 30)):
        gap = np.linalg.norm(agent.dynamics.rollout(S, A)[:, :, :2] - true[:, :, :2], axis=-1)
        return np.sqrt(np.mean(gap[:, list(steps)] ** 2, axis=0))

    for agent, refitted in zip(frozen, runs(horizon=30)):
        assert len({e for _, e in agent.errors[1:]}) == 1      # fitted once, then kept
        e5, e15, e30 = error(agent)
        assert e5 < e15 < e30 and e30 > 3 * e5 and e30 > 1.0
        assert error(refitted)[-1] < 0.3
    # ... and planning 30 steps through it fails where 15 steps, or a refitted model, succeed.
    ret = late(frozen, "returns").mean()
    assert ret < late(runs(horizon=15, refit=False), "returns").mean() - 8
    assert ret < late(runs(horizon=30), "returns").mean() - 15
    # "Press New agent to try a few more: most of them fail": most late episodes end > 1 m away.
    assert np.sum(np.mean(late(frozen, "final_distances") > 1.0, axis=1) > 0.5) >= 4
    assert np.all(np.mean(late(runs(), "final_distances") < 0.5, axis=1) >= 0.6)
    assert np.mean(late(runs(horizon=30), "final_distances") > 1.0) < 0.1
