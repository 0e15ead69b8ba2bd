"""The performance benchmark behind `bench.py`: a GitHub Pages-like server, a stock-Pyodide
floor page, an in-page probe, the browser measurements, synthetic courses and the report."""
