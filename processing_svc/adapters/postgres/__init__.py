"""processing's PostgreSQL adapters: the unit of work over eventkit's event store, and the duplicate index."""
