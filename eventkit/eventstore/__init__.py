"""Event store, outbox and inbox: the ports and their PostgreSQL and in-memory adapters."""
