"""A ball loops over a textured background in a noisy 64x64 video; two linear world models
predict the next frame, one on all 4096 pixels, one on a small PCA latent, at very different costs.
"""

import numpy as np

from sims.contract import button, choice, slider

TITLE = "Pixel Space vs Latent Space"
HOW = (
    "Both world models are linear and fitted by least squares to the same 240 noisy frames. The "
    "pixel model maps all 4096 pixels to the next frame's 4096 (ridge regression, computed "
    "through the training frames, its cheapest exact form; as a full 4096×4096 matrix it would "
    "cost 16.8M multiply-adds). The latent model compresses each frame with PCA (the top "
    "principal components, by subspace iteration on the frames' Gram matrix), fits "
    "`z_next = A z + b` on those few numbers and decodes the prediction back to pixels; its cost "
    "counts the encode, the step and the decode. Camera noise, which no model can predict, sets "
    "an error floor for both. The ball follows a fixed loop, so one frame determines the next: "
    "a bouncing ball, whose frame does not show its velocity, would need more than one frame."
)

SIZE = 64                 # frames are SIZE x SIZE gray images
PIXELS = SIZE * SIZE
N_TRAIN = 240             # training pairs (frame t -> frame t + 1)
PERIOD = 150.7            # frames per lap of the loop: not a whole number, so laps never repeat
RADIUS, EDGE = 6.0, 2.0   # ball radius and the width of its soft edge (pixels)
NOISE = 0.04              # camera noise (standard deviation per pixel)
RIDGE = 1e-2              # pixel model's ridge penalty, relative to the mean Gram eigenvalue
EXTRA = 8                 # extra directions carried by the subspace iteration
ITERATIONS = 40           # subspace iterations for PCA
RENDER_CHUNK, GRAM_CHUNK, ITER_CHUNK = 16, 512, 8   # work per displayed frame while fitting
ERROR_GAIN = 4            # the error image is |predicted - actual| times this

CONTROLS = [
    choice("space", "Predict in", [("latent", "latent space"), ("pixel", "pixel space")], "latent"),
    slider("dims", "Latent size", 4, 32, 16, step=4, unit="numbers"),
    button("video", "New video", action="reseed"),
]


# --- The video -------------------------------------------------------------------------------

def make_video(rng):
    """A smooth random texture and a loop for the ball, drawn from the seed."""
    noise = np.fft.fft2(rng.standard_normal((SIZE, SIZE)))
    f2 = np.fft.fftfreq(SIZE)[:, None] ** 2 + np.fft.fftfreq(SIZE)[None, :] ** 2
    texture = np.fft.ifft2(noise * np.exp(-f2 / (2 * 0.06 ** 2))).real  # low-pass filtered
    texture = 0.12 + 0.45 * (texture - texture.min()) / np.ptp(texture)
    return {"background": texture, "phase": rng.uniform(0, 2 * np.pi),
            "wobble": rng.uniform(2.0, 5.0), "turn": rng.choice([-1.0, 1.0])}


def ball_centres(video, times):
    """(n, 2) ball centres (x, y in pixels): an ellipse with a wobble, one lap per PERIOD frames."""
    th = video["phase"] + video["turn"] * 2 * np.pi * np.asarray(times, float) / PERIOD
    w = video["wobble"]
    return np.column_stack([32 + 20 * np.cos(th) + w * np.cos(2 * th),
                            32 + 16 * np.sin(th) - w * np.sin(2 * th)])


_GRID = np.mgrid[0:SIZE, 0:SIZE] + 0.5  # pixel-centre coordinates (row, col)


def render(video, times, rng):
    """Frames at `times` as rows of PIXELS gray values in [0, 1], with fresh camera noise."""
    c = ball_centres(video, times)
    d = np.hypot(_GRID[1][None] - c[:, 0, None, None], _GRID[0][None] - c[:, 1, None, None])
    ball = np.clip((RADIUS - d) / EDGE + 0.5, 0, 1)
    frames = video["background"] * (1 - ball) + 0.95 * ball
    frames = frames.reshape(len(c), PIXELS) + NOISE * rng.standard_normal((len(c), PIXELS))
    return np.clip(frames, 0, 1)


# --- Fitting, in steps small enough to spread over frames ------------------------------------

