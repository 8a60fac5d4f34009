"""The adapter's pure rules: retry schedule and per-agency circuit breaker."""
