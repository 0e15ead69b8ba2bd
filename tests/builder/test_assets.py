"""The self-hosted runtime: every file verified, sources tried in order, the lock trimmed."""

import hashlib
import json
import shutil
import tarfile
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
    assert entry["file_name"] == pyodide.NUMPY_WHEEL.removesuffix(".whl") + ".tar.gz"
    assert entry["sha256"] == pyodide.sha256(folder / entry["file_name"])
    shipped = {p.name for p in folder.iterdir()}
    assert shipped == {"pyodide-lock.json", entry["file_name"], *pyodide.RUNTIME_FILES[:-1]}


def test_every_page_gives_the_worker_the_lock_so_it_asks_the_server_nothing_first(built_site):
    lock = json.loads((built_site / "pyodide" / "pyodide-lock.json").read_text())
    html = (built_site / "index.html").read_text(encoding="utf-8")
    config = json.loads(html.split('id="course-config">', 1)[1].split("</script>", 1)[0])
    key = pyodide.snapshot_key(built_site / "pyodide", built_site / "static" / "js" / "worker.js")
    assert config["python"] == {"lock": lock, "unpacked": True, "snapshot": key}


def test_a_snapshot_of_python_is_named_by_everything_it_is_made_from(built_site, tmp_path):
    # The worker restores only the snapshot under this name (tests/browser/test_security_browser.py).
    runtime, worker = tmp_path / "pyodide", tmp_path / "worker.js"
    runtime.mkdir()
    for name in ("python_stdlib.zip", "pyodide-lock.json"):
        shutil.copy(built_site / "pyodide" / name, runtime / name)
    shutil.copy(built_site / "static" / "js" / "worker.js", worker)
    key = pyodide.snapshot_key(runtime, worker)
    assert len(key) == 32 and pyodide.snapshot_key(runtime, worker) == key
    for changed in (runtime / "python_stdlib.zip", runtime / "pyodide-lock.json", worker):
        original = changed.read_bytes()
        changed.write_bytes(original + b" ")
        assert pyodide.snapshot_key(runtime, worker) != key, changed.name
        changed.write_bytes(original)


def shipped_numpy(built_site):
    """{name: bytes} of the numpy files the site ships (a gzipped tar of the precompiled wheel's files)."""
    with tarfile.open(built_site / "pyodide" / (pyodide.NUMPY_WHEEL.removesuffix(".whl") + ".tar.gz")) as tar:
        assert all(m.isfile() for m in tar.getmembers())  # the worker writes files only
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def test_numpy_ships_as_the_wheels_files_with_its_metadata(built_site):
    # The tar holds exactly what Pyodide would have unpacked from the (precompiled) wheel, so
    # importlib.metadata still finds numpy with no install step.
    folder = pyodide.precompiled(pyodide.cache_dir(), ["python_stdlib.zip", pyodide.NUMPY_WHEEL])
    with zipfile.ZipFile(folder / pyodide.NUMPY_WHEEL) as wheel:
        expected = {i.filename: wheel.read(i) for i in wheel.infolist() if not i.is_dir()}
    assert shipped_numpy(built_site) == expected


def test_the_shipped_numpy_leaves_out_what_only_building_against_it_needs(built_site):
    # Headers, static libraries and typing stubs would only slow every page's unpacking; the
    # modules, their bytecode, the extension modules and every licence ship.
    files = shipped_numpy(built_site)
    names = set(files)
    record_file = next(n for n in names if n.endswith(".dist-info/RECORD"))
    record = {line.split(",", 1)[0] for line in files[record_file].decode().splitlines()}
    assert not [n for n in names if n.endswith((".pyi", ".h", ".a", ".pxd"))]
    assert "numpy/__init__.py" in names and "numpy/_core/_multiarray_umath.cpython-314-wasm32-emscripten.so" in names
    assert "numpy/__pycache__/__init__.cpython-314.pyc" in names
    assert any("LICENSE" in n for n in names if n.startswith("numpy/_core/include/"))
    assert record - names == set()  # RECORD names no file that is not shipped


def test_the_wheel_ships_instead_when_asked(tmp_path, monkeypatch):
    # The benchmark's comparison (UWM_NUMPY=wheel): Pyodide installs the wheel itself.
    monkeypatch.setenv("UWM_NUMPY", "wheel")
    python = pyodide.install(tmp_path)
    entry = python["lock"]["packages"]["numpy"]
    assert python["unpacked"] is False and entry["file_name"] == pyodide.NUMPY_WHEEL
    assert entry["sha256"] == pyodide.sha256(tmp_path / "pyodide" / pyodide.NUMPY_WHEEL)
    assert json.loads((tmp_path / "pyodide" / "pyodide-lock.json").read_text()) == python["lock"]


def test_an_unknown_form_of_numpy_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("UWM_NUMPY", "zip")
    with pytest.raises(AssetError, match="UWM_NUMPY=zip: use one of tar.gz, tar, wheel"):
        pyodide.install(tmp_path)
