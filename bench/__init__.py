"""Benchmarks: planners (bench.planners); run from the repository root."""
