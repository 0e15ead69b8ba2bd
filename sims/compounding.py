"""Compounding error: an ensemble of learned pendulum models imagines 100 steps ahead.

Each member is least squares on polynomial features, fitted to a bootstrap resample of noisy
data; the model quality sets how many features the polynomial has.
"""

import numpy as np

from sims.contract import slider

TITLE = "Compounding Error over Horizon"
HOW = (
    "The true system is a damped pendulum (angle θ, angular velocity ω, RK4 steps of 0.05 s). "
    "We record 400 transitions from random states, with noise 0.003 rad on θ (twice that on "
    "ω); the data never changes. The model predicts the one-step change of the state as a "
    "polynomial in θ and ω, and **Model quality** sets its size: 1 + quality / 5 terms θⁱωʲ, "
    "taken in order of degree (1, θ, ω, θ², θω, ω², θ³, ...), so 0 % is a constant, 20 % has 5 "
    "terms and 100 % all 21 terms up to degree 5. A small model cannot bend the way the "
    "pendulum's sin θ does, however much data it sees. Five models of that size each fit the "
    "change by least squares on their own bootstrap resample of the data, then roll out 100 "
    "steps feeding their own predictions back in. The red band is the range of the five "
    "members: it shows only their disagreement, so it can miss an error that all five share, "
    "and a model too small for the pendulum makes the same error whatever its data."
)
PICTURE_FRAME = 150  # the page's picture: the open-loop rollout has drifted from the truth
CONTROLS = [slider("quality", "Model quality", 0, 100, 60, step=5, unit="%")]

GRAVITY = 9.81          # g / L with L = 1 m
DAMPING = 0.15          # 1/s
DT = 0.05               # s per step
HORIZON = 100           # steps rolled out
MEMBERS = 5
START = (2.2, 0.0)      # θ0 (rad), ω0 (rad/s) of the imagined trajectory
OMEGA_RANGE = 6.0       # training states have |ω| < this
DATA = 400              # observed transitions
NOISE = 0.003           # observation noise on θ (rad); twice that on ω
DEGREE = 5              # the largest model's polynomial degree
# The polynomial's terms θ^i ω^j, in order of degree: 1, θ, ω, θ², θω, ω², θ³, ...
TERMS = [(i, d - i) for d in range(DEGREE + 1) for i in range(d, -1, -1)]
STATE_LIMIT = np.array([3 * np.pi, 15.0])   # keeps a diverging model finite
LEAVE = 0.3             # rad: the imagined angle has "left" the truth once this far from it
# Errors are measured in (θ, ω / √(g/L)), so an angle error and a speed error of the same
# energy count the same.
ERROR_SCALE = np.array([1.0, 1.0 / np.sqrt(GRAVITY)])
FRAMES_PER_STEP = 2     # animation frames per revealed step: about 3 s for the whole horizon


# --- The true system ------------------------------------------------------------------------

def _derivative(theta, omega):
    return omega, -GRAVITY * np.sin(theta) - DAMPING * omega


def true_step(theta, omega):
    """One RK4 step of the damped pendulum; works on floats and on arrays alike."""
    a1, b1 = _derivative(theta, omega)
    a2, b2 = _derivative(theta + DT / 2 * a1, omega + DT / 2 * b1)
    a3, b3 = _derivative(theta + DT / 2 * a2, omega + DT / 2 * b2)
    a4, b4 = _derivative(theta + DT * a3, omega + DT * b3)
    return (theta + DT / 6 * (a1 + 2 * a2 + 2 * a3 + a4),
            omega + DT / 6 * (b1 + 2 * b2 + 2 * b3 + b4))


def true_trajectory(start=START, horizon=HORIZON):
    """(horizon + 1, 2) states of the real pendulum (plain floats: one state is cheap)."""
    theta, omega = float(start[0]), float(start[1])
    out = [(theta, omega)]
    for _ in range(horizon):
        theta, omega = true_step(theta, omega)
        out.append((float(theta), float(omega)))
    return np.array(out)


