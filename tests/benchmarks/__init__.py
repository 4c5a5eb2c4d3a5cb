"""Benchmarks: run them all with `make bench` (tests/benchmarks/run_all.py). Not tests."""
