"""Helpers shared by the sim tests: run a sim with its default controls and collect its frames."""

import itertools

from sims import contract


def frames(sim, seed=0, limit=None, **params):
    """The frames of `sim.simulate` with every control at its default but those in params.

    At most `limit` frames; None runs the sim to its end, so pass a limit for a sim that
    animates without end (ball, latent).
    """
    run = sim.simulate({**contract.defaults(sim.CONTROLS), **params}, seed)
    return list(itertools.islice(run, limit))


def packed(frame_list):
    """Each frame as the browser receives it: (spec JSON, flat float32 buffer)."""
    return [contract.pack(f) for f in frame_list]
