"""Write the figures that are computed rather than drawn: chapters/figures/cem-narrowing.svg (a
real CEM run) and compounding-error.svg (the formula of Open Problems). Run it after changing
this file; tests/builder/test_figures.py checks that the committed SVGs are what it writes.

    .venv/bin/python tools/figures.py
"""

from pathlib import Path

import numpy as np

FIGURES = Path(__file__).resolve().parent.parent / "chapters" / "figures"
ARROW = ('<marker id="ink" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
         'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="fill-ink"/></marker>')


def num(x):
    return f"{x:.1f}".rstrip("0").rstrip(".")


def signed(x):
    """2.00 or −1.40: a true minus sign, as the chapters' math prints it."""
    return f"{x:.2f}".replace("-", "−")


def points(xs, ys):
    return " ".join(f"{num(x)},{num(y)}" for x, y in zip(xs, ys))


# --- CEM on a one-dimensional plan -------------------------------------------------------------

CEM = dict(samples=20, elites=5, iterations=4, mean=0.0, std=1.5, seed=0)
BEST = 1.3  # the top of the higher hill
LOW, HIGH = -3.0, 3.0


def objective(a):
    """Two hills: a lower one at -1.4 and the best plan at 1.3."""
    return 0.6 * np.exp(-(a + 1.4) ** 2 / 0.3) + np.exp(-(a - BEST) ** 2 / 0.2)


def cem_run(samples, elites, iterations, mean, std, seed):
    """Each iteration's (mean, std, samples, elite mask): sample, score, keep the best, refit."""
    rng = np.random.default_rng(seed)
    rounds = []
    for _ in range(iterations):
        a = np.clip(rng.normal(mean, std, samples), LOW, HIGH)
        best = np.argsort(objective(a))[-elites:]
        mask = np.zeros(samples, bool)
        mask[best] = True
        rounds.append((mean, std, a, mask))
        mean, std = a[best].mean(), a[best].std()
    return rounds


def cem_svg():
    x0, x1, panel, top = 20, 390, 80, 8
    sx = lambda a: x0 + (a - LOW) / (HIGH - LOW) * (x1 - x0)
    grid = np.linspace(LOW, HIGH, 121)
    rounds = cem_run(**CEM)
    body = []
    for k, (mean, std, a, mask) in enumerate(rounds):
        y0 = top + k * panel
        base = y0 + panel - 12
        height = panel - 34
        label = f"Iteration {k + 1}: mean {signed(mean)}, spread {signed(std)}"
        body.append(f'<text x="{x0}" y="{y0 + 14}" font-size="14">{label}</text>')
        body.append(f'<line x1="{x0}" y1="{base}" x2="{x1}" y2="{base}" class="stroke-muted" stroke-width="1"/>')
        body.append(f'<polyline points="{points(sx(grid), base - height * objective(grid))}" fill="none" '
                    'class="stroke-muted" stroke-width="1.5" stroke-dasharray="4 3"/>')
        density = np.exp(-0.5 * ((grid - mean) / std) ** 2)
        body.append(f'<polyline points="{points(sx(grid), base - height * density)}" fill="none" '
                    'class="stroke-imagined" stroke-width="2.5"/>')
        for value, elite in sorted(zip(a, mask), key=lambda p: p[1]):
            cls, r = ("fill-reward", 5) if elite else ("fill-samples", 3.5)
            body.append(f'<circle cx="{num(sx(value))}" cy="{num(base - height * objective(value))}" r="{r}" class="{cls}"/>')
    final = rounds[-1][2][rounds[-1][3]].mean()
    axis = top + len(rounds) * panel - 12
    body.append('<g font-size="14" text-anchor="middle">' + "".join(
        f'<line x1="{num(sx(a))}" y1="{axis}" x2="{num(sx(a))}" y2="{axis + 4}" class="stroke-muted"/>'
        f'<text x="{num(sx(a))}" y="{axis + 19}">{signed(a)[:-3]}</text>' for a in range(-3, 4)) + "</g>")
    legend_y = axis + 44
    body.append(f'<g font-size="14"><circle cx="{x0 + 5}" cy="{legend_y - 5}" r="3.5" class="fill-samples"/>'
                f'<text x="{x0 + 14}" y="{legend_y}">samples</text>'
                f'<circle cx="{x0 + 92}" cy="{legend_y - 5}" r="5" class="fill-reward"/>'
                f'<text x="{x0 + 102}" y="{legend_y}">elites</text>'
                f'<line x1="{x0 + 160}" y1="{legend_y - 5}" x2="{x0 + 184}" y2="{legend_y - 5}" class="stroke-imagined" stroke-width="2.5"/>'
                f'<text x="{x0 + 190}" y="{legend_y}">sampling distribution</text></g>')
    body.append(f'<g font-size="14"><line x1="{x0}" y1="{legend_y + 17}" x2="{x0 + 24}" y2="{legend_y + 17}" '
                f'class="stroke-muted" stroke-width="1.5" stroke-dasharray="4 3"/>'
                f'<text x="{x0 + 30}" y="{legend_y + 22}">score of a plan (best plan at 1.3)</text></g>')
    height = legend_y + 32
    desc = (f"The cross-entropy method on a one-number plan, whose score has a low hill at −1.4 and the best "
            f"plan at 1.3. Four iterations, {CEM['samples']} samples each, the best {CEM['elites']} kept as elites. "
            + " ".join(f"Iteration {k + 1} samples from a Gaussian with mean {signed(m)} and spread {signed(s)}."
                       for k, (m, s, _, _) in enumerate(rounds))
            + f" {'It moves to the best hill and narrows around it' if abs(final - BEST) < 0.2 else 'It settles on the lower hill'}"
            f"; the last elites average {signed(final)}.")
    return svg(400, height, "CEM narrows its distribution over iterations", desc, body)


