"""Development tooling for onewindow: the local Kafka broker and the `make run` supervisor."""
