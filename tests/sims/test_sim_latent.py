"""The latent sim: its controls and frames, and every claim chapter 2 makes about it, each over
several seeds at the settings the sentence names."""

import functools
import re
import timeit

import numpy as np
import pytest

from sims import contract
from sims import latent
from simkit import frames

SEEDS = range(5)
DEFAULT = 8  # the Latent size slider's default


@functools.lru_cache(maxsize=None)
def fitted(seed, dims=DEFAULT, ridge=latent.RIDGE):
    video, models, _ = latent.fitted(seed, dims, ridge)
    return video, models


@functools.lru_cache(maxsize=None)
def held_out(seed, dims=DEFAULT, ridge=latent.RIDGE):
    """Errors on 200 new steps after the training video, with fresh flicker and pushes."""
    video, models = fitted(seed, dims, ridge)
    return latent.evaluate(models, video, np.random.default_rng(100 + seed))


# --- The contract --------------------------------------------------------------------------

def test_controls_follow_the_contract():
    contract.validate_controls(latent.CONTROLS)
    space = next(c for c in latent.CONTROLS if c["name"] == "space")
    assert {value for value, _ in space["options"]} == {"pixel", "latent"}
    dims = next(c for c in latent.CONTROLS if c["name"] == "dims")
    assert dims["default"] == DEFAULT


@pytest.mark.parametrize("space", ["latent", "pixel"])
def test_frames_follow_the_contract(space):
    shown = frames(latent, limit=80, space=space)
    assert shown[0]["summary"].startswith("fitting")
    assert not shown[-1]["summary"].startswith("fitting"), "the fit ends within 80 frames"
    for frame in shown:
        contract.validate_frame(frame)
        assert frame["summary"]
        assert contract.pack(frame)[1].size < 50_000
        for panel in frame["panels"]:
            assert len(panel["title"]) <= 22, "short titles fit a 240 px panel"
            for item in panel["items"]:
                if "image" in item:
                    assert item["image"].shape == (latent.SIZE, latent.SIZE)
    assert len(shown[-1]["panels"]) == 4


def test_the_same_seed_gives_the_same_frames():
    a, b = frames(latent, seed=3, limit=70), frames(latent, seed=3, limit=70)
    assert [f["summary"] for f in a] == [f["summary"] for f in b]


def test_video_frames_are_images_and_the_truth_has_no_flicker():
    video = latent.make_video(np.random.default_rng(0))
    shots = latent.render(video, [0, 10, 20], np.random.default_rng(1))
    assert shots.shape == (3, latent.PIXELS)
    assert shots.min() >= 0 and shots.max() <= 1
    assert np.array_equal(latent.render(video, [10]), latent.render(video, [10]))
    assert not np.array_equal(shots[1], latent.render(video, [10])[0])


def test_the_pca_found_by_subspace_iteration_matches_exact_pca():
    video, models = fitted(0)
    now = models["now"]
    centred = now - models["x_mean"]
    exact = np.linalg.svd(centred, full_matrices=False)[2][:DEFAULT]  # top principal directions
    exact_error = np.mean((centred - centred @ exact.T @ exact) ** 2)
    ours = latent.decode(models, latent.encode(models, now)) - models["x_mean"]
    assert np.mean((centred - ours) ** 2) <= 1.01 * exact_error


# --- HOW: the world and the models ---------------------------------------------------------

def test_ch2_claim_each_push_moves_the_ball_3_7_pixels_and_training_is_half_each_way():
    for seed in SEEDS:
        video, models = fitted(seed)
        actions = models["actions"]
        assert len(actions) == 240 and np.sum(actions == 0) == np.sum(actions == 1) == 120
        x = latent.training_places(video, actions)
        moved = (np.diff(x) + latent.SIZE / 2) % latent.SIZE - latent.SIZE / 2
        assert np.allclose(moved, np.where(actions.reshape(8, 30) == 1, 3.7, -3.7))
        # The 8 clips start evenly spaced, so the training video covers the whole track.
        assert np.allclose(np.diff(x[:, 0]) % latent.SIZE, 8)


def test_ch2_claim_the_flicker_has_about_six_times_the_variance_of_the_ball():
    for seed in SEEDS:
        video, models = fitted(seed)
        places = latent.training_places(video, models["actions"])[:, :-1].ravel()
        clean = latent.render(video, places)
        flicker = np.sum((models["now"] - clean) ** 2)
        ball = np.sum((clean - clean.mean(axis=0)) ** 2)
        assert 5.3 < flicker / ball < 7


