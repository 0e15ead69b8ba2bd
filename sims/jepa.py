"""JEPA vs generative prediction: a 2-D moving object hides among loud, unpredictable noise.

A generative model predicts the next observation in full; a JEPA predicts in a learned embedding.
"""

import numpy as np

from sims.contract import toggle

TITLE = "JEPA vs Generative Prediction"
HOW = (
    "A hidden object on a spring (state: 2-D position and velocity) is mixed linearly into 64 "
    "observed numbers together with 60 channels of fresh random noise, which carry about 95 % "
    "of the variance. The **generative** model predicts the whole next observation by least "
    "squares. The **JEPA** learns a linear encoder to a 4-D embedding and a linear predictor "
    "inside it, by gradient descent with momentum on the embedding prediction error plus "
    "VICReg-style penalties that keep each dimension's spread near 1 and the dimensions "
    "uncorrelated; switch **regularize** off and nothing stops the embedding from shrinking to "
    "a point. A linear probe (least squares, R² on held-out frames) measures how well the "
    "embedding, and for comparison a random 4-D projection, track the true state."
)
CONTROLS = [toggle("regularize", "Variance / covariance regularisation", default=True)]

OBS_DIM = 64
STATE_DIM = 4             # x, y, vx, vy
NOISE_DIM = 60            # unpredictable distractor channels
NOISE_STD = 3.0
EMBED_DIM = 4
DT = 0.1
KICK_STD = 0.05           # random kicks to the velocity each step
TRAIN_TRAJECTORIES, TEST_TRAJECTORIES, LENGTH, BURN_IN = 16, 8, 100, 20

STEPS = 3000              # gradient steps in all
STEPS_PER_FRAME = 4
BATCH = 256
LEARNING_RATE = 0.015
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-3
VAR_WEIGHT, COV_WEIGHT = 1.0, 1.0
TARGET_STD = 1.0


# --- The world ------------------------------------------------------------------------------

def spring_dynamics():
    """Linear map of the state per step: a lightly damped 2-D spring."""
    a = np.eye(STATE_DIM)
    a[0, 2] = a[1, 3] = DT
    a[2, 0] = a[3, 1] = -DT
    a[2, 2] = a[3, 3] = 0.98
    return a


def simulate_states(rng, count, length):
    """(count, length, 4) states: `count` trajectories after a burn-in, with small random kicks
    to the velocity."""
    a = spring_dynamics()
    kicks = np.zeros((BURN_IN + length, count, STATE_DIM))
    kicks[..., 2:] = rng.standard_normal((BURN_IN + length, count, 2)) * KICK_STD
    s = rng.standard_normal((count, STATE_DIM))
    out = np.empty((count, length, STATE_DIM))
    for t in range(BURN_IN + length):
        s = s @ a.T + kicks[t]
        if t >= BURN_IN:
            out[:, t - BURN_IN] = s
    return out


def observe(rng, states, mixing, noise_mixing):
    """States -> observations: the state mixed in, plus fresh distractor noise every frame."""
    flat = states.reshape(-1, STATE_DIM)        # 2-D matmuls: one BLAS call each
    # uniform draws with the spread of N(0, NOISE_STD²): four times cheaper than normal ones,
    # and the mixing below makes their sums nearly Gaussian anyway
    noise = (rng.random((len(flat), NOISE_DIM)) - 0.5) * (NOISE_STD * np.sqrt(12))
    obs = flat @ mixing.T + noise @ noise_mixing.T
    return obs.reshape(states.shape[:-1] + (OBS_DIM,))


