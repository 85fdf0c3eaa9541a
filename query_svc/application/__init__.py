"""query_svc's use cases: the projector that applies events and the read queries, on ports."""
