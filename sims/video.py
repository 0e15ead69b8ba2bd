"""Video world model: local linear filters predict the next frame from the current frame and an
action (a push of the square); the other shapes move on their own.

Fitted by least squares on (frame, action) pairs, then rolled out on its own predictions.
"""

import numpy as np

from sims.contract import choice, slider

TITLE = "Video World Model: Frame Prediction"
HOW = (
    "Three soft-edged shapes move in a 32×32 box: you push the bright square (it moves 0.6 pixel "
    "per frame the way you push it, or stays put), and two discs bounce on their own. The model "
    "sees each frame as two layers, your square and the rest, as an object-centric model would. "
    "For each layer and each of the 5 actions it has a **local linear filter**: each pixel of "
    "the next frame is a weighted sum of its 5×5 neighbourhood in the current and the previous "
    "frame plus a constant (51 weights shared by all pixels). The 10 filters are fitted by "
    "least squares on 192 frames of video in which the square was pushed at random (each push "
    "about equally often, never into a wall), each frame paired with the push that followed "
    "it, and the output is clipped to [0, 1]. Nothing tells the model that the push moves the "
    "square and not the discs: the fitted filters show it. To look further ahead the model is "
    "rolled out **autoregressively**, each predicted frame becoming the next input. A linear "
    "filter cannot tell which way each disc is heading, so least squares averages the possible "
    "motions: every step adds a little blur and drift, and the rollout compounds them until the "
    "discs have faded into a blur; after that the pixel error grows more slowly, because it "
    "cannot exceed what a blank prediction would score."
)
ACTIONS = (("none", "no push", (0, 0)), ("left", "left", (-1, 0)), ("right", "right", (1, 0)),
           ("up", "up", (0, -1)), ("down", "down", (0, 1)))
PICTURE_FRAME = 79  # the page's picture: the last frame: the rollout's error has compounded
CONTROLS = [
    slider("horizon", "Prediction horizon", 1, 16, 4, step=1, unit="frames"),
    choice("push", "Push the square", [(name, label) for name, label, _ in ACTIONS], "right"),
]

SIZE = 32                 # frame side (pixels)
RADIUS = 2                # 5x5 neighbourhood
TRAIN_FRAMES = 192
CHUNK = 4                 # training frames folded into the fit per animation frame
MAX_HORIZON = 16
SPEED = (0.45, 0.75)      # disc speed, pixels per frame
PUSH_SPEED = 0.6          # the square's speed while pushed, pixels per frame
HOLD = 6                  # frames each random push of the training video lasts
EDGE = 2.0                # soft edge width (pixels): makes sub-pixel motion visible
RIDGE = 1e-4
FRAMES_PER_STEP = 8       # animation frames spent revealing one predicted frame

# Shapes: (kind, half size or radius, brightness); the first is the square you push, and it
# is layer 0; the discs share layer 1.
SHAPES = (("square", 3.5, 1.0), ("disc", 3.2, 0.7), ("disc", 2.6, 0.45))
LAYERS = 2
_LAYER = (0, 1, 1)
_DIRECTION = np.array([d for _, _, d in ACTIONS], float)
_MARGIN = np.array([size for _, size, _ in SHAPES]) + 0.5
_CENTRES = np.arange(SIZE) + 0.5


def action_index(name):
    return [a for a, _, _ in ACTIONS].index(name)


# --- The true world -------------------------------------------------------------------------

def disc_paths(rng, frames, inset=0.0):
    """(frames, 2, 2) disc positions: constant speed, bouncing off the walls; they start at
    least `inset` pixels from where they would bounce.

    Bouncing in a box is straight motion folded back by a triangle wave, so all frames come at
    once without a loop over time.
    """
    margin = _MARGIN[1:, None]
    span = SIZE - 2 * margin
    start = rng.uniform(inset, span - inset, (2, 2))
    angle = rng.uniform(0, 2 * np.pi, 2)
    vel = rng.uniform(*SPEED, 2)[:, None] * np.stack([np.cos(angle), np.sin(angle)], -1)
    free = start + vel * np.arange(frames)[:, None, None]
    return margin + span - np.abs(np.mod(free, 2 * span) - span)


