"""The math font: STIX Two Math (SIL Open Font License), self-hosted so MathML renders well
everywhere without a third-party request. Browsers download it only for pages with math."""

import shutil

from . import npm

PACKAGE = "@fontsource/stix-two-math@5.3.0"
TARBALL_SHA256 = "948de1b5470fbbd745fedbe6135797454fe833d94feecc6f2073cd771fe2f5fd"
FILES = {"files/stix-two-math-latin-400-normal.woff2": "stix-two-math.woff2",
         "LICENSE": "stix-two-math-OFL.txt"}


def install(out):
    """Copy the font and its licence into out/static/fonts (see @font-face in course.css)."""
    folder = npm.cache_root() / "stix-two-math-5.3.0"
    if not all((folder / name).is_file() for name in FILES.values()):
        npm.unpack(PACKAGE, TARBALL_SHA256, FILES, folder)
    target = out / "static" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        shutil.copy2(folder / name, target / name)
