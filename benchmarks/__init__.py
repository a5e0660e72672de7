"""Benchmarks for the archive build (see benchmarks/run.py)."""
