"""The sample-efficiency sim: its controls and frames, and model-based vs model-free learning."""

import numpy as np
import pytest

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


CLAIM_SEEDS = range(5)        # 5 sims of 8 runs each: 40 runs per agent


@pytest.fixture(scope="module")
def measured():
    """Mean real steps to 90 % of the best return and mean final greedy return, per accuracy."""
    return {accuracy: mean_steps_to_learn(accuracy, CLAIM_SEEDS, se.TOTAL_STEPS)
            for accuracy in (1.0, 0.7, 0.5, 0.4, 0.3, 0.0)}


def test_ch1_claim_at_100_percent_dyna_q_rises_faster(measured):
    """Try it: "at 100 % model accuracy, which curve rises faster?" Dyna-Q, several times."""
    (q_learning, dyna), finals = measured[1.0]
    assert dyna * 3 <= q_learning
    assert finals[1] >= se.THRESHOLD * se.best_return()


def test_ch1_claim_the_default_flawed_model_still_gives_a_fourfold_head_start(measured):
    """"even the default model, wrong 30 % of the time, still lets Dyna-Q reach 90 % of the best
    return about four times sooner than Q-learning"."""
    (q_learning, dyna), _ = measured[0.7]
    assert 3.3 <= q_learning / dyna <= 5.5


def test_ch1_claim_at_50_percent_dyna_q_is_first_but_ends_worse(measured):
    """"At 50 % accuracy Dyna-Q still gets there first, yet its final policy is worse"."""
    (q_learning, dyna), (q_final, dyna_final) = measured[0.5]
    assert dyna * 2 <= q_learning
    assert dyna_final < q_final - 0.03


def test_ch1_claim_the_head_start_is_lost_at_about_35_percent(measured):
    """Try it: "At what accuracy does Dyna-Q lose its head start?" Between 40 % and 30 %."""
    (q_learning, dyna), _ = measured[0.4]
    assert dyna * 1.25 <= q_learning
    (q_learning, dyna), _ = measured[0.3]
    assert q_learning * 1.5 <= dyna


def test_ch1_claim_below_30_percent_a_flawed_model_is_worse_than_none(measured):
    """Try it: "at 0 %, will Dyna-Q merely match Q-learning, or do worse?" Worse: it never learns
    the route, while every Q-learning run does."""
    (q_learning, dyna), (q_final, dyna_final) = measured[0.0]
    assert dyna == se.TOTAL_STEPS and q_learning < 0.7 * se.TOTAL_STEPS
    assert dyna_final < 0.1 * se.best_return() < q_final
    (_, dyna), (_, dyna_final) = measured[0.3]   # "most runs never learn the route at all"
    assert dyna > 0.8 * se.TOTAL_STEPS and dyna_final < 0.2 * se.best_return()


def test_ch1_claim_a_corrupted_model_returns_a_wrong_transition():
    """Try it: "with probability 1 − accuracy it returns a wrong transition": every substitute is
    a cell the true move does not lead to."""
    world = se.WORLD
    true_next = world["next"].ravel()
    for sa in range(true_next.size):
        options = world["wrong"][sa, :world["n_wrong"][sa]]
        assert len(options) >= 1 and true_next[sa] not in options
