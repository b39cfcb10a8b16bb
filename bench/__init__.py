"""The benchmark harness: datasets, baselines and operations measured in one run (see README "Benchmark")."""
