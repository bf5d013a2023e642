"""Benchmarks of the engine, each measured against a peer in the same run (`make bench`); not part of the tests."""
