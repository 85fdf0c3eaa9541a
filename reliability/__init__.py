"""Fault-injection scenarios against the running stack, with a checker of what every store ended with."""
