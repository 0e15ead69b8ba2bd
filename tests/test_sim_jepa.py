import numpy as np
import pytest

from sims import contract
from sims import jepa as sim
from simkit import frames

SEEDS = range(3)


@pytest.fixture(scope="module")
def runs():
    """Full training runs: with the regulariser on several seeds, without it on the first two."""
    return {True: [sim.train(seed, True) for seed in SEEDS],
            False: [sim.train(seed, False) for seed in SEEDS[:2]]}


def test_controls_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    assert contract.defaults(sim.CONTROLS) == {"regularize": True}


@pytest.mark.parametrize("regularize", [True, False])
def test_every_frame_follows_the_contract(regularize):
    out = frames(sim, seed=1, regularize=regularize)
    assert len(out) == 2 + -(-sim.STEPS // sim.STEPS_PER_FRAME)
    for frame in out:
        contract.validate_frame(frame)
        assert frame["summary"]
    assert f"step {sim.STEPS} of {sim.STEPS}" in out[-1]["summary"]


def test_data_shapes_and_standardisation():
    data = sim.make_data(np.random.default_rng(0))
    n_train = sim.TRAIN_TRAJECTORIES * (sim.LENGTH - 1)
    assert data["train"]["obs"].shape == (n_train, sim.OBS_DIM)
    assert data["train"]["next"].shape == (n_train, sim.OBS_DIM)
    assert data["train"]["state"].shape == (n_train, sim.STATE_DIM)
    assert np.allclose(data["train"]["obs"].std(0), 1, atol=0.05)


def test_distractors_carry_most_of_the_variance():
    rng = np.random.default_rng(0)
    states = sim.simulate_states(rng, 20, 100)
    mixing = rng.normal(size=(sim.OBS_DIM, sim.STATE_DIM)) / np.sqrt(sim.STATE_DIM)
    noise_mixing = rng.normal(size=(sim.OBS_DIM, sim.NOISE_DIM)) / np.sqrt(sim.NOISE_DIM)
    signal = sim.observe(rng, states, mixing, noise_mixing * 0).var(axis=(0, 1)).sum()
    total = sim.observe(rng, states, mixing, noise_mixing).var(axis=(0, 1)).sum()
    assert signal < 0.15 * total


@pytest.mark.parametrize("regularize", [True, False])
def test_gradients_match_finite_differences(regularize):
    rng = np.random.default_rng(2)
    o0, o1 = rng.normal(size=(2, 40, sim.OBS_DIM))
    enc = rng.normal(size=(sim.EMBED_DIM, sim.OBS_DIM)) * 0.05
    pred = rng.normal(size=(sim.EMBED_DIM, sim.EMBED_DIM))

    def loss(e, p):
        a, b, _, _ = sim.loss_and_gradients(e, p, o0, o1, regularize)
        return a + b

    _, _, d_enc, d_pred = sim.loss_and_gradients(enc, pred, o0, o1, regularize)
    h = 1e-6
    for (i, j) in [(0, 0), (1, 5), (3, 63), (2, 30)]:
        bump = np.zeros_like(enc)
        bump[i, j] = h
        numeric = (loss(enc + bump, pred) - loss(enc - bump, pred)) / (2 * h)
        assert numeric == pytest.approx(d_enc[i, j], rel=1e-4, abs=1e-6)
    for (i, j) in [(0, 0), (1, 2), (3, 1)]:
        bump = np.zeros_like(pred)
        bump[i, j] = h
        numeric = (loss(enc, pred + bump) - loss(enc, pred - bump)) / (2 * h)
        assert numeric == pytest.approx(d_pred[i, j], rel=1e-4, abs=1e-6)


def test_regularised_jepa_tracks_the_state(runs):
    for r in runs[True]:
        assert r["probe"] > 0.8
        assert r["probe"] > r["random_probe"] + 0.4
        assert np.all(r["std"] > 0.4)


def test_without_regularisation_the_embedding_collapses(runs):
    for on, off in zip(runs[True], runs[False]):
        assert off["std"].max() < 0.05
        assert off["std"].max() < 0.05 * on["std"].mean()


def test_generative_error_is_dominated_by_distractors(runs):
    for r in runs[True]:
        assert r["generative_error"] > 0.8
        assert r["error"] < 0.3
        assert r["error"] < 0.3 * r["generative_error"]
