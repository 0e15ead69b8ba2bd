"""The offline worker the builder writes: every shipped file listed, and a version that follows
any change to any of them, so the offline copy never keeps an old page or runtime file."""

import json
import re

import pytest

from builder import site

CHAPTER = "---\ntitle: One\ndescription: A page for the offline worker.\norder: 1\n---\n## Goal\n\n{text}\n"


def worker(out):
    source = (out / "sw.js").read_text(encoding="utf-8")
    version = json.loads(re.search(r"^const VERSION = (.*);$", source, re.M).group(1))
    files = json.loads(re.search(r"^const FILES = (.*);$", source, re.M).group(1))
    return version, files


@pytest.fixture
def build(course_dir, tmp_path, monkeypatch):
    runtime = {"pyodide.asm.wasm": b"one"}

    def install(out):
        (out / "pyodide").mkdir()
        for name, data in runtime.items():
            (out / "pyodide" / name).write_bytes(data)
    monkeypatch.setattr("builder.runtime.pyodide.install", install)
    root = course_dir({"01-one.md": CHAPTER.format(text="First words.")})

    def build(text="First words.", wasm=b"one"):
        (root / "chapters" / "01-one.md").write_text(CHAPTER.format(text=text), encoding="utf-8")
        runtime["pyodide.asm.wasm"] = wasm
        site.build(root, tmp_path / "out")
        return worker(tmp_path / "out")
    return build


def test_it_lists_every_shipped_file_and_nothing_else(build, tmp_path):
    _, files = build()
    out = tmp_path / "out"
    shipped = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                     if p.is_file() and not p.name.startswith(".") and p.name != "sw.js")
    assert files == shipped
    assert {"index.html", "one.html", "pyodide/pyodide.asm.wasm", "sims/bundle.json"} <= set(files)
    assert not any(name.startswith("static/js/offline") for name in files)  # no dead copy of it


def test_its_version_follows_a_page_or_runtime_change_alone(build):
    first, _ = build()
    assert build()[0] == first  # the same build, the same version
    assert build(text="Other words.")[0] != first
    assert build(wasm=b"two")[0] != first
