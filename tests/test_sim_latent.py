"""The latent sim: its controls and frames, and latent vs pixel prediction cost and error."""

import numpy as np
import pytest

from sims import contract
from sims import latent
from simkit import frames

SEEDS = range(3)
TEST_TIMES = np.arange(1000, 1150)  # well after the training frames, at new phases of the loop


def fitted(seed, dims=16):
    rng = np.random.default_rng(seed)
    video = latent.make_video(rng)
    return video, latent.fit_models(video, dims, rng)


def test_controls_follow_the_contract():
    contract.validate_controls(latent.CONTROLS)
    space = next(c for c in latent.CONTROLS if c["name"] == "space")
    assert {value for value, _ in space["options"]} == {"pixel", "latent"}


@pytest.mark.parametrize("space", ["latent", "pixel"])
def test_frames_follow_the_contract(space):
    shown = frames(latent, limit=60, space=space)
    assert shown[0]["summary"].startswith("fitting")
    assert not shown[-1]["summary"].startswith("fitting"), "the fit ends within 60 frames"
    for frame in shown:
        contract.validate_frame(frame)
        assert frame["summary"]
        assert contract.pack(frame)[1].size < 50_000
        for panel in frame["panels"]:
            for item in panel["items"]:
                if "image" in item:
                    assert item["image"].shape == (latent.SIZE, latent.SIZE)
    assert len(shown[-1]["panels"]) == 4


def test_video_frames_are_images():
    video = latent.make_video(np.random.default_rng(0))
    shots = latent.render(video, [0, 10, 20], np.random.default_rng(1))
    assert shots.shape == (3, latent.PIXELS)
    assert shots.min() >= 0 and shots.max() <= 1


def test_the_pca_found_by_subspace_iteration_matches_exact_pca():
    video, models = fitted(0)
    centred = models["now"] - models["x_mean"]
    exact = np.linalg.svd(centred, full_matrices=False)[2][:16]  # top principal directions
    exact_error = np.mean((centred - centred @ exact.T @ exact) ** 2)
    ours = latent.decode(models, latent.encode(models, models["now"])) - models["x_mean"]
    assert np.mean((centred - ours) ** 2) <= 1.02 * exact_error


def test_latent_prediction_is_far_cheaper_at_comparable_error():
    for seed in SEEDS:
        video, models = fitted(seed)
        costs = latent.multiply_adds(models)
        assert costs["pixel"] >= 10 * costs["latent"]
        errors = latent.evaluate(models, video, np.random.default_rng(100 + seed), TEST_TIMES)
        assert errors["latent"] <= 1.5 * errors["pixel"]
        # Both models really predict the motion: better than copying the frame ...
        assert errors["pixel"] < errors["copy"] and errors["latent"] < errors["copy"]
        # ... and the latent dynamics beat copying the current latent.
        assert errors["latent"] < errors["latent_copy"]


def test_reconstruction_error_falls_as_the_latent_grows():
    for seed in SEEDS:
        errors = []
        for dims in (4, 8, 16, 32):
            video, models = fitted(seed, dims)
            check = np.random.default_rng(7)
            errors.append(latent.evaluate(models, video, check, TEST_TIMES)["reconstruction"])
        assert all(a > b for a, b in zip(errors, errors[1:]))
