"""A simulated agency back office for development and tests.

It receives tasks the way real agency systems do (signed REST webhook, gRPC), keeps one task per
idempotency key, acknowledges and then completes (or returns, or asks for a supplement) through
the gateway's agency callback API after a delay, and can be told per department to be down,
slow, or to answer garbage through its control API.
"""
