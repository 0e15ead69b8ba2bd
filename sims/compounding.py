"""Compounding error: an ensemble of learned pendulum models imagines 100 steps ahead.

Each member is least squares on nonlinear features, fitted to a bootstrap resample of noisy data.
"""

import numpy as np

from sims.contract import slider

TITLE = "Compounding Error over Horizon"
HOW = (
    "The true system is a damped pendulum (angle θ, angular velocity ω, RK4 steps of 0.05 s). "
    "We record noisy transitions from random states: with q = **quality** / 100, the data holds "
    "20 + 380·q transitions with noise 0.002 + 0.05·(1 − q) rad on θ (twice that on ω); the "
    "features stay fixed. Five models each fit the one-step change of the state by least "
    "squares on 8 features (ω, sin θ, cos θ, products such as ω·cos θ, and a constant), each on "
    "its own bootstrap resample, then roll out 100 steps feeding their own predictions back in. "
    "The red band is the range of the five members: it shows only their disagreement, so it "
    "can miss an error that all five share."
)
CONTROLS = [slider("quality", "Data quality", 0, 100, 60, step=1, unit="%")]

GRAVITY = 9.81          # g / L with L = 1 m
DAMPING = 0.15          # 1/s
DT = 0.05               # s per step
HORIZON = 100           # steps rolled out
MEMBERS = 5
START = (2.2, 0.0)      # θ0 (rad), ω0 (rad/s) of the imagined trajectory
OMEGA_RANGE = 6.0       # training states have |ω| < this
STATE_LIMIT = np.array([3 * np.pi, 15.0])   # keeps a diverging model finite
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

def data_settings(quality):
    """Quality in percent -> (number of transitions, noise std on θ in rad)."""
    q = float(np.clip(quality, 0, 100)) / 100
    return int(round(20 + 380 * q)), 0.002 + 0.05 * (1 - q)


def collect_data(rng, quality):
    """Noisy observed transitions (s, s'), each of shape (n, 2), from uniform random states."""
    n, noise = data_settings(quality)
    theta = rng.uniform(-np.pi, np.pi, n)
    omega = rng.uniform(-OMEGA_RANGE, OMEGA_RANGE, n)
    next_theta, next_omega = true_step(theta, omega)
    scale = noise * np.array([1.0, 2.0])
    s = np.stack([theta, omega], -1) + rng.normal(size=(n, 2)) * scale
    s_next = np.stack([next_theta, next_omega], -1) + rng.normal(size=(n, 2)) * scale
    return s, s_next


def features(s):
    """(..., 2) states -> (..., 8) features; a linear map of these approximates one RK4 step."""
    theta, omega = s[..., 0], s[..., 1]
    sin, cos = np.sin(theta), np.cos(theta)
    return np.stack([omega, sin, cos, omega * cos, omega * sin, omega * omega * sin,
                     sin * cos, np.ones_like(theta)], -1)


def fit_ensemble(rng, s, s_next, members=MEMBERS, ridge=1e-6):
    """Least squares of the state change on the features, one bootstrap resample per member.

    Returns weights of shape (members, 8, 2).
    """
    n = len(s)
    idx = rng.integers(0, n, (members, n))
    x = features(s)[idx]                        # (members, n, 8)
    y = (s_next - s)[idx]                       # (members, n, 2)
    xt = x.transpose(0, 2, 1)
    gram = xt @ x + ridge * n * np.eye(x.shape[-1])
    return np.linalg.solve(gram, xt @ y)


def rollout(weights, start=START, horizon=HORIZON):
    """Every member imagines `horizon` steps from `start` on its own predictions: (H+1, M, 2)."""
    s = np.tile(np.asarray(start, float), (len(weights), 1))
    out = [s]
    for _ in range(horizon):
        s = s + (features(s)[:, None, :] @ weights)[:, 0]
        s = np.clip(s, -STATE_LIMIT, STATE_LIMIT)
        out.append(s)
    return np.stack(out)


def horizon_curves(imagined, truth):
    """Per step: distance of the ensemble mean from the truth, and the members' RMS spread."""
    mean = imagined.mean(1)
    error = np.linalg.norm((mean - truth) * ERROR_SCALE, axis=-1)
    spread = np.sqrt((((imagined - mean[:, None]) * ERROR_SCALE) ** 2).sum(-1).mean(1))
    return error, spread


def run(quality, seed):
    """Everything the sim computes, without frames: data, ensemble, rollouts and curves."""
    rng = np.random.default_rng(seed)
    s, s_next = collect_data(rng, quality)
    weights = fit_ensemble(rng, s, s_next)
    imagined = rollout(weights)
    truth = true_trajectory()
    error, spread = horizon_curves(imagined, truth)
    return {"data": s, "imagined": imagined, "truth": truth, "error": error, "spread": spread}


# --- Frames ---------------------------------------------------------------------------------

def _nice_ceiling(x):
    """Smallest of 1, 2, 5 x 10^k at or above x: a steady axis limit."""
    k = np.floor(np.log10(max(x, 1e-3)))
    for m in (1, 2, 5, 10):
        if m * 10 ** k >= x:
            return float(m * 10 ** k)


def _frame(r, k, quality):
    n, noise = data_settings(quality)
    steps = np.arange(k + 1)
    t = steps * DT
    truth, imagined = r["truth"][: k + 1], r["imagined"][: k + 1]
    mean = imagined.mean(1)
    theta_members = imagined[:, :, 0]
    members_time = np.stack([np.broadcast_to(t[:, None], theta_members.shape),
                             theta_members], -1).transpose(1, 0, 2)
    time_panel = {
        "title": "Angle: truth vs imagined rollouts",
        "x": [0, HORIZON * DT], "y": [-3.5, 3.5], "xlabel": "time (s)", "ylabel": "θ (rad)",
        "items": [
            {"band": np.stack([t, theta_members.min(1), theta_members.max(1)], -1),
             "role": "uncertainty", "alpha": 0.25},
            {"lines": members_time, "role": "imagined", "stroke": 1, "alpha": 0.35},
            {"line": np.stack([t, truth[:, 0]], -1), "role": "real", "stroke": 2.5},
            {"line": np.stack([t, mean[:, 0]], -1), "role": "imagined", "stroke": 2.5},
        ],
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
        "summary": (f"step {k} of {HORIZON}: the ensemble mean is {r['error'][k]:.2f} from the "
                    f"true state, members spread {r['spread'][k]:.2f} "
                    f"({n} transitions, noise {noise:.3f} rad)"),
    }


def simulate(params, seed):
    """Fit and roll out at once (a few ms), then reveal the horizon step by step."""
    quality = params["quality"]
    r = run(quality, seed)
    for k in range(HORIZON + 1):
        frame = _frame(r, k, quality)
        for _ in range(FRAMES_PER_STEP):
            yield frame
