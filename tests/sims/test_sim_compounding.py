import numpy as np
import pytest

from sims import compounding as sim
from sims import contract
from simkit import frames

SEEDS = range(12)


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"quality": 60}


@pytest.mark.parametrize("quality", [0, 60, 100])
def test_every_frame_follows_the_contract(quality):
    out = frames(sim, seed=3, quality=quality)
    assert len(out) == (sim.HORIZON + 1) * sim.FRAMES_PER_STEP
    for frame in out:
        contract.validate_frame(frame)
        assert frame["summary"]
        assert {role for role, _ in frame["legend"]} >= {"real", "imagined", "uncertainty"}


def test_shapes_and_finite_values():
    r = sim.run(0, 1)  # the worst data: models may diverge, but must stay finite
    assert r["imagined"].shape == (sim.HORIZON + 1, sim.MEMBERS, 2)
    assert r["truth"].shape == (sim.HORIZON + 1, 2)
    assert np.all(np.isfinite(r["imagined"])) and np.all(np.isfinite(r["error"]))
    assert r["error"][0] == pytest.approx(0) and r["spread"][0] == pytest.approx(0)


def test_quality_sets_more_and_cleaner_data():
    (n_lo, noise_lo), (n_hi, noise_hi) = sim.data_settings(20), sim.data_settings(90)
    assert n_hi > n_lo and noise_hi < noise_lo


def test_true_pendulum_is_damped():
    truth = sim.true_trajectory()
    energy = 0.5 * truth[:, 1] ** 2 + sim.GRAVITY * (1 - np.cos(truth[:, 0]))
    assert energy[-1] < energy[0] and np.all(np.diff(energy) < 1e-9)


def curves(quality):
    runs = [sim.run(quality, seed) for seed in SEEDS]
    return (np.mean([r["error"] for r in runs], 0), np.mean([r["spread"] for r in runs], 0))


def test_error_compounds_with_horizon():
    for quality in (20, 60, 90):
        error, _ = curves(quality)
        assert error[75:].mean() > 2 * error[1:11].mean()


def test_ensemble_spread_grows_with_horizon():
    for quality in (20, 60, 90):
        _, spread = curves(quality)
        assert spread[75:].mean() > 2 * spread[1:11].mean()


def test_better_data_gives_smaller_error():
    error_90, _ = curves(90)
    error_20, _ = curves(20)
    assert error_90.mean() < error_20.mean()
    assert error_90[-25:].mean() < error_20[-25:].mean()
