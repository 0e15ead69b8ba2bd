"""The 2-D point mass shared by the planning, dreamer and agent sims.

True dynamics, goal and obstacle, reward, least-squares models of (s, a) -> s', and the sampling
planners (random shooting, CEM), all vectorized over samples. Not a sim itself.
"""

import math

import numpy as np

# --- The true world ----------------------------------------------------------------------------
# State s = [x, y, vx, vy] (m, m/s); action a = 2-D thrust in [-1, 1]^2.
DT = 0.1                        # s per step
MAX_ACCEL = 2.0                 # m/s^2 when an action component is +-1
DAMPING = 0.4                   # linear drag, 1/s
DRAG = 0.3                      # quadratic drag, 1/m: the part an affine model cannot represent
NOISE = 0.02                    # std of the velocity disturbance per step, m/s
LO = np.array([-2.0, -1.5])     # arena corners, m; the walls stop the mass
HI = np.array([2.0, 1.5])
START = np.array([-1.3, -0.8, 0.0, 0.0])
GOAL = np.array([1.3, 0.8])
GOAL_RADIUS = 0.15              # only for drawing and "reached" checks
OBSTACLE = np.array([0.0, 0.0, 0.55])   # centre x, y and radius, m
OBSTACLE_COST = 2.0             # reward lost per step spent inside the obstacle
REWARD_SLOPE = 0.25             # the reward is 1 at the goal and falls by this much per metre


def step(s, a, rng=None):
    """The true system: next states for states s (..., 4) and actions a (..., 2)."""
    a = np.clip(a, -1.0, 1.0)
    p, v = s[..., :2], s[..., 2:]
    speed = np.sqrt((v * v).sum(-1, keepdims=True))
    v = v + DT * (MAX_ACCEL * a - DAMPING * v - DRAG * speed * v)
    if rng is not None:
        v = v + NOISE * rng.standard_normal(v.shape)
    p = p + DT * v
    hit = (p < LO) | (p > HI)           # a wall absorbs the velocity component into it
    return np.concatenate([np.clip(p, LO, HI), np.where(hit, 0.0, v)], axis=-1)


def goal_distance(s):
    """Distance (m) from the positions in s (..., >=2) to the goal."""
    d = s[..., :2] - GOAL
    return np.sqrt((d * d).sum(-1))


def in_obstacle(s, margin=0.0):
    d = s[..., :2] - OBSTACLE[:2]
    return (d * d).sum(-1) < (OBSTACLE[2] + margin) ** 2


def reward(s, obstacle=True, margin=0.0):
    """Reward for arriving in state s: 1 at the goal, 0.25 less per metre away, minus the
    obstacle cost inside the obstacle (when there is one; `margin` inflates it)."""
    r = 1.0 - REWARD_SLOPE * goal_distance(s)
    if obstacle:
        r = r - OBSTACLE_COST * in_obstacle(s, margin)
    return r


def start_states(rng, n, jitter):
    """n states at rest near the start: positions jittered by up to `jitter` m."""
    s = np.tile(START, (n, 1))
    s[:, :2] += rng.uniform(-jitter, jitter, (n, 2))
    return s


def random_states(rng, n, margin=0.0, max_speed=1.5):
    """States spread uniformly over the arena (kept `margin` m from the walls)."""
    p = rng.uniform(LO + margin, HI - margin, (n, 2))
    v = rng.uniform(-max_speed, max_speed, (n, 2))
    return np.concatenate([p, v], axis=1)


def random_transitions(rng, n, margin=0.3):
    """n transitions (S, A, S') of the true system from random states and random actions,
    away from the walls (a wall hit is an outlier no smooth model can fit)."""
    S = random_states(rng, n, margin)
    A = rng.uniform(-1.0, 1.0, (n, 2))
    return S, A, step(S, A, rng)


# --- Models fitted by least squares --------------------------------------------------------------
def model_features(s, a, kind="affine"):
    """phi(s, a): [s, a, 1] ("affine"), plus the drag feature |v| v ("drag")."""
    parts = [s, np.clip(a, -1.0, 1.0)]
    if kind == "drag":
        v = s[..., 2:]
        parts.append(np.hypot(v[..., :1], v[..., 1:]) * v)
    parts.append(np.ones(s.shape[:-1] + (1,)))
    return np.concatenate(parts, axis=-1)


