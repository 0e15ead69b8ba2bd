"""A ball the learner can push flies around a box under gravity, drag, gusts and lossy bounces.

A world model fitted by least squares to the (state, action, next state) transitions seen so far
imagines futures with and without a push, its noise drawn from where it has been wrong before.
"""

import numpy as np

from sims.contract import button, canvas_click, choice, slider

TITLE = "Real vs Imagined Trajectories"
HOW = (
    "The teal ball is the real system: gravity, quadratic air drag, lossy bounces, random gusts "
    "of wind (five times stronger right of x = 6 m, by an open window) and your pushes (30 m/s² "
    "upward for a quarter of a second). The world model never sees these rules, only transitions "
    "(state, action, next state): the state is `[x, y, vx, vy]`, the action is 1 while a push "
    "lasts, else 0. Every frame the shown model is refitted by least squares to the last 20 s of "
    "transitions (the other one every half second, for the scores). The **smooth** model is "
    "affine: the next state is a weighted sum of `[x, y, vx, vy, action, 1]`. A bounce is a jump "
    "it cannot explain, so such transitions are set aside as outliers before the final fit, and "
    "its imagined balls fly through walls and floor. The **contact-aware** model adds, for each "
    "wall, a copy of those six inputs that is switched on only when the ball would cross that "
    "wall in the next step, so it can learn what a bounce does (reverse, lose speed) once it has "
    "seen 3 at that wall. The orange futures roll the chosen model forward (60 steps is one "
    "second): solid ones with no new push, dashed ones with a push starting now. Each step adds "
    "an error drawn at random from the model's own past errors in the same region of the box "
    "(4 × 2 regions; one with fewer than 30 draws from all of them), so where it has been wrong "
    "before, its futures fan out wider; the red shading is the spread of its past errors in each "
    "region. Both models' errors are measured as they happen: each forecasts the real ball half "
    "a second ahead under the actions then taken, is scored when that time comes, and the "
    "summary averages the last 20 forecasts."
)

# The real world (SI units). Drag is quadratic, so the affine model is only approximately right
# even in free flight; the gusts make the real ball stochastic.
GRAVITY = 9.81
DRAG = 0.02            # 1/m: drag acceleration = DRAG * |v| * v
GUST = 1.0             # m/s^2: standard deviation of the random wind acceleration per step
WINDY_X, WINDY = 6.0, 5.0  # right of WINDY_X (an open window) the gusts are WINDY times stronger
RESTITUTION = 0.9      # fraction of normal speed kept at a bounce
FLOOR_FRICTION = 0.95  # fraction of sideways speed kept at a floor bounce
PUSH = 30.0            # m/s^2: the upward acceleration of a push
PUSH_STEPS = 15        # a push lasts a quarter of a second
DT = 1 / 60            # one physics step per displayed frame
BOX_W, BOX_H, RADIUS = 8.0, 5.0, 0.15
BELOW = -1.5           # the panel shows some space under the floor, where only imagined balls go
REST_SPEED = 2.5       # m/s: a floor bounce slower than this (a hop under 0.3 m): thrown again
MAX_FLIGHT = 30.0      # s: thrown again anyway after this long

MIN_TRANSITIONS = 20   # the model is fitted once it has seen this many transitions
MEMORY = 1200          # the model remembers the last 20 s of transitions
CUTOFF = 30.0          # robust standard deviations beyond which a transition is an outlier
MIN_CONTACTS = 3       # a wall's contact features are used once it was hit this often
CELLS = (4, 2)         # the box in regions (columns, rows), each with its own past errors
MIN_CELL = 30          # a region's own errors are drawn once it holds this many
N_FUTURES = 6          # per fan: with a push now, and without
SCORE_STEPS = 30       # the models' errors are measured half a second ahead
SCORE_MEMORY = 20      # ... averaged over the last 20 forecasts (10 s)
TRAIL = 60             # frames of the real ball's trail
MODELS = {"smooth": "smooth", "contact": "contact-aware"}

