import numpy as np
import pytest

from sims import contract
from sims import video as sim
from simkit import frames

SEEDS = range(5)
PUSHES = [name for name, _, _ in sim.ACTIONS]


@pytest.fixture(scope="module")
def runs():
    """Fitted filters and 16-frame rollouts from 8 fresh scenes, per push, over several seeds."""
    return {push: [sim.evaluate(seed, push) for seed in SEEDS] for push in PUSHES}


def stacked(runs, key, push="right"):
    return np.array([r[key] for r in runs[push]])


def square_centre(layers):
    """Brightness-weighted centre (x, y) of the square's layer of each frame."""
    square = layers[..., 0, :, :]
    mass = square.sum((-2, -1))
    x = (square.sum(-2) * sim._CENTRES).sum(-1) / mass
    y = (square.sum(-1) * sim._CENTRES).sum(-1) / mass
    return np.stack([x, y], -1)


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"horizon": 4, "push": "right"}


@pytest.mark.parametrize("horizon,push", [(1, "none"), (4, "right"), (16, "up")])
def test_every_frame_follows_the_contract(horizon, push):
    out = frames(sim, seed=2, horizon=horizon, push=push)
    for frame in out:
        contract.validate_frame(frame)
        assert frame["summary"]
        numbers = sum(np.asarray(v).size for p in frame["panels"] for item in p["items"]
                      for k, v in item.items() if k in contract.GEOMETRY and k != "text")
        assert numbers < 50_000
    last_images = [item["image"] for item in out[-1]["panels"][0]["items"] if "image" in item]
    assert len(last_images) == 2 * horizon
    assert all(image.shape == (sim.SIZE, sim.SIZE) for image in last_images)


def test_world_frames_are_images_and_shapes_stay_inside():
    paths, actions = sim.training_world(np.random.default_rng(0))
    video = sim.render(paths)
    assert video.shape == (sim.TRAIN_FRAMES, sim.LAYERS, sim.SIZE, sim.SIZE)
    assert video.min() >= 0 and video.max() <= 1
    assert paths.min() > 0 and paths.max() < sim.SIZE
    step = np.linalg.norm(np.diff(paths, axis=0), axis=-1)
    assert step[:, 1:].max() <= sim.SPEED[1] + 1e-9   # bounces never speed a disc up
    assert set(np.unique(actions)) == set(range(len(sim.ACTIONS)))   # every push is in the data


def test_the_push_moves_the_square_its_way_and_the_walls_stop_it():
    moves = np.diff(sim.square_path([16, 16], [2] * 5 + [3] * 5 + [0] * 3), axis=0)
    assert np.allclose(moves[:5], [sim.PUSH_SPEED, 0])      # right
    assert np.allclose(moves[5:10], [0, -sim.PUSH_SPEED])   # up: rows count down the frame
    assert np.allclose(moves[10:], 0)
    stuck = sim.square_path([16, 16], [1] * 40)
    assert stuck[-1, 0] == pytest.approx(sim._MARGIN[0])


def test_streamed_fit_equals_one_big_least_squares_per_layer_and_action():
    paths, actions = sim.training_world(np.random.default_rng(1))
    paths, actions = paths[:40], actions[:40]
    video = sim.render(paths)
    x = sim.pixel_features(video[:-2], video[1:-1])
    y = video[2:]
    a = actions[1:-1]
    weights = sim.fit_filters(paths, actions)
    for push in np.unique(a):
        for layer in range(sim.LAYERS):
            xs = x[a == push, layer].reshape(-1, 51)
            ys = y[a == push, layer].reshape(-1)
            direct = np.linalg.solve(xs.T @ xs + sim.RIDGE * len(ys) * np.eye(51), xs.T @ ys)
            assert np.allclose(weights[layer, push], direct, atol=1e-8)


def test_one_step_prediction_beats_repeating_the_frame(runs):
    for push in PUSHES:
        model, copy = stacked(runs, "model", push), stacked(runs, "copy", push)
        assert model[..., 0].mean() < 0.6 * copy[..., 0].mean()


# --- Claims of chapters/05-video-prediction.md ---------------------------------------------

def test_ch5_caption_prediction_quality_degrades_over_longer_horizons(runs):
    # "Watch how prediction quality degrades over longer horizons."
    for push in PUSHES:
        model = stacked(runs, "model", push)
        curve = model.mean(axis=(0, 1))
        assert curve[-1] > 4 * curve[0]
        # roughly monotone: no step falls more than 5 % of the final error below the best so far
        assert np.all(curve >= np.maximum.accumulate(curve) - 0.05 * curve[-1])
        for seed_curve in model.mean(axis=1):      # and on every seed, late beats early
            assert seed_curve[-4:].mean() > 2 * seed_curve[:4].mean()


def test_ch5_claim_at_horizon_1_the_prediction_looks_nearly_perfect(runs):
    # "at Prediction horizon 1 the prediction looks nearly perfect": one step off by ~2 % of
    # the full brightness, and as sharp as the truth.
    for push in PUSHES:
        assert stacked(runs, "model", push)[..., 0].mean() < 0.03
    sharp = [sim.sharpness(sim.compose(r["predicted"][:, 0])) /
             sim.sharpness(sim.compose(r["true"][:, 0])) for r in runs["right"]]
    assert np.mean(sharp) > 0.9


