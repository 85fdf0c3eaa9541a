"""Pulsar adapters: the consumer of data-ingested."""
