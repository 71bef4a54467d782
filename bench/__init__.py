"""Benchmarks of the landed code (issue #15): scale data and the runner that measures it."""