def square_path(start, actions):
    """(len(actions) + 1, 2) square positions: each action moves it PUSH_SPEED its way, and the
    walls stop it."""
    lo, hi = _MARGIN[0], SIZE - _MARGIN[0]
    out = [np.asarray(start, float)]
    for a in actions:
        out.append(np.clip(out[-1] + PUSH_SPEED * _DIRECTION[a], lo, hi))
    return np.array(out)


def render(paths):
    """(T, shapes, 2) positions -> (T, LAYERS, SIZE, SIZE) gray layers in [0, 1]."""
    layers = np.zeros((len(paths), LAYERS, SIZE, SIZE))
    for k, (kind, size, brightness) in enumerate(SHAPES):
        dx = np.abs(_CENTRES[None, None, :] - paths[:, k, 0, None, None])
        dy = np.abs(_CENTRES[None, :, None] - paths[:, k, 1, None, None])
        dist = np.maximum(dx, dy) if kind == "square" else np.sqrt(dx * dx + dy * dy)
        shape = brightness * np.clip((size - dist) / EDGE + 0.5, 0, 1)
        layers[:, _LAYER[k]] = np.maximum(layers[:, _LAYER[k]], shape)
    return layers


def compose(layers):
    """Layers (..., LAYERS, S, S) -> the frame you see (..., S, S): the brightest layer wins."""
    return layers.max(axis=-3)