def fit_steps(video, dims, rng):
    """Fit both models; between small steps yields (stage, fraction done, latest training frame
    or None), and returns the models.

    Use as `models = yield from fit_steps(...)`, or `fit_models` to run it all at once. The
    centred frames are never stored: each product subtracts the mean on the fly.
    """
    frames = np.empty((N_TRAIN + 1, PIXELS))
    yield "recording the video", 0.0, None
    for start in range(0, N_TRAIN + 1, RENDER_CHUNK):
        stop = min(start + RENDER_CHUNK, N_TRAIN + 1)
        frames[start:stop] = render(video, np.arange(start, stop), rng)
        yield "recording the video", stop / (N_TRAIN + 1), frames[stop - 1]
    now, nxt = frames[:-1], frames[1:]  # training pairs: frame t -> frame t + 1
    x_mean, y_mean = now.mean(axis=0), nxt.mean(axis=0)

    # The Gram matrix of the centred frames serves both models.
    gram = np.zeros((N_TRAIN, N_TRAIN))
    for start in range(0, PIXELS, GRAM_CHUNK):
        block = now[:, start:start + GRAM_CHUNK] - x_mean[start:start + GRAM_CHUNK]
        gram += block @ block.T
        yield "comparing frames (Gram matrix)", (start + GRAM_CHUNK) / PIXELS, None

    # PCA: top eigenvectors of the Gram matrix by subspace iteration, then Rayleigh-Ritz.
    basis = np.linalg.qr(rng.standard_normal((N_TRAIN, dims + EXTRA)))[0]
    for i in range(ITERATIONS):
        basis = np.linalg.qr(gram @ basis)[0]
        if (i + 1) % ITER_CHUNK == 0:
            yield "finding principal components", (i + 1) / ITERATIONS, None
    values, vectors = np.linalg.eigh(basis.T @ gram @ basis)
    order = np.argsort(values)[::-1][:dims]
    values, U = values[order], basis @ vectors[:, order]

    # Pixel model: ridge regression in its dual form, next = y_mean + Yc^T (K + lam I)^-1 Xc x.
    lam = RIDGE * np.trace(gram) / N_TRAIN
    ridge_inverse = np.linalg.inv(gram + lam * np.eye(N_TRAIN))
    yield "fitting the pixel model", 1.0, None

    # Latent model: encoder V = Xc^T U / sqrt(values), codes Z = Xc V, then z' = A z + b.
    mix = U / np.sqrt(values)
    encoder = now.T @ mix - np.outer(x_mean, mix.sum(axis=0))
    codes = gram @ mix                                    # = Xc @ encoder, without the cost
    next_codes = np.vstack([codes[1:], (frames[-1] - x_mean) @ encoder])
    inputs = np.column_stack([codes, np.ones(N_TRAIN)])
    dynamics = np.linalg.lstsq(inputs, next_codes, rcond=None)[0]
    yield "fitting the latent model", 1.0, None
    return {"x_mean": x_mean, "y_mean": y_mean, "now": now, "next": nxt,
            "ridge_inverse": ridge_inverse, "encoder": encoder, "dynamics": dynamics,
            "code_scale": float(np.abs(codes).max())}


def fit_models(video, dims, rng):
    """Run fit_steps to the end; returns the models."""
    steps = fit_steps(video, dims, rng)
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


def predict_latent(models, frames):
    """Encode, step the latent dynamics z' = A z + b once, decode."""
    codes = encode(models, frames)
    with_bias = np.concatenate([codes, np.ones(codes.shape[:-1] + (1,))], axis=-1)
    return decode(models, with_bias @ models["dynamics"])


def predict_pixel(models, frames):
    """The ridge map applied to the pixels: similarity to each training frame, then a mix of
    the training frames' successors (the ridge inverse is symmetric)."""
    centred = frames - models["x_mean"]
    similarity = centred @ models["now"].T - (centred @ models["x_mean"])[..., None]
    weights = similarity @ models["ridge_inverse"]
    mixed = weights @ models["next"] - weights.sum(axis=-1)[..., None] * models["y_mean"]
    return models["y_mean"] + mixed


def multiply_adds(models):
    """Multiply-adds per predicted frame, counted from the shapes of the matrices used."""
    n, pixels = models["now"].shape
    dims = models["encoder"].shape[1]
    pixel = n * pixels + pixels + n * n + n * pixels + pixels  # similarities, mix, mean terms
    step = (dims + 1) * dims
    latent = pixels * dims + step + dims * pixels              # encode, step, decode
    # Imagining further ahead in latent space needs only more steps, not more encodes/decodes.
    return {"pixel": pixel, "latent": latent, "latent_step": step}


def evaluate(models, video, rng, times):
    """Mean squared errors over frames at `times`: next frame (times + 1) predicted by each
    model, by copying the frame, by copying its latent reconstruction; and that reconstruction."""
    now, nxt = render(video, times, rng), render(video, np.asarray(times) + 1, rng)
    pixel, latent = predict_pixel(models, now), predict_latent(models, now)
    recon = decode(models, encode(models, now))
    return {"pixel": np.mean((pixel - nxt) ** 2), "latent": np.mean((latent - nxt) ** 2),
            "copy": np.mean((now - nxt) ** 2), "latent_copy": np.mean((recon - nxt) ** 2),
            "reconstruction": np.mean((recon - now) ** 2)}


