"""Video world model: a local linear filter predicts the next frame of bouncing shapes.

Fitted by least squares on past frames, then rolled out on its own predictions: it blurs and drifts.
"""

import numpy as np

from sims.contract import slider

TITLE = "Video World Model: Frame Prediction"
HOW = (
    "Three soft-edged shapes bounce around a 32×32 box. The world model is a **local linear "
    "filter**: each pixel of the next frame is a weighted sum of its 5×5 neighbourhood in the "
    "current and the previous frame plus a constant (51 weights shared by all pixels), fitted "
    "by least squares on 192 frames of video and clipped to [0, 1]. To look further ahead it is "
    "rolled out **autoregressively**, each predicted frame becoming the next input. A linear "
    "filter cannot tell which way each shape is heading, so least squares averages the possible "
    "motions: every step adds a little blur and drift, and the rollout compounds them (there are "
    "no actions here: the shapes move on their own)."
)
CONTROLS = [slider("horizon", "Prediction horizon", 1, 16, 4, step=1, unit="frames")]

SIZE = 32                 # frame side (pixels)
RADIUS = 2                # 5x5 neighbourhood
TRAIN_FRAMES = 192
CHUNK = 4                 # training frames folded into the fit per animation frame
MAX_HORIZON = 16
SPEED = (0.45, 0.75)      # pixels per frame
EDGE = 2.0                # soft edge width (pixels): makes sub-pixel motion visible
RIDGE = 1e-4
FRAMES_PER_STEP = 8       # animation frames spent revealing one predicted frame

# Shapes: (kind, half size or radius, brightness)
SHAPES = (("square", 3.5, 1.0), ("disc", 3.2, 0.7), ("disc", 2.6, 0.45))
_CENTRES = np.arange(SIZE) + 0.5


# --- The true world -------------------------------------------------------------------------

def shape_paths(rng, frames):
    """(frames, shapes, 2) positions: constant speed, bouncing off the walls.

    Bouncing in a box is straight motion folded back by a triangle wave, so all frames come at
    once without a loop over time.
    """
    n = len(SHAPES)
    margin = np.array([size for _, size, _ in SHAPES])[:, None] + 0.5
    span = SIZE - 2 * margin
    start = rng.uniform(0, span, (n, 2))
    angle = rng.uniform(0, 2 * np.pi, n)
    vel = rng.uniform(*SPEED, n)[:, None] * np.stack([np.cos(angle), np.sin(angle)], -1)
    free = start + vel * np.arange(frames)[:, None, None]
    return margin + span - np.abs(np.mod(free, 2 * span) - span)


def render(paths):
    """(T, shapes, 2) positions -> (T, SIZE, SIZE) gray frames in [0, 1] (brightest shape wins)."""
    frames = np.zeros((len(paths), SIZE, SIZE))
    for k, (kind, size, brightness) in enumerate(SHAPES):
        dx = np.abs(_CENTRES[None, None, :] - paths[:, k, 0, None, None])
        dy = np.abs(_CENTRES[None, :, None] - paths[:, k, 1, None, None])
        dist = np.maximum(dx, dy) if kind == "square" else np.sqrt(dx * dx + dy * dy)
        frames = np.maximum(frames, brightness * np.clip((size - dist) / EDGE + 0.5, 0, 1))
    return frames


# --- The model: a least-squares local filter ------------------------------------------------

def pixel_features(prev, cur):
    """(..., S, S) frame pairs -> (..., S, S, 51): both 5x5 neighbourhoods and a constant."""
    width = 2 * RADIUS + 1
    pad = [(0, 0)] * (cur.ndim - 2) + [(RADIUS, RADIUS)] * 2
    parts = []
    for frame in (cur, prev):
        p = np.pad(frame, pad)
        parts += [p[..., i:i + SIZE, j:j + SIZE] for i in range(width) for j in range(width)]
    parts.append(np.ones_like(cur))
    return np.stack(parts, -1)


def empty_fit():
    """Normal equations of the least-squares fit, before any data."""
    n = 2 * (2 * RADIUS + 1) ** 2 + 1
    return {"gram": np.zeros((n, n)), "rhs": np.zeros(n), "frames": 0}