def test_ch5_claim_at_16_the_pushed_square_is_tracked_and_the_discs_blur_away(runs):
    # "At 16, which does the model keep track of: the square you push, or the discs that move
    # on their own?" The square: the push tells the model where it goes. The discs fade.
    for push in PUSHES:
        for r in runs[push]:
            layer_error = sim.frame_errors(r["predicted"][:, -1], r["true"][:, -1]).mean(0)
            blank = sim.frame_errors(0, r["true"][:, -1]).mean(0)
            assert layer_error[1] > 3 * layer_error[0]   # as the summary reports them
            square, discs = layer_error / blank   # error relative to a blank layer
            assert square < 0.2 and discs > 0.75 and discs > 3 * square
            off = np.linalg.norm(square_centre(r["predicted"][:, -1])
                                 - square_centre(r["true"][:, -1]), axis=-1)
            assert off.mean() < 0.5    # pixels, after the square has moved up to 9.6


def test_ch5_claim_the_rollout_blurs_while_the_world_stays_sharp(runs):
    # HOW: "every step adds a little blur and drift"
    for r in runs["right"]:
        discs = sim.sharpness(r["predicted"][:, :, 1]) / sim.sharpness(r["true"][:, :, 1])
        discs = discs.mean(0)
        assert discs[0] > 0.85 and discs[-1] < 0.6 * discs[0]
        assert np.all(np.diff(discs) < 0.02)


def test_ch5_claim_changing_the_push_changes_only_the_square(runs):
    # "the predicted square goes the new way with the true one, while the predicted discs
    # change much less": learned, since every layer has a filter of its own for every push
    # (fitted on different frames, so the discs' filters differ a little).
    for s in range(len(SEEDS)):
        for push, (_, _, direction) in zip(PUSHES, sim.ACTIONS):
            r = runs[push][s]
            moved = square_centre(r["predicted"][:, -1]) - [sim.SIZE / 2, sim.SIZE / 2]
            expected = sim.PUSH_SPEED * sim.MAX_HORIZON * np.array(direction)
            assert np.all(np.linalg.norm(moved - expected, axis=-1) < 0.7)
        ref = runs["none"][s]["predicted"]
        ratios = []
        for push in PUSHES[1:]:
            other = runs[push][s]["predicted"]
            square_change = np.abs(other[:, -1, 0] - ref[:, -1, 0]).mean()
            disc_change = np.abs(other[:, -1, 1] - ref[:, -1, 1]).mean()
            ratios.append(disc_change / square_change)
        assert max(ratios) < 0.45 and np.mean(ratios) < 0.3


def test_ch5_claim_the_rollout_is_much_closer_to_its_own_push_future_than_another(runs):
    # "Changing the push in the sim above is a counterfactual test of this kind ...: under each
    # push, its rollout is much closer to that push's true future than to any other push's."
    for s in range(len(SEEDS)):
        for push in PUSHES:
            predicted = sim.compose(runs[push][s]["predicted"][:, -1])
            own = sim.frame_errors(predicted, sim.compose(runs[push][s]["true"][:, -1])).mean()
            for other in PUSHES:
                if other != push:
                    wrong = sim.compose(runs[other][s]["true"][:, -1])
                    assert own < 0.6 * sim.frame_errors(predicted, wrong).mean()


def test_ch5_claim_the_error_grows_fast_at_first_then_levels_off(runs):
    # "Does the error keep growing at the same pace, or level off?" It levels off: the early
    # steps each add several times what the late ones do, and it stays below a blank frame's.
    for push in PUSHES:
        model = stacked(runs, "model", push).mean(1)          # (seeds, 16)
        added = np.diff(np.concatenate([np.zeros((len(model), 1)), model], 1), axis=1)
        assert np.all(added[:, :4].mean(1) > 3 * added[:, -4:].mean(1))
        assert np.all(added[:, :4].mean(1) > 0.01) and np.all(added[:, -4:].mean(1) < 0.006)
        for r in runs[push]:
            blank = sim.frame_errors(0, sim.compose(r["true"])).mean(0)
            assert np.all(r["model"].mean(0) < blank)


def test_ch5_claim_compounding_comes_from_feeding_predictions_back(runs):
    # "every predicted frame is built on the previous predicted frame, not on a real one. That
    # is where the compounding comes from." Fed true frames, the same filters stay accurate.
    for push in PUSHES:
        model, teacher = stacked(runs, "model", push), stacked(runs, "teacher", push)
        assert teacher[..., -1].mean() < 0.03
        assert np.all(model[..., -1].mean(1) > 4 * teacher[..., -1].mean(1))
        assert abs(teacher[..., -1].mean() - teacher[..., 0].mean()) < 0.01


def test_ch5_summary_carries_the_numbers_the_try_it_compares():
    # The Try-it compares the square with the discs, the error, what each step adds, and the
    # baseline: the summary has them, and they are the rollout's own numbers (evaluate's first
    # scene is the sim's scene).
    for seed in SEEDS:
        summary = frames(sim, seed=seed, horizon=16)[-1]["summary"]
        r = sim.evaluate(seed, "right", starts=1)
        model, copy = r["model"][0], r["copy"][0]
        square, discs = sim.frame_errors(r["predicted"][0, -1], r["true"][0, -1])
        assert summary == (f"right, step 16 of 16: RMS pixel error {model[-1]:.3f} "
                           f"({model[-1] - model[-2]:+.3f} on this step; step 1: {model[0]:.3f}), "
                           f"square {square:.3f}, discs {discs:.3f}; "
                           f"repeating the last true frame: {copy[-1]:.3f}")
        assert discs > 3 * square     # as the summary shows it, too
