"""The streaming inlet's own layers (the shared DNS, TCP and TLS layers come from ``checks/``)."""
