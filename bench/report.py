"""From raw measurements to the report: statistics, targets met or not, and the printed table."""

from .stats import linear_fit, percentile, summarize

KB = 1024
CATEGORIES = ("own", "runtime", "sims", "prefetched", "other")


def category(path, page):
    """What a file served for page is: our own HTML/CSS/JS, the Python runtime, the sims bundle,
    another page fetched ahead (the next chapter, counted in its own visit), or other."""
    if path.startswith("/pyodide/"):
        return "runtime"
    if path.startswith("/sims/"):
        return "sims"
    if path.endswith(".html") and path != page:
        return "prefetched"
    if path.endswith((".html", ".css", ".js", ".mjs")):
        return "own"
    return "other"


def weight(log, page):
    """Bytes sent (compressed as served) and their uncompressed size per category, and the files.
    Each visit in the benchmark is cold, so until its sims are ready nothing comes from a cache."""
    out = {c: {"bytes": 0, "raw": 0} for c in CATEGORIES}
    for entry in log:
        out[category(entry["path"], page)]["bytes"] += entry["bytes"]
        out[category(entry["path"], page)]["raw"] += entry["raw"]
    out["files"] = sorted({(e["path"], e["status"], e["bytes"]) for e in log})
    return out


def row(name, values, unit, target=None, test=None, stat="median", note=""):
    """One line of the report: a metric's summary and, when it has a target, whether it is met."""
    s = summarize(values)
    value = s[stat]
    met = None if test is None or value is None else bool(test(value))
    return {"metric": name, "unit": unit, "stat": stat, "value": value, "summary": s,
            "target": target, "met": met, "note": note}


def summarize_results(r):
    """The rows of the report, from the raw results of bench.py."""
    if r["config"].get("loading_only"):
        return starting(r) + starting(r, "compared") if r["runs"][0].get("compared") else starting(r)
    return loading(r) + (starting(r, "compared") if r["runs"][0].get("compared") else []) \
        + interaction(r) + transfer(r) + pictures(r.get("pictures")) + building(r["build"])


# Python's start, as a learner meets it, each against the floor's load of the same kind in the
# same run: a first visit; the first reload after it (the service worker and the page's
# compiled runtime in place, the code cache not yet warm); a later reload.
VISITS = (("cold", "first visit", lambda x: x["cold"], "<= 0.5", 0.5),
          ("first revisit", "first revisit", lambda x: x["reloads"][0], "<= 0.35", 0.35),
          ("later revisit", "later revisit", lambda x: x["reloads"][-1], "<= 0.3", 0.3))


def starting(r, which="chapter"):
    """The three visits of a chapter (or of the build compared with it, bench.py --compare):
    its times and its ratios to the floor."""
    runs = r["runs"]
    label = f"chapter {r['chapter']}" + (f" ({r['config']['compare']})" if which == "compared" else "")
    rows = []
    for name, floor_name, pick, target, limit in VISITS:
        floors, loads = [pick(x["floor"]) for x in runs], [pick(x[which]) for x in runs]
        if which == "chapter":
            rows.append(row(f"floor: stock Pyodide + numpy, {floor_name}", [f["done"] for f in floors], "ms",
                            note=marks(floors)))
        rows.append(row(f"{label}: sim ready, {name}", [c["ready"] for c in loads], "ms", note=phases(loads)))
        rows.append(row(f"{label} / floor, {name} (per run)", [c["ready"] / f["done"] for c, f in zip(loads, floors)],
                        "x", target, lambda v, limit=limit: v <= limit))
    return rows


def loading(r):
    runs = r["runs"]
    cold, warm = [x["chapter"]["cold"] for x in runs], [x["chapter"]["reloads"][-1] for x in runs]
    steps = [s for walk in r["next"] for s in walk]
    paints = lambda variant: [p for x in runs for p in x["lcp"][variant]]
    lcp = [p["lcp"]["t"] for p in paints("python") if p["lcp"]]
    lcp_blocked = [p["lcp"]["t"] for p in paints("blocked") if p["lcp"]]
    difference = summarize(lcp)["median"] - summarize(lcp_blocked)["median"] if lcp and lcp_blocked else None
    every = [c["ready"][0] for c in r["chapters"] if c["ready"]]
    slowest = max(r["chapters"], key=lambda c: c["ready"][0] if c["ready"] else 0)["chapter"]
    return [
        row(f"chapter {r['chapter']}: first sim picture, cold", [c.get("picture") for c in cold], "ms", "<= 300",
            lambda v: v <= 300, note="the build's SVG painted: no script or Python needed"),
        *starting(r),
        row("every chapter: first sim ready, cold", every, "ms",
            note=f"{len(every)} chapters, once each; slowest {slowest}"),
        row("next chapter: click -> sim ready", [s["ms"] for s in steps], "ms", "<= 150", lambda v: v <= 150,
            note=f"{len(steps)} clicks, {sum(s['in_place'] for s in steps)} swapped in place, "
                 f"p95 {fmt(summarize([s['ms'] for s in steps])['p95'])}"),
        row("LCP, cold, Python loading", lcp, "ms", "<= 300", lambda v: v <= 300,
            note=lcp_before_worker(paints("python"))),
        row("LCP, cold, Python blocked", lcp_blocked, "ms", "<= 300", lambda v: v <= 300),
        row("LCP: Python loading minus blocked", [difference], "ms", "<= 50 (unaffected)", lambda v: v <= 50,
            note="difference of the medians"),
        row("long tasks while Python loads, cold", [len(c["longtasks"]) for c in cold], "count", "0",
            lambda v: v == 0, stat="max", note=long_tasks(cold)),
        row("long tasks while Python loads, warm", [len(c["longtasks"]) for c in warm], "count", "0",
            lambda v: v == 0, stat="max", note=long_tasks(warm)),
    ]


