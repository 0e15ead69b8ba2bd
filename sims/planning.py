"""Planning by random shooting (or CEM) in a least-squares model of a 2-D point mass.

Sampled force sequences are rolled out through the fitted model and scored; the best plan is
then executed by re-planning every step (model-predictive control) in the true system.
"""

import math

import numpy as np

from sims import pointmass as pm
from sims.contract import button, choice, slider

TITLE = "Planning by random shooting"
HOW = (
    "The model f(s, a) is linear in the features [s, a, |v|v, 1], fitted once by least squares to "
    "300 random transitions of the true point mass. A plan is 20 forces (2 s), rolled out through the model "
    "and scored by the reward it predicts: closeness to the goal, minus a penalty per step inside "
    "the obstacle (widened by 8 cm, because the model errs by centimetres). **Random shooting** "
    "keeps the best of N random plans; **CEM** spends the same N samples over up to 4 rounds, "
    "refitting a Gaussian over plans to the best 20% so far after each round. The chosen plan is "
    "then run as model-predictive control: apply its first force to the true system, re-plan from "
    "where the mass really is (CEM starting from its previous plan), repeat. **Re-plan** runs the "
    "search and its execution again with new samples in the same model (and new draws of the "
    "true system's small noise). A planner is only as good as its samples and its model: with "
    "few samples the best plan is still a poor one."
)
PICTURE_FRAME = 150  # the page's picture: the plan is well on its way to the goal
CONTROLS = [
    slider("samples", "Samples per plan", 1, 200, 30),
    choice("method", "Planner", [("random", "Random shooting"), ("cem", "CEM")], "random"),
    button("replan", "Re-plan", action="reseed"),
]

HORIZON = 20            # steps per plan (2 s)
N_TRANSITIONS = 300     # random transitions the model is fitted to
MODEL_KIND = "drag"
MODEL_SEED = 0          # the model's training data: the same in every run, so Re-plan only plans
SEARCH_FRAMES = 45      # frames over which the first search reveals its samples
HOLD_FRAMES = 40        # frames the finished search stays before execution starts
MPC_STEPS = 60          # at most 6 s of execution
FRAMES_PER_STEP = 3     # execution runs at about 2x real time
NAMES = {"random": "random shooting", "cem": "CEM"}


def make_model(seed=MODEL_SEED):
    """The planner's model: least squares on random transitions of the true system."""
    data = pm.random_transitions(np.random.default_rng(seed), N_TRANSITIONS)
    return pm.fit_model(*data, kind=MODEL_KIND)


def first_plan(model, samples, method, rng):
    """One search from the start state."""
    return pm.plan(model, pm.START, samples, HORIZON, method, rng)


AXIS = (pm.GOAL - pm.START[:2]) / np.linalg.norm(pm.GOAL - pm.START[:2])
ROUTES = {"into": "runs into the obstacle", "short": "stops short of the obstacle",
          "above": "gets around the obstacle, above it",
          "below": "gets around the obstacle, below it"}


def route(states):
    """How a path (n, >=2) meets the obstacle on the straight line from start to goal: "into",
    "short" (it ends before the obstacle's middle), or passes "above" or "below" it."""
    if pm.in_obstacle(states).any():
        return "into"
    xy = states[:, :2] - pm.OBSTACLE[:2]
    along = xy @ AXIS
    if along[-1] <= 0:
        return "short"
    k = int(np.argmax(along > 0))                   # where the path crosses the middle
    return "above" if xy[k] @ [-AXIS[1], AXIS[0]] > 0 else "below"


def mpc(model, samples, method, rng, steps=MPC_STEPS, warm_start=True):
    """Model-predictive control in the true system: yields (true state, plan made there) per step,
    the state after the plan's first force was applied. Stops early at the goal. With warm_start,
    CEM centres each search on the previous plan shifted by one step."""
    s, warm = pm.START.copy(), None
    for _ in range(steps):
        p = pm.plan(model, s, samples, HORIZON, method, rng, warm=warm)
        warm = pm.shifted(p["actions"]) if warm_start else None
        s = pm.step(s, p["actions"][0], rng)
        yield s, p
        if pm.goal_distance(s) < pm.GOAL_RADIUS:
            return


def simulate(params, seed):
    samples, method = int(params["samples"]), params["method"]
    rng = np.random.default_rng(seed)
    model = make_model()
    search = first_plan(model, samples, method, rng)
    yield from _search_frames(search, samples, method)

    path, dist = [pm.START], [pm.goal_distance(pm.START)]
    for s, p in mpc(model, samples, method, rng):
        path.append(s)
        dist.append(pm.goal_distance(s))
        frame = _mpc_frame(np.array(path), np.array(dist), p, samples, method, final=False)
        for _ in range(FRAMES_PER_STEP):
            yield frame
    yield _mpc_frame(np.array(path), np.array(dist), p, samples, method, final=True)


