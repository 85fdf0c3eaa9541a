"""query_svc contract tests."""
