"""A ball bounces in a box under gravity, drag, gusts and lossy bounces (the real system).

A world model fitted by least squares to the transitions seen so far imagines its futures.
"""

import numpy as np

from sims.contract import button, canvas_click, slider

TITLE = "Real vs Imagined Trajectories"
HOW = (
    "The teal ball is the real system: gravity, air drag, random gusts of wind and lossy bounces. "
    "Every frame a world model is refitted by least squares to the last 20 s of observed "
    "transitions: the next state is an affine function of `[x, y, vx, vy, 1]`, and transitions it "
    "cannot explain at all (the bounces) are set aside as outliers before the final fit. "
    "The orange futures roll that model forward (60 steps is one second), each step adding a "
    "residual drawn at random from the model's own fitting errors, so their spread is the model's "
    "own idea of its uncertainty. The limit is honest and visible: a smooth affine model has no "
    "notion of walls, so imagined balls fly through the floor instead of bouncing."
)

# The real world (SI units). Drag is quadratic, so the affine model is only approximately right
# even in free flight; the gusts make the real ball stochastic.
GRAVITY = 9.81
DRAG = 0.02            # 1/m: drag acceleration = DRAG * |v| * v
GUST = 1.5             # m/s^2: standard deviation of the random wind acceleration per step
RESTITUTION = 0.8      # fraction of normal speed kept at a bounce
FLOOR_FRICTION = 0.9   # fraction of sideways speed kept at a floor bounce
DT = 1 / 60            # one physics step per displayed frame
BOX_W, BOX_H, RADIUS = 8.0, 5.0, 0.15
BELOW = -1.5           # the panel shows some space under the floor, where only imagined balls go

MIN_TRANSITIONS = 20   # the model is fitted once it has seen this many transitions
MEMORY = 1200          # the model remembers the last 20 s of transitions
N_FUTURES = 6
TRAIL = 60             # frames of the real ball's trail
REST_SPEED = 1.2       # m/s: a floor bounce slower than this means the ball has come to rest
MAX_FLIGHT = 12.0      # s: relaunch anyway after this long

CONTROLS = [
    canvas_click("launch", "Throw a new ball from", [1.5, 1.5]),
    slider("horizon", "Steps ahead to imagine", 10, 120, 60, step=5, unit="steps"),
    button("relaunch", "New throw", action="reseed"),
]


# --- The real system -------------------------------------------------------------------------

def launch_state(point, rng):
    """A new throw from `point` (clamped inside the box) with a random velocity."""
    x = float(np.clip(point[0], RADIUS, BOX_W - RADIUS))
    y = float(np.clip(point[1], RADIUS, BOX_H - RADIUS))
    return np.array([x, y, rng.uniform(-6.0, 6.0), rng.uniform(1.0, 7.0)])


def true_step(state, rng):
    """One step of the real dynamics.

    Returns the new state, whether any wall, floor or ceiling was hit, and the speed the ball
    leaves the floor with (0 when it did not touch the floor), used to tell when it has settled.
    """
    x, y, vx, vy = state
    speed = np.hypot(vx, vy)
    gust = GUST * rng.standard_normal(2)
    # Semi-implicit Euler: update the velocity, then move with the new velocity.
    vx = vx + DT * (-DRAG * speed * vx + gust[0])
    vy = vy + DT * (-GRAVITY - DRAG * speed * vy + gust[1])
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
    """The real ball, thrown again from the same point whenever it comes to rest."""

    def __init__(self, point, rng):
        self.point, self.rng = point, rng
        self.throw()

    def throw(self):
        self.state, self.flight_time = launch_state(self.point, self.rng), 0.0

    def step(self):
        """Advance one step; returns the observed transition (before, after, hit) and whether
        the ball was then thrown again (that jump is not a transition of the dynamics)."""
        before = self.state
        after, hit, floor_speed = true_step(before, self.rng)
        self.state, self.flight_time = after, self.flight_time + DT
        rethrown = 0 < floor_speed < REST_SPEED or self.flight_time > MAX_FLIGHT
        if rethrown:
            self.throw()
        return before, after, hit, rethrown


