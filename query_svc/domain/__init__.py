"""query_svc's domain: the view folded from a timeline, and the filter language. Standard library only."""
