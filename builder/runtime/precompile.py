"""Run inside Pyodide (under Node.js): add bytecode for Python 3.14 to the stdlib zip and wheels,
and leave out what only compiling against them needs.

Pyodide ships Python sources only, so every page load compiled them again. Each module the
sims import gets an unchecked hash-based .pyc in __pycache__ (the stdlib's zip holds it in place of the source, for zipimport): imports skip compiling,
numpy's tracebacks still show source lines, and modules never imported add no weight.
Called as precompile(triples, imported): (source, target, prefix) per archive, where prefix is
where its files land in Pyodide's file system, and the set of imported modules' file paths.
"""

import importlib._bootstrap_external as bootstrap
import importlib.util
import posixpath
import sys
import zipfile

# C headers and sources, static libraries, typing stubs, Cython declarations: read when building
# against numpy, never when running it. Dropping them leaves two fifths fewer files for Pyodide to
# unpack on every page load. Licences always ship.
BUILD_ONLY = (".pyi", ".pxd", ".pyx", ".h", ".c", ".a")


def cached_name(path, zipimported):
    """Where the import system looks for path's bytecode: zipimport beside it, else __pycache__."""
    if zipimported:
        return path[:-3] + ".pyc"
    folder, base = posixpath.split(path)
    return posixpath.join(folder, "__pycache__", f"{base[:-3]}.{sys.implementation.cache_tag}.pyc")


def build_only(name):
    return name.endswith(BUILD_ONLY) and "LICENSE" not in name.upper()


def without(record, dropped):
    """A wheel's RECORD without the lines of files it no longer holds."""
    lines = record.decode().splitlines(keepends=True)
    return "".join(line for line in lines if line.split(",", 1)[0] not in dropped).encode()


def precompile_archive(source, target, prefix, imported):
    zipimported = prefix.endswith(".zip/")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        dropped = {name for name in names if build_only(name)}
        for info in zin.infolist():
            if info.filename in dropped:
                continue
            data = zin.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = without(data, dropped)
            pyc_name = cached_name(info.filename, zipimported)
            if info.filename.endswith(".py") and prefix + info.filename in imported and pyc_name not in names:
                code = compile(data, prefix + info.filename, "exec", dont_inherit=True)
                pyc = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
                zout.writestr(pyc_name, bytes(pyc))
                if zipimported:  # zipimport runs the .pyc alone; the source would only add weight
                    continue
            zout.writestr(info, data)


def precompile(triples, imported):
    for source, target, prefix in triples:
        precompile_archive(source, target, prefix, set(imported))
