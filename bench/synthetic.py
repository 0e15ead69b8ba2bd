"""Synthetic courses of any length, built with the real templates, static files and sims.

Each chapter is about the size of a real one (~10 KB of Markdown) and uses every kind of
content: sections, emphasis, lists, a table, inline and display math, links to the previous
chapter and one of its anchors, a callout, a flow, a sim (the real sims in turn) and a quiz.
"""

import shutil
import time
from pathlib import Path

from builder import site
from builder.runtime import pyodide

ROOT = Path(__file__).resolve().parent.parent
SIMS = ("ball", "sample_efficiency", "latent", "dreamer", "jepa", "video", "planning",
        "compounding", "agent")

PROSE = (
    "A learned model is only as good as the data it was fitted to. Where the agent has seen many "
    "transitions, its predictions are **accurate** and its plans work; where it has seen few, the "
    "model extrapolates, and a planner that trusts it will find the places where it is *wrong in "
    "its favour*. Chapter {n} looks at that from one more angle, with numbers you can check in the "
    "simulation below rather than pictures. "
)


def chapter_text(n, sim):
    """One chapter: ~10 KB of Markdown, ten inline formulas and two displayed, as a real one."""
    back = (f"As in [the previous chapter]({n - 1:04d}-chapter-{n - 1}.md) and its "
            f"[section on errors]({n - 1:04d}-chapter-{n - 1}.md#where-errors-come-from), ") if n else ""
    prose = PROSE.format(n=n) * 3
    return f"""---
title: Synthetic Chapter {n}
description: Chapter {n} of a synthetic course, as long and as varied as a real one.
order: {n}
---

{back}a **world model** predicts the next state $s_{{t+1}}$ from the state $s_t$ and the action
$a_t$, and is fitted by minimising $\\mathcal{{L}}(\\theta)$. {prose}

## The idea

{prose}

- The **state** is what the model needs to know about the moment $t$.
- The **action** is what the agent does; the model must take it as an input.
- The **reward** says how good an outcome is: $r_t = R(s_t, a_t)$.

$$
\\hat s_{{t+1}} = f_\\theta(s_t, a_t), \\qquad \\mathcal{{L}}(\\theta) = \\sum_t \\lVert \\hat s_{{t+1}} - s_{{t+1}} \\rVert^2
$$

{prose}

::: callout The core idea
Learn how the world works first, then plan inside the model: imagination is cheap, real mistakes are not.
:::

## Where errors come from

{prose}

| horizon | one-step error | rollout error |
|---|---|---|
| 1 | 0.01 | 0.01 |
| 10 | 0.01 | 0.12 |
| 50 | 0.01 | 0.93 |

An error $\\epsilon$ per step compounds over a horizon $H$:

$$
\\lVert \\hat s_{{t+H}} - s_{{t+H}} \\rVert \\approx \\epsilon \\sum_{{k=0}}^{{H-1}} L^k
$$

{prose}

::: flow Model-based loop
state → world model → imagined rollouts → plan → action
:::

## Try it

::: sim {sim}
title: Simulation of chapter {n}
caption: Teal is real, orange is imagined by a model fitted to data.

**Try it.** Predict first: what happens when you move the slider to its maximum? Then move it and
compare with your prediction. {prose}
:::

## Check your understanding

::: quiz
What does a world model predict?

- [ ] The best action in every state.
  That is a *policy*: it says what to do, not what happens.
- [x] The next state, given the current state and an action.
  Right: $\\hat s_{{t+1}} = f(s_t, a_t)$, rolled out step by step.
- [ ] The total reward from now on.
  That is a *value*, estimated by a critic.
:::

## References

- David Ha & Jürgen Schmidhuber (2018). World Models. [arXiv:1803.10122](https://arxiv.org/abs/1803.10122).
"""


def make_course(folder, chapters):
    """A course of `chapters` synthetic chapters in folder, with the real templates, static and sims."""
    folder = Path(folder)
    for part in ("templates", "static", "sims"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "chapters").mkdir()
    for n in range(chapters):
        text = chapter_text(n, SIMS[n % len(SIMS)])
        (folder / "chapters" / f"{n:04d}-chapter-{n}.md").write_text(text, encoding="utf-8")
    return folder


def timed_build(root, out):
    """Build root into out: {seconds, cpu, gather (reading and validating), write, chapters}.

    The copy of the Python runtime is skipped: it is a file copy, not the builder's work.
    """
    install, gather = pyodide.install, site.course_model.gather
    timing = {}

    def timed_gather(*args, **kwargs):
        start = time.perf_counter()
        try:
            return gather(*args, **kwargs)
        finally:
            timing["gather"] = time.perf_counter() - start

    pyodide.install, site.course_model.gather = (lambda out: None), timed_gather
    try:
        start, cpu = time.perf_counter(), time.process_time()
        course = site.build(root, out)
        timing["seconds"], timing["cpu"] = time.perf_counter() - start, time.process_time() - cpu
        timing["write"] = timing["seconds"] - timing["gather"]
    finally:
        pyodide.install, site.course_model.gather = install, gather
    return {**timing, "chapters": len(course.chapters)}
