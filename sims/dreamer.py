"""Dreamer's loop on a 2-D point mass: fit a latent world model with a reward head to real data,
then train the actor and critic purely on imagined rollouts (lambda-returns), and act again.
"""

import numpy as np

from sims import pointmass as pm
from sims.contract import slider

TITLE = "Dreamer's imagination rollout"
HOW = (
    "The latent is the state itself (a point mass needs no encoder; Dreamer learns one from "
    "pixels), and the world model is linear: z' = A z + B a + c, fitted by least squares to every "
    "real transition so far, with a reward head r = w·rbf(z) (30 Gaussian bumps over the arena) "
    "fitted to the real rewards. From real states the actor a = tanh(K z + b) is rolled out "
    "`horizon` steps in the model, and the mean λ-return, R = r + γ((1−λ)v' + λR') with "
    "γ = λ = 0.95 and the critic closing the horizon, is maximized by gradient ascent, the "
    "gradient backpropagated through model, reward head and critic as in Dreamer. The critic "
    "(linear in bumps and velocity) moves half way to a least-squares fit of the λ-returns "
    "after each update. The true system is used only to collect each next episode, with Gaussian "
    "exploration noise on the actor; the dashed orange line is the model replaying that "
    "episode's real actions from its real start, open loop, to show how far a dream drifts. "
    "Limits: the model knows neither the drag nor the walls, and a linear actor learns "
    "only simple feedback, enough here to steer to the goal."
)
PICTURE_FRAME = 300  # the page's picture: a few episodes in, the critic and the actor have learned
CONTROLS = [slider("horizon", "Imagination horizon", 1, 30, 12, unit="steps")]

EPISODES = 8
EPISODE_STEPS = 40          # 4 s of real time per episode
TRAIN_STEPS = 30            # actor/critic updates in imagination after each episode
BATCH = 32                  # imagined rollouts per update, started from real states
GAMMA, LAMBDA = 0.95, 0.95
EXPLORE_STD = 0.3           # Gaussian action noise in the real episodes
LR = 0.05                   # Adam step size for the actor
CRITIC_MIX = 0.5            # the critic moves half way to each new least-squares fit
SHOW = 8                    # noisy imagined rollouts drawn from the current state
START_JITTER = 0.2          # m: episodes start near, not at, the start


# --- The world model, actor and critic -----------------------------------------------------------
class WorldModel:
    """Latent dynamics z' = A z + B a + c and a reward head r(z') = w·rbf(z'), least squares."""

    def __init__(self, S, A, S2, R):
        # Purely linear: no walls, no speed bound (unlike the planners' models).
        self.dynamics = pm.fit_model(S, A, S2, kind="affine", ridge=1e-3, walls=False)
        self.w = pm.ridge_fit(pm.rbf_features(S2), R, ridge=1e-2)

    def reward(self, z):
        return pm.rbf_features(z) @ self.w


def policy(theta, z):
    """Actor mean a = tanh(K z + b); theta (2, 5) = [K | b], z (..., 4)."""
    return np.tanh(z @ theta[:, :4].T + theta[:, 4])


def value_features(z):
    """Critic features: bumps over position, and velocity."""
    return np.concatenate([pm.rbf_features(z), z[..., 2:]], axis=-1)


def rbf_gradient(z, weights):
    """d/dp of weights·rbf(p) at the positions of z (..., 4): (..., 2)."""
    phi = pm.rbf_features(z)[..., :-1] * weights[:-1]
    cx = np.tile(pm.RBF_X, pm.RBF_Y.size)
    cy = np.repeat(pm.RBF_Y, pm.RBF_X.size)
    total = phi.sum(-1, keepdims=True)
    grad = np.stack([z[..., 0] * total[..., 0] - phi @ cx, z[..., 1] * total[..., 0] - phi @ cy], -1)
    return -grad / pm.RBF_WIDTH ** 2


