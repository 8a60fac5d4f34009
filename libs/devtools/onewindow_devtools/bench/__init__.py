"""`make bench`: the platform's throughput and latency against its own baselines (see __main__)."""