def test_ch2_claim_the_first_numbers_describe_the_ball_the_last_ones_the_flicker():
    """Spread of each latent number over the ball's places, against its jitter from flicker."""
    for seed in SEEDS:
        video, models = fitted(seed)
        rng = np.random.default_rng(300 + seed)
        places = np.linspace(0, latent.SIZE, 32, endpoint=False)
        codes = np.stack([latent.encode(models, latent.render(video, places, rng))
                          for _ in range(6)])
        ratio = codes.mean(axis=0).std(axis=0) / codes.std(axis=0).mean(axis=0)
        assert np.all(ratio[:4] > 3), ratio     # the first follow the ball ...
        assert np.all(ratio[:6] > 2.5), ratio
        assert np.all(ratio[6:] < 2), ratio     # ... from the seventh on, mostly the flicker
        # The same in the pixels: the first directions lie along the ball's track (rows 24-40,
        # a quarter of the frame); the last of 32 are spread like the flicker.
        video, wide = fitted(seed, 32)
        share = (wide["encoder"].reshape(latent.SIZE, latent.SIZE, -1)[24:41] ** 2).sum(axis=(0, 1))
        assert np.all(share[:4] > 0.75) and np.mean(share[16:]) < 0.35, share


def test_ch2_claim_the_pixel_ridge_penalty_is_the_best_of_tenfold_steps():
    for ridge in (latent.RIDGE / 10, latent.RIDGE * 10):
        worse = [held_out(s, ridge=ridge)["pixel"]["all"] / held_out(s)["pixel"]["all"]
                 for s in SEEDS]
        assert np.mean(worse) > 1.1, (ridge, worse)


def test_ch2_claim_costs_count_the_encode_the_step_and_the_decode():
    video, models = fitted(0)
    costs = latent.multiply_adds(models)
    assert costs["latent"] == 2 * 4096 * DEFAULT + DEFAULT * (DEFAULT + 1)
    assert costs["pixel"] == 2 * 120 * 4096 + 2 * 4096 + 120 ** 2
    assert costs["dense"] == 4096 ** 2 == 16_777_216  # "16.8M"
    assert sum(d.size for d in models["dynamics"]) == 144  # the latent model's parameters


# --- The cost table ------------------------------------------------------------------------

def test_ch2_claim_the_sim_counts_1_0M_against_66k_about_15_times():
    for seed in SEEDS:
        video, models = fitted(seed)
        costs = latent.multiply_adds(models)
        assert latent._count(costs["pixel"]) == "1.0M" and latent._count(costs["latent"]) == "66k"
        assert 14.5 < costs["pixel"] / costs["latent"] < 16
        assert costs["latent_step"] == 72
        assert 13_500 < costs["pixel"] / costs["latent_step"] < 14_500  # "about 14,000×"
        # A 15-step imagination decoded once: 15 pixel steps against one encode, 15 latent
        # steps and one decode, about 230 times fewer.
        rollout = 2 * 4096 * DEFAULT + 15 * costs["latent_step"]
        assert 225 < 15 * costs["pixel"] / rollout < 235


def best_time(run, repeat=60):
    """Seconds per call, the best of many short runs: the least disturbed by other work."""
    return min(timeit.repeat(run, number=20, repeat=repeat)) / 20


def test_ch2_claim_measured_time_latent_is_several_times_faster_and_mostly_call_overhead():
    """Not a speed target: ratios of timings on one machine, each the best of many runs."""
    video, models = fitted(0)
    frame, push = models["now"][5:6], np.array([1])
    code = latent.encode(models, frame)
    pixel = best_time(lambda: latent.predict_pixel(models, frame, push))
    lat = best_time(lambda: latent.predict_latent(models, frame, push))
    assert pixel / lat > 3, pixel / lat  # "5 to 15 times longer"
    # "its step of 72 multiply-adds takes about as long as the encode with its 32,768"
    step = best_time(lambda: latent.step_latent(models, code, push))
    encode = best_time(lambda: latent.encode(models, frame))
    assert 0.5 < step / encode < 4, (step, encode)
    # "it reads its 120 stored frames and their successors, 8 MB"
    stored = models["pixel"][1]
    assert 7.5e6 < stored["now"].nbytes + stored["next"].nbytes < 8.5e6


# --- Caption and Try it --------------------------------------------------------------------

def test_ch2_claim_prediction_happens_in_the_latent_vector():
    """The latent model reads a frame only through its few numbers: a change the encoder cannot
    see leaves its prediction as it was, while the pixel model's prediction moves."""
    video, models = fitted(0)
    frame = models["now"][7]
    unseen = np.random.default_rng(1).standard_normal(latent.PIXELS)
    unseen -= models["encoder"] @ (models["encoder"].T @ unseen)
    other = frame + 0.1 * unseen
    lat, pix = latent.predict_latent, latent.predict_pixel
    assert np.allclose(lat(models, frame, 0), lat(models, other, 0))
    assert not np.allclose(pix(models, frame, 0), pix(models, other, 0), atol=1e-3)


def test_ch2_claim_latent_beats_pixels_on_held_out_frames_about_45_percent_lower():
    """The heading "Why latent prediction is often more accurate too", at the default size."""
    lower = []
    for seed in SEEDS:
        e = held_out(seed)
        assert e["latent"]["all"] * 1.4 < e["pixel"]["all"], e
        lower.append(1 - e["latent"]["all"] / e["pixel"]["all"])
        # Both really predict the push: far better than copying the frame.
        assert e["pixel"]["all"] < 0.2 * e["copy"]["all"]
    assert 0.4 < np.mean(lower) < 0.5, lower


