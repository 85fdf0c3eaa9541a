"""Use cases (command and event handlers) and the ports they depend on."""
