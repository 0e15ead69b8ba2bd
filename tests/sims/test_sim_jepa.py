import re

import numpy as np
import pytest

from sims import contract
from sims import jepa as sim
from simkit import frames

SEEDS = range(5)


@pytest.fixture(scope="module")
def runs():
    """Full training runs over several seeds, with the regulariser on and off."""
    return {on: [sim.train(seed, on) for seed in SEEDS] for on in (True, False)}


@pytest.fixture(scope="module")
def shown():
    """What the sim's summary line shows in every frame, over the same seeds and settings."""
    return {on: [[summary_numbers(f) for f in frames(sim, seed=seed, regularize=on)]
                 for seed in SEEDS] for on in (True, False)}


def summary_numbers(frame):
    """The numbers the Try-it asks about, read back from a frame's summary line."""
    s = frame["summary"]
    step = int(re.match(r"step (\d+) of", s)[1])
    jepa, gen = map(float, re.search(r"JEPA (-?[\d.]+), generative (-?[\d.]+);", s).groups())
    jepa_err = float(re.search(r"error, JEPA ([\d.]+) of its", s)[1])
    gen_err = float(re.search(r"generative ([\d.]+) of the observation", s)[1])
    loss = re.search(r"training loss ([-+.e\d]+),", s)
    std = float(re.search(r"embedding std ([\d.]+)", s)[1])
    return {"step": step, "jepa_probe": jepa, "gen_probe": gen, "jepa_error": jepa_err,
            "gen_error": gen_err, "loss": loss and float(loss[1]), "std": std}


def variance_by_source(encoder, data, seed=99):
    """How much of a code's variance each source of the observation puts there: the same
    world's state, distractors and sensor noise, each alone, through the standardisation."""
    rng = np.random.default_rng(seed)
    states, _ = sim.simulate_states(rng, 20, sim.LENGTH)
    out = {}
    for part in ("state", "distractors", "sensor"):
        obs = sim.observe(rng, states, data["world"], (part,)).reshape(-1, sim.OBS_DIM)
        out[part] = ((obs / data["scale"]) @ encoder.T).var(0).sum()
    total = sum(out.values())
    return {part: v / total for part, v in out.items()}


# --- The contract and the machinery ---------------------------------------------------------

def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"regularize": True}


