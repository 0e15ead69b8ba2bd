"""Frames a learner's edited code could yield to freeze or crash the page: the payloads of
the frame-limit tests, for the runner (tests/sims) and the browser (tests/browser) alike."""

# Each hostile frame, as the learner's edited code could yield it (first frame of the sim).
HOSTILE = {
    # The old tick loop stepped 1e-16 at a time: the page froze for over a minute.
    "tiny_range": '{"panels": [dict(PANEL, x=[1, 1.0000000000000002])]}',
    "huge_range": '{"panels": [dict(PANEL, y=[-1e308, 1e308])]}',
    "nan_range": '{"panels": [dict(PANEL, y=[0, float("nan")])]}',  # JSON.parse refuses NaN
    "nan_option": '{"panels": [dict(PANEL, items=[{"line": np.zeros((2, 2)), "alpha": float("nan")}])]}',
    "long_title": '{"panels": [dict(PANEL, title="word " * 6000)]}',
    "long_summary": '{"panels": [PANEL], "summary": "s" * 30000}',
    # A 20000 x 20000 view of one number: no memory until something copies it.
    "huge_image": '{"panels": [dict(PANEL, items=[{"image": np.broadcast_to(np.float32(0.5), (20000, 20000))}])]}',
    "many_panels": '{"panels": [PANEL] * 100_000}',
    "many_items": '{"panels": [dict(PANEL, items=[{"text": "t", "at": [0.5, 0.5]}] * 100_000)]}',
    "many_points": '{"panels": [dict(PANEL, items=[{"points": np.broadcast_to(np.float32(0.5), (10**7, 2))}])]}',
    "tall_panel": '{"panels": [dict(PANEL, aspect=1e6)]}',
}
SOURCE = '''import numpy as np

PANEL = {"title": "A panel", "x": [0, 1], "y": [0, 1], "items": []}


def simulate(params, seed):
    yield %s
'''


def hostile_source(payload):
    return SOURCE % HOSTILE[payload]