MODEL_MAX_SPEED = 4.0           # m/s, twice the true top speed: a bound for learned models
MODEL_LO = np.array([LO[0], LO[1], -MODEL_MAX_SPEED, -MODEL_MAX_SPEED])
MODEL_HI = np.array([HI[0], HI[1], MODEL_MAX_SPEED, MODEL_MAX_SPEED])


class LinearModel:
    """A learned model s' = s + phi(s, a) @ W. With `walls`, predictions are kept inside the
    (known) arena and under MODEL_MAX_SPEED, so a poor early fit cannot blow up over a long
    rollout; without, the model is exactly linear in its features."""

    def __init__(self, W, kind="affine", walls=True):
        self.W, self.kind, self.walls = W, kind, walls
        self.M = np.eye(4) + W[:4]          # s @ M = s + s @ W[:4]

    def predict(self, s, a):
        return self._advance(s, np.clip(a, -1.0, 1.0) @ self.W[4:6] + self.W[-1])

    def rollout(self, s0, actions):
        """Roll sequences (n, H, 2) from s0 (4,) or (n, 4): states (n, H+1, 4)."""
        n, horizon = actions.shape[:2]
        drive = np.clip(actions, -1.0, 1.0) @ self.W[4:6] + self.W[-1]   # all steps at once
        states = np.empty((n, horizon + 1, 4))
        states[:, 0] = s0
        for t in range(horizon):
            states[:, t + 1] = self._advance(states[:, t], drive[:, t])
        return states

    def _advance(self, s, drive):
        # s + phi(s, a) @ W, written out term by term: planners call this H times per plan.
        s2 = s @ self.M
        s2 += drive
        if self.kind == "drag":
            v = s[..., 2:]
            s2 += (np.hypot(v[..., :1], v[..., 1:]) * v) @ self.W[6:8]
        if self.walls:
            np.minimum(np.maximum(s2, MODEL_LO, out=s2), MODEL_HI, out=s2)
        return s2

    def error(self, S, A, S2):
        """RMS one-step prediction error over all state components."""
        return float(np.sqrt(np.mean((self.predict(S, A) - S2) ** 2)))


def unfitted_model(kind="affine"):
    """A model before any data: it predicts that nothing moves."""
    return LinearModel(np.zeros((model_features(np.zeros(4), np.zeros(2), kind).size, 4)), kind)


def ridge_fit(X, Y, ridge=0.1):
    """Least squares X @ W ~ Y with a small ridge penalty (stable with few samples)."""
    return np.linalg.solve(X.T @ X + ridge * np.eye(X.shape[1]), X.T @ Y)


def fit_model(S, A, S2, kind="affine", ridge=0.1, walls=True):
    """Fit the state change s' - s by least squares on the features phi(s, a). The ridge term
    pulls poorly determined weights (say, drag before any fast motion was seen) towards 0."""
    return LinearModel(ridge_fit(model_features(S, A, kind), S2 - S, ridge), kind, walls)


RBF_X = np.linspace(LO[0], HI[0], 6)     # a 6 x 5 grid of bump centres over the arena
RBF_Y = np.linspace(LO[1], HI[1], 5)
RBF_WIDTH = 0.7


def rbf_features(s):
    """Gaussian bumps on a grid over the arena at the positions of s (..., >=2), plus a constant:
    smooth functions of position. The bumps factor as exp(-dx^2) exp(-dy^2): 11 exps, not 30."""
    ex = np.exp(-((s[..., 0, None] - RBF_X) ** 2) / (2 * RBF_WIDTH ** 2))
    ey = np.exp(-((s[..., 1, None] - RBF_Y) ** 2) / (2 * RBF_WIDTH ** 2))
    bumps = (ey[..., :, None] * ex[..., None, :]).reshape(s.shape[:-1] + (RBF_X.size * RBF_Y.size,))
    return np.concatenate([bumps, np.ones(s.shape[:-1] + (1,))], axis=-1)


# --- Planning in a model ------------------------------------------------------------------------
INIT_STD = 0.8          # spread of the first sampling distribution (actions are then clipped)
SMOOTH = 0.7            # time correlation of the sampled forces: smoother, more useful paths
CEM_ROUNDS = 4          # CEM splits its sample budget over this many rounds
ELITE_FRAC = 0.2        # CEM refits its Gaussian to the best 20% of each round
MIN_STD = 0.2           # CEM never collapses its spread below this
SAFETY_MARGIN = 0.08    # m added to the obstacle radius when scoring plans


