"""Benchmarks, run by hand (never as timed tests): see README.md here."""
