"""The sample-efficiency sim: its controls and frames, and model-based vs model-free learning."""

import numpy as np

from sims import contract
from sims import sample_efficiency as se
from simkit import frames


def mean_steps_to_learn(accuracy, seeds, total):
    """Per-run real steps to 90 % of the best return, averaged; a run that never gets there
    counts as `total` (which understates how slow it is)."""
    learned, finals = [], []
    for seed in seeds:
        steps, returns = se.learning_curves(accuracy, seed, total=total, every=50)
        learned.append(np.minimum(se.steps_to_learn(steps, returns), total))
        finals.append(returns[:, :, -1])
    learned, finals = np.concatenate(learned, axis=1), np.concatenate(finals, axis=1)
    return learned.mean(axis=1), finals.mean(axis=1)  # (Q-learning, Dyna-Q) each


def test_controls_follow_the_contract():
    contract.validate_controls(se.CONTROLS)
    accuracy = next(c for c in se.CONTROLS if c["name"] == "accuracy")
    assert (accuracy["min"], accuracy["max"], accuracy["default"]) == (0, 100, 70)
    assert accuracy["unit"] == "%"


def test_every_frame_follows_the_contract_and_the_run_ends():
    shown = frames(se)
    assert len(shown) == se.TOTAL_STEPS // se.STEPS_PER_FRAME + 1
    for frame in shown:
        contract.validate_frame(frame)
        assert frame["summary"]
        assert contract.pack(frame)[1].size < 50_000
    curves = shown[-1]["panels"][0]
    lines = [np.asarray(item["line"]) for item in curves["items"] if "line" in item]
    for line in lines:
        assert curves["y"][0] <= line[:, 1].min() and line[:, 1].max() <= curves["y"][1]
    assert lines[-1][-1, 0] == se.TOTAL_STEPS


def test_the_maze_is_solvable_and_returns_are_bounded():
    best = se.best_return()
    assert 0 < best < 1
    steps, returns = se.learning_curves(1.0, 0, seeds=2, total=600, every=100)
    assert returns.shape == (2, 2, len(steps))
    assert np.all((returns >= 0) & (returns <= best + 1e-12))


def test_an_accurate_model_saves_real_steps():
    """With a perfect model, Dyna-Q needs several times fewer real steps than Q-learning."""
    learned, finals = mean_steps_to_learn(1.0, seeds=[0, 1], total=se.TOTAL_STEPS)
    q_learning, dyna = learned
    assert dyna * 3 <= q_learning
    assert finals[1] >= se.THRESHOLD * se.best_return()


def test_a_bad_model_loses_the_advantage():
    """A model that is mostly wrong teaches wrong moves: no speed-up and a worse final policy."""
    learned, finals = mean_steps_to_learn(0.1, seeds=[0, 1], total=se.TOTAL_STEPS)
    assert learned[1] >= learned[0]
    assert finals[1] < finals[0]
