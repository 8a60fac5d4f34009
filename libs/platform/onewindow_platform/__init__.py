"""The shared event platform every onewindow service stands on.

config     settings from environment variables, one object per service
topics     the topic registry (one place) and topic creation
events     the event catalogue and the envelope codec
kafka      producer/consumer factories, crc32c check, broker readiness
tracing    OpenTelemetry set-up and W3C trace context in Kafka headers
logs       structured JSON logs that never carry an ID-card or phone number
storage    the local database (SQLite) with the inbox and outbox tables
outbox     the transactional outbox and its relay
consumer   the consuming loop: inbox, handler, outbox, commit, retry, DLQ
runtime    wiring it all into a service process that drains on SIGTERM
"""
