"""Model-free Q-learning against model-based Dyna-Q in a small maze, learning live over 8 runs.

Dyna-Q adds updates imagined from its learned tabular model, wrong with probability 1 - accuracy.
"""

import numpy as np

from sims.contract import button, slider

TITLE = "Sample Efficiency: Model-Free vs Model-Based"
HOW = (
    "Both agents learn a table of action values by Q-learning (step size 0.1, ε-greedy with "
    "ε = 0.1, discount 0.95) in this 6×6 maze, rewarded 1 for reaching the goal G. Dyna-Q also "
    "stores every real transition in a table, its world model, and after each real step makes "
    "10 more Q-learning updates (computed together) on transitions replayed from that model. "
    "To show what a wrong "
    "model costs, each imagined prediction is replaced, with probability 1 − accuracy, by the "
    "cell a different move would have led to: below about 35 % the imagined updates teach the "
    "wrong moves faster than real steps can correct them. The curves are the return of each "
    "agent's greedy policy against real steps, averaged over 8 runs learning live; the maze "
    "shows each agent's greedy route in its first run."
)

# The maze, row 0 at the top: S start, G goal, # wall.
MAZE = (
    "S.....",
    ".##.#.",
    "...#..",
    "##.#.#",
    "......",
    ".#.##G",
)
ACTIONS = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])  # up, down, left, right (row, col)
FOUR = np.arange(4)
GAMMA, ALPHA, EPSILON = 0.95, 0.1, 0.1
PLANNING = 10          # imagined updates per real step (Dyna-Q)
EPISODE_CAP = 1000     # real steps before an unfinished episode restarts
SEEDS = 8
TOTAL_STEPS = 3600     # real steps shown on the learning curve
STEPS_PER_FRAME = 15
THRESHOLD = 0.9        # "learned" means reaching this fraction of the best return

PICTURE_FRAME = 200  # the page's picture: both learners have had most of their real steps
CONTROLS = [
    slider("accuracy", "Model accuracy", 0, 100, 70, step=5, unit="%"),
    button("rerun", "New runs", action="reseed"),
]


# --- The maze --------------------------------------------------------------------------------

def build_maze(maze=MAZE):
    """Cells are numbered row * width + col; returns the next-cell table and the special cells."""
    grid = np.array([list(row) for row in maze])
    rows, cols = grid.shape
    r, c = np.divmod(np.arange(rows * cols), cols)
    nr = np.clip(r[:, None] + ACTIONS[:, 0], 0, rows - 1)
    nc = np.clip(c[:, None] + ACTIONS[:, 1], 0, cols - 1)
    nxt = nr * cols + nc
    blocked = grid.ravel()[nxt] == "#"
    nxt = np.where(blocked, np.arange(rows * cols)[:, None], nxt)  # bumping a wall: stay put
    flat = grid.ravel()
    wrong, n_wrong = wrong_outcomes(nxt)
    return {"next": nxt, "wrong": wrong, "n_wrong": n_wrong, "grid": grid, "shape": (rows, cols),
            "start": int(np.flatnonzero(flat == "S")[0]),
            "goal": int(np.flatnonzero(flat == "G")[0]),
            "free": np.flatnonzero(flat != "#")}


def wrong_outcomes(nxt):
    """For each (s, a), flattened as s * 4 + a, the cells a wrong model may predict instead:
    where the other moves from s lead, or staying put (the model mixes up moves).

    Returns the table (rows padded to one width; only the first count entries are used) and
    the counts.
    """
    rows = [np.setdiff1d(np.append(nxt[s], s), [nxt[s, a]])
            for s in range(len(nxt)) for a in range(4)]
    width = max(len(r) for r in rows)
    return (np.array([np.resize(r, width) for r in rows]),
            np.array([len(r) for r in rows]))


WORLD = build_maze()


def reward_done(cells, world=WORLD):
    """Arriving at the goal pays 1 and ends the episode."""
    done = cells == world["goal"]
    return done.astype(float), done


