"""Summaries of repeated measurements: median and spread."""

import math


def percentile(values, q):
    """The q-th percentile (0-100) of values, interpolating linearly between order statistics."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values):
    """{n, median, min, max, p25, p75, p95} of the values that are not None; n=0 when none are."""
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None, "p25": None, "p75": None, "p95": None}
    return {"n": len(values), "median": percentile(values, 50), "min": min(values), "max": max(values),
            "p25": percentile(values, 25), "p75": percentile(values, 75), "p95": percentile(values, 95)}


def linear_fit(xs, ys):
    """Least-squares (intercept, slope) of ys against xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope
