"""The Kafka layers, one module each."""
