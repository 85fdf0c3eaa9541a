"""Pulsar adapters: the projector's consumers of the three topics."""