def interaction(r):
    rows = []
    sims = [s for c in r["chapters"] for s in c["sims"]]
    for sim in sims:
        values = [v for series in sim["latencies"].values() for v in series]
        if not values:
            continue
        missing = sum(v is None for v in values)
        part = lambda k: fmt(summarize([p[k] for p in sim["parts"]])["median"])
        rows.append(row(f"control -> frame: {sim['sim']}", values, "ms", "p95 <= 50", lambda v: v <= 50,
                        stat="p95", note=f"p50 {fmt(summarize(values)['median'])}; median parts: input "
                        f"{part('input')}, worker {part('worker')}, draw {part('draw')}; {len(values)} changes "
                        f"of {', '.join(sim['latencies'])}" + (f"; {missing} without a frame" if missing else "")))
    for sim in sims:
        name = f"animation frame interval: {sim['sim']}"
        if sim["frames"] < 10:
            rows.append({**row(name, [], "ms"), "note": f"not animating: {sim['frames']} frames in the window"})
            continue
        worker, draw = summarize(sim["step_worker"]), summarize(sim["step_draw"])
        computed = summarize(sim["step_computed"])
        slow = sum(w > 16 for w in sim["step_worker"] if w is not None) / max(1, worker["n"])
        rows.append(row(name, sim["frame_intervals"], "ms", "p95 <= 17", lambda v: v <= 17, stat="p95",
                        note=f"rAF p95 {fmt(percentile(sim['raf_intervals'], 95))}; between the moments "
                             f"frames were drawn p50 {fmt(percentile(sim['drawn_intervals'], 50))}, "
                             f"p95 {fmt(percentile(sim['drawn_intervals'], 95))}; a step in the worker p50 "
                             f"{fmt(worker['median'])}, p95 {fmt(worker['p95'])}, {slow:.0%} over 16 ms (of which "
                             f"computing p50 {fmt(computed['median'])}, p95 {fmt(computed['p95'])}); drawing "
                             f"p95 {fmt(draw['p95'])}; {sim['frames']} frames"))
    return rows


def transfer(r):
    weights = [weight(c["log"], c["path"]) for c in r["chapters"]]
    kb = lambda part, size="bytes": [w[part][size] / KB for w in weights]
    own = kb("own")
    later = [sum(e["bytes"] for e in c["later"]) / KB for c in r["chapters"]]
    others = sorted({path for w in weights for path, _, size in w["files"] if category(path, "") == "other" and size})
    return [
        row("weight: own HTML+CSS+JS per chapter, cold", own, "KB", "<= 60", lambda v: v <= 60, stat="max",
            note=f"{len(own)} chapters, median {fmt(summarize(own)['median'])}; "
                 f"{fmt(max(kb('own', 'raw')))} KB uncompressed"),
        row("weight: Python runtime (pyodide/)", kb("runtime"), "KB", stat="max",
            note=f"{fmt(max(kb('runtime', 'raw')))} KB uncompressed"),
        row("weight: sims bundle", kb("sims"), "KB", stat="max"),
        row("weight: other pages, fetched ahead", kb("prefetched"), "KB", stat="max"),
        row("weight: other files", kb("other"), "KB", stat="max", note=", ".join(others)),
        row("weight: after the sims are ready (offline cache)", later, "KB", stat="max",
            note="fetched in the background once Python is up"),
    ]


def pictures(sizes):
    """Each sim's pictures (its two SVGs in the page), gzip-compressed: the heaviest, and the others."""
    if not sizes:
        return []
    heaviest = max(sizes, key=sizes.get)
    return [row("weight: a sim's pictures (SVG, wide and narrow, gzip)", [v / KB for v in sizes.values()], "KB", "<= 30",
                lambda v: v <= 30, stat="max", note=f"{len(sizes)} sims, heaviest {heaviest}; "
                + ", ".join(f"{name} {v / KB:.1f}" for name, v in sorted(sizes.items())))]


