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
    model = sim.make_model()
    S, A, S2 = pm.random_transitions(np.random.default_rng(1), 500)
    # Near the noise floor of the true system (velocity noise 0.02 m/s, RMS over 4 components).
    assert model.error(S, A, S2) < 1.5 * pm.NOISE
    assert pm.unfitted_model("drag").error(S, A, S2) > 5 * model.error(S, A, S2)
    # It is a model of f(s, a): the same state under different forces goes different ways.
    s = np.tile(pm.START, (2, 1))
    assert np.abs(np.diff(model.predict(s, np.array([[1.0, 0.0], [-1.0, 0.0]])), axis=0)).max() > 0.01


def test_ch6_claim_replan_searches_again_in_the_same_model(monkeypatch):
    """HOW: "Re-plan runs the search ... again with new samples in the same model"."""
    made, fit = [], sim.make_model
    monkeypatch.setattr(sim, "make_model", lambda *args: made.append(fit(*args)) or made[-1])
    firsts = [frames(sim, seed=seed, limit=sim.SEARCH_FRAMES)[-1]["summary"] for seed in SEEDS[:5]]
    assert len(made) == 5 and all(np.array_equal(m.W, made[0].W) for m in made)
    assert len(set(firsts)) == 5        # ... but each re-plan found a different best plan


def search_summary(samples, method, seed):
    return frames(sim, seed=seed, limit=sim.SEARCH_FRAMES, samples=samples,
                  method=method)[-1]


def test_ch6_claim_the_green_plan_is_the_best_of_the_gray_ones():
    """Caption: "imagines many possible futures (gray) and picks the one with the highest
    predicted reward (green)"."""
    for seed in SEEDS[:5]:
        f = search_summary(30, "random", seed)
        world, scores = f["panels"]
        gray = np.asarray(next(i for i in world["items"] if i.get("role") == "samples")["lines"])
        green = np.asarray(next(i for i in world["items"] if i.get("role") == "best")["line"])
        points = np.asarray(next(i for i in scores["items"] if "points" in i)["points"])
        assert len(gray) == 30
        best = int(np.argmax(points[:, 1]))
        np.testing.assert_array_equal(green, gray[best])


def first_plans(samples, method, seeds=SEEDS):
    model = sim.make_model()
    return [sim.first_plan(model, samples, method, np.random.default_rng(seed)) for seed in seeds]


def routes(samples, method="random", seeds=SEEDS):
    return [sim.route(p["states"]) for p in first_plans(samples, method, seeds)]


def test_ch6_claim_one_plan_rarely_gets_around_the_obstacle_the_best_of_200_mostly():
    """Try it: "with Samples at 1, how often does the chosen plan get around the obstacle? ...
    raise the slider towards 200 and compare"; text: "a single plan almost never gets around
    the obstacle, the best of 30 manages it about one time in three"."""
    seeds = range(60)
    around = {n: np.mean([r in ("above", "below") for r in routes(n, seeds=seeds)])
              for n in (1, 30, 200)}
    assert around[1] <= 0.08
    assert 0.2 <= around[30] <= 0.45
    assert around[200] >= 0.5
    # And the summary line names the route.
    assert any(sim.ROUTES[r] in search_summary(30, "random", s)["summary"]
               for s in range(3) for r in sim.ROUTES)


def test_ch6_claim_at_30_samples_the_best_plan_changes_from_one_try_to_the_next():
    """Try it: "How much does the best plan change from one try to the next?" A lot: "it may
    pass above the obstacle, below it, or stop short"."""
    seeds = range(20)
    assert {"above", "below", "short"} <= set(routes(30, seeds=seeds))
    ends = np.array([p["states"][-1, :2] for p in first_plans(30, "random", seeds)])
    assert np.linalg.norm(ends - ends.mean(0), axis=1).mean() > 0.3     # metres


