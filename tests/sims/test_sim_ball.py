"""The ball sim: its controls and frames, and every claim chapter 0 makes about it.

Claims are named for the sentence they check: `ch0` for the chapter text (body, caption, "Try
it", quiz) and `how` for the sim's "How this works" note.
"""

import re

import numpy as np
import pytest

from sims import ball, contract
from simkit import frames

SEEDS = range(6)
CALM, WINDY = np.array([2.0, 3.5, 0.0, 0.0]), np.array([7.0, 3.5, 0.0, 0.0])  # at rest, mid-air
FALLING = np.array([4.0, 0.5, 1.0, -4.0])  # just above the floor, about to bounce


class Learner:
    """Drives the sim as the page does: one frame per display frame, live controls by send()."""

    def __init__(self, seed, **params):
        self.params = {**contract.defaults(ball.CONTROLS), **params}
        self.run = ball.simulate(dict(self.params), seed)
        self.frame = next(self.run)

    def watch(self, n):
        for _ in range(n):
            self.frame = next(self.run)
        return self.frame

    def set(self, **changes):
        self.params.update(changes)
        self.frame = self.run.send(dict(self.params))
        return self.frame

    def press(self, name):
        return self.set(**{name: self.params[name] + 1})


def number(frame, pattern):
    return float(re.search(pattern, frame["summary"]).group(1))


def seen(frame):
    return int(number(frame, r"(\d+) transitions seen"))


def futures(frame, dashed):
    """The imagined lines drawn in the box: dashed (push now) or solid (no new push)."""
    return [np.asarray(item["line"]) for item in frame["panels"][0]["items"]
            if item.get("role") == "imagined" and bool(item.get("dash")) == dashed]


def ball_at(frame):
    return np.asarray(frame["panels"][0]["items"][-1]["circle"])[0, :2]


def gravity_line(frame):
    lines = [i["line"] for i in frame["panels"][1]["items"] if i.get("role") == "imagined"]
    return np.asarray(lines[0]) if lines else np.zeros((0, 2))


def fitted(seed, kind="smooth", steps=ball.MEMORY):
    states, actions, next_states, _ = ball.observe(steps, seed)
    return ball.fit_model(states, actions, next_states, kind)


# --- The contract ------------------------------------------------------------------------------

def test_every_control_is_live_so_nothing_learned_is_thrown_away():
    contract.validate_controls(ball.CONTROLS)
    assert {c["kind"] for c in ball.CONTROLS} == {"canvas_click", "button", "choice", "slider"}
    assert all(c.get("live") for c in ball.CONTROLS)


def test_frames_follow_the_contract_and_stay_in_range():
    learner = Learner(0, model="contact")
    shown = [learner.frame] + [learner.watch(1) for _ in range(300)]
    shown += [learner.press("push")] + [learner.watch(1) for _ in range(100)]
    for frame in shown:
        contract.validate_frame(frame)
        assert frame["summary"]
        box = frame["panels"][0]
        assert box["click"]
        for item in box["items"]:
            if "line" in item:
                xy = np.asarray(item["line"])
                assert np.all((xy[:, 0] >= 0) & (xy[:, 0] <= ball.BOX_W))
                assert np.all((xy[:, 1] >= ball.BELOW) & (xy[:, 1] <= ball.BOX_H))
        assert contract.pack(frame)[1].size < 50_000


@pytest.mark.parametrize("params", [{"horizon": 10}, {"horizon": 120},
                                    {"horizon": 120, "model": "contact"}])
def test_control_extremes_run(params):
    for frame in frames(ball, seed=1, limit=40, **params):
        contract.validate_frame(frame)


def test_predict_is_the_fitted_linear_map_of_the_features():
    states, actions, next_states, _ = ball.observe(ball.MEMORY, 0)
    for kind in ball.MODELS:
        model = ball.fit_model(states, actions, next_states, kind)
        F = ball.features(states, actions, contact=kind == "contact")
        assert F.shape[1] == (ball.N_ALL if kind == "contact" else ball.N_SMOOTH)
        assert np.allclose(ball.predict(model, states, actions), F @ model["W"])


def test_a_sim_that_is_never_sent_anything_still_runs_on():
    learner = Learner(3)
    assert seen(learner.watch(100)) == 100


# --- Chapter 0: the text around the sim ---------------------------------------------------------

def test_ch0_claim_it_fits_a_rule_to_state_action_next_state_transitions():
    """ "From the transitions it has seen so far (state, action, next state) it fits a simple,
    smooth prediction rule by least squares": the push and gravity come out of the fit."""
    for seed in SEEDS:
        states, actions, next_states, _ = ball.observe(ball.MEMORY, seed)
        assert 0 < actions.mean() < 0.5  # some pushes among the transitions
        model = ball.fit_model(states, actions, next_states)
        assert abs(ball.model_push(model) / ball.PUSH - 1) < 0.05
        assert abs(ball.model_gravity(model) / ball.GRAVITY - 1) < 0.04