def make_data(rng):
    """Training and held-out transitions; observations standardised with training statistics."""
    mixing = rng.normal(size=(OBS_DIM, STATE_DIM)) / np.sqrt(STATE_DIM)
    noise_mixing = rng.normal(size=(OBS_DIM, NOISE_DIM)) / np.sqrt(NOISE_DIM)
    states = simulate_states(rng, TRAIN_TRAJECTORIES + TEST_TRAJECTORIES, LENGTH)
    obs = observe(rng, states, mixing, noise_mixing)
    flat = obs[:TRAIN_TRAJECTORIES].reshape(-1, OBS_DIM)
    obs = (obs - flat.mean(0)) / flat.std(0)
    out = {}
    for part, rows in (("train", slice(0, TRAIN_TRAJECTORIES)),
                       ("test", slice(TRAIN_TRAJECTORIES, None))):
        out[part] = {"obs": obs[rows, :-1].reshape(-1, OBS_DIM),
                     "next": obs[rows, 1:].reshape(-1, OBS_DIM),
                     "state": states[rows, :-1].reshape(-1, STATE_DIM)}
    out["track"] = out["test"]["obs"][:LENGTH - 1], out["test"]["state"][:LENGTH - 1]
    return out


# --- Measures -------------------------------------------------------------------------------

def normalized_error(predicted, target):
    """Mean squared prediction error as a fraction of the target's total variance."""
    return float(((predicted - target) ** 2).sum() / ((target - target.mean(0)) ** 2).sum())


def with_constant(x):
    return np.concatenate([x, np.ones((len(x), 1))], 1)


def fit_probe(features, states, ridge=1e-9):
    """Least-squares linear readout (with intercept) of the state from a representation."""
    x = with_constant(features)
    gram = x.T @ x
    return np.linalg.solve(gram + ridge * np.trace(gram) * np.eye(len(gram)), x.T @ states)


def r2(readout, states):
    """R² of a readout, averaged over the state's components."""
    residual = ((readout - states) ** 2).sum(0)
    spread = ((states - states.mean(0)) ** 2).sum(0)
    return float(np.mean(1 - residual / spread))


def probe(encode, data):
    """Fit a linear probe on training frames' representations; R² on held-out frames.

    `encode` maps observations to a representation. Returns (R², probe weights).
    """
    weights = fit_probe(encode(data["train"]["obs"]), data["train"]["state"])
    readout = with_constant(encode(data["test"]["obs"])) @ weights
    return r2(readout, data["test"]["state"]), weights


def fit_generative(obs, nxt, ridge=1e-3):
    """Least squares from the observation to the next one (64 x 64 weights)."""
    return np.linalg.solve(obs.T @ obs + ridge * np.eye(OBS_DIM), obs.T @ nxt)


# --- The JEPA -------------------------------------------------------------------------------

def init_jepa(rng):
    encoder = rng.normal(size=(EMBED_DIM, OBS_DIM)) / np.sqrt(OBS_DIM)
    return {"encoder": encoder, "predictor": np.eye(EMBED_DIM),
            "v_encoder": np.zeros_like(encoder), "v_predictor": np.zeros((EMBED_DIM,) * 2)}


def vicreg_penalty(z):
    """Variance hinge and off-diagonal covariance penalty of a batch, and their gradient."""
    n, k = z.shape
    zc = z - z.mean(0)
    std = np.sqrt((zc ** 2).sum(0) / (n - 1) + 1e-4)
    variance = np.maximum(0, TARGET_STD - std).mean()
    cov = zc.T @ zc / (n - 1)
    off = cov - np.diag(np.diag(cov))
    covariance = (off ** 2).sum() / k
    grad = (VAR_WEIGHT * zc * (-1.0 * (std < TARGET_STD) / (k * std * (n - 1)))
            + COV_WEIGHT * zc @ off * (4 / (k * (n - 1))))
    return VAR_WEIGHT * variance + COV_WEIGHT * covariance, grad