def observe(steps, seed, point=(1.5, 1.5)):
    """Transitions of the real ball without frames: (states, next_states, hit) arrays."""
    ball = RealBall(point, np.random.default_rng(seed))
    before, after, hit, _ = zip(*(ball.step() for _ in range(steps)))
    return np.array(before), np.array(after), np.array(hit)


def true_future(state, steps, rng):
    """The real ball's path (steps + 1, 4) from `state`, never thrown again (for measuring)."""
    path = [np.asarray(state, float)]
    for _ in range(steps):
        path.append(true_step(path[-1], rng)[0])
    return np.array(path)


# --- The world model: an affine map fitted by least squares ----------------------------------

def features(states):
    """[x, y, vx, vy, 1]: the model is affine in the state."""
    states = np.atleast_2d(states)
    return np.column_stack([states, np.ones(len(states))])


def fit_model(states, next_states, cutoff=6.0, rounds=3):
    """Least-squares fit of next_state = features(state) @ W, setting aside gross outliers.

    A bounce is a jump no smooth model can explain; left in, a few bounces drag the fitted
    gravity far off. So after each fit, transitions whose residual exceeds `cutoff` robust
    standard deviations (from the median absolute residual) are dropped and the fit repeated.
    Returns W (5, 4), the inlier residuals (the model's own noise) and the inlier mask.
    """
    F = features(states)
    keep = np.ones(len(F), bool)
    for _ in range(rounds):
        W = np.linalg.lstsq(F[keep], next_states[keep], rcond=None)[0]
        residuals = next_states - F @ W
        sigma = 1.4826 * np.median(np.abs(residuals[keep]), axis=0) + 1e-12
        new_keep = np.all(np.abs(residuals) <= cutoff * sigma, axis=1)
        if new_keep.sum() < MIN_TRANSITIONS or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    W = np.linalg.lstsq(F[keep], next_states[keep], rcond=None)[0]
    return {"W": W, "residuals": (next_states - F @ W)[keep], "inliers": keep}


def model_gravity(model):
    """The downward acceleration the model predicts for a ball at rest in the middle of the box."""
    at_rest = np.array([BOX_W / 2, BOX_H / 2, 0.0, 0.0])
    return -(features(at_rest) @ model["W"])[0, 3] / DT


def imagine(model, state, steps, n, rng):
    """n imagined futures (n, steps + 1, 4): roll the fitted model with bootstrapped residuals."""
    W, residuals = model["W"], model["residuals"]
    paths = np.empty((n, steps + 1, 4))
    paths[:, 0] = state
    draws = rng.integers(len(residuals), size=(steps, n))  # whole residual rows keep correlations
    for t in range(steps):
        paths[:, t + 1] = features(paths[:, t]) @ W + residuals[draws[t]]
    return paths


def imagination_error(model, state, true_path, n, rng):
    """Mean distance (m) between imagined and true positions at each step ahead of `state`."""
    paths = imagine(model, state, len(true_path) - 1, n, rng)
    return np.linalg.norm(paths[:, :, :2] - true_path[None, :, :2], axis=2).mean(axis=0)


def leaves_box(path):
    """Whether an imagined path goes through a wall, the floor or the ceiling."""
    x, y = path[:, 0], path[:, 1]
    return bool(np.any((x < 0) | (x > BOX_W) | (y < 0) | (y > BOX_H)))


# --- Frames ----------------------------------------------------------------------------------

def _inside_panel(path):
    """The part of a path before it first leaves the drawn area (it may go under the floor)."""
    x, y = path[:, 0], path[:, 1]
    out = (x < 0) | (x > BOX_W) | (y < BELOW) | (y > BOX_H)
    end = int(np.argmax(out)) if out.any() else len(path)
    return path[:max(end, 1), :2]


