"""A ball pushed left or right along a track, filmed over a flickering background: two linear
world models predict the next 64x64 frame from the current one and the push, one on all 4096
pixels, one on a small PCA latent.
"""

import numpy as np

from sims.contract import button, choice, slider

TITLE = "Pixel Space vs Latent Space"
HOW = (
    "Each step the action pushes the ball 3.7 pixels left or right (the track wraps around). "
    "Both world models are linear, one per action, and fitted by least squares to the same 240 "
    "steps (8 clips of 30 pushes from evenly spaced places, 120 pushes each way), whose "
    "background flickers: fine grain redrawn every frame, which no model can predict. The "
    "pixel model maps all 4096 pixels to the next frame's 4096 (ridge regression, computed "
    "through its 120 training frames, its cheapest exact form; as a full 4096×4096 matrix it "
    "would cost 16.8M multiply-adds; its ridge penalty is the one, in tenfold steps, that "
    "predicts new frames best). The latent model compresses each frame with PCA (the top "
    "principal components, by subspace iteration on the frames' Gram matrix), fits `z_next = "
    "A_a z + b_a` on those few numbers and decodes the prediction back to pixels; its cost "
    "counts the encode, the step and the decode. Errors are mean squared differences from the "
    "next frame without its flicker (the part that can be predicted): *on the ball* means the "
    "pixels within the ball's reach in this frame or the next, *elsewhere* the rest. The "
    "flicker has about six times the variance of the ball, but it is spread over thousands of "
    "directions, while the ball's motion fills a few: so PCA's first directions describe the "
    "ball, and its later ones, the flicker of the training frames."
)

SIZE = 64                 # frames are SIZE x SIZE gray images
PIXELS = SIZE * SIZE
TRACK = 32.0              # the ball's row
CLIPS, CLIP = 8, 30       # the training video: 8 clips of 30 pushes, starting evenly spaced
N_TRAIN = CLIPS * CLIP    # training pairs (frame, push -> next frame), half of each push
PUSHES = np.array([-3.7, 3.7])   # ball moves per action (pixels); 64 / 3.7 is not whole
ARROWS = ("←", "→")
RADIUS, EDGE = 7.0, 3.0   # ball radius and the width of its soft edge (pixels)
FLICKER = 0.25            # standard deviation of the background's grain, redrawn every frame
GRAIN = 0.8               # the grain's blur (pixels)
RIDGE = 1.0               # pixel model's ridge penalty, relative to the mean Gram eigenvalue
EXTRA = 8                 # extra directions carried by the subspace iteration
ITERATIONS = 40           # subspace iterations for PCA
RENDER_CHUNK, GRAM_CHUNK, ITER_CHUNK = 8, 256, 8   # work per displayed frame while fitting
ERROR_GAIN = 4            # the error image is |predicted - actual| times this

PICTURE_FRAME = 100  # the page's picture: the latent model has trained on 40 steps, the ball in view
CONTROLS = [
    choice("space", "Predict in", [("latent", "latent space"), ("pixel", "pixel space")], "latent"),
    slider("dims", "Latent size", 4, 32, 8, step=4, unit="numbers"),
    button("video", "New video", action="reseed"),
]


# --- The world -------------------------------------------------------------------------------

_FREQ2 = np.fft.fftfreq(SIZE)[:, None] ** 2 + np.fft.fftfreq(SIZE)[None, :] ** 2
_GRID = np.mgrid[0:SIZE, 0:SIZE] + 0.5  # pixel-centre coordinates (row, col)


def make_video(rng):
    """A fixed smooth background texture and the ball's starting place, drawn from the seed."""
    noise = np.fft.fft2(rng.standard_normal((SIZE, SIZE)))
    texture = np.fft.ifft2(noise * np.exp(-_FREQ2 / (2 * 0.06 ** 2))).real  # low-pass filtered
    texture = 0.2 + 0.35 * (texture - texture.min()) / np.ptp(texture)
    return {"background": texture, "start": rng.uniform(0, SIZE)}


def training_actions(rng):
    """N_TRAIN pushes, half each way, in random order."""
    return rng.permutation(np.arange(N_TRAIN) % len(PUSHES))


