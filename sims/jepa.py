"""JEPA vs generative prediction: a pushed 2-D object hides among loud, unpredictable distractors.

Both models squeeze each observation into the same 4 numbers. The generative one is graded on
the observation itself (reconstruct it, predict the next one); the JEPA only in its embedding.
"""

import numpy as np

from sims.contract import toggle

TITLE = "JEPA vs Generative Prediction"
HOW = (
    "A hidden object on a spring (state: 2-D position and velocity), pushed each step by a known "
    "random action, is mixed linearly into 64 observed numbers together with 8 loud distractor "
    "signals, fresh random values every frame, which carry about 90 % of the variance, and faint "
    "sensor noise. Both models compress an observation to **4 numbers** with a linear encoder "
    "(both start from the same random one) and predict the next step linearly from those 4 "
    "numbers and the action; both train by gradient descent with momentum on the same "
    "minibatches. The **generative** model decodes its code back into all 64 numbers and is "
    "graded there: it must reconstruct the observation and predict the next one (a linear "
    "autoencoder with latent dynamics). The **JEPA** has no decoder: it is graded on the distance "
    "between its predicted and its actual next embedding, plus VICReg-style penalties that keep "
    "each dimension's spread at 1 or more and the dimensions uncorrelated; switch **regularize** "
    "off and nothing stops the embedding from shrinking to a point. The two prediction errors "
    "live in different spaces (64 observed numbers, 4 embedding numbers), so each is shown as a "
    "fraction of its own target's variance, and neither measures the other. What compares the "
    "two models is a linear probe (least squares on training frames, R² on held-out frames) "
    "reading the true state from each model's 4 numbers."
)
PICTURE_FRAME = 200  # the page's picture: the probe already tells JEPA's features from the generative ones
CONTROLS = [toggle("regularize", "Variance / covariance regularisation", default=True)]

OBS_DIM = 64
STATE_DIM = 4             # x, y, vx, vy
ACTION_DIM = 2            # a push on the velocity
DISTRACTORS = 8           # loud signals, fresh every frame: nothing can predict them
DISTRACTOR_STD = 3.0
SENSOR_STD = 0.1          # faint noise on every observed number
CODE_DIM = 4              # the bottleneck of both models
DT = 0.1
PUSH_STD = 0.1
TRAIN_TRAJECTORIES, TEST_TRAJECTORIES, LENGTH, BURN_IN = 16, 8, 100, 20
PROBE_FRAMES = 400        # training frames the probes are fitted on

STEPS = 3000              # gradient steps in all
STEPS_PER_FRAME = 4
BATCH = 128
LEARNING_RATE = 0.01
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-3
VAR_WEIGHT, COV_WEIGHT = 1.0, 1.0
TARGET_STD = 1.0


# --- The world ------------------------------------------------------------------------------

def spring_dynamics():
    """Linear maps of the state and the action per step: a lightly damped 2-D spring."""
    a = np.eye(STATE_DIM)
    a[0, 2] = a[1, 3] = DT
    a[2, 0] = a[3, 1] = -DT
    a[2, 2] = a[3, 3] = 0.98
    b = np.zeros((STATE_DIM, ACTION_DIM))
    b[2, 0] = b[3, 1] = 1.0
    return a, b


def simulate_states(rng, count, length):
    """(count, length + 1, 4) states and (count, length, 2) actions after a burn-in."""
    a, b = spring_dynamics()
    pushes = rng.standard_normal((BURN_IN + length, count, ACTION_DIM)) * PUSH_STD
    s = rng.standard_normal((count, STATE_DIM))
    states = np.empty((count, length + 1, STATE_DIM))
    for t in range(BURN_IN + length + 1):
        if t >= BURN_IN:
            states[:, t - BURN_IN] = s
        if t < BURN_IN + length:
            s = s @ a.T + pushes[t] @ b.T
    return states, pushes[BURN_IN:].transpose(1, 0, 2)


