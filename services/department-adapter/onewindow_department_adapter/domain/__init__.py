"""The adapter's pure rules: the task's states at its agency, retry schedule, circuit breaker."""
