"""Files from pinned npm packages, fetched with `npm pack`, checked by sha256, cached."""

import hashlib
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import CourseError


class AssetError(CourseError):
    """A file the site needs could not be had; the message says what was tried and what to do."""


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("UWM_CACHE", Path(base) / "understand-world-models"))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def unpack(package, expected_sha256, files, folder):
    """Extract files ({path in the package: name}) of the npm package into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["npm", "pack", package, "--silent"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
        except (OSError, subprocess.SubprocessError) as error:
            raise AssetError(
                f"could not fetch the npm package {package} with 'npm pack' ({error}).\n"
                f"Install Node.js and npm, or put its files {', '.join(files)} into {folder} "
                f"under the names {', '.join(files.values())}") from error
        [tarball] = Path(tmp).glob("*.tgz")
        if sha256(tarball) != expected_sha256:
            raise AssetError(f"{tarball.name} does not match its pinned sha256: refusing to use it")
        with tarfile.open(tarball) as tar:
            for member, name in files.items():
                (folder / name).write_bytes(tar.extractfile(f"package/{member}").read())