def test_ch2_claim_latent_beats_pixels_at_every_latent_size():
    for seed in SEEDS:
        for dims in (4, 16, 32):
            e = held_out(seed, dims)
            assert e["latent"]["all"] * 1.15 < e["pixel"]["all"], (dims, e)


def test_ch2_claim_the_pixel_model_fits_the_training_frames_flicker():
    for seed in SEEDS:
        video, models = fitted(seed)
        now, nxt, actions = models["now"], models["next"], models["actions"]
        clean = latent.render(video, latent.training_places(video, actions)[:, 1:].ravel())
        floor = np.mean((nxt - clean) ** 2)                  # the flicker no one can predict
        on_training = {name: np.mean((predict(models, now, actions) - nxt) ** 2)
                       for name, predict in (("pixel", latent.predict_pixel),
                                             ("latent", latent.predict_latent))}
        assert on_training["pixel"] < 0.4 * floor            # it reproduced most of the flicker
        assert on_training["latent"] > 0.95 * floor          # the latent model could not


def test_ch2_claim_the_pixel_model_draws_a_fainter_ball_and_speckle_elsewhere():
    """Try it: "Where do the two predictions differ from the true next frame?" """
    for seed in SEEDS:
        video, models = fitted(seed)
        rng = np.random.default_rng(200 + seed)
        actions = rng.integers(0, 2, 100)
        x = latent.positions(10.0 * seed, actions)
        now = latent.render(video, x[:-1], rng)
        core = (latent.ball_mask(x[1:]) >= 1).reshape(len(actions), -1)
        pixel = latent.predict_pixel(models, now, actions)[core].mean()
        lat = latent.predict_latent(models, now, actions)[core].mean()
        assert pixel < lat - 0.04 and lat < 0.9, (pixel, lat)  # the true ball is 0.95
        e = held_out(seed)
        assert e["pixel"]["ball"] > 1.2 * e["latent"]["ball"]
        assert e["pixel"]["elsewhere"] > 1.4 * e["latent"]["elsewhere"]
        # Both err most on the ball, pixel for pixel; the latent model almost only there.
        assert e["latent"]["ball"] > 6 * e["latent"]["elsewhere"]


def test_ch2_claim_the_latent_numbers_change_as_the_ball_moves():
    """Over eight pushes the first numbers move with the ball more than with the flicker."""
    for seed in SEEDS:
        video, models = fitted(seed)
        rng = np.random.default_rng(400 + seed)
        x = latent.positions(5.0, np.ones(8, int))  # eight pushes right
        codes = latent.encode(models, latent.render(video, x, rng))[:, :4]
        again = latent.encode(models, latent.render(video, x, rng))[:, :4]
        moved = np.linalg.norm(codes[-1] - codes[0])
        assert moved > 3 * np.linalg.norm(again - codes, axis=1).mean()


def test_ch2_claim_latent_size_blurs_the_ball_below_8_and_keeps_flicker_above():
    blur, flicker = [], []
    for seed in SEEDS:
        few, default, many = held_out(seed, 4), held_out(seed), held_out(seed, 32)
        blur.append(few["latent"]["ball"] / default["latent"]["ball"])
        flicker.append(many["latent"]["elsewhere"] / default["latent"]["elsewhere"])
        assert default["latent"]["all"] * 1.1 < min(few["latent"]["all"], many["latent"]["all"])
    assert min(blur) > 1.4 and 1.5 < np.mean(blur) < 2, blur               # "more than half"

    assert min(flicker) > 1.25 and 1.3 < np.mean(flicker) < 1.7, flicker   # "about half"


def test_ch2_claim_reconstruction_of_the_ball_sharpens_as_the_latent_grows():
    for seed in SEEDS[:3]:
        errors = [held_out(seed, dims)["reconstruction"]["ball"] for dims in (4, DEFAULT, 32)]
        assert errors[0] > errors[1] > errors[2]


def test_ch2_claim_the_summary_shows_both_errors_split_and_both_counts():
    pattern = (r"latent model \(8 numbers\): ([\d.]+) \(on the ball ([\d.]+), elsewhere "
               r"([\d.]+)\) for 66k multiply-adds; pixel model: ([\d.]+) \(on the ball ([\d.]+), "
               r"elsewhere ([\d.]+)\) for 1\.0M multiply-adds; copying the frame: ([\d.]+)")
    for seed in SEEDS:
        last = frames(latent, seed=seed, limit=200)[-1]["summary"]
        latent_all, latent_ball, latent_else, pixel_all, pixel_ball, pixel_else, copy = map(
            float, re.search(pattern, last).groups())
        assert 1.2 * latent_all < pixel_all < copy
        assert pixel_else > latent_else and latent_ball > 5 * latent_else
    shown = frames(latent, limit=200, space="pixel", dims=32)[-1]["summary"]
    assert shown.startswith("after") and "pixel model: " in shown and "(32 numbers)" in shown
