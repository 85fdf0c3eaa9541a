"""Apache Pulsar adapters: publisher, consumer loop, replay reader, admin probes."""