def test_ch0_claim_dashed_futures_show_a_push_now_once_the_model_has_seen_pushes():
    """Body: "solid ones if you do nothing, dashed ones if you push now"; Try it: "At first the
    model has never seen a push, so the dashed futures lie on the solid ones. Once it has seen a
    few pushes, the dashed fan rises above the solid one before you press, and the summary shows
    the push the model has learned next to the true one"; quiz: the sim "compares pushing now
    with not pushing"."""
    lifts = []
    for seed in SEEDS:
        learner = Learner(seed)
        frame = learner.watch(200)
        assert "no push in the last 20 s" in frame["summary"]
        dashed, solid = futures(frame, True), futures(frame, False)
        assert len(dashed) == len(solid) == ball.N_FUTURES
        assert all(np.array_equal(d, s) for d, s in zip(dashed, solid))
        for _ in range(3):
            learner.press("push")
            learner.watch(60)
        learner.watch(30)  # no push under way: the fans differ only by a push now
        frame = learner.set(launch=[4.0, 1.0])  # mid-box, so no future leaves it within `at`
        learned = number(frame, r"push (\d+\.\d) \(true 30\)")
        assert abs(learned / ball.PUSH - 1) < 0.1
        at = 20  # steps ahead: the push has ended, the ball still flies
        height = [np.mean([line[min(at, len(line) - 1), 1] for line in futures(frame, dashed)])
                  for dashed in (True, False)]
        lifts.append(height[0] - height[1])
    assert min(lifts) > 0.5  # m higher, a third of a second after pushing now


def test_ch0_claim_futures_spread_wider_where_the_model_has_been_wrong_before():
    """ "that noise is drawn from the model's own past mistakes in the same part of the box: where
    it has been wrong before, it imagines a wider spread of futures." The gusts near the window
    make its errors there larger; its futures there fan out as widely as the real ball does."""
    plan = ball.push_plans(0, 30)[:1]
    for seed in SEEDS:
        model = fitted(seed)
        counts = model["counts"][ball.cell_of(np.array([CALM, WINDY]))]
        assert np.all(counts >= ball.MIN_CELL)  # both regions have errors of their own
        rng = np.random.default_rng(seed)
        imagined = [ball.spread(ball.imagine(model, s, plan, 200, rng)[0]) for s in (CALM, WINDY)]
        real = [ball.spread(np.array([ball.true_future(s, 30, rng) for _ in range(200)]))
                for s in (CALM, WINDY)]
        assert imagined[1] > 3 * imagined[0]
        assert np.allclose(imagined, real, rtol=0.35)


def test_ch0_claim_the_fan_is_widest_where_the_wind_gusts_in_the_summary():
    """Try it: "Where in the box do they fan out widest? The summary gives the spread, and the red
    shading shows where the model's past errors were large." Throws from the windy side show a
    wider spread than throws from the calm side, and the reddest region is by the window."""
    ratios = []
    for seed in SEEDS:
        learner = Learner(seed, horizon=20)
        learner.watch(ball.MEMORY)
        spreads = []
        for point in ([7.2, 3.8], [1.2, 3.8]):  # by the window, and far from it
            learner.set(launch=point)
            throws = []
            for _ in range(8):
                throws.append(number(learner.press("relaunch"), r"spread (\d+\.\d+) m"))
                learner.watch(20)
            spreads.append(np.mean(throws))
        ratios.append(spreads[0] / spreads[1])
        shading = [item for item in learner.frame["panels"][0]["items"]
                   if item.get("role") == "uncertainty"]
        reddest = max(shading, key=lambda item: item["alpha"])
        assert reddest["rect"][0, 0] >= ball.WINDY_X
    assert min(ratios) > 2 and np.mean(ratios) > 2.5


def test_ch0_claim_short_horizons_hug_the_path_long_ones_fan_out():
    """Try it: "Short horizons hug the real path; long ones fan out"; after it: "Its uncertainty
    grows with the horizon"."""
    horizons = [10, 40, 120]
    errors, spreads = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        states, actions, next_states, _ = ball.observe(1100, seed)
        model = ball.fit_model(states[:600], actions[:600], next_states[:600])
        for start in states[600::100]:  # starts the model has not seen
            truth = ball.true_future(start, max(horizons), rng)
            paths = ball.imagine(model, start, ball.push_plans(0, max(horizons))[:1], 6, rng)[0]
            errors.append(np.linalg.norm(paths[:, :, :2] - truth[None, :, :2], axis=2).mean(0))
            spreads.append([ball.spread(paths[:, :h + 1]) for h in horizons])
    at = np.mean(errors, axis=0)[horizons]
    assert at[0] < 0.1 and at[0] < at[1] < at[2]
    assert np.all(np.diff(np.mean(spreads, axis=0)) > 0)


