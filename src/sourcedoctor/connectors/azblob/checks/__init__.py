"""The Azure Blob connector\x27s checks, one module per layer."""