def best_return(world=WORLD):
    """The return of an optimal policy from the start, by value iteration on the true maze."""
    value = np.zeros(len(world["next"]))
    reward, done = reward_done(world["next"], world)
    for _ in range(value.size):
        value = np.max(reward + GAMMA * np.where(done, 0.0, value[world["next"]]), axis=1)
    return float(value[world["start"]])


BEST_RETURN = best_return()


# --- Learning, vectorized over independent runs ----------------------------------------------

class Experiment:
    """Independent learning runs side by side: the first `seeds` are Q-learning, the rest Dyna-Q.

    Tables are flat arrays indexed by run, cell and action (run * cells * 4 + cell * 4 + action)
    so that one numpy operation updates every run at once.
    """

    def __init__(self, accuracy, seeds, rng, world=WORLD):
        self.accuracy, self.seeds, self.rng, self.world = accuracy, seeds, rng, world
        runs, size = 2 * seeds, len(world["next"]) * 4
        self.Q = np.zeros(runs * size)
        self.model = np.zeros(runs * size, int)    # Dyna's learned model: next cell per (s, a)
        self.seen = np.zeros(runs * size, bool)
        self.replay = np.zeros((runs, size), int)  # each run's visited (s, a), as s * 4 + a
        self.n_seen = np.zeros(runs, int)
        self.base = np.arange(runs) * size
        self.cell = np.full(runs, world["start"])
        self.clock = np.zeros(runs, int)
        self.dyna = np.arange(seeds, runs)
        self.dyna_base = self.base[self.dyna]
        self.steps = 0

    def q_values(self, base, cells):
        """The four action values of `cells`, one row per run."""
        return self.Q[(base + cells * 4)[:, None] + FOUR]

    def learn(self, base, cells, actions, next_cells):
        """Q-learning updates toward reward + discounted best next value, all computed from the
        current table; updates that land on the same entry add up (np.add.at)."""
        done = next_cells == self.world["goal"]  # the goal pays 1 and ends the episode
        target = np.where(done, 1.0, GAMMA * self.q_values(base, next_cells).max(axis=1))
        sa = base + cells * 4 + actions
        np.add.at(self.Q, sa, ALPHA * (target - self.Q[sa]))

    def real_step(self, explore, random_action, tie_noise):
        """Every run takes one ε-greedy step in the real maze, learns from it and records it."""
        cell, base = self.cell, self.base
        greedy = np.argmax(self.q_values(base, cell) + tie_noise, axis=1)  # random tie-breaks
        action = np.where(explore, random_action, greedy)
        next_cell = self.world["next"][cell, action]
        self.learn(base, cell, action, next_cell)
        # The tabular world model remembers what each (s, a) led to.
        local = cell * 4 + action
        new = ~self.seen[base + local]
        self.seen[base + local] = True
        self.model[base + local] = next_cell
        self.replay[new, self.n_seen[new]] = local[new]
        self.n_seen += new
        # Episodes end at the goal or after EPISODE_CAP steps.
        self.clock += 1
        restart = (next_cell == self.world["goal"]) | (self.clock >= EPISODE_CAP)
        self.cell = np.where(restart, self.world["start"], next_cell)
        self.clock[restart] = 0

    def imagined_updates(self, pick, corrupt, which_wrong):
        """Dyna planning: PLANNING Q-learning updates per Dyna run, computed together, on
        (s, a) pairs replayed from the learned model. Arguments have shape (runs, PLANNING).

        A corrupted prediction is replaced by one of the wrong next cells (see wrong_outcomes).
        """
        runs, world = self.dyna[:, None], self.world
        local = self.replay[runs, (pick * self.n_seen[runs]).astype(int)].ravel()
        base = np.repeat(self.dyna_base, PLANNING)
        wrong = world["wrong"][local, (which_wrong.ravel() * world["n_wrong"][local]).astype(int)]
        predicted = np.where(corrupt.ravel(), wrong, self.model[base + local])
        self.learn(base, local >> 2, local & 3, predicted)

    def advance(self, n_steps):
        """n real steps for every run, each followed by PLANNING imagined updates for Dyna-Q."""
        runs, dyna, rng = len(self.cell), len(self.dyna), self.rng
        explore = rng.random((n_steps, runs)) < EPSILON
        random_action = rng.integers(4, size=(n_steps, runs))
        tie_noise = 1e-9 * rng.random((n_steps, runs, 4))
        pick, which_wrong = rng.random((2, n_steps, dyna, PLANNING))
        corrupt = rng.random((n_steps, dyna, PLANNING)) >= self.accuracy
        for t in range(n_steps):
            self.real_step(explore[t], random_action[t], tie_noise[t])
            self.imagined_updates(pick[t], corrupt[t], which_wrong[t])
        self.steps += n_steps

    def returns(self):
        """Greedy-policy returns, shape (2, seeds): row 0 Q-learning, row 1 Dyna-Q."""
        return greedy_return(self.Q.reshape(len(self.cell), -1, 4), self.world).reshape(2, -1)