PICTURE_FRAME = 300  # the page's picture: the model has seen 300 transitions and has fitted gravity
CONTROLS = [
    canvas_click("launch", "Throw the ball from", [1.5, 1.5], live=True),
    button("push", "Push up", live=True),
    button("relaunch", "New throw", live=True),
    choice("model", "World model", [("smooth", "smooth (affine)"), ("contact", "contact-aware")],
           "smooth", live=True),
    slider("horizon", "Steps ahead to imagine", 10, 120, 60, step=5, unit="steps", live=True),
]


# --- The real system -------------------------------------------------------------------------

def launch_state(point, rng):
    """A new throw from `point` (clamped inside the box) with a random velocity."""
    x = float(np.clip(point[0], RADIUS, BOX_W - RADIUS))
    y = float(np.clip(point[1], RADIUS, BOX_H - RADIUS))
    return np.array([x, y, rng.choice([-1.0, 1.0]) * rng.uniform(3.0, 8.0), rng.uniform(2.0, 8.0)])


def true_step(state, action, rng):
    """One step of the real dynamics under `action` (1 while pushing, else 0).

    Returns the new state, whether any wall, floor or ceiling was hit, and the speed the ball
    leaves the floor with (0 when it did not touch the floor), used to tell when it has settled.
    """
    x, y, vx, vy = state
    speed = np.hypot(vx, vy)
    gust = GUST * (WINDY if x > WINDY_X else 1.0) * rng.standard_normal(2)
    # Semi-implicit Euler: update the velocity, then move with the new velocity.
    vx = vx + DT * (-DRAG * speed * vx + gust[0])
    vy = vy + DT * (-GRAVITY + PUSH * action - DRAG * speed * vy + gust[1])
    x, y = x + DT * vx, y + DT * vy
    hit, floor_speed = False, 0.0
    if y < RADIUS:  # reflect the overshoot and lose energy
        y, vy, vx = 2 * RADIUS - y, abs(vy) * RESTITUTION, vx * FLOOR_FRICTION
        hit, floor_speed = True, vy
    elif y > BOX_H - RADIUS:
        y, vy, hit = 2 * (BOX_H - RADIUS) - y, -abs(vy) * RESTITUTION, True
    if x < RADIUS:
        x, vx, hit = 2 * RADIUS - x, abs(vx) * RESTITUTION, True
    elif x > BOX_W - RADIUS:
        x, vx, hit = 2 * (BOX_W - RADIUS) - x, -abs(vx) * RESTITUTION, True
    return np.array([x, y, vx, vy]), hit, floor_speed


class RealBall:
    """The real ball, thrown again from its point whenever it comes to rest."""

    def __init__(self, point, rng):
        self.point, self.rng = point, rng
        self.throw()

    def throw(self):
        self.state, self.flight_time = launch_state(self.point, self.rng), 0.0

    def step(self, action=0):
        """Advance one step; returns the observed transition (before, after, hit) and whether
        the ball was then thrown again (that jump is not a transition of the dynamics)."""
        before = self.state
        after, hit, floor_speed = true_step(before, action, self.rng)
        self.state, self.flight_time = after, self.flight_time + DT
        rethrown = 0 < floor_speed < REST_SPEED or self.flight_time > MAX_FLIGHT
        if rethrown:
            self.throw()
        return before, after, hit, rethrown


def observe(steps, seed, point=(1.5, 1.5), pushes_per_s=0.5):
    """Transitions of the real ball pushed at random moments, without frames.

    Returns (states, actions, next_states, hit) arrays.
    """
    rng = np.random.default_rng(seed)
    ball, pusher = RealBall(point, rng), np.random.default_rng([seed, 1])
    starts = pusher.random(steps) < pushes_per_s * DT
    actions = np.convolve(starts, np.ones(PUSH_STEPS))[:steps] > 0
    before, after, hit, _ = zip(*(ball.step(float(a)) for a in actions))
    return np.array(before), actions.astype(float), np.array(after), np.array(hit)


