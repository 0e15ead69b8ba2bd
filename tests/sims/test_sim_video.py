import numpy as np
import pytest

from sims import contract
from sims import video as sim
from simkit import frames

SEEDS = range(5)


@pytest.fixture(scope="module")
def errors():
    """Model and baseline errors per (seed, start, step), over several seeds."""
    runs = [sim.horizon_errors(seed) for seed in SEEDS]
    return np.array([m for m, _ in runs]), np.array([c for _, c in runs])


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"horizon": 4}


@pytest.mark.parametrize("horizon", [1, 4, 16])
def test_every_frame_follows_the_contract(horizon):
    out = frames(sim, seed=2, horizon=horizon)
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
    paths = sim.shape_paths(np.random.default_rng(0), 500)
    video = sim.render(paths)
    assert video.shape == (500, sim.SIZE, sim.SIZE)
    assert video.min() >= 0 and video.max() <= 1
    assert paths.min() > 0 and paths.max() < sim.SIZE
    step = np.linalg.norm(np.diff(paths, axis=0), axis=-1)
    assert step.max() <= sim.SPEED[1] + 1e-9   # bounces never speed a shape up


def test_streamed_fit_equals_one_big_least_squares():
    paths = sim.shape_paths(np.random.default_rng(1), 40)
    video = sim.render(paths)
    x = sim.pixel_features(video[:-2], video[1:-1]).reshape(-1, 51)
    y = video[2:].reshape(-1)
    n = len(video) - 2
    direct = np.linalg.solve(x.T @ x + sim.RIDGE * n * sim.SIZE ** 2 * np.eye(51), x.T @ y)
    assert np.allclose(sim.fit_filter(paths), direct, atol=1e-8)


def test_one_step_prediction_beats_repeating_the_frame(errors):
    model, copy = errors
    assert model[..., 0].mean() < 0.5 * copy[..., 0].mean()


def test_error_grows_with_horizon(errors):
    model, _ = errors
    curve = model.mean(axis=(0, 1))
    assert curve[-1] > 3 * curve[0]
    # roughly monotone: no step falls more than 5 % of the final error below the best so far
    assert np.all(curve >= np.maximum.accumulate(curve) - 0.05 * curve[-1])
    for seed_curve in model.mean(axis=1):      # and on every seed, late beats early
        assert seed_curve[-4:].mean() > seed_curve[:4].mean()


def test_rollout_blurs_while_the_world_stays_sharp():
    # sharpness of each predicted frame relative to the true frame it should match
    ratios = []
    for seed in range(6):
        paths = sim.shape_paths(np.random.default_rng(seed), sim.TRAIN_FRAMES + 20)
        weights = sim.fit_filter(paths[:sim.TRAIN_FRAMES])
        video = sim.render(paths[sim.TRAIN_FRAMES:])
        predicted = sim.rollout(weights, video[0], video[1], 16)
        ratios.append(sim.sharpness(predicted) / sim.sharpness(video[2:18]))
    ratios = np.mean(ratios, 0)
    assert ratios[0] > 0.9                  # one step ahead: about as sharp as the truth
    assert ratios[-1] < 0.85 * ratios[0]    # sixteen steps ahead: visibly blurred
