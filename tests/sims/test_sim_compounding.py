import numpy as np
import pytest

from sims import compounding as sim
from sims import contract
from simkit import frames

SEEDS = range(12)


@pytest.fixture(scope="module")
def runs():
    """The sim's computation at the qualities the chapter names, over several seeds."""
    return {q: [sim.run(q, seed) for seed in SEEDS] for q in (20, 60, 100)}


def curves(runs, quality):
    return (np.array([r["error"] for r in runs[quality]]),
            np.array([r["spread"] for r in runs[quality]]))


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"quality": 60}
    (control,) = sim.CONTROLS
    assert control["label"] == "Model quality"


@pytest.mark.parametrize("quality", [0, 60, 100])
def test_every_frame_follows_the_contract(quality):
    out = frames(sim, seed=3, quality=quality)
    assert len(out) == (sim.HORIZON + 1) * sim.FRAMES_PER_STEP
    for frame in out:
        contract.validate_frame(frame)
        assert frame["summary"]
        assert {role for role, _ in frame["legend"]} >= {"real", "imagined", "uncertainty"}


def test_shapes_and_finite_values():
    r = sim.run(0, 1)  # the smallest model: it may diverge, but must stay finite
    assert r["imagined"].shape == (sim.HORIZON + 1, sim.MEMBERS, 2)
    assert r["truth"].shape == (sim.HORIZON + 1, 2)
    assert np.all(np.isfinite(r["imagined"])) and np.all(np.isfinite(r["error"]))
    assert r["error"][0] == pytest.approx(0) and r["spread"][0] == pytest.approx(0)


def test_true_pendulum_is_damped():
    truth = sim.true_trajectory()
    energy = 0.5 * truth[:, 1] ** 2 + sim.GRAVITY * (1 - np.cos(truth[:, 0]))
    assert energy[-1] < energy[0] and np.all(np.diff(energy) < 1e-9)


def test_model_quality_changes_the_model_and_not_the_data():
    assert [sim.model_size(q) for q in (0, 20, 60, 100)] == [1, 5, 13, 21]
    a, b = sim.run(20, 4), sim.run(100, 4)
    assert np.array_equal(a["data"], b["data"])           # the same observations
    assert not np.allclose(a["imagined"], b["imagined"])  # a different model


def test_a_small_model_cannot_fit_the_pendulum_however_much_data():
    # HOW: "A small model cannot bend the way the pendulum's sin θ does, however much data it
    # sees": fitted on 20,000 noise-free transitions, 5 terms leave a one-step residual far
    # above the data's noise, 21 terms one far below it.
    rng = np.random.default_rng(0)
    s = np.stack([rng.uniform(-np.pi, np.pi, 20_000),
                  rng.uniform(-sim.OMEGA_RANGE, sim.OMEGA_RANGE, 20_000)], -1)
    change = np.stack(sim.true_step(s[:, 0], s[:, 1]), -1) - s
    residual = {}
    for size in (5, 21):
        x = sim.features(s, size)
        w = np.linalg.lstsq(x, change, rcond=None)[0]
        residual[size] = np.sqrt(((x @ w - change) ** 2).mean(0))[1]   # on ω
    assert residual[5] > 10 * 2 * sim.NOISE > 10 * residual[21]


# --- Claims of chapters/07-open-problems.md ------------------------------------------------

@pytest.mark.parametrize("quality", [20, 60, 100])
def test_ch7_caption_prediction_error_grows_with_each_imagined_step(runs, quality):
    # "Watch how prediction error grows with each imagined step."
    error, _ = curves(runs, quality)
    mean = error.mean(0)
    assert mean[75:].mean() > 3 * mean[1:11].mean()
    assert np.all(error[:, 75:].mean(1) > error[:, 1:11].mean(1))


@pytest.mark.parametrize("quality", [20, 60, 100])
def test_ch7_caption_the_red_band_shows_the_uncertainty_growing(runs, quality):
    # "The red band shows the uncertainty growing."
    _, spread = curves(runs, quality)
    assert np.all(spread[:, 75:].mean(1) > 2 * spread[:, 1:11].mean(1))
    band = np.array([np.ptp(r["imagined"][:, :, 0], axis=1) for r in runs[quality]])
    assert np.all(band[:, 75:].mean(1) > 2 * band[:, 1:11].mean(1))