def positions(start, actions):
    """Ball x before each action and after the last: len(actions) + 1 places on the track."""
    steps = np.concatenate([[start], PUSHES[np.asarray(actions, int)]])
    return np.cumsum(steps) % SIZE


def training_places(video, actions):
    """(CLIPS, CLIP + 1) ball places of the training clips, which start evenly spaced so that
    the training video covers the whole track."""
    starts = video["start"] + np.arange(CLIPS) * SIZE / CLIPS
    return np.array([positions(s, a) for s, a in zip(starts, np.reshape(actions, (CLIPS, CLIP)))])


def ball_mask(x):
    """(n, SIZE, SIZE) coverage of a ball at each x on the track, with a soft edge."""
    dx = (_GRID[1][None] - np.asarray(x, float)[:, None, None] + SIZE / 2) % SIZE - SIZE / 2
    d = np.hypot(dx, _GRID[0][None] - TRACK)
    return np.clip((RADIUS - d) / EDGE + 0.5, 0, 1)


def render(video, x, rng=None):
    """Frames with the ball at each x, as rows of PIXELS gray values in [0, 1]; with rng, the
    background flickers (fresh grain), without it the frame is the flicker-free truth."""
    ball = ball_mask(x)
    background = np.broadcast_to(video["background"], ball.shape)
    if rng is not None:
        grain = np.fft.ifft2(np.fft.fft2(rng.standard_normal(ball.shape))
                             * np.exp(-2 * (np.pi * GRAIN) ** 2 * _FREQ2)).real
        grain *= FLICKER / grain.std(axis=(1, 2), keepdims=True)
        background = background + grain
    frames = background * (1 - ball) + 0.95 * ball
    return np.clip(frames, 0, 1).reshape(len(ball), PIXELS)


# --- Fitting, in steps small enough to spread over frames ------------------------------------

def _centred_gram(gram, rows):
    """The Gram matrix of frames[rows] after subtracting their mean, from the raw one."""
    g = gram[np.ix_(rows, rows)]
    r = g.mean(axis=1)
    return g - r[:, None] - r[None, :] + r.mean()


def fit_steps(video, actions, dims, rng, ridge=RIDGE):
    """Fit both models; between small steps yields (stage, fraction done, latest training frame
    or None), and returns the models.

    Use as `models = yield from fit_steps(...)`, or `fit_models` to run it all at once.
    """
    places = training_places(video, actions).ravel()
    frames = np.empty((len(places), PIXELS))
    yield "recording the video", 0.0, None
    for start in range(0, len(places), RENDER_CHUNK):
        stop = min(start + RENDER_CHUNK, len(places))
        frames[start:stop] = render(video, places[start:stop], rng)
        yield "recording the video", stop / len(places), frames[stop - 1]
    frames = frames.reshape(CLIPS, CLIP + 1, PIXELS)
    now = frames[:, :-1].reshape(N_TRAIN, PIXELS)   # training pairs: now -> next
    nxt = frames[:, 1:].reshape(N_TRAIN, PIXELS)

    # One raw Gram matrix of the training frames serves both models.
    gram = np.zeros((N_TRAIN, N_TRAIN))
    for start in range(0, PIXELS, GRAM_CHUNK):
        block = now[:, start:start + GRAM_CHUNK]
        gram += block @ block.T
        yield "comparing frames (Gram matrix)", (start + GRAM_CHUNK) / PIXELS, None

    # PCA of all training frames: top eigenvectors of the centred Gram matrix by subspace
    # iteration, then Rayleigh-Ritz.
    x_mean, centred = now.mean(axis=0), _centred_gram(gram, np.arange(N_TRAIN))
    basis = np.linalg.qr(rng.standard_normal((N_TRAIN, dims + EXTRA)))[0]
    for i in range(ITERATIONS):
        basis = np.linalg.qr(centred @ basis)[0]
        if (i + 1) % ITER_CHUNK == 0:
            yield "finding principal components", (i + 1) / ITERATIONS, None
    values, vectors = np.linalg.eigh(basis.T @ centred @ basis)
    order = np.argsort(values)[::-1][:dims]
    mix = basis @ vectors[:, order] / np.sqrt(values[order])
    encoder = now.T @ mix - np.outer(x_mean, mix.sum(axis=0))  # orthonormal columns
    codes = centred @ mix                                      # = (now - x_mean) @ encoder
    yield "fitting the models", 0.0, None
    next_codes = (nxt - x_mean) @ encoder
    yield "fitting the models", 0.1, None

    pixel, latent = [], []
    for a in range(len(PUSHES)):
        rows = np.flatnonzero(actions == a)
        # Pixel model: ridge regression in its dual form,
        # next = y_mean + Yc^T (K + lam I)^-1 Xc (x - x_mean), with K the centred Gram.
        pairs = {"now": now[rows], "next": nxt[rows]}
        yield "fitting the models", (2 * a + 1) / (2 * len(PUSHES)), None
        k = _centred_gram(gram, rows)
        lam = ridge * np.trace(k) / len(rows)
        pixel.append({**pairs, "x_mean": pairs["now"].mean(axis=0),
                      "y_mean": pairs["next"].mean(axis=0),
                      "ridge_inverse": np.linalg.inv(k + lam * np.eye(len(rows)))})
        # Latent model: z' = A_a z + b_a by least squares.
        inputs = np.column_stack([codes[rows], np.ones(len(rows))])
        latent.append(np.linalg.lstsq(inputs, next_codes[rows], rcond=None)[0])
        yield "fitting the models", (2 * a + 2) / (2 * len(PUSHES)), None
    return {"x_mean": x_mean, "encoder": encoder, "pixel": pixel, "dynamics": latent,
            "code_scale": float(np.abs(codes).max()), "now": now, "next": nxt}