def observe(rng, states, world, parts=("state", "distractors", "sensor")):
    """States -> observations: the state mixed in with fresh distractors and sensor noise.

    `parts` keeps only some of the three sources (tests use it to see what each carries)."""
    flat = states.reshape(-1, STATE_DIM)        # 2-D matmuls: one BLAS call each
    # uniform draws with the spread of N(0, std²): four times cheaper than normal ones
    distractors = (rng.random((len(flat), DISTRACTORS)) - 0.5) * (DISTRACTOR_STD * np.sqrt(12))
    sensor = (rng.random((len(flat), OBS_DIM)) - 0.5) * (SENSOR_STD * np.sqrt(12))
    obs = sensor if "sensor" in parts else np.zeros_like(sensor)
    if "state" in parts:
        obs += flat @ world["mixing"].T
    if "distractors" in parts:
        obs += distractors @ world["distractor_mixing"].T
    return obs.reshape(states.shape[:-1] + (OBS_DIM,))


def make_world(rng):
    return {"mixing": rng.normal(size=(OBS_DIM, STATE_DIM)) / np.sqrt(STATE_DIM),
            "distractor_mixing": rng.normal(size=(OBS_DIM, DISTRACTORS)) / np.sqrt(DISTRACTORS)}


def make_data(rng):
    """Training transitions (one row [obs, action, next] each, to draw minibatches from), a
    subset of training frames for the probes, and held-out trajectories; observations
    standardised with training statistics."""
    world = make_world(rng)
    states, actions = simulate_states(rng, TRAIN_TRAJECTORIES + TEST_TRAJECTORIES, LENGTH)
    obs = observe(rng, states, world)
    flat = obs[:TRAIN_TRAJECTORIES].reshape(-1, OBS_DIM)
    mean, scale = flat.mean(0), flat.std(0)
    obs -= mean                                 # in place: fresh memory is slow to touch
    obs /= scale
    train = slice(0, TRAIN_TRAJECTORIES)
    transitions = np.concatenate([obs[train, :-1], actions[train], obs[train, 1:]], -1)
    pick = rng.choice(TRAIN_TRAJECTORIES * (LENGTH + 1), PROBE_FRAMES, replace=False)
    test = slice(TRAIN_TRAJECTORIES, None)
    return {"world": world, "mean": mean, "scale": scale,
            "transitions": transitions.reshape(-1, 2 * OBS_DIM + ACTION_DIM),
            "probe": {"obs": flat[pick], "state": states[train].reshape(-1, STATE_DIM)[pick]},
            "test": {"frames": obs[test].reshape(-1, OBS_DIM),
                     "actions": actions[test].reshape(-1, ACTION_DIM),
                     "next": obs[test, 1:].reshape(-1, OBS_DIM),
                     "states": states[test].reshape(-1, STATE_DIM)}}


def split(batch):
    """A batch of transition rows -> (obs, action, next)."""
    return batch[:, :OBS_DIM], batch[:, OBS_DIM:OBS_DIM + ACTION_DIM], batch[:, -OBS_DIM:]


# --- Measures -------------------------------------------------------------------------------
# Each frame measures both models on held-out trajectories. Matrix products are slow in the
# browser, so each held-out frame is encoded once per model and frame: its code serves as "now"
# for one transition and as "next" for the one before.

def normalized_error(predicted, target):
    """Mean squared prediction error as a fraction of the target's variance: 1 is what a
    constant guess, the target's mean, would score."""
    return float(((predicted - target) ** 2).sum() / ((target - target.mean(0)) ** 2).sum())


def with_constant(x):
    return np.concatenate([x, np.ones(x.shape[:-1] + (1,))], -1)


def r2(readout, states):
    """R² of a readout, averaged over the state's components."""
    residual = ((readout - states) ** 2).sum(0)
    return float(np.mean(1 - residual / ((states - states.mean(0)) ** 2).sum(0)))


