"""The self-hosted runtime: every file verified, sources tried in order, the lock trimmed."""

import hashlib
import json
import zipfile

import pytest

from builder.runtime import pyodide
from builder.runtime.npm import AssetError


def test_a_wheel_comes_from_the_first_source_with_the_right_sha256(tmp_path, monkeypatch):
    good = b"the real wheel"
    tried = []

    def tampered(name, tmp):
        tried.append("cdn")
        (tmp / name).write_bytes(b"something else")
        return tmp / name

    def carrier(name, tmp):
        tried.append("pypi")
        (tmp / name).write_bytes(good)
        return tmp / name

    monkeypatch.setattr(pyodide, "from_cdn", tampered)
    monkeypatch.setattr(pyodide, "from_carrier", carrier)
    target = tmp_path / pyodide.NUMPY_WHEEL
    pyodide.fetch_wheel(target, hashlib.sha256(good).hexdigest())
    assert tried == ["cdn", "pypi"]
    assert target.read_bytes() == good


def test_when_no_source_works_the_error_says_what_was_tried_and_what_to_do(tmp_path, monkeypatch):
    def offline(name, tmp):
        raise OSError("network unreachable")

    monkeypatch.setattr(pyodide, "from_cdn", offline)
    monkeypatch.setattr(pyodide, "from_carrier", offline)
    with pytest.raises(AssetError) as caught:
        pyodide.fetch_wheel(tmp_path / pyodide.NUMPY_WHEEL, "0" * 64)
    message = str(caught.value)
    assert "  - the CDN: network unreachable" in message and "  - PyPI: network unreachable" in message
    assert f"put it into {tmp_path}" in message and pyodide.WHEEL_CARRIER[0] in message
    assert not (tmp_path / pyodide.NUMPY_WHEEL).exists()


def test_the_shipped_lock_lists_exactly_what_is_shipped_with_its_sha256(built_site):
    folder = built_site / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert sorted(lock["packages"]) == ["numpy"]
    entry = lock["packages"]["numpy"]
    assert entry["sha256"] == pyodide.sha256(folder / entry["file_name"])
    shipped = {p.name for p in folder.iterdir()}
    assert shipped == {"pyodide-lock.json", entry["file_name"], *pyodide.RUNTIME_FILES[:-1]}


def test_the_shipped_numpy_leaves_out_what_only_building_against_it_needs(built_site):
    # Headers, static libraries and typing stubs would only slow every page's unpacking; the
    # modules, their bytecode, the extension modules and every licence ship.
    with zipfile.ZipFile(built_site / "pyodide" / pyodide.NUMPY_WHEEL) as wheel:
        names = set(wheel.namelist())
        record_file = next(n for n in names if n.endswith(".dist-info/RECORD"))
        record = {line.split(",", 1)[0] for line in wheel.read(record_file).decode().splitlines()}
    assert not [n for n in names if n.endswith((".pyi", ".h", ".a", ".pxd"))]
    assert "numpy/__init__.py" in names and "numpy/_core/_multiarray_umath.cpython-314-wasm32-emscripten.so" in names
    assert "numpy/__pycache__/__init__.cpython-314.pyc" in names
    assert any("LICENSE" in n for n in names if n.startswith("numpy/_core/include/"))
    assert record - names == set()  # RECORD names no file that is not shipped