def fit_models(video, actions, dims, rng, ridge=RIDGE):
    """Run fit_steps to the end; returns the models."""
    steps = fit_steps(video, actions, dims, rng, ridge)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


# --- Predicting, and what it costs -----------------------------------------------------------

def encode(models, frames):
    """Frames (..., PIXELS) to codes (..., dims)."""
    return (frames - models["x_mean"]) @ models["encoder"]


def decode(models, codes):
    """Codes (..., dims) back to frames (..., PIXELS)."""
    return models["x_mean"] + codes @ models["encoder"].T


def step_latent(models, codes, actions):
    """z' = A_a z + b_a for each code and its action."""
    codes, actions = np.atleast_2d(codes), np.atleast_1d(actions)
    with_bias = np.column_stack([codes, np.ones(len(codes))])
    out = np.empty_like(codes)
    for a, dynamics in enumerate(models["dynamics"]):
        rows = actions == a
        out[rows] = with_bias[rows] @ dynamics
    return out


def predict_latent(models, frames, actions):
    """Encode, step the latent dynamics once, decode: (n, PIXELS) frames and n actions."""
    return decode(models, step_latent(models, encode(models, np.atleast_2d(frames)), actions))


def predict_pixel(models, frames, actions):
    """Each action's ridge map applied to the pixels: similarity to each of its training frames,
    then a mix of their successors (the ridge inverse is symmetric)."""
    frames, actions = np.atleast_2d(frames), np.atleast_1d(actions)
    out = np.empty_like(frames)
    for a, m in enumerate(models["pixel"]):
        rows = actions == a
        centred = frames[rows] - m["x_mean"]
        similarity = centred @ m["now"].T - (centred @ m["x_mean"])[:, None]
        weights = similarity @ m["ridge_inverse"]
        mixed = weights @ m["next"] - weights.sum(axis=1)[:, None] * m["y_mean"]
        out[rows] = m["y_mean"] + mixed
    return out


def multiply_adds(models):
    """Multiply-adds per predicted frame, counted from the shapes of the matrices used."""
    n, pixels = models["pixel"][0]["now"].shape
    dims = models["encoder"].shape[1]
    pixel = n * pixels + pixels + n * n + n * pixels + pixels  # similarities, mix, mean terms
    step = (dims + 1) * dims
    latent = pixels * dims + step + dims * pixels              # encode, step, decode
    # Imagining further ahead in latent space needs only more steps, not more encodes/decodes.
    return {"pixel": pixel, "latent": latent, "latent_step": step, "dense": pixels * pixels}


def region(x_now, x_next):
    """(n, PIXELS) True on the pixels the ball reaches in this frame or the next."""
    reach = (ball_mask(x_now) > 0) | (ball_mask(x_next) > 0)
    return reach.reshape(len(reach), PIXELS)