def training_pushes(rng, start):
    """The push after each training frame: HOLD frames each, every push about equally often,
    never into a wall (so each push's filter sees that push move the square)."""
    lo, hi = _MARGIN[0], SIZE - _MARGIN[0]
    pos, used, out = np.asarray(start, float), np.zeros(len(ACTIONS)), []
    for _ in range(-(-TRAIN_FRAMES // HOLD)):
        end = pos + HOLD * PUSH_SPEED * _DIRECTION
        fits = np.all((end >= lo) & (end <= hi), axis=1)
        least = np.flatnonzero(fits & (used == used[fits].min()))
        a = least[rng.integers(len(least))]
        pos, used[a] = end[a], used[a] + 1
        out += [a] * HOLD
    return np.array(out[:TRAIN_FRAMES])


def training_world(rng):
    """The training video: (TRAIN_FRAMES, 3, 2) paths and the push after each frame."""
    start = rng.uniform(_MARGIN[0] + 4, SIZE - _MARGIN[0] - 4, 2)
    actions = training_pushes(rng, start)
    square = square_path(start, actions[:-1])
    return np.concatenate([square[:, None], disc_paths(rng, TRAIN_FRAMES)], 1), actions


def scene(rng, push, horizon):
    """A fresh scene with the square at rest in the middle for two frames, then pushed `push`
    (an action index) for `horizon` frames: paths (horizon + 2, 3, 2) and the actions. The
    discs start 3 pixels or more from a bounce, so that the first steps show a typical case."""
    actions = np.array([0] + [push] * horizon)
    square = square_path([SIZE / 2, SIZE / 2], actions)
    return np.concatenate([square[:, None], disc_paths(rng, horizon + 2, inset=3.0)], 1), actions


# --- The model: least-squares local filters, one per layer and action ------------------------

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
    """Normal equations of the least-squares fits, one per (layer, action), before any data."""
    n = 2 * (2 * RADIUS + 1) ** 2 + 1
    shape = (LAYERS, len(ACTIONS))
    return {"gram": np.zeros(shape + (n, n)), "rhs": np.zeros(shape + (n,)),
            "count": np.zeros(shape), "frames": 0}


def add_transitions(fit, features, targets, actions):
    """Fold transitions (features (T, LAYERS, S, S, 51), next layers (T, LAYERS, S, S), the
    action of each (T,)) into the fit of their action.

    Pixels whose two neighbourhoods are empty always stay empty (shapes move < 1 pixel per
    frame), so they add exactly 1 to the constant's entry and nothing else: counting them
    instead of multiplying them saves most of the work.
    """
    n = fit["rhs"].shape[-1]
    for a in np.unique(actions):
        pick = actions == a
        for layer in range(LAYERS):
            x = features[pick, layer].reshape(-1, n)
            y = targets[pick, layer].reshape(-1)
            busy = x[:, :-1].any(1)
            x, y = x[busy], y[busy]
            fit["gram"][layer, a] += x.T @ x
            fit["gram"][layer, a, -1, -1] += busy.size - len(y)
            fit["rhs"][layer, a] += x.T @ y
            fit["count"][layer, a] += busy.size
    fit["frames"] += len(targets)


def solve(fit):
    """Filter weights (LAYERS, actions, 51) from the normal equations (a small ridge keeps them
    well posed; an action not seen yet gets all-zero weights)."""
    n = fit["rhs"].shape[-1]
    ridge = RIDGE * np.maximum(fit["count"], SIZE * SIZE)[..., None, None] * np.eye(n)
    return np.linalg.solve(fit["gram"] + ridge, fit["rhs"][..., None])[..., 0]


def training_chunks(paths, actions):
    """(features, targets, actions) of the transitions along `paths`, rendered and cut CHUNK at
    a time as the sim streams them (consecutive chunks overlap by the two input frames)."""
    for first in range(0, len(paths) - 2, CHUNK):
        part = render(paths[first:first + CHUNK + 2])
        yield (pixel_features(part[:-2], part[1:-1]), part[2:],
               actions[first + 1:first + 1 + len(part) - 2])


def fit_filters(paths, actions):
    """Least-squares filters on all transitions of the video along `paths`."""
    fit = empty_fit()
    for chunk in training_chunks(paths, actions):
        add_transitions(fit, *chunk)
    return solve(fit)


def predict(weights, prev, cur, action):
    """One step: the next layers (LAYERS, S, S) from the last two and the action between."""
    out = np.einsum("lijk,lk->lij", pixel_features(prev, cur), weights[:, action])
    return np.clip(out, 0, 1)


def rollout(weights, prev, cur, actions):
    """Autoregressive rollout, one step per action, each prediction fed back as input:
    layers (len(actions), LAYERS, S, S)."""
    out = []
    for a in actions:
        prev, cur = cur, predict(weights, prev, cur, a)
        out.append(cur)
    return np.array(out)


def frame_errors(predicted, true):
    """Root-mean-square pixel error of each predicted frame (or layer)."""
    return np.sqrt(((predicted - true) ** 2).mean(axis=(-2, -1)))


def evaluate(seed, push="right", starts=8, horizon=MAX_HORIZON):
    """Filters fitted on one training video, rolled out from `starts` fresh test scenes under
    `push`: true and predicted layers (starts, horizon, LAYERS, S, S), the one-step predictions
    from true frames, the baseline that repeats the last true frame, and the filters."""
    rng = np.random.default_rng(seed)
    weights = fit_filters(*training_world(rng))
    a = action_index(push)
    true, predicted, one_step, last = [], [], [], []
    for _ in range(starts):
        paths, actions = scene(rng, a, horizon)
        video = render(paths)
        true.append(video[2:])
        predicted.append(rollout(weights, video[0], video[1], actions[1:]))
        one_step.append([predict(weights, video[t], video[t + 1], a) for t in range(horizon)])
        last.append(video[1])
    true, predicted, one_step = np.array(true), np.array(predicted), np.array(one_step)
    return {"true": true, "predicted": predicted, "one_step": one_step, "weights": weights,
            "model": frame_errors(compose(predicted), compose(true)),
            "teacher": frame_errors(compose(one_step), compose(true)),
            "copy": frame_errors(compose(np.array(last))[:, None], compose(true))}


def sharpness(frames):
    """Root-mean-square difference between neighbouring pixels: falls as a frame blurs."""
    return np.sqrt((np.diff(frames, axis=-1) ** 2).mean((-2, -1))
                   + (np.diff(frames, axis=-2) ** 2).mean((-2, -1)))


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
    return {"title": "Error per frame", "x": [0.3, horizon + 0.7],
            "y": [0, y_max], "xlabel": "frames ahead", "ylabel": "RMS pixel error",
            "weight": 1, "items": items}


LEGEND = [["real", "true frames"], ["imagined", "predicted by the model"],
          ["muted", "baseline: repeat the last true frame"]]


def simulate(params, seed):
    """Fit the filters chunk by chunk (showing their one-step guesses), then reveal the
    rollout under the chosen push."""
    horizon = int(params["horizon"])
    push = action_index(params["push"])
    push_label = ACTIONS[push][1]
    rng = np.random.default_rng(seed)
    train_paths, train_actions = training_world(rng)
    paths, actions = scene(rng, push, horizon)
    video = render(paths)             # the two input frames and the true future, as layers
    true = compose(video[2:])
    copy = frame_errors(compose(video[1]), true)
    # A blank prediction scores the RMS of the true frame: the axis holds that and the baseline.
    y_max = 0.05 * float(np.ceil(1.15 * max(copy.max(), frame_errors(0, true).max()) / 0.05))

    fit = empty_fit()
    shown = min(horizon, CHUNK)
    for features, targets, acts in training_chunks(train_paths, train_actions):
        add_transitions(fit, features, targets, acts)
        weights = solve(fit)
        pick = np.arange(len(targets))[-shown:]
        guesses = compose(np.clip(np.einsum("tlijk,tlk->tlij", features[pick],
                                            weights[:, acts[pick]].transpose(1, 0, 2)), 0, 1))
        seen = compose(targets[pick])
        errors = frame_errors(guesses, seen)
        yield {
            "panels": [
                _frames_panel(f"Fitting: {fit['frames']} transitions seen", seen, guesses,
                              horizon, ["1 step"] * shown),
                _error_panel(horizon, y_max),
            ],
            "legend": LEGEND,
            "summary": (f"fitting the filters: {fit['frames']} of {TRAIN_FRAMES - 2} transitions "
                        f"seen, one-step error {errors.mean():.3f}"),
        }

    layers = rollout(weights, video[0], video[1], actions[1:])
    predicted = compose(layers)
    errors = frame_errors(predicted, true)
    square, discs = frame_errors(layers, video[2:]).T   # each layer's own error
    labels = [f"t+{h + 1}" for h in range(horizon)]
    title = "No push" if push == 0 else f"Push {push_label}"
    for step in range(1, horizon + 1):
        added = errors[step - 1] - (errors[step - 2] if step > 1 else 0.0)
        frame = {
            "panels": [
                _frames_panel(f"{title}: truth above, model below", true[:step],
                              predicted[:step], horizon, labels),
                _error_panel(horizon, y_max, errors[:step], copy[:step]),
            ],
            "legend": LEGEND,
            "summary": (f"{push_label}, step {step} of {horizon}: RMS pixel error "
                        f"{errors[step - 1]:.3f} ({added:+.3f} on this step; step 1: "
                        f"{errors[0]:.3f}), square {square[step - 1]:.3f}, discs "
                        f"{discs[step - 1]:.3f}; repeating the last true frame: "
                        f"{copy[step - 1]:.3f}"),
            "metrics": {"step": step, "error": float(errors[step - 1]),
                        "square_error": float(square[step - 1]), "disc_error": float(discs[step - 1]),
                        "discs_over_square": float(discs[step - 1] / max(square[step - 1], 1e-9))},
        }
        for _ in range(FRAMES_PER_STEP):
            yield frame
