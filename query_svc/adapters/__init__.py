"""Adapters to the outside world: HTTP, stores, broker. Only adapters import drivers."""