def loss_and_gradients(encoder, predictor, o0, o1, regularize):
    """Loss = mean |P E o_t - E o_{t+1}|^2 (+ penalties on both embeddings) and its gradients.

    Gradients flow through both branches, as in VICReg, so without the penalties shrinking the
    encoder is always downhill. Returns (prediction loss, penalty, d_encoder, d_predictor).
    """
    n = len(o0)
    z0, z1 = o0 @ encoder.T, o1 @ encoder.T
    residual = z0 @ predictor.T - z1
    prediction = (residual ** 2).sum() / n
    d_res = 2 * residual / n
    d_z0, d_z1 = d_res @ predictor, -d_res
    penalty = 0.0
    if regularize:
        p0, g0 = vicreg_penalty(z0)
        p1, g1 = vicreg_penalty(z1)
        penalty = p0 + p1
        d_z0, d_z1 = d_z0 + g0, d_z1 + g1
    return prediction, penalty, d_z0.T @ o0 + d_z1.T @ o1, d_res.T @ z0


def train_step(model, rng, train, regularize):
    """One minibatch step of gradient descent with momentum (and a little weight decay on the
    encoder); returns (prediction loss, penalty) on the batch."""
    idx = rng.integers(0, len(train["obs"]), BATCH)
    prediction, penalty, d_enc, d_pred = loss_and_gradients(
        model["encoder"], model["predictor"], train["obs"][idx], train["next"][idx], regularize)
    d_enc = d_enc + WEIGHT_DECAY * model["encoder"]
    for name, grad in (("encoder", d_enc), ("predictor", d_pred)):
        model["v_" + name] = MOMENTUM * model["v_" + name] - LEARNING_RATE * grad
        model[name] = model[name] + model["v_" + name]
    return prediction, penalty


def evaluate(model, data):
    """Held-out numbers: JEPA prediction error (normalised), embedding std, probe R²."""
    enc, pred = model["encoder"], model["predictor"]
    z0, z1 = data["test"]["obs"] @ enc.T, data["test"]["next"] @ enc.T
    score, weights = probe(lambda obs: obs @ enc.T, data)
    return {"error": normalized_error(z0 @ pred.T, z1), "std": z1.std(0), "probe": score,
            "probe_weights": weights}


def baselines(rng, data):
    """Generative model error and a same-size random projection's probe R²."""
    train, test = data["train"], data["test"]
    g = fit_generative(train["obs"], train["next"])
    projection = rng.normal(size=(OBS_DIM, EMBED_DIM))
    score, weights = probe(lambda obs: obs @ projection, data)
    return {"generative_error": normalized_error(test["obs"] @ g, test["next"]),
            "projection": projection, "random_probe": score, "random_weights": weights}


def train(seed, regularize, steps=STEPS):
    """The sim's whole run without frames: data, baselines, JEPA training, final evaluation."""
    rng = np.random.default_rng(seed)
    data = make_data(rng)
    model = init_jepa(rng)
    base = baselines(rng, data)      # same order of random draws as the sim
    for _ in range(steps):
        train_step(model, rng, data["train"], regularize)
    return {**base, **evaluate(model, data), "model": model}


# --- Frames ---------------------------------------------------------------------------------

def _line(x, y):
    return np.stack([np.asarray(x, float), np.asarray(y, float)], -1)


def _loss_panel(history, regularize):
    steps = history["step"][1:]          # no training loss before the first step
    items = [{"line": _line(steps, np.log10(np.maximum(history["prediction"], 1e-6))),
              "role": "imagined", "stroke": 2}]
    if regularize:
        items.append({"line": _line(steps, np.log10(np.maximum(history["penalty"], 1e-6))),
                      "role": "ink", "stroke": 1.5, "dash": True})
    return {"title": "JEPA training loss", "x": [0, STEPS], "y": [-6, 1.5],
            "xlabel": "gradient step", "ylabel": "log₁₀ loss", "items": items}


def _error_panel(history, base):
    items = [{"line": _line(history["step"], np.minimum(history["error"], 1.5)),
              "role": "imagined", "stroke": 2}]
    if base:
        items.insert(0, {"line": _line([0, STEPS], [base["generative_error"]] * 2),
                         "role": "samples", "stroke": 2, "dash": True})
    return {"title": "Prediction error on held-out frames", "x": [0, STEPS], "y": [0, 1.5],
            "xlabel": "gradient step", "ylabel": "error / target variance", "items": items}