def add_transitions(fit, features, targets):
    """Fold transitions (features (T, S, S, 51), next frames (T, S, S)) into the fit.

    Pixels whose two neighbourhoods are empty always stay empty (shapes move < 1 pixel per
    frame), so they add exactly 1 to the constant's entry and nothing else: counting them
    instead of multiplying them saves about two thirds of the work.
    """
    x = features.reshape(-1, fit["rhs"].size)
    y = targets.reshape(-1)
    busy = x[:, :-1].any(1)
    x, y = x[busy], y[busy]
    fit["gram"] += x.T @ x
    fit["gram"][-1, -1] += busy.size - len(y)
    fit["rhs"] += x.T @ y
    fit["frames"] += len(targets)


def solve(fit):
    """Filter weights (51,) from the normal equations (a small ridge keeps it well posed)."""
    n = fit["rhs"].size
    scale = max(fit["frames"], 1) * SIZE * SIZE
    return np.linalg.solve(fit["gram"] + RIDGE * scale * np.eye(n), fit["rhs"])


def training_chunks(paths):
    """(features, targets) of the transitions along `paths`, rendered and cut CHUNK at a time
    as the sim streams them (consecutive chunks overlap by the two input frames)."""
    for first in range(0, len(paths) - 2, CHUNK):
        part = render(paths[first:first + CHUNK + 2])
        yield pixel_features(part[:-2], part[1:-1]), part[2:]


def fit_filter(paths):
    """Least-squares filter on all transitions of the video along `paths`."""
    fit = empty_fit()
    for features, targets in training_chunks(paths):
        add_transitions(fit, features, targets)
    return solve(fit)


def predict(weights, prev, cur):
    """One step: the next frame from the last two."""
    return np.clip(pixel_features(prev, cur) @ weights, 0, 1)


def rollout(weights, prev, cur, horizon):
    """Autoregressive rollout: each prediction is fed back as input. (horizon, S, S)."""
    out = []
    for _ in range(horizon):
        prev, cur = cur, predict(weights, prev, cur)
        out.append(cur)
    return np.array(out)


def frame_errors(predicted, true):
    """Root-mean-square pixel error of each predicted frame."""
    return np.sqrt(((predicted - true) ** 2).mean(axis=(-2, -1)))


def horizon_errors(seed, starts=8, horizon=MAX_HORIZON):
    """Per-step errors (starts, horizon) of rollouts from test points after the training video,
    and of the baseline that repeats the last true frame."""
    rng = np.random.default_rng(seed)
    paths = shape_paths(rng, TRAIN_FRAMES + starts * horizon + horizon + 2)
    weights = fit_filter(paths[:TRAIN_FRAMES])
    video = render(paths)
    model, copy = [], []
    for k in range(starts):
        t = TRAIN_FRAMES + 1 + k * horizon
        true = video[t + 1:t + 1 + horizon]
        model.append(frame_errors(rollout(weights, video[t - 1], video[t], horizon), true))
        copy.append(frame_errors(video[t], true))
    return np.array(model), np.array(copy)


def sharpness(frames):
    """Mean absolute difference between neighbouring pixels: falls as a frame blurs or fades."""
    return (np.abs(np.diff(frames, axis=-1)).mean((-2, -1))
            + np.abs(np.diff(frames, axis=-2)).mean((-2, -1)))


# --- Frames ---------------------------------------------------------------------------------

GAP = 0.1        # between the true and the predicted frame of a pair, and between columns
LABEL = 0.35     # room above each pair for its label
ROW_GAP = 0.15   # between rows of pairs
PAIR = 1 + GAP + 1 + LABEL + ROW_GAP