def value_gradient(z, u):
    """d/dz of the critic u·value_features(z): (..., 4)."""
    n = pm.RBF_X.size * pm.RBF_Y.size + 1
    return np.concatenate([rbf_gradient(z, u[:n]), np.broadcast_to(u[n:], z.shape[:-1] + (2,))], -1)


def imagine(world, theta, z0, horizon, noise=None):
    """Roll the actor through the world model from z0 (B, 4): latents (B, H+1, 4), actions
    (B, H, 2) and rewards (B, H). `noise` (B, H, 2) is added to the actions (the Gaussian
    actor), or None for its mean."""
    B = len(z0)
    Z = np.empty((B, horizon + 1, 4))
    A = np.empty((B, horizon, 2))
    Z[:, 0] = z0
    for t in range(horizon):
        a = policy(theta, Z[:, t])
        A[:, t] = a if noise is None else np.clip(a + noise[:, t], -1.0, 1.0)
        Z[:, t + 1] = world.dynamics.predict(Z[:, t], A[:, t])
    return Z, A, world.reward(Z[:, 1:])


def lambda_returns(rewards, next_values, gamma=GAMMA, lam=LAMBDA):
    """R_t = r_t + gamma((1 - lam) v(z_t+1) + lam R_t+1), bootstrapped with R_H = v(z_H).
    rewards, next_values: (..., H) with next_values[..., t] = v(z_t+1)."""
    R = np.empty_like(rewards)
    nxt = next_values[..., -1]
    for t in range(rewards.shape[-1] - 1, -1, -1):
        nxt = R[..., t] = rewards[..., t] + gamma * ((1 - lam) * next_values[..., t] + lam * nxt)
    return R


def return_parts(rewards, next_values, gamma=GAMMA, lam=LAMBDA):
    """The first lambda-return split into what the predicted rewards and what the critic's values
    contribute: (reward part, critic part), each (...). Unrolled, the recursion weighs r_t by
    (gamma lam)^t and v(z_t+1) by gamma (1 - lam) (gamma lam)^t, the last one by gamma^H lam^(H-1)."""
    decay = (gamma * lam) ** np.arange(rewards.shape[-1])
    critic = gamma * (1 - lam) * decay
    critic[-1] = gamma * decay[-1]
    return rewards @ decay, next_values @ critic


def return_weights(horizon, gamma=GAMMA, lam=LAMBDA):
    """The mean of the lambda-returns over t is linear in the rewards and values:
    mean_t R_t = sum_t alpha_t r_t + beta_t v(z_t+1). Returns alpha, beta (H,)."""
    g = np.empty(horizon)               # g_t = d mean(R) / d R_t, counting R_t's use in R_t-1
    acc = 0.0
    for t in range(horizon):
        g[t] = acc = 1.0 / horizon + gamma * lam * acc
    beta = gamma * (1 - lam) * g
    beta[-1] = gamma * g[-1]            # the last return bootstraps fully on v(z_H)
    return g, beta


def actor_objective(world, critic, theta, z0, horizon):
    """The actor's objective J (mean imagined lambda-return from the starts z0) and its gradient
    dJ/dtheta, by backpropagation through the world model, reward head and critic."""
    Z, A, r = imagine(world, theta, z0, horizon)
    R = lambda_returns(r, value_features(Z[:, 1:]) @ critic)
    alpha, beta = return_weights(horizon)
    B = len(z0)
    # Direct dJ/dz_t+1 from the reward and the value at z_t+1.
    direct = (alpha[:, None] * np.concatenate([rbf_gradient(Z[:, 1:], world.w),
                                               np.zeros((B, horizon, 2))], -1)
              + beta[:, None] * value_gradient(Z[:, 1:], critic)) / B
    W, K = world.dynamics.W, theta[:, :4]
    inside = np.ones((B, horizon, 4))   # a clipped position passes no gradient
    if world.dynamics.walls:
        inside[..., :2] = (Z[:, 1:, :2] > pm.LO) & (Z[:, 1:, :2] < pm.HI)
    grad = np.zeros_like(theta)
    adj = np.zeros((B, 4))              # dJ/dz_t+1, accumulated backwards
    for t in range(horizon - 1, -1, -1):
        delta = (adj + direct[:, t]) * inside[:, t]
        du = (delta @ W[4:6].T) * (1 - A[:, t] ** 2)
        grad[:, :4] += du.T @ Z[:, t]
        grad[:, 4] += du.sum(0)
        adj = delta + delta @ W[:4].T + du @ K
    return float(R.mean()), grad, Z, R


