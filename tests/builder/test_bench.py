"""The benchmark's own parts, without a browser and without timing anything."""

import gzip
import importlib.util
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench import report, server, stats, synthetic


def test_percentiles_interpolate_and_summaries_skip_missing_values():
    assert stats.percentile([4, 1, 3, 2], 50) == 2.5
    assert stats.percentile([10, 20, 30, 40, 50], 95) == 48
    assert stats.percentile([], 50) is None
    s = stats.summarize([3, None, 1, 2])
    assert (s["n"], s["median"], s["min"], s["max"]) == (3, 2, 1, 3)
    assert stats.summarize([None])["median"] is None


def test_linear_fit_recovers_a_line():
    intercept, slope = stats.linear_fit([100, 250, 500], [1.5, 3.0, 5.5])
    assert round(intercept, 6) == 0.5 and round(slope, 6) == 0.01


def test_growth_that_is_not_linear_is_flagged():
    builds = lambda seconds: [{"cpu": seconds, "write": seconds / 5}]
    linear = report.linearity({"100": builds(1.0), "250": builds(2.5), "500": builds(5.0)})
    quadratic = report.linearity({"100": builds(1.0), "250": builds(6.25), "500": builds(25.0)})
    assert linear["met"] is True and quadratic["met"] is False


def test_growth_counts_each_sizes_fastest_build_so_one_disturbed_build_is_no_trend():
    builds = lambda *seconds: [{"cpu": s, "write": s / 5} for s in seconds]
    disturbed = report.linearity({"100": builds(1.0, 1.1), "250": builds(2.5, 2.6), "500": builds(7.0, 5.0)})
    slower = report.linearity({"100": builds(1.0, 1.1), "250": builds(2.5, 2.6), "500": builds(7.0, 6.5)})
    assert disturbed["met"] is True and slower["met"] is False


def test_weight_separates_own_files_runtime_sims_and_pages_fetched_ahead():
    log = [{"path": "/a.html", "status": 200, "bytes": 10, "raw": 30},
           {"path": "/static/js/sim.js", "status": 200, "bytes": 5, "raw": 9},
           {"path": "/b.html", "status": 200, "bytes": 7, "raw": 20},
           {"path": "/pyodide/pyodide.asm.wasm", "status": 200, "bytes": 100, "raw": 300},
           {"path": "/sims/bundle.json", "status": 200, "bytes": 8, "raw": 40}]
    w = report.weight(log, "/a.html")
    assert w["own"] == {"bytes": 15, "raw": 39}
    assert (w["prefetched"]["bytes"], w["runtime"]["bytes"], w["sims"]["bytes"]) == (7, 100, 8)


def test_a_missed_target_reads_no_in_the_table():
    rows = [report.row("next chapter", [120, 180, 200], "ms", "<= 150", lambda v: v <= 150),
            report.row("fast enough", [10, 20], "ms", "<= 150", lambda v: v <= 150)]
    lines = report.table(rows).splitlines()
    assert lines[1].split()[-1] == "NO" and lines[2].split()[-1] == "yes"


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_server_compresses_like_github_pages_and_revalidates(tmp_path):
    (tmp_path / "pyodide").mkdir()
    files = {"index.html": b"<p>hello</p>" * 50, "pyodide/a.wasm": b"\0asm" * 500,
             "pyodide/a.mjs": b"export const a = 1;" * 50, "pyodide/lib.zip": b"PK" * 500}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    pages = server.serve(tmp_path)
    try:
        gz = {"Accept-Encoding": "gzip"}
        for name, kind in (("index.html", "text/html"), ("pyodide/a.wasm", "application/wasm"),
                           ("pyodide/a.mjs", "text/javascript")):
            status, headers, body = fetch(pages.url + name, gz)
            assert status == 200 and headers["Content-Type"].startswith(kind)
            assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == files[name]
        status, headers, body = fetch(pages.url + "pyodide/lib.zip", gz)
        assert headers["Content-Encoding"] is None and body == files["pyodide/lib.zip"]
        etag = headers["ETag"]
        assert fetch(pages.url + "pyodide/lib.zip", {"If-None-Match": etag})[0] == 304
        assert fetch(pages.url + server.NO_PYTHON[1:] + "index.html")[0] == 200
        assert fetch(pages.url + server.NO_PYTHON[1:] + "pyodide/a.wasm")[0] == 404
        log = pages.take_log()
        assert log[0]["path"] == "/index.html" and log[0]["bytes"] < log[0]["raw"]
        assert pages.take_log() == []
    finally:
        pages.shutdown()
        pages.server_close()


