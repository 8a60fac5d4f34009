"""onewindow department adapter service: the only service that talks to agency systems: one
configured connector per department (REST webhook, gRPC), retries, circuit breaker, parking of
undeliverable tasks.
"""
