"""Benchmarks: planners (bench.planners), slot offers (bench.slots), service latency (bench.service)."""
