"""Benchmarks of the nkhr build and endpoint, with peers, as the data grows: ``python -m bench``."""
