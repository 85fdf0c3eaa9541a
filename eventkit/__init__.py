"""The shared runtime every service imports: settings, logging, metrics, HTTP, event store, Pulsar."""
