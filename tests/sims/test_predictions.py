"""Every chapter's prediction questions: the answer the sim gives at the page's seed is the
answer at other seeds too, and not by a near miss (the teaching claims' standard)."""

from pathlib import Path

import pytest

from builder import course, simreg

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(1, 5)  # 1 is the page's seed
MARGIN = 0.05  # of a boundary's size (at least 0.02): a value this near it is a near miss


def predictions():
    gathered = course.gather(ROOT)
    return [(c.slug, b, gathered.sims[b.sim]) for c in gathered.chapters for b in c.blocks("predict")]


PREDICTIONS = predictions()


def test_every_chapter_has_a_prediction_and_three_questions():
    gathered = course.gather(ROOT)
    for chapter in gathered.chapters:
        assert chapter.blocks("predict"), chapter.slug
        assert len(chapter.blocks("predict")) + len(chapter.blocks("quiz")) >= 3, chapter.slug
        assert any(sum(o.correct for o in q.options) > 1 for q in chapter.blocks("quiz")), \
            f"{chapter.slug}: no select-all question"


@pytest.mark.parametrize("slug, block, info", PREDICTIONS, ids=[f"{s}-{b.id}" for s, b, _ in PREDICTIONS])
def test_the_prediction_s_answer_holds_over_seeds_with_a_margin(slug, block, info):
    right = block.options[block.correct]
    assert block.seed in SEEDS
    for seed in SEEDS:
        value = simreg.measure(info, block.params, seed, block.metric, block.frame, block.when)
        if seed == block.seed:
            assert value == pytest.approx(block.value)  # what the page shows is what the sim gives
        for bound, inside in ((right.lo, value - right.lo), (right.hi, right.hi - value)):
            if abs(bound) != float("inf"):
                assert inside >= MARGIN * max(abs(bound), 0.4), (seed, value, bound)