def test_a_synthetic_course_of_50_chapters_builds(tmp_path):
    root = synthetic.make_course(tmp_path / "course", 50)
    result = synthetic.timed_build(root, tmp_path / "site")
    assert result["chapters"] == 50
    page = (tmp_path / "site" / "chapter-49.html").read_text(encoding="utf-8")
    for part in ("data-sim=", "data-quiz=", "<math", "<table", "callout", 'href="chapter-48.html#where-errors'):
        assert part in page, part
    assert not (tmp_path / "site" / "pyodide").exists(), "the runtime copy is left out of the timing"


def test_python_start_is_reported_for_three_visits_as_ratios_to_the_floor_of_the_same_run():
    load = lambda ms: {"ready": ms, "phases": [["worker created", 10]]}
    floor = lambda ms: {"loadPyodide": ms / 2, "done": ms}
    runs = [{"floor": {"cold": floor(4000), "reloads": [floor(2000), floor(1000)]},
             "chapter": {"cold": load(2000), "reloads": [load(1000), load(400)]},
             "compared": {"cold": load(3000), "reloads": [load(1500), load(500)]}},
            {"floor": {"cold": floor(2000), "reloads": [floor(1000), floor(1000)]},
             "chapter": {"cold": load(1200), "reloads": [load(300), load(300)]},
             "compared": {"cold": load(1200), "reloads": [load(300), load(300)]}}]
    r = {"chapter": "one", "runs": runs, "config": {"loading_only": True, "compare": "X=1"}}
    rows = {x["metric"]: x for x in report.summarize_results(r)}
    first = rows["chapter one / floor, first revisit (per run)"]
    assert first["summary"]["min"] == 0.3 and first["summary"]["max"] == 0.5 and first["met"] is False
    assert rows["chapter one / floor, cold (per run)"]["value"] == 0.55  # median of 0.5 and 0.6
    later = rows["chapter one / floor, later revisit (per run)"]
    assert round(later["value"], 6) == 0.35 and later["met"] is False  # 0.4 and 0.3 against <= 0.3
    assert rows["chapter one (X=1) / floor, cold (per run)"]["summary"]["max"] == 0.75
    assert rows["floor: stock Pyodide + numpy, first revisit"]["value"] == 1500


def bench_script():
    """bench.py, the script beside the bench package."""
    spec = importlib.util.spec_from_file_location("bench_script", Path(__file__).parents[2] / "bench.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_compare_takes_a_build_option_or_a_site_built_elsewhere(tmp_path, capsys):
    script = bench_script()
    with pytest.raises(SystemExit):
        script.parse_args(["--compare", str(tmp_path)])  # an empty folder is no site
    assert "neither NAME=VALUE nor a folder holding a built site" in capsys.readouterr().err
    before = tmp_path / "before"
    before.mkdir()
    (before / "index.html").write_text("<!DOCTYPE html><title>before</title>")
    assert script.parse_args(["--compare", str(before)]).compare == str(before)
    (tmp_path / "run" / "site").mkdir(parents=True)
    script.compared_build(tmp_path / "run", str(before))
    assert (tmp_path / "run" / "site" / "compared" / "index.html").read_text() == (before / "index.html").read_text()
