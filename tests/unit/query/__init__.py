"""query_svc tests."""
