"""validation_svc: checks each record against versioned business rules; its event log is Redis Streams."""