# --- Data and models ------------------------------------------------------------------------

def model_size(quality):
    """Quality in percent -> the number of polynomial features: 1 at 0 % to 21 at 100 %."""
    return 1 + int(round(float(np.clip(quality, 0, 100)) / 100 * (len(TERMS) - 1)))


def collect_data(rng):
    """Noisy observed transitions (s, s'), each of shape (DATA, 2), from uniform random states."""
    theta = rng.uniform(-np.pi, np.pi, DATA)
    omega = rng.uniform(-OMEGA_RANGE, OMEGA_RANGE, DATA)
    next_theta, next_omega = true_step(theta, omega)
    scale = NOISE * np.array([1.0, 2.0])
    s = np.stack([theta, omega], -1) + rng.normal(size=(DATA, 2)) * scale
    s_next = np.stack([next_theta, next_omega], -1) + rng.normal(size=(DATA, 2)) * scale
    return s, s_next


def features(s, size):
    """(..., 2) states -> (..., size): the first `size` terms θ^i ω^j, on θ / π and ω / 6
    so that every term stays within [-1, 1] on the data."""
    theta, omega = s[..., 0] / np.pi, s[..., 1] / OMEGA_RANGE
    return np.stack([theta ** i * omega ** j for i, j in TERMS[:size]], -1)


def fit_ensemble(rng, s, s_next, size, members=MEMBERS, ridge=1e-6):
    """Least squares of the state change on the features, one bootstrap resample per member.

    Returns weights of shape (members, size, 2).
    """
    n = len(s)
    idx = rng.integers(0, n, (members, n))
    x = features(s, size)[idx]                  # (members, n, size)
    y = (s_next - s)[idx]                       # (members, n, 2)
    xt = x.transpose(0, 2, 1)
    gram = xt @ x + ridge * n * np.eye(size)
    return np.linalg.solve(gram, xt @ y)


def rollout(weights, start=START, horizon=HORIZON):
    """Every member imagines `horizon` steps from `start` on its own predictions: (H+1, M, 2)."""
    s = np.tile(np.asarray(start, float), (len(weights), 1))
    out = [s]
    for _ in range(horizon):
        s = s + (features(s, weights.shape[1])[:, None, :] @ weights)[:, 0]
        s = np.clip(s, -STATE_LIMIT, STATE_LIMIT)
        out.append(s)
    return np.stack(out)


def horizon_curves(imagined, truth):
    """Per step: distance of the ensemble mean from the truth, and the members' RMS spread."""
    mean = imagined.mean(1)
    error = np.linalg.norm((mean - truth) * ERROR_SCALE, axis=-1)
    spread = np.sqrt((((imagined - mean[:, None]) * ERROR_SCALE) ** 2).sum(-1).mean(1))
    return error, spread


def leave_step(imagined, truth):
    """The first step at which the ensemble mean's angle is LEAVE from the truth (None: never)."""
    gap = np.abs(imagined[:, :, 0].mean(1) - truth[:, 0])
    return int(np.argmax(gap > LEAVE)) if (gap > LEAVE).any() else None


def outside_band(imagined, truth):
    """Per step: is the true angle outside the members' range of angles?"""
    theta = imagined[:, :, 0]
    return (truth[:, 0] < theta.min(1)) | (truth[:, 0] > theta.max(1))


def run(quality, seed):
    """Everything the sim computes, without frames: data, ensemble, rollouts and curves."""
    rng = np.random.default_rng(seed)
    s, s_next = collect_data(rng)
    weights = fit_ensemble(rng, s, s_next, model_size(quality))
    imagined = rollout(weights)
    truth = true_trajectory()
    error, spread = horizon_curves(imagined, truth)
    return {"data": s, "imagined": imagined, "truth": truth, "error": error, "spread": spread,
            "leave": leave_step(imagined, truth), "outside": outside_band(imagined, truth)}


# --- Frames ---------------------------------------------------------------------------------

