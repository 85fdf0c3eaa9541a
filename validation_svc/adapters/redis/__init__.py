"""Redis adapters: the validation event log in Redis Streams."""