def errors(predicted, clean, on_ball):
    """Mean squared error against the flicker-free next frames: all, on the ball, elsewhere."""
    sq = (predicted - clean) ** 2
    return {"all": float(sq.mean()), "ball": float(sq[on_ball].mean()),
            "elsewhere": float(sq[~on_ball].mean())}


def evaluate(models, video, rng, count=200):
    """Errors of each model, and of copying the frame, over `count` new steps with random
    pushes from a random place, with fresh flicker."""
    actions = rng.integers(0, len(PUSHES), count)
    x = positions(rng.uniform(0, SIZE), actions)
    now, clean = render(video, x[:-1], rng), render(video, x[1:])
    on_ball = region(x[:-1], x[1:])
    recon = decode(models, encode(models, now))
    return {"pixel": errors(predict_pixel(models, now, actions), clean, on_ball),
            "latent": errors(predict_latent(models, now, actions), clean, on_ball),
            "copy": errors(now, clean, on_ball),
            "reconstruction": errors(recon, render(video, x[:-1]), region(x[:-1], x[:-1]))}


def fitted(seed, dims, ridge=RIDGE):
    """The world and both models as `simulate` makes them under this seed, and the rng after."""
    rng = np.random.default_rng(seed)
    video = make_video(rng)
    actions = training_actions(rng)
    models = fit_models(video, actions, dims, rng, ridge)
    return video, {**models, "actions": actions}, rng


# --- Frames ----------------------------------------------------------------------------------

def _image(frame):
    return np.clip(frame, 0, 1).reshape(SIZE, SIZE)


def _now_panel(frame, title, x=None, push=None):
    items = [{"image": _image(frame)}]
    if push is not None:  # the action: an arrow under the ball, the way it will be pushed
        y, way = SIZE - TRACK - RADIUS - 5, np.sign(PUSHES[push])
        tip = x + 10 * way
        back = tip - 4 * way
        items.append({"lines": np.array([[[x, y], [tip, y], [tip, y]],
                                         [[back, y + 4], [tip, y], [back, y - 4]]]),
                      "role": "imagined", "stroke": 3})
    return {"title": title, "x": [0, SIZE], "y": [0, SIZE], "aspect": 1.0, "axes": False,
            "items": items}


# The shapes of the panels drawn from the fitted models: the same while they fit (_waiting)
STATE = {"aspect": 0.75}
NEXT = {"title": "Next frame", "aspect": 1.15 / 3, "weight": 2}
COST = {"title": "Multiply-adds (log)", "aspect": 0.55, "weight": 1.4}


def _state_title(space, dims):
    return f"Latent: {dims} numbers" if space == "latent" else f"Pixels: {PIXELS} numbers"


def _state_panel(models, frame, space):
    """What the chosen model computes with: a few latent numbers or every pixel."""
    if space == "latent":
        code = encode(models, frame)
        top = models["code_scale"]
        return {**STATE, "title": _state_title(space, len(code)), "x": [0.5, len(code) + 0.5],
                "y": [-top, top], "xlabel": "component",
                "items": [{"bars": np.column_stack([np.arange(1, len(code) + 1),
                                                    np.clip(code, -top, top)]),
                           "role": "real", "width": 0.8}]}
    return {**STATE, "title": _state_title(space, PIXELS), "x": [0, PIXELS], "y": [0, 1],
            "xlabel": "pixel, row by row", "ylabel": "brightness",
            "items": [{"line": np.column_stack([np.arange(PIXELS), frame]), "role": "real",
                       "stroke": 0.5}]}


def _next_panel(predicted, actual, clean):
    """Predicted next frame, the actual one and the error against its flicker-free truth."""
    error = np.clip(ERROR_GAIN * np.abs(predicted - clean), 0, 1)
    items = []
    for i, (img, label) in enumerate(((predicted, "predicted"), (actual, "actual"),
                                      (error, f"error ×{ERROR_GAIN}"))):
        items.append({"image": _image(img), "extent": [i, i + 1, 0, 1]})
        items.append({"text": label, "at": [i + 0.5, -0.08], "align": "center"})
    return {**NEXT, "x": [0, 3], "y": [-0.15, 1], "axes": False, "items": items}