def true_future(state, steps, rng, actions=None):
    """The real ball's path (steps + 1, 4) from `state`, never thrown again (for measuring)."""
    actions = np.zeros(steps) if actions is None else actions
    path = [np.asarray(state, float)]
    for t in range(steps):
        path.append(true_step(path[-1], actions[t], rng)[0])
    return np.array(path)


# --- The world models: least squares on (state, action) features ------------------------------

N_SMOOTH, N_ALL = 6, 30  # [x, y, vx, vy, action, 1], then again once for each of 4 walls
RIDGE = np.r_[np.full(N_SMOOTH, 1e-6), np.full(N_ALL - N_SMOOTH, 1e-4)]  # keeps rare walls tame
X_EDGES = np.arange(1, CELLS[0]) * BOX_W / CELLS[0]
Y_EDGES = np.arange(1, CELLS[1]) * BOX_H / CELLS[1]
LIMIT = 1e3            # imagined states are kept within this, so a wild early model stays finite


FAR_WALLS = np.array([BOX_W, BOX_H]) - RADIUS


def contacts(states):
    """(n, 4) whether the ball would cross the left wall, floor, right wall, ceiling next step."""
    ahead = states[:, :2] + DT * states[:, 2:]
    return np.concatenate([ahead < RADIUS, ahead > FAR_WALLS], axis=1)


def features(states, actions, contact=False):
    """[x, y, vx, vy, action, 1], then with contact each wall's switch (`contacts`) times those."""
    states = np.atleast_2d(states)
    n = len(states)
    smooth = np.column_stack([states, np.broadcast_to(actions, n), np.ones(n)])
    if not contact:
        return smooth
    return np.column_stack([smooth, (contacts(states)[:, :, None] * smooth[:, None]).reshape(n, N_ALL - N_SMOOTH)])


def predict(model, states, actions):
    """features(states, actions) @ W, without building the features: this is the hot loop.

    One product gives the smooth prediction and, for the contact model, what each wall's
    contact would add to it; the walls the ball is about to cross then add theirs.
    """
    states = np.atleast_2d(states)
    maps, pushes, offsets = model["maps"]
    both = states @ maps + np.multiply.outer(actions, pushes) + offsets
    if model["kind"] == "smooth":
        return both
    touching = (both[:, -4:] < 0).astype(float)[:, None, :]  # the gaps left to each wall
    return both[:, :4] + (touching @ both[:, 4:-4].reshape(-1, 4, 4))[:, 0]


def _maps(W):
    """W rearranged for `predict`, as linear maps of the state and the action plus offsets.

    They give the smooth next state and, for the contact model, each wall's contact term, then
    the gap the ball would leave to each wall next step (negative: `contacts`).
    """
    terms = W.reshape(-1, N_SMOOTH, 4).transpose(1, 0, 2).reshape(N_SMOOTH, -1)
    maps, pushes, offsets = terms[:4], terms[4], terms[5]
    if len(W) == N_SMOOTH:
        return maps, pushes, offsets
    ahead = np.vstack([np.eye(2), DT * np.eye(2)])  # state -> position next step, in free flight
    gaps = np.column_stack([ahead, -ahead])  # left, floor, right, ceiling (as in `contacts`)
    return (np.column_stack([maps, gaps]), np.r_[pushes, np.zeros(4)],
            np.r_[offsets, -RADIUS, -RADIUS, FAR_WALLS])


def cell_of(states):
    """The region of the box (0 .. 7) each state is in; imagined balls outside use the nearest."""
    states = np.atleast_2d(states)
    return Y_EDGES.searchsorted(states[:, 1]) * CELLS[0] + X_EDGES.searchsorted(states[:, 0])


