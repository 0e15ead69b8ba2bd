"""The teaching claims of sims/@@name.py: one test per sentence of its chapter that tells the
learner what the sim shows, at the settings it names, over several seeds, with a margin.

The contract (controls, frames, determinism, extreme values) is checked for every registered
sim by tests/sims/test_sims_contract.py: nothing to repeat here.
"""

import re

import numpy as np

from simkit import frames
from sims import @@name as sim


def fitted_slope(samples, seed):
    """The slope the summary line reports, as the learner reads it."""
    summary = frames(sim, seed, samples=samples)[0]["summary"]
    return float(re.search(r"fitted slope (-?[\d.]+)", summary).group(1))


def test_claim_more_samples_fit_the_true_line_better():
    # Replace with the claims of your chapter: "with 200 samples the fitted line ..."
    seeds = range(10)
    few = np.mean([abs(fitted_slope(5, s) - sim.TRUE_SLOPE) for s in seeds])
    many = np.mean([abs(fitted_slope(200, s) - sim.TRUE_SLOPE) for s in seeds])
    assert many < 0.5 * few
