"""processing_svc: runs each record through a versioned pipeline, every step an event in PostgreSQL."""