def greedy_return(Q, world=WORLD):
    """Return of each run's greedy policy from the start (0 if it never reaches the goal)."""
    runs = np.arange(len(Q))
    cell = np.full(len(Q), world["start"])
    ret, arrived = np.zeros(len(Q)), np.zeros(len(Q), bool)
    for t in range(len(world["free"])):  # a greedy walk that has not arrived by then loops
        cell = world["next"][cell, np.argmax(Q[runs, cell], axis=1)]
        now = (cell == world["goal"]) & ~arrived
        ret[now] = GAMMA ** t
        arrived |= now
        if arrived.all():
            break
    return ret


def greedy_path(Q, world=WORLD):
    """The cells one greedy policy visits from the start, until the goal or a repeat."""
    path = [world["start"]]
    while path[-1] != world["goal"]:
        path.append(int(world["next"][path[-1], np.argmax(Q[path[-1]])]))
        if path[-1] in path[:-1]:
            break
    return np.array(path)


def learning_curves(accuracy, seed, seeds=SEEDS, total=TOTAL_STEPS, every=STEPS_PER_FRAME):
    """The full learning curves without frames: (steps, returns of shape (2, seeds, points))."""
    experiment = Experiment(accuracy, seeds, np.random.default_rng(seed))
    steps, returns = [0], [experiment.returns()]
    while experiment.steps < total:
        experiment.advance(every)
        steps.append(experiment.steps)
        returns.append(experiment.returns())
    return np.array(steps), np.stack(returns, axis=-1)


def steps_to_learn(steps, returns, threshold=THRESHOLD):
    """Real steps until each run's greedy return first reaches threshold x best (inf: not yet).

    returns has shape (..., points); the result drops the last axis.
    """
    reached = returns >= threshold * BEST_RETURN
    return np.where(reached.any(axis=-1), steps[np.argmax(reached, axis=-1)], np.inf)


# --- Frames ----------------------------------------------------------------------------------

AGENTS = (("real", "Q-learning", "Q-learning: real steps only"),     # role, name, legend
          ("imagined", "Dyna-Q", "Dyna-Q: real steps + updates imagined from its model"))


def _curve_panel(steps, returns, best):
    """Seed-averaged greedy return with a band of one standard error."""
    items = [{"line": np.array([[0, best], [TOTAL_STEPS, best]]), "role": "best", "dash": True},
             {"text": "best possible", "at": [TOTAL_STEPS, best + 0.02], "role": "best",
              "align": "right"}]
    for (role, _, _), runs in zip(AGENTS, returns):
        mean = runs.mean(axis=0)
        sem = runs.std(axis=0) / np.sqrt(len(runs))
        items.append({"band": np.column_stack([steps, mean - sem, mean + sem]), "role": role,
                      "alpha": 0.2})
        items.append({"line": np.column_stack([steps, mean]), "role": role, "stroke": 2})
    return {"title": f"Learning curves, average of {SEEDS} runs", "x": [0, TOTAL_STEPS],
            "y": [0, round(best + 0.15, 1)], "weight": 2, "aspect": 0.6,
            "xlabel": "real steps in the maze", "ylabel": "return of the greedy policy",
            "items": items}