def test_ch7_claim_at_60_the_rollout_stays_with_the_truth_for_most_of_the_horizon(runs):
    # "at the default Model quality of 60 %, for how many of the 100 steps does the imagined
    # rollout stay with the truth?" Most of them: at least 60 on every seed, and on most seeds
    # it leaves before the end.
    leaves = [r["leave"] for r in runs[60]]
    assert all(step is None or step >= 60 for step in leaves)
    assert sum(step is not None for step in leaves) >= len(leaves) / 2


def test_ch7_claim_raising_to_100_keeps_it_with_the_truth_and_20_loses_it_early(runs):
    # "raise the model quality to 100 %, then drop it to 20 %. How far does that step move?"
    # 100 %: it never leaves in 100 steps; 20 %: it leaves within the first 15.
    assert all(r["leave"] is None for r in runs[100])
    assert all(r["leave"] is not None and r["leave"] <= 15 for r in runs[20])
    for r in runs[100]:   # and not by a near miss: the angle stays well inside 0.3 rad
        assert np.abs(r["imagined"][:, :, 0].mean(1) - r["truth"][:, 0]).max() < 0.6 * sim.LEAVE


def test_ch7_claim_the_truth_is_not_always_inside_the_band(runs):
    # "Is the teal line always inside the red band?" No: at 20 % and 60 % it is outside for
    # most of the rollout, and even at 100 % it leaves the band on every seed.
    for quality in (20, 60):
        assert all(r["outside"][1:].sum() >= 40 for r in runs[quality])
    assert all(r["outside"][1:].sum() >= 1 for r in runs[100])


def test_ch7_claim_at_20_all_five_members_make_the_same_mistake(runs):
    # "At 20 % the models are too small to follow the pendulum, and all five make the same
    # mistake": they agree closely, the truth is outside their band almost all the time.
    for r in runs[20]:
        assert r["outside"][1:].mean() > 0.8
        assert r["error"][1:].mean() > 5 * r["spread"][1:].mean()
    outside = {q: np.mean([r["outside"][1:].mean() for r in runs[q]]) for q in (20, 100)}
    assert outside[20] > outside[100] + 0.2


def test_ch7_claim_at_20_the_error_grows_faster_than_a_line_then_wobbles_at_one_level(runs):
    # "At a model quality of 20 %, the error in the sim below grows faster than a straight line
    # over the first ten steps, then, once the model has lost the pendulum, wobbles around one
    # level instead of growing further."
    error, _ = curves(runs, 20)
    lost = sim.LEAVE * 3
    for e in error:
        assert e[10] > 2.5 * e[5]                    # a straight line would give 2
        assert e[40:].min() > lost                   # lost: far off from step 40 on
        middle, late = e[40:70].mean(), e[70:].mean()
        assert late < 1.4 * middle                   # no further growth to speak of
        assert e[40:].max() < 2 * np.abs(sim.true_trajectory()[:, 0]).max() * 1.1


def test_better_model_gives_smaller_error(runs):
    means = [np.mean([r["error"] for r in runs[q]]) for q in (20, 60, 100)]
    assert means[0] > 3 * means[1] > 3 * means[2]


def test_ch7_summary_names_the_leave_step_and_the_steps_outside_the_band():
    for seed in range(5):
        out = frames(sim, seed=seed, quality=20)
        r = sim.run(20, seed)
        last = out[-1]["summary"]
        assert f"prediction left the truth at step {r['leave']}," in last
        assert f"truth outside the band at {int(r['outside'][1:].sum())} of 100 steps" in last
        before = out[2 * (r["leave"] - 1)]
        assert "prediction still with the truth" in before["summary"]
        # "a dashed line marks it", from that step on
        dashed = [item for item in out[-1]["panels"][0]["items"] if item.get("dash")]
        assert len(dashed) == 1 and np.allclose(dashed[0]["line"][:, 0], r["leave"] * sim.DT)
        assert not any(item.get("dash") for item in before["panels"][0]["items"])
