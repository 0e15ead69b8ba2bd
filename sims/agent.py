"""The whole loop on a 2-D point mass: act in the world, collect data, fit a dynamics model and a
reward model by least squares, plan with CEM inside them (model-predictive control), act again.
"""

import math

import numpy as np

from sims import pointmass as pm
from sims.contract import button, playback, slider, toggle

TITLE = "The whole loop"
HOW = (
    "The world is the point mass of the planning chapter, with the goal on the right and a wall "
    "across the straight way to it: the reward is 1 − 0.1·d² for a distance d (m) to the goal, "
    "and 4 less for every step inside the wall. The agent knows none of this. Every 20 real steps "
    "it refits, by least squares on all its data so far, a **dynamics model** s' = s + "
    "W·[s, a, |v|v, 1] and a **reward model** r̂(x, y): a round bowl, fitted to the rewards near "
    "it, plus a grid of 17 × 13 small bumps that learn the wall wherever the agent has felt it "
    "and stay flat where it has not. Every step it plans with CEM inside these two models only "
    "(horizon and sample budget set by the sliders, warm-started from its previous plan), scores "
    "each imagined path by the rewards its reward model predicts, and applies the plan's first "
    "force to the true point mass. Before the first fit both models predict nothing, all plans "
    "look alike and the agent acts at random. With **Refit the dynamics** off, the dynamics "
    "model is fitted once, on the first 20 steps, and kept. The right panel is the error (m) of "
    "the dynamics model's imagined position as many steps ahead as the horizon, on 100 held-out "
    "force sequences from held-out states, against the true system without noise. A short "
    "horizon cannot see past the wall: within it, the best plan is to wait in front of the wall. "
    "A long one sees the way round, but only through a model good enough to be trusted that far."
)
PICTURE_FRAME = 250  # the page's picture: a few episodes in: the model and the planner have improved
CONTROLS = [
    playback(),
    button("reset", "Reset", action="reset"),
    button("reseed", "New agent", action="reseed"),
    slider("horizon", "Planning horizon", 5, 30, 15, unit="steps"),
    slider("samples", "Samples per plan", 10, 300, 100),
    toggle("refit", "Refit the dynamics", True),
]

EPISODES = 10
EPISODE_STEPS = 60          # 6 s per episode
REFIT_EVERY = 20            # real steps between model fits
MODEL_KIND = "drag"
DYNAMICS_RIDGE = 1e-3
START = np.array([-1.5, 0.0, 0.0, 0.0])
START_JITTER = 0.15
GOAL = np.array([1.5, 0.0])
GOAL_RADIUS = 0.15          # for drawing
REACHED = 0.5               # m: an episode that ends this close to the goal reached it
REWARD_CURVE = 0.1          # the reward is 1 - REWARD_CURVE * d^2
WALLS = np.array([[-0.15, -0.6, 0.15, 0.6]])   # x0, y0, x1, y1 (m): across the straight way
WALL_COST = 4.0             # reward lost per step inside the wall
HELD_OUT = 100              # action sequences the imagined-path error is measured on


# --- The true world -----------------------------------------------------------------------------
def in_wall(s):
    x, y = s[..., 0, None], s[..., 1, None]
    x0, y0, x1, y1 = WALLS.T
    return np.any((x > x0) & (x < x1) & (y > y0) & (y < y1), axis=-1)


def reward(s):
    """The true reward for arriving in states s (..., >=2); only the world knows it."""
    d = s[..., :2] - GOAL
    return 1.0 - REWARD_CURVE * (d * d).sum(-1) - WALL_COST * in_wall(s)


def goal_distance(s):
    return float(np.hypot(*(s[:2] - GOAL)))


# --- The reward model ---------------------------------------------------------------------------
BUMP_X = np.linspace(pm.LO[0], pm.HI[0], 17)     # bump centres every 0.25 m
BUMP_Y = np.linspace(pm.LO[1], pm.HI[1], 13)
BUMP_WIDTH = 0.2
BUMP_RIDGE = 0.1
OUTLIER = 1.0           # rewards this far below the bowl are left to the bumps