def smooth_noise(rng, n, horizon):
    """Standard normal noise (n, horizon, 2), correlated in time by an AR(1) filter
    e_t = SMOOTH e_t-1 + sqrt(1 - SMOOTH^2) w_t, applied as one matrix over time."""
    t = np.arange(horizon)
    lag = t[:, None] - t[None, :]
    gain = np.where(t == 0, 1.0, math.sqrt(1.0 - SMOOTH ** 2))
    filt = np.where(lag >= 0, SMOOTH ** np.maximum(lag, 0), 0.0) * gain
    e = filt @ rng.standard_normal((horizon, n * 2))        # one matrix product over time
    return e.reshape(horizon, n, 2).transpose(1, 0, 2)


def score(states):
    """Sum of the rewards a plan predicts along its states (n, H+1, 4). Planners keep a safety
    margin around the obstacle: they optimize hard against the model, which errs by centimetres."""
    return reward(states[:, 1:], margin=SAFETY_MARGIN).sum(-1)


def cem_sizes(budget, method):
    """How a sample budget is split over rounds: one round for random shooting, and CEM never
    lets a round shrink below 8 samples."""
    rounds = 1 if method == "random" else max(1, min(CEM_ROUNDS, budget // 8))
    sizes = np.full(rounds, budget // rounds)
    sizes[rounds - budget % rounds:] += 1
    return [int(n) for n in sizes]


def plan(model, s0, budget, horizon, method, rng, warm=None):
    """Search `budget` action sequences in the model, by random shooting or CEM.

    CEM samples each round from a Gaussian over sequences, refitted to the elites so far (the
    best 20% of the round plus the previous elites: a free carry-over, no extra samples).
    `warm` (H, 2), e.g. the previous plan shifted by one step, centres CEM's first round.
    Returns a dict: best "actions", "states", "score", and "rounds", a list with each round's
    sampled "actions", "states", "scores" and "mean_states" (the model rollout of the mean of the
    distribution that round sampled from).
    """
    sizes = cem_sizes(budget, method)
    noise = smooth_noise(rng, budget, horizon)      # drawn at once: one filter pass
    mean = np.zeros((horizon, 2)) if warm is None or method == "random" else warm
    std = np.full((horizon, 2), INIT_STD)
    rounds, elite, elite_scores, used = [], np.zeros((0, horizon, 2)), np.zeros(0), 0
    for n in sizes:
        actions = np.clip(mean + std * noise[used:used + n], -1.0, 1.0)
        used += n
        # The mean sequence rides along in the same batch, for drawing only (not scored).
        states = model.rollout(s0, np.concatenate([actions, mean[None]]))
        scores = score(states[:n])
        rounds.append({"actions": actions, "states": states[:n], "scores": scores,
                       "mean_states": states[n]})
        pool = np.concatenate([elite, actions])
        pool_scores = np.concatenate([elite_scores, scores])
        keep = np.argsort(pool_scores)[-max(1, math.ceil(ELITE_FRAC * n)):]
        elite, elite_scores = pool[keep], pool_scores[keep]
        mean, std = elite.mean(0), np.maximum(elite.std(0), MIN_STD)
    best_round = max(range(len(rounds)), key=lambda k: rounds[k]["scores"].max())
    r = rounds[best_round]
    i = int(np.argmax(r["scores"]))
    return {"actions": r["actions"][i], "states": r["states"][i],
            "score": float(r["scores"][i]), "rounds": rounds}


def shifted(actions):
    """A plan moved one step on, its last action repeated: the next warm start for CEM."""
    return np.concatenate([actions[1:], actions[-1:]])


def execute(s0, actions, rng=None):
    """Run an action sequence (H, 2) open loop in the true system: states (H+1, 4)."""
    states = [s0]
    for a in actions:
        states.append(step(states[-1], a, rng))
    return np.array(states)


# --- Drawing helpers ----------------------------------------------------------------------------
ARENA_X = [float(LO[0]), float(HI[0])]
ARENA_Y = [float(LO[1]), float(HI[1])]


def arena_items(obstacle=True):
    """The walls, the goal (green) and the obstacle (muted)."""
    items = [{"rect": np.array([[LO[0], LO[1], HI[0], HI[1]]]), "role": "muted", "stroke": 1},
             {"circle": np.array([[GOAL[0], GOAL[1], GOAL_RADIUS]]), "role": "reward",
              "fill": True, "alpha": 0.8}]
    if obstacle:
        items.append({"circle": OBSTACLE[None], "role": "muted", "fill": True, "alpha": 0.6})
    return items


def positions(states):
    """The (..., 2) positions of states, as float32 to keep frames small."""
    return np.asarray(states[..., :2], dtype=np.float32)