def building(build):
    median = lambda builds, key: fmt(summarize([b[key] for b in builds])["median"])
    rows = [row("build: this course", [b["seconds"] for b in build["course"]], "s",
                note=f"{build['course'][0]['chapters']} chapters, Pyodide copy skipped")]
    for n, builds in build["synthetic"].items():
        target, test = ("<= 10", lambda v: v <= 10) if int(n) == 500 else (None, None)
        rows.append(row(f"build: {n} synthetic chapters", [b["seconds"] for b in builds], "s", target, test,
                        note=f"CPU {median(builds, 'cpu')} s; of the wall time, reading and checking (gather) "
                             f"{median(builds, 'gather')} s, writing {median(builds, 'write')} s"))
    if len(build["synthetic"]) >= 3:
        rows.append(linearity(build["synthetic"]))
    return rows


def linearity(synthetic):
    """Linear if the largest build takes at most 15 % longer than the line through the two smaller
    ones predicts. Each size counts its fastest build in CPU seconds: what the work costs, with
    the least of other work on the machine in it."""
    sizes = sorted(synthetic, key=int)
    cpu = {n: summarize([b["cpu"] for b in synthetic[n]])["min"] for n in sizes}
    intercept, slope = linear_fit([int(n) for n in sizes[:2]], [cpu[n] for n in sizes[:2]])
    largest = sizes[-1]
    ratio = cpu[largest] / (intercept + slope * int(largest))
    per = lambda seconds: ", ".join(f"{n}: {1000 * seconds[n] / int(n):.1f}" for n in sizes)
    write = {n: summarize([b["write"] for b in synthetic[n]])["median"] for n in sizes}
    return {**row(f"build growth: {largest} measured / predicted", [ratio], "x", "<= 1.15 (linear)",
                  lambda v: v <= 1.15),
            "note": f"fastest CPU ms per chapter {per(cpu)}; of which writing pages (wall, median) {per(write)}"}


def lcp_before_worker(paints):
    """How often the largest paint came before the page even made its Python worker."""
    before = sum(1 for p in paints if p["lcp"] and p["worker_created"] and p["lcp"]["t"] < p["worker_created"])
    return f"painted before the worker was made in {before} of {len(paints)} loads"


def marks(loads):
    """The floor's steps: the median time (ms from navigation start) at which each ended."""
    return "ends of " + ", ".join(f"{k} {fmt(summarize([m[k] for m in loads])['median'])}" for k in loads[0])


def phases(loads):
    """A chapter's steps (median ms): the worker made, each status it sent, the first sim ready."""
    seen = {}
    for load in loads:
        first = {}
        for what, t in load["phases"]:
            first.setdefault(what, t)
        for what, t in first.items():
            seen.setdefault(what, []).append(t)
    steps = [f"{what.rstrip('…')} {fmt(summarize(ts)['median'])}" for what, ts in seen.items()]
    return "at: " + ", ".join(steps + [f"sim ready {fmt(summarize([x['ready'] for x in loads])['median'])}"])


def long_tasks(loads):
    """The longest task; the scripts the blocking animation frames name (total ms, largest first);
    and the worker messages whose handling took > 16 ms, by type (longest)."""
    longest = max([t["duration"] for load in loads for t in load["longtasks"]], default=0)
    if not longest:
        return ""
    totals, handled = {}, {}
    for frame in [f for load in loads for f in load["long_frames"] if f["blocking"] > 0]:
        for script in frame["scripts"]:
            key = f"{script['source']} ({script['invoker']})" if script["source"] != ":" else script["invoker"]
            totals[key] = totals.get(key, 0) + script["duration"]
    for message in [m for load in loads for m in load["slow_messages"]]:
        handled[message["type"]] = max(handled.get(message["type"], 0), message["ms"])
    scripts = ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(totals.items(), key=lambda kv: -kv[1])[:3])
    messages = ", ".join(f"'{k}' {v:.0f} ms" for k, v in handled.items())
    return (f"longest {longest:.0f} ms; blocking frames ran {scripts}"
            + (f"; worker messages handled slowly: {messages}" if messages else ""))


def fmt(value):
    if value is None:
        return "-"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def table(rows):
    """The report as aligned text."""
    lines = [f"{'metric':<48} {'value':>14} {'spread (min-max)':>16}  {'n':>4}  {'target':<18} {'met':<4} note"]
    for x in rows:
        s = x["summary"]
        label = f"{fmt(x['value'])} {x['unit']}" + (f" {x['stat']}" if x["stat"] != "median" else "")
        spread = f"{fmt(s['min'])}-{fmt(s['max'])}" if s["n"] > 1 else ""
        met = {True: "yes", False: "NO", None: ""}[x["met"]]
        lines.append(f"{x['metric']:<48} {label:>14} {spread:>16}  {s['n']:>4}  {x['target'] or '':<18} {met:<4} "
                     f"{x['note']}".rstrip())
    return "\n".join(lines)
