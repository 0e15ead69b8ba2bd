"""@@title: a short sentence saying what this simulation shows.

Replace the example (a line fitted by least squares to noisy samples) with your own model. Keep
the contract of sims/contract.py: pure numpy, deterministic under the seed, a few milliseconds
per frame.
"""

import numpy as np

from sims.contract import slider

TITLE = "@@title"
HOW = (
    "Name the model and how it is fitted or planned with. Here: a straight line is fitted by "
    "least squares to noisy samples of a true line, and its error shrinks as samples grow."
)
CONTROLS = [
    slider("samples", "Samples", 2, 200, 20, unit="points"),
]
TRUE_SLOPE, TRUE_INTERCEPT, NOISE = 0.8, 0.5, 0.3


def fit_line(x, y):
    """Least-squares slope and intercept."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return slope, intercept


def simulate(params, seed):
    rng = np.random.default_rng(seed)
    n = int(params["samples"])
    x = rng.uniform(0, 5, n)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, NOISE, n)
    slope, intercept = fit_line(x, y)
    ends = np.array([0.0, 5.0])
    yield {
        "panels": [{
            "title": "Samples and the fitted line", "x": [0, 5], "y": [-1, 6],
            "xlabel": "x", "ylabel": "y",
            "items": [
                {"points": np.stack([x, y], axis=1), "role": "samples"},
                {"line": np.stack([ends, TRUE_SLOPE * ends + TRUE_INTERCEPT], axis=1), "role": "real"},
                {"line": np.stack([ends, slope * ends + intercept], axis=1), "role": "imagined", "dash": True},
            ],
        }],
        "legend": [["samples", "samples"], ["real", "true line"], ["imagined", "fitted line"]],
        "summary": f"fitted slope {slope:.2f} (true {TRUE_SLOPE}) from {n} samples",
    }
