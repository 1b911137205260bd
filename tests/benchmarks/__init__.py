"""Benchmarks, run on purpose (never collected by pytest): see README "Benchmarks"."""