# --- Frames -------------------------------------------------------------------------------------
def _search_frames(search, samples, method):
    """Reveal the search's samples in the order they were drawn, then hold the result."""
    rounds = search["rounds"]
    states = np.concatenate([r["states"] for r in rounds])
    scores = np.concatenate([r["scores"] for r in rounds])
    round_of = np.concatenate([np.full(len(r["scores"]), k) for k, r in enumerate(rounds)])
    lo, hi = float(scores.min()), float(scores.max())
    pad = 0.08 * (hi - lo) + 0.5
    y_range = [lo - pad, hi + pad]
    shown = None
    for f in range(1, SEARCH_FRAMES + 1):
        k = math.ceil(samples * f / SEARCH_FRAMES)
        if k == shown:
            yield frame
            continue
        shown = k
        frame = _search_frame(states[:k], scores[:k], round_of[:k], rounds, samples, method,
                              y_range)
        yield frame
    for _ in range(HOLD_FRAMES):
        yield frame


def _search_frame(states, scores, round_of, rounds, samples, method, y_range):
    k, current = len(scores), int(round_of[-1])
    best = int(np.argmax(scores))
    items = pm.arena_items()
    old = round_of < current
    if old.any():
        items.append({"lines": pm.positions(states[old]), "role": "samples", "alpha": 0.12})
    items.append({"lines": pm.positions(states[~old]), "role": "samples", "alpha": 0.4})
    if method == "cem":
        items.append({"line": pm.positions(rounds[current]["mean_states"]), "role": "imagined",
                      "stroke": 2, "dash": True})
    items += [{"line": pm.positions(states[best]), "role": "best", "stroke": 3},
              {"points": pm.START[None, :2], "role": "ink", "size": 4}]

    index = np.arange(1, k + 1)
    running = np.maximum.accumulate(scores)
    score_items = [{"points": np.stack([index, scores], 1), "role": "samples", "size": 3},
                   {"line": np.stack([index, running], 1), "role": "best", "stroke": 2}]
    edges = np.cumsum([len(r["scores"]) for r in rounds])[:-1] + 0.5
    if len(edges):
        score_items.append({"lines": np.array([[[e, y_range[0]], [e, y_range[1]]] for e in edges]),
                            "role": "muted", "dash": True})

    end = pm.goal_distance(states[best, -1])
    what = f"best of {k} plans"
    if method == "cem":
        what = f"CEM round {current + 1} of {len(rounds)}: {what}"
    legend = [["samples", "sampled plans (model rollouts)"], ["best", "best plan so far"]]
    if method == "cem":
        legend.append(["imagined", "mean of CEM's sampling distribution"])
    legend += [["reward", "goal"], ["muted", "obstacle"]]
    return {
        "panels": [
            _world_panel("Plans imagined in the model", items),
            {"title": "Predicted returns", "x": [0, samples + 1], "y": y_range,
             "xlabel": "sample", "ylabel": "predicted return", "items": score_items},
        ],
        "legend": legend,
        "summary": f"{what} {ROUTES[route(states[best])]} and ends {end:.2f} m from the goal "
                   f"(in the model), predicted return {scores[best]:.1f}",
        "metrics": {"plans": k, "plan_distance": float(end), "plan_return": float(scores[best])},
    }


def _mpc_frame(path, dist, p, samples, method, final):
    last = p["rounds"][-1]["states"]
    items = pm.arena_items() + [
        {"lines": pm.positions(last), "role": "samples", "alpha": 0.2},
        {"line": pm.positions(p["states"]), "role": "best", "stroke": 2.5},
        {"line": pm.positions(path), "role": "real", "stroke": 3},
        {"points": pm.positions(path[-1:]), "role": "real", "size": 6},
    ]
    t = (len(path) - 1) * pm.DT
    times = np.arange(len(dist)) * pm.DT
    ahead = t + np.arange(HORIZON + 1) * pm.DT
    dist_items = [{"line": np.stack([times, dist], 1), "role": "real", "stroke": 2},
                  {"line": np.stack([ahead, pm.goal_distance(p["states"])], 1), "role": "best",
                   "dash": True}]
    hits = int(pm.in_obstacle(path).sum())
    if final:
        reached = dist[-1] < pm.GOAL_RADIUS
        summary = (f"{NAMES[method]} with {samples} samples: reached the goal in {t:.1f} s"
                   if reached else
                   f"{NAMES[method]} with {samples} samples: after {t:.1f} s the mass is "
                   f"{dist[-1]:.2f} m from the goal")
    else:
        summary = (f"executing and re-planning every step: t = {t:.1f} s, "
                   f"{dist[-1]:.2f} m from the goal")
    if hits:
        summary += f", {hits} steps inside the obstacle"
    return {
        "panels": [
            _world_panel("Executed in the true system", items),
            {"title": "Distance to the goal", "y": [0, 3.5],
             "x": [0, (MPC_STEPS + HORIZON) * pm.DT], "xlabel": "time (s)",
             "ylabel": "distance (m)", "items": dist_items},
        ],
        "legend": [["real", "true system, executed"], ["best", "current best plan"],
                   ["samples", "sampled plans"], ["reward", "goal"], ["muted", "obstacle"]],
        "summary": summary,
        "metrics": {"time": float(t), "distance": float(dist[-1]), "in_obstacle": hits,
                    "reached": float(final and dist[-1] < pm.GOAL_RADIUS)},
    }


def _world_panel(title, items):
    return {"title": title, "x": pm.ARENA_X, "y": pm.ARENA_Y, "aspect": 0.75, "weight": 1.4,
            "xlabel": "x (m)", "ylabel": "y (m)", "items": items}