def _bumps(p):
    """The bumps' factors along x and along y at positions p (..., >=2): one exp for both."""
    d = np.concatenate([p[..., 0, None] - BUMP_X, p[..., 1, None] - BUMP_Y], axis=-1)
    e = np.exp(d * d * (-0.5 / BUMP_WIDTH ** 2))
    return e[..., :BUMP_X.size], e[..., BUMP_X.size:]


def bowl_features(p):
    """1, x, y, x^2 + y^2: a round bowl with a free centre, height and curvature."""
    return np.stack([np.ones(p.shape[:-1]), p[..., 0], p[..., 1], (p * p).sum(-1)], -1)


class RewardModel:
    """r̂(x, y) = bowl + bumps, both least squares. The bowl is fitted to the rewards that lie
    near it (a second pass drops those far below: a penalty is no part of the bowl); the bumps,
    on a 0.25 m grid, fit what the bowl leaves over, with a ridge that keeps them at 0 where the
    agent has never been, so there the bowl extrapolates."""

    def __init__(self):
        n = BUMP_X.size * BUMP_Y.size
        self.P, self.R = [], []
        # Normal equations of the bumps, summed as data arrives: B'B, B'[bowl features], B'r.
        self.BB, self.BF, self.Br = np.zeros((n, n)), np.zeros((n, 4)), np.zeros(n)
        self.bowl, self.bumps = np.zeros(4), np.zeros((BUMP_Y.size, BUMP_X.size))

    def add(self, s, r):
        p = s[:2]
        ex, ey = _bumps(p)
        b = np.outer(ey, ex).ravel()
        self.BB += np.outer(b, b)
        self.BF += np.outer(b, bowl_features(p))
        self.Br += r * b
        self.P.append(p)
        self.R.append(r)

    def fit(self):
        F, R = bowl_features(np.array(self.P)), np.array(self.R)
        keep = np.ones(R.size, bool)
        for _ in range(2):
            self.bowl = pm.ridge_fit(F[keep], R[keep], 1e-6)
            keep = R > F @ self.bowl - OUTLIER
        rhs = self.Br - self.BF @ self.bowl          # B' (r - bowl)
        w = np.linalg.solve(self.BB + BUMP_RIDGE * np.eye(rhs.size), rhs)
        self.bumps = w.reshape(BUMP_Y.size, BUMP_X.size)

    def __call__(self, s):
        # The bump grid stays factored, (ey @ W) . ex: never the full 221 features per state.
        x, y = s[..., 0], s[..., 1]
        ex, ey = _bumps(s)
        w = self.bowl
        return w[0] + w[1] * x + w[2] * y + w[3] * (x * x + y * y) + ((ey @ self.bumps) * ex).sum(-1)


# --- Planning in the learned models -------------------------------------------------------------
def plan(dynamics, rewards, s0, budget, horizon, rng, warm=None):
    """CEM over force sequences, scored by the reward model on the dynamics model's rollouts
    (pm.plan's search, with the agent's own reward model instead of the true reward).
    Returns the best "actions", "states", "score" and the last round's sampled "samples"."""
    noise = pm.smooth_noise(rng, budget, horizon)
    mean = np.zeros((horizon, 2)) if warm is None else warm
    std = np.full((horizon, 2), pm.INIT_STD)
    elite, elite_scores, used, best = np.zeros((0, horizon, 2)), np.zeros(0), 0, None
    for n in pm.cem_sizes(budget, "cem"):
        actions = np.clip(mean + std * noise[used:used + n], -1.0, 1.0)
        used += n
        states = dynamics.rollout(s0, actions)
        scores = rewards(states[:, 1:]).sum(-1)
        i = int(np.argmax(scores))
        if best is None or scores[i] > best["score"]:
            best = {"actions": actions[i], "states": states[i], "score": float(scores[i])}
        pool = np.concatenate([elite, actions])
        pool_scores = np.concatenate([elite_scores, scores])
        keep = np.argsort(pool_scores)[-max(1, math.ceil(pm.ELITE_FRAC * n)):]
        elite, elite_scores = pool[keep], pool_scores[keep]
        mean, std = elite.mean(0), np.maximum(elite.std(0), pm.MIN_STD)
    best["samples"] = states
    return best