# --- Frames ----------------------------------------------------------------------------------

def _image(frame):
    return np.clip(frame, 0, 1).reshape(SIZE, SIZE)


def _now_panel(frame, title):
    return {"title": title, "x": [0, SIZE], "y": [0, SIZE], "aspect": 1.0, "axes": False,
            "items": [{"image": _image(frame)}]}


def _state_panel(models, frame, space):
    """What the chosen model computes with: a few latent numbers or every pixel."""
    if space == "latent":
        code = encode(models, frame)
        top = models["code_scale"]
        return {"title": f"The latent: {len(code)} numbers", "x": [0.5, len(code) + 0.5],
                "y": [-top, top], "aspect": 0.75, "xlabel": "latent component",
                "items": [{"bars": np.column_stack([np.arange(1, len(code) + 1),
                                                    np.clip(code, -top, top)]),
                           "role": "real", "width": 0.8}]}
    return {"title": f"The pixels: {PIXELS} numbers", "x": [0, PIXELS], "y": [0, 1],
            "aspect": 0.75, "xlabel": "pixel (row by row)", "ylabel": "brightness",
            "items": [{"line": np.column_stack([np.arange(PIXELS), frame]), "role": "real",
                       "stroke": 0.5}]}


def _next_panel(predicted, actual):
    """Predicted next frame, the actual one and their difference, side by side."""
    error = np.clip(ERROR_GAIN * np.abs(predicted - actual), 0, 1)
    items = []
    for i, (img, label) in enumerate(((predicted, "predicted"), (actual, "actual"),
                                      (error, f"error ×{ERROR_GAIN}"))):
        items.append({"image": _image(img), "extent": [i, i + 1, 0, 1]})
        items.append({"text": label, "at": [i + 0.5, -0.08], "align": "center"})
    return {"title": "Next frame: predicted, actual, error", "x": [0, 3], "y": [-0.15, 1],
            "aspect": 1.15 / 3, "weight": 2.4, "axes": False, "items": items}


def _cost_panel(costs, errors, space):
    """Multiply-adds per prediction (log scale) and the running next-frame error of both."""
    items = []
    for i, name in enumerate(("pixel", "latent")):
        height = np.log10(costs[name])
        items += [{"bars": np.array([[i, height]]), "width": 0.6,
                   "role": "imagined" if name == space else "samples"},
                  {"text": f"{name}: {_count(costs[name])}", "at": [i, height + 0.3],
                   "align": "center"},
                  {"text": f"error {errors[name]:.4f}", "at": [i, -0.7], "align": "center"}]
    items.append({"text": f"each further latent step: {costs['latent_step']}",
                  "at": [1, np.log10(costs["latent"]) + 0.9], "align": "center", "role": "muted"})
    return {"title": "Cost per predicted frame, and error so far", "x": [-0.6, 1.6],
            "y": [-1.2, 8], "aspect": 0.9, "ylabel": "log10 multiply-adds", "items": items}


def _count(n):
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def simulate(params, seed):
    rng = np.random.default_rng(seed)
    space, dims = params.get("space", "latent"), int(params.get("dims", 16))
    video = make_video(rng)
    legend = [["real", "the current frame, as the model reads it"],
              ["imagined", f"prediction by the {space} model"], ["samples", "the other model"]]
    fitting = fit_steps(video, dims, rng)
    shown = np.full(PIXELS, 0.5)
    while True:
        try:
            stage, done, latest = next(fitting)
        except StopIteration as finished:
            models = finished.value
            break
        shown = shown if latest is None else latest
        yield {"panels": [_now_panel(shown, "The video (training frames)")],
               "legend": legend,
               "summary": f"fitting… {stage}: {done:.0%}"}

    costs = multiply_adds(models)
    totals, count = {"pixel": 0.0, "latent": 0.0}, 0
    t = N_TRAIN + 1
    frame = render(video, [t], rng)[0]
    while True:
        actual = render(video, [t + 1], rng)[0]
        predictions = {"pixel": predict_pixel(models, frame),
                       "latent": predict_latent(models, frame)}
        for name, predicted in predictions.items():
            totals[name] += np.mean((predicted - actual) ** 2)
        count += 1
        errors = {name: total / count for name, total in totals.items()}
        other = "pixel" if space == "latent" else "latent"
        yield {"panels": [_now_panel(frame, "Now"), _state_panel(models, frame, space),
                          _next_panel(predictions[space], actual),
                          _cost_panel(costs, errors, space)],
               "legend": legend,
               "summary": (f"{space} model: next-frame error {errors[space]:.4f} for "
                           f"{_count(costs[space])} multiply-adds; {other} model: "
                           f"{errors[other]:.4f} for {_count(costs[other])} "
                           f"(camera noise alone: {NOISE ** 2:.4f})")}
        frame, t = actual, t + 1
