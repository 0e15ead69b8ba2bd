"""Run inside Pyodide (under Node.js): add bytecode for Python 3.14 to the stdlib zip and wheels.

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


def cached_name(path, zipimported):
    """Where the import system looks for path's bytecode: zipimport beside it, else __pycache__."""
    if zipimported:
        return path[:-3] + ".pyc"
    folder, base = posixpath.split(path)
    return posixpath.join(folder, "__pycache__", f"{base[:-3]}.{sys.implementation.cache_tag}.pyc")


def precompile_archive(source, target, prefix, imported):
    zipimported = prefix.endswith(".zip/")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        for info in zin.infolist():
            data = zin.read(info)
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