def held_out_paths(rng, n, horizon):
    """n smooth random force sequences from random states, and their true noise-free paths."""
    S = pm.random_states(rng, n, margin=0.5, max_speed=1.0)
    A = np.clip(0.6 * pm.smooth_noise(rng, n, horizon), -1.0, 1.0)
    paths = [S]
    for t in range(horizon):
        paths.append(pm.step(paths[-1], A[:, t]))
    return S, A, np.stack(paths, 1)


# --- The agent ----------------------------------------------------------------------------------
class Agent:
    """The agent's whole state: data, models, current episode, and its history."""

    def __init__(self, seed, horizon, samples, refit=True):
        self.rng = np.random.default_rng(seed)
        self.horizon, self.samples, self.keep_refitting = int(horizon), int(samples), bool(refit)
        self.held_out = held_out_paths(self.rng, HELD_OUT, self.horizon)
        self.dynamics, self.rewards = pm.unfitted_model(MODEL_KIND), RewardModel()
        self.data = {"S": [], "A": [], "S2": []}
        self.errors = [(0, self.path_error())]      # (transitions, imagined-path error in m)
        self.returns, self.paths, self.final_distances = [], [], []
        self.start_episode()

    def start_episode(self):
        self.s = START.copy()
        self.s[:2] += self.rng.uniform(-START_JITTER, START_JITTER, 2)
        self.path, self.episode_return, self.warm = [self.s], 0.0, None

    @property
    def done(self):
        return len(self.returns) == EPISODES

    def step(self):
        """Plan in the models, act in the world, learn from it. Returns the plan."""
        p = plan(self.dynamics, self.rewards, self.s, self.samples, self.horizon, self.rng,
                 self.warm)
        self.warm = pm.shifted(p["actions"])
        a = p["actions"][0]
        s2 = pm.step(self.s, a, self.rng)
        r = float(reward(s2))
        for key, x in zip(("S", "A", "S2"), (self.s, a, s2)):
            self.data[key].append(x)
        self.rewards.add(s2, r)
        self.s = s2
        self.path.append(s2)
        self.episode_return += r
        if len(self.data["S"]) % REFIT_EVERY == 0:
            self.refit()
        if len(self.path) == EPISODE_STEPS + 1:
            self.returns.append(self.episode_return)
            self.paths.append(np.array(self.path))
            self.final_distances.append(goal_distance(s2))
            if not self.done:
                self.start_episode()
        return p

    def refit(self):
        if self.keep_refitting or len(self.errors) == 1:
            S, A, S2 = (np.array(self.data[k]) for k in ("S", "A", "S2"))
            # The arena's walls are known: a stop at one is no data about the dynamics.
            free = np.all((S2[:, :2] > pm.LO) & (S2[:, :2] < pm.HI), axis=1)
            self.dynamics = pm.fit_model(S[free], A[free], S2[free], kind=MODEL_KIND,
                                         ridge=DYNAMICS_RIDGE)
        self.rewards.fit()
        self.errors.append((len(self.data["S"]), self.path_error()))

    def path_error(self):
        """RMS distance (m) between imagined and true positions after `horizon` steps."""
        S, A, true = self.held_out
        gap = self.dynamics.rollout(S, A)[:, -1, :2] - true[:, -1, :2]
        return float(np.sqrt(np.mean((gap * gap).sum(-1))))


def run(seed, horizon=15, samples=100, refit=True):
    """The whole loop without frames; returns the agent (returns, errors...)."""
    agent = Agent(seed, horizon, samples, refit)
    while not agent.done:
        agent.step()
    return agent


# --- Frames -------------------------------------------------------------------------------------
def simulate(params, seed):
    agent = Agent(seed, params["horizon"], params["samples"], params["refit"])
    while not agent.done:
        p = agent.step()
        yield _frame(agent, p)