def test_ch0_claim_a_click_throws_from_that_point_and_the_model_keeps_learning():
    """Caption: "Click to launch a new ball"; Try it: "Click anywhere in the box to launch a new
    ball from that point, or press New throw. The model keeps learning from each new transition
    it sees: the count in the summary keeps growing, and the gravity it has learned stays." """
    for seed in SEEDS:
        learner = Learner(seed)
        before = learner.watch(600)
        frame = learner.set(launch=[6.0, 4.0])
        assert np.allclose(ball_at(frame), [6.0, 4.0])
        assert seen(frame) == seen(before)
        line, line_before = gravity_line(frame), gravity_line(before)
        assert np.array_equal(line[:len(line_before)], line_before)  # not started over
        assert abs(number(frame, r"gravity (\d+\.\d+)") - number(before, r"gravity (\d+\.\d+)")) < 0.2
        later = learner.watch(60)
        assert seen(later) == seen(before) + 60
        frame = learner.press("relaunch")
        assert np.allclose(ball_at(frame), [6.0, 4.0]) and seen(frame) == seen(later)


def test_ch0_claim_smooth_futures_miss_the_bounce_and_leave_the_box():
    """Try it: "will the orange trails bounce with it?" and "The smooth model's rule cannot predict
    the sudden reversal at a wall or the floor: its imagined trails miss the bounce and leave
    the box." """
    missed = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        truth = ball.true_future(FALLING, 30, rng)
        assert truth[:, 1].min() > 0  # the real ball bounces
        paths = ball.imagine(fitted(seed), FALLING, ball.push_plans(0, 30)[:1], 6, rng)
        missed.append(np.mean(paths[..., 1].min(axis=-1) < 0))
        summaries = [f["summary"] for f in frames(ball, seed=seed, limit=400)[100:]]
        leaving = [int(re.search(r"(\d) of 6 futures leave", s).group(1)) for s in summaries]
        assert np.mean(leaving) > 3  # of 6, one second ahead
    assert np.mean(missed) > 0.9


def test_ch0_claim_contact_aware_futures_bounce():
    """Try it: "Now switch to the contact-aware model and watch its trails bounce"."""
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        paths = ball.imagine(fitted(seed, "contact"), FALLING, ball.push_plans(0, 30), 6, rng)
        assert paths[..., 1].min() > -0.05  # none through the floor
        assert np.all(paths[..., 3].max(axis=-1) > 0)  # every one went up again


def test_ch0_claim_the_contact_aware_model_does_much_better_in_the_summary():
    """Try it: "the summary's errors half a second ahead show how much better it does"; after it:
    "the contact-aware model, a richer one that can represent 'hit the wall, reverse', does much
    better"."""
    for seed in SEEDS:
        frame = Learner(seed).watch(2400)
        smooth = number(frame, r"smooth (\d+\.\d+) m")
        contact = number(frame, r"contact-aware (\d+\.\d+) m")
        assert contact < smooth / 3


def test_ch0_claim_the_smooth_model_predicts_flight_well_and_fails_at_bounces():
    """ "A model learned from data can predict the future quite well in the situations it
    understands (smooth flight) and fail in the ones it does not (bounces)." """
    free, bounce = [], []
    for seed in SEEDS:
        states, actions, next_states, hit = ball.observe(2400, seed)
        model = ball.fit_model(states[:1200], actions[:1200], next_states[:1200])
        for t0 in range(1200, 2400 - 30, 7):
            if not np.array_equal(states[t0 + 1:t0 + 30], next_states[t0:t0 + 29]):
                continue  # thrown again within the window
            s = states[t0]
            for k in range(30):
                s = ball.predict(model, s, actions[t0 + k])[0]
            error = np.hypot(*(s[:2] - next_states[t0 + 29, :2]))
            (bounce if hit[t0:t0 + 30].any() else free).append(error)
    assert np.mean(free) < 0.15 and np.mean(bounce) > 10 * np.mean(free)


# --- "How this works" -------------------------------------------------------------------------

def test_how_the_gusts_are_five_times_stronger_by_the_window():
    rng = np.random.default_rng(0)
    calm, windy = (ball.spread(np.array([ball.true_future(s, 30, rng) for _ in range(400)]))
                   for s in (CALM, WINDY))
    assert 4 < windy / calm < 6