def _spread_panel(std):
    dims = np.arange(1, EMBED_DIM + 1)
    shown = np.minimum(std, 2)
    labels = [{"text": f"{v:.3f}" if v < 0.1 else f"{v:.2f}", "at": [d, h + 0.05],
               "align": "center"} for d, v, h in zip(dims, std, shown)]
    return {"title": "Embedding spread (std per dimension)", "x": [0.4, EMBED_DIM + 0.6],
            "y": [0, 2.2], "xlabel": "embedding dimension", "ylabel": "std",
            "items": [
                {"line": _line([0.4, EMBED_DIM + 0.6], [TARGET_STD] * 2), "role": "muted",
                 "dash": True},
                {"bars": _line(dims, shown), "role": "imagined", "width": 0.6},
            ] + labels}


def _track_panel(data, model, ev, base):
    """The probes' readout of x along one held-out trajectory, against the truth."""
    obs, states = data["track"]
    t = np.arange(len(states))
    jepa_x = with_constant(obs @ model["encoder"].T) @ ev["probe_weights"][:, 0]
    items = [{"line": _line(t, states[:, 0]), "role": "real", "stroke": 2.5},
             {"line": _line(t, np.clip(jepa_x, -3, 3)), "role": "imagined", "stroke": 2}]
    title = f"Linear probe reads x: R² {ev['probe']:.2f} JEPA"
    if base:
        random_x = with_constant(obs @ base["projection"]) @ base["random_weights"][:, 0]
        items.insert(0, {"line": _line(t, np.clip(random_x, -3, 3)), "role": "samples",
                         "stroke": 1.5})
        title += f", {base['random_probe']:.2f} random projection"
    return {"title": title, "x": [0, len(t) - 1], "y": [-3, 3], "xlabel": "held-out frame",
            "ylabel": "x position", "items": items}


def _frame(data, base, model, ev, history, regularize):
    legend = [["real", "true object state"], ["imagined", "JEPA"],
              ["samples", "generative model / random projection"], ["muted", "target spread"]]
    if regularize:
        legend.append(["ink", "variance + covariance penalty"])
    summary = (f"step {history['step'][-1]} of {STEPS}: JEPA error {ev['error']:.2f} of target "
               f"variance, embedding std {ev['std'].mean():.3f}, probe R² {ev['probe']:.2f}")
    if base:
        summary += (f"; generative error {base['generative_error']:.2f}, random projection "
                    f"probe R² {base['random_probe']:.2f}")
    return {
        "panels": [_loss_panel(history, regularize), _error_panel(history, base),
                   _spread_panel(ev["std"]), _track_panel(data, model, ev, base)],
        "legend": legend,
        "summary": summary,
    }


def simulate(params, seed):
    """The data and the untrained JEPA; then the baselines; then a few steps per frame."""
    regularize = bool(params["regularize"])
    rng = np.random.default_rng(seed)
    data = make_data(rng)
    model = init_jepa(rng)
    ev = evaluate(model, data)
    history = {"step": [0], "error": [ev["error"]], "prediction": [], "penalty": []}
    yield _frame(data, None, model, ev, history, regularize)
    base = baselines(rng, data)          # in a frame of its own: keeps every frame quick
    yield _frame(data, base, model, ev, history, regularize)
    step = 0
    while step < STEPS:
        batch = min(STEPS_PER_FRAME, STEPS - step)
        prediction, penalty = np.mean(
            [train_step(model, rng, data["train"], regularize) for _ in range(batch)], 0)
        step += batch
        ev = evaluate(model, data)
        for key, value in (("step", step), ("error", ev["error"]),
                           ("prediction", prediction), ("penalty", penalty)):
            history[key].append(value)
        yield _frame(data, base, model, ev, history, regularize)
