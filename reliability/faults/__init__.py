"""Faults a scenario injects while records stream: one module per kind of fault."""