def fit_model(states, actions, next_states, kind="smooth", keep=None, rounds=3):
    """Least-squares fit of next_state = features(state, action) @ W, setting aside outliers.

    A bounce is a jump the smooth model cannot explain; left in, a few bounces drag its fitted
    gravity far off. So after each fit, transitions whose residual exceeds CUTOFF robust standard
    deviations (from the median absolute residual) are dropped and the fit repeated, starting
    from `keep` when given (the last frame's inliers). A wall's contact features stay off until
    that wall was hit MIN_CONTACTS times. Returns the model: W, its inlier residuals, the region
    each came from, and the inlier mask.
    """
    contact = kind == "contact"
    # One matrix [smooth features | next state]: a single product gives the normal equations.
    data = np.column_stack([features(states, actions), next_states])
    rows, n_w = np.zeros(0, int), N_SMOOTH
    if contact:  # only transitions next to a wall have contact features: fit those rows in full
        touching = contacts(states)
        rows, n_w = np.flatnonzero(touching.any(axis=1)), N_ALL
        near = np.column_stack([features(states[rows], actions[rows], contact=True),
                                next_states[rows]])
        near[:, N_SMOOTH:N_ALL] *= np.repeat(touching.sum(axis=0) >= MIN_CONTACTS, N_SMOOTH)

    idx = np.r_[0:N_SMOOTH, n_w:n_w + 4]  # where data's columns sit among near's

    def solve(keep):
        far = keep.copy()
        far[rows] = False
        d = data[far]
        G = np.zeros((n_w + 4, n_w + 4))
        G[np.ix_(idx, idx)] = d.T @ d
        if contact:
            k = near[keep[rows]]
            G += k.T @ k
        return np.linalg.solve(G[:n_w, :n_w] + np.diag(RIDGE[:n_w]), G[:n_w, n_w:])

    def residuals(W):
        r = next_states - data[:, :N_SMOOTH] @ W[:N_SMOOTH]
        if contact:
            r[rows] -= near[:, N_SMOOTH:N_ALL] @ W[N_SMOOTH:]
        return r

    keep = np.ones(len(states), bool) if keep is None else keep
    W = solve(keep)
    for _ in range(rounds):
        r = residuals(W)
        v = np.abs(r[:, 2:])  # velocities: a position error follows from one
        sigma = 1.4826 * np.median(v[keep], axis=0) + 1e-12
        new_keep = np.all(v <= CUTOFF * sigma, axis=1)
        if new_keep.sum() < MIN_TRANSITIONS or np.array_equal(new_keep, keep):
            break
        keep = new_keep
        W = solve(keep)
    cells = cell_of(states[keep])
    counts = np.bincount(cells, minlength=CELLS[0] * CELLS[1])
    return {"kind": kind, "W": W, "maps": _maps(W), "residuals": residuals(W)[keep], "inliers": keep,
            "cells": cells, "order": np.argsort(cells, kind="stable"), "counts": counts,
            "starts": np.cumsum(counts) - counts, "pushes": int(np.sum(actions > 0))}


def region_spread(model):
    """RMS of the model's past velocity errors (m/s per step) in each region; NaN if too few."""
    counts = model["counts"]
    squares = np.bincount(model["cells"], np.sum(model["residuals"][:, 2:] ** 2, axis=1),
                          minlength=len(counts))
    return np.where(counts >= MIN_CELL, np.sqrt(squares / np.maximum(counts, 1)), np.nan)


def error_table(model, u):
    """For uniform numbers u (...), the past error each region would draw: (..., 8) indices.

    A region with MIN_CELL errors draws from its own; one with fewer, from all of them.
    """
    counts, total = model["counts"], len(model["residuals"])
    own = model["order"][np.minimum(model["starts"] + (u[..., None] * counts).astype(int), total - 1)]
    anywhere = (u[..., None] * total).astype(int)
    return np.where(counts >= MIN_CELL, own, anywhere)