def _cell_centres(cells, world=WORLD):
    rows, cols = world["shape"]
    r, c = np.divmod(cells, cols)
    return np.column_stack([c + 0.5, rows - r - 0.5])  # row 0 drawn at the top


def _maze_panel(experiment):
    world = experiment.world
    rows, cols = world["shape"]
    walls = _cell_centres(np.flatnonzero(world["grid"].ravel() == "#"), world)
    goal = _cell_centres(np.array([world["goal"]]), world)[0]
    start = _cell_centres(np.array([world["start"]]), world)[0]
    items = [
        {"rect": np.column_stack([walls - 0.5, walls + 0.5]), "role": "muted", "fill": True},
        {"rect": np.array([[*(goal - 0.5), *(goal + 0.5)]]), "role": "reward", "fill": True,
         "alpha": 0.5},
        {"text": "G", "at": list(goal), "role": "ink", "align": "center"},
        {"text": "S", "at": list(start), "role": "ink", "align": "center"},
    ]
    Q = experiment.Q.reshape(2 * experiment.seeds, -1, 4)
    for (role, _, _), run, shift in zip(AGENTS, (0, experiment.seeds), (-0.12, 0.12)):
        path = _cell_centres(greedy_path(Q[run], world), world) + shift
        items.append({"line": path, "role": role, "stroke": 2.5})
    return {"title": "Route of run 1", "x": [0, cols], "y": [0, rows], "aspect": 1.0,
            "weight": 1, "axes": False, "items": items}


def _summary(steps, returns, accuracy, best):
    now = returns[:, :, -1].mean(axis=1)
    line = (f"after {steps[-1]} real steps, greedy return: Q-learning {now[0]:.2f}, Dyna-Q with a "
            f"{accuracy:.0%} accurate model {now[1]:.2f} (best {best:.2f})")
    learned = steps_to_learn(steps, returns)
    done = np.isfinite(learned)
    parts = [f"{name} {d.sum()}/{len(d)} runs, mean {row[d].mean():.0f} steps"
             if d.any() else f"{name} none yet"
             for (_, name, _), row, d in zip(AGENTS, learned, done)]
    return line + f"; reached {THRESHOLD:.0%} of best: " + ", ".join(parts)


def _metrics(steps, returns):
    """The greedy returns the summary reads out, averaged over runs, and Dyna-Q's lead."""
    now = returns[:, :, -1].mean(axis=1)
    return {"steps": int(steps[-1]), "q_return": float(now[0]), "dyna_return": float(now[1]),
            "dyna_lead": float(now[1] - now[0])}


def simulate(params, seed):
    accuracy = float(params.get("accuracy", 70)) / 100
    experiment = Experiment(accuracy, SEEDS, np.random.default_rng(seed))
    best = BEST_RETURN
    steps, returns = [0], [experiment.returns()]
    legend = [[role, text] for role, _, text in AGENTS] + [
        ["best", "best possible return"], ["reward", "goal G (reward 1)"], ["muted", "walls"]]
    while True:
        steps_arr, returns_arr = np.array(steps), np.stack(returns, axis=-1)
        yield {"panels": [_curve_panel(steps_arr, returns_arr, best), _maze_panel(experiment)],
               "legend": legend,
               "summary": _summary(steps_arr, returns_arr, accuracy, best),
               "metrics": _metrics(steps_arr, returns_arr)}
        if experiment.steps >= TOTAL_STEPS:
            return
        experiment.advance(STEPS_PER_FRAME)
        steps.append(experiment.steps)
        returns.append(experiment.returns())