def _grid(slots):
    """Panel ranges and, per slot, (left, bottom of true frame, bottom of predicted frame):
    pairs (true above predicted) in up to 8 columns."""
    cols = min(slots, 8)
    rows = -(-slots // cols)
    height = rows * PAIR - ROW_GAP
    places = []
    for h in range(slots):
        r, c = divmod(h, cols)
        top = height - r * PAIR
        places.append((c * (1 + GAP), top - LABEL - 1, top - LABEL - 2 - GAP))
    return places, [-GAP, cols * (1 + GAP)], [-GAP, height + GAP]


def _frames_panel(title, true_frames, predicted, slots, labels):
    places, xr, yr = _grid(slots)
    items, true_boxes, pred_boxes = [], [], []
    for (x0, y_true, y_pred), true, pred, label in zip(places, true_frames, predicted, labels):
        items.append({"image": true, "extent": [x0, x0 + 1, y_true, y_true + 1]})
        items.append({"image": pred, "extent": [x0, x0 + 1, y_pred, y_pred + 1]})
        items.append({"text": label, "at": [x0 + 0.5, y_true + 1.08], "align": "center"})
        true_boxes.append([x0, y_true, x0 + 1, y_true + 1])
        pred_boxes.append([x0, y_pred, x0 + 1, y_pred + 1])
    if true_boxes:
        items.append({"rect": np.array(true_boxes), "role": "real", "stroke": 2, "fill": False})
        items.append({"rect": np.array(pred_boxes), "role": "imagined", "stroke": 2, "fill": False})
    return {"title": title, "x": xr, "y": yr, "aspect": (yr[1] - yr[0]) / (xr[1] - xr[0]),
            "weight": 2, "axes": False, "items": items}


def _error_panel(horizon, y_max, errors=(), copy=()):
    steps = np.arange(1, len(errors) + 1)
    items = []
    if len(errors):
        items.append({"line": np.stack([np.arange(1, len(copy) + 1), copy], -1),
                      "role": "muted", "stroke": 2, "dash": True})
        items.append({"bars": np.stack([steps, errors], -1), "role": "imagined", "width": 0.7})
    return {"title": "Per-frame error of the rollout", "x": [0.3, horizon + 0.7],
            "y": [0, y_max], "xlabel": "frames ahead", "ylabel": "RMS pixel error",
            "weight": 1, "items": items}


LEGEND = [["real", "true frames"], ["imagined", "predicted by the filter"],
          ["muted", "baseline: repeat the last true frame"]]


def simulate(params, seed):
    """Fit the filter chunk by chunk (showing its one-step guesses), then reveal the rollout."""
    horizon = int(params["horizon"])
    rng = np.random.default_rng(seed)
    start = TRAIN_FRAMES + 1          # the rollout starts from frames start - 1 and start
    paths = shape_paths(rng, start + 1 + horizon)
    video = render(paths[start - 1:])  # the two input frames and the true future
    true = video[2:]
    copy = frame_errors(video[1], true)
    # A blank prediction scores the RMS of the true frame: the axis holds that and the baseline.
    y_max = 0.05 * float(np.ceil(1.15 * max(copy.max(), frame_errors(0, true).max()) / 0.05))

    fit = empty_fit()
    shown = min(horizon, CHUNK)
    for features, targets in training_chunks(paths[:TRAIN_FRAMES]):
        add_transitions(fit, features, targets)
        weights = solve(fit)
        guesses = np.clip(features[-shown:] @ weights, 0, 1)
        errors = frame_errors(guesses, targets[-shown:])
        yield {
            "panels": [
                _frames_panel(f"Fitting: one-step guesses ({fit['frames']} transitions seen)",
                              targets[-shown:], guesses, horizon, ["1 step"] * shown),
                _error_panel(horizon, y_max),
            ],
            "legend": LEGEND,
            "summary": (f"fitting the filter: {fit['frames']} of {TRAIN_FRAMES - 2} transitions "
                        f"seen, one-step error {errors.mean():.3f}"),
        }

    predicted = rollout(weights, video[0], video[1], horizon)
    errors = frame_errors(predicted, true)
    labels = [f"t+{h + 1}" for h in range(horizon)]
    for step in range(1, horizon + 1):
        frame = {
            "panels": [
                _frames_panel(f"Rollout from frame {start}: true (top) vs predicted (below)",
                              true[:step], predicted[:step], horizon, labels),
                _error_panel(horizon, y_max, errors[:step], copy[:step]),
            ],
            "legend": LEGEND,
            "summary": (f"rollout step {step} of {horizon}: RMS pixel error "
                        f"{errors[step - 1]:.3f} (first step {errors[0]:.3f}, repeating the last "
                        f"true frame {copy[step - 1]:.3f})"),
        }
        for _ in range(FRAMES_PER_STEP):
            yield frame