def imagine(model, state, plans, n, rng):
    """n imagined futures per action plan: (len(plans), n, steps + 1, 4).

    Each step adds a past error of the model drawn from the region the imagined ball is in.
    Every plan gets the same random draws, so the fans differ only by what the actions do.
    """
    plans = np.atleast_2d(plans)
    k, steps = plans.shape
    # errors[t, i, c]: the error future i draws at step t if it is then in region c
    errors = model["residuals"][np.tile(error_table(model, rng.random((steps, n))), (1, k, 1))]
    actions, futures = np.repeat(plans, n, axis=0).T, np.arange(k * n)
    paths = np.empty((steps + 1, k * n, 4))  # time first: each step reads one contiguous block
    paths[0] = state
    for t in range(steps):
        s = paths[t]
        paths[t + 1] = predict(model, s, actions[t]) + errors[t, futures, cell_of(s)]
        np.minimum(np.maximum(paths[t + 1], -LIMIT, out=paths[t + 1]), LIMIT, out=paths[t + 1])
    return paths.transpose(1, 0, 2).reshape(k, n, steps + 1, 4)


def push_plans(pushing, steps):
    """Two action plans: go on as now (the rest of a push under way), and push now."""
    t = np.arange(steps)
    return np.stack([t < pushing, t < PUSH_STEPS]).astype(float)


def model_gravity(model):
    """The downward acceleration the model predicts for a ball at rest in the middle of the box."""
    at_rest = np.array([BOX_W / 2, BOX_H / 2, 0.0, 0.0])
    return -predict(model, at_rest, 0.0)[0, 3] / DT


def model_push(model):
    """The upward acceleration the model predicts a push adds."""
    at_rest = np.array([BOX_W / 2, BOX_H / 2, 0.0, 0.0])
    return (predict(model, at_rest, 1.0) - predict(model, at_rest, 0.0))[0, 3] / DT


def spread(paths):
    """RMS distance (m) of the futures' final positions from their mean."""
    ends = paths[:, -1, :2]
    return float(np.sqrt(np.mean(np.sum((ends - ends.mean(axis=0)) ** 2, axis=1))))


def leaves_box(path):
    """Whether an imagined path goes through a wall, the floor or the ceiling."""
    x, y = path[:, 0], path[:, 1]
    return bool(np.any((x < 0) | (x > BOX_W) | (y < 0) | (y > BOX_H)))


class Scores:
    """Each model's error half a second ahead, measured as it happens.

    Each model forecasts the real state SCORE_STEPS steps ahead (without noise), one step at a
    time under the actions actually taken, and is scored against where the real ball then is;
    then the next forecast starts. A throw cancels the forecast under way.
    """

    def __init__(self):
        self.errors = {kind: [] for kind in MODELS}
        self.cancel()

    def cancel(self):
        self.forecast = None

    def step(self, models, before, action, after):
        if self.forecast is None and models:  # a new forecast by each model, as fitted now
            self.forecast = {"models": dict(models), "age": 0} | {kind: before for kind in MODELS}
        if self.forecast is None:
            return
        f = self.forecast
        for kind in MODELS:
            f[kind] = predict(f["models"][kind], f[kind], action)[0]
        f["age"] += 1
        if f["age"] == SCORE_STEPS:
            for kind in MODELS:  # capped at the box's size: one wild early model must not swamp it
                error = min(float(np.hypot(*(f[kind][:2] - after[:2]))), BOX_W)
                self.errors[kind] = self.errors[kind][-SCORE_MEMORY + 1:] + [error]
            self.cancel()

    def mean(self, kind):
        return float(np.mean(self.errors[kind])) if self.errors[kind] else None


# --- Frames ----------------------------------------------------------------------------------

def _inside_panel(paths):
    """Each path up to where it first leaves the drawn area (it may go under the floor)."""
    x, y = paths[..., 0], paths[..., 1]
    out = (x < 0) | (x > BOX_W) | (y < BELOW) | (y > BOX_H)
    ends = np.where(out.any(axis=-1), out.argmax(axis=-1), paths.shape[-2])
    return [path[:max(end, 1), :2] for path, end in zip(paths, ends)]