def probe(encoder, data, codes):
    """A least-squares linear readout (with intercept) of the state from a model's code, fitted
    on training frames. `codes` are the held-out frames' codes. Returns its R² on the held-out
    frames and its weights."""
    x = with_constant(data["probe"]["obs"] @ encoder.T)
    gram = x.T @ x
    weights = np.linalg.solve(gram + 1e-9 * np.trace(gram) * np.eye(len(gram)),
                              x.T @ data["probe"]["state"])
    return r2(codes @ weights[:-1] + weights[-1], data["test"]["states"]), weights


# --- The two models -------------------------------------------------------------------------

def init_models(rng):
    """Both start from the same random encoder; the generative one also has a decoder."""
    encoder = rng.normal(size=(CODE_DIM, OBS_DIM)) / np.sqrt(OBS_DIM)
    jepa = {"encoder": encoder, "predictor": np.eye(CODE_DIM),
            "action": np.zeros((CODE_DIM, ACTION_DIM))}
    generative = {"encoder": encoder.copy(), "predictor": np.eye(CODE_DIM),
                  "action": np.zeros((CODE_DIM, ACTION_DIM)),
                  "decoder": rng.normal(size=(OBS_DIM, CODE_DIM)) / np.sqrt(CODE_DIM)}
    for model in (jepa, generative):
        for name in list(model):
            model["v_" + name] = np.zeros_like(model[name])
    return jepa, generative


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


def jepa_gradients(model, o0, a, o1, regularize):
    """Loss = mean |P E o_t + B a_t - E o_{t+1}|^2 (+ penalties on both embeddings).

    Gradients flow through both branches, as in VICReg, so without the penalties shrinking the
    encoder is always downhill. Returns (prediction loss, penalty, gradients by parameter).
    """
    enc, pred = model["encoder"], model["predictor"]
    n = len(o0)
    z0, z1 = o0 @ enc.T, o1 @ enc.T
    residual = z0 @ pred.T + a @ model["action"].T - z1
    prediction = (residual ** 2).sum() / n
    d_res = 2 * residual / n
    d_z0, d_z1 = d_res @ pred, -d_res
    penalty = 0.0
    if regularize:
        p0, g0 = vicreg_penalty(z0)
        p1, g1 = vicreg_penalty(z1)
        penalty = p0 + p1
        d_z0, d_z1 = d_z0 + g0, d_z1 + g1
    return prediction, penalty, {"encoder": d_z0.T @ o0 + d_z1.T @ o1,
                                 "predictor": d_res.T @ z0, "action": d_res.T @ a}


def generative_gradients(model, o0, a, o1):
    """Loss = mean over the 64 numbers of |D z_t - o_t|^2 + |D (P z_t + B a_t) - o_{t+1}|^2,
    with z_t = E o_t. Returns (loss, gradients by parameter)."""
    enc, pred, dec = model["encoder"], model["predictor"], model["decoder"]
    scale = 2 / (len(o0) * OBS_DIM)
    z = o0 @ enc.T
    z_next = z @ pred.T + a @ model["action"].T
    r_now, r_next = z @ dec.T - o0, z_next @ dec.T - o1
    loss = ((r_now ** 2).sum() + (r_next ** 2).sum()) * scale / 2
    d_now, d_next = r_now * scale, r_next * scale
    d_z_next = d_next @ dec
    d_z = d_now @ dec + d_z_next @ pred
    return loss, {"encoder": d_z.T @ o0, "predictor": d_z_next.T @ z,
                  "action": d_z_next.T @ a, "decoder": d_now.T @ z + d_next.T @ z_next}


def descend(model, grads):
    """One step of gradient descent with momentum, with a little weight decay on the encoder."""
    grads["encoder"] = grads["encoder"] + WEIGHT_DECAY * model["encoder"]
    for name, grad in grads.items():
        model["v_" + name] = MOMENTUM * model["v_" + name] - LEARNING_RATE * grad
        model[name] = model[name] + model["v_" + name]