class Dreamer:
    """The learner's whole state; the true system appears only in `real_step`."""

    def __init__(self, seed, horizon):
        self.rng = np.random.default_rng(seed)
        self.horizon = int(horizon)
        self.theta = np.zeros((2, 5))
        self.adam = [np.zeros((2, 5)), np.zeros((2, 5)), 0]
        self.critic = np.zeros(value_features(np.zeros(4)).size)
        self.world = None
        self.data = {"S": [], "A": [], "S2": [], "R": []}
        self.returns = []           # real return of each finished episode
        self.imagined = []          # imagined lambda-return after each training step

    # Real experience
    def start_episode(self):
        self.s = pm.start_states(self.rng, 1, START_JITTER)[0]
        self.path, self.episode_return = [self.s], 0.0
        self.replay = [self.s]      # the model's open-loop replay of this episode's actions

    def real_step(self):
        a = policy(self.theta, self.s) + EXPLORE_STD * self.rng.standard_normal(2)
        a = np.clip(a, -1.0, 1.0)
        s2 = pm.step(self.s, a, self.rng)
        r = float(pm.reward(s2, obstacle=False))
        for key, x in zip(("S", "A", "S2", "R"), (self.s, a, s2, r)):
            self.data[key].append(x)
        self.s = s2
        self.path.append(s2)
        if self.world is not None:
            self.replay.append(self.world.dynamics.predict(self.replay[-1], a))
        self.episode_return += r

    def end_episode(self):
        self.returns.append(self.episode_return)
        self.world = WorldModel(*(np.array(self.data[k]) for k in ("S", "A", "S2", "R")))

    # Imagination
    def train_step(self):
        """One actor step (Adam on the backpropagated gradient of the imagined lambda-returns)
        and one critic refit, from a batch of real states. Returns the batch's rollouts."""
        S = np.array(self.data["S"])
        z0 = S[self.rng.integers(0, len(S), BATCH)]
        J, grad, Z, R = actor_objective(self.world, self.critic, self.theta, z0, self.horizon)
        self.theta = self.theta + self._adam(grad)
        # The critic regresses v(z_t) on the lambda-returns (held fixed as targets).
        X = value_features(Z[:, :-1]).reshape(-1, self.critic.size)
        fit = pm.ridge_fit(X, R.reshape(-1), ridge=1e-2)
        self.critic += CRITIC_MIX * (fit - self.critic)
        self.imagined.append(J)
        return Z, R

    def _adam(self, grad, b1=0.9, b2=0.999):
        m, v, t = self.adam
        m, v, t = b1 * m + (1 - b1) * grad, b2 * v + (1 - b2) * grad ** 2, t + 1
        self.adam = [m, v, t]
        return LR * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)

    def dream_from(self, s, noise=None):
        """Imagined rollouts from one real state: latents, rewards, lambda-returns, v(z_H) and the
    first lambda-return's (reward part, critic part)."""
        z0 = np.broadcast_to(s, (1 if noise is None else len(noise), 4))
        Z, _, r = imagine(self.world, self.theta, z0, self.horizon, noise)
        v = value_features(Z[:, 1:]) @ self.critic
        return Z, r, lambda_returns(r, v), v[:, -1], return_parts(r, v)