@pytest.mark.parametrize("regularize", [True, False])
def test_every_frame_follows_the_contract_and_the_run_matches_train(regularize):
    out = frames(sim, seed=1, regularize=regularize)
    assert len(out) == 1 + -(-sim.STEPS // sim.STEPS_PER_FRAME)
    steps = [summary_numbers(f)["step"] for f in out]
    assert steps == [0] + list(range(sim.STEPS_PER_FRAME, sim.STEPS + 1, sim.STEPS_PER_FRAME))
    for frame in out:
        contract.validate_frame(frame)
    last, run = summary_numbers(out[-1]), sim.train(1, regularize)
    assert last["jepa_probe"] == pytest.approx(run["jepa_probe"], abs=0.006)
    assert last["gen_probe"] == pytest.approx(run["gen_probe"], abs=0.006)
    assert last["jepa_error"] == pytest.approx(run["jepa_error"], abs=0.006)


def test_data_shapes_and_standardisation():
    data = sim.make_data(np.random.default_rng(0))
    n_train = sim.TRAIN_TRAJECTORIES * sim.LENGTH
    assert data["transitions"].shape == (n_train, 2 * sim.OBS_DIM + sim.ACTION_DIM)
    obs, action, nxt = sim.split(data["transitions"])
    assert np.allclose(obs.std(0), 1, atol=0.05) and np.allclose(nxt.std(0), 1, atol=0.05)
    assert np.array_equal(obs[1:sim.LENGTH], nxt[:sim.LENGTH - 1])   # one trajectory's frames
    test = data["test"]
    assert test["frames"].shape == (sim.TEST_TRAJECTORIES * (sim.LENGTH + 1), sim.OBS_DIM)
    assert np.array_equal(test["frames"][sim.IS_NEXT], test["next"])
    assert sim.HAS_NEXT.sum() == len(test["actions"]) == sim.TEST_TRAJECTORIES * sim.LENGTH
    assert data["probe"]["obs"].shape == (sim.PROBE_FRAMES, sim.OBS_DIM)


def test_the_next_state_follows_from_the_state_and_the_action():
    rng = np.random.default_rng(0)
    states, actions = sim.simulate_states(rng, 3, 50)
    a, b = sim.spring_dynamics()
    assert np.allclose(states[:, 1:], states[:, :-1] @ a.T + actions @ b.T)


def test_evaluation_matches_a_transition_by_transition_computation():
    """The held-out numbers, recomputed the plain way: one transition at a time."""
    rng = np.random.default_rng(3)
    data = sim.make_data(rng)
    jepa, gen = sim.init_models(rng)
    for model in (jepa, gen):   # away from the initial values, so every term counts
        for name in ("encoder", "predictor", "action"):
            model[name] = model[name] + rng.normal(size=model[name].shape) * 0.3
    ev = sim.evaluate(jepa, gen, data)
    frames = data["test"]["frames"].reshape(sim.TEST_TRAJECTORIES, sim.LENGTH + 1, sim.OBS_DIM)
    obs = frames[:, :-1].reshape(-1, sim.OBS_DIM)
    nxt = frames[:, 1:].reshape(-1, sim.OBS_DIM)
    action = data["test"]["actions"]

    def error(predicted, target):
        return ((predicted - target) ** 2).sum() / ((target - target.mean(0)) ** 2).sum()

    z1 = nxt @ jepa["encoder"].T
    assert ev["jepa_error"] == pytest.approx(error(sim.predict(jepa, obs, action), z1))
    assert ev["gen_error"] == pytest.approx(error(sim.predict(gen, obs, action), nxt))
    assert ev["std"] == pytest.approx(z1.std(0))
    states = data["test"]["states"]
    for model, score in ((jepa, ev["jepa_probe"]), (gen, ev["gen_probe"])):
        code = sim.with_constant(data["probe"]["obs"] @ model["encoder"].T)
        weights = np.linalg.lstsq(code, data["probe"]["state"], rcond=None)[0]
        readout = sim.with_constant(data["test"]["frames"] @ model["encoder"].T) @ weights
        residual = ((readout - states) ** 2).sum(0)
        spread = ((states - states.mean(0)) ** 2).sum(0)
        assert score == pytest.approx(np.mean(1 - residual / spread), abs=1e-6)


@pytest.mark.parametrize("regularize", [True, False])
def test_jepa_gradients_match_finite_differences(regularize):
    rng = np.random.default_rng(2)
    o0, o1 = rng.normal(size=(2, 40, sim.OBS_DIM))
    a = rng.normal(size=(40, sim.ACTION_DIM))
    model = {"encoder": rng.normal(size=(sim.CODE_DIM, sim.OBS_DIM)) * 0.05,
             "predictor": rng.normal(size=(sim.CODE_DIM, sim.CODE_DIM)),
             "action": rng.normal(size=(sim.CODE_DIM, sim.ACTION_DIM))}

    def loss(m):
        prediction, penalty, _ = sim.jepa_gradients(m, o0, a, o1, regularize)
        return prediction + penalty

    check_gradients(model, loss, sim.jepa_gradients(model, o0, a, o1, regularize)[2])


def test_generative_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    o0, o1 = rng.normal(size=(2, 40, sim.OBS_DIM))
    a = rng.normal(size=(40, sim.ACTION_DIM))
    model = {"encoder": rng.normal(size=(sim.CODE_DIM, sim.OBS_DIM)) * 0.1,
             "predictor": rng.normal(size=(sim.CODE_DIM, sim.CODE_DIM)),
             "action": rng.normal(size=(sim.CODE_DIM, sim.ACTION_DIM)),
             "decoder": rng.normal(size=(sim.OBS_DIM, sim.CODE_DIM))}
    check_gradients(model, lambda m: sim.generative_gradients(m, o0, a, o1)[0],
                    sim.generative_gradients(model, o0, a, o1)[1])


def check_gradients(model, loss, grads, h=1e-6):
    rng = np.random.default_rng(0)
    for name, grad in grads.items():
        for _ in range(4):
            index = tuple(rng.integers(0, n) for n in grad.shape)
            up, down = ({**model, name: model[name].copy()} for _ in range(2))
            up[name][index] += h
            down[name][index] -= h
            numeric = (loss(up) - loss(down)) / (2 * h)
            assert numeric == pytest.approx(grad[index], rel=1e-4, abs=1e-7), (name, index)


# --- The chapter's claims -------------------------------------------------------------------

def test_ch4_claim_caption_generative_predicts_64_noisy_numbers_jepa_4():
    """Caption: the generative model predicts all 64 observed numbers, whose variance is mostly
    noise; the JEPA predicts 4. HOW: the distractors carry about 90 % of the variance."""
    rng = np.random.default_rng(0)
    data = sim.make_data(rng)
    jepa, gen = sim.init_models(rng)
    obs, action = data["test"]["frames"][sim.HAS_NEXT], data["test"]["actions"]
    assert sim.predict(gen, obs, action).shape == (len(obs), sim.OBS_DIM)
    assert sim.predict(jepa, obs, action).shape == (len(obs), sim.CODE_DIM)
    for seed in SEEDS:
        data = sim.make_data(np.random.default_rng(seed))
        share = variance_by_source(np.eye(sim.OBS_DIM), data, seed)["distractors"]
        assert 0.85 < share < 0.96


def test_ch4_claim_both_probes_start_equal_from_the_same_random_encoder():
    """Try it: both start from the same random encoder, so both probes start equal."""
    for seed in SEEDS:
        first = summary_numbers(frames(sim, seed=seed, limit=1)[0])
        assert first["step"] == 0
        assert first["jepa_probe"] == first["gen_probe"]
        assert first["jepa_probe"] < 0.5


def test_ch4_claim_the_probe_reads_the_state_better_from_jepa(runs):
    """Try it: from which model's 4 numbers does the probe read the true state better? JEPA's,
    by far, at the default setting."""
    jepa = np.array([r["jepa_probe"] for r in runs[True]])
    gen = np.array([r["gen_probe"] for r in runs[True]])
    assert np.all(jepa > 0.95)
    assert np.all(jepa - gen > 0.5)
    assert gen.mean() < 0.1


def test_ch4_claim_the_probe_gap_is_clear_through_training(shown):
    """The gap is visible in the sim's summary from early on, not only at the end."""
    for run in shown[True]:
        assert all(s["jepa_probe"] - s["gen_probe"] >= 0.5 for s in run if s["step"] >= 300)
        assert run[-1]["jepa_probe"] - run[-1]["gen_probe"] >= 0.8


def test_ch4_claim_generative_spends_its_4_numbers_on_the_distractors(runs):
    """Text after the sim: the generative model spends its 4 numbers on the distractors and
    keeps almost nothing of the state; the JEPA leaves them out and keeps the state."""
    for seed, r in zip(SEEDS, runs[True]):
        gen = variance_by_source(r["generative"]["encoder"], r["data"], seed)
        jepa = variance_by_source(r["jepa"]["encoder"], r["data"], seed)
        assert gen["distractors"] > 0.9 and gen["state"] < 0.1
        assert jepa["distractors"] < 0.05 and jepa["state"] > 0.9


def test_ch4_claim_the_two_prediction_errors_settle_apart(shown):
    """Try it: the generative model's prediction error settles near 1, the JEPA's falls close
    to 0 (each as a fraction of its own target's variance)."""
    for run in shown[True]:
        assert all(0.9 < s["gen_error"] < 1.1 for s in run if s["step"] >= 100)
        assert 0.95 < run[-1]["gen_error"] < 1.05
        assert run[-1]["jepa_error"] < 0.03


def test_ch4_claim_regularizer_keeps_the_spread_at_least_1_and_dimensions_uncorrelated(runs):
    """HOW: the penalties keep each dimension's spread at 1 or more and the dimensions
    uncorrelated, on the training frames they see; held out, the spread stays near that."""
    for r in runs[True]:
        z = sim.split(r["data"]["transitions"])[2] @ r["jepa"]["encoder"].T
        assert np.all(z.std(0) > 0.9)
        assert np.abs(np.corrcoef(z.T) - np.eye(sim.CODE_DIM)).max() < 0.15
        assert np.all(r["std"] > 0.6) and r["std"].mean() < 2


def test_ch4_claim_without_regularization_the_loss_falls_far_below_the_regularized(shown):
    """Try it: without the regularization the training loss falls below 1e-3, far below the
    regularized JEPA's."""
    for on, off in zip(shown[True], shown[False]):
        assert off[-1]["loss"] < 1e-3
        assert off[-1]["loss"] < 0.1 * on[-1]["loss"]


def test_ch4_claim_without_regularization_held_out_error_climbs_back_to_about_1(shown):
    """Try it and the text on collapse: while the loss falls, the held-out error climbs back to
    about 1 after an early dip: no better than a constant guess."""
    rises = []
    for run in shown[False]:
        errors = np.array([s["jepa_error"] for s in run])
        steps = np.array([s["step"] for s in run])
        assert 0.8 < errors[-1] < 1.3
        assert steps[errors.argmin()] <= 200            # the dip comes early
        assert errors[-1] > errors.min() + 0.15         # and the error climbs back
        rises.append(errors[-1] - errors.min())
        assert run[-1]["loss"] < run[1]["loss"] / 1000  # while the training loss only falls
    assert np.mean(rises) > 0.5


def test_ch4_claim_without_regularization_probe_and_spread_collapse(runs, shown):
    """Try it: the probe's R² sinks to about 0 and the spread of the embeddings shrinks towards
    0. HOW: nothing stops the embedding from shrinking to a point."""
    probes = np.array([r["jepa_probe"] for r in runs[False]])
    assert np.all(probes < 0.3) and probes.mean() < 0.1
    for on, off in zip(runs[True], runs[False]):
        assert on["jepa_probe"] - off["jepa_probe"] > 0.6
        assert off["std"].max() < 0.03
        assert off["std"].max() < 0.03 * on["std"].mean()
    for run in shown[False]:                            # as the summary shows them
        assert run[-1]["std"] < 0.03 and run[-1]["jepa_probe"] < 0.3


def test_ch4_claim_collapsed_embedding_keeps_only_sensor_noise(runs):
    """Text on collapse: the state has been squeezed out, and what is left is faint sensor
    noise that nothing can predict."""
    for seed, r in zip(SEEDS, runs[False]):
        share = variance_by_source(r["jepa"]["encoder"], r["data"], seed)
        assert share["sensor"] > 0.6 and share["state"] < 0.25
