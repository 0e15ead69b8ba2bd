"""The sims' contract is defined once, in sims/contract.py: every page carries it in its config
JSON, and the page's scripts read it from there instead of repeating it."""

import json
import re

from conftest import ROOT
from sims import contract

CONFIG = re.compile(r'<script type="application/json" id="course-config">(.*?)</script>', re.S)


def test_every_page_carries_the_contract(built_site):
    expected = json.loads(json.dumps(contract.for_pages()))
    pages = sorted(built_site.glob("*.html"))
    assert len(pages) > 5
    for page in pages:
        config = json.loads(CONFIG.search(page.read_text(encoding="utf-8")).group(1))
        assert config["contract"] == expected, page.name


def test_no_script_repeats_the_roles_or_the_limits():
    for script in sorted((ROOT / "static" / "js").glob("*.js")):
        source = script.read_text(encoding="utf-8")
        assert '"uncertainty"' not in source and "spec: 200" not in source, script.name
    source = (ROOT / "static" / "js" / "contract.js").read_text(encoding="utf-8")
    assert "course-config" in source