def _nice_ceiling(x):
    """Smallest of 1, 2, 5 x 10^k at or above x: a steady axis limit."""
    k = np.floor(np.log10(max(x, 1e-3)))
    for m in (1, 2, 5, 10):
        if m * 10 ** k >= x:
            return float(m * 10 ** k)


def _frame(r, k, quality):
    steps = np.arange(k + 1)
    t = steps * DT
    truth, imagined = r["truth"][: k + 1], r["imagined"][: k + 1]
    mean = imagined.mean(1)
    theta_members = imagined[:, :, 0]
    members_time = np.stack([np.broadcast_to(t[:, None], theta_members.shape),
                             theta_members], -1).transpose(1, 0, 2)
    outside = int(r["outside"][1:k + 1].sum())
    left = r["leave"] is not None and r["leave"] <= k
    # a dashed line where the imagined angle first left the truth, once the reveal gets there
    left_marker = [{"line": np.array([[r["leave"] * DT, -3.5], [r["leave"] * DT, 3.5]]),
                    "role": "muted", "stroke": 1.5, "dash": True}] if left else []
    time_panel = {
        "title": "Angle θ over time",
        "x": [0, HORIZON * DT], "y": [-3.5, 3.5], "xlabel": "time (s)", "ylabel": "θ (rad)",
        "items": [
            {"band": np.stack([t, theta_members.min(1), theta_members.max(1)], -1),
             "role": "uncertainty", "alpha": 0.25},
            {"lines": members_time, "role": "imagined", "stroke": 1, "alpha": 0.35},
            {"line": np.stack([t, truth[:, 0]], -1), "role": "real", "stroke": 2.5},
            {"line": np.stack([t, mean[:, 0]], -1), "role": "imagined", "stroke": 2.5},
        ] + left_marker,
    }
    phase_panel = {
        "title": "Phase space (θ, ω)",
        "x": [-3.5, 3.5], "y": [-7, 7], "xlabel": "θ (rad)", "ylabel": "ω (rad/s)",
        "items": [
            {"points": r["data"], "role": "samples", "size": 1.5, "alpha": 0.5},
            {"lines": imagined.transpose(1, 0, 2), "role": "imagined", "stroke": 1,
             "alpha": 0.35},
            {"line": truth, "role": "real", "stroke": 2.5},
            {"line": mean, "role": "imagined", "stroke": 2.5},
            {"points": np.array([truth[-1], mean[-1]]), "role": "ink", "size": 3},
        ],
    }
    error_panel = {
        "title": "Error vs horizon",
        "x": [0, HORIZON], "y": [0, _nice_ceiling(1.1 * max(r["error"].max(),
                                                              r["spread"].max()))],
        "xlabel": "steps ahead", "ylabel": "state error (rad)",
        "items": [
            {"line": np.stack([steps, r["spread"][: k + 1]], -1), "role": "uncertainty",
             "stroke": 2},
            {"line": np.stack([steps, r["error"][: k + 1]], -1), "role": "imagined",
             "stroke": 2.5},
        ],
    }
    return {
        "panels": [time_panel, phase_panel, error_panel],
        "legend": [["real", "true pendulum"], ["imagined", "ensemble mean (thin: members)"],
                   ["uncertainty", "ensemble spread (band: range, line: RMS)"],
                   ["samples", "noisy training data"]],
        "summary": (f"step {k} of {HORIZON} ({model_size(quality)} features): "
                    + (f"prediction left the truth at step {r['leave']}" if left
                       else "prediction still with the truth")
                    + f", truth outside the band at {outside} of {k} steps, "
                    f"error {r['error'][k]:.2f}, spread {r['spread'][k]:.2f}"),
        "metrics": {"step": k, "error": float(r["error"][k]), "spread": float(r["spread"][k]),
                    "outside": outside},
    }


def simulate(params, seed):
    """Fit and roll out at once (a few ms), then reveal the horizon step by step."""
    quality = params["quality"]
    r = run(quality, seed)
    for k in range(HORIZON + 1):
        frame = _frame(r, k, quality)
        for _ in range(FRAMES_PER_STEP):
            yield frame
