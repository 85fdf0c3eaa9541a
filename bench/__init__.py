"""Reproducible benchmarks against the local stack (`make bench`), each figure beside a baseline."""
