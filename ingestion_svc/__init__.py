"""ingestion_svc: partners submit records, kept as event-sourced aggregates in PostgreSQL with an outbox."""
