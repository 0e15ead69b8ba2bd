"""Tests for sims/@@name.py: the contract, determinism, and the property it teaches."""

import numpy as np

from sims import contract
from sims import @@name as sim


def frames(params, seed, count=3):
    run = sim.simulate({**contract.defaults(sim.CONTROLS), **params}, seed)
    return [frame for _, frame in zip(range(count), run)]


def test_controls_and_frames_follow_the_contract():
    contract.validate_controls(sim.CONTROLS)
    for frame in frames({}, seed=0):
        contract.validate_frame(frame)


def test_deterministic_under_a_seed():
    first, again, other = frames({}, 1), frames({}, 1), frames({}, 2)
    assert contract.pack(first[0])[0] == contract.pack(again[0])[0]
    assert contract.pack(first[0])[0] != contract.pack(other[0])[0]


def test_more_samples_fit_better_on_average():
    # Replace with the property your sim teaches, checked over several seeds.
    def error(n, seed):
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 5, n)
        y = sim.TRUE_SLOPE * x + sim.TRUE_INTERCEPT + rng.normal(0, sim.NOISE, n)
        return abs(sim.fit_line(x, y)[0] - sim.TRUE_SLOPE)

    few = np.mean([error(5, s) for s in range(30)])
    many = np.mean([error(200, s) for s in range(30)])
    assert many < few
