"""query_svc: MongoDB materialized views fed from Pulsar; flexible filters, history and past states."""