def mean_best(samples, method, truth=False):
    """Average over seeds of the best plan's return: predicted, or when executed for real."""
    out = [pm.reward(pm.execute(pm.START, p["actions"])[1:]).sum() if truth else p["score"]
           for p in first_plans(samples, method)]
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
    """Quiz: "the same budget finds better plans than a single round of random shooting"."""
    assert mean_best(samples, "cem") > mean_best(samples, "random")


def test_ch6_claim_cems_first_plan_is_only_a_little_better_at_30_samples():
    """"CEM's first plan is only a little better than random shooting's": by less than the spread
    of random shooting's best plans between re-plans."""
    cem = [p["score"] for p in first_plans(30, "cem")]
    rs = [p["score"] for p in first_plans(30, "random")]
    assert 0 < np.mean(cem) - np.mean(rs) < np.std(rs)
    assert pm.cem_sizes(30, "cem") == [10, 10, 10]     # "three rounds of ten samples"


def time_to_goal(samples, method, seed, warm_start=True):
    """Seconds of model-predictive control until the goal; a run that never gets there within
    MPC_STEPS counts as MPC_STEPS (which understates it)."""
    rng = np.random.default_rng(seed)
    path = np.array([s for s, _ in sim.mpc(sim.make_model(), samples, method, rng,
                                           warm_start=warm_start)])
    return len(path) * pm.DT


def test_ch6_claim_with_30_samples_cem_reaches_the_goal_sooner_and_more_steadily():
    """Try it: "which planner gets the mass to the goal sooner, and whose time varies less?";
    text: "CEM ... in about 3 seconds, random shooting in about 4, and CEM's time varies less
    ... (a spread of about 0.4 s against 0.6 s)"."""
    seeds = range(20)
    cem = np.array([time_to_goal(30, "cem", s) for s in seeds])
    rs = np.array([time_to_goal(30, "random", s) for s in seeds])
    assert 2.5 <= cem.mean() <= 3.5 and 3.6 <= rs.mean() <= 4.8
    assert cem.mean() < rs.mean() - 0.7
    assert cem.std() < 0.8 * rs.std()
    assert 0.3 < cem.std() < 0.55 and 0.5 < rs.std() < 0.8
    # The summary line of each run's last frame carries the time.
    assert "reached the goal in" in frames(sim, method="cem")[-1]["summary"]


def test_ch6_claim_cems_edge_comes_from_starting_each_replan_from_the_previous_plan():
    """"every re-plan starts from the previous plan ... so the search effort of earlier steps
    carries over": without the warm start CEM is no faster than random shooting."""
    seeds = range(20)
    warm = np.mean([time_to_goal(30, "cem", s) for s in seeds])
    cold = np.mean([time_to_goal(30, "cem", s, warm_start=False) for s in seeds])
    rs = np.mean([time_to_goal(30, "random", s) for s in seeds])
    assert warm < cold - 0.7
    assert cold > rs - 0.5


def test_model_predictive_control_reaches_the_goal_around_the_obstacle():
    for method in ("random", "cem"):
        reached = 0
        for seed in range(8):
            rng = np.random.default_rng(seed)
            path = np.array([s for s, _ in sim.mpc(sim.make_model(), 100, method, rng)])
            reached += pm.goal_distance(path[-1]) < pm.GOAL_RADIUS
            assert not pm.in_obstacle(path).any()
        assert reached >= 6, method


def test_ch6_claim_cems_gray_samples_gather_round_by_round():
    """Try it: "Watch where the gray samples gather": CEM's last round of samples ends in a
    tighter cluster than its first."""
    ratios = []
    for p in first_plans(30, "cem", seeds=range(20)):
        ends = [r["states"][:, -1, :2] for r in p["rounds"]]
        spread = [np.linalg.norm(e - e.mean(0), axis=1).mean() for e in ends]
        ratios.append(spread[-1] / spread[0])
    assert np.mean(ratios) < 0.6 and max(ratios) < 0.9
