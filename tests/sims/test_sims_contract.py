"""Every registered sim keeps the contract in sims/contract.py: valid controls, valid frames of a
bounded size, determinism under the seed, and every control's extreme values run."""

import importlib

import numpy as np
import pytest

import sims
from sims import contract
from simkit import frames, packed

MODULES = {name: importlib.import_module(f"sims.{name}") for name in sims.NAMES}


def extreme_values(control):
    """The values of a control most likely to break a sim: a slider's ends, every option."""
    if control["kind"] == "slider":
        return [control["min"], control["max"]]
    if control["kind"] == "choice":
        return [value for value, _ in control["options"]]
    if control["kind"] == "toggle":
        return [False, True]
    return []


EXTREMES = [(name, c["name"], value) for name, sim in MODULES.items()
            for c in sim.CONTROLS for value in extreme_values(c)]


@pytest.mark.parametrize("name", sims.NAMES)
def test_controls_follow_the_contract(name):
    contract.validate_controls(MODULES[name].CONTROLS)


@pytest.mark.parametrize("name", sims.NAMES)
def test_first_frames_follow_the_contract_and_stay_small(name):
    shown = frames(MODULES[name], limit=60)
    assert shown
    for frame in shown:
        contract.validate_frame(frame)
        assert contract.pack(frame)[1].size < 50_000


@pytest.mark.parametrize("name", sims.NAMES)
def test_same_seed_same_frames_other_seed_differs(name):
    a, b, c = (packed(frames(MODULES[name], seed=s, limit=30)) for s in (3, 3, 4))
    assert len(a) == len(b)
    for (spec_a, data_a), (spec_b, data_b) in zip(a, b):
        assert spec_a == spec_b and np.array_equal(data_a, data_b)
    assert any(not np.array_equal(data_a, data_c) for (_, data_a), (_, data_c) in zip(a, c))


@pytest.mark.parametrize("name,control,value", EXTREMES)
def test_extreme_control_values_run(name, control, value):
    shown = frames(MODULES[name], limit=3, **{control: value})
    assert len(shown) == 3
    for frame in shown:
        contract.validate_frame(frame)