# --- Compounding error -------------------------------------------------------------------------

GROWTH = (1.0, 1.05, 1.1)  # L, the factor the dynamics stretch an error by each step
HORIZON = 30


def error_after(h, growth):
    """e_H / ε = 1 + L + ... + L^(H-1)."""
    return float(np.sum(growth ** np.arange(h)))


def compounding_svg():
    x0, x1, y0, y1, top = 52, 320, 250, 30, 170
    sx = lambda h: x0 + h / HORIZON * (x1 - x0)
    sy = lambda e: y0 - e / top * (y0 - y1)
    body = ['<g font-size="14" text-anchor="middle">']
    for h in range(0, HORIZON + 1, 10):
        body.append(f'<line x1="{num(sx(h))}" y1="{y0}" x2="{num(sx(h))}" y2="{y0 + 5}" class="stroke-muted"/>'
                    f'<text x="{num(sx(h))}" y="{y0 + 21}">{h}</text>')
    body.append(f'<text x="{(x0 + x1) / 2:g}" y="{y0 + 42}">horizon H (steps)</text></g>')
    body.append('<g font-size="14" text-anchor="end">')
    for e in range(0, top + 1, 50):
        body.append(f'<line x1="{x0 - 5}" y1="{num(sy(e))}" x2="{x1}" y2="{num(sy(e))}" class="stroke-muted" '
                    f'stroke-width="0.6" stroke-dasharray="2 4"/><text x="{x0 - 8}" y="{num(sy(e) + 5)}">{e}ε</text>')
    body.append('</g>')
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" class="stroke-ink" stroke-width="1.5"/>')
    body.append(f'<text x="{x0 - 44}" y="16" font-size="14">the largest error after H steps</text>')
    ends = []
    for growth, cls in zip(GROWTH, ("stroke-muted", "stroke-imagined", "stroke-uncertainty")):
        hs = np.arange(HORIZON + 1)
        es = [error_after(h, growth) for h in hs]
        body.append(f'<polyline points="{points(sx(hs), [sy(e) for e in es])}" fill="none" class="{cls}" stroke-width="3"/>')
        ends.append((growth, es[-1], cls))
    for growth, end, cls in ends:
        y = sy(end)
        body.append(f'<g font-size="14"><text x="{x1 + 10}" y="{num(y - 2)}" class="strong">L = {growth:g}</text>'
                    f'<text x="{x1 + 10}" y="{num(y + 15)}">{end:.0f}ε</text></g>')
    desc = ("The largest error after H imagined steps, in units of the one-step error ε, when the dynamics stretch "
            "an existing error by a factor L each step: ε times (1 + L + … + L to the H−1). "
            + " ".join(f"With L = {g:g} it reaches {e:.1f}ε at H = {HORIZON}." for g, e, _ in ends)
            + " With L = 1 the error grows in a straight line; above 1 it grows exponentially.")
    return svg(400, y0 + 52, "Compounding error over the horizon", desc, body)


def svg(width, height, title, desc, body):
    return "\n".join([f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-size="15">',
                      f"  <title>{title}</title>", f"  <desc>{desc}</desc>", f"  <defs>{ARROW}</defs>",
                      *(f"  {line}" for line in body), "</svg>", ""])


FILES = {"cem-narrowing.svg": cem_svg, "compounding-error.svg": compounding_svg}

if __name__ == "__main__":
    for name, make in FILES.items():
        (FIGURES / name).write_text(make(), encoding="utf-8")
        print("wrote", FIGURES / name)