def arena_items():
    """The walls of the arena, the goal (green) and the wall across the way (muted)."""
    return [{"rect": np.array([[*pm.LO, *pm.HI]]), "role": "muted", "stroke": 1},
            {"circle": np.array([[*GOAL, GOAL_RADIUS]]), "role": "reward", "fill": True,
             "alpha": 0.8},
            {"rect": WALLS, "role": "muted", "fill": True, "alpha": 0.6}]


def _frame(agent, p):
    episode = len(agent.returns) + (0 if agent.done else 1)
    path = agent.paths[-1] if agent.done else np.array(agent.path)
    items = arena_items()
    if agent.paths:
        items.append({"lines": pm.positions(np.array(agent.paths)), "role": "real",
                      "alpha": 0.2, "stroke": 1})
    items += [{"lines": pm.positions(p["samples"]), "role": "samples", "alpha": 0.15},
              {"line": pm.positions(p["states"]), "role": "imagined", "stroke": 2.5},
              {"line": pm.positions(path), "role": "real", "stroke": 2.5},
              {"points": pm.positions(path[-1:]), "role": "real", "size": 6}]

    returns = list(agent.returns)
    bars = [{"bars": np.stack([np.arange(1, len(returns) + 1), returns], 1), "role": "reward",
             "width": 0.7}] if returns else []
    if not agent.done:
        bars.append({"bars": np.array([[episode, agent.episode_return]]), "role": "reward",
                     "width": 0.7, "alpha": 0.35})
    low = min([0.0, agent.episode_return] + returns)

    errors = np.array(agent.errors, dtype=float)
    error_items = [{"line": errors, "role": "uncertainty", "stroke": 2},
                   {"points": errors, "role": "uncertainty", "size": 3}]

    h = agent.horizon
    if len(agent.errors) == 1:
        learning = "models not fitted yet, so the agent acts at random"
    else:
        learning = f"{h}-step model error {agent.errors[-1][1]:.2f} m"
    if agent.done:
        reached = sum(d < REACHED for d in agent.final_distances[-5:])
        summary = (f"after {EPISODES} episodes at horizon {h}: return {returns[0]:.1f} in the "
                   f"first, {np.mean(returns[-5:]):.1f} on average in the last five, "
                   f"{reached} of which ended within {REACHED} m of the goal; {learning}")
    else:
        summary = (f"episode {episode} of {EPISODES}, step {len(agent.path) - 1}/{EPISODE_STEPS}:"
                   f" return so far {agent.episode_return:.1f}, "
                   f"{goal_distance(agent.s):.2f} m from the goal; {learning}; the plan predicts "
                   f"{p['score']:.1f} over the next {h} steps")
    return {
        "panels": [
            {"title": "Act, fit, plan, act again", "x": pm.ARENA_X, "y": pm.ARENA_Y,
             "aspect": 0.75, "weight": 1.6, "xlabel": "x (m)", "ylabel": "y (m)",
             "items": items},
            {"title": "Return per episode", "x": [0.5, EPISODES + 0.5], "y": [low - 2, 60],
             "xlabel": "episode", "ylabel": "return", "items": bars},
            {"title": f"Error {h} steps ahead", "xlabel": "transitions collected",
             "x": [0, EPISODES * EPISODE_STEPS], "y": [0, 1.1 * float(errors[:, 1].max())],
             "ylabel": "position error (m)", "items": error_items},
        ],
        "legend": [["real", "real path (true system)"], ["imagined", "plan being considered"],
                   ["samples", "CEM samples"], ["reward", "goal / return"],
                   ["uncertainty", "model error"], ["muted", "wall"]],
        "summary": summary,
        "metrics": {"episode": episode, "distance": float(goal_distance(agent.s)),
                    "model_error": float(agent.errors[-1][1]),
                    "last_five_return": float(np.mean(returns[-5:])) if returns else 0.0,
                    "last_five_reached": sum(d < REACHED for d in agent.final_distances[-5:])},
    }