def train_step(jepa, generative, rng, transitions, regularize):
    """One minibatch step for both models on the same batch; returns their training losses."""
    o0, a, o1 = split(transitions[rng.integers(0, len(transitions), BATCH)])
    prediction, penalty, grads = jepa_gradients(jepa, o0, a, o1, regularize)
    descend(jepa, grads)
    loss, grads = generative_gradients(generative, o0, a, o1)
    descend(generative, grads)
    return prediction, penalty, loss


def predict(model, obs, action):
    """The next step as each model predicts it: the JEPA's 4-D embedding, the generative
    model's 64 observed numbers."""
    code = obs @ model["encoder"].T @ model["predictor"].T + action @ model["action"].T
    return code @ model["decoder"].T if "decoder" in model else code


# which held-out frames have a next one, and which are a next one
HAS_NEXT = np.arange(TEST_TRAJECTORIES * (LENGTH + 1)) % (LENGTH + 1) < LENGTH
IS_NEXT = np.roll(HAS_NEXT, 1)


def evaluate(jepa, generative, data):
    """Held-out numbers: each model's prediction error in its own space, the JEPA's spread,
    both probes' R²."""
    test = data["test"]
    out = {}
    for name, model in (("jepa", jepa), ("gen", generative)):
        codes = test["frames"] @ model["encoder"].T
        predicted = codes[HAS_NEXT] @ model["predictor"].T + test["actions"] @ model["action"].T
        if name == "jepa":
            target = codes[IS_NEXT]
            out["std"] = target.std(0)
        else:                                                   # decoded into 64 numbers
            predicted, target = predicted @ model["decoder"].T, test["next"]
        out[name + "_error"] = normalized_error(predicted, target)
        out[name + "_probe"], out[name + "_weights"] = probe(model["encoder"], data, codes)
    return out


def train(seed, regularize, steps=STEPS):
    """The sim's run without its frames: the same random draws, the final numbers."""
    rng = np.random.default_rng(seed)
    data = make_data(rng)
    jepa, generative = init_models(rng)
    losses = [train_step(jepa, generative, rng, data["transitions"], regularize)
              for _ in range(steps)]
    prediction, penalty, gen_loss = np.mean(losses[-STEPS_PER_FRAME:], 0)
    return {**evaluate(jepa, generative, data), "jepa_loss": prediction, "penalty": penalty,
            "gen_loss": gen_loss, "jepa": jepa, "generative": generative, "data": data}


# --- Frames ---------------------------------------------------------------------------------

LOSS_AXIS = [-4.5, 1.0]             # log10: the collapsed loss ends near 10^-3.4


def _line(x, y):
    return np.stack([np.asarray(x, float), np.asarray(y, float)], -1)


def _loss_panel(history, regularize):
    steps = history["step"][1:]          # no training loss before the first step
    floor = 10 ** LOSS_AXIS[0]
    items = [{"line": _line(steps, np.log10(np.maximum(history["prediction"], floor))),
              "role": "imagined", "stroke": 2}]
    if regularize:
        items.append({"line": _line(steps, np.log10(np.maximum(history["penalty"], floor))),
                      "role": "ink", "stroke": 1.5, "dash": True})
    return {"title": "JEPA training loss", "x": [0, STEPS], "y": LOSS_AXIS,
            "xlabel": "gradient step", "ylabel": "log₁₀ loss", "items": items}


def _error_panel(history):
    return {"title": "JEPA held-out error", "x": [0, STEPS], "y": [0, 1.5],
            "xlabel": "gradient step", "ylabel": "÷ embedding variance",
            "items": [{"line": _line([0, STEPS], [1, 1]), "role": "muted", "dash": True},
                      {"line": _line(history["step"], np.minimum(history["error"], 1.5)),
                       "role": "imagined", "stroke": 2}]}


