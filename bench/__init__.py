"""Vitrine's benchmarks: `python -m bench [--quick] [--only import,api,fanout,quota]`.

Each module exposes `async def run(quick: bool) -> list[Figure]` (see `bench/report.py`):
every figure is printed next to a raw baseline measured in the same run, with its ratio and
target, and the run writes a JSON summary. Results and method: docs/performance.md.
"""