def _cost_panel(costs, mean_errors, space):
    """Multiply-adds per predicted frame (bars on a log scale), with each model's error so far."""
    items = [{"line": np.array([[-0.6, 0], [1.6, 0]]), "role": "muted"}]
    for i, name in enumerate(("pixel", "latent")):
        height = np.log10(costs[name])
        items += [{"bars": np.array([[i, height]]), "width": 0.6,
                   "role": "imagined" if name == space else "samples"},
                  {"text": _count(costs[name]), "at": [i, height + 0.5], "align": "center"},
                  {"text": name, "at": [i, -0.9], "align": "center"},
                  {"text": f"err {mean_errors[name]:.4f}", "at": [i, -2.1], "align": "center"}]
    return {**COST, "x": [-0.6, 1.6], "y": [-2.7, 7.4], "axes": False, "items": items}


def _waiting(shape):
    """A panel of the fitted models, before there are any: laid out as it will be, so that the
    page does not move when they arrive."""
    return {**shape, "x": [0, 1], "y": [0, 1], "axes": False,
            "items": [{"text": "once the models are fitted", "at": [0.5, 0.5], "align": "center", "role": "muted"}]}


def _count(n):
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e4 else str(n)


def simulate(params, seed):
    rng = np.random.default_rng(seed)
    space, dims = params.get("space", "latent"), int(params.get("dims", 8))
    video = make_video(rng)
    actions = training_actions(rng)
    legend = [["real", "the current frame, as the model reads it"],
              ["imagined", f"the push, and the {space} model's prediction"],
              ["samples", "the other model"]]
    fitting = fit_steps(video, actions, dims, rng)
    shown = np.full(PIXELS, 0.5)
    while True:
        try:
            stage, done, latest = next(fitting)
        except StopIteration as finished:
            models = finished.value
            break
        shown = shown if latest is None else latest
        yield {"panels": [_now_panel(shown, "Training video"),
                          _waiting({**STATE, "title": _state_title(space, dims)}), _waiting(NEXT), _waiting(COST)],
               "legend": legend,
               "summary": f"fitting… {stage}: {done:.0%}"}

    costs = multiply_adds(models)
    sums = {name: np.zeros(3) for name in ("pixel", "latent", "copy")}
    count = 0
    x = training_places(video, actions)[-1, -1]  # go on from the end of the last clip
    frame = render(video, [x], rng)[0]
    while True:
        push = int(rng.integers(len(PUSHES)))
        x_next = (x + PUSHES[push]) % SIZE
        actual, clean = render(video, [x_next], rng)[0], render(video, [x_next])[0]
        on_ball = region([x], [x_next])[0]
        predictions = {"pixel": predict_pixel(models, frame, push)[0],
                       "latent": predict_latent(models, frame, push)[0], "copy": frame}
        for name, predicted in predictions.items():
            e = errors(predicted, clean, on_ball)
            sums[name] += [e["all"], e["ball"], e["elsewhere"]]
        count += 1
        mean = {name: total / count for name, total in sums.items()}
        other = "pixel" if space == "latent" else "latent"
        described = {name: (f"{mean[name][0]:.4f} (on the ball {mean[name][1]:.3f}, elsewhere "
                            f"{mean[name][2]:.4f}) for {_count(costs[name])} multiply-adds")
                     for name in ("pixel", "latent")}
        label = {"latent": f"latent model ({dims} numbers)", "pixel": "pixel model"}
        yield {"panels": [_now_panel(frame, f"Now, push {ARROWS[push]}", x, push),
                          _state_panel(models, frame, space),
                          _next_panel(predictions[space], actual, clean),
                          _cost_panel(costs, {n: m[0] for n, m in mean.items()}, space)],
               "legend": legend,
               "summary": (f"after {count} steps, next-frame error of the {label[space]}: "
                           f"{described[space]}; {label[other]}: {described[other]}; "
                           f"copying the frame: {mean['copy'][0]:.4f}"),
               "metrics": {"steps": count, "latent_error": float(mean["latent"][0]),
                           "pixel_error": float(mean["pixel"][0]),
                           "pixel_over_latent": float(mean["pixel"][0] / mean["latent"][0])}}
        frame, x = actual, x_next