def _box_panel(trail, ball, pushing, fans, model, point):
    items = [
        {"rect": np.array([[0, BELOW, BOX_W, 0]]), "role": "muted", "fill": True, "alpha": 0.25},
        {"text": "only imagined balls get here", "at": [BOX_W / 2, BELOW / 2],
         "role": "muted", "align": "center"},
    ]
    if model is not None:  # the spread of the model's past errors, region by region
        spreads = region_spread(model)
        top = np.nanmax(spreads) if np.isfinite(spreads).any() else 1.0
        w, h = BOX_W / CELLS[0], BOX_H / CELLS[1]
        for cell in np.flatnonzero(np.isfinite(spreads)):
            x0, y0 = (cell % CELLS[0]) * w, (cell // CELLS[0]) * h
            items.append({"rect": np.array([[x0, y0, x0 + w, y0 + h]]), "role": "uncertainty",
                          "fill": True, "alpha": 0.2 * spreads[cell] / top})
    items.append({"rect": np.array([[0, 0, BOX_W, BOX_H]]), "role": "muted", "stroke": 2})
    for fan, dash in zip(fans[::-1], (True, False)):  # push now (dashed) under the plain ones
        for line in _inside_panel(fan):
            items.append({"line": line, "role": "imagined", "stroke": 1.5, "alpha": 0.8,
                          "dash": dash})
    items += [
        {"points": np.array([point]), "role": "samples", "size": 3},
        {"line": trail, "role": "real", "stroke": 2},
    ]
    if pushing:
        items.append({"arrow": np.array([[ball[0], ball[1] - 0.9, ball[0], ball[1] - RADIUS]]),
                      "role": "real", "stroke": 2})
    items.append({"circle": np.array([[ball[0], ball[1], RADIUS]]), "role": "real", "fill": True})
    return {"title": "The box (click to throw)", "x": [0, BOX_W], "y": [BELOW, BOX_H],
            "aspect": (BOX_H - BELOW) / BOX_W, "weight": 2, "xlabel": "x (m)",
            "ylabel": "height (m)", "click": True, "items": items}


def _gravity_panel(times, estimates):
    t_hi = max(times[-1] if len(times) else 0.0, 5.0)
    t_lo = t_hi - 30.0 if t_hi > 30.0 else 0.0
    items = [{"line": np.array([[t_lo, GRAVITY], [t_hi, GRAVITY]]), "role": "real", "dash": True}]
    if len(times) > 1:
        estimates = np.clip(estimates, 5.0, 15.0)
        items.append({"line": np.column_stack([times, estimates]), "role": "imagined", "stroke": 2})
    return {"title": "Gravity in the fitted model", "x": [t_lo, t_hi], "y": [5.0, 15.0],
            "aspect": 1.0, "weight": 1, "xlabel": "time observed (s)", "ylabel": "m/s²",
            "items": items}


def _summary(model, n_seen, fans, horizon, scores):
    if model is None:
        return (f"observing the ball: {n_seen} transitions seen, the model is fitted after "
                f"{MIN_TRANSITIONS}")
    push = (f"push {model_push(model):.1f} (true {PUSH:.0f})" if model["pushes"]
            else f"no push in the last {MEMORY * DT:.0f} s")
    plain = fans[0]
    crossing = sum(leaves_box(p) for p in plain)
    errors = [scores.mean(kind) for kind in MODELS]
    error = ("error 0.5 s ahead: " + ", ".join(f"{MODELS[k]} {e:.2f} m"
                                                for k, e in zip(MODELS, errors))
             if errors[0] is not None else "errors 0.5 s ahead: not scored yet")
    return (f"{MODELS[model['kind']]} model, {n_seen} transitions seen: gravity "
            f"{model_gravity(model):.2f} m/s² (true {GRAVITY}), {push}; {horizon} steps ahead: "
            f"spread {spread(plain):.2f} m, {crossing} of {len(plain)} futures leave the box; "
            f"{error}")


def _metrics(model, n_seen, fans, scores):
    """The summary's numbers: transitions seen, the learned gravity, the share of the futures
    (no push) that leave the box, and each model's error 0.5 s ahead once scored."""
    metrics = {"seen": n_seen}
    if model is not None:
        metrics["gravity"] = float(model_gravity(model))
        metrics["leaving"] = sum(leaves_box(p) for p in fans[0]) / max(len(fans[0]), 1)
        for kind in MODELS:
            error = scores.mean(kind)
            if error is not None:
                metrics[f"{kind}_error"] = float(error)
    return metrics


def simulate(params, seed):
    world_rng, model_rng = np.random.default_rng(seed).spawn(2)
    params = dict(params)
    point = [float(v) for v in params["launch"]]
    ball = RealBall(point, world_rng)
    # The model's memory: a ring buffer of the last MEMORY transitions, and which of them each
    # model counted as inliers last frame (its next fit starts from there).
    before, acts, after = np.zeros((MEMORY, 4)), np.zeros(MEMORY), np.zeros((MEMORY, 4))
    inliers = {kind: np.ones(MEMORY, bool) for kind in MODELS}
    trail = [ball.state[:2]]
    times, estimates = [], []
    scores = Scores()
    pushing = 0  # steps left of the push under way
    legend = [["real", "real ball, its recent path, and your push"],
              ["imagined", f"{N_FUTURES} futures imagined by the model: if you push now "
                           "(dashed), or not"],
              ["uncertainty", "where the model's past errors were large"],
              ["samples", "where the ball is thrown from (click to move)"],
              ["muted", "walls and floor"]]
    n_seen, models = 0, {}
    while True:
        n_fit = min(n_seen, MEMORY)
        model, fans = None, np.zeros((2, 0, 1, 4))
        if n_fit >= MIN_TRANSITIONS:
            # The shown model is refitted every frame; both when a new forecast is to be scored.
            for kind in MODELS if scores.forecast is None else [params["model"]]:
                models[kind] = fit_model(before[:n_fit], acts[:n_fit], after[:n_fit], kind,
                                         inliers[kind][:n_fit], rounds=1)
                inliers[kind][:n_fit] = models[kind]["inliers"]
            model = models[params["model"]]
            fans = imagine(model, ball.state, push_plans(pushing, int(params["horizon"])),
                           N_FUTURES, model_rng)
            times.append(n_seen * DT)
            estimates.append(model_gravity(model))
            del times[:-MEMORY], estimates[:-MEMORY]
        sent = yield {
            "panels": [_box_panel(np.array(trail), ball.state, pushing, fans, model, point),
                       _gravity_panel(np.array(times), np.array(estimates))],
            "legend": legend,
            "summary": _summary(model, n_seen, fans, int(params["horizon"]), scores),
            "metrics": _metrics(model, n_seen, fans, scores),
        }
        if sent is not None:  # a live control changed: act on it, keeping all that was learned
            if sent["push"] > params["push"]:
                pushing = PUSH_STEPS
            thrown = sent["launch"] != params["launch"] or sent["relaunch"] > params["relaunch"]
            params = dict(sent)
            if thrown:  # shown where it starts; the jump is no transition to learn from
                ball.point = point = [float(v) for v in params["launch"]]
                ball.throw()
                scores.cancel()
                trail = [ball.state[:2]]
                continue
        action = float(pushing > 0)
        s0, s1, _, rethrown = ball.step(action)
        scores.step(models, s0, action, s1)
        slot = n_seen % MEMORY
        before[slot], acts[slot], after[slot] = s0, action, s1
        for kind in MODELS:
            inliers[kind][slot] = True
        n_seen += 1
        pushing = max(pushing - 1, 0)
        if rethrown:
            scores.cancel()
            trail = []
        trail = trail[-TRAIL:] + [ball.state[:2]]
