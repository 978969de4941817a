"""Benchmarks and model evaluations that print figures (never timed assertions in tests)."""