def _box_panel(trail, ball, futures, point):
    items = [
        {"rect": np.array([[0, BELOW, BOX_W, 0]]), "role": "muted", "fill": True, "alpha": 0.25},
        {"rect": np.array([[0, 0, BOX_W, BOX_H]]), "role": "muted", "stroke": 2},
        {"text": "under the floor: only imagined balls get here", "at": [BOX_W / 2, BELOW / 2],
         "role": "muted", "align": "center"},
    ]
    for path in futures:
        items.append({"line": _inside_panel(path), "role": "imagined", "stroke": 1.5, "alpha": 0.8})
    items += [
        {"points": np.array([point]), "role": "samples", "size": 3},
        {"line": trail, "role": "real", "stroke": 2},
        {"circle": np.array([[ball[0], ball[1], RADIUS]]), "role": "real", "fill": True},
    ]
    return {"title": "The box (click to throw)", "x": [0, BOX_W], "y": [BELOW, BOX_H],
            "aspect": (BOX_H - BELOW) / BOX_W, "weight": 2, "xlabel": "x (m)",
            "ylabel": "height (m)", "click": True, "items": items}


def _gravity_panel(times, estimates):
    t_hi = max(times[-1] if len(times) else 0.0, 5.0)
    t_lo = t_hi - 20.0 if t_hi > 20.0 else 0.0
    items = [{"line": np.array([[t_lo, GRAVITY], [t_hi, GRAVITY]]), "role": "real", "dash": True}]
    if len(times) > 1:
        estimates = np.clip(estimates, 5.0, 15.0)
        items.append({"line": np.column_stack([times, estimates]), "role": "imagined", "stroke": 2})
    return {"title": "Gravity in the fitted model", "x": [t_lo, t_hi], "y": [5.0, 15.0],
            "aspect": 1.0, "weight": 1, "xlabel": "time observed (s)", "ylabel": "m/s²",
            "items": items}


def _summary(model, n_seen, futures, horizon):
    if model is None:
        return (f"observing the ball: {n_seen} transitions seen, the model is fitted after "
                f"{MIN_TRANSITIONS}")
    g = model_gravity(model)
    set_aside = int((~model["inliers"]).sum())
    crossing = sum(leaves_box(p) for p in futures)
    fate = (f"{crossing} of {len(futures)} imagined futures miss the bounce and leave the box"
            if crossing else f"no bounce within the {horizon} imagined steps")
    return (f"model's gravity {g:.2f} m/s² (true {GRAVITY}) from {n_seen} transitions, "
            f"{set_aside} bounce steps set aside; {fate}")


def simulate(params, seed):
    world_rng, model_rng = np.random.default_rng(seed).spawn(2)
    horizon = int(params.get("horizon", 60))
    point = [float(v) for v in params.get("launch", [1.5, 1.5])]
    ball = RealBall(point, world_rng)
    # The model's memory: a ring buffer of the last MEMORY transitions.
    before, after = np.zeros((MEMORY, 4)), np.zeros((MEMORY, 4))
    trail = [ball.state[:2]]
    times, estimates = [], []
    legend = [["real", "real ball and its recent path"],
              ["imagined", f"{N_FUTURES} futures imagined by the fitted model"],
              ["samples", "where balls are thrown from (click to move)"],
              ["muted", "walls and floor"]]
    frame_no = 0
    while True:
        n_seen = min(frame_no, MEMORY)
        model, futures = None, []
        if n_seen >= MIN_TRANSITIONS:
            model = fit_model(before[:n_seen], after[:n_seen])
            futures = imagine(model, ball.state, horizon, N_FUTURES, model_rng)
            times.append(frame_no * DT)
            estimates.append(model_gravity(model))
            del times[:-MEMORY], estimates[:-MEMORY]
        yield {
            "panels": [_box_panel(np.array(trail), ball.state, futures, point),
                       _gravity_panel(np.array(times), np.array(estimates))],
            "legend": legend,
            "summary": _summary(model, n_seen, futures, horizon),
        }
        s0, s1, _, rethrown = ball.step()
        before[frame_no % MEMORY], after[frame_no % MEMORY] = s0, s1
        frame_no += 1
        trail = [ball.state[:2]] if rethrown else trail[-TRAIL:] + [ball.state[:2]]
