"""Domain model: entities, aggregates, domain events and rules (standard library only)."""
