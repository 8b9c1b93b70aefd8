"""Benchmarks and the big test file (`python -m benchmarks.make_db`, `python -m benchmarks.run`)."""
