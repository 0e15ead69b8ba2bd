"""The ball sim: its controls and frames, and what it teaches about a fitted smooth world model."""

import numpy as np
import pytest

from sims import ball, contract
from simkit import frames

SEEDS = range(6)


def test_controls_follow_the_contract():
    contract.validate_controls(ball.CONTROLS)
    kinds = {c["kind"] for c in ball.CONTROLS}
    assert {"canvas_click", "slider", "button"} <= kinds


def test_frames_follow_the_contract_and_stay_in_range():
    for frame in frames(ball, limit=200):
        contract.validate_frame(frame)
        assert frame["summary"]
        box = frame["panels"][0]
        assert box["click"]
        for item in box["items"]:
            if "line" in item:
                xy = np.asarray(item["line"])
                assert np.all((xy[:, 0] >= 0) & (xy[:, 0] <= ball.BOX_W))
                assert np.all((xy[:, 1] >= ball.BELOW) & (xy[:, 1] <= ball.BOX_H))
        json, data = contract.pack(frame)
        assert data.size < 50_000


def test_a_click_throws_from_the_clicked_point():
    first = frames(ball, limit=1, launch=[6.0, 4.0])[0]
    ball_item = first["panels"][0]["items"][-1]["circle"]
    assert np.allclose(ball_item[0, :2], [6.0, 4.0])


def test_the_imagined_futures_have_the_requested_horizon():
    model = ball.fit_model(*ball.observe(300, 0)[:2])
    futures = ball.imagine(model, np.array([4, 3, 1, 0]), 37, 6, np.random.default_rng(0))
    assert futures.shape == (6, 38, 4) and np.all(np.isfinite(futures))


def test_the_model_recovers_gravity_from_free_flight():
    """Bounces are set aside as outliers; the free-flight fit finds g within a few percent."""
    errors = []
    for seed in SEEDS:
        states, next_states, hit = ball.observe(ball.MEMORY, seed)
        model = ball.fit_model(states, next_states)
        assert not model["inliers"][hit].any(), "every bounce is an outlier to a smooth model"
        assert model["inliers"].mean() > 0.9, "almost all transitions are free flight"
        errors.append(abs(ball.model_gravity(model) / ball.GRAVITY - 1))
    assert max(errors) < 0.05
    assert np.mean(errors) < 0.025


def test_more_data_does_not_make_the_fit_worse_on_average():
    few, many = [], []
    for seed in range(12):
        states, next_states, _ = ball.observe(ball.MEMORY, seed)
        for store, n in ((few, 150), (many, ball.MEMORY)):
            model = ball.fit_model(states[:n], next_states[:n])
            store.append(abs(ball.model_gravity(model) - ball.GRAVITY))
    assert np.mean(many) <= np.mean(few)


def test_imagination_error_grows_with_the_horizon():
    horizons = [10, 40, 120]
    curves = []
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        states, next_states, _ = ball.observe(1100, seed)
        model = ball.fit_model(states[:600], next_states[:600])
        for start in states[600::100]:  # starts the model has not seen
            truth = ball.true_future(start, max(horizons), rng)
            curves.append(ball.imagination_error(model, start, truth, 6, rng))
    mean = np.mean(curves, axis=0)
    at = mean[horizons]
    assert at[0] < at[1] < at[2]


def test_imagined_futures_miss_the_bounce():
    """From just above the floor, falling, the real ball bounces; the smooth model goes through."""
    missed = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        model = ball.fit_model(*ball.observe(ball.MEMORY, seed)[:2])
        start = np.array([4.0, 0.5, 1.0, -4.0])
        truth = ball.true_future(start, 30, rng)
        assert truth[:, 1].min() > 0
        futures = ball.imagine(model, start, 30, 6, rng)
        missed += np.mean(futures[:, :, 1].min(axis=1) < 0)
    assert missed / len(SEEDS) > 0.9


@pytest.mark.parametrize("horizon", [10, 120])
def test_horizon_extremes_run(horizon):
    for frame in frames(ball, seed=1, limit=40, horizon=horizon):
        contract.validate_frame(frame)