def _spread_panel(std):
    dims = np.arange(1, CODE_DIM + 1)
    shown = np.minimum(std, 2)
    labels = [{"text": f"{v:.3f}" if v < 0.1 else f"{v:.2f}", "at": [d, h + 0.05],
               "align": "center"} for d, v, h in zip(dims, std, shown)]
    return {"title": "JEPA embedding spread", "x": [0.4, CODE_DIM + 0.6],
            "y": [0, 2.2], "xlabel": "embedding dimension", "ylabel": "std",
            "items": [
                {"line": _line([0.4, CODE_DIM + 0.6], [TARGET_STD] * 2), "role": "muted",
                 "dash": True},
                {"bars": _line(dims, shown), "role": "imagined", "width": 0.6},
            ] + labels}


def _track_panel(data, jepa, generative, ev):
    """Each probe's readout of x along one held-out trajectory, against the truth."""
    obs, states = data["test"]["frames"][:LENGTH + 1], data["test"]["states"][:LENGTH + 1]
    t = np.arange(len(states))
    items = [{"line": _line(t, states[:, 0]), "role": "real", "stroke": 2.5}]
    for model, weights, role in ((generative, ev["gen_weights"], "samples"),
                                 (jepa, ev["jepa_weights"], "imagined")):
        x = with_constant(obs @ model["encoder"].T) @ weights[:, 0]
        items.append({"line": _line(t, np.clip(x, -3, 3)), "role": role, "stroke": 2})
    items += [{"text": f"JEPA R² {ev['jepa_probe']:.2f}", "at": [2, 2.6], "role": "imagined"},
              {"text": f"generative R² {ev['gen_probe']:.2f}", "at": [2, -2.7],
               "role": "samples"}]
    return {"title": "Probe: x from 4 numbers", "x": [0, len(t) - 1], "y": [-3, 3],
            "xlabel": "held-out frame", "ylabel": "x position", "items": items}


def _frame(data, jepa, generative, ev, history, regularize):
    legend = [["real", "true state"], ["imagined", "JEPA"],
              ["samples", "generative model"], ["muted", "std 1; error of a constant guess"]]
    if regularize:
        legend.append(["ink", "variance + covariance penalty"])
    loss = f"JEPA training loss {history['prediction'][-1]:.0e}, " if history["prediction"] else ""
    summary = (f"step {history['step'][-1]} of {STEPS}: probe R² from 4 numbers, JEPA "
               f"{ev['jepa_probe']:.2f}, generative {ev['gen_probe']:.2f}; held-out prediction "
               f"error, JEPA {ev['jepa_error']:.2f} of its embedding's variance, generative "
               f"{ev['gen_error']:.2f} of the observation's; {loss}embedding std "
               f"{ev['std'].mean():.3f}")
    return {
        "panels": [_loss_panel(history, regularize), _error_panel(history),
                   _spread_panel(ev["std"]), _track_panel(data, jepa, generative, ev)],
        "legend": legend,
        "summary": summary,
        "metrics": {"step": int(history["step"][-1]), "jepa_probe": float(ev["jepa_probe"]),
                    "generative_probe": float(ev["gen_probe"]), "jepa_error": float(ev["jepa_error"]),
                    "generative_error": float(ev["gen_error"]), "spread": float(ev["std"].mean())},
    }


def simulate(params, seed):
    """The data and the untrained models; then a few training steps of both per frame."""
    regularize = bool(params["regularize"])
    rng = np.random.default_rng(seed)
    data = make_data(rng)
    jepa, generative = init_models(rng)
    ev = evaluate(jepa, generative, data)
    history = {"step": [0], "error": [ev["jepa_error"]], "prediction": [], "penalty": []}
    yield _frame(data, jepa, generative, ev, history, regularize)
    step = 0
    while step < STEPS:
        batch = min(STEPS_PER_FRAME, STEPS - step)
        prediction, penalty, _ = np.mean(
            [train_step(jepa, generative, rng, data["transitions"], regularize)
             for _ in range(batch)], 0)
        step += batch
        ev = evaluate(jepa, generative, data)
        for key, value in (("step", step), ("error", ev["jepa_error"]),
                           ("prediction", prediction), ("penalty", penalty)):
            history[key].append(value)
        yield _frame(data, jepa, generative, ev, history, regularize)
