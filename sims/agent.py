"""The whole loop on a 2-D point mass: act in the world, collect data, fit a model by least
squares, plan with CEM in the model (model-predictive control), and act again.
"""

import numpy as np

from sims import pointmass as pm
from sims.contract import button, playback, slider

TITLE = "The whole loop"
HOW = (
    "Every step the agent plans with CEM inside its model (horizon and sample budget set by the "
    "sliders, warm-started from its previous plan) and applies the plan's first force to the true "
    "point mass. Every 20 real steps it refits the model s' = s + W·[s, a, |v|v, 1] by least "
    "squares to all the transitions collected so far; before the first fit the model predicts "
    "that nothing moves, so all plans look alike and the agent acts at random. The panels show "
    "the real return of each 6 s episode and the model's one-step error on 400 held-out random "
    "transitions. The model's features match the true dynamics everywhere but at the walls, which "
    "is why a few hundred transitions suffice here; a model class that cannot represent the "
    "system levels off at a higher error, and its plans stay worse."
)
CONTROLS = [
    playback(),
    button("reset", "Reset", action="reset"),
    slider("horizon", "Planning horizon", 5, 30, 15, unit="steps"),
    slider("samples", "Samples per plan", 10, 300, 100),
]

EPISODES = 10
EPISODE_STEPS = 60          # 6 s per episode
REFIT_EVERY = 20            # real steps between model fits
HELD_OUT = 400              # random transitions to measure the model's error on
MODEL_KIND = "drag"
START_JITTER = 0.15


class Agent:
    """The agent's whole state: data, model, current episode, and its history."""

    def __init__(self, seed, horizon, samples):
        self.rng = np.random.default_rng(seed)
        self.horizon, self.samples = int(horizon), int(samples)
        self.held_out = pm.random_transitions(self.rng, HELD_OUT)
        self.model = pm.unfitted_model(MODEL_KIND)
        self.data = {"S": [], "A": [], "S2": []}
        self.errors = [(0, self.model.error(*self.held_out))]   # (transitions, RMS error)
        self.returns, self.paths = [], []
        self.start_episode()

    def start_episode(self):
        self.s = pm.start_states(self.rng, 1, START_JITTER)[0]
        self.path, self.episode_return, self.warm = [self.s], 0.0, None

    @property
    def done(self):
        return len(self.returns) == EPISODES

    def step(self):
        """Plan in the model, act in the world, learn from it. Returns the plan."""
        plan = pm.plan(self.model, self.s, self.samples, self.horizon, "cem", self.rng,
                       warm=self.warm)
        self.warm = pm.shifted(plan["actions"])
        a = plan["actions"][0]
        s2 = pm.step(self.s, a, self.rng)
        for key, x in zip(("S", "A", "S2"), (self.s, a, s2)):
            self.data[key].append(x)
        self.s = s2
        self.path.append(s2)
        self.episode_return += float(pm.reward(s2))
        if len(self.data["S"]) % REFIT_EVERY == 0:
            self.refit()
        if len(self.path) == EPISODE_STEPS + 1:
            self.returns.append(self.episode_return)
            self.paths.append(np.array(self.path))
            if not self.done:
                self.start_episode()
        return plan

    def refit(self):
        S, A, S2 = (np.array(self.data[k]) for k in ("S", "A", "S2"))
        self.model = pm.fit_model(S, A, S2, kind=MODEL_KIND)
        self.errors.append((len(S), self.model.error(*self.held_out)))


def run(seed, horizon=15, samples=100):
    """The whole loop without frames; returns the agent (returns, errors...)."""
    agent = Agent(seed, horizon, samples)
    while not agent.done:
        agent.step()
    return agent


# --- Frames -------------------------------------------------------------------------------------
def simulate(params, seed):
    agent = Agent(seed, params["horizon"], params["samples"])
    while not agent.done:
        plan = agent.step()
        yield _frame(agent, plan)


def _frame(agent, plan):
    n = len(agent.data["S"])
    episode = len(agent.returns) + (0 if agent.done else 1)
    path = agent.paths[-1] if agent.done else np.array(agent.path)
    items = pm.arena_items()
    if agent.paths:
        items.append({"lines": pm.positions(np.array(agent.paths)), "role": "real",
                      "alpha": 0.2, "stroke": 1})
    items += [{"lines": pm.positions(plan["rounds"][-1]["states"]), "role": "samples",
               "alpha": 0.15},
              {"line": pm.positions(plan["states"]), "role": "imagined", "stroke": 2.5},
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

    if len(agent.errors) == 1:
        learning = "model not fitted yet, so the agent acts at random"
    else:
        learning = f"model fitted on {agent.errors[-1][0]} transitions, " \
                   f"held-out error {agent.errors[-1][1]:.3f}"
    if agent.done:
        summary = (f"after {EPISODES} episodes: return {returns[0]:.1f} in the first, "
                   f"{returns[-1]:.1f} in the last; {learning}")
    else:
        summary = (f"episode {episode} of {EPISODES}, step {len(agent.path) - 1}/{EPISODE_STEPS}:"
                   f" return so far {agent.episode_return:.1f}; {learning}; the plan predicts "
                   f"{plan['score']:.1f} over the next {agent.horizon} steps")
    return {
        "panels": [
            {"title": "Act, fit, plan, act again", "x": pm.ARENA_X, "y": pm.ARENA_Y,
             "aspect": 0.75, "weight": 1.6, "xlabel": "x (m)", "ylabel": "y (m)",
             "items": items},
            {"title": "Return per episode", "x": [0.5, EPISODES + 0.5], "y": [low - 2, 60],
             "xlabel": "episode", "ylabel": "return", "items": bars},
            {"title": "Model error on held-out transitions", "xlabel": "transitions collected",
             "x": [0, EPISODES * EPISODE_STEPS], "y": [0, 1.1 * float(errors[:, 1].max())],
             "ylabel": "RMS one-step error", "items": error_items},
        ],
        "legend": [["real", "real path (true system)"], ["imagined", "plan being considered"],
                   ["samples", "CEM samples"], ["reward", "goal / return"],
                   ["uncertainty", "model error"], ["muted", "obstacle"]],
        "summary": summary,
    }