def test_how_a_push_is_thirty_metres_per_second_squared_for_a_quarter_second():
    actions = ball.push_plans(0, 30)[1]
    assert actions.sum() == ball.PUSH_STEPS == 15
    for seed in SEEDS:  # the same gusts with and without the push
        pushed, still = (ball.true_future(CALM, 15, np.random.default_rng(seed), a)
                         for a in (actions, np.zeros(30)))
        assert np.isclose((pushed[-1, 3] - still[-1, 3]) / (15 * ball.DT), 30.0, rtol=0.03)


def test_how_the_smooth_model_sets_bounces_aside():
    for seed in SEEDS:
        states, actions, next_states, hit = ball.observe(ball.MEMORY, seed)
        model = ball.fit_model(states, actions, next_states)
        assert not model["inliers"][hit].any(), "every bounce is an outlier to a smooth model"
        assert model["inliers"].mean() > 0.9, "almost all transitions are free flight"


def test_how_the_contact_aware_model_learns_a_bounce_after_three_at_that_wall():
    for seed in SEEDS:
        states, actions, next_states, hit = ball.observe(ball.MEMORY, seed)
        model = ball.fit_model(states, actions, next_states, "contact")
        touching = ball.contacts(states)
        learned = touching.sum(axis=0) >= ball.MIN_CONTACTS
        walls = model["W"][ball.N_SMOOTH:].reshape(4, ball.N_SMOOTH, 4)
        assert np.all(walls[~learned] == 0)  # a wall hit too rarely has no contact term
        at_learned = touching[:, learned].any(axis=1) & hit
        assert model["inliers"][at_learned].mean() > 0.7  # its bounces are explained


def test_how_each_error_is_drawn_from_the_region_the_ball_is_in():
    model = fitted(0)
    table = ball.error_table(model, np.random.default_rng(0).random(4000))  # (4000, 8)
    for cell, count in enumerate(model["counts"]):
        drawn = model["cells"][table[:, cell]]
        if count >= ball.MIN_CELL:
            assert np.all(drawn == cell)
        else:  # too few of its own: from all of them
            assert len(np.unique(drawn)) > 1


def test_how_the_red_shading_is_the_spread_of_past_errors_in_each_region():
    for seed in SEEDS:
        model = fitted(seed)
        spreads = ball.region_spread(model)
        panel = ball._box_panel(np.zeros((1, 2)), CALM, 0, np.zeros((2, 0, 1, 4)), model, [1, 1])
        shading = {ball.cell_of(item["rect"][:, :2] + 0.1)[0]: item["alpha"]
                   for item in panel["items"] if item.get("role") == "uncertainty"}
        assert sorted(shading) == list(np.flatnonzero(model["counts"] >= ball.MIN_CELL))
        for cell, alpha in shading.items():
            assert alpha == pytest.approx(0.2 * spreads[cell] / np.nanmax(spreads))


def test_how_each_model_is_scored_half_a_second_ahead_under_the_actions_taken():
    states, actions, next_states, _ = ball.observe(400, 2)
    models = {kind: ball.fit_model(states[:300], actions[:300], next_states[:300], kind)
              for kind in ball.MODELS}
    scores = ball.Scores()
    for t in range(300, 300 + ball.SCORE_STEPS):
        scores.step(models, states[t], actions[t], next_states[t])
    assert scores.forecast is None  # scored, the next one starts with the next step
    for kind in ball.MODELS:
        s = states[300]
        for t in range(300, 300 + ball.SCORE_STEPS):
            s = ball.predict(models[kind], s, actions[t])[0]
        expected = np.hypot(*(s[:2] - next_states[300 + ball.SCORE_STEPS - 1, :2]))
        assert scores.errors[kind] == [pytest.approx(min(expected, ball.BOX_W))]


def test_how_the_shown_model_is_refitted_every_frame():
    shown = frames(ball, seed=0, limit=200)
    lengths = [len(gravity_line(f)) for f in shown[ball.MIN_TRANSITIONS + 1:]]
    assert np.all(np.diff(lengths) == 1)
    assert len({number(f, r"gravity (\d+\.\d+)") for f in shown[-50:]}) > 5


# --- Lively, for play ---------------------------------------------------------------------------

def test_the_ball_stays_lively_when_left_alone():
    """A ball rolling on the floor invites no play: it is thrown again once its hops are small."""
    for seed in SEEDS:
        real = ball.RealBall([1.5, 1.5], np.random.default_rng(seed))
        states = np.array([real.step()[1] for _ in range(3600)])  # a minute, never pushed
        low_and_slow = (states[:, 1] < 0.5) & (np.hypot(states[:, 2], states[:, 3]) < 1.5)
        assert low_and_slow.mean() < 0.03