def evaluate(theta, seed=0, starts=16):
    """Real return of the actor's mean (no exploration) from jittered starts. For tests only:
    training never calls this."""
    rng = np.random.default_rng(seed)
    s = pm.start_states(rng, starts, START_JITTER)
    total = np.zeros(starts)
    for _ in range(EPISODE_STEPS):
        s = pm.step(s, policy(theta, s), rng)
        total += pm.reward(s, obstacle=False)
    return float(total.mean())


def loop(d, episodes=EPISODES):
    """The loop itself, one event at a time: ("real", episode, step, None) after each real step,
    ("train", episode, update, imagined batch) after each update in imagination."""
    for e in range(episodes):
        d.start_episode()
        for t in range(EPISODE_STEPS):
            d.real_step()
            yield "real", e, t, None
        d.end_episode()
        for k in range(TRAIN_STEPS):
            yield "train", e, k, d.train_step()[0]


def run(seed, horizon=12, episodes=EPISODES):
    """The whole loop without frames; returns the learner (returns, theta, world...)."""
    d = Dreamer(seed, horizon)
    for _ in loop(d, episodes):
        pass
    return d


# --- Frames -------------------------------------------------------------------------------------
def simulate(params, seed):
    d = Dreamer(seed, params["horizon"])
    # Fixed action noise for the fan of imagined rollouts, so it changes only as the actor does;
    # the first rollout has none: the actor's mean.
    noise = EXPLORE_STD * d.rng.standard_normal((SHOW + 1, d.horizon, 2))
    noise[0] = 0.0
    for kind, e, i, batch in loop(d):
        yield (_collect_frame(d, e, i, noise) if kind == "real" else _train_frame(d, i, batch))


def _collect_frame(d, episode, t, noise):
    items = _world_items(d)
    summary = (f"episode {episode + 1} of {EPISODES}, real step {t + 1}/{EPISODE_STEPS}: "
               f"return so far {d.episode_return:.1f}")
    if d.world is None:
        return _frame(d, items, None, summary + "; no world model yet, the first episode explores")
    dream = d.dream_from(d.s, noise)
    items.insert(-2, {"lines": _in_view(dream[0][1:]), "role": "imagined", "alpha": 0.3})
    items.insert(-2, {"line": _in_view(dream[0][0]), "role": "imagined", "stroke": 2.5})
    summary += f"; imagined from here: {_split(dream)}; {_drift(d)}"
    return _frame(d, items, dream, summary)


def _split(dream):
    R, (rewards, critic) = dream[2], dream[4]
    return (f"λ-return {R[0, 0]:.1f} = predicted rewards {rewards[0]:.1f} "
            f"+ critic {critic[0]:.1f}")


def drift(d):
    """How far (m) the model's replay of this episode's actions is from the real path, per step."""
    n = len(d.replay)
    return np.linalg.norm(np.array(d.replay)[:, :2] - np.array(d.path[:n])[:, :2], axis=1)


def _drift(d, episode="this"):
    return (f"replaying {episode} episode's {len(d.replay) - 1} actions, the model is "
            f"{drift(d)[-1]:.2f} m off")


def _train_frame(d, k, batch):
    items = _world_items(d)
    items.insert(-2, {"lines": _in_view(batch[:12]), "role": "imagined", "alpha": 0.45})
    items.insert(-2, {"points": pm.positions(batch[:12, 0]), "role": "real", "size": 3})
    dream = d.dream_from(pm.START)
    summary = (f"training in imagination, update {k + 1}/{TRAIN_STEPS}: mean imagined "
               f"λ-return {d.imagined[-1]:.1f}; from the start, {_split(dream)}; "
               f"real return first episode {d.returns[0]:.1f}, last {d.returns[-1]:.1f}")
    if len(d.replay) > 1:
        summary += f"; {_drift(d, 'the last')}"
    return _frame(d, items, dream, summary)


def _in_view(Z):
    """Imagined positions for drawing: the wall-less model may dream past the arena's edge,
    which is drawn as running along it."""
    return np.clip(pm.positions(Z), pm.LO, pm.HI)


def _world_items(d):
    """Arena, goal, earlier episodes (faint) and the current one in teal."""
    items = pm.arena_items(obstacle=False)
    n = len(d.returns) * EPISODE_STEPS
    if n:
        S2 = np.array(d.data["S2"][:n]).reshape(-1, EPISODE_STEPS, 4)
        items.append({"lines": pm.positions(S2), "role": "real", "alpha": 0.2, "stroke": 1})
    current = np.array(d.path)
    if len(d.replay) > 1:
        items.append({"line": _in_view(np.array(d.replay)), "role": "imagined", "dash": True,
                      "stroke": 1.5})
    items += [{"line": pm.positions(current), "role": "real", "stroke": 2.5},
              {"points": pm.positions(current[-1:]), "role": "real", "size": 6}]
    return items


def _frame(d, world_items, dream, summary):
    """The four panels; `dream` = (latents, rewards, lambda-returns, v(z_H)) of one rollout."""
    H = d.horizon
    reward_items, return_items = [], []
    lo, hi = -5.0, 20.5
    if dream is None:
        note = {"text": "no model yet", "at": [H / 2, 0.5], "align": "center", "role": "muted"}
        reward_items.append(note)
        return_items.append(dict(note, at=[H / 2, 8.0]))
    else:
        Z, r, R, vH, _ = dream
        steps = np.arange(H + 1)
        reward_items.append({"bars": np.stack([steps[1:], r[0]], 1), "role": "reward",
                             "width": 0.7})
        curve = np.concatenate([R[0], vH[:1]])
        lo, hi = min(lo, float(curve.min()) - 1), max(hi, float(curve.max()) + 1)
        return_items += [{"line": np.stack([steps, curve], 1), "role": "imagined", "stroke": 2},
                         {"points": np.array([[H, vH[0]]]), "role": "ink", "size": 5}]
    episodes = np.arange(1, len(d.returns) + 1)
    curve_items = [{"points": np.array([[len(d.returns) + 1, d.episode_return]]), "role": "real",
                    "size": 4, "alpha": 0.4}]
    if len(d.returns):
        past = np.stack([episodes, d.returns], 1)
        curve_items += [{"line": past, "role": "real"}, {"points": past, "role": "real", "size": 4}]
    return {
        "panels": [
            {"title": "Real and imagined paths", "x": pm.ARENA_X, "y": pm.ARENA_Y,
             "aspect": 0.75, "weight": 1.5, "xlabel": "x (m)", "ylabel": "y (m)",
             "items": world_items},
            {"title": "Predicted rewards", "x": [0, H + 1], "y": [-0.3, 1.1],
             "xlabel": "imagined step", "ylabel": "predicted reward", "items": reward_items},
            {"title": "λ-return along the rollout", "x": [0, max(H, 1)], "y": [lo, hi],
             "xlabel": "imagined step", "ylabel": "λ-return", "items": return_items},
            {"title": "Real return per episode", "x": [0.5, EPISODES + 0.5],
             "y": [min([0.0, d.episode_return - 2] + [x - 2 for x in d.returns]), 40],
             "xlabel": "episode", "ylabel": "return", "items": curve_items},
        ],
        "legend": [["real", "real states (true system)"], ["imagined", "imagined by the model (dashed: replaying the real actions)"],
                   ["reward", "goal / predicted reward"], ["ink", "critic value at the horizon"]],
        "summary": summary,
        "metrics": {} if dream is None else _metrics(dream),
    }


def _metrics(dream):
    """The summary's split of the λ-return from the rollout's start, and the rewards' share."""
    R, (rewards, critic) = float(dream[2][0, 0]), (float(dream[4][0][0]), float(dream[4][1][0]))
    return {"lambda_return": R, "rewards": rewards, "critic": critic,
            "reward_share": rewards / (rewards + critic) if rewards + critic else 0.0}
